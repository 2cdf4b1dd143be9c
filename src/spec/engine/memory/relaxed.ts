/**
 * An ARMv8-like relaxed memory model, operational and view-based (after the "promising"
 * family of models, without promises): every location keeps the list of its writes in
 * coherence order, and every thread keeps *views*, the oldest write of each location it may
 * still read. A read may return any write at or after its view, so loads may be satisfied out
 * of order and stores may become visible to different CPUs at different times; a write may be
 * placed anywhere in its location's coherence order after what the writer has already seen.
 *
 * Barriers move views, following the Linux-kernel memory model (tools/memory-model):
 * - smp_mb() and fully ordered atomics join the thread's views with a global fence view and
 *   publish the result, so two smp_mb()s are always ordered one way or the other (SB, R, IRIW);
 * - smp_rmb() brings the thread's view up to everything its earlier reads observed (MP, WRC);
 * - smp_wmb() makes later stores carry the thread's earlier *stores* (not what it read: wmb is
 *   not A-cumulative in LKMM);
 * - smp_store_release() carries everything the thread has seen, and what the writes it read
 *   carried (A-cumulative, transitively), and smp_load_acquire() takes on what the write it
 *   read carried.
 * Value-returning atomics are fully ordered; their _acquire forms (Order.AcqRel on an RMW) read
 * as smp_load_acquire() and write unordered, their _release forms (Order.Release) read unordered
 * and write as smp_store_release(), carrying everything before, their own read included; their
 * _relaxed forms order nothing (linux-kernel.def: __xchg{acquire}, __atomic_op_return{release}…).
 * RCU's bookkeeping words (rcu.ts) use Order.Release too (rcu_read_unlock() handing its critical
 * section to the grace period that waits for it), and Order.GpAcquire, whose read joins what the
 * write it read carried into every view (a critical section starting after a grace period started).
 * Non-value-returning atomics are unordered, and a failed cmpxchg is only a read, in every form
 * (Documentation/atomic_t.txt: a failed conditional RMW is unordered; herd7's treatment of a
 * failed cmpxchg_acquire() was not checked).
 *
 * Spinlocks (engine/locks.ts, lock.cat): a lock acquisition (LockStep.Acquire) is an acquire
 * RMW, an unlock a release store. rmw()'s context adds LKMM's `po-unlock-lock-po`: after an
 * unlock by the same thread (RMW_AFTER_UNLOCK) the acquisition joins cur with acq and rel with
 * own (as smp_rmb() and smp_wmb() would: ppo and cumul-fence, not a strong fence, so SB across
 * it stays allowed); and the unlock it reads from orders what preceded that unlock before the new
 * holder's later stores (RMW_LOCK: rel joins the unlock's view). smp_mb__after_spinlock() and
 * smp_mb__after_unlock_lock() are full barriers once the thread has taken a lock
 * (threads.ts, effectiveFence). Mutexes (mutex_lock(), mutex_unlock()) are lock steps too and
 * get exactly the spinlocks' ordering: LKMM models no sleeping lock, and the project follows
 * Documentation/memory-barriers.txt, which gives every lock construct the same ACQUIRE and
 * RELEASE implications (engine/locks.ts; test/engine/lkmm-shapes.test.ts checks both alike).
 *
 * Plain accesses (Order.Plain) are ordered as *_ONCE, and their writes are marked PLAIN in the
 * history so that the data-race check (threads.ts, dataRace; unseenWrite below) can tell a
 * marked access racing with a plain store. In a model that declares plain accesses
 * (ModelInstance.plainAccesses; the litmus compiler declares them for a test that has any) each
 * thread also keeps two *bounds*, bndR and bndW, the writes a later plain read or plain write of
 * it is ordered after in LKMM's sense (linux-kernel.cat: r-pre-bounded and w-pre-bounded, a
 * marked access followed by an address dependency or a fence), and each write records its
 * writer. A read or a write of the same location (po-loc), a control or data dependency and
 * smp_wmb() raise cur but neither bound; smp_rmb() raises bndR only (rmb orders reads, and a
 * plain write's ww-nonrace also needs wr-vis, whose r-pre-bounded has no wmb); a strong fence,
 * an acquire and an address dependency raise both. The check then counts another thread's write
 * after the access's bound as unordered with it, seen or not (WR+once+ctrl-plain, and the family
 * in test/engine/lkmm-plain-bounds.test.ts). A model without plain accesses keeps neither, so
 * its states are as they were.
 * smp_mb__before_atomic() and smp_mb__after_atomic() order only together with an RMW, as
 * LKMM's `mb` relation says: the machine (threads.ts, effectiveFence) makes the RMW after an
 * smp_mb__before_atomic() start with a full barrier (rmw's `fenceBefore`), and an
 * smp_mb__after_atomic() a full barrier only if the thread has done an RMW before it (a failed
 * cmpxchg counts, as Documentation/litmus-tests/atomic/cmpxchg-fail-ordered-* require).
 *
 * Dependencies (`dependency` below; threads.ts dependencySources). LKMM's ppo orders a read
 * after the reads its address came from (`addr`), and a write after those its address, value
 * or presence came from (`rwdep = (dep | ctrl) ; [W]`); hb is transitive. Two consequences:
 * - the dependent access is not performed before the read (for a store, no load buffering:
 *   threads.ts AheadStore; LB+ctrlonceonces, LB+datas);
 * - it is ordered after what the read observed: a dependent read returns nothing older than
 *   what the write it read carried (MP through a pointer, rcu_dereference()), and a dependent
 *   write is placed after it in coherence order (S+fencewmbonceonce+ctrlonce: `prop & int` in
 *   hb, coe ; cumul-fence ; rfe back to the reader, against its rwdep). `dependency` raises the
 *   thread's view of the accessed location to the view of the write the read returned.
 * Which reads an access depends on comes from the syntax where there is one, as LKMM's does:
 * the litmus compiler gives each access the reads its address, value and enclosing `if`
 * conditions were computed from (Action.deps; a condition that is always true, `r0 || 1`, still
 * makes one; a control dependency covers the arms of the if, not what follows it, as herd's
 * ctrl), closed under address dependencies so that a chain (addr then ctrl) orders the access
 * after the first read too. Model code written as TypeScript has no syntax the machine can see,
 * so there a dependency is judged by behaviour: the access right after a load (past ghosts, and
 * for a store past smp_rmb() and smp_wmb()) depends on it if, given other values (probe values
 * no model stores, and 0 and 1 for a store), the load would have led to another access.
 *
 * Load buffering (a store performed before an earlier load) is the machine's (threads.ts,
 * AheadStore): at a READ_ONCE() or plain load, the thread may perform a WRITE_ONCE() or plain
 * store that lies ahead of it, past the steps LKMM's ppo does not order the store after: loads,
 * stores and relaxed, non-returning or _release RMWs of other locations, release stores,
 * smp_rmb(), smp_wmb() with no store between the load and it, the start and the end of
 * read-side critical sections (rcu_read_lock(), srcu_read_lock(), rcu_read_unlock(),
 * srcu_read_unlock(): LKMM gives them no ordering of their own; a lock passed is performed early
 * with the store, its nesting increment through rmw()'s RMW_EARLY, so that a grace period that
 * starts once the store is visible waits for the critical section, and the store carries what
 * the grace periods started so far carried, carryLatest(): the grace-period guarantee,
 * LB+rcu-lock+sync and the family in test/engine/lkmm-rcu-lock.test.ts) and ghosts, at most 5 steps (2 of them returning values) after the load, when it is the same store
 * whatever those return and depends on none of them. Several stores may be pending at once.
 * The store is written with `early` (write()): it is in memory, and in the thread's `pend`, but
 * not in its views until the thread reaches it (earlyStoreReached), so what the thread does
 * before it in program order does not carry it: an smp_wmb() passed, the release of an unlock
 * passed (LB+rcu-unlock, LB+rcu-unlock+gp in test/engine/lkmm-rcu-unlock.test.ts), the barrier
 * of an interrupt taken meanwhile. test/engine/lkmm-lb-ahead.test.ts has the family (LB with
 * loads, stores, relaxed and release RMWs, release stores and fences between, and the shapes
 * that must stay Never).
 *
 * Interrupt handlers (interrupts.ts; LKMM has no interrupts) run on a CPU, in its program order
 * between the code before the interrupt and the code after it, so their accesses are placed as
 * that CPU's code's would be: each CPU has a slot of views of its own for the handler running
 * there (handlerCpus; only in a model that declares a handler), used by the same read, write,
 * rmw, fence and dependency rules as a thread's (handler barriers, acquires, releases and
 * dependencies included). A handler may read any write at or after its views and place a write
 * anywhere after what it has seen, so before a store another CPU has performed that its CPU has
 * not seen (as x86-TSO allows while that store sits in a store buffer). Taking an interrupt is a
 * full barrier for the threads of the CPU (interruptTaken(): smp_mb() for each), and the
 * handler's views start from what that published joined with what the CPU's threads have seen
 * (handlerStart), so their earlier writes are carried by the handler's, and what the sender of an
 * IPI published with its own barrier before sending is seen by the handler and after it (x86's
 * interrupt delivery is serialising; a TSC read after the handler is not satisfied from before
 * the interrupt). Returning from it is a full barrier of the handler (handlerReturn: x86's IRET
 * is serialising), which publishes what it did, so the next handler on the CPU sees it; and a
 * thread past wait_for_ipi_ack() (csd_lock_wait(): smp_cond_load_acquire() of the flag
 * csd_unlock() clears with smp_store_release() once the function ran, kernel/smp.c) acquires
 * that (ipiAcked()). A handler performs no store early (no load buffering in a handler), and its
 * wait passes only on a value it may read, with a failed iteration on the newest write, as a
 * thread's. When the handler returns, the code that runs on its CPU afterwards comes
 * after it in that CPU's program order, so per-location coherence holds across the boundary:
 * handlerOrder() moves the cur view of every thread on the CPU up to each write the handler
 * read or wrote. Without it a thread could, after an IPI on its own CPU overwrote a location,
 * still read the value from before (a CPU not seeing its own write), and place a write of its
 * own before the handler's.
 *
 * Context switches (threads.ts, contextSwitch; the machine interleaves the tasks of a CPU as the
 * scheduler would). Each point where a CPU goes from one task to another is a pass through
 * __schedule() (kernel/sched/core.c; which text was read is in threads.ts: rq_lock(), then smp_mb__after_spinlock(), a full
 * barrier), so it is smp_mb() for the task switched out, then smp_mb() for the task switched in:
 * the new task sees everything the old one did and saw, every location (cumulatively: what the
 * old one read, too). A task that migrates (migrate(), or moved by cpu_down()) is ordered on its
 * new CPU after everything that ran there before it in the same way (core.c's "Notes on
 * Program-Order guarantees on SMP systems", MIGRATION: the rq locks of the old CPU, then of both,
 * then of the new one). A task that ends is switched away from with the same barrier (its views
 * are published before they are dropped). A task with stores performed early holds its CPU until
 * it reaches them (no switch can come between a load and a store it precedes: Machine.scanCpus).
 * An interrupt handler is not a context switch: see above.
 *
 * Where this model is stronger than LKMM (forbids what LKMM allows), so that a verdict of
 * "holds" can rest on more ordering than LKMM promises:
 * - smp_mb__after_atomic() also orders accesses between the thread's last RMW and the barrier,
 *   and an RMW after smp_mb__before_atomic() also orders the accesses between the barrier and
 *   the RMW before it (LKMM orders only what is at or before the RMW, resp. the barrier);
 * - the unlock a lock acquisition reads from carries its thread's A-cumulative view (what it read
 *   before the unlock, too), which LKMM does not promise for po-unlock-lock-po;
 * - smp_mb__after_unlock_lock() is a full barrier after any lock acquisition, also when no
 *   unlock precedes it (the lock free from the start), and smp_mb__after_spinlock() and it also
 *   order the accesses between the lock and the barrier; a failed spin_trylock() counts as a
 *   lock acquisition for both;
 * - plain accesses are ordered as READ_ONCE()/WRITE_ONCE(): LKMM lets the compiler tear, fuse
 *   and move them (which its data-race rules account for instead), so in a racy test the model
 *   may reach fewer final states than LKMM (MP+release+ctrl-plainw in
 *   test/engine/lkmm-plain-bounds.test.ts; the race flag and the outcome agree there);
 * - a store performed early across rcu_read_lock() or srcu_read_lock() (LB+rcu-lock) takes the
 *   lock's nesting increment with it, which extends the critical section back over the loads it
 *   passes for a grace period that starts meanwhile, and carries what every grace period started
 *   so far carried, not only those the lock's read would have taken on (in LKMM those loads are
 *   in rscs's reach only as accesses before the unlock); no store passes two nested locks of
 *   one domain (LB+rcu-lock-nesteds), nor a grace period's steps (test/engine/lkmm-rcu-lock.test.ts);
 * - only stores are performed early, never loads late: a store that must stay after a load
 *   between (an acquire, a read of its own location, a read it depends on) cannot pass the
 *   loads before that one either, though LKMM lets those be satisfied after it (LB+acquire-between,
 *   LB+read-own-location-between, LB+data-on-middle-read, pinned with both answers in
 *   test/engine/lkmm-lb-ahead.test.ts); a store does not pass an smp_wmb() with a store between
 *   the load and the wmb (LB+write-wmb-between), nor a lock step, a fully ordered RMW or any
 *   other fence (correct for those that order it, stronger for the rest); it must be ahead for
 *   every value the loads it passes may return (probes, 0 and 1), so a barrier that only some
 *   value of a load between would execute keeps it back (LB+mb-on-one-value-between); and at
 *   most 5 steps, 2 of them loads or RMWs, lie between the load and the store;
 * - a dependent access whose thread has written the read's location itself since the read is
 *   ordered after everything the thread's reads observed (acq), not only what that read did
 *   (the write it read is no longer at the thread's view; S+fencewmbonceonce+ctrl-after-own-write
 *   in test/engine/axiomatic.test.ts is the shape, where the two agree);
 * - a location keeps at most HISTORY writes (below);
 * - taking an interrupt is a full barrier on the interrupted CPU (interruptTaken()), and so is
 *   returning from it for the handler (handlerReturn()). LKMM has no interrupts; x86's interrupt
 *   delivery and IRET are serialising, but an arm64 exception entry or return is a context
 *   synchronisation event, not a DMB, so for arm64 code this is stronger than the hardware. No
 *   chapter verdict depends on the entry barrier except the TSC model's `today-fall` under
 *   relaxed (x86 code): every other relaxed verdict was the same before the barrier was added;
 * - a thread past wait_for_ipi_ack() acquires G, everything published by the handler's return
 *   and by any barrier before it, not only what csd_unlock()'s release carries (the machine keeps
 *   no write for the flag: the pending bit is the acknowledgement);
 * - a handler performs no store early (no load buffering inside a handler);
 * - every point where a CPU goes from one task to another is a context switch with a full
 *   barrier (threads.ts, contextSwitch): the kernel's own guarantee (__schedule()), which LKMM,
 *   having no scheduler, does not state, so a verdict that holds where tasks share a CPU may rest
 *   on it (test/engine/relaxed-context-switch.test.ts); and a task that has performed a store
 *   early keeps its CPU until it reaches it (no interleaving is lost: a switch between the load
 *   and the store would be a barrier the store could not pass);
 * And weaker (allows what LKMM forbids, or what the hardware forbids where LKMM is silent):
 * - an interrupt handler's accesses are ordered before the later accesses of its CPU only per
 *   location: a later smp_rmb() or smp_wmb() of the interrupted thread does not order them
 *   before the thread's accesses of other locations, as it orders the thread's own earlier
 *   accesses (a later smp_mb() does: it publishes what the thread has seen); and the full
 *   barrier of taking an interrupt covers only the CPU's threads that have not finished (in a
 *   model with handlers a finished thread has published what it saw when it finished, threadDone);
 * - in model code written as TypeScript (not in litmus tests, which have syntax), a store whose
 *   value or control flow depends on a load only syntactically (the same store whatever the
 *   load returns, a false dependency) may be performed before the load, where LKMM keeps it
 *   ordered; and a dependency is recognised there only from the load right before the access
 *   (test/engine/lkmm-shapes.test.ts pins the first). The kernel does not rely on false
 *   dependencies (a compiler may remove them);
 * - a dependent access is ordered after what the write at the thread's view of the read's
 *   location carried: when that view has moved on since the read (a later read of the same
 *   location, or an acquire whose write carried a newer write of it), the newer write's view
 *   stands in for the one the read returned and may lack some of it (no corpus test or shape
 *   has this; smp_rmb() and smp_mb() move the view only together with everything it carried);
 * - an unlock followed by a lock does not order a store before the unlock before a load after
 *   the lock in the thread's own execution (LKMM's ppo has `po-unlock-lock-po & int` for every
 *   pair, which matters only together with a strong fence elsewhere; no kernel test needs it);
 * - the data-race check compares an access only with writes and with the other threads' next
 *   steps: a read another thread made earlier, unordered with a later plain write here, is found
 *   only in an interleaving where the two are adjacent, so a race of that pair alone could be
 *   missed (no shape of the suite or the catalogue has one). Threads that share a CPU are
 *   compared through adjacent steps only (one preempted between the two accesses): a plain
 *   access further from the preemption point, which the compiler could have moved next to it, is
 *   not flagged. LKMM has no interrupts; the project follows KCSAN (CONFIG_KCSAN_INTERRUPT_WATCHER
 *   reports a handler racing with the task it interrupted): an interrupt handler's access races
 *   with a conflicting access, one of the two plain, of another CPU as a thread's would (a
 *   write after its race bounds, handlerUnseenWrite, or the other CPU's next step), and with the access its
 *   own CPU's code makes right before or right after the interrupt (the compiler may move plain
 *   accesses across the point where it comes; code with interrupts off is never interrupted
 *   there). Only those two neighbours are compared, and every thread of the CPU counts as the
 *   interrupted one (the machine does not record which task is current, so a pair that a
 *   context switch also separated may be flagged: the one place the check may flag more than
 *   KCSAN would; test/engine/lkmm-irq-race.test.ts).
 * (Three shapes where this model was weaker, a control dependency on a condition that is always
 * true, a dependent store in S shapes, and a plain access after po-loc or a control dependency
 * (WR+once+ctrl-plain: the race check used the thread's view, not LKMM's bounds), and one where it
 * was stronger (LB+rcu-unlock: no store was performed early across rcu_read_unlock()) were found
 * by the axiomatic cross-check and fixed, each with a family of regression shapes.)
 *
 * Waits (wait_until, a spin on READ_ONCE): LKMM and herd7 have nothing to say about them.
 * herd's C litmus fragment has no loops (tools/memory-model/Documentation/litmus-tests.txt,
 * LIMITATIONS: "do", "for" and "while" are not supported), a spin is written as one read whose
 * value the exists or filter clause conditions on, and the axioms judge finite executions, with
 * no progress guarantee. Kernel spin loops rely on the hardware's promise that a store becomes
 * visible to every CPU in finite time. The model makes that promise with two rules: weak
 * fairness of the waiting thread (the liveness phase: a thread that can step forever must step,
 * so a spin that could read a passing value does not wait for ever), and a failed iteration of
 * the wait that reads the newest write and leaves the waiter's view there (threads.ts), so a
 * wait blocks once the coherence-latest value fails its condition, as it does under SC and TSO.
 * This is the criterion model checkers for weak memory use for await loops (a blocked await
 * has read the coherence-maximal write). Without the second rule a coherence-stale passing
 * value stayed readable in every state, the wait never blocked, and deadlocks were missed.
 *
 * Decision (issue 14), by measurement: this model stays operational, and linux-kernel.cat's
 * axioms are implemented beside it as a litmus-test checker (src/spec/litmus/axiomatic:
 * candidate executions over po, rf, co, kept if coherence, atomic, happens-before and
 * propagation hold), used as the oracle it is cross-checked against.
 * - Agreement: on all 67 corpus tests (spinlocks as lock.cat's events, RCU/SRCU through
 *   rcu-order and rb, plain accesses with the data-race flag) and the 48 classic and 31
 *   lock/RCU/plain shapes of test/engine/axiomatic*.test.ts, the two give the same verdict, the
 *   same set of final states and the same data-race flag (the two it differed on,
 *   WR+once+ctrl-plain and LB+rcu-unlock, are fixed). On
 *   herdtools7's catalogue/linux/tests (79 tests with herd7's results, at 5feffe4e8f98), both
 *   agree with herd7 on all 79 (`npm run litmus:catalogue -- DIR`, 2 December 2026).
 * - Speed on litmus tests is alike: on a folder of 100 corpus tests (every one in the axioms
 *   now; `npm run bench -- --only axiom-expressible`, 2 cores at load average 24, so noisy)
 *   relaxed took 5.2 s and the axioms 3.5 s. But the axioms enumerate co orders, so they grow
 *   with the factorial of the writes per location: four threads writing one location eight
 *   times take 5,040 candidates and 3.0 s in the axioms, against 0.17 s here (same run).
 * - Reach: the chapters' models loop, wait, take interrupts, migrate and hotplug CPUs; a
 *   candidate-execution checker of loop-free threads expresses none of that, so every model's
 *   verdict has to rest on this operational model either way.
 * So litmus answers can be cross-checked (`kvmspec litmus --checker both`), and a disagreement
 * is a bug of this model to fix, found and named by the axioms.
 *
 * Layout from `base`: the global fence view G (one entry per location); per thread the views
 * cur, acq, rel and own, with plain-access tracking bndR and bndW, then pend (the early stores
 * not reached yet: index + 1 per location, 0 for none); then per location [count, messages…] where a message is
 * [value, attached, view…] and `attached` marks the write of an atomic RMW, which nothing may
 * be placed before. Writes that no thread accessing their location can read or write before any
 * more are dropped (see `#collect`), which keeps the state space finite for looping models, and
 * view entries below them move up to the oldest kept write, which changes no join. A finished
 * thread's views are set to FINISHED.
 *
 * A location keeps at most HISTORY writes: when a thread that loops writing races with one that
 * never catches up, the oldest write is forgotten and views still pointing at it move up to the
 * oldest kept one, as if those threads had seen it. This bounds the state space of every model
 * at the price of the behaviours that need a value more than HISTORY - 1 writes stale. A write
 * that a pending early store needs (the store itself; for an RMW, the write it read) is never
 * forgotten so: the location keeps more writes until the thread reaches the store.
 */
