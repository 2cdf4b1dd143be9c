/**
 * The relational algebra of herd's .cat language, over the n events of one candidate
 * execution: a relation is an n×n boolean matrix, a set is an n-element boolean vector. The
 * operators are named after the .cat syntax they stand for, so that lkmm.ts reads beside
 * tools/memory-model/linux-kernel.cat:
 *
 *   r1 ; r2  seq(r1, r2)      r1 | r2  union(...)     r1 & r2  inter(r1, r2)
 *   r1 \ r2  diff(r1, r2)     r^-1     inverse(r)     r?       opt(r)
 *   r+       plus(r)          r*       star(r)        [S]      id(S)
 *   S1 * S2  cross(S1, S2)    acyclic r, empty r, irreflexive r: acyclic / isEmpty / irreflexive
 *
 * Litmus executions have a few dozen events at most, so dense matrices and O(n³) composition
 * are simpler and fast enough (bench: `npm run bench -- --only litmus`).
 */

export class EventSet {
  readonly n: number;
  readonly bits: Uint8Array;
  constructor(n: number, bits?: Uint8Array) {
    this.n = n;
    this.bits = bits ?? new Uint8Array(n);
  }

  static of(n: number, pred: (e: number) => boolean): EventSet {
    const s = new EventSet(n);
    for (let e = 0; e < n; e++) if (pred(e)) s.bits[e] = 1;
    return s;
  }

  has(e: number): boolean {
    return this.bits[e] === 1;
  }

  /** S1 | S2 */
  union(o: EventSet): EventSet {
    return EventSet.of(this.n, (e) => this.has(e) || o.has(e));
  }

  /** S1 \ S2 */
  minus(o: EventSet): EventSet {
    return EventSet.of(this.n, (e) => this.has(e) && !o.has(e));
  }

  /** S1 & S2 */
  and(o: EventSet): EventSet {
    return EventSet.of(this.n, (e) => this.has(e) && o.has(e));
  }

  isEmpty(): boolean {
    return this.bits.every((b) => b === 0);
  }
}

export class Relation {
  readonly n: number;
  /** Row-major: m[a * n + b] === 1 iff (a, b) is in the relation. */
  readonly m: Uint8Array;
  constructor(n: number, m?: Uint8Array) {
    this.n = n;
    this.m = m ?? new Uint8Array(n * n);
  }

  static of(n: number, pred: (a: number, b: number) => boolean): Relation {
    const r = new Relation(n);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (pred(a, b)) r.m[a * n + b] = 1;
    return r;
  }

  static empty(n: number): Relation {
    return new Relation(n);
  }

  has(a: number, b: number): boolean {
    return this.m[a * this.n + b] === 1;
  }

  add(a: number, b: number): void {
    this.m[a * this.n + b] = 1;
  }

  pairs(): [number, number][] {
    const out: [number, number][] = [];
    for (let a = 0; a < this.n; a++) for (let b = 0; b < this.n; b++) if (this.has(a, b)) out.push([a, b]);
    return out;
  }

  /** domain(r) */
  domain(): EventSet {
    return EventSet.of(this.n, (a) => {
      for (let b = 0; b < this.n; b++) if (this.has(a, b)) return true;
      return false;
    });
  }

  /** range(r) */
  range(): EventSet {
    return EventSet.of(this.n, (b) => {
      for (let a = 0; a < this.n; a++) if (this.has(a, b)) return true;
      return false;
    });
  }
}

/** [S]: the identity on S. */
export function id(s: EventSet): Relation {
  const r = new Relation(s.n);
  for (let e = 0; e < s.n; e++) if (s.has(e)) r.add(e, e);
  return r;
}

/** The identity on every event (herd's `id`). */
export function identity(n: number): Relation {
  const r = new Relation(n);
  for (let e = 0; e < n; e++) r.add(e, e);
  return r;
}

