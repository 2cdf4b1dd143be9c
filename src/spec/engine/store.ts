/**
 * The set of visited states: state vectors packed end to end in an arena, an open-addressing
 * hash table over them, and per state the BFS parent, the transition that reached it and its
 * depth (for shortest counterexamples). States are numbered in discovery order, which in
 * breadth-first search is also the order they are expanded in.
 *
 * Layout, chosen for memory traffic (most lookups find a state already seen, every word is
 * compared, and first touching fresh memory costs more than hashing): a table slot holds the
 * arena offset + 1 of a record, and the arena holds each state as [hash, length, index, words…];
 * the table stays small enough to sit in cache and a lookup touches the one record it finds
 * (the table is kept at most a quarter full, so probes rarely meet another state's record). The arena is a list of fixed-size chunks that
 * are never copied or freed while the search runs: growing by doubling would touch (page in)
 * twice the memory the states need and leave the old copies to the garbage collector.
 *
 * A state whose words all fit in a signed byte (most do: CPU numbers, flags, history numbers
 * of small automata, the relaxed memory's view indices) is stored packed, four words to an
 * arena word, its length negated in the record to say so: a quarter of the memory, compared
 * and loaded by unpacking on the fly.
 */

/** Words per arena chunk (4 MiB). A state must fit in one chunk. */
const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;
const WITHIN = CHUNK - 1;
/** A record's header: [hash, length, index]. */
const HEADER = 3;

/** Whether every word of s[0..len) fits in a signed byte (the record is then packed). */
const packable = (s: Int32Array, len: number): boolean => {
  for (let i = 0; i < len; i++) {
    const w = s[i] as number;
    if (w < -128 || w > 127) return false;
  }
  return true;
};
/** Word `i` of a packed record whose words start at `at`. */
const packedWord = (chunk: Int32Array, at: number, i: number): number =>
  ((chunk[at + (i >> 2)] as number) << (24 - ((i & 3) << 3))) >> 24;
/** Arena words a record of `len` words takes (packed or not). */
const stored = (len: number, packed: boolean): number => (packed ? (len + 3) >> 2 : len);
/** A transition packs its unit (high bits) and its choice (low CHOICE_BITS bits). */
const CHOICE_BITS = 20;
const MAX_CHOICE = (1 << CHOICE_BITS) - 1;
const MAX_UNIT = (1 << (31 - CHOICE_BITS)) - 1;

/**
 * Chunks of finished searches, kept for the next one: a process (a test run, the site's worker)
 * runs many checks, and memory it has already paged in costs nothing to reuse. Stale contents
 * are harmless, as a record is always written before the table points at it.
 */
const spareChunks: Int32Array[] = [];
const MAX_SPARE_CHUNKS = 8;
const newChunk = (): Int32Array => spareChunks.pop() ?? new Int32Array(CHUNK);

const hashStart = (len: number): number => 0x811c9dc5 ^ len;
const hashWord = (h: number, word: number): number => Math.imul(h ^ word, 0x01000193);
const hashEnd = (h: number): number => {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
};

export class StateStore {
  readonly #chunks: Int32Array[] = [newChunk()];
  /** Global offset of the next free word: chunk number << CHUNK_BITS | offset in it. */
  #used = 0;
  #offset = new Int32Array(1 << 12);
  /** Each state's hash, beside its record: a rehash then reads no record (no cache miss each). */
  #hashOf = new Int32Array(1 << 12);
  parent = new Int32Array(1 << 12);
  #step = new Int32Array(1 << 12);
  depth = new Int32Array(1 << 12);
  count = 0;
  /** Store byte-sized states packed (see the header); off only to measure what it saves. */
  packing = true;
  #table = new Int32Array(1 << 13);
  #mask = (1 << 13) - 1;

  /** FNV-style word hash with a murmur3 finaliser: cheap per word, well mixed at the end. */
  static hash(s: Int32Array, len: number): number {
    let h = hashStart(len);
    for (let i = 0; i < len; i++) h = hashWord(h, s[i] as number);
    return hashEnd(h);
  }

