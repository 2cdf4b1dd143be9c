/**
 * RCU, SRCU and context tracking as kernel primitives: per-CPU RCU state (is RCU watching this
 * CPU, and how deep in read-side critical sections is it), the read side (rcu_read_lock(),
 * rcu_dereference(), rcu_read_unlock()), the update side (rcu_assign_pointer(),
 * synchronize_rcu()), the extended quiescent states (EQS) that context tracking enters and
 * leaves (user mode, idle, guest mode on a nohz_full CPU), and SRCU's per-srcu_struct domains
 * (srcu_read_lock(), srcu_read_unlock(), synchronize_srcu()).
 *
 * State, per domain (RCU, or one srcu_struct): one word per CPU, `rcu_data[cpu]`, holding the
 * EQS bit (RCU not watching; RCU only) and the read-side nesting of the code running there
 * (times two), and one word `rcu_gp` that each grace period's start writes. Every write to these
 * words is a read-modify-write, so each of their reads returns the latest write: the words
 * behave as the implementation's own bookkeeping does (a CPU knows whether it is in a read-side
 * critical section; the grace-period machinery learns it from that CPU), not as racy memory.
 * Since Linux 5.19 (171476775d32, "context_tracking: Merge dynticks counter and context
 * tracking states") the kernel keeps the context-tracking state and RCU's EQS counter in one
 * atomic per CPU, ct->state, so that entering or leaving an EQS is one fully ordered atomic.
 *
 * The grace-period guarantee (Documentation/RCU/Design/Requirements/Requirements.rst, "Grace-
 * Period Guarantee"; LKMM's rcu-fence in tools/memory-model/linux-kernel.cat): for each read-side
 * critical section and each grace period, either every access of the critical section precedes
 * every access after the grace period's end, or every access before the grace period's start
 * precedes every access of the critical section. synchronize_rcu() here is: a full barrier
 * (LKMM's gp is a strong fence), the start (a release write of `rcu_gp`), then for every CPU a
 * wait until it is seen in an EQS or with no reader (taking on what that CPU's last
 * rcu_read_unlock() carried), then a full barrier. A critical section that began before the
 * wait for its CPU is waited for: its rcu_read_unlock() is a release that the wait acquires,
 * so its accesses precede the end. One that begins after the start reads `rcu_gp` at its
 * rcu_read_lock() with Order.GpAcquire, which puts the start's view in every view of the
 * reader: everything before the start precedes its accesses. A CPU in an EQS is quiescent
 * without being asked, as Tree RCU's grace-period kthread treats a CPU whose dynticks snapshot
 * shows an EQS (rcu_dynticks_in_eqs(), dyntick_save_progress_counter() in kernel/rcu/tree.c);
 * that is why a reader must never run on a CPU RCU is not watching.
 *
 * What each memory model makes of it:
 * - relaxed (LKMM): a read-side critical section is not a barrier. rcu_read_lock() is an
 *   unordered (CpuLocal) RMW of the CPU's word and a GpAcquire read of `rcu_gp`; rcu_read_unlock() a
 *   release RMW of the CPU's word; neither orders the reader's own accesses among themselves,
 *   so SB or MP between two readers with no grace period is allowed, as LKMM allows it. The
 *   litmus tests in src/spec/litmus/tests (RCU+sync+*, the rcu-fence counting rings) are judged
 *   against LKMM's documented results.
 * - tso: rcu_read_lock() is no barrier, as on x86 where it is preempt_disable() or a per-task
 *   counter (Order.CpuLocal and GpAcquire do not drain the store buffer: the grace period
 *   learns of the reader at once, as the implementation's CPU-local state tells it, and the
 *   stores before the grace period's start are in memory already, after its smp_mb()).
 *   rcu_read_unlock() is no barrier either (x86: preempt_enable() or a per-task decrement, a
 *   compiler barrier): its decrement (Order.CpuLocalRelease) is a plain CPU-local store that
 *   goes through the store buffer behind the critical section's stores, so a load after the
 *   unlock may pass them (SB across the unlock is allowed, as on x86), and the grace period's
 *   wait, which reads the word in memory, sees the critical section end only once its stores
 *   are visible (x86 guarantees that by the full barrier of the quiescent-state report, which
 *   comes later). The next rcu_read_lock() of that CPU, which writes the word at once, waits
 *   until the decrement has left the buffer: a store in one critical section and a load in the
 *   next stay ordered, STRONGER than x86 (pinned in test/engine/rcu.test.ts). Until this
 *   commit rcu_read_unlock() was a LOCK-prefixed RMW under tso, which drained the buffer.
 *   SRCU's read side is two locked RMWs, full barriers, which is its implementation
 *   (__srcu_read_lock() and __srcu_read_unlock() in kernel/rcu/srcutree.c execute smp_mb(),
 *   their barriers B and C). Under sc nothing is reordered anyway.
 * Where the relaxed model is stronger than LKMM (see also memory/relaxed.ts):
 * - a grace period's steps are interleaving points, so a store after one of them is never
 *   performed before a load before it. A store inside a critical section that does not depend on
 *   a load before rcu_read_lock() or srcu_read_lock() may be performed before that load, as LKMM
 *   allows (LB+rcu-lock: Sometimes), and takes the lock's nesting increment with it (threads.ts,
 *   AheadStore.locks), so a grace period waits for the critical section from then on: the load
 *   before the lock is then inside the critical section for such a grace period (stronger than
 *   LKMM), and no store passes two nested locks of one domain (test/engine/lkmm-rcu-lock.test.ts).
 *   A store after rcu_read_unlock() or srcu_read_unlock() that does not depend on a load in the
 *   critical section may be performed before that load (LB+rcu-unlock, LB+srcu-unlock), and the
 *   unlock's release then leaves it out, as LKMM leaves a store after the critical section out
 *   of it.
 * - the words are RMWs, so smp_mb__after_atomic() after rcu_read_unlock() is a full barrier.
 * - a grace period's start reads `rcu_gp` (it is an RMW), so a second, concurrent grace period
 *   may take on what the first one's start carried.
 * An interrupt handler's accesses are ordered as its CPU's code's (MemorySystem.handlerRead),
 * between the full barriers of taking the interrupt and returning from it, so a reader in a
 * handler is stronger still.
 */
