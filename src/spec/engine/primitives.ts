/**
 * Kernel primitives as model operations. Each helper is named after the kernel API it stands
 * for and yields exactly one atomic step (or none, for the merged helpers), so model code can be
 * read line by line beside the C it models.
 *
 * Ordering rules follow tools/memory-model (LKMM) and Documentation/atomic_t.txt: value-returning
 * atomics are fully ordered, their _acquire forms order what follows after their read, their
 * _release forms what precedes before their write, their _relaxed forms and non-value-returning
 * ones (set_bit, clear_bit, atomic_inc) nothing, and a failed cmpxchg orders nothing. How each
 * memory model realises them is in memory/*.ts (under TSO every atomic RMW is a full barrier).
 */
import { action, Fence, Kind, NO_WRITE, type Op, Order } from './actions.ts';

/** A shared memory location declared by a model (see ModelBuilder.loc). */
export interface Loc {
  readonly id: number;
  readonly name: string;
}

/** A ghost variable: model bookkeeping that properties read, outside the memory model. */
export interface Ghost {
  readonly id: number;
  readonly name: string;
}

const show = (v: number): string => String(v);

// ---- Plain accesses ---------------------------------------------------------------------------

export function* READ_ONCE(x: Loc): Op<number> {
  return yield action(Kind.Read, `READ_ONCE(${x.name})`, { a: x.id });
}

export function* WRITE_ONCE(x: Loc, value: number, valueText = show(value)): Op {
  yield action(Kind.Write, `WRITE_ONCE(${x.name}, ${valueText})`, { a: x.id, b: value });
}

/**
 * A plain C load, `r = *x`: ordered like READ_ONCE() by every memory model here (LKMM orders
 * plain accesses less: the compiler may tear, fuse or move them), and checked for data races:
 * a state reached through a racy access has StateView.dataRace set (engine/threads.ts).
 */
export function* plain_load(x: Loc): Op<number> {
  return yield action(Kind.Read, `*${x.name}`, { a: x.id, order: Order.Plain });
}

/** A plain C store, `*x = value` (see plain_load). */
export function* plain_store(x: Loc, value: number, valueText = show(value)): Op {
  yield action(Kind.Write, `*${x.name} = ${valueText}`, { a: x.id, b: value, order: Order.Plain });
}

export function* smp_load_acquire(x: Loc): Op<number> {
  return yield action(Kind.Read, `smp_load_acquire(&${x.name})`, { a: x.id, order: Order.AcqRel });
}

export function* smp_store_release(x: Loc, value: number, valueText = show(value)): Op {
  yield action(Kind.Write, `smp_store_release(&${x.name}, ${valueText})`, {
    a: x.id,
    b: value,
    order: Order.AcqRel,
  });
}

export function* smp_store_mb(x: Loc, value: number, valueText = show(value)): Op {
  yield action(Kind.Write, `smp_store_mb(${x.name}, ${valueText})`, { a: x.id, b: value, order: Order.StoreMb });
}

// ---- Barriers ---------------------------------------------------------------------------------

export function* smp_mb(): Op {
  yield action(Kind.Fence, 'smp_mb()', { b: Fence.Mb });
}

export function* smp_rmb(): Op {
  yield action(Kind.Fence, 'smp_rmb()', { b: Fence.Rmb });
}

export function* smp_wmb(): Op {
  yield action(Kind.Fence, 'smp_wmb()', { b: Fence.Wmb });
}

export function* smp_mb__before_atomic(): Op {
  yield action(Kind.Fence, 'smp_mb__before_atomic()', { b: Fence.BeforeAtomic });
}

export function* smp_mb__after_atomic(): Op {
  yield action(Kind.Fence, 'smp_mb__after_atomic()', { b: Fence.AfterAtomic });
}

/**
 * srcu_read_unlock() followed by smp_mb__after_srcu_read_unlock(): together a full barrier.
 * The second is empty in include/linux/srcu.h only because __srcu_read_unlock() already
 * executes smp_mb(), so this is a full smp_mb() under every memory model (unlike the
 * smp_mb__{before,after}_atomic() family, which are compiler barriers on x86).
 */
