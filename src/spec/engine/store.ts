/**
 * The set of visited states: state vectors packed end to end in one Int32Array arena, an
 * open-addressing hash table over them, and per state the BFS parent, the transition that
 * reached it and its depth (for shortest counterexamples). States are numbered in discovery
 * order, which in breadth-first search is also the order they are expanded in.
 */
export class StateStore {
  #arena = new Int32Array(1 << 16);
  #used = 0;
  #offset = new Int32Array(1 << 12);
  #length = new Int32Array(1 << 12);
  #hash = new Int32Array(1 << 12);
  parent = new Int32Array(1 << 12);
  unit = new Int32Array(1 << 12);
  choice = new Int32Array(1 << 12);
  depth = new Int32Array(1 << 12);
  count = 0;
  #table = new Int32Array(1 << 14).fill(-1);
  #mask = (1 << 14) - 1;

  static hash(s: Int32Array, len: number): number {
    let h = 0x811c9dc5 ^ len;
    for (let i = 0; i < len; i++) {
      h = Math.imul(h ^ (s[i] as number), 0x01000193);
      h ^= h >>> 15;
    }
    return Math.imul(h ^ (h >>> 13), 0x5bd1e995) ^ (h >>> 16);
  }

  /** Index of the state equal to s[0..len), or -1. */
  find(s: Int32Array, len: number, h = StateStore.hash(s, len)): number {
    const table = this.#table;
    for (let slot = h & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const idx = table[slot] as number;
      if (idx < 0) return -1;
      if (this.#hash[idx] === h && this.#equals(idx, s, len)) return idx;
    }
  }

  /** Adds the state unless present; returns its index, or -(index + 1) if it was already there. */
  intern(s: Int32Array, len: number, parent: number, unit: number, choice: number): number {
    const h = StateStore.hash(s, len);
    const table = this.#table;
    let slot = h & this.#mask;
    for (; ; slot = (slot + 1) & this.#mask) {
      const idx = table[slot] as number;
      if (idx < 0) break;
      if (this.#hash[idx] === h && this.#equals(idx, s, len)) return -(idx + 1);
    }
    const idx = this.count++;
    if (idx >= this.#offset.length) this.#growIndex();
    if (this.#used + len > this.#arena.length) {
      const bigger = new Int32Array(Math.max(this.#arena.length * 2, this.#used + len));
      bigger.set(this.#arena.subarray(0, this.#used));
      this.#arena = bigger;
    }
    this.#arena.set(s.subarray(0, len), this.#used);
    this.#offset[idx] = this.#used;
    this.#length[idx] = len;
    this.#hash[idx] = h;
    this.parent[idx] = parent;
    this.unit[idx] = unit;
    this.choice[idx] = choice;
    this.depth[idx] = parent < 0 ? 0 : (this.depth[parent] as number) + 1;
    this.#used += len;
    table[slot] = idx;
    if (this.count * 2 > table.length) this.#rehash();
    return idx;
  }

  /** Length of state `idx`. */
  lengthOf(idx: number): number {
    return this.#length[idx] as number;
  }

  /** Copies state `idx` into `out`; returns its length. */
  load(idx: number, out: Int32Array): number {
    const off = this.#offset[idx] as number;
    const len = this.#length[idx] as number;
    out.set(this.#arena.subarray(off, off + len));
    return len;
  }

  /** The path of (unit, choice) transitions from the initial state to `idx`. */
  path(idx: number): { unit: number; choice: number }[] {
    const out: { unit: number; choice: number }[] = [];
    for (let i = idx; (this.parent[i] as number) >= 0; i = this.parent[i] as number) {
      out.push({ unit: this.unit[i] as number, choice: this.choice[i] as number });
    }
    return out.reverse();
  }

  #equals(idx: number, s: Int32Array, len: number): boolean {
    if (this.#length[idx] !== len) return false;
    const a = this.#arena;
    const off = this.#offset[idx] as number;
    for (let i = 0; i < len; i++) if (a[off + i] !== s[i]) return false;
    return true;
  }

  #growIndex(): void {
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.#offset = grow(this.#offset);
    this.#length = grow(this.#length);
    this.#hash = grow(this.#hash);
    this.parent = grow(this.parent);
    this.unit = grow(this.unit);
    this.choice = grow(this.choice);
    this.depth = grow(this.depth);
  }

  #rehash(): void {
    const size = this.#table.length * 2;
    const table = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let idx = 0; idx < this.count; idx++) {
      let slot = (this.#hash[idx] as number) & mask;
      while ((table[slot] as number) >= 0) slot = (slot + 1) & mask;
      table[slot] = idx;
    }
    this.#table = table;
    this.#mask = mask;
  }
}
