/**
 * The visited-state store's contract, in few words of state, so that the mutation run of
 * store.ts (test/mutation-targets.mjs) can afford it for every mutant: the chunk boundary
 * (a record that would not fit starts a new chunk, one that fits exactly does not), table
 * growth and rehashing, the transition packing limits, hashes that must agree between
 * StateStore.hash and the successor batch, and what release() leaves usable.
 */
import { describe, expect, it } from 'vitest';
import { StateStore, SuccessorBatch } from '../../src/spec/engine/store.ts';

const CHUNK = 1 << 20;
const HEADER = 3;

const state = (len: number, seed: number): Int32Array => {
  const s = new Int32Array(len);
  s.fill(seed);
  s[len - 1] = seed * 3 + 1;
  return s;
};

describe('StateStore, lean', () => {
  it('fills a chunk exactly, then starts the next one, and finds every state in both', () => {
    const store = new StateStore();
    // Four records of CHUNK / 4 words (header included) fill the first chunk exactly.
    const len = CHUNK / 4 - HEADER;
    for (let i = 0; i < 5; i++) expect(store.intern(state(len, i), len, i - 1, 0, i)).toBe(i);
    for (let i = 0; i < 5; i++) {
      expect(store.find(state(len, i), len)).toBe(i);
      expect(store.lengthOf(i)).toBe(len);
      const out = new Int32Array(len);
      expect(store.load(i, out)).toBe(len);
      expect(out[0]).toBe(i);
      expect(out[len - 1]).toBe(i * 3 + 1);
    }
    // One word more than what is left in the second chunk: a third chunk, the state intact.
    const rest = 3 * (CHUNK / 4) - HEADER + 1;
    expect(store.intern(state(rest, 9), rest, 4, 0, 0)).toBe(5);
    const out = new Int32Array(rest);
    expect(store.load(5, out)).toBe(rest);
    expect(out[rest - 1]).toBe(28);
    expect(store.find(state(len, 4), len)).toBe(4);
    expect(store.find(state(len, 7), len)).toBe(-1);
  });

  it('rejects a state longer than a chunk', () => {
    const store = new StateStore();
    const len = CHUNK - HEADER + 1;
    expect(() => store.intern(new Int32Array(len), len, -1, -1, -1)).toThrow(/too long to store/);
    // The refusal leaves the store as it was: no state counted, none findable.
    expect(store.count).toBe(0);
    expect(store.find(new Int32Array(len), len)).toBe(-1);
    // The longest that fits is stored, as the first state.
    expect(store.intern(new Int32Array(len - 1), len - 1, -1, -1, -1)).toBe(0);
    expect(store.count).toBe(1);
    expect(store.find(new Int32Array(len - 1), len - 1)).toBe(0);
    expect(store.lengthOf(0)).toBe(len - 1);
    expect(store.depth[0]).toBe(0);
  });

  it('keeps counting from where it was after refusing a state, with a state already held', () => {
    const store = new StateStore();
    expect(store.intern(Int32Array.of(1, 2), 2, -1, -1, -1)).toBe(0);
    const len = CHUNK;
    expect(() => store.intern(new Int32Array(len), len, 0, 1, 0)).toThrow(/too long to store/);
    expect(() => store.intern(Int32Array.of(3), 1, 0, 1 << 11, 0)).toThrow(/out of range/);
    expect(store.count).toBe(1);
    // The next state is number 1, a child of state 0, and every earlier lookup still works.
    expect(store.intern(Int32Array.of(3), 1, 0, 2, 7)).toBe(1);
    expect(store.count).toBe(2);
    expect(store.path(1)).toEqual([{ unit: 2, choice: 7 }]);
    expect(store.depth[1]).toBe(1);
    expect(store.find(Int32Array.of(1, 2), 2)).toBe(0);
    expect(store.find(Int32Array.of(3), 1)).toBe(1);
  });

  it('grows its index and table past their first sizes and keeps every state findable', () => {
    const store = new StateStore();
    const n = 9000; // beyond the 4096-entry index and a quarter of the 8192-slot table
    let wrong = 0;
    for (let i = 0; i < n; i++) if (store.intern(Int32Array.of(i, -i), 2, i - 1, 1, 0) !== i) wrong++;
    expect(wrong).toBe(0);
    expect(store.count).toBe(n);
    for (let i = 0; i < n; i += 97) {
      expect(store.find(Int32Array.of(i, -i), 2)).toBe(i);
      expect(store.intern(Int32Array.of(i, -i), 2, 0, 0, 0)).toBe(-(i + 1));
    }
    expect(store.find(Int32Array.of(n, -n), 2)).toBe(-1);
    // Same words, other length: another state.
    expect(store.find(Int32Array.of(5, -5, 0), 3)).toBe(-1);
    expect(store.depth[n - 1]).toBe(n - 1);
    expect(store.parent[n - 1]).toBe(n - 2);
    expect(store.path(3)).toEqual([
      { unit: 1, choice: 0 },
      { unit: 1, choice: 0 },
      { unit: 1, choice: 0 },
    ]);
  });

  it('packs transitions up to their limits and refuses beyond', () => {
    const store = new StateStore();
    store.intern(Int32Array.of(0), 1, -1, -1, -1);
    const maxChoice = (1 << 20) - 1;
    const maxUnit = (1 << 11) - 1;
    expect(store.intern(Int32Array.of(1), 1, 0, maxUnit, maxChoice)).toBe(1);
    expect(store.path(1)).toEqual([{ unit: maxUnit, choice: maxChoice }]);
    expect(() => store.intern(Int32Array.of(2), 1, 0, maxUnit + 1, 0)).toThrow(RangeError);
    expect(() => store.intern(Int32Array.of(3), 1, 0, 0, maxChoice + 1)).toThrow(/out of range/);
    expect(store.path(0)).toEqual([]);
    expect(store.depth[0]).toBe(0);
    expect(store.depth[1]).toBe(1);
  });

  it('hashes the same words the same way in the store and in the successor batch', () => {
    const store = new StateStore();
    store.intern(Int32Array.of(7, 7, 7), 3, -1, -1, -1);
    const batch = new SuccessorBatch();
    // Built in the batch's own slot, and built elsewhere (copied in): both are found, not added.
    const slot = batch.next(3);
    slot.set([7, 7, 7]);
    batch.add(2, 1, slot, 3);
    batch.add(2, 2, Int32Array.of(7, 7, 7), 3);
    batch.add(3, 0, Int32Array.of(8, 7, 7), 3);
    batch.flush(store, 0);
    expect(store.count).toBe(2);
    expect(batch.count).toBe(0);
    expect(store.find(Int32Array.of(8, 7, 7), 3)).toBe(1);
    expect(store.path(1)).toEqual([{ unit: 3, choice: 0 }]);
    expect(StateStore.hash(Int32Array.of(1, 2), 2)).not.toBe(StateStore.hash(Int32Array.of(2, 1), 2));
    expect(StateStore.hash(Int32Array.of(0), 1)).not.toBe(StateStore.hash(Int32Array.of(0, 0), 2));
  });

  it('after release() answers for paths and counts only', () => {
    const store = new StateStore();
    store.intern(Int32Array.of(1), 1, -1, -1, -1);
    store.intern(Int32Array.of(2), 1, 0, 4, 5);
    store.release();
    expect(store.count).toBe(2);
    expect(store.path(1)).toEqual([{ unit: 4, choice: 5 }]);
    expect(() => store.load(0, new Int32Array(1))).toThrow(/after release/);
    expect(() => store.lengthOf(1)).toThrow(/after release/);
    expect(() => store.find(Int32Array.of(1), 1)).toThrow(/after release/);
  });
});
