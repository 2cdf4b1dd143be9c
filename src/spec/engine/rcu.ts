/**
 * RCU and context tracking as kernel primitives: per-CPU RCU state (is RCU watching this CPU,
 * and how deep in read-side critical sections is it), the read side (rcu_read_lock(),
 * rcu_dereference(), rcu_read_unlock()), the update side (rcu_assign_pointer(),
 * synchronize_rcu()) and the extended quiescent states (EQS) that context tracking enters
 * and leaves (user mode, idle, guest mode on a nohz_full CPU).
 *
 * State: one memory location per CPU, `rcu_data[cpu]`, holding the EQS bit (RCU not watching)
 * and the read-side nesting of the code running there (times two). Since Linux 5.19
 * (171476775d32, "context_tracking: Merge dynticks counter and context tracking states") the
 * kernel keeps the context-tracking state and RCU's EQS counter in one atomic per CPU,
 * ct->state, so that entering or leaving an EQS is one fully ordered atomic; the nesting
 * count is the model's: with CONFIG_PREEMPT_NONE rcu_read_lock() writes no memory at all and
 * the CPU reports its quiescent states itself (rcu_qs(), rcu_sched_clock_irq()), which the
 * model folds into "a CPU with no reader running is quiescent".
 *
 * The grace-period guarantee (Documentation/RCU/Design/Requirements, and LKMM's rcu-fence):
 * if any access of a read-side critical section precedes the start of synchronize_rcu(), every
 * access of that critical section precedes its end. synchronize_rcu() here waits, for every
 * other CPU, until that CPU is seen either in an EQS or outside any read-side critical
 * section, with full barriers before and after, which is how Tree RCU's grace-period kthread
 * treats a CPU whose dynticks snapshot shows an EQS (rcu_dynticks_in_eqs(),
 * dyntick_save_progress_counter() in kernel/rcu/tree.c): quiescent, without asking it.
 * That is exactly why a reader must never run on a CPU RCU is not watching.
 *
 * Where this is stronger than LKMM (say so wherever a verdict depends on it):
 * - rcu_read_lock() and rcu_read_unlock() are fully ordered atomics on the CPU's word, so
 *   they also order the reader's own accesses like smp_mb(); LKMM orders them only against
 *   grace periods. A litmus test whose outcome rests on reader-side ordering with no grace
 *   period involved is forbidden here and allowed by LKMM.
 * Interrupt handlers' accesses are sequentially consistent in every memory model (see
 * MemorySystem.handlerRead), so a reader in a handler is stronger still.
 */
import { action, Kind, type Op, Order } from './actions.ts';
import type { ModelBuilder } from './model.ts';
import { type Ghost, ghost, ghost_read, type Loc, smp_mb, wait_until } from './primitives.ts';

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

export interface RcuOptions {
  /** CPUs whose state to declare (default: every CPU of the model). */
  readonly cpus?: readonly number[];
  /**
   * CPUs that start in an EQS (an idle CPU, or one running user code on nohz_full). Default
   * none: every CPU starts in the kernel with RCU watching.
   */
  readonly eqsAtStart?: readonly number[];
}

/**
 * Per-CPU RCU state of one model. Declare it in `setup` (it adds one location and two ghosts per
 * CPU, and one ghost for illegal RCU use), then call its primitives from threads and handlers.
 */
export class Rcu {
  /** rcu_data[cpu]: the EQS bit and the read-side nesting. */
  readonly data: readonly Loc[];
  /** Mirror of "RCU is not watching cpu" (1) for properties and assertions, never for behaviour. */
  readonly eqs: readonly Ghost[];
  /**
   * Set to 1 (and kept) when a read-side critical section starts on a CPU RCU is not watching:
   * what CONFIG_PROVE_RCU reports as "rcu_read_lock() used illegally while idle".
   */
  readonly illegal: Ghost;
  readonly #cpus: readonly number[];

  constructor(b: ModelBuilder, opts: RcuOptions = {}) {
    const cpus = opts.cpus ?? Array.from({ length: b.cpus }, (_, i) => i);
    for (const c of cpus) if (!Number.isInteger(c) || c < 0 || c >= b.cpus) throw new Error(`Rcu: no CPU ${c}`);
    const eqsAtStart = new Set(opts.eqsAtStart ?? []);
    this.#cpus = cpus;
    const data: Loc[] = [];
    const eqs: Ghost[] = [];
    for (const c of cpus) {
      const init = eqsAtStart.has(c) ? RCU_EQS : 0;
      data[c] = b.loc(`rcu_data[${c}]`, init, formatRcuData);
      eqs[c] = b.ghost(`rcu_eqs[${c}]`, init);
    }
    this.data = data;
    this.eqs = eqs;
    this.illegal = b.ghost('rcu_illegal_use');
  }

  #word(cpu: number): Loc {
    const w = this.data[cpu];
    if (!w) throw new Error(`Rcu: CPU ${cpu} has no RCU state (declare it in the Rcu options)`);
    return w;
  }

  // ---- Extended quiescent states ----------------------------------------------------------------

  /**
   * RCU stops watching `cpu` (ct_kernel_exit() / rcu_dynticks_eqs_enter(): the fully ordered
   * atomic on ct->state). Returns whether it was already in an EQS.
   */
  *rcu_eqs_enter(cpu: number, text = `rcu_eqs_enter(): RCU stops watching cpu${cpu}`): Op<boolean> {
    const old: number = yield action(Kind.Rmw, text, {
      a: this.#word(cpu).id,
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
      a: this.#word(cpu).id,
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
    const old: number = yield action(Kind.Rmw, 'rcu_read_lock()', {
      a: this.#word(cpu).id,
      order: Order.Full,
      rmw: (v) => v + RCU_NEST_ONE,
    });
    if ((old & RCU_EQS) !== 0) yield* ghost(this.illegal, 1);
  }

  *rcu_read_unlock(cpu: number): Op {
    yield action(Kind.Rmw, 'rcu_read_unlock()', {
      a: this.#word(cpu).id,
      order: Order.Full,
      rmw: (v) => v - RCU_NEST_ONE,
    });
  }

  // ---- Update side ------------------------------------------------------------------------------

  /**
   * synchronize_rcu() called on `self` (which must not be in a read-side critical section): a
   * full barrier, then for every other CPU a wait until it is seen in an EQS or with no reader
   * running, then a full barrier.
   */
  *synchronize_rcu(self: number): Op {
    yield* smp_mb();
    for (const c of this.#cpus) {
      if (c === self) continue;
      yield* wait_until(
        this.#word(c),
        (v) => (v & RCU_EQS) !== 0 || v >> 1 === 0,
        `synchronize_rcu(): wait until cpu${c} is in an EQS or has no reader`,
        { acquire: true },
      );
    }
    yield* smp_mb();
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
