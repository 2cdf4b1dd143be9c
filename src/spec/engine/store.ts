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
 * States are stored packed: a word that fits in a signed byte (most do: values, CPU numbers,
 * the relaxed memory's view indices) takes one byte, any other (a thread word, which packs a
 * history number with flags) an escape byte and four; the bytes fill arena words four by four.
 * A packed record is [hash, -length, index, packed words, bytes…]. The packing is a function of
 * the state, so a lookup packs the state once and compares packed words.
 */

/** Words per arena chunk (4 MiB). A state must fit in one chunk. */
const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;
const WITHIN = CHUNK - 1;
/** A record's header: [hash, length, index]. */
const HEADER = 3;

/** The byte that says four bytes of a word follow (no byte-sized word is -128). */
const ESCAPE = 0x80;
/** The header of a packed record has one more word: the number of packed words. */
const PACKED_HEADER = HEADER + 1;

/** Packs s[0..len) into `out` (see the header; zero-padded); returns the packed words. */
function pack(s: Int32Array, len: number, out: Int32Array): number {
  let word = 0;
  let bits = 0;
  let n = 0;
  const put = (byte: number): void => {
    word |= (byte & 0xff) << bits;
    bits += 8;
    if (bits === 32) {
      out[n++] = word;
      word = 0;
      bits = 0;
    }
  };
  for (let i = 0; i < len; i++) {
    const w = s[i] as number;
    if (w >= -127 && w <= 127) put(w);
    else {
      put(ESCAPE);
      put(w);
      put(w >> 8);
      put(w >> 16);
      put(w >> 24);
    }
  }
  if (bits > 0) out[n++] = word;
  return n;
}

/** Unpacks `len` words from the packed words at chunk[at…] into `out`. */
function unpack(chunk: Int32Array, at: number, len: number, out: Int32Array): void {
  let pos = 0;
  const byte = (): number => {
    const b = ((chunk[at + (pos >> 2)] as number) >>> ((pos & 3) << 3)) & 0xff;
    pos++;
    return b;
  };
  for (let i = 0; i < len; i++) {
    const b = byte();
    if (b !== ESCAPE) out[i] = (b << 24) >> 24;
    else out[i] = byte() | (byte() << 8) | (byte() << 16) | (byte() << 24);
  }
}
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

/** Options of a StateStore. */
export interface StoreOptions {
  /**
   * Tree compression (see TREE below): each state is a binary tree of pairs interned in a table
   * shared by all states, so a state stores only its root pair. Off: packed records.
   */
  readonly tree?: boolean;
}

export class StateStore {
  readonly #chunks: Int32Array[] = [newChunk()];
  /** Tree compression (StoreOptions.tree): the arena holds tree nodes, not records. */
  readonly tree: boolean;
  readonly #tree: TreeNodes | undefined;
  /** Tree mode: per state [root left, root right, length], three words from 3 * index. */
  #roots = new Int32Array(0);
  /** Global offset of the next free word: chunk number << CHUNK_BITS | offset in it. */
  #used = 0;
  #offset = new Int32Array(1 << 12);
  /** Each state's hash, beside its record: a rehash then reads no record (no cache miss each). */
  #hashOf = new Int32Array(1 << 12);
  parent = new Int32Array(1 << 12);
  #step = new Int32Array(1 << 12);
  depth = new Int32Array(1 << 12);
  count = 0;
  /** Store states packed (see the header); off only to measure what it saves. */
  packing = true;
  /** The state being looked up, packed (#pack), and its packed words. */
  #packed = new Int32Array(1 << 10);
  #packedLen = 0;
  #table = new Int32Array(1 << 13);
  #mask = (1 << 13) - 1;

  constructor(opts: StoreOptions = {}) {
    this.tree = opts.tree ?? false;
    if (this.tree) {
      this.#tree = new TreeNodes(this.#chunks);
      this.#roots = new Int32Array(3 << 12);
      // The state table is only read at the roots: a half-full table costs a probe more, less often.
    }
  }

  /** FNV-style word hash with a murmur3 finaliser: cheap per word, well mixed at the end. */
  static hash(s: Int32Array, len: number): number {
    let h = hashStart(len);
    for (let i = 0; i < len; i++) h = hashWord(h, s[i] as number);
    return hashEnd(h);
  }

