/**
 * The axioms of the Linux-kernel memory model, written beside tools/memory-model/lock.cat,
 * linux-kernel.bell and linux-kernel.cat, read in the copies herdtools7 keeps with its
 * catalogue (herd/herdtools7 catalogue/linux/cats at 5feffe4e8, "copied from linux sources";
 * they are the kernel's files after the rmw-sequence term of cumul-fence, blob 07f884f9b2bff,
 * "Add rmw-sequences to the LKMM", and after po-unlock-lock-po took over
 * smp_mb__after_unlock_lock()'s term of mb), over one candidate execution (events, po, rf, co
 * and the dependencies). Each `const` below is the .cat or .bell `let` of the same name, in the
 * same order; a later .cat `let` that redefines a name (fence, strong-fence after rcu-fence) is
 * a second const with a suffix, so that every use reads the definition the .cat means there.
 *
 * What is not here. lock.cat's own generation of rf and co for lock events is replaced by
 * values (events.ts says how, and why the two agree); its flags (unpaired-LKW,
 * mixed-lock-accesses, lock-final, unmatched-unlock) are the litmus compiler's errors. The
 * bell's flags on RCU and SRCU nesting are not reported (an unmatched rcu_read_unlock() is
 * left out of rcu-rscs, as in the bell). The Mb tags of current herd (full-barrier RMWs as
 * `[M] ; po ; [Mb & R]` and `[Mb & W] ; po ; [M]`) are the F[mb] events of older herd around
 * the RMW (events.ts), which order the same pairs once hb and pb are closed. `barrier()` is
 * not supported by the litmus compiler, so Barrier is empty.
 */

import type { Annotation, FenceKind, Role } from './events.ts';
import {
  acyclic,
  cross,
  diff,
  EventSet,
  id,
  identity,
  inter,
  inverse,
  irreflexive,
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
  /** The location of an access, or of a Sync-srcu event; -1 for other fences. */
  readonly loc: number;
  readonly value: number;
  readonly ann?: Annotation;
  readonly fence?: FenceKind;
  readonly rmwInstr: boolean;
  readonly role?: Role;
}

/** A candidate execution: herd's events and base relations. */
export interface Execution {
  readonly n: number;
  readonly events: readonly ExecEvent[];
  readonly po: Relation;
  readonly rf: Relation;
  readonly co: Relation;
  /** The RMW pairs, lock.cat's lk-rmw (LKR, LKW) included. */
  readonly rmw: Relation;
  readonly addr: Relation;
  readonly data: Relation;
  readonly ctrl: Relation;
  /** linux-kernel.bell's rcu-rscs: matched rcu_read_lock() to rcu_read_unlock(). */
  readonly rcuRscs: Relation;
}

export type Axiom = 'coherence' | 'atomic' | 'happens-before' | 'propagation' | 'rcu' | 'plain-coherence';
export const AXIOMS: readonly Axiom[] = [
  'coherence',
  'atomic',
  'happens-before',
  'propagation',
  'rcu',
  'plain-coherence',
];

/** linux-kernel.cat's flags: they mark an execution the axioms allow, they do not forbid it. */
export interface LkmmFlags {
  /** `flag ~empty (ww-race | wr-race | rw-race) as data-race` */
  readonly dataRace: boolean;
  /** `flag ~empty mixed-accesses as mixed-accesses` (a plain write and a marked access, po-loc with no barrier). */
  readonly mixedAccesses: boolean;
}

/** The derived relations a reader may want to inspect (tests check a few of them). */
export interface LkmmRelations {
  readonly ppo: Relation;
  readonly hb: Relation;
  readonly pb: Relation;
  readonly prop: Relation;
  readonly strongFence: Relation;
  readonly cumulFence: Relation;
  /** rcu-order and rb (empty without RCU or SRCU calls). */
  readonly rcuOrder: Relation;
  readonly rb: Relation;
}

export interface LkmmResult {
  readonly violated: Axiom | undefined;
  readonly relations?: LkmmRelations;
  /** Present when the execution is consistent. */
  readonly flags?: LkmmFlags;
}

/** The first axiom the execution violates, in linux-kernel.cat's order, or undefined if it is consistent. */
export function violatedAxiom(x: Execution): Axiom | undefined {
  return lkmm(x).violated;
}

/** The least fixpoint of `f` from the empty relation (a .cat `let rec`). */
function fixpoint(n: number, f: (r: Relation) => Relation): Relation {
  let r = Relation.empty(n);
  for (;;) {
    const next = union(r, f(r));
    if (next.m.every((v, i) => v === r.m[i])) return r;
    r = next;
  }
}