export function* smp_mb__after_srcu_read_unlock(): Op {
  yield action(Kind.Fence, 'srcu_read_unlock(); smp_mb__after_srcu_read_unlock()', { b: Fence.Mb });
}

// ---- Atomics ----------------------------------------------------------------------------------

function* rmw(x: Loc, text: string, order: Order, fn: (old: number) => number): Op<number> {
  return yield action(Kind.Rmw, text, { a: x.id, order, rmw: fn });
}

/** Fully ordered when it succeeds; a failed cmpxchg is only a (relaxed) read. */
export function cmpxchg(x: Loc, old: number, value: number, oldText = show(old), valueText = show(value)): Op<number> {
  return rmw(x, `cmpxchg(&${x.name}, ${oldText}, ${valueText})`, Order.Full, (cur) => (cur === old ? value : NO_WRITE));
}

export function xchg(x: Loc, value: number, valueText = show(value)): Op<number> {
  return rmw(x, `xchg(&${x.name}, ${valueText})`, Order.Full, () => value);
}

/**
 * The ordering suffixes of value-returning atomics (Documentation/atomic_t.txt): none (fully
 * ordered), _acquire (Order.AcqRel on an RMW), _release, _relaxed.
 */
export type RmwOrdering = '' | '_acquire' | '_release' | '_relaxed';
export const RMW_ORDER: Readonly<Record<RmwOrdering, Order>> = {
  '': Order.Full,
  _acquire: Order.AcqRel,
  _release: Order.Release,
  _relaxed: Order.Once,
};

/** xchg{,_acquire,_release,_relaxed}(). */
export function xchg_ordered(ordering: RmwOrdering, x: Loc, value: number, valueText = show(value)): Op<number> {
  return rmw(x, `xchg${ordering}(&${x.name}, ${valueText})`, RMW_ORDER[ordering], () => value);
}

/** cmpxchg{,_acquire,_release,_relaxed}(): on failure only a read, with no ordering. */
export function cmpxchg_ordered(
  ordering: RmwOrdering,
  x: Loc,
  old: number,
  value: number,
  oldText = show(old),
  valueText = show(value),
): Op<number> {
  return rmw(x, `cmpxchg${ordering}(&${x.name}, ${oldText}, ${valueText})`, RMW_ORDER[ordering], (cur) =>
    cur === old ? value : NO_WRITE,
  );
}

/** atomic_fetch_add{,_acquire,_release,_relaxed}(): returns the old value. */
export function atomic_fetch_add_ordered(ordering: RmwOrdering, i: number, x: Loc): Op<number> {
  return rmw(x, `atomic_fetch_add${ordering}(${i}, &${x.name})`, RMW_ORDER[ordering], (cur) => (cur + i) | 0);
}

/** atomic_dec_and_test(): fully ordered; true when the new value is 0. */
export function* atomic_dec_and_test(x: Loc): Op<boolean> {
  return (yield* rmw(x, `atomic_dec_and_test(&${x.name})`, Order.Full, (cur) => (cur - 1) | 0)) === 1;
}

/** atomic_add_unless(v, a, u): adds a unless the value is u; fully ordered when it adds, unordered when not. */
export function* atomic_add_unless(x: Loc, a: number, u: number): Op<boolean> {
  const old = yield* rmw(x, `atomic_add_unless(&${x.name}, ${a}, ${u})`, Order.Full, (cur) =>
    cur === u ? NO_WRITE : (cur + a) | 0,
  );
  return old !== u;
}

export function* atomic_inc_return(x: Loc): Op<number> {
  return (yield* rmw(x, `atomic_inc_return(&${x.name})`, Order.Full, (cur) => cur + 1)) + 1;
}

export function atomic_inc(x: Loc): Op<number> {
  return rmw(x, `atomic_inc(&${x.name})`, Order.Once, (cur) => cur + 1);
}