  /** Index of the state equal to s[0..len), or -1. */
  find(s: Int32Array, len: number, h?: number): number {
    if (this.#tree !== undefined) {
      if (!this.#tree.root(s, len, false)) return -1;
      return (this.#table[this.#rootProbe(len)] as number) - 1;
    }
    const slot = this.#probe(s, len, h ?? StateStore.hash(s, len));
    const off = (this.#table[slot] as number) - 1;
    return off < 0 ? -1 : (this.#record(off)[(off & WITHIN) + 2] as number);
  }

  /**
   * Adds the state s[0..len) unless present; returns its index, or -(index + 1) if it was
   * already there.
   */
  intern(s: Int32Array, len: number, parent: number, unit: number, choice: number, hash?: number): number {
    if (this.#tree !== undefined) return this.#internTree(s, len, parent, unit, choice);
    const h = hash ?? StateStore.hash(s, len);
    const slot = this.#probe(s, len, h);
    const found = (this.#table[slot] as number) - 1;
    if (found >= 0) return -((this.#record(found)[(found & WITHIN) + 2] as number) + 1);
    // Both refusals come before anything changes, so that a caller who catches one keeps a
    // consistent store (count still the number of states held).
    if (unit > MAX_UNIT || choice > MAX_CHOICE) throw new RangeError(`transition (${unit}, ${choice}) out of range`);
    const packed = this.packing;
    const words = packed ? PACKED_HEADER + this.#packedLen : HEADER + len;
    if (len + HEADER > CHUNK || words > CHUNK) throw new RangeError(`a state of ${len} words is too long to store`);
    const idx = this.count++;
    if (idx >= this.#offset.length) this.#growIndex();
    let off = this.#used;
    // A new chunk when the record would not fit, or the last one ended exactly full.
    if ((off & WITHIN) + words > CHUNK || off >>> CHUNK_BITS >= this.#chunks.length) {
      this.#chunks.push(newChunk());
      off = (this.#chunks.length - 1) << CHUNK_BITS;
    }
    const chunk = this.#chunks[off >>> CHUNK_BITS] as Int32Array;
    const at = off & WITHIN;
    chunk[at] = h;
    chunk[at + 1] = packed ? -len : len;
    chunk[at + 2] = idx;
    if (packed) {
      const n = this.#packedLen;
      const from = this.#packed;
      chunk[at + HEADER] = n;
      for (let k = 0; k < n; k++) chunk[at + PACKED_HEADER + k] = from[k] as number;
    } else for (let i = 0; i < len; i++) chunk[at + HEADER + i] = s[i] as number;
    this.#used = off + words;
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
    this.#tree?.release();
    for (const chunk of this.#chunks) if (spareChunks.length < MAX_SPARE_CHUNKS) spareChunks.push(chunk);
    this.#chunks.length = 0;
    this.#table = new Int32Array(0);
    this.#mask = -1;
  }

  /** Length of state `idx`. */
  lengthOf(idx: number): number {
    if (this.#tree !== undefined) {
      if (this.#chunks.length === 0) throw new Error('state store used after release()');
      return this.#roots[3 * idx + 2] as number;
    }
    const off = this.#offset[idx] as number;
    return Math.abs(this.#record(off)[(off & WITHIN) + 1] as number);
  }

  /** Arena words the states take (headers included), for bytes-per-state figures. */
  get words(): number {
    if (this.#tree !== undefined) return 2 * this.#tree.count + 3 * this.count;
    let words = 0;
    for (let idx = 0; idx < this.count; idx++) {
      const off = this.#offset[idx] as number;
      const chunk = this.#record(off);
      const at = off & WITHIN;
      const len = chunk[at + 1] as number;
      words += len >= 0 ? HEADER + len : PACKED_HEADER + (chunk[at + HEADER] as number);
    }
    return words;
  }

  /** Copies state `idx` into `out`; returns its length. */
  load(idx: number, out: Int32Array): number {
    if (this.#tree !== undefined) {
      if (this.#chunks.length === 0) throw new Error('state store used after release()');
      const r = this.#roots;
      return this.#tree.expand(idx, r[3 * idx] as number, r[3 * idx + 1] as number, r[3 * idx + 2] as number, out);
    }
    const off = this.#offset[idx] as number;
    const chunk = this.#record(off);
    const at = (off & WITHIN) + HEADER;
    const len = chunk[at - HEADER + 1] as number;
    if (len >= 0) {
      for (let i = 0; i < len; i++) out[i] = chunk[at + i] as number;
      return len;
    }
    unpack(chunk, at + 1, -len, out);
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
    if (this.#tree !== undefined) return 0;
    const off = (this.#table[h & this.#mask] as number) - 1;
    return off < 0 ? 0 : (this.#record(off)[off & WITHIN] as number);
  }

  /** The slot holding this state, or the empty slot where it would go (packs it first, see #packed). */
  #probe(s: Int32Array, len: number, h: number): number {
    const table = this.#table;
    const mask = this.#mask;
    const packing = this.packing;
    let n = 0;
    if (packing) {
      if (this.#packed.length < len * 5 + 4) this.#packed = new Int32Array(len * 5 + 4);
      n = pack(s, len, this.#packed);
      this.#packedLen = n;
    }
    const packed = this.#packed;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const off = (table[slot] as number) - 1;
      if (off < 0) return slot;
      const chunk = this.#record(off);
      const at = off & WITHIN;
      if (chunk[at] !== h) continue;
      const stored = chunk[at + 1] as number;
      if (packing) {
        if (stored !== -len || chunk[at + HEADER] !== n) continue;
        let k = 0;
        while (k < n && chunk[at + PACKED_HEADER + k] === packed[k]) k++;
        if (k === n) return slot;
      } else {
        if (stored !== len) continue;
        let i = 0;
        while (i < len && chunk[at + HEADER + i] === s[i]) i++;
        if (i === len) return slot;
      }
    }
  }

  #growIndex(): void {
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    if (this.#tree !== undefined) this.#roots = grow(this.#roots);
    else {
      this.#offset = grow(this.#offset);
      this.#hashOf = grow(this.#hashOf);
    }
    this.parent = grow(this.parent);
    this.#step = grow(this.#step);
    this.depth = grow(this.depth);
  }

  /** Tree mode: the table slot of the root the tree just computed (TreeNodes.root), or the empty slot for it. */
  #rootProbe(len: number): number {
    const tree = this.#tree as TreeNodes;
    const a = tree.rootLeft;
    const b = tree.rootRight;
    const roots = this.#roots;
    const table = this.#table;
    const mask = this.#mask;
    for (let slot = rootHash(a, b, len) & mask; ; slot = (slot + 1) & mask) {
      const idx = (table[slot] as number) - 1;
      if (idx < 0) return slot;
      const at = 3 * idx;
      if (roots[at] === a && roots[at + 1] === b && roots[at + 2] === len) return slot;
    }
  }

  #internTree(s: Int32Array, len: number, parent: number, unit: number, choice: number): number {
    const tree = this.#tree as TreeNodes;
    if (this.#chunks.length === 0) throw new Error('state store used after release()');
    tree.root(s, len, true, parent);
    const slot = this.#rootProbe(len);
    const found = (this.#table[slot] as number) - 1;
    if (found >= 0) return -(found + 1);
    if (unit > MAX_UNIT || choice > MAX_CHOICE) throw new RangeError(`transition (${unit}, ${choice}) out of range`);
    const idx = this.count++;
    if (idx >= this.parent.length) this.#growIndex();
    const at = 3 * idx;
    this.#roots[at] = tree.rootLeft;
    this.#roots[at + 1] = tree.rootRight;
    this.#roots[at + 2] = len;
    this.parent[idx] = parent;
    this.#step[idx] = unit < 0 ? -1 : (unit << CHOICE_BITS) | choice;
    this.depth[idx] = parent < 0 ? 0 : (this.depth[parent] as number) + 1;
    this.#table[slot] = idx + 1;
    if (this.count * 2 > this.#mask + 1) this.#rehash();
    return idx;
  }

  #rehash(): void {
    const slots = (this.#mask + 1) * 2;
    const table = new Int32Array(slots);
    const mask = slots - 1;
    const offsets = this.#offset;
    const hashes = this.#hashOf;
    const roots = this.#roots;
    for (let idx = 0; idx < this.count; idx++) {
      if (this.#tree !== undefined) {
        const at = 3 * idx;
        let slot = rootHash(roots[at] as number, roots[at + 1] as number, roots[at + 2] as number) & mask;
        while ((table[slot] as number) !== 0) slot = (slot + 1) & mask;
        table[slot] = idx + 1;
        continue;
      }
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

/** A pair's hash: a node lookup is most of the tree's cost, so two multiplies and a mix. */
const nodeHash = (a: number, b: number): number => {
  let x = Math.imul(a, 0x85ebca6b) ^ Math.imul(b ^ (b >>> 15), 0xc2b2ae35);
  x ^= x >>> 16;
  x = Math.imul(x, 0x27d4eb2f);
  return x ^ (x >>> 15);
};
const rootHash = (a: number, b: number, len: number): number => nodeHash(a ^ Math.imul(len, 0x9e3779b1), b);

/**
 * TREE compression (LTSmin's tree compression, Blom, Lisser, van de Pol and Weber, "A database
 * approach to distributed state-space generation", 2009; Laarman et al., "Optimal compression
 * of combinatorial state spaces", 2013): a state of n words is the bottom level of a binary
 * tree; each level above pairs up the one below (a pair is a node, interned in one table for
 * all states; an odd last entry would be carried up as it is, but see width below), up to a top level of at most two
 * entries, the state's root. Concurrent systems' states are combinations of few thread states
 * and few memory contents, so the nodes below the root are shared by many states, and a new
 * state adds about one node besides its root: a state costs its root (three words: the two top
 * entries and n) and a node or so, whatever n is.
 *
 * Interning a successor of the state last loaded (its parent, whose tree is kept level by
 * level) re-interns only the nodes above the words that differ from the parent's, a few per
 * level; any other state is built from its words. A node is two words in the arena chunks
 * (node i at word 2i), so a pair never straddles a chunk and a node's id is its address.
 * A word and a node id in the same position are never confused: the tree's shape, and so what
 * each entry is, follows from n alone.
 *
 * The tree of a state of n > 2 words is the perfect tree over its *width*, n rounded up to a
 * power of two, the words past n zero (the root keeps n, so a state is still told apart from
 * one with zeros appended). States whose lengths differ but share a width (the relaxed
 * memory's states grow and shrink by a write at a time) then share a shape, so a successor of
 * another length is still interned from its parent's kept tree, not rebuilt from its words
 * (which took most of the tree's time under relaxed). The padding costs next to no time: an entry
 * that lies wholly in it is the all-zero subtree of its level (#zero), never looked up.
 */
class TreeNodes {
  readonly #chunks: Int32Array[];
  count = 0;
  #table = new Int32Array(1 << 12);
  #mask = (1 << 12) - 1;
  /** The root computed by the last root() call. */
  rootLeft = 0;
  rootRight = 0;
  /** The shape for width #shapeWidth: level k is #size[k] entries from #base[k] in a tree buffer. */
  #shapeWidth = -1;
  #size: number[] = [];
  #base: number[] = [];
  /** The tree of the state last expanded (load), every level, for its successors. */
  #kept = new Int32Array(0);
  #keptIdx = -1;
  #keptLen = -1;
  #keptWidth = -1;
  /** A tree built from a state's words (no kept tree to start from). */
  #built = new Int32Array(0);
  /** Changed entries of the level being combined, and of the next; the undo log of #kept. */
  #changed = new Int32Array(0);
  #nextChanged = new Int32Array(0);
  /** At most one entry per place in the tree (each changes once per root() call): typed, so no allocation. */
  #undoAt = new Int32Array(0);
  #undoWas = new Int32Array(0);
  /** #zeros[k]: the node of 2^k zero words (k >= 1), or -1 while not known; #zeros[0] = 0, a word. */
  #zeros: number[] = [0];

  constructor(chunks: Int32Array[]) {
    this.#chunks = chunks;
  }

  release(): void {
    this.#table = new Int32Array(0);
    this.#mask = -1;
    this.#keptIdx = -1;
    this.#zeros = [0];
  }

  /** The width of the tree of a state of `len` words (see the class comment). */
  static width(len: number): number {
    if (len <= 2) return len;
    let w = 4;
    while (w < len) w *= 2;
    return w;
  }

  /** The entry of level k for 2^k zero words; -1 if its node is missing and `insert` is off. */
  #zero(k: number, insert: boolean): number {
    const zeros = this.#zeros;
    while (zeros.length <= k) zeros.push(-1);
    const known = zeros[k] as number;
    if (known >= 0) return known;
    const below = this.#zero(k - 1, insert);
    if (below < 0) return -1;
    const id = this.node(below, below, insert);
    if (id >= 0) zeros[k] = id;
    return id;
  }

  #shape(len: number): void {
    const width = TreeNodes.width(len);
    if (width === this.#shapeWidth) return;
    this.#size = [width];
    this.#base = [0];
    let total = width;
    for (let m = width; m > 2; ) {
      m = (m + 1) >> 1;
      this.#base.push(total);
      this.#size.push(m);
      total += m;
    }
    this.#shapeWidth = width;
    if (this.#kept.length < total + 2) {
      this.#kept = new Int32Array(total + 2);
      this.#built = new Int32Array(total + 2);
      this.#undoAt = new Int32Array(total + 2);
      this.#undoWas = new Int32Array(total + 2);
      this.#keptIdx = -1;
    }
    if (this.#changed.length < width + 1) {
      this.#changed = new Int32Array(width + 1);
      this.#nextChanged = new Int32Array(width + 1);
    }
  }

  left(id: number): number {
    const w = 2 * id;
    return (this.#chunks[w >>> CHUNK_BITS] as Int32Array)[w & WITHIN] as number;
  }

  right(id: number): number {
    const w = 2 * id + 1;
    return (this.#chunks[w >>> CHUNK_BITS] as Int32Array)[w & WITHIN] as number;
  }

  /** The id of node (a, b); without `insert`, -1 if there is none. */
  node(a: number, b: number, insert: boolean): number {
    const table = this.#table;
    const mask = this.#mask;
    if (mask < 0) throw new Error('state store used after release()');
    const chunks = this.#chunks;
    let slot = nodeHash(a, b) & mask;
    for (; ; slot = (slot + 1) & mask) {
      const id = (table[slot] as number) - 1;
      if (id < 0) break;
      const w = 2 * id;
      const chunk = chunks[w >>> CHUNK_BITS] as Int32Array;
      const at = w & WITHIN;
      if (chunk[at] === a && chunk[at + 1] === b) return id;
    }
    if (!insert) return -1;
    const id = this.count++;
    const w = 2 * id;
    if (w >>> CHUNK_BITS >= chunks.length) chunks.push(newChunk());
    const chunk = chunks[w >>> CHUNK_BITS] as Int32Array;
    chunk[w & WITHIN] = a;
    chunk[(w & WITHIN) + 1] = b;
    table[slot] = id + 1;
    if (this.count * 2 > mask + 1) this.#rehash();
    return id;
  }

  #rehash(): void {
    const slots = (this.#mask + 1) * 2;
    const table = new Int32Array(slots);
    const mask = slots - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = nodeHash(this.left(id), this.right(id)) & mask;
      while ((table[slot] as number) !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    this.#table = table;
    this.#mask = mask;
  }

  /** The top level of tree buffer t into rootLeft, rootRight. */
  #top(t: Int32Array): void {
    const k = this.#size.length - 1;
    const m = this.#size[k] as number;
    const at = this.#base[k] as number;
    this.rootLeft = m >= 1 ? (t[at] as number) : 0;
    this.rootRight = m === 2 ? (t[at + 1] as number) : 0;
  }

  /**
   * The root of s[0..len) into rootLeft, rootRight, interning the nodes it needs (`insert`) or
   * returning false as soon as one is missing (then no stored state equals s).
   */
  root(s: Int32Array, len: number, insert: boolean, parent = -1): boolean {
    this.#shape(len);
    if (parent >= 0 && parent === this.#keptIdx && this.#shapeWidth === this.#keptWidth)
      return this.#fromKept(s, len, insert);
    const t = this.#built;
    for (let i = 0; i < len; i++) t[i] = s[i] as number;
    const size = this.#size;
    const base = this.#base;
    for (let k = 0; k + 1 < size.length; k++) {
      const m = size[k] as number;
      const from = base[k] as number;
      const to = base[k + 1] as number;
      for (let j = 0, i = 0; j < m; j += 2, i++) {
        // Wholly past the words (entry i of level k + 1 starts at word i << (k + 1)): padding.
        if (i << (k + 1) >= len) {
          const z = this.#zero(k + 1, insert);
          if (z < 0) return false;
          for (; i < (size[k + 1] as number); i++) t[to + i] = z;
          break;
        }
        if (j + 1 < m) {
          const left = t[from + j] as number;
          let right: number;
          if ((j + 1) << k < len) right = t[from + j + 1] as number;
          else {
            // A word may be negative; a missing zero node is -1 at a level above the words only.
            right = this.#zero(k, insert);
            if (right < 0 && k > 0) return false;
          }
          const id = this.node(left, right, insert);
          if (id < 0) return false;
          t[to + i] = id;
        } else t[to + i] = t[from + j] as number;
      }
    }
    this.#top(t);
    return true;
  }

  /** root() for a successor of the kept state: only the nodes above the words that differ. */
  #fromKept(s: Int32Array, len: number, insert: boolean): boolean {
    const t = this.#kept;
    const undoAt = this.#undoAt;
    const undoWas = this.#undoWas;
    let undo = 0;
    let changed = this.#changed;
    let next = this.#nextChanged;
    let n = 0;
    for (let i = 0; i < len; i++) {
      const w = s[i] as number;
      const was = t[i] as number;
      if (was !== w) {
        undoAt[undo] = i;
        undoWas[undo++] = was;
        t[i] = w;
        changed[n++] = i;
      }
    }
    // Past these words, the kept state's are padding (zero) in this state's tree.
    for (let i = len; i < this.#keptLen; i++) {
      const was = t[i] as number;
      if (was !== 0) {
        undoAt[undo] = i;
        undoWas[undo++] = was;
        t[i] = 0;
        changed[n++] = i;
      }
    }
    const size = this.#size;
    const base = this.#base;
    let ok = true;
    for (let k = 0; n > 0 && k + 1 < size.length; k++) {
      const m = size[k] as number;
      const from = base[k] as number;
      const to = base[k + 1] as number;
      let nn = 0;
      let last = -1;
      for (let c = 0; c < n; c++) {
        const i = (changed[c] as number) >> 1;
        if (i === last) continue;
        last = i;
        const j = 2 * i;
        let v: number;
        if (j + 1 < m) {
          v = this.node(t[from + j] as number, t[from + j + 1] as number, insert);
          if (v < 0) {
            ok = false;
            break;
          }
        } else v = t[from + j] as number;
        if (t[to + i] !== v) {
          undoAt[undo] = to + i;
          undoWas[undo++] = t[to + i] as number;
          t[to + i] = v;
          next[nn++] = i;
        }
      }
      if (!ok) break;
      const swap = changed;
      changed = next;
      next = swap;
      n = nn;
    }
    if (ok) this.#top(t);
    for (let u = undo - 1; u >= 0; u--) t[undoAt[u] as number] = undoWas[u] as number;
    return ok;
  }

  /**
   * Writes the state of root (a, b) and length len into out, and keeps its tree as state idx's.
   * When the kept tree has the same width, only the entries that differ from it are read: an
   * entry equal to the kept one at its place is the same subtree (nodes are interned), so
   * nothing below it changes. States loaded one after another in breadth-first order are often
   * successors of one parent, a few words apart, so a load reads a few nodes per level instead
   * of all of them.
   */
  expand(idx: number, a: number, b: number, len: number, out: Int32Array): number {
    this.#shape(len);
    const t = this.#kept;
    const size = this.#size;
    const base = this.#base;
    let k = size.length - 1;
    const top = base[k] as number;
    if (k > 0 && this.#keptIdx >= 0 && this.#keptWidth === this.#shapeWidth) {
      let changed = this.#changed;
      let next = this.#nextChanged;
      let n = 0;
      if (t[top] !== a) {
        t[top] = a;
        changed[n++] = 0;
      }
      if (t[top + 1] !== b) {
        t[top + 1] = b;
        changed[n++] = 1;
      }
      for (; n > 0 && k > 0; k--) {
        const at = base[k] as number;
        const to = base[k - 1] as number;
        let nn = 0;
        for (let c = 0; c < n; c++) {
          const i = changed[c] as number;
          const v = t[at + i] as number;
          const j = 2 * i;
          const left = this.left(v);
          const right = this.right(v);
          if (t[to + j] !== left) {
            t[to + j] = left;
            next[nn++] = j;
          }
          if (t[to + j + 1] !== right) {
            t[to + j + 1] = right;
            next[nn++] = j + 1;
          }
        }
        const swap = changed;
        changed = next;
        next = swap;
        n = nn;
      }
    } else {
      if ((size[k] as number) >= 1) t[top] = a;
      if ((size[k] as number) === 2) t[top + 1] = b;
      for (; k > 0; k--) {
        const m = size[k] as number;
        const at = base[k] as number;
        const below = size[k - 1] as number;
        const to = base[k - 1] as number;
        for (let i = 0, j = 0; i < m; i++, j += 2) {
          // Wholly past the words: the zero subtrees (present, as this state was interned with them).
          if (i << k >= len) {
            const z = this.#zero(k - 1, true);
            for (; j < below; j++) t[to + j] = z;
            break;
          }
          const v = t[at + i] as number;
          if (j + 1 < below) {
            t[to + j] = this.left(v);
            t[to + j + 1] = this.right(v);
          } else t[to + j] = v;
        }
      }
    }
    for (let i = 0; i < len; i++) out[i] = t[i] as number;
    this.#keptIdx = idx;
    this.#keptLen = len;
    this.#keptWidth = this.#shapeWidth;
    return len;
  }
}
