/**
 * The work of expanding one state, done by a helper (a worker thread, a Web Worker) for the
 * explorer that owns the search (explore.ts), and the record it sends back.
 *
 * A parallel search keeps one explorer in charge: it holds the visited states, numbers them in
 * discovery order, decides the partial-order reduction's ample sets against its store and checks
 * budgets, exactly as the sequential search does, so states, counts, verdicts and shortest
 * counterexamples are the same. What it hands out is the expensive part that depends on the
 * state alone: generating its successors (generator replay, the memory model, the symmetry's
 * representative and the hash) and evaluating the properties. A helper that meets anything out
 * of the ordinary in a state (a violated property, a deadlock, an exception such as a ghost read
 * that was left out of the states) says so with LOCAL, and the explorer does that state itself
 * with the sequential code, which finds the same thing and deals with it as it always does.
 *
 * A record, in one Int32Array with others of its batch:
 *   [flags, witnessBits, pendingBits, nCandidates, candidate…, nFull, full successor…]
 * a candidate (safety phase with reduction: a thread whose next step is local and invisible,
 * every successor checked except against the store) is [unit, n, (choice, hash, len, words…)×n];
 * nFull is -1 when the full expansion was not computed (some candidate exists), else the
 * successors in the machine's order as (unit, choice, hash, len, words…).
 */
import { Kind } from '../actions.ts';
import type { Machine, MachineStateView } from '../machine.ts';
import type { ModelInstance } from '../model.ts';
import { StateStore } from '../store.ts';

/** The helper left this state to the explorer (see the header). */
export const LOCAL = 1;
/** Record header words: flags, witness bits, pending bits. */
export const HEAD = 3;

export type Phase = 'safety' | 'liveness';

/** Why a search started again (explore.ts, restarts), so that a helper's replica follows. */
export type RestartCause =
  | { readonly kind: 'growth'; readonly where: string; readonly value: number; readonly thread: string }
  | { readonly kind: 'ghost'; readonly ghost: number; readonly name: string }
  | { readonly kind: 'access'; readonly thread: number; readonly loc: number };

/** A growable vector of 32-bit integers. */
export class Words {
  a: Int32Array<ArrayBuffer>;
  length = 0;
  constructor(capacity = 1 << 12) {
    this.a = new Int32Array(capacity);
  }
  reserve(n: number): void {
    if (this.length + n <= this.a.length) return;
    let size = this.a.length * 2;
    while (size < this.length + n) size *= 2;
    const b = new Int32Array(size);
    b.set(this.a.subarray(0, this.length));
    this.a = b;
  }
  push(v: number): void {
    if (this.length === this.a.length) this.reserve(1);
    this.a[this.length++] = v;
  }
  /** Appends s[0..len) preceded by its hash and length. */
  pushState(s: Int32Array, len: number): void {
    this.reserve(len + 2);
    const a = this.a;
    let at = this.length;
    a[at++] = StateStore.hash(s, len);
    a[at++] = len;
    for (let i = 0; i < len; i++) a[at++] = s[i] as number;
    this.length = at;
  }
}

/** What a helper needs from its replica of the explorer. */
export interface WorkContext {
  readonly machine: Machine;
  readonly inst: ModelInstance;
  readonly view: MachineStateView;
  /** The state to store for s[0..len) (the symmetry's representative), valid until the next call. */
  represent(s: Int32Array, len: number): Int32Array;
  /** Partial-order reduction in the safety phase. */
  readonly reduce: boolean;
  /** Safety properties are checked in the liveness phase too (one graph). */
  readonly safetyInLiveness: boolean;
  /** Whether the state needed a thread history the helper may not number (numbering.ts); clears the note. */
  readonly unnumbered: () => boolean;
}

/** Appends the record of state s[0..len) in `phase` to `out` (see the header). */
export function computeWork(ctx: WorkContext, s: Int32Array, len: number, phase: Phase, out: Words): void {
  const start = out.length;
  out.push(0);
  out.push(0);
  out.push(0);
  try {
    const { machine, inst, view } = ctx;
    const candidatesAt = out.length;
    out.push(0);
    let candidates = 0;
    if (phase === 'safety' && ctx.reduce) {
      for (let u = 0; u < machine.nthreads; u++) {
        if (!machine.isLocalUnit(s, u)) continue;
        const mark = out.length;
        out.push(u);
        out.push(0);
        let ok = true;
        let n = 0;
        machine.unitSuccessors(s, len, u, (_unit, choice, next, nlen) => {
          if (!ok) return;
          if (!machine.ghostsEqual(s, next) || machine.nextAction(next, u).kind === Kind.Return) {
            ok = false;
            return;
          }
          out.push(choice);
          out.pushState(ctx.represent(next, nlen), nlen);
          n++;
        });
        if (!ok || n === 0) out.length = mark;
        else {
          out.a[mark + 1] = n;
          candidates++;
        }
      }
    }
    out.a[candidatesAt] = candidates;
    let final = false;
    if (candidates > 0) out.push(-1);
    else {
      const fullAt = out.length;
      out.push(0);
      const liveness = phase === 'liveness';
      const n = machine.successors(s, len, (unit, choice, next, nlen) => {
        out.push(unit);
        out.push(choice);
        out.pushState(liveness ? next : ctx.represent(next, nlen), nlen);
      });
      out.a[fullAt] = n;
      final = n === 0;
    }
    view.s = s;
    view.final = final;
    let local = false;
    let witnesses = 0;
    if (phase === 'safety' || ctx.safetyInLiveness) {
      if (machine.failed(s)) local = true;
      for (const inv of inst.invariants) if (!local && !inv.holds(view)) local = true;
      if (!local)
        inst.witnesses.forEach((w, i) => {
          if (w.reached(view)) witnesses |= 1 << i;
        });
      if (final && inst.deadlockFree && !machine.allIdle(s)) local = true;
    }
    let pending = 0;
    if (!local && phase === 'liveness') {
      inst.progress.forEach((p, k) => {
        if (p.pending(view)) pending |= 1 << k;
      });
    }
    // Checked last: a probe on the way may have caught the exception (numbering.ts).
    if (ctx.unnumbered()) local = true;
    if (local) {
      out.length = start + HEAD;
      out.a[start] = LOCAL;
      return;
    }
    out.a[start + 1] = witnesses;
    out.a[start + 2] = pending;
  } catch {
    ctx.unnumbered();
    // Whatever it was (a ghost left out, a value outside a quotient's domain, an error in the
    // model), the explorer meets it again doing this state itself, and handles or reports it.
    out.length = start + HEAD;
    out.a[start] = LOCAL;
    out.a[start + 1] = 0;
    out.a[start + 2] = 0;
  }
}