export function* set_bit(nr: number, x: Loc, nrText = show(nr)): Op {
  yield* rmw(x, `set_bit(${nrText}, &${x.name})`, Order.Once, (cur) => cur | (1 << nr));
}

export function* clear_bit(nr: number, x: Loc, nrText = show(nr)): Op {
  yield* rmw(x, `clear_bit(${nrText}, &${x.name})`, Order.Once, (cur) => cur & ~(1 << nr));
}

export function* test_and_set_bit(nr: number, x: Loc, nrText = show(nr)): Op<boolean> {
  const old = yield* rmw(x, `test_and_set_bit(${nrText}, &${x.name})`, Order.Full, (cur) => cur | (1 << nr));
  return (old & (1 << nr)) !== 0;
}

export function* test_and_clear_bit(nr: number, x: Loc, nrText = show(nr)): Op<boolean> {
  // Fully ordered even when the bit is already clear (Documentation/atomic_bitops.txt since
  // Linux 6.0), so it always writes; only the _lock variants are unordered on failure.
  const old = yield* rmw(x, `test_and_clear_bit(${nrText}, &${x.name})`, Order.Full, (cur) => cur & ~(1 << nr));
  return (old & (1 << nr)) !== 0;
}

/**
 * fetch_or(ptr, mask): atomically ORs `mask` into `x` and returns the old value. kernel/sched/core.c
 * builds it from a cmpxchg() loop, so it is fully ordered, as the cmpxchg() that succeeds is.
 */
export function fetch_or(x: Loc, mask: number, maskText = show(mask)): Op<number> {
  return rmw(x, `fetch_or(&${x.name}, ${maskText})`, Order.Full, (cur) => cur | mask);
}

// The non-atomic bit operations (include/asm-generic/bitops/generic-non-atomic.h at v6.12,
// generic___set_bit() and the rest): a plain load of the word, then a plain store of the new
// value. Two steps, so another CPU's store in between is lost ("only one operation succeeds"),
// and checked for data races like any plain access. x86's own __set_bit() is one instruction
// without a LOCK prefix, which is not atomic against other CPUs either.

export function* __set_bit(nr: number, x: Loc, nrText = show(nr)): Op {
  const old = yield action(Kind.Read, `__set_bit(${nrText}, &${x.name}): *${x.name}`, { a: x.id, order: Order.Plain });
  yield* plain_store(x, old | (1 << nr));
}

export function* __clear_bit(nr: number, x: Loc, nrText = show(nr)): Op {
  const old = yield action(Kind.Read, `__clear_bit(${nrText}, &${x.name}): *${x.name}`, {
    a: x.id,
    order: Order.Plain,
  });
  yield* plain_store(x, old & ~(1 << nr));
}

export function* __test_and_set_bit(nr: number, x: Loc, nrText = show(nr)): Op<boolean> {
  const old = yield action(Kind.Read, `__test_and_set_bit(${nrText}, &${x.name}): *${x.name}`, {
    a: x.id,
    order: Order.Plain,
  });
  yield* plain_store(x, old | (1 << nr));
  return (old & (1 << nr)) !== 0;
}

export function* __test_and_clear_bit(nr: number, x: Loc, nrText = show(nr)): Op<boolean> {
  const old = yield action(Kind.Read, `__test_and_clear_bit(${nrText}, &${x.name}): *${x.name}`, {
    a: x.id,
    order: Order.Plain,
  });
  yield* plain_store(x, old & ~(1 << nr));
  return (old & (1 << nr)) !== 0;
}

export function* test_bit(nr: number, x: Loc, nrText = show(nr)): Op<boolean> {
  const v = yield action(Kind.Read, `test_bit(${nrText}, &${x.name})`, { a: x.id });
  return (v & (1 << nr)) !== 0;
}

// ---- Blocking -----------------------------------------------------------------------------------

/**
 * Block until a read of `x` returns a value satisfying `cond`, then return it: the model form of
 * a wait loop (`while (!cond(READ_ONCE(x))) cpu_relax();`, or sleeping until woken). With
 * `end: true` a thread blocked here is idle, not deadlocked.
 */