import { action, Kind, NO_WRITE, type Op, Order } from './actions.ts';
import { ModelError } from './layout.ts';
import type { ModelBuilder } from './model.ts';
import { type Ghost, ghost, ghost_read, type Loc, smp_mb } from './primitives.ts';

/** The EQS bit of rcu_data[cpu]: set while RCU is not watching the CPU. */
export const RCU_EQS = 1;
/** One level of read-side nesting in rcu_data[cpu]. */
export const RCU_NEST_ONE = 2;

/** How a trace shows rcu_data[cpu]: `watching` / `EQS`, and the reader nesting if any. */
export function formatRcuData(v: number): string {
  const nest = v >> 1;
  const where = (v & RCU_EQS) !== 0 ? 'EQS (RCU not watching)' : 'watching';
  return nest === 0 ? where : `${where}, ${nest} reader${nest === 1 ? '' : 's'}`;
}

/** How a trace shows a domain's rcu_gp word: it flips at each grace period's start. */
const formatGp = (v: number): string => `grace period start #${v} (mod 2)`;

interface DomainOptions {
  /** CPUs whose state to declare (default: every CPU of the model). */
  readonly cpus?: readonly number[];
}

/**
 * One read-side domain: RCU's, or one srcu_struct's. The words and steps common to both; Rcu
 * adds the extended quiescent states.
 */
class ReadSideDomain {
  /** rcu_data[cpu]: the EQS bit (RCU only) and the read-side nesting. */
  readonly data: readonly Loc[];
  /** Written at each grace period's start; read by each read-side critical section's start. */
  readonly gp: Loc;
  readonly #cpus: readonly number[];
  readonly #name: string;
  /** The orders of the read-side nesting increment and decrement (see Rcu and Srcu). */
  readonly #lockOrder: Order;
  readonly #unlockOrder: Order;

  constructor(
    b: ModelBuilder,
    name: string,
    opts: DomainOptions,
    init: (cpu: number) => number,
    lockOrder: Order,
    unlockOrder: Order,
  ) {
    this.#lockOrder = lockOrder;
    this.#unlockOrder = unlockOrder;
    const cpus = opts.cpus ?? Array.from({ length: b.cpus }, (_, i) => i);
    for (const c of cpus) if (!Number.isInteger(c) || c < 0 || c >= b.cpus) throw new Error(`${name}: no CPU ${c}`);
    this.#cpus = cpus;
    this.#name = name;
    const data: Loc[] = [];
    for (const c of cpus) data[c] = b.loc(`${name}_data[${c}]`, init(c), formatRcuData);
    this.data = data;
    this.gp = b.loc(`${name}_gp`, 0, formatGp);
  }

  protected word(cpu: number): Loc {
    const w = this.data[cpu];
    if (!w) throw new Error(`${this.#name}: CPU ${cpu} has no state (declare it in the options)`);
    return w;
  }