/** S1 * S2: every pair from S1 to S2. */
export function cross(s1: EventSet, s2: EventSet): Relation {
  return Relation.of(s1.n, (a, b) => s1.has(a) && s2.has(b));
}

/** The rows of a relation as bit words (row a's word w holds b = 32w..32w+31), for composition. */
function packRows(r: Relation): { readonly words: number; readonly bits: Uint32Array } {
  const n = r.n;
  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(n * words);
  for (let a = 0; a < n; a++) {
    const row = a * n;
    for (let b = 0; b < n; b++) if (r.m[row + b] === 1) bits[a * words + (b >>> 5)] |= 1 << (b & 31);
  }
  return { words, bits };
}

function unpackRows(n: number, words: number, bits: Uint32Array): Relation {
  const out = new Relation(n);
  for (let a = 0; a < n; a++) {
    for (let w = 0; w < words; w++) {
      let x = bits[a * words + w] as number;
      while (x !== 0) {
        const low = x & -x;
        out.m[a * n + (w << 5) + (31 - Math.clz32(low))] = 1;
        x ^= low;
      }
    }
  }
  return out;
}

/** r1 ; r2 ; …: relational composition, left to right (row a of the result is the union of r2's rows k for r1(a, k)). */
export function seq(first: Relation, ...rest: Relation[]): Relation {
  let acc = first;
  for (const r of rest) {
    const n = acc.n;
    const { words, bits } = packRows(r);
    const out = new Uint32Array(n * words);
    for (let a = 0; a < n; a++) {
      for (let k = 0; k < n; k++) {
        if (acc.m[a * n + k] !== 1) continue;
        for (let w = 0; w < words; w++) out[a * words + w] |= bits[k * words + w] as number;
      }
    }
    acc = unpackRows(n, words, out);
  }
  return acc;
}

/** r1 | r2 | … */
export function union(first: Relation, ...rest: Relation[]): Relation {
  const out = new Relation(first.n, first.m.slice());
  for (const r of rest) for (let i = 0; i < out.m.length; i++) if (r.m[i] === 1) out.m[i] = 1;
  return out;
}

/** r1 & r2 */
export function inter(r1: Relation, r2: Relation): Relation {
  const out = new Relation(r1.n);
  const m = out.m;
  for (let i = 0; i < m.length; i++) if (r1.m[i] === 1 && r2.m[i] === 1) m[i] = 1;
  return out;
}

/** r1 \ r2 */
export function diff(r1: Relation, r2: Relation): Relation {
  const out = new Relation(r1.n);
  const m = out.m;
  for (let i = 0; i < m.length; i++) if (r1.m[i] === 1 && r2.m[i] !== 1) m[i] = 1;
  return out;
}

/** r^-1 */
export function inverse(r: Relation): Relation {
  return Relation.of(r.n, (a, b) => r.has(b, a));
}

/** r? = r | id */
export function opt(r: Relation): Relation {
  return union(r, identity(r.n));
}

/** r+ : transitive closure (Warshall, on bit rows). */
export function plus(r: Relation): Relation {
  const n = r.n;
  const { words, bits } = packRows(r);
  for (let k = 0; k < n; k++) {
    const kw = k >>> 5;
    const kb = 1 << (k & 31);
    for (let a = 0; a < n; a++) {
      if (((bits[a * words + kw] as number) & kb) === 0) continue;
      for (let w = 0; w < words; w++) bits[a * words + w] |= bits[k * words + w] as number;
    }
  }
  return unpackRows(n, words, bits);
}

/** r* = r+ | id */
export function star(r: Relation): Relation {
  return opt(plus(r));
}

export function isEmpty(r: Relation): boolean {
  return r.m.every((v) => v === 0);
}

export function irreflexive(r: Relation): boolean {
  for (let a = 0; a < r.n; a++) if (r.has(a, a)) return false;
  return true;
}

/** acyclic r: r+ is irreflexive. */
export function acyclic(r: Relation): boolean {
  return irreflexive(plus(r));
}