/** One record, read in place: `at` is where it starts in `a`. */
export interface WorkRecord {
  readonly a: Int32Array;
  readonly at: number;
}

/** The most witnesses a record's bits hold. */
export const MAX_WITNESSES = 31;

/**
 * Where an explorer takes the records of the states it expands (parallel/coordinator.ts). The
 * explorer calls begin() whenever a search starts on a store (a start, a restart, the liveness
 * graph), then take() for each state it expands, in index order.
 */
export interface WorkSource {
  /** The search starts again (before anything is reset): the helpers' replicas must follow. */
  restart(cause: RestartCause): void;
  begin(store: StateStore, phase: Phase): void;
  /**
   * The record of state `idx`; undefined when the explorer should do the state itself; 'wait'
   * when the record is on its way and the caller must let messages in first (a browser, which
   * cannot block: the explorer's run() returns, to be called again).
   */
  take(idx: number): WorkRecord | undefined | 'wait';
  /** The search is over: drop what is in flight. */
  end(): void;
  /** The last take() said 'wait'. */
  readonly waiting: boolean;
}

/** Where a record's full expansion (nFull) starts: after its candidates. */
export function fullOffset(r: WorkRecord): number {
  const a = r.a;
  let at = r.at + HEAD;
  const candidates = a[at++] as number;
  for (let c = 0; c < candidates; c++) {
    const n = a[at + 1] as number;
    at += 2;
    for (let k = 0; k < n; k++) at += 3 + (a[at + 2] as number);
  }
  return at;
}

/** A record to use, or undefined for one the explorer must do itself (none, or LOCAL). */
export function usable(r: WorkRecord | undefined | 'wait'): WorkRecord | undefined {
  return r === undefined || r === 'wait' || ((r.a[r.at] as number) & LOCAL) !== 0 ? undefined : r;
}

/**
 * The explorer's side of a record in the safety phase with reduction: interns the successors of
 * the first candidate all of whose successors are new (explore.ts #expandAmple, with the
 * successors computed by the helper); returns how many, or -1 for "expand fully".
 */
export function ampleFrom(store: StateStore, r: WorkRecord, parent: number): number {
  const a = r.a;
  let at = r.at + HEAD;
  const candidates = a[at++] as number;
  for (let c = 0; c < candidates; c++) {
    const unit = a[at] as number;
    const n = a[at + 1] as number;
    at += 2;
    const first = at;
    let fresh = true;
    for (let k = 0; k < n; k++) {
      const len = a[at + 2] as number;
      if (fresh && store.find(a.subarray(at + 3, at + 3 + len), len, a[at + 1] as number) >= 0) fresh = false;
      at += 3 + len;
    }
    if (!fresh) continue;
    at = first;
    for (let k = 0; k < n; k++) {
      const len = a[at + 2] as number;
      store.intern(a.subarray(at + 3, at + 3 + len), len, parent, unit, a[at] as number, a[at + 1] as number);
      at += 3 + len;
    }
    return n;
  }
  return -1;
}

/**
 * Interns a record's full expansion, in the machine's order, as children of `parent`; `edge`
 * hears each successor's index and unit (the liveness graph). Returns how many there were.
 */
export function fullFrom(
  store: StateStore,
  r: WorkRecord,
  parent: number,
  edge?: (idx: number, unit: number) => void,
): number {
  const a = r.a;
  let at = fullOffset(r);
  const n = a[at++] as number;
  for (let k = 0; k < n; k++) {
    const unit = a[at] as number;
    const len = a[at + 3] as number;
    const idx = store.intern(
      a.subarray(at + 4, at + 4 + len),
      len,
      parent,
      unit,
      a[at + 1] as number,
      a[at + 2] as number,
    );
    edge?.(idx >= 0 ? idx : -idx - 1, unit);
    at += 4 + len;
  }
  return n;
}