import { Fence, NO_WRITE, Order } from '../actions.ts';
import {
  Bound,
  INVALID,
  type MemoryPicture,
  type MemorySystem,
  RMW_AFTER_UNLOCK,
  RMW_EARLY,
  RMW_FENCE_BEFORE,
  RMW_LOCK,
} from './system.ts';

/**
 * A thread accessed a location its views were not tracked for (RelaxedMemory.access): the
 * explorer stores it from now on and starts the search again (explore.ts).
 */
export class UntrackedAccess extends Error {
  readonly thread: number;
  readonly loc: number;
  constructor(thread: number, loc: number) {
    super(`thread ${thread} accesses location ${loc}, which its views were not tracked for`);
    this.thread = thread;
    this.loc = loc;
  }
}

interface Msg {
  value: number;
  attached: number;
  view: number[];
}
interface ThreadViews {
  cur: number[];
  acq: number[];
  rel: number[];
  own: number[];
  /**
   * With plain-access tracking only (empty otherwise): the writes a later plain read (bndR) or
   * plain write (bndW) of the thread is *bounded* after in LKMM's sense (r-pre-bounded,
   * w-pre-bounded: a marked access followed by an address dependency or a fence), which is less
   * than cur: a read or write of the location itself (po-loc), a control or data dependency and
   * smp_wmb() raise cur but bound nothing. The data-race check (unseenWrite) uses them.
   */
  bndR: number[];
  bndW: number[];
  /**
   * Per location, a store of the thread performed early (load buffering, threads.ts) that the
   * thread has not reached yet: its write's index plus one (0: none). The write is in memory but
   * not in the thread's own views (cur, own), so nothing the thread does before it in program
   * order (an smp_wmb(), an rcu_read_unlock()'s release, a barrier publishing cur) carries it;
   * earlyStoreReached() moves it into them.
   */
  pend: number[];
}
interface Mem {
  g: number[];
  threads: ThreadViews[];
  hist: Msg[][];
}