  /** Index of the state equal to s[0..len), or -1. */
  find(s: Int32Array, len: number, h = StateStore.hash(s, len)): number {
    const slot = this.#probe(s, len, h);
    const off = (this.#table[slot] as number) - 1;
    return off < 0 ? -1 : (this.#record(off)[(off & WITHIN) + 2] as number);
  }

  /**
   * Adds the state s[0..len) unless present; returns its index, or -(index + 1) if it was
   * already there.
   */
  intern(
    s: Int32Array,
    len: number,
    parent: number,
    unit: number,
    choice: number,
    h = StateStore.hash(s, len),
  ): number {
    const slot = this.#probe(s, len, h);
    const found = (this.#table[slot] as number) - 1;
    if (found >= 0) return -((this.#record(found)[(found & WITHIN) + 2] as number) + 1);
    // Both refusals come before anything changes, so that a caller who catches one keeps a
    // consistent store (count still the number of states held).
    if (unit > MAX_UNIT || choice > MAX_CHOICE) throw new RangeError(`transition (${unit}, ${choice}) out of range`);
    if (len + HEADER > CHUNK) throw new RangeError(`a state of ${len} words is too long to store`);
    const idx = this.count++;
    if (idx >= this.#offset.length) this.#growIndex();
    const packed = this.packing && packable(s, len);
    const words = stored(len, packed);
    let off = this.#used;
    // A new chunk when the record would not fit, or the last one ended exactly full.
    if ((off & WITHIN) + words + HEADER > CHUNK || off >>> CHUNK_BITS >= this.#chunks.length) {
      this.#chunks.push(newChunk());
      off = (this.#chunks.length - 1) << CHUNK_BITS;
    }
    const chunk = this.#chunks[off >>> CHUNK_BITS] as Int32Array;
    const at = off & WITHIN;
    chunk[at] = h;
    chunk[at + 1] = packed ? -len : len;
    chunk[at + 2] = idx;
    if (packed) {
      for (let k = 0; k < words; k++) {
        let w = 0;
        for (let b = 0; b < 4 && 4 * k + b < len; b++) w |= ((s[4 * k + b] as number) & 0xff) << (b << 3);
        chunk[at + HEADER + k] = w;
      }
    } else for (let i = 0; i < len; i++) chunk[at + HEADER + i] = s[i] as number;
    this.#used = off + words + HEADER;
    this.#offset[idx] = off;
    this.#hashOf[idx] = h;
    this.parent[idx] = parent;
    this.#step[idx] = unit < 0 ? -1 : (unit << CHOICE_BITS) | choice;
    this.depth[idx] = parent < 0 ? 0 : (this.depth[parent] as number) + 1;
    this.#table[slot] = off + 1;
    if (this.count * 4 > this.#mask + 1) this.#rehash();
    return idx;
  }

  /**
   * Hands the arena to the next search. Only `count`, `parent`, `depth` and `path` remain
   * usable: looking states up or loading them afterwards throws.
   */
  release(): void {
    for (const chunk of this.#chunks) if (spareChunks.length < MAX_SPARE_CHUNKS) spareChunks.push(chunk);
    this.#chunks.length = 0;
    this.#table = new Int32Array(0);
    this.#mask = -1;
  }

  /** Length of state `idx`. */
  lengthOf(idx: number): number {
    const off = this.#offset[idx] as number;
    return Math.abs(this.#record(off)[(off & WITHIN) + 1] as number);
  }

  /** Arena words the states take (headers included), for bytes-per-state figures. */
  get words(): number {
    let words = 0;
    for (let idx = 0; idx < this.count; idx++) {
      const off = this.#offset[idx] as number;
      const len = this.#record(off)[(off & WITHIN) + 1] as number;
      words += HEADER + stored(Math.abs(len), len < 0);
    }
    return words;
  }

  /** Copies state `idx` into `out`; returns its length. */
  load(idx: number, out: Int32Array): number {
    const off = this.#offset[idx] as number;
    const chunk = this.#record(off);
    const at = (off & WITHIN) + HEADER;
    const len = chunk[at - HEADER + 1] as number;
    if (len >= 0) {
      for (let i = 0; i < len; i++) out[i] = chunk[at + i] as number;
      return len;
    }
    for (let i = 0; i < -len; i++) out[i] = packedWord(chunk, at, i);
    return -len;
  }

  /** The path of (unit, choice) transitions from the initial state to `idx`. */
  path(idx: number): { unit: number; choice: number }[] {
    const out: { unit: number; choice: number }[] = [];
    for (let i = idx; (this.parent[i] as number) >= 0; i = this.parent[i] as number) {
      const step = this.#step[i] as number;
      out.push({ unit: step >>> CHOICE_BITS, choice: step & MAX_CHOICE });
    }
    return out.reverse();
  }

  /** The chunk holding the record at global offset `off`. */
  #record(off: number): Int32Array {
    const chunk = this.#chunks[off >>> CHUNK_BITS];
    if (chunk === undefined) throw new Error('state store used after release()');
    return chunk;
  }

  /**
   * Reads the table slot for hash `h` and the start of the record it points at, and returns a
   * word of it: a lookup's cache misses, taken early (see SuccessorBatch).
   */
  touch(h: number): number {
    const off = (this.#table[h & this.#mask] as number) - 1;
    return off < 0 ? 0 : (this.#record(off)[off & WITHIN] as number);
  }

  /** The slot holding this state, or the empty slot where it would go. */
  #probe(s: Int32Array, len: number, h: number): number {
    const table = this.#table;
    const mask = this.#mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const off = (table[slot] as number) - 1;
      if (off < 0) return slot;
      const chunk = this.#record(off);
      const at = off & WITHIN;
      if (chunk[at] !== h) continue;
      const stored = chunk[at + 1] as number;
      let i = 0;
      if (stored === len) {
        while (i < len && chunk[at + HEADER + i] === s[i]) i++;
      } else if (stored === -len) {
        while (i < len && packedWord(chunk, at + HEADER, i) === s[i]) i++;
      } else continue;
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
    this.#hashOf = grow(this.#hashOf);
    this.parent = grow(this.parent);
    this.#step = grow(this.#step);
    this.depth = grow(this.depth);
  }

  #rehash(): void {
    const slots = (this.#mask + 1) * 2;
    const table = new Int32Array(slots);
    const mask = slots - 1;
    const offsets = this.#offset;
    const hashes = this.#hashOf;
    for (let idx = 0; idx < this.count; idx++) {
      let slot = (hashes[idx] as number) & mask;
      while ((table[slot] as number) !== 0) slot = (slot + 1) & mask;
      table[slot] = (offsets[idx] as number) + 1;
    }
    this.#table = table;
    this.#mask = mask;
  }
}

/**
 * The successors of one state, gathered before any of them is looked up. Their table slots and
 * records are then all touched back to back, so that the cache misses of the lookups overlap
 * instead of waiting one behind another (software pipelining: JavaScript has no prefetch
 * instruction). They are then interned in the order they were generated, as without the batch.
 *
 * The machine builds each successor directly in the batch's next slot (`next()`, passed to it
 * as its scratch space), so gathering one costs no copy, only its hash.
 */
export class SuccessorBatch {
  /** One array per successor; slack beyond the state for memory models that grow it. */
  readonly #slots: Int32Array[] = [];
  count = 0;
  #len: number[] = [];
  #unit: number[] = [];
  #choice: number[] = [];
  #hash: number[] = [];
  /** Sum of the words touched, kept so that the touching loads cannot be optimised away. */
  sink = 0;

  /** Where the next successor, of up to `len` words plus slack, should be built. */
  next(len: number): Int32Array {
    const k = this.count;
    let slot = this.#slots[k];
    if (slot === undefined || slot.length < len + 4096) {
      slot = new Int32Array((len + 4096) * 2);
      this.#slots[k] = slot;
    }
    return slot;
  }

  add(unit: number, choice: number, s: Int32Array, len: number): void {
    const k = this.count;
    let slot = this.#slots[k];
    let h = hashStart(len);
    if (s === slot) {
      for (let i = 0; i < len; i++) h = hashWord(h, s[i] as number);
    } else {
      // Built elsewhere (a representative under symmetry): copy it in while hashing.
      slot = this.next(len);
      for (let i = 0; i < len; i++) {
        const w = s[i] as number;
        slot[i] = w;
        h = hashWord(h, w);
      }
    }
    this.count = k + 1;
    this.#len[k] = len;
    this.#unit[k] = unit;
    this.#choice[k] = choice;
    this.#hash[k] = hashEnd(h);
  }

  /** Interns every gathered successor as a child of `parent`; empties the batch. */
  flush(store: StateStore, parent: number): void {
    const n = this.count;
    let sink = 0;
    for (let k = 0; k < n; k++) sink += store.touch(this.#hash[k] as number);
    this.sink += sink;
    for (let k = 0; k < n; k++) {
      store.intern(
        this.#slots[k] as Int32Array,
        this.#len[k] as number,
        parent,
        this.#unit[k] as number,
        this.#choice[k] as number,
        this.#hash[k] as number,
      );
    }
    this.count = 0;
  }
}
