/**
 * The visited-state store's answers where a mutation run of store.ts found them untested
 * (reports/mutation/REPORT.md): states with equal hashes, a caller's buffer longer than the
 * state, and a successor slot reused for a longer state. Kept apart from store-lean.test.ts so
 * that Stryker's incremental run reuses the results of the unchanged tests there.
 */
import { describe, expect, it } from 'vitest';
import { StateStore, SuccessorBatch } from '../../src/spec/engine/store.ts';

/**
 * Two different states with the same hash, built by solving the hash for the last word (the
 * FNV-style mixing is a bijection per word, and the finaliser is one too): the store must tell
 * them apart by their words and lengths, not by their hashes.
 */
describe('StateStore, hash collisions', () => {
  const P = 0x01000193;
  const start = (len: number): number => 0x811c9dc5 ^ len;

  it('keeps apart a state and a longer one whose hash is the same', () => {
    // hash([x]) === hash([x, y]) when (start(1) ^ x) * P === ((start(2) ^ x) * P ^ y) * P.
    const x = 12345;
    const y = start(1) ^ x ^ Math.imul(start(2) ^ x, P);
    const short = Int32Array.of(x);
    const long = Int32Array.of(x, y);
    expect(StateStore.hash(long, 2)).toBe(StateStore.hash(short, 1));
    for (const [first, firstLen, second, secondLen] of [
      [long, 2, short, 1],
      [short, 1, long, 2],
    ] as const) {
      const store = new StateStore();
      expect(store.intern(first, firstLen, -1, -1, -1)).toBe(0);
      expect(store.find(second, secondLen)).toBe(-1);
      expect(store.intern(second, secondLen, 0, 1, 0)).toBe(1);
      expect(store.find(first, firstLen)).toBe(0);
      expect(store.find(second, secondLen)).toBe(1);
      expect(store.lengthOf(1)).toBe(secondLen);
    }
  });

  it('keeps apart two states of one length whose hash is the same', () => {
    // hash([a, b]) === hash([c, d]) when (start(2) ^ a) * P ^ b === (start(2) ^ c) * P ^ d.
    const [a, b, c] = [7, 11, 8];
    const d = Math.imul(start(2) ^ a, P) ^ b ^ Math.imul(start(2) ^ c, P);
    const one = Int32Array.of(a, b);
    const other = Int32Array.of(c, d);
    expect(StateStore.hash(other, 2)).toBe(StateStore.hash(one, 2));
    const store = new StateStore();
    expect(store.intern(one, 2, -1, -1, -1)).toBe(0);
    expect(store.find(other, 2)).toBe(-1);
    expect(store.intern(other, 2, 0, 3, 4)).toBe(1);
    expect(store.intern(one, 2, 0, 0, 0)).toBe(-1);
    expect(store.intern(other, 2, 0, 0, 0)).toBe(-2);
    const out = new Int32Array(2);
    store.load(1, out);
    expect([...out]).toEqual([c, d]);
  });
});

describe('StateStore and SuccessorBatch, the caller’s buffers', () => {
  it('load() writes the state and nothing past it', () => {
    const store = new StateStore();
    store.intern(Int32Array.of(4, 5, 6), 3, -1, -1, -1);
    store.intern(Int32Array.of(9, 9, 9, 9), 4, 0, 1, 1);
    const out = new Int32Array(8).fill(-7);
    expect(store.load(0, out)).toBe(3);
    expect([...out]).toEqual([4, 5, 6, -7, -7, -7, -7, -7]);
  });

  it('gives room for a state longer than any it held before, and stores it whole', () => {
    const store = new StateStore();
    store.intern(Int32Array.of(0), 1, -1, -1, -1);
    const batch = new SuccessorBatch();
    const small = batch.next(5);
    small.set([1, 2, 3, 4, 5]);
    batch.add(0, 0, small, 5);
    batch.flush(store, 0);
    // The same slot is asked for again, now for a state far longer than the first one.
    // Between the first slot's length (2 × (5 + 4096) = 8,202) and that plus the slack: a slot kept
    // when it is merely within the slack of the state would be too short.
    const len = 10_000;
    const big = batch.next(len);
    expect(big.length).toBeGreaterThanOrEqual(len);
    for (let i = 0; i < len; i++) big[i] = i + 1;
    batch.add(0, 1, big, len);
    batch.flush(store, 0);
    expect(store.count).toBe(3);
    const out = new Int32Array(len);
    expect(store.load(2, out)).toBe(len);
    expect(out[len - 1]).toBe(len);
    expect(
      store.find(
        Int32Array.from({ length: len }, (_, i) => i + 1),
        len,
      ),
    ).toBe(2);
  });
});