/** View entries of a finished thread: it will never read or write again, so it pins nothing. */
const FINISHED = -1;

/**
 * A message's `attached` word: bit 0, the write of an atomic RMW; bit 1, a plain C store; from
 * bit 2 up, with plain-access tracking only, the writing thread plus one (0: the initial value
 * or an interrupt handler), so that the data-race check can leave a thread's own writes out.
 */
const ATTACHED = 1;
const PLAIN = 2;
const WRITER_SHIFT = 2;

/** Writes kept per location (see the header). */
export const HISTORY = 4;

const join = (into: number[], from: readonly number[]): void => {
  for (let i = 0; i < into.length; i++) if ((from[i] as number) > (into[i] as number)) into[i] = from[i] as number;
};

/** The n words from s[p] as an array (a view of a decoded state). */
const readVec = (s: Int32Array, p: number, n: number): number[] => {
  const v: number[] = [];
  for (let i = 0; i < n; i++) v.push(s[p + i] as number);
  return v;
};

/** #shift's step for one view: entry l, if at least `from`, moves by delta (not below 0). */
const shiftAt = (v: number[], l: number, from: number, delta: number): void => {
  if ((v[l] as number) >= from) v[l] = Math.max(0, (v[l] as number) + delta);
};

/** Copies from into into (views of one length). */
const copyInto = (into: number[], from: readonly number[]): void => {
  for (let i = 0; i < into.length; i++) into[i] = from[i] as number;
};