export function* wait_until(
  x: Loc,
  cond: (value: number) => boolean,
  text: string,
  opts: { acquire?: boolean; end?: boolean } = {},
): Op<number> {
  return yield action(Kind.Await, text, {
    a: x.id,
    pred: cond,
    order: opts.acquire ? Order.AcqRel : Order.Once,
    end: opts.end ?? false,
  });
}

// ---- CPU state ----------------------------------------------------------------------------------

export function* local_irq_disable(): Op {
  yield action(Kind.IrqDisable, 'local_irq_disable()');
}

export function* local_irq_enable(): Op {
  yield action(Kind.IrqEnable, 'local_irq_enable()');
}

export function* preempt_disable(): Op {
  yield action(Kind.PreemptDisable, 'preempt_disable()');
}

export function* preempt_enable(): Op {
  yield action(Kind.PreemptEnable, 'preempt_enable()');
}

/**
 * The `flags` word local_irq_save() returns here: IRQ_FLAGS_DISABLED if interrupts were already
 * disabled, 0 if they were enabled (the model's stand-in for arch_local_save_flags(), of which
 * local_irq_restore() looks at the interrupt-enable bit only).
 */
export const IRQ_FLAGS_DISABLED = 1;

/** local_irq_save(flags): the interrupt state, then interrupts off; returns the flags. */
export function* local_irq_save(): Op<number> {
  const disabled = yield* irqs_disabled();
  yield* local_irq_disable();
  return disabled ? IRQ_FLAGS_DISABLED : 0;
}

/** local_irq_restore(flags): interrupts back on if they were on when `flags` was saved. */
export function* local_irq_restore(flags: number): Op {
  if ((flags & IRQ_FLAGS_DISABLED) === 0) yield* local_irq_enable();
}

/** irqs_disabled() (not a step): true in an interrupt handler or where this thread disabled them. */
export function* irqs_disabled(): Op<boolean> {
  return (yield action(Kind.IrqsDisabled, 'irqs_disabled()')) === 1;
}

/** The CPU this thread runs on now (not a step: it reads no shared memory). */
export function* smp_processor_id(): Op<number> {
  return yield action(Kind.ThisCpu, 'smp_processor_id()');
}

// ---- Interrupts ---------------------------------------------------------------------------------

/** Vector numbers a model may use; a model names the ones it handles with ModelBuilder.interrupt. */
export const RESCHEDULE_VECTOR = 0;
export const CALL_FUNCTION_VECTOR = 1;

/** Send an IPI and return at once (smp_send_reschedule, or a call-function IPI with wait = 0). */
export function* send_ipi(cpu: number, vector: number, text: string): Op {
  yield action(Kind.Ipi, text, { a: cpu, b: vector });
}

export function smp_send_reschedule(cpu: number): Op {
  return send_ipi(cpu, RESCHEDULE_VECTOR, `smp_send_reschedule(${cpu})`);
}

/** Wait until the handler for `vector` has run on `cpu` (csd_lock_wait). */
export function* wait_for_ipi_ack(cpu: number, vector: number, text = `csd_lock_wait(cpu ${cpu})`): Op {
  yield action(Kind.IpiWait, text, { a: cpu, b: vector });
}

/** smp_call_function_single()'s error for an offline CPU (a positive errno, returned negated). */
export const ENXIO = 6;

/**
 * Runs `fnName` on `cpu` through a call-function IPI, waiting for it with `wait`. Returns 0, or
 * -ENXIO when `cpu` is offline at the moment of sending: generic_exec_single() checks
 * cpu_online() with preemption disabled (get_cpu()), so the check cannot race with cpu_down().
 */
