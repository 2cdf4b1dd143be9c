/**
 * The set of visited states: state vectors packed end to end in one Int32Array arena, an
 * open-addressing hash table over them, and per state the BFS parent, the transition that
 * reached it and its depth (for shortest counterexamples). States are numbered in discovery
 * order, which in breadth-first search is also the order they are expanded in.
 *
 * Layout, chosen for cache behaviour (most lookups find a state already seen, and each miss
 * costs more than hashing): a table slot holds [hash, arena offset + 1], and the arena holds
 * each state as [index, length, words…], so a lookup touches the table and the one record.
 */
export class StateStore {
  #arena = new Int32Array(1 << 16);
  #used = 0;
  #offset = new Int32Array(1 << 12);
  #hash = new Int32Array(1 << 12);
  parent = new Int32Array(1 << 12);
  unit = new Int32Array(1 << 12);
  choice = new Int32Array(1 << 12);
  depth = new Int32Array(1 << 12);
  count = 0;
  #table = new Int32Array(2 << 14);
  #mask = (1 << 14) - 1;

  /** FNV-style word hash with a murmur3 finaliser: cheap per word, well mixed at the end. */
  static hash(s: Int32Array, len: number): number {
    let h = 0x811c9dc5 ^ len;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ (s[i] as number), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** Index of the state equal to s[0..len), or -1. */
  find(s: Int32Array, len: number, h = StateStore.hash(s, len)): number {
    const slot = this.#probe(s, len, h);
    const off = (this.#table[2 * slot + 1] as number) - 1;
    return off < 0 ? -1 : (this.#arena[off] as number);
  }

  /** Adds the state unless present; returns its index, or -(index + 1) if it was already there. */
  intern(
    s: Int32Array,
    len: number,
    parent: number,
    unit: number,
    choice: number,
    h = StateStore.hash(s, len),
  ): number {
    const slot = this.#probe(s, len, h);
    const found = (this.#table[2 * slot + 1] as number) - 1;
    if (found >= 0) return -((this.#arena[found] as number) + 1);
    const idx = this.count++;
    if (idx >= this.#offset.length) this.#growIndex();
    const off = this.#used;
    if (off + len + 2 > this.#arena.length) {
      const bigger = new Int32Array(Math.max(this.#arena.length * 2, off + len + 2));
      bigger.set(this.#arena.subarray(0, off));
      this.#arena = bigger;
    }
    const arena = this.#arena;
    arena[off] = idx;
    arena[off + 1] = len;
    for (let i = 0; i < len; i++) arena[off + 2 + i] = s[i] as number;
    this.#used = off + len + 2;
    this.#offset[idx] = off;
    this.#hash[idx] = h;
    this.parent[idx] = parent;
    this.unit[idx] = unit;
    this.choice[idx] = choice;
    this.depth[idx] = parent < 0 ? 0 : (this.depth[parent] as number) + 1;
    this.#table[2 * slot] = h;
    this.#table[2 * slot + 1] = off + 1;
    if (this.count * 2 > this.#mask + 1) this.#rehash();
    return idx;
  }

  /** Length of state `idx`. */
  lengthOf(idx: number): number {
    return this.#arena[(this.#offset[idx] as number) + 1] as number;
  }

  /** Copies state `idx` into `out`; returns its length. */
  load(idx: number, out: Int32Array): number {
    const off = this.#offset[idx] as number;
    const len = this.#arena[off + 1] as number;
    const arena = this.#arena;
    for (let i = 0; i < len; i++) out[i] = arena[off + 2 + i] as number;
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

  /** The slot holding this state, or the empty slot where it would go. */
  #probe(s: Int32Array, len: number, h: number): number {
    const table = this.#table;
    const arena = this.#arena;
    const mask = this.#mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const off = (table[2 * slot + 1] as number) - 1;
      if (off < 0) return slot;
      if (table[2 * slot] !== h || arena[off + 1] !== len) continue;
      let i = 0;
      while (i < len && arena[off + 2 + i] === s[i]) i++;
      if (i === len) return slot;
    }
  }

  #growIndex(): void {
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.#offset = grow(this.#offset);
    this.#hash = grow(this.#hash);
    this.parent = grow(this.parent);
    this.unit = grow(this.unit);
    this.choice = grow(this.choice);
    this.depth = grow(this.depth);
  }

  #rehash(): void {
    const slots = (this.#mask + 1) * 2;
    const table = new Int32Array(2 * slots);
    const mask = slots - 1;
    for (let idx = 0; idx < this.count; idx++) {
      const h = this.#hash[idx] as number;
      let slot = h & mask;
      while ((table[2 * slot + 1] as number) !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = h;
      table[2 * slot + 1] = (this.#offset[idx] as number) + 1;
    }
    this.#table = table;
    this.#mask = mask;
  }
}