/** Lowers floor[l] to v[l] wherever v is below it (#collect). */
const lowerInto = (floor: number[], v: readonly number[], n: number): void => {
  for (let l = 0; l < n; l++) if ((v[l] as number) < (floor[l] as number)) floor[l] = v[l] as number;
};

/** Writes v at s[p…]; returns the position after it. */
/** Reads the n words from s[p] into v (a view of the scratch decoding, #decode). */
const readInto = (v: number[], s: Int32Array, p: number, n: number): void => {
  for (let i = 0; i < n; i++) v[i] = s[p + i] as number;
};

const writeVec = (s: Int32Array, p: number, v: readonly number[]): number => {
  const n = v.length;
  for (let i = 0; i < n; i++) s[p + i] = v[i] as number;
  return p + n;
};

export class RelaxedMemory implements MemorySystem {
  readonly name = 'relaxed' as const;
  readonly internalUnits = 0;
  readonly #n: number;

  readonly inits: readonly number[];
  readonly threads: number;
  /**
   * Whether the model makes plain C accesses (ModelInstance.plainAccesses): then each thread
   * also keeps bndR and bndW, and each write its writer, for the data-race check. A model
   * without plain accesses keeps neither, so its states (and state counts) are as before.
   */
  readonly plain: boolean;
  /** Vectors per thread: cur, acq, rel, own, bndR and bndW when `plain`, then pend. */
  readonly #views: number;
  /**
   * CPUs whose interrupt handlers have views of their own (the model declares a handler): the
   * views of CPU c's running handler follow the threads' as slot `threads + c`, FINISHED while
   * no handler runs there. A model without handlers has none, so its states are as before.
   */
  readonly handlerCpus: number;
  /** Threads plus handler slots: the per-thread view blocks of a state. */
  readonly #slots: number;

  /** Every view pins the writes it reaches (the collection rule before; see #collect). */
  keepPinned: boolean;
  /**
   * Which locations each thread may still access (thread t, location l at t * locations + l;
   * 1: it may), set by the explorer; undefined: every thread may access every location. A
   * thread's views of a location it never accesses are only ever joined into other views, so
   * they pin no write (#collect), and an access outside the set throws UntrackedAccess.
   */
  access: Uint8Array | undefined;
  /** The decoded memory #decode reuses (see there). */
  #scratch: Mem | undefined = undefined;
  /** #collect's per-location floors and pins (scratch, see there). */
  readonly #floor: number[];
  readonly #pinned: number[];

  constructor(inits: readonly number[], threads: number, plain = false, keepPinned = false, handlerCpus = 0) {
    this.keepPinned = keepPinned;
    this.access = undefined;
    this.inits = inits;
    this.threads = threads;
    this.plain = plain;
    this.handlerCpus = handlerCpus;
    this.#slots = threads + handlerCpus;
    this.#views = plain ? 7 : 5;
    this.#n = inits.length;
    this.#floor = new Array<number>(this.#n).fill(0);
    this.#pinned = new Array<number>(this.#n).fill(0);
  }

