/**
 * The axioms of the Linux-kernel memory model, written beside
 * tools/memory-model/linux-kernel.cat (read at torvalds/linux 0031e38adf38, with the
 * rmw-sequence term of cumul-fence that later kernels add: blob 07f884f9b2bff, "Add
 * rmw-sequences to the LKMM"), over one candidate execution (events, po, rf, co and the
 * dependencies). Each `const` below is the .cat `let` of the same name, in the same order.
 *
 * Not modelled yet, so empty here (events.ts rejects, with an error naming it, every construct
 * that would need them, though the operational model accepts spinlocks and plain accesses):
 * spinlocks (lock.cat's LKR, LKW, UL and so po-unlock-lock-po), RCU and SRCU (Sync-rcu,
 * Sync-srcu, gp, the rcu-fence recursion and the rcu axiom), and plain accesses (every access
 * is Marked, so Plain and the data-race flags are empty).
 */

import type { Annotation, FenceKind } from './events.ts';
import {
  acyclic,
  diff,
  EventSet,
  id,
  identity,
  inter,
  inverse,
  isEmpty,
  opt,
  Relation,
  seq,
  star,
  union,
} from './relation.ts';

export interface ExecEvent {
  /** -1 for the initial writes (IW). */
  readonly thread: number;
  readonly k: 'R' | 'W' | 'F';
  readonly loc: number;
  readonly value: number;
  readonly ann?: Annotation;
  readonly fence?: FenceKind;
  readonly rmwInstr: boolean;
}

/** A candidate execution: herd's events and base relations. */
export interface Execution {
  readonly n: number;
  readonly events: readonly ExecEvent[];
  readonly po: Relation;
  readonly rf: Relation;
  readonly co: Relation;
  readonly rmw: Relation;
  readonly addr: Relation;
  readonly data: Relation;
  readonly ctrl: Relation;
}

export type Axiom = 'coherence' | 'atomic' | 'happens-before' | 'propagation';
export const AXIOMS: readonly Axiom[] = ['coherence', 'atomic', 'happens-before', 'propagation'];

/** The derived relations a reader may want to inspect (tests check a few of them). */
export interface LkmmRelations {
  readonly ppo: Relation;
  readonly hb: Relation;
  readonly pb: Relation;
  readonly prop: Relation;
  readonly strongFence: Relation;
  readonly cumulFence: Relation;
}

/** The first axiom the execution violates, in linux-kernel.cat's order, or undefined if it is consistent. */
export function violatedAxiom(x: Execution): Axiom | undefined {
  return lkmm(x).violated;
}