  /**
   * The start of a read-side critical section on `cpu`: the nesting goes up (an unordered RMW),
   * then the reader takes on what every grace period started so far carried (GpAcquire).
   * Returns the CPU's word before the increment.
   */
  protected *readLock(cpu: number, text: string): Op<number> {
    const old: number = yield action(Kind.Rmw, text, {
      a: this.word(cpu).id,
      order: this.#lockOrder,
      rmw: (v) => v + RCU_NEST_ONE,
      readSideLock: true,
    });
    yield action(Kind.Rmw, `${text}: after the grace periods started so far`, {
      a: this.gp.id,
      order: Order.GpAcquire,
      rmw: () => NO_WRITE,
    });
    return old;
  }

  /** The end of a read-side critical section: a release RMW the grace period's wait acquires. */
  protected *readUnlock(cpu: number, text: string): Op {
    const old: number = yield action(Kind.Rmw, text, {
      a: this.word(cpu).id,
      order: this.#unlockOrder,
      rmw: (v) => v - RCU_NEST_ONE,
      readSideUnlock: true,
    });
    if (old >> 1 === 0) throw new ModelError(`${text} without a matching lock on cpu${cpu}`);
  }

  /**
   * A grace period: full barrier, start, a wait per CPU until `quiescent` holds for its word
   * (taking on what its last unlock carried), full barrier. The caller's own CPU is waited for
   * too, so a grace period inside the caller's own read-side critical section never ends (a
   * self-deadlock, as in the kernel).
   */
  protected *gracePeriod(name: string, quiescent: (v: number) => boolean, what: string): Op {
    yield* smp_mb();
    yield action(Kind.Rmw, `${name}: the grace period starts`, {
      a: this.gp.id,
      order: Order.Release,
      rmw: (v) => v ^ 1,
    });
    for (const c of this.#cpus) {
      yield action(Kind.Await, `${name}: wait until cpu${c} ${what}`, {
        a: this.word(c).id,
        order: Order.GpAcquire,
        pred: quiescent,
        rmw: () => NO_WRITE,
      });
    }
    yield* smp_mb();
  }
}

export interface RcuOptions extends DomainOptions {
  /**
   * CPUs that start in an EQS (an idle CPU, or one running user code on nohz_full). Default
   * none: every CPU starts in the kernel with RCU watching.
   */
  readonly eqsAtStart?: readonly number[];
}

/**
 * Per-CPU RCU state of one model. Declare it in `setup` (it adds one location and one ghost per
 * CPU, the `rcu_gp` location, and one ghost for illegal RCU use), then call its primitives from
 * threads and handlers.
 */
export class Rcu extends ReadSideDomain {
  /** Mirror of "RCU is not watching cpu" (1) for properties and assertions, never for behaviour. */
  readonly eqs: readonly Ghost[];
  /**
   * Set to 1 (and kept) when a read-side critical section starts on a CPU RCU is not watching:
   * what CONFIG_PROVE_RCU reports as "rcu_read_lock() used illegally while idle".
   */
  readonly illegal: Ghost;

  constructor(b: ModelBuilder, opts: RcuOptions = {}) {
    const eqsAtStart = new Set(opts.eqsAtStart ?? []);
    // rcu_read_lock() is preempt_disable() or current->rcu_read_lock_nesting++: CPU-local.
    // rcu_read_unlock() is preempt_enable() or current->rcu_read_lock_nesting--: CPU-local too,
    // a release for LKMM (CpuLocalRelease, see actions.ts).
    super(b, 'rcu', opts, (c) => (eqsAtStart.has(c) ? RCU_EQS : 0), Order.CpuLocal, Order.CpuLocalRelease);
    const eqs: Ghost[] = [];
    for (const c of opts.cpus ?? Array.from({ length: b.cpus }, (_, i) => i)) {
      eqs[c] = b.ghost(`rcu_eqs[${c}]`, eqsAtStart.has(c) ? 1 : 0);
    }
    this.eqs = eqs;
    this.illegal = b.ghost('rcu_illegal_use');
  }

  // ---- Extended quiescent states ----------------------------------------------------------------

  /**
   * RCU stops watching `cpu` (ct_kernel_exit() / rcu_dynticks_eqs_enter(): the fully ordered
   * atomic on ct->state). Returns whether it was already in an EQS.
   */
  *rcu_eqs_enter(cpu: number, text = `rcu_eqs_enter(): RCU stops watching cpu${cpu}`): Op<boolean> {
    const old: number = yield action(Kind.Rmw, text, {
      a: this.word(cpu).id,
      order: Order.Full,
      rmw: (v) => v | RCU_EQS,
    });
    yield* ghost(this.eqs[cpu] as Ghost, 1);
    return (old & RCU_EQS) !== 0;
  }

