/**
 * The tree-compressed state store (store.ts, TreeNodes): the same answers as the packed store
 * for the same sequence of calls, whether a state is built from its words or from the kept
 * tree of its parent (the state last loaded), at every length (0, 1, 2, odd, even, growing
 * and shrinking as the relaxed memory's states do), and the same search results through the
 * explorer.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../src/spec/engine/check.ts';
import { Rng as Prng } from '../../src/spec/engine/prng.ts';
import { StateStore } from '../../src/spec/engine/store.ts';
import { MODELS } from '../../src/spec/models/index.ts';

/** A successor of s: a few words changed (small values, as states have), sometimes a new length. */
function successor(rng: Prng, s: Int32Array, len: number): { next: Int32Array; len: number } {
  let n = len;
  const r = rng.next();
  if (r < 0.05) n = Math.max(0, len - 1 - rng.int(3));
  else if (r < 0.1) n = len + 1 + rng.int(3);
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) next[i] = i < len ? (s[i] as number) : rng.int(4);
  const changes = n === 0 ? 0 : 1 + rng.int(3);
  for (let c = 0; c < changes; c++) {
    const v = rng.next() < 0.1 ? rng.int(1 << 30) - (1 << 29) : rng.int(5);
    next[rng.int(n)] = v;
  }
  return { next, len: n };
}

describe('StateStore, tree compression', () => {
  it('answers as the packed store does on a breadth-first search of random successors', () => {
    for (const seed of [1, 2, 3, 4]) {
      const rng = new Prng(seed);
      const tree = new StateStore({ tree: true });
      const packed = new StateStore();
      expect(tree.tree).toBe(true);
      const len0 = [0, 1, 2, 3, 7, 44][seed % 6] as number;
      const init = new Int32Array(len0).map(() => rng.int(3));
      expect(tree.intern(init, len0, -1, -1, -1)).toBe(packed.intern(init, len0, -1, -1, -1));
      for (let next = 0; next < tree.count && tree.count < 3000; next++) {
        const len = tree.lengthOf(next);
        expect(len).toBe(packed.lengthOf(next));
        const a = new Int32Array(len);
        const b = new Int32Array(len);
        expect(tree.load(next, a)).toBe(len);
        packed.load(next, b);
        expect(a).toEqual(b);
        for (let k = 0; k < 4; k++) {
          const s = successor(rng, a, len);
          // Every other lookup first through find() (no insertion), as the ample-set check does.
          if (k % 2 === 0) expect(tree.find(s.next, s.len)).toBe(packed.find(s.next, s.len));
          // A successor of another state than the one loaded: built from its words.
          const parent = k === 3 ? Math.max(0, next - 1) : next;
          expect(tree.intern(s.next, s.len, parent, k, 0)).toBe(packed.intern(s.next, s.len, parent, k, 0));
        }
      }
      expect(tree.count).toBe(packed.count);
      for (let i = 0; i < tree.count; i += 97) expect(tree.path(i)).toEqual(packed.path(i));
      // Fewer words than the packed records, although random successors share less than states do.
      expect(tree.words).toBeLessThan(packed.words);
    }
  });

  it('tells states apart that differ in their length only, or in a carried odd word', () => {
    const store = new StateStore({ tree: true });
    const states = [[], [0], [0, 0], [0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1], [1, 0, 0, 0, 0], [5, 7], [7, 5]];
    states.forEach((w, i) => {
      expect(store.intern(Int32Array.from(w), w.length, i - 1, 0, 0)).toBe(i);
    });
    states.forEach((w, i) => {
      expect(store.find(Int32Array.from(w), w.length)).toBe(i);
      const out = new Int32Array(w.length);
      expect(store.load(i, out)).toBe(w.length);
      expect([...out]).toEqual(w);
    });
    expect(store.find(Int32Array.of(0, 0, 0, 0), 4)).toBe(-1);
  });

  it('refuses lookups after release()', () => {
    const store = new StateStore({ tree: true });
    store.intern(Int32Array.of(1, 2, 3), 3, -1, -1, -1);
    store.release();
    expect(() => store.find(Int32Array.of(1, 2, 3), 3)).toThrow(/after release/);
    expect(() => store.load(0, new Int32Array(3))).toThrow(/after release/);
    expect(new StateStore({ tree: true }).find(Int32Array.of(1, 2, 3), 3)).toBe(-1);
  });

  it('gives the explorer the same states, transitions and counterexamples as the packed store', () => {
    const cases = [
      { model: 'requests', variant: 'correct-x86', memoryModel: 'tso' as const },
      { model: 'requests', variant: 'no-vcpu-barrier', memoryModel: 'tso' as const },
      { model: 'requests', variant: 'correct-x86', memoryModel: 'relaxed' as const },
      { model: 'rseq', memoryModel: 'sc' as const },
      { model: 'sb', memoryModel: 'relaxed' as const },
    ];
    for (const c of cases) {
      const model = MODELS.find((m) => m.name === c.model);
      if (model === undefined) throw new Error(c.model);
      const run = (stateStore: 'tree' | 'packed') =>
        check(model, {
          ...(c.variant ? { variant: c.variant } : {}),
          memoryModel: c.memoryModel,
          maxStates: 20_000,
          stateStore,
        });
      const tree = run('tree');
      const packed = run('packed');
      expect(tree.verdict, `${c.model} ${c.variant}`).toBe(packed.verdict);
      expect(tree.states).toBe(packed.states);
      expect(tree.transitions).toBe(packed.transitions);
      expect(tree.livenessStates).toBe(packed.livenessStates);
      expect(tree.counterexample?.steps.length).toBe(packed.counterexample?.steps.length);
    }
  });
});