export function lkmm(x: Execution): { readonly violated: Axiom | undefined; readonly relations?: LkmmRelations } {
  const n = x.n;
  const ev = x.events;
  const set = (pred: (e: ExecEvent) => boolean): EventSet => EventSet.of(n, (i) => pred(ev[i] as ExecEvent));

  // ---- Sets (linux-kernel.bell, herd's built-ins) ----
  const R = set((e) => e.k === 'R');
  const W = set((e) => e.k === 'W');
  const M = R.union(W);
  const Acquire = set((e) => e.ann === 'acquire');
  const Release = set((e) => e.ann === 'release');
  const Noreturn = set((e) => e.ann === 'noreturn');
  const RMW = set((e) => e.rmwInstr);
  // Every access the parser accepts is marked (READ_ONCE, atomics…); initial writes are Marked too.
  const Marked = M;
  const fenceOf = (kind: FenceKind): EventSet => set((e) => e.k === 'F' && e.fence === kind);

  // ---- Base relations derived by herd ----
  const { po, rf, co, rmw, addr, data, ctrl } = x;
  const loc = Relation.of(n, (a, b) => M.has(a) && M.has(b) && (ev[a] as ExecEvent).loc === (ev[b] as ExecEvent).loc);
  const int = Relation.of(
    n,
    (a, b) => (ev[a] as ExecEvent).thread >= 0 && (ev[a] as ExecEvent).thread === (ev[b] as ExecEvent).thread,
  );
  const ext = diff(
    Relation.of(n, () => true),
    int,
  );
  const poLoc = inter(po, loc);
  const fr = diff(seq(inverse(rf), co), identity(n));
  const rfe = inter(rf, ext);
  const rfi = inter(rf, int);
  const coe = inter(co, ext);
  const fre = inter(fr, ext);
  /** herd's fencerel(B) = (po & (_ * B)) ; po */
  const fencerel = (B: EventSet): Relation =>
    seq(
      Relation.of(n, (a, b) => po.has(a, b) && B.has(b)),
      po,
    );

  // ---- Coherence and atomicity first: they are the cheapest to refute ----
  // (* Sequential Consistency Per Variable *)
  const com = union(rf, co, fr);
  if (!acyclic(union(poLoc, com))) return { violated: 'coherence' };
  // (* Atomic Read-Modify-Write *)
  if (!isEmpty(inter(rmw, seq(fre, coe)))) return { violated: 'atomic' };

  // ---- (* Basic relations *) ----
  // (* Release Acquire *)
  const acqPo = seq(id(Acquire), po, id(M));
  const poRel = seq(id(M), po, id(Release));
  // po-unlock-lock-po = po ; [UL] ; (po | rf) ; [LKR] ; po: no spinlocks yet, so empty.
  const poUnlockLockPo = Relation.empty(n);

  // (* Fences *)
  const R4rmb = R.minus(Noreturn);
  const rmb = seq(id(R4rmb), fencerel(fenceOf('rmb')), id(R4rmb));
  const wmb = seq(id(W), fencerel(fenceOf('wmb')), id(W));
  const mb = union(
    seq(id(M), fencerel(fenceOf('mb')), id(M)),
    seq(id(M), fencerel(fenceOf('before-atomic')), id(RMW), opt(po), id(M)),
    seq(id(M), opt(po), id(RMW), fencerel(fenceOf('after-atomic')), id(M)),
    // ([M] ; po? ; [LKW] ; fencerel(After-spinlock) ; [M]) and the After-unlock-lock term: no spinlocks.
  );
  // gp = po ; [Sync-rcu | Sync-srcu] ; po?: no RCU yet, so empty.
  const gp = Relation.empty(n);
  const strongFence = union(mb, gp);

  const nonrwFence = union(strongFence, poRel, acqPo);
  const fence = union(nonrwFence, wmb, rmb);

  // ---- (* Instruction execution ordering *) ----
  // (* Preserved Program Order *)
  const dep = union(addr, data);
  const rwdep = seq(union(dep, ctrl), id(W));
  const overwrite = union(co, fr);
  // (addr ; [Plain] ; wmb) is empty: there are no plain accesses.
  const toW = union(rwdep, inter(overwrite, int));
  const toR = union(seq(addr, id(R)), seq(dep, id(Marked), rfi));
  const ppo = union(toR, toW, inter(fence, int), inter(poUnlockLockPo, int));

  // (* Propagation: Ordering from release operations and strong fences. *)
  const ACumul = (r: Relation): Relation => seq(opt(seq(rfe, id(Marked))), r);
  const rmwSequence = star(seq(rf, rmw));
  const cumulFence = seq(
    id(Marked),
    union(ACumul(union(strongFence, poRel)), wmb, poUnlockLockPo),
    id(Marked),
    rmwSequence,
  );
  const prop = seq(id(Marked), opt(inter(overwrite, ext)), star(cumulFence), id(Marked), opt(rfe), id(Marked));

  // (* Happens Before *)
  const hb = seq(id(Marked), union(ppo, rfe, inter(diff(prop, identity(n)), int)), id(Marked));
  const relations = (pb: Relation): LkmmRelations => ({ ppo, hb, pb, prop, strongFence, cumulFence });
  if (!acyclic(hb)) return { violated: 'happens-before', relations: relations(Relation.empty(n)) };

  // (* Propagation: Each non-rf link needs a strong fence. *)
  const pb = seq(prop, strongFence, star(hb), id(Marked));
  if (!acyclic(pb)) return { violated: 'propagation', relations: relations(pb) };

  // (* RCU *): rb = prop ; po ; rcu-fence ; po? ; hb* ; pb* ; [Marked] is empty without RCU.
  return { violated: undefined, relations: relations(pb) };
}
