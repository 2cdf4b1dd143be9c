/**
 * StateStore's packed records (store.ts): a state whose words all fit in a signed byte is stored
 * four words to an arena word. Packed and unpacked states of the same length live side by side;
 * each is found, told apart from the others and loaded back word for word, and packing takes
 * about a quarter of the arena.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/spec/engine/prng.ts';
import { StateStore } from '../../src/spec/engine/store.ts';

/** Random states of `len` words: byte-sized ones (negative words too), and every fourth with one large word. */
function states(n: number, len: number, seed: number): Int32Array[] {
  const rng = new Rng(seed);
  const out: Int32Array[] = [];
  for (let k = 0; k < n; k++) {
    const s = new Int32Array(len);
    for (let i = 0; i < len; i++) s[i] = rng.int(256) - 128;
    if (k % 4 === 3) s[rng.int(len)] = 128 + rng.int(1 << 20);
    out.push(s);
  }
  return out;
}

describe('StateStore packed records', () => {
  it.each([1, 3, 4, 5, 17, 61])('holds packed and unpacked states of %i words side by side', (len) => {
    const store = new StateStore();
    const all = states(4000, len, len);
    const first = new Map<string, number>();
    all.forEach((s, k) => {
      const idx = store.intern(s, len, -1, -1, -1);
      const key = s.join(',');
      const known = first.get(key);
      if (known === undefined) {
        expect(idx).toBeGreaterThanOrEqual(0);
        first.set(key, idx);
      } else expect(idx).toBe(-(known + 1));
      expect(store.find(s, len)).toBe(first.get(key));
      void k;
    });
    const out = new Int32Array(len);
    for (const [key, idx] of first) {
      expect(store.lengthOf(idx)).toBe(len);
      expect(store.load(idx, out)).toBe(len);
      expect(Array.from(out).join(',')).toBe(key);
    }
    // A state one byte away from a stored one is not found.
    const probe = Int32Array.from(all[0] as Int32Array);
    probe[0] = probe[0] === 127 ? 126 : (probe[0] as number) + 1;
    if (!first.has(probe.join(','))) expect(store.find(probe, len)).toBe(-1);
  });

  it('packing takes about a quarter of the words', () => {
    const len = 64;
    const small = states(2000, len, 7).map((s) => s.map((w) => Math.max(-128, Math.min(127, w))));
    const packed = new StateStore();
    const plain = new StateStore();
    plain.packing = false;
    for (const s of small) {
      packed.intern(s, len, -1, -1, -1);
      plain.intern(s, len, -1, -1, -1);
    }
    expect(packed.count).toBe(plain.count);
    expect(plain.words).toBe(plain.count * (3 + len));
    expect(packed.words).toBe(packed.count * (3 + len / 4));
  });
});