export function* smp_call_function_single(cpu: number, wait: boolean, fnName = 'func'): Op<number> {
  const err: number = yield action(Kind.Ipi, `smp_call_function_single(${cpu}, ${fnName}, ${wait ? 1 : 0})`, {
    a: cpu,
    b: CALL_FUNCTION_VECTOR,
    ifOnline: true,
  });
  if (err === 0 && wait) yield* wait_for_ipi_ack(cpu, CALL_FUNCTION_VECTOR);
  return err;
}

// ---- Guest mode ----------------------------------------------------------------------------------

/**
 * VM entry with interrupts disabled on the host side: from here an interrupt pending on this CPU
 * is a VM exit. Returns when the CPU leaves guest mode (after `guest_exit`).
 */
export function* guest_enter(text = 'VM-entry'): Op {
  yield action(Kind.GuestEnter, text);
}

/**
 * The guest runs until an interrupt is pending on this CPU; then the VM exits, IRQs still off.
 * With `timer`, the guest may also exit at any moment (a timer tick, a HLT, an MMIO access…).
 */
export function* guest_exit(text = 'VM-exit (interrupt)', opts: { timer?: boolean } = {}): Op {
  yield action(Kind.GuestExit, text, { end: true, b: opts.timer ? 1 : 0 });
}

/** What guest_run() returns: the guest's own exit, or an external-interrupt exit. */
export const EXIT_REASON_GUEST = 0;
export const EXIT_REASON_EXTERNAL_INTERRUPT = 1;

/**
 * The guest runs, after guest_enter(), until its own next VM exit (the model's guest code is one
 * such exit: an I/O instruction, a hypercall), unless an interrupt becomes pending on this CPU
 * first: with external-interrupt exiting (VMX; SVM's INTR intercept) that exits the VM at once,
 * before the guest's next instruction, host interrupts still off. Returns EXIT_REASON_EXTERNAL_INTERRUPT
 * when an interrupt is pending at the exit, else EXIT_REASON_GUEST; either way the CPU leaves guest
 * mode, and the interrupt stays pending until the host enables interrupts. An interrupt that arrives
 * after the guest's exit is a later step, so both orders are explored.
 */
export function* guest_run(text = 'VM-exit'): Op<number> {
  return yield action(Kind.GuestExit, text, { b: GUEST_RUN });
}

/** GuestExit's `b`: wait for an interrupt (0), may also exit at any moment (1), guest_run() (2). */
export const GUEST_RUN = 2;

// ---- stop_machine and CPU hotplug ---------------------------------------------------------------

/**
 * Whether `cpu` is online (not a step: like smp_processor_id(), it reads nothing another CPU
 * writes, only the online mask, which only hotplug steps change). As in the kernel, the answer
 * can be stale by the next step unless the caller keeps cpu_down() away, for example with
 * preemption disabled (cpu_down() needs stop_machine, which cannot preempt such a thread).
 */
export function* cpu_online(cpu: number): Op<boolean> {
  return (yield action(Kind.CpuOnline, `cpu_online(${cpu})`, { a: cpu })) === 1;
}

/**
 * stop_machine(fn, data, NULL) (kernel/stop_machine.c): runs `fn` while every other online CPU
 * spins with interrupts disabled in multi_cpu_stop(), and returns its result. The body's steps
 * are ordinary steps of this thread, which runs them with interrupts disabled; nothing else
 * runs until it returns. The thread needs the `stopMachine` option. See hotplug.ts for when the
 * machine can stop and what stopping orders.
 */
export function* stop_machine<R>(fn: () => Op<R>, text = 'stop_machine(fn)'): Op<R> {
  yield action(Kind.StopMachineBegin, text);
  const result = yield* fn();
  yield action(Kind.StopMachineEnd, `${text} returns: every CPU resumes`);
  return result;
}

/**
 * cpu_down(cpu) (kernel/cpu.c): the registered hotplug states' teardown callbacks, in reverse
 * order, then take_cpu_down() on `cpu` under stop_machine. One controlling thread, with the
 * `stopMachine` option, calls it; the callbacks' steps are inserted by the machine (hotplug.ts).
 */
export function* cpu_down(cpu: number): Op {
  yield action(Kind.CpuDown, `cpu_down(${cpu}): take_cpu_down() under stop_machine`, { a: cpu });
}