  init(out: number[]): void {
    const n = this.#n;
    for (let i = 0; i < n * (1 + this.#views * this.threads); i++) out.push(0);
    // Handler slots: no handler runs (FINISHED views, no pending store), as handlerReturn leaves them.
    for (let c = 0; c < this.handlerCpus; c++) {
      for (let i = 0; i < n * (this.#views - 1); i++) out.push(FINISHED);
      for (let i = 0; i < n; i++) out.push(0);
    }
    for (const v of this.inits) {
      out.push(1, v, 0);
      for (let i = 0; i < n; i++) out.push(0);
    }
  }

  length(s: Int32Array, base: number): number {
    const n = this.#n;
    let p = base + n * (1 + this.#views * this.#slots);
    for (let l = 0; l < n; l++) p += 1 + (s[p] as number) * (2 + n);
    return p - base;
  }

  /**
   * The memory section at `base`, decoded. The result is this object's scratch, reused by the
   * next call (every caller is done with it when it returns, having encoded it back or read
   * what it needed): decoding into the arrays of the last call allocates nothing, where the
   * allocation and collection of fresh views was a fifth of a relaxed search's time. Callers
   * may replace a view or a message (every replacement is a fresh array), never share one.
   */
  #decode(s: Int32Array, base: number): Mem {
    const n = this.#n;
    const m = this.#scratch;
    if (m === undefined) return this.#decodeFresh(s, base);
    let p = base;
    readInto(m.g, s, p, n);
    p += n;
    const plain = this.plain;
    for (let t = 0; t < this.#slots; t++) {
      const views = m.threads[t] as ThreadViews;
      readInto(views.cur, s, p, n);
      readInto(views.acq, s, p + n, n);
      readInto(views.rel, s, p + 2 * n, n);
      readInto(views.own, s, p + 3 * n, n);
      p += 4 * n;
      if (plain) {
        readInto(views.bndR, s, p, n);
        readInto(views.bndW, s, p + n, n);
        p += 2 * n;
      }
      readInto(views.pend, s, p, n);
      p += n;
    }
    for (let l = 0; l < n; l++) {
      const count = s[p++] as number;
      const msgs = m.hist[l] as Msg[];
      if (msgs.length > count) msgs.length = count;
      for (let i = 0; i < count; i++) {
        const msg = msgs[i];
        if (msg === undefined)
          msgs.push({ value: s[p] as number, attached: s[p + 1] as number, view: readVec(s, p + 2, n) });
        else {
          msg.value = s[p] as number;
          msg.attached = s[p + 1] as number;
          readInto(msg.view, s, p + 2, n);
        }
        p += 2 + n;
      }
    }
    return m;
  }

  #decodeFresh(s: Int32Array, base: number): Mem {
    const n = this.#n;
    let p = base;
    const g = readVec(s, p, n);
    p += n;
    const threads: ThreadViews[] = [];
    const plain = this.plain;
    for (let t = 0; t < this.#slots; t++) {
      const cur = readVec(s, p, n);
      const acq = readVec(s, p + n, n);
      const rel = readVec(s, p + 2 * n, n);
      const own = readVec(s, p + 3 * n, n);
      p += 4 * n;
      let bndR: number[] = [];
      let bndW: number[] = [];
      if (plain) {
        bndR = readVec(s, p, n);
        bndW = readVec(s, p + n, n);
        p += 2 * n;
      }
      const pend = readVec(s, p, n);
      p += n;
      threads.push({ cur, acq, rel, own, bndR, bndW, pend });
    }
    const hist: Msg[][] = [];
    for (let l = 0; l < n; l++) {
      const count = s[p++] as number;
      const msgs: Msg[] = [];
      for (let i = 0; i < count; i++) {
        const value = s[p] as number;
        const attached = s[p + 1] as number;
        msgs.push({ value, attached, view: readVec(s, p + 2, n) });
        p += 2 + n;
      }
      hist.push(msgs);
    }
    const m = { g, threads, hist };
    this.#scratch = m;
    return m;
  }

  /** Drops unreachable writes, canonicalises finished threads, writes back; returns the length. */
  #encode(m: Mem, s: Int32Array, base: number): number {
    this.#collect(m);
    let p = writeVec(s, base, m.g);
    const plain = this.plain;
    for (const t of m.threads) {
      p = writeVec(s, p, t.cur);
      p = writeVec(s, p, t.acq);
      p = writeVec(s, p, t.rel);
      p = writeVec(s, p, t.own);
      if (plain) {
        p = writeVec(s, p, t.bndR);
        p = writeVec(s, p, t.bndW);
      }
      p = writeVec(s, p, t.pend);
    }
    for (const msgs of m.hist) {
      s[p++] = msgs.length;
      for (const msg of msgs) {
        s[p] = msg.value;
        s[p + 1] = msg.attached;
        p = writeVec(s, p + 2, msg.view);
      }
    }
    return p - base;
  }

  /**
   * A write that no thread can read, write before or be bounded by any more is dropped, and
   * indices are renumbered. Only a live thread's cur (and, with plain-access tracking, its race
   * bounds bndR and bndW) says what the thread may still read or place a write before: cur only
   * grows (a read or write moves it forward; an early store leaves it where it was), and every
   * other view (acq, rel, own, the global G, a message's view) is only ever joined into views
   * (a maximum), so an entry below the oldest write some live cur can reach changes nothing a
   * join gives. Those entries move up to that write with the renumbering (#shift), which makes
   * states that differ only there one state. (Counting them as pins, as this did before, kept
   * a vCPU's old `mode` writes alive because another vCPU, which never reads them, had them in
   * its views, and every write nobody reads multiplied the states.) One more write is kept:
   * where a thread's view of a location is its own write, the one before it, so that
   * dependency() still sees that the thread wrote the location after its read (its view is not
   * the oldest write) and orders a dependent access after everything its reads observed, or,
   * for its own RMW, after what the write that RMW read carried.
   * With `keepPinned` (the rule before, for the cross-check tests) every view pins.
   */
  #collect(m: Mem): void {
    const n = this.#n;
    // Scratch arrays of this object (no allocation per call), filled afresh here.
    const floor = this.#floor;
    for (let l = 0; l < n; l++) floor[l] = (m.hist[l] as Msg[]).length - 1;
    // The oldest write a pending early store needs (itself, or for an RMW the write it read):
    // the HISTORY bound below never drops it, or pend would name another write.
    const pinned = this.#pinned;
    for (let l = 0; l < n; l++) pinned[l] = Number.MAX_SAFE_INTEGER;
    // A handler that starts later starts from G (handlerStart): where a model has handlers, G
    // says what may still be read or written before, as a live cur does, for every location.
    if (this.keepPinned || this.handlerCpus > 0) lowerInto(floor, m.g, n);
    const access = this.keepPinned ? undefined : this.access;
    for (let t = 0; t < this.#slots; t++) {
      const views = m.threads[t] as ThreadViews;
      if (views.cur[0] === FINISHED) continue;
      // A running handler (a slot past the threads) may access any location.
      if (access === undefined || t >= this.threads) lowerInto(floor, views.cur, n);
      else {
        for (let l = 0; l < n; l++) {
          if (access[t * n + l] === 1 && (views.cur[l] as number) < (floor[l] as number))
            floor[l] = views.cur[l] as number;
        }
      }
      if (this.keepPinned) {
        lowerInto(floor, views.acq, n);
        lowerInto(floor, views.rel, n);
        lowerInto(floor, views.own, n);
      } else {
        for (let l = 0; l < n; l++) {
          const k = views.cur[l] as number;
          if (k > 0 && views.own[l] === k) {
            if (k - 1 < (floor[l] as number)) floor[l] = k - 1;
          }
        }
      }
      // The writes between a bound and cur are what the race check looks at: kept too (a bound
      // is only compared for a location the thread accesses).
      if (this.plain) {
        for (let l = 0; l < n; l++) {
          if (access !== undefined && t < this.threads && access[t * n + l] !== 1) continue;
          const b = Math.min(views.bndR[l] as number, views.bndW[l] as number);
          if (b < (floor[l] as number)) floor[l] = b;
        }
      }
      // A store performed early stays until its thread reaches it (an RMW with the write it
      // read, whose value is the RMW's result then).
      for (let l = 0; l < n; l++) {
        let p = (views.pend[l] as number) - 1;
        if (p > 0 && (((m.hist[l] as Msg[])[p] as Msg).attached & ATTACHED) !== 0) p--;
        if (p >= 0 && p < (floor[l] as number)) floor[l] = p;
        if (p >= 0 && p < (pinned[l] as number)) pinned[l] = p;
      }
    }
    for (let changed = this.keepPinned; changed; ) {
      changed = false;
      for (let l = 0; l < n; l++) {
        const msgs = m.hist[l] as Msg[];
        for (let i = floor[l] as number; i < msgs.length; i++) {
          const v = (msgs[i] as Msg).view;
          for (let k = 0; k < n; k++) {
            if (k !== l && (v[k] as number) < (floor[k] as number)) {
              floor[k] = v[k] as number;
              changed = true;
            }
          }
        }
      }
    }
    for (let l = 0; l < n; l++) {
      const msgs = m.hist[l] as Msg[];
      const drop = Math.max(floor[l] as number, Math.min(msgs.length - HISTORY, pinned[l] as number));
      if (drop <= 0) continue;
      msgs.splice(0, drop);
      (msgs[0] as Msg).attached &= ~ATTACHED;
      this.#shift(m, l, 0, -drop);
    }
  }

  /** Adds `delta` to every view entry for location `l` that is at least `from`. */
  #shift(m: Mem, l: number, from: number, delta: number): void {
    // Entries below the oldest kept write (only when HISTORY forces a drop) move up to it.
    shiftAt(m.g, l, from, delta);
    for (const t of m.threads) {
      shiftAt(t.cur, l, from, delta);
      shiftAt(t.acq, l, from, delta);
      shiftAt(t.rel, l, from, delta);
      shiftAt(t.own, l, from, delta);
      if (this.plain) {
        shiftAt(t.bndR, l, from, delta);
        shiftAt(t.bndW, l, from, delta);
      }
      const p = (t.pend[l] as number) - 1;
      if (p >= 0 && p >= from) t.pend[l] = Math.max(0, p + delta) + 1;
    }
    for (const msgs of m.hist) for (const msg of msgs) shiftAt(msg.view, l, from, delta);
  }

