/** The visited-state store: exact lookups across chunk boundaries, paths, and release. */
import { describe, expect, it } from 'vitest';
import { StateStore } from '../../src/spec/engine/store.ts';

const state = (len: number, seed: number): Int32Array => {
  const s = new Int32Array(len);
  for (let i = 0; i < len; i++) s[i] = (seed * 31 + i * 7) % 1000;
  s[0] = seed;
  return s;
};

describe('StateStore', () => {
  it('finds every state it holds, and no other, across many chunks', () => {
    const store = new StateStore();
    // 2^18 - 3 words: four records fill a 2^20-word chunk exactly, the awkward boundary.
    for (const len of [(1 << 18) - 3, 1000, 7]) {
      const before = store.count;
      const n = len > 1000 ? 10 : 3000;
      for (let i = 0; i < n; i++) expect(store.intern(state(len, i + before), len, i - 1, 1, i)).toBe(before + i);
      for (let i = 0; i < n; i++) {
        expect(store.intern(state(len, i + before), len, 0, 0, 0)).toBe(-(before + i + 1));
        expect(store.find(state(len, i + before), len)).toBe(before + i);
        const out = new Int32Array(len);
        expect(store.load(before + i, out)).toBe(len);
        expect(out).toEqual(state(len, i + before));
      }
      expect(store.find(state(len, before + n), len)).toBe(-1);
    }
  });

  it('keeps parents, transitions and depths for paths', () => {
    const store = new StateStore();
    store.intern(state(5, 0), 5, -1, -1, -1);
    store.intern(state(5, 1), 5, 0, 3, 2);
    store.intern(state(5, 2), 5, 1, 4, 70_000);
    expect(store.path(2)).toEqual([
      { unit: 3, choice: 2 },
      { unit: 4, choice: 70_000 },
    ]);
    expect(store.depth[2]).toBe(2);
  });

  it('refuses lookups after release(), but still answers for paths', () => {
    const store = new StateStore();
    store.intern(state(5, 0), 5, -1, -1, -1);
    store.intern(state(5, 1), 5, 0, 1, 0);
    store.release();
    expect(() => store.find(state(5, 0), 5)).toThrow(/after release/);
    expect(store.path(1)).toEqual([{ unit: 1, choice: 0 }]);
    // A new store may get the released chunk; it must not see the old states.
    const next = new StateStore();
    expect(next.find(state(5, 1), 5)).toBe(-1);
  });
});