/** loc, int and ext depend on the events alone: computed once per event layout, shared by its candidates. */
const layoutRelations = new WeakMap<readonly ExecEvent[], { loc: Relation; int: Relation; ext: Relation }>();

function locIntExt(n: number, ev: readonly ExecEvent[]): { loc: Relation; int: Relation; ext: Relation } {
  const known = layoutRelations.get(ev);
  if (known !== undefined) return known;
  const loc = Relation.of(n, (a, b) => {
    const la = (ev[a] as ExecEvent).loc;
    return la >= 0 && la === (ev[b] as ExecEvent).loc;
  });
  const int = Relation.of(
    n,
    (a, b) => (ev[a] as ExecEvent).thread >= 0 && (ev[a] as ExecEvent).thread === (ev[b] as ExecEvent).thread,
  );
  const ext = diff(
    Relation.of(n, () => true),
    int,
  );
  const r = { loc, int, ext };
  layoutRelations.set(ev, r);
  return r;
}

const fencerels = new WeakMap<Relation, Map<string, Relation>>();

export function lkmm(x: Execution): LkmmResult {
  const n = x.n;
  const ev = x.events;
  const set = (pred: (e: ExecEvent) => boolean): EventSet => EventSet.of(n, (i) => pred(ev[i] as ExecEvent));
  const role = (r: Role): EventSet => set((e) => e.role === r);

  // ---- Sets (linux-kernel.bell, lock.cat, herd's built-ins) ----
  // lock.cat puts LKR, LF and RU in R and LKW, UL in W; SRCU's lock and unlock are a read and a write.
  const R = set((e) => e.k === 'R');
  const W = set((e) => e.k === 'W');
  const M = R.union(W);
  const IW = set((e) => e.thread < 0);
  const LKR = role('LKR');
  const LKW = role('LKW');
  const UL = role('UL');
  const SrcuLock = role('srcu-lock');
  const SrcuUnlock = role('srcu-unlock');
  // lock.cat: Acquire = Acquire | LKR, Release = Release | UL (events.ts annotates them so).
  const Acquire = set((e) => e.ann === 'acquire');
  const Release = set((e) => e.ann === 'release');
  const Noreturn = set((e) => e.ann === 'noreturn' && e.k === 'R');
  const RMW = set((e) => e.rmwInstr);
  // Marked = (~M) | IW | Once | Release | Acquire | RMW | the lock and SRCU events: all but plain accesses.
  const Plain = set((e) => e.k !== 'F' && e.ann === 'plain');
  const Marked = EventSet.of(n, () => true).minus(Plain);
  const fenceOf = (...kinds: FenceKind[]): EventSet =>
    set((e) => e.k === 'F' && e.fence !== undefined && kinds.includes(e.fence));

  // ---- Base relations derived by herd ----
  const { po, rf, co, rmw } = x;
  const { loc, int, ext } = locIntExt(n, ev);
  const poLoc = inter(po, loc);
  const fr = diff(seq(inverse(rf), co), identity(n));

  // ---- Coherence first: the cheapest to refute, and most candidates fail it ----
  // (* Sequential Consistency Per Variable *)
  const com = union(rf, co, fr);
  if (!acyclic(union(poLoc, com))) return { violated: 'coherence' };

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
  /** fencerel of fence events, which depends on po alone: once per layout (po is the layout's). */
  const fencerelOf = (...kinds: FenceKind[]): Relation => {
    let byKinds = fencerels.get(po);
    if (byKinds === undefined) {
      byKinds = new Map();
      fencerels.set(po, byKinds);
    }
    const key = kinds.join(',');
    let r = byKinds.get(key);
    if (r === undefined) {
      r = fencerel(fenceOf(...kinds));
      byKinds.set(key, r);
    }
    return r;
  };

  // ---- linux-kernel.bell: SRCU's critical sections, and dependencies through memory ----
  // carry-srcu-data = (data ; [~Srcu-unlock] ; rf)*, over the syntactic data.
  const notSrcuUnlock = id(EventSet.of(n, () => true).minus(SrcuUnlock));
  const srcuRscs = SrcuLock.isEmpty()
    ? Relation.empty(n)
    : inter(seq(id(SrcuLock), star(seq(x.data, notSrcuUnlock, rf)), x.data, id(SrcuUnlock)), loc);
  // carry-dep = (data ; [~Srcu-unlock] ; rfi)*; addr, ctrl and data are redefined through it
  // (the identity when no data dependency feeds an internal rf: then they are unchanged).
  const dataRfi = seq(x.data, notSrcuUnlock, rfi);
  const carried = !isEmpty(dataRfi);
  const carryDep = carried ? star(dataRfi) : identity(n);
  const addr = carried ? seq(carryDep, x.addr) : x.addr;
  const ctrl = carried ? seq(carryDep, x.ctrl) : x.ctrl;
  const data = carried ? seq(carryDep, x.data) : x.data;

  // (* Atomic Read-Modify-Write *) (lk-rmw included: a lock acquisition is atomic)
  if (!isEmpty(inter(rmw, seq(fre, coe)))) return { violated: 'atomic' };

  // ---- (* Basic relations *) ----
  // (* Release Acquire *)
  const acqPo = seq(id(Acquire), po, id(M));
  const poRel = seq(id(M), po, id(Release));
  const poUnlockLockPo = seq(po, id(UL), union(po, rf), id(LKR), po);

  // (* Fences *)
  const R4rmb = R.minus(Noreturn);
  const rmb = seq(id(R4rmb), fencerelOf('rmb'), id(R4rmb));
  const wmb = seq(id(W), fencerelOf('wmb'), id(W));
  const mb = union(
    seq(id(M), fencerelOf('mb'), id(M)),
    seq(id(M), fencerelOf('before-atomic'), id(RMW), opt(po), id(M)),
    seq(id(M), opt(po), id(RMW), fencerelOf('after-atomic'), id(M)),
    seq(id(M), opt(po), id(LKW), fencerelOf('after-spinlock'), id(M)),
    seq(id(M), poUnlockLockPo, id(fenceOf('after-unlock-lock')), po, id(M)),
    seq(id(M), opt(po), id(SrcuUnlock), fencerelOf('after-srcu-read-unlock'), id(M)),
  );
  const gp = seq(po, id(fenceOf('sync-rcu', 'sync-srcu')), opt(po));
  const strongFence = union(mb, gp);

  const nonrwFence = union(strongFence, poRel, acqPo);
  const fence = union(nonrwFence, wmb, rmb);

  // ---- (* Instruction execution ordering *) ----
  // (* Preserved Program Order *)
  const dep = union(addr, data);
  const rwdep = seq(union(dep, ctrl), id(W));
  const overwrite = union(co, fr);
  const toW = union(rwdep, inter(overwrite, int), seq(addr, id(Plain), wmb));
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
  const empty = Relation.empty(n);
  const relations = (pb: Relation, rcuOrder = empty, rb = empty): LkmmRelations => ({
    ppo,
    hb,
    pb,
    prop,
    strongFence,
    cumulFence,
    rcuOrder,
    rb,
  });
  if (!acyclic(hb)) return { violated: 'happens-before', relations: relations(empty) };

  // (* Propagation: Each non-rf link needs a strong fence. *)
  const pb = seq(prop, strongFence, star(hb), id(Marked));
  if (!acyclic(pb)) return { violated: 'propagation', relations: relations(pb) };

  // ---- (* RCU *) ----
  const SyncRcu = fenceOf('sync-rcu');
  const SyncSrcu = fenceOf('sync-srcu');
  const hasRcu = !SyncRcu.isEmpty() || !SyncSrcu.isEmpty();
  let rcuOrder = empty;
  let rcuFence = empty;
  let rb = empty;
  if (hasRcu) {
    const rcuGp = id(SyncRcu);
    const srcuGp = id(SyncSrcu);
    const rcuRscsi = inverse(x.rcuRscs);
    const srcuRscsi = inverse(srcuRscs);
    const rcuLink = seq(opt(po), star(hb), star(pb), prop, po);
    // let rec rcu-order: the least fixpoint (a sequence of at least as many grace periods as
    // critical sections, joined by rcu-link; SRCU's only within one srcu_struct, `& loc`).
    rcuOrder = fixpoint(n, (ro) =>
      union(
        rcuGp,
        srcuGp,
        seq(rcuGp, rcuLink, rcuRscsi),
        inter(seq(srcuGp, rcuLink, srcuRscsi), loc),
        seq(rcuRscsi, rcuLink, rcuGp),
        inter(seq(srcuRscsi, rcuLink, srcuGp), loc),
        seq(rcuGp, rcuLink, ro, rcuLink, rcuRscsi),
        inter(seq(srcuGp, rcuLink, ro, rcuLink, srcuRscsi), loc),
        seq(rcuRscsi, rcuLink, ro, rcuLink, rcuGp),
        inter(seq(srcuRscsi, rcuLink, ro, rcuLink, srcuGp), loc),
        seq(ro, rcuLink, ro),
      ),
    );
    rcuFence = seq(po, rcuOrder, opt(po));
    // (* rb orders instructions just as pb does *)
    rb = seq(prop, rcuFence, star(hb), star(pb), id(Marked));
    if (!irreflexive(rb)) return { violated: 'rcu', relations: relations(pb, rcuOrder, rb) };
  }
  // let fence = fence | rcu-fence; let strong-fence = strong-fence | rcu-fence
  const fence2 = union(fence, rcuFence);
  const strongFence2 = union(strongFence, rcuFence);

  // ---- (* Plain accesses and data races *) ----
  if (Plain.isEmpty()) {
    return {
      violated: undefined,
      relations: relations(pb, rcuOrder, rb),
      flags: { dataRace: false, mixedAccesses: false },
    };
  }
  // (* Warn about plain writes and marked accesses in the same region *)
  const barrier = union(
    fencerel(
      fenceOf('rmb', 'wmb', 'mb', 'sync-rcu', 'sync-srcu', 'before-atomic', 'after-atomic', 'rcu-lock', 'rcu-unlock')
        .union(Acquire)
        .union(Release)
        .union(SrcuLock)
        .union(SrcuUnlock),
    ),
    seq(po, id(Release)),
    seq(id(Acquire), po),
  );
  const PlainW = Plain.and(W);
  const poLocNoBarrier = diff(poLoc, barrier);
  const mixedAccesses = union(
    seq(id(PlainW), poLocNoBarrier, id(Marked.and(M))),
    seq(id(Marked.and(M)), poLocNoBarrier, id(PlainW)),
  );

  // (* Executes-before and visibility *)
  const xbstar = star(union(hb, pb, rb));
  const vis = seq(
    star(cumulFence),
    opt(rfe),
    id(Marked),
    union(seq(strongFence2, id(Marked), xbstar), inter(xbstar, int)),
  );
  // (* Boundaries for lifetimes of plain accesses *)
  const notNoreturn = EventSet.of(n, () => true).minus(Noreturn);
  const wPreBounded = seq(id(Marked), opt(union(addr, fence2)));
  const rPreBounded = seq(id(Marked), opt(union(addr, nonrwFence, seq(id(R4rmb), fencerelOf('rmb'), id(notNoreturn)))));
  const wPostBounded = seq(opt(fence2), id(Marked), rmwSequence);
  const rPostBounded = seq(opt(union(nonrwFence, seq(id(notNoreturn), fencerelOf('rmb'), id(R4rmb)))), id(Marked));
  // (* Visibility and executes-before for plain accesses *)
  const wwVis = union(fence2, seq(strongFence2, xbstar, wPreBounded), seq(wPostBounded, vis, wPreBounded));
  const wrVis = union(fence2, seq(strongFence2, xbstar, rPreBounded), seq(wPostBounded, vis, rPreBounded));
  const rwXbstar = union(fence2, seq(rPostBounded, xbstar, wPreBounded));
  // (* Potential races *)
  const preRace = inter(ext, union(cross(Plain, M), cross(M.minus(IW), Plain)));
  // (* Coherence requirements for plain accesses *)
  const wrIncoh = inter(inter(preRace, rf), inverse(rwXbstar));
  const rwIncoh = inter(inter(preRace, fr), inverse(wrVis));
  const wwIncoh = inter(inter(preRace, co), inverse(wwVis));
  if (!isEmpty(union(wrIncoh, rwIncoh, wwIncoh))) {
    return { violated: 'plain-coherence', relations: relations(pb, rcuOrder, rb) };
  }
  // (* Actual races *)
  const wwNonrace = inter(inter(wwVis, union(cross(Marked, W), rwXbstar)), union(cross(W, Marked), wrVis));
  const wwRace = diff(inter(preRace, co), wwNonrace);
  const wrRace = diff(diff(inter(preRace, seq(opt(co), rf)), wrVis), inverse(rwXbstar));
  const rwRace = diff(inter(preRace, fr), rwXbstar);
  return {
    violated: undefined,
    relations: relations(pb, rcuOrder, rb),
    flags: { dataRace: !isEmpty(union(wwRace, wrRace, rwRace)), mixedAccesses: !isEmpty(mixedAccesses) },
  };
}