  #insert(m: Mem, t: number, l: number, pos: number, value: number, view: number[], attached: number): void {
    this.#shift(m, l, pos, 1);
    view[l] = pos;
    const writer = this.plain ? (t + 1) << WRITER_SHIFT : 0;
    (m.hist[l] as Msg[]).splice(pos, 0, { value, attached: attached | writer, view });
    const me = m.threads[t] as ThreadViews;
    me.cur[l] = pos;
    me.own[l] = pos;
  }

  #mb(m: Mem, t: number): void {
    const me = m.threads[t] as ThreadViews;
    join(me.cur, me.acq);
    join(me.cur, m.g);
    // Copies, not the same array (the scratch decoding's arrays are reused, #decode).
    copyInto(m.g, me.cur);
    copyInto(me.rel, me.cur);
    // A strong fence bounds later plain accesses after every marked access before it
    // (r-pre-bounded and w-pre-bounded have nonrw-fence and fence).
    if (this.plain) {
      join(me.bndR, me.cur);
      join(me.bndW, me.cur);
    }
  }

  #readAt(m: Mem, t: number, l: number, k: number, acquire: boolean): number {
    const me = m.threads[t] as ThreadViews;
    const msg = (m.hist[l] as Msg[])[k] as Msg;
    me.cur[l] = k;
    join(me.acq, msg.view);
    if (acquire) {
      join(me.cur, msg.view);
      // acq-po is a nonrw-fence: the acquire bounds later plain accesses after what it read
      // (msg.view[l] is the write itself). A marked read that is not an acquire bounds nothing.
      if (this.plain) {
        join(me.bndR, msg.view);
        join(me.bndW, msg.view);
      }
    }
    return msg.value;
  }

  /** Throws UntrackedAccess if thread `t` accessing `loc` is outside `access`. */
  #tracked(t: number, loc: number): void {
    const access = this.access;
    // A handler slot (t >= threads) may access any location.
    if (access !== undefined && t < this.threads && access[t * this.#n + loc] !== 1) throw new UntrackedAccess(t, loc);
  }

  #curBase(s: Int32Array, base: number, t: number, l: number): number {
    return s[base + this.#n * (1 + this.#views * t) + l] as number;
  }

  #histStart(s: Int32Array, base: number, l: number): number {
    const n = this.#n;
    let p = base + n * (1 + this.#views * this.#slots);
    for (let i = 0; i < l; i++) p += 1 + (s[p] as number) * (2 + n);
    return p;
  }

  readChoices(s: Int32Array, base: number, t: number, loc: number): number {
    this.#tracked(t, loc);
    return (s[this.#histStart(s, base, loc)] as number) - this.#curBase(s, base, t, loc);
  }

  readValue(s: Int32Array, base: number, t: number, loc: number, choice: number): number {
    this.#tracked(t, loc);
    const k = this.#curBase(s, base, t, loc) + choice;
    return s[this.#histStart(s, base, loc) + 1 + k * (2 + this.#n)] as number;
  }

  read(s: Int32Array, base: number, t: number, loc: number, order: Order, choice: number): number {
    this.#tracked(t, loc);
    const m = this.#decode(s, base);
    const k = ((m.threads[t] as ThreadViews).cur[loc] as number) + choice;
    const v = this.#readAt(m, t, loc, k, order === Order.AcqRel);
    this.#encode(m, s, base);
    return v;
  }

  /**
   * Positions where thread `t` may place a new write to `loc`: after what it has seen, and not
   * between an atomic RMW's read and its write. Computed on the packed state (no decoding).
   */
  #writePositions(s: Int32Array, base: number, t: number, loc: number): number[] {
    const h = this.#histStart(s, base, loc);
    const count = s[h] as number;
    const stride = 2 + this.#n;
    const out: number[] = [];
    for (let p = this.#curBase(s, base, t, loc) + 1; p <= count; p++) {
      if (p === count || ((s[h + 1 + p * stride + 1] as number) & ATTACHED) === 0) out.push(p);
    }
    return out;
  }

  /** Writes thread `t` may read as the first half of an atomic RMW (no attached successor). */
  #rmwSources(s: Int32Array, base: number, t: number, loc: number): number[] {
    const h = this.#histStart(s, base, loc);
    const count = s[h] as number;
    const stride = 2 + this.#n;
    const out: number[] = [];
    for (let k = this.#curBase(s, base, t, loc); k < count; k++) {
      if (k + 1 === count || ((s[h + 1 + (k + 1) * stride + 1] as number) & ATTACHED) === 0) out.push(k);
    }
    return out;
  }

  writeChoices(s: Int32Array, base: number, t: number, loc: number): number {
    this.#tracked(t, loc);
    return this.#writePositions(s, base, t, loc).length;
  }

  write(
    s: Int32Array,
    base: number,
    t: number,
    loc: number,
    value: number,
    order: Order,
    choice: number,
    early = false,
  ): number {
    this.#tracked(t, loc);
    const pos = this.#writePositions(s, base, t, loc)[choice] as number;
    const m = this.#decode(s, base);
    const me = m.threads[t] as ThreadViews;
    // A release store carries everything the thread has seen, including what the writes it
    // read carried (acq): LKMM's A-cumulativity, `A-cumul(po-rel) = (rfe ; [Marked])? ; po-rel`,
    // which cumul-fence* chains through any number of threads (ISA2, WWC, Z6 with releases).
    // A plain store carries what smp_wmb() or an earlier full barrier made it carry; so does
    // smp_store_mb()'s, which linux-kernel.def defines as WRITE_ONCE() then smp_mb().
    let view: number[];
    if (order === Order.AcqRel) {
      view = me.cur.slice();
      join(view, me.acq);
    } else view = me.rel.slice();
    const seen = me.cur[loc] as number;
    const mine = me.own[loc] as number;
    this.#insert(m, t, loc, pos, value, view, order === Order.Plain ? PLAIN : 0);
    // Performed before accesses that precede it in program order (load buffering): in memory,
    // and in pend (so that it is not dropped), but not in the thread's views until the thread
    // reaches it, so that what it does before the store in program order does not carry it: an
    // smp_wmb() between, the release of an rcu_read_unlock() between (LKMM: a store after the
    // unlock is not part of the critical section), a barrier of an interrupt taken meanwhile.
    if (early) {
      me.cur[loc] = seen;
      me.own[loc] = mine;
      me.pend[loc] = pos + 1;
    }
    if (order === Order.StoreMb) this.#mb(m, t);
    return this.#encode(m, s, base);
  }

  earlyStoreReached(s: Int32Array, base: number, t: number, loc: number): number {
    this.#tracked(t, loc);
    const m = this.#decode(s, base);
    const me = m.threads[t] as ThreadViews;
    const k = (me.pend[loc] as number) - 1;
    if (k >= 0) {
      if (k > (me.cur[loc] as number)) me.cur[loc] = k;
      if (k > (me.own[loc] as number)) me.own[loc] = k;
      me.pend[loc] = 0;
    }
    return this.#encode(m, s, base);
  }

  earlyStores(s: Int32Array, base: number, t: number): { loc: number; value: number; rmw: boolean }[] {
    const n = this.#n;
    const at = base + n * (1 + this.#views * t + this.#views - 1);
    const out: { loc: number; value: number; rmw: boolean }[] = [];
    for (let l = 0; l < n; l++) {
      const k = (s[at + l] as number) - 1;
      if (k < 0) continue;
      const msg = this.#histStart(s, base, l) + 1 + k * (2 + n);
      out.push({ loc: l, value: s[msg] as number, rmw: ((s[msg + 1] as number) & ATTACHED) !== 0 });
    }
    return out;
  }

  earlyRmwOld(s: Int32Array, base: number, t: number, loc: number): number {
    const n = this.#n;
    const k = (s[base + n * (1 + this.#views * t + this.#views - 1) + loc] as number) - 1;
    return s[this.#histStart(s, base, loc) + 1 + (k - 1) * (2 + n)] as number;
  }

  carryLatest(s: Int32Array, base: number, t: number, loc: number): number {
    const m = this.#decode(s, base);
    const msgs = m.hist[loc] as Msg[];
    join((m.threads[t] as ThreadViews).rel, (msgs[msgs.length - 1] as Msg).view);
    return this.#encode(m, s, base);
  }

  rmwChoices(s: Int32Array, base: number, t: number, loc: number): number {
    this.#tracked(t, loc);
    return this.#rmwSources(s, base, t, loc).length;
  }

  rmw(
    s: Int32Array,
    base: number,
    t: number,
    loc: number,
    fn: (old: number) => number,
    order: Order,
    choice: number,
    context = 0,
  ): number {
    this.#tracked(t, loc);
    const k = this.#rmwSources(s, base, t, loc)[choice] as number;
    const m = this.#decode(s, base);
    const msgs = m.hist[loc] as Msg[];
    const read = msgs[k] as Msg;
    const old = read.value;
    const next = fn(old);
    const me = m.threads[t] as ThreadViews;
    if ((context & RMW_EARLY) !== 0) {
      // Performed early (a read-side lock's increment, see RMW_EARLY): in memory and in pend,
      // not in the thread's views. Its read orders nothing (Once, CpuLocal).
      const seen = me.cur[loc] as number;
      const mine = me.own[loc] as number;
      this.#insert(m, t, loc, k + 1, next, me.rel.slice(), ATTACHED);
      me.cur[loc] = seen;
      me.own[loc] = mine;
      me.pend[loc] = k + 2;
      this.#encode(m, s, base);
      return old;
    }
    // smp_mb__before_atomic() before this RMW, or a fully ordered RMW: a full barrier first.
    // (Choices were counted before it; one the barrier makes unreadable is not a choice.)
    const full = order === Order.Full && next !== NO_WRITE;
    const fenceBefore = (context & RMW_FENCE_BEFORE) !== 0;
    if (fenceBefore || full) {
      this.#mb(m, t);
      if ((me.cur[loc] as number) > k) return INVALID;
    }
    // GpAcquire (RCU's bookkeeping words only, see rcu.ts): the read's view goes into every view.
    const gpAcquire = order === Order.GpAcquire;
    if (gpAcquire) join(me.rel, ((m.hist[loc] as Msg[])[k] as Msg).view);
    if (next === NO_WRITE) {
      // A failed cmpxchg (or a failed spin_trylock(), atomic_add_unless()) is a plain read: no
      // ordering of its own, whatever its _acquire/_release form (Documentation/atomic_t.txt:
      // a failed conditional RMW is unordered; lock.cat: LF has no ordering properties).
      this.#readAt(m, t, loc, k, gpAcquire);
      this.#encode(m, s, base);
      return old;
    }
    // Full: a value-returning atomic; AcqRel: an acquire RMW (xchg_acquire, a lock acquisition),
    // whose write is unordered; Release: a release RMW (xchg_release), whose read is unordered
    // and whose write carries everything before it, the read included (its po-predecessor),
    // as smp_store_release() does; Once: a _relaxed or non-value-returning RMW.
    this.#readAt(m, t, loc, k, full || order === Order.AcqRel || gpAcquire);
    if ((context & RMW_AFTER_UNLOCK) !== 0) {
      // An unlock then this lock on the same CPU (po-unlock-lock-po & int, in ppo and in
      // cumul-fence): later reads see what earlier ones observed, as after smp_rmb(), and later
      // writes carry the earlier ones, as after smp_wmb(). Not a full barrier: a write before the
      // unlock and a read after the lock may still be reordered (the TSO reordering; the kernel's
      // LB+unlocklockonceonce+poacquireonce and MP+unlocklockonceonce+fencermbonceonce).
      join(me.cur, me.acq);
      join(me.rel, me.own);
    }
    if ((context & RMW_LOCK) !== 0) {
      // The unlock this acquisition reads from (po-unlock-lock-po through rf) orders what came
      // before that unlock before this thread's later accesses for every CPU: later writes carry
      // it (ISA2+pooncelock+pooncelock+pombonce). The unlock's view is A-cumulative (what its
      // thread read, too), which LKMM does not promise for this link: stronger than LKMM.
      join(me.rel, read.view);
    }
    let view: number[];
    if (full || fenceBefore) view = me.cur.slice();
    else if (order === Order.Release || order === Order.CpuLocalRelease) {
      view = me.cur.slice();
      join(view, me.acq);
    } else view = me.rel.slice();
    this.#insert(m, t, loc, k + 1, next, view, ATTACHED);
    if (full) this.#mb(m, t);
    this.#encode(m, s, base);
    return old;
  }

  unseenWrite(s: Int32Array, base: number, t: number, loc: number, plain: boolean, bound: Bound = Bound.Rmw): boolean {
    this.#tracked(t, loc);
    const h = this.#histStart(s, base, loc);
    const count = s[h] as number;
    const stride = 2 + this.#n;
    if (!this.plain) {
      // No plain-access tracking (a model without plain accesses): cur stands for the bound.
      for (let k = this.#curBase(s, base, t, loc) + 1; k < count; k++) {
        if (plain || ((s[h + 1 + k * stride + 1] as number) & PLAIN) !== 0) return true;
      }
      return false;
    }
    // Another thread's write after the access's pre-bound is not ordered before the access in
    // LKMM's sense (wr-vis, ww-vis), even when the thread has seen it (cur past it) through a
    // read or write of the location or a control dependency: linux-kernel.cat's race.
    const at = (v: number): number => s[base + this.#n * (1 + this.#views * t + v) + loc] as number;
    const bndR = at(4);
    const bndW = at(5);
    const from = bound === Bound.Read ? bndR : bound === Bound.Write ? bndW : Math.min(bndR, bndW);
    const mine = (t + 1) << WRITER_SHIFT;
    for (let k = from + 1; k < count; k++) {
      const attached = s[h + 1 + k * stride + 1] as number;
      if ((attached & ~((1 << WRITER_SHIFT) - 1)) === mine) continue;
      if (plain || (attached & PLAIN) !== 0) return true;
    }
    return false;
  }

  fenceEnabled(): boolean {
    return true;
  }

  fence(s: Int32Array, base: number, t: number, fence: Fence): void {
    const m = this.#decode(s, base);
    const me = m.threads[t] as ThreadViews;
    if (fence === Fence.Rmb) {
      join(me.cur, me.acq);
      // r-pre-bounded: a marked read, smp_rmb(), then the plain read. Neither smp_rmb() nor
      // smp_wmb() bounds a plain write: w-pre-bounded has wmb, but ww-nonrace also needs
      // wr-vis, whose r-pre-bounded has no wmb, and rmb orders reads only, so bndW is raised by
      // strong fences, acquires and address dependencies alone.
      if (this.plain) join(me.bndR, me.acq);
    } else if (fence === Fence.Wmb) join(me.rel, me.own);
    else this.#mb(m, t);
    this.#encode(m, s, base);
  }

  quiescent(): boolean {
    return true;
  }

  fenceAll(s: Int32Array, base: number): number {
    const m = this.#decode(s, base);
    // Every write in memory was made by a CPU that takes part in the rendezvous (a handler's is
    // in G already), and each CPU's barrier publishes what it has seen, its own writes included:
    // G becomes the latest write of every location, and every thread that has not finished sees
    // it (a finished thread's views are gone, which is why this is not smp_mb() per thread).
    m.g = m.hist.map((msgs) => msgs.length - 1);
    for (const t of m.threads) {
      if (t.cur[0] === FINISHED) continue;
      join(t.cur, m.g);
      t.rel = t.cur.slice();
      if (this.plain) {
        join(t.bndR, t.cur);
        join(t.bndW, t.cur);
      }
    }
    return this.#encode(m, s, base);
  }

  dependency(s: Int32Array, base: number, t: number, loc: number, from: number, bound: Bound = Bound.None): number {
    this.#tracked(t, loc);
    this.#tracked(t, from);
    const m = this.#decode(s, base);
    const me = m.threads[t] as ThreadViews;
    // The write the last read of `from` returned is where the thread's view of `from` is now,
    // or, when that read was the thread's own RMW (its write is the message there, attached),
    // the write just before it. The dependent access may not go before what that write carried:
    // a read returns nothing older, a write is placed after it in coherence order. When the
    // thread has written `from` itself since the read, the write it read is no longer known:
    // then everything its reads observed (acq) bounds the access, which may be more than LKMM
    // orders, never less (see the header, Dependencies).
    let k = me.cur[from] as number;
    const msgs = m.hist[from] as Msg[];
    let floor: number;
    if (me.own[from] === k && ((msgs[k] as Msg).attached & ATTACHED) === 0 && k > 0) floor = me.acq[loc] as number;
    else {
      if (k > 0 && me.own[from] === k) k--;
      floor = (msgs[k] as Msg).view[loc] as number;
    }
    if (floor > (me.cur[loc] as number)) me.cur[loc] = floor;
    // An address dependency also bounds a plain access (r-pre-bounded, w-pre-bounded: addr).
    if (this.plain && bound !== Bound.None) {
      if (bound !== Bound.Write && floor > (me.bndR[loc] as number)) me.bndR[loc] = floor;
      if (bound !== Bound.Read && floor > (me.bndW[loc] as number)) me.bndW[loc] = floor;
    }
    return this.#encode(m, s, base);
  }

  /** The view slot of the handler running on `cpu` (see handlerCpus). */
  #slot(cpu: number): number {
    if (cpu < 0 || cpu >= this.handlerCpus) {
      throw new Error(`no handler views for CPU ${cpu}: the memory was built for ${this.handlerCpus} handler CPUs`);
    }
    return this.threads + cpu;
  }

  // A handler's accesses are a thread's accesses of its slot: it may read any write at or after
  // its views and place a write anywhere after what it has seen, as the code of its CPU may
  // (see the header, Interrupt handlers).
  handlerReadChoices(s: Int32Array, base: number, cpu: number, loc: number): number {
    return this.readChoices(s, base, this.#slot(cpu), loc);
  }

  handlerRead(s: Int32Array, base: number, cpu: number, loc: number, order: Order, choice: number): number {
    return this.read(s, base, this.#slot(cpu), loc, order, choice);
  }

  handlerWriteChoices(s: Int32Array, base: number, cpu: number, loc: number): number {
    return this.writeChoices(s, base, this.#slot(cpu), loc);
  }

  handlerWrite(
    s: Int32Array,
    base: number,
    cpu: number,
    loc: number,
    value: number,
    order: Order,
    choice: number,
  ): number {
    return this.write(s, base, this.#slot(cpu), loc, value, order, choice);
  }

  handlerRmwChoices(s: Int32Array, base: number, cpu: number, loc: number): number {
    return this.rmwChoices(s, base, this.#slot(cpu), loc);
  }

  handlerRmw(
    s: Int32Array,
    base: number,
    cpu: number,
    loc: number,
    fn: (old: number) => number,
    order: Order,
    choice: number,
    context = 0,
  ): number {
    return this.rmw(s, base, this.#slot(cpu), loc, fn, order, choice, context);
  }

  handlerFence(s: Int32Array, base: number, cpu: number, fence: Fence): number {
    this.fence(s, base, this.#slot(cpu), fence);
    return this.length(s, base);
  }

  handlerDependency(
    s: Int32Array,
    base: number,
    cpu: number,
    loc: number,
    from: number,
    bound: Bound = Bound.None,
  ): number {
    return this.dependency(s, base, this.#slot(cpu), loc, from, bound);
  }

  handlerUnseenWrite(
    s: Int32Array,
    base: number,
    cpu: number,
    loc: number,
    plain: boolean,
    bound: Bound,
    cpuThreads: readonly number[],
  ): boolean {
    if (!this.plain) return false;
    const slot = this.#slot(cpu);
    const h = this.#histStart(s, base, loc);
    const count = s[h] as number;
    const stride = 2 + this.#n;
    // The handler's race bounds, as a thread's (unseenWrite): they start at what the barrier of
    // taking the interrupt published (handlerStart) and rise with its own barriers, acquires and
    // address dependencies. The writes of its own CPU's code are compared with it otherwise
    // (threads.ts, handlerDataRace: the interrupted code's neighbouring accesses).
    const at = (v: number): number => s[base + this.#n * (1 + this.#views * slot + v) + loc] as number;
    const from = bound === Bound.Read ? at(4) : bound === Bound.Write ? at(5) : Math.min(at(4), at(5));
    for (let k = from + 1; k < count; k++) {
      const attached = s[h + 1 + k * stride + 1] as number;
      const writer = (attached >>> WRITER_SHIFT) - 1;
      if (writer < 0 || writer === slot || cpuThreads.includes(writer)) continue;
      if (plain || (attached & PLAIN) !== 0) return true;
    }
    return false;
  }

  interruptTaken(s: Int32Array, base: number, threads: readonly number[]): number {
    const m = this.#decode(s, base);
    // smp_mb() for each thread of the CPU (one CPU, one barrier: the later ones also see what
    // the earlier ones published). A thread that has finished takes no part: its views are
    // gone (in a model with handlers it published them when it finished, threadDone; without,
    // its writes not yet in G stay unpublished, weaker than a CPU's barrier). A full barrier commutes with the threads' smp_rmb() and
    // smp_wmb() (cur already covers acq and own), which partial-order reduction relies on.
    for (const t of threads) if ((m.threads[t] as ThreadViews).cur[0] !== FINISHED) this.#mb(m, t);
    return this.#encode(m, s, base);
  }

  handlerStart(s: Int32Array, base: number, cpu: number, threads: readonly number[]): number {
    const m = this.#decode(s, base);
    const h = m.threads[this.#slot(cpu)] as ThreadViews;
    // The handler comes after its CPU's code in that CPU's program order, and after the barrier
    // of taking the interrupt (interruptTaken, which put that code's views into G): it starts
    // from G joined with what the CPU's threads have seen (the join, as every thread of the CPU
    // counts as the interrupted one; with the barrier the join adds nothing to G).
    h.cur = m.g.slice();
    h.acq = m.g.slice();
    h.rel = m.g.slice();
    h.own = new Array<number>(this.#n).fill(0);
    if (this.plain) {
      h.bndR = m.g.slice();
      h.bndW = m.g.slice();
    }
    h.pend.fill(0);
    for (const t of threads) {
      const views = m.threads[t] as ThreadViews;
      if (views.cur[0] === FINISHED) continue;
      join(h.cur, views.cur);
      join(h.acq, views.acq);
      join(h.rel, views.rel);
      join(h.own, views.own);
      if (this.plain) {
        join(h.bndR, views.bndR);
        join(h.bndW, views.bndW);
      }
    }
    join(h.acq, h.cur);
    return this.#encode(m, s, base);
  }

  handlerReturn(s: Int32Array, base: number, cpu: number): number {
    const m = this.#decode(s, base);
    const slot = this.#slot(cpu);
    // Returning from the interrupt is a full barrier, as taking it is (x86's IRET is serialising):
    // the handler's writes are published, so the next handler on this CPU, which starts from G,
    // sees them even when no thread of the CPU is left to carry them (handlerOrder).
    this.#mb(m, slot);
    const views = m.threads[slot] as ThreadViews;
    for (const v of [views.cur, views.acq, views.rel, views.own, views.bndR, views.bndW]) v.fill(FINISHED);
    views.pend.fill(0);
    return this.#encode(m, s, base);
  }

  ipiAcked(s: Int32Array, base: number, t: number): number {
    const m = this.#decode(s, base);
    const me = m.threads[t] as ThreadViews;
    // An acquire of what the handler released at its end. The machine keeps no write for the
    // flag (the pending bit is the acknowledgement), so the view acquired is G: the handler's
    // return is a full barrier that put everything it saw there (handlerReturn). G may also hold
    // what other CPUs' barriers published since: more than the release carries (stronger than
    // LKMM, see the header). An acquire bounds later plain accesses too (acq-po is a nonrw-fence).
    join(me.acq, m.g);
    join(me.cur, m.g);
    if (this.plain) {
      join(me.bndR, m.g);
      join(me.bndW, m.g);
    }
    return this.#encode(m, s, base);
  }

  handlerOrder(s: Int32Array, base: number, cpu: number, loc: number, threads: readonly number[]): number {
    const m = this.#decode(s, base);
    // The write the handler has just read or written (its view of `loc`).
    const last = (m.threads[this.#slot(cpu)] as ThreadViews).cur[loc] as number;
    for (const t of threads) {
      const views = m.threads[t] as ThreadViews;
      // A finished thread makes no later accesses (its views pin nothing).
      if (views.cur[0] === FINISHED) continue;
      // Only cur: the later reads of `loc` return this write or a newer one, later writes go
      // after it. Not acq or own (see the header: a later smp_rmb()/smp_wmb() of the thread
      // does not order the handler's accesses), which keeps this step commuting with the
      // thread's own smp_rmb() and smp_wmb() (joins into cur, resp. rel), which partial-order
      // reduction takes as independent of every other unit (machine.ts, isLocalUnit).
      if ((views.cur[loc] as number) < last) views.cur[loc] = last;
      // The threads' later accesses count as ordered after the handler's: the race check compares
      // a handler's access with the interrupted code's next and last accesses only (threads.ts,
      // handlerDataRace), which it did when the handler made it.
      if (this.plain) {
        if ((views.bndR[loc] as number) < last) views.bndR[loc] = last;
        if ((views.bndW[loc] as number) < last) views.bndW[loc] = last;
      }
    }
    return this.#encode(m, s, base);
  }

  latest(s: Int32Array, base: number, loc: number): number {
    const p = this.#histStart(s, base, loc);
    const count = s[p] as number;
    return s[p + 1 + (count - 1) * (2 + this.#n)] as number;
  }

  internalText(): string {
    return '';
  }
  internalEnabled(): boolean {
    return false;
  }
  internalStep(s: Int32Array, base: number): number {
    return this.length(s, base);
  }

  threadDone(s: Int32Array, base: number, t: number): number {
    const m = this.#decode(s, base);
    const views = m.threads[t] as ThreadViews;
    // In a model with handlers, what the thread has seen is published first: a handler taken
    // later on its CPU comes after it in that CPU's order and starts from G (handlerStart), so it
    // must not read older than the thread's own writes. The kernel agrees: the CPU switches away
    // from a task that ends through __schedule(), whose rq_lock() and smp_mb__after_spinlock()
    // are a full barrier. (Not done without handlers, where nothing needs it: states as before.)
    if (this.handlerCpus > 0) {
      join(views.cur, views.acq);
      join(m.g, views.cur);
    }
    for (const v of [views.cur, views.acq, views.rel, views.own, views.bndR, views.bndW]) v.fill(FINISHED);
    views.pend.fill(0);
    return this.#encode(m, s, base);
  }

  describe(s: Int32Array, base: number, fmt: (loc: number, value: number) => string): MemoryPicture {
    const m = this.#decode(s, base);
    return {
      values: m.hist.map((msgs, loc) => {
        const latest = fmt(loc, (msgs[msgs.length - 1] as Msg).value);
        const older = msgs.slice(0, -1).map((msg) => fmt(loc, msg.value));
        return older.length > 0 ? { loc, latest, older } : { loc, latest };
      }),
    };
  }
}