/**
 * cpu_up(cpu) (kernel/cpu.c): the registered hotplug states' prepare callbacks (CPU_UP_PREPARE),
 * in order; `cpu` comes online; then their startup callbacks (CPU_ONLINE), in order. Returns 0.
 * With `fails`, the bring-up fails instead: the CPU stays offline, the states' canceled
 * callbacks (CPU_UP_CANCELED) run, last registered first, and it returns -EIO. Like
 * cpu_down(), for a thread with the `stopMachine` option.
 */
export function* cpu_up(cpu: number, options: { readonly fails?: boolean } = {}): Op<number> {
  if (options.fails) {
    return yield action(Kind.CpuUp, `cpu_up(${cpu}): bringup_cpu() fails`, { a: cpu, b: CPU_UP_FAILS });
  }
  return yield action(Kind.CpuUp, `cpu_up(${cpu}): bringup_cpu()`, { a: cpu });
}

/** EIO: what _cpu_up() returns when the CPU does not come up (e.g. the AP never answers). */
export const EIO = 5;

/**
 * The `b` of a CpuUp action whose bring-up fails: __cpu_up() returns an error (the AP does not
 * come alive), the CPU stays offline, and cpu_up() returns -EIO after the registered states'
 * `canceled` callbacks (CPU_UP_CANCELED) undo what their `prepare` callbacks (CPU_UP_PREPARE)
 * did (hotplug.ts, withHotplugCallbacks).
 */
export const CPU_UP_FAILS = 1;

/**
 * in_stop_machine() (not a step): whether this thread runs inside a stop_machine() body (its
 * own: while the machine is stopped nothing else runs), such as a CPU_DYING callback. The
 * kernel has no such test; it is the model's, for assertions like "written only under
 * stop_machine" (what lockdep_assert_cpus_held() is to cpus_read_lock()).
 */
export function* in_stop_machine(): Op<boolean> {
  return (yield action(Kind.CpuOnline, 'in_stop_machine()', { a: IN_STOP_MACHINE })) === 1;
}

/** The `a` of a CpuOnline action that asks whether the machine is stopped, not about a CPU. */
export const IN_STOP_MACHINE = -1;

// ---- Scheduling and choice ---------------------------------------------------------------------

/** A nondeterministic choice among `n` outcomes (each explored). */
export function* choose(n: number, text: string): Op<number> {
  return yield action(Kind.Choose, text, { a: n });
}

/**
 * need_resched() (not a step: it reads this task's own flag): true after the scheduler tick made
 * this thread's guest exit because another task waited for its CPU (threads.ts, GuestExit), until
 * the thread is switched out (its next migrate()). The kernel's points that test it and call
 * schedule(), such as xfer_to_guest_mode_handle_work() in vcpu_run(), are the model's to place.
 */
export function* need_resched(): Op<boolean> {
  return (yield action(Kind.NeedResched, 'need_resched()')) === 1;
}

/**
 * The scheduler moves this task to another CPU (only where it is preemptible); returns the new
 * CPU. Switching the task out clears its need_resched() (__schedule(): clear_tsk_need_resched()).
 */
export function* migrate(text = 'scheduler migrates the task'): Op<number> {
  return yield action(Kind.Migrate, text);
}

// ---- Bookkeeping ---------------------------------------------------------------------------------

export function* ghost(g: Ghost, value: number): Op {
  yield action(Kind.Ghost, `ghost ${g.name} = ${value}`, { a: g.id, b: value });
}

/** Reads a ghost, for recording bookkeeping that properties need (never to steer the model). */
export function* ghost_read(g: Ghost): Op<number> {
  return yield action(Kind.GhostRead, `ghost ${g.name}`, { a: g.id });
}

/** An assertion inside the model: a violation when `cond` holds, as BUG_ON() in the kernel. */
export function* BUG_ON(cond: boolean, message: string): Op {
  if (cond) yield action(Kind.Fail, message);
}