  /**
   * RCU watches `cpu` again (ct_kernel_enter() / rcu_dynticks_eqs_exit()). Returns whether the
   * CPU was in an EQS (so that an interrupt exit can go back into it).
   */
  *rcu_eqs_exit(cpu: number, text = `rcu_eqs_exit(): RCU watches cpu${cpu} again`): Op<boolean> {
    const old: number = yield action(Kind.Rmw, text, {
      a: this.word(cpu).id,
      order: Order.Full,
      rmw: (v) => v & ~RCU_EQS,
    });
    yield* ghost(this.eqs[cpu] as Ghost, 0);
    return (old & RCU_EQS) !== 0;
  }

  /** rcu_is_watching() on `cpu` (not a step: the CPU reads its own state). */
  *rcu_is_watching(cpu: number): Op<boolean> {
    return (yield* ghost_read(this.eqs[cpu] as Ghost)) === 0;
  }

  /**
   * rcu_virt_note_context_switch() (include/linux/kvm_host.h, from rcu_note_context_switch()):
   * report a quiescent state for `cpu` without entering an EQS. In this model a CPU outside any
   * read-side critical section is already quiescent, so there is nothing to write; the step is
   * kept (as a merged bookkeeping step) so that traces show where the kernel reports it.
   */
  *rcu_virt_note_context_switch(cpu: number): Op {
    yield action(Kind.Ghost, `rcu_virt_note_context_switch(${cpu}): quiescent state reported`, {
      a: (this.eqs[cpu] as Ghost).id,
      b: 0,
    });
  }

  // ---- Read side -------------------------------------------------------------------------------

  /** rcu_read_lock() on `cpu`: records an illegal use when RCU is not watching the CPU. */
  *rcu_read_lock(cpu: number): Op {
    const old = yield* this.readLock(cpu, 'rcu_read_lock()');
    if ((old & RCU_EQS) !== 0) yield* ghost(this.illegal, 1);
  }

  *rcu_read_unlock(cpu: number): Op {
    yield* this.readUnlock(cpu, 'rcu_read_unlock()');
  }

  // ---- Update side ------------------------------------------------------------------------------

  /**
   * synchronize_rcu() called on `self`: waits for every CPU (its own included: called inside
   * its own read-side critical section it never returns) to be seen in an EQS or with no reader.
   * `self` is kept for the callers' readability; the wait covers every CPU either way.
   */
  *synchronize_rcu(_self?: number): Op {
    yield* this.gracePeriod(
      'synchronize_rcu()',
      (v) => (v & RCU_EQS) !== 0 || v >> 1 === 0,
      'is in an EQS or has no reader',
    );
  }
}

/**
 * One srcu_struct: its own read-side critical sections and grace periods (LKMM's `& loc`:
 * synchronize_srcu() waits only for readers of the same srcu_struct). No EQS: SRCU readers may
 * run where RCU is not watching. srcu_read_lock() returns the index the matching
 * srcu_read_unlock() is given; the model has one index, 0 (the kernel's two indices serve its
 * grace-period algorithm, not the guarantee).
 */
export class Srcu extends ReadSideDomain {
  readonly name: string;
  constructor(b: ModelBuilder, name: string, opts: DomainOptions = {}) {
    // __srcu_read_lock(): this_cpu_inc() of the lock count, then smp_mb() (B): a locked RMW
    // stands for both under TSO.
    super(b, `srcu:${name}`, opts, () => 0, Order.Once, Order.Release);
    this.name = name;
  }

  *srcu_read_lock(cpu: number): Op<number> {
    yield* this.readLock(cpu, `srcu_read_lock(&${this.name})`);
    return 0;
  }

  *srcu_read_unlock(cpu: number, idx: number): Op {
    if (idx !== 0)
      throw new ModelError(`srcu_read_unlock(&${this.name}, ${idx}): not an index srcu_read_lock() returned`);
    yield* this.readUnlock(cpu, `srcu_read_unlock(&${this.name}, ${idx})`);
  }

  *synchronize_srcu(): Op {
    yield* this.gracePeriod(`synchronize_srcu(&${this.name})`, (v) => v >> 1 === 0, 'has no reader');
  }
}

/**
 * rcu_dereference(p): a READ_ONCE(). As in LKMM, what orders the reader's later loads through
 * the pointer is their address dependency on this load, which the relaxed model tracks (a load
 * whose address comes from this load's value); other later accesses are not ordered by it.
 */
export function* rcu_dereference(p: Loc): Op<number> {
  return yield action(Kind.Read, `rcu_dereference(${p.name})`, { a: p.id });
}

/** rcu_assign_pointer(p, v): a release store. */
export function* rcu_assign_pointer(p: Loc, value: number, valueText = String(value)): Op {
  yield action(Kind.Write, `rcu_assign_pointer(${p.name}, ${valueText})`, { a: p.id, b: value, order: Order.AcqRel });
}
