/**
 * What a thread's next action does: the rules for reads, writes, atomics, barriers, interrupt
 * and preemption control, IPIs, guest entry and exit, choices and migration. Each function
 * emits the successors of one thread's step; the memory system (memory/*.ts) decides what
 * reads may return and where writes go, the machine (machine.ts) whether the thread may run.
 *
 * Load buffering (relaxed memory only) lives here too: a store that lies ahead of a load, past
 * the accesses a store may pass in LKMM, may be performed before the load (AheadStore); the
 * thread's F_EARLY flag records that it has such stores still to reach.
 */
import { type Action, Fence, Kind, LockStep, Order } from './actions.ts';
import {
  BEFORE_ATOMIC_PENDING,
  LOCK_SEEN,
  RMW_SEEN,
  type ThreadAutomaton,
  UNLOCK_SEEN,
  Unnumbered,
} from './automaton.ts';
import { hotplugSteps } from './hotplug.ts';
import { handlerAutomaton } from './interrupts.ts';
import {
  C_IRQS,
  CSZ,
  F_CPU,
  F_CUR,
  F_EARLY,
  F_GUEST,
  F_IRQ,
  F_RACE,
  F_RESCHED,
  HOLDS,
  handlerNode,
  MAX_VECTORS,
  ModelError,
  nodeOf,
  PENDING,
  PREEMPT_MAX,
  PREEMPT_ONE,
  PREEMPT_SHIFT,
  runningVector,
  T_FLAGS,
  TSZ,
} from './layout.ts';
import type { Emit, Machine } from './machine.ts';
import { Bound, INVALID, RMW_AFTER_UNLOCK, RMW_EARLY, RMW_FENCE_BEFORE, RMW_LOCK } from './memory/system.ts';
import { ENXIO, EXIT_REASON_EXTERNAL_INTERRUPT, EXIT_REASON_GUEST, GUEST_RUN } from './primitives.ts';
import { DomainGrowth } from './quotient.ts';
import { RCU_EQS, RCU_NEST_ONE } from './rcu.ts';

export function threadSteps(m: Machine, stateIn: Int32Array, stateLenIn: number, i: number, emitStep: Emit): number {
  let state = stateIn;
  let stateLen = stateLenIn;
  if (switchesIn(m, state, i)) {
    state = stateIn.slice(0, stateLenIn);
    stateLen = contextSwitch(m, state, i);
  }
  if (((state[i * TSZ + T_FLAGS] as number) & F_EARLY) === 0) return stepsOf(m, state, stateLen, i, emitStep);
  const count: EarlyCount = { offered: 0, kept: 0 };
  stepsOf(m, state, stateLen, i, keepingEarlyStores(m, emitStep, i, count));
  if (count.offered > 0 && count.kept === 0) {
    const a = m.nextAction(state, i);
    throw new ModelError(
      `${m.threadName(i)}: ${a.text}: a store performed early (load buffering) is no longer ahead of the thread ` +
        'after any value this step may return (model code that branches on a value the probes do not stand for; ' +
        'memory/relaxed.ts, load buffering): the relaxed model cannot check this model',
    );
  }
  return count.kept;
}

function stepsOf(m: Machine, state: Int32Array, stateLen: number, i: number, emitStep: Emit): number {
  const o = i * TSZ;
  const a = m.nextAction(state, i);
  if (a.kind === Kind.Return || a.kind === Kind.Fail) return 0;
  if (!m.canRun(state, i) || m.tasksSwitchOn(state, i)) return 0;
  const mem = m.mem;
  const base = m.base;
  const cpu = (state[o + T_FLAGS] as number) & F_CPU;
  // An access that depends on earlier reads (address, data, control: LKMM's ppo `addr` and
  // `rwdep`) is first ordered after what those reads observed (memory/relaxed.ts, Dependencies).
  let s = state;
  let len = stateLen;
  if (accesses(a)) {
    const from = dependencySources(m, state, i);
    if (from.length > 0) {
      s = state.slice(0, stateLen);
      const past = pastOf(m, state, i);
      const addr = addressSourcesAt(past.aut, past.node, a);
      const bound = boundOf(a);
      for (const l of from) len = base + mem.dependency(s, base, i, a.a, l, addr.includes(l) ? bound : Bound.None);
    }
  }
  // Checked once the dependencies have taken effect: an address dependency bounds a plain access.
  const raced = dataRace(m, s, i, a);
  const emit = raced ? racing(emitStep, o) : emitStep;
  switch (a.kind) {
    case Kind.Read:
      return readSteps(m, s, len, i, a, emitStep, raced);
    case Kind.Await: {
      if (a.mightSleep && ((s[o + T_FLAGS] as number) & HOLDS) !== 0)
        throw new ModelError(
          `${m.threadName(i)}: ${a.text} with interrupts or preemption disabled: it may sleep (might_sleep())`,
        );
      if (a.rmw) {
        // A blocking read-modify-write (a lock acquisition): enabled when the value it would
        // read satisfies the condition; the read and the write are one atomic step.
        const n = mem.rmwChoices(s, base, i, a.a, a.order);
        const context = rmwContext(m, s, i, a);
        let emitted = 0;
        for (let c = 0; c < n; c++) {
          const scr = m.copy(s, len);
          const old = mem.rmw(scr, base, i, a.a, a.rmw, a.order, c, context);
          if (old === INVALID || !(a.pred as (v: number) => boolean)(old)) continue;
          emit(i, c, scr, m.advance(scr, i, old, base + mem.length(scr, base)));
          emitted++;
        }
        return emitted;
      }
      const n = mem.readChoices(s, base, i, a.a);
      const pred = a.pred as (v: number) => boolean;
      let emitted = 0;
      for (let c = 0; c < n; c++) {
        if (!pred(mem.readValue(s, base, i, a.a, c))) continue;
        const scr = m.copy(s, len);
        const v = mem.read(scr, base, i, a.a, a.order, c);
        emit(i, c, scr, m.advance(scr, i, v, base + mem.length(scr, base)));
        emitted++;
      }
      // A failed iteration of the wait loop that reads the newest write (the last choice) while
      // older ones are still readable (relaxed memory only: SC and TSO have one choice). It moves
      // the thread's view up to that write and leaves the thread waiting, so a spin can no longer
      // pass on a value that has been overwritten: once every other CPU is done, the wait blocks
      // exactly when the coherence-latest value fails the condition, as on SC and TSO. Without
      // it a stale passing value stays readable for ever and the wait never blocks (a missed
      // deadlock). Failing reads of writes between the view and the newest are not steps: they
      // only narrow what the thread may read next, which the newest one does most. The read is
      // plain (smp_cond_load_acquire() orders only the read that ends the loop).
      const newest = n - 1;
      if (newest > 0 && !pred(mem.readValue(s, base, i, a.a, newest))) {
        const scr = m.copy(s, len);
        mem.read(scr, base, i, a.a, Order.Once, newest);
        emit(i, newest, scr, base + mem.length(scr, base));
        emitted++;
      }
      return emitted;
    }
    case Kind.Write: {
      const n = mem.writeChoices(s, base, i, a.a, a.order);
      for (let c = 0; c < n; c++) {
        const scr = m.copy(s, len);
        mem.write(scr, base, i, a.a, a.b, a.order, c);
        emit(i, c, scr, m.advance(scr, i, 0, base + mem.length(scr, base)));
      }
      return n;
    }
    case Kind.Rmw: {
      const n = mem.rmwChoices(s, base, i, a.a, a.order);
      const context = rmwContext(m, s, i, a);
      let emitted = 0;
      for (let c = 0; c < n; c++) {
        const scr = m.copy(s, len);
        const old = mem.rmw(scr, base, i, a.a, a.rmw as (v: number) => number, a.order, c, context);
        if (old === INVALID) continue;
        emit(i, c, scr, m.advance(scr, i, old, base + mem.length(scr, base)));
        emitted++;
      }
      return emitted;
    }
    case Kind.Fence: {
      const fence = effectiveFence(m, s, i, a.b as Fence);
      if (fence !== undefined && !mem.fenceEnabled(s, base, i, fence)) return 0;
      const scr = m.copy(s, len);
      if (fence !== undefined) mem.fence(scr, base, i, fence);
      emit(i, 0, scr, m.advance(scr, i, 0, base + mem.length(scr, base)));
      return 1;
    }
    case Kind.IrqDisable:
    case Kind.IrqEnable:
    case Kind.PreemptDisable:
    case Kind.PreemptEnable: {
      const scr = m.copy(s, len);
      const flags = s[o + T_FLAGS] as number;
      const preempt = (flags >>> PREEMPT_SHIFT) & PREEMPT_MAX;
      if (a.kind === Kind.IrqDisable) scr[o + T_FLAGS] = flags | F_IRQ;
      else if (a.kind === Kind.IrqEnable) scr[o + T_FLAGS] = flags & ~F_IRQ;
      else if (a.kind === Kind.PreemptDisable) {
        if (preempt === PREEMPT_MAX) throw new ModelError(`${m.threadName(i)}: preempt_disable() nested too deeply`);
        scr[o + T_FLAGS] = flags + PREEMPT_ONE;
      } else if (preempt === 0) throw new ModelError(`${m.threadName(i)}: preempt_enable() without preempt_disable()`);
      else scr[o + T_FLAGS] = flags - PREEMPT_ONE;
      emit(i, 0, scr, m.advance(scr, i, 0, len));
      return 1;
    }
    case Kind.Ipi: {
      if (a.a < 0 || a.a >= m.ncpus)
        throw new ModelError(`${m.threadName(i)}: IPI to CPU ${a.a}, which does not exist`);
      if (a.b < 0 || a.b >= MAX_VECTORS)
        throw new ModelError(`${m.threadName(i)}: IPI vector ${a.b} is not in 0..${MAX_VECTORS - 1}`);
      // Partial-order reduction relies on a model without declared interrupts receiving none.
      if (!m.inst.interrupts.some((irq) => irq.vector === a.b))
        throw new ModelError(
          `${m.threadName(i)}: IPI on vector ${a.b}, which the model does not declare (b.interrupt)`,
        );
      if (!m.online(s, a.a)) {
        if (!a.ifOnline) {
          throw new ModelError(
            `${m.threadName(i)}: ${a.text}: IPI to CPU ${a.a}, which is offline (the kernel WARNs, as ` +
              'native_smp_send_reschedule() does); check cpu_online() first, with preemption disabled so that ' +
              'cpu_down() cannot come in between, or use smp_call_function_single(), which returns -ENXIO',
          );
        }
        // generic_exec_single(): -ENXIO, nothing sent.
        const scr = m.copy(s, len);
        emit(i, 0, scr, m.advance(scr, i, -ENXIO, len));
        return 1;
      }
      if (!mem.fenceEnabled(s, base, i, Fence.Mb)) return 0;
      const scr = m.copy(s, len);
      mem.fence(scr, base, i, Fence.Mb);
      scr[m.cpuBase + a.a * CSZ + C_IRQS] = (s[m.cpuBase + a.a * CSZ + C_IRQS] as number) | (1 << a.b);
      emit(i, 0, scr, m.advance(scr, i, 0, base + mem.length(scr, base)));
      return 1;
    }
    case Kind.IpiWait: {
      if ((m.irqs(s, a.a) & (1 << a.b)) !== 0) return 0;
      const scr = m.copy(s, len);
      // csd_lock_wait() is smp_cond_load_acquire() of the flag the handler's CPU clears with
      // smp_store_release() after running the function (kernel/smp.c, csd_unlock()): the
      // waiter's later accesses are ordered after the handler's (MemorySystem.ipiAcked).
      const at = mem.ipiAcked ? base + mem.ipiAcked(scr, base, i) : len;
      emit(i, 0, scr, m.advance(scr, i, 0, at));
      return 1;
    }
    case Kind.GuestEnter: {
      if (((s[o + T_FLAGS] as number) & F_IRQ) === 0)
        throw new ModelError(`${m.threadName(i)}: VM entry with interrupts enabled`);
      const scr = m.copy(s, len);
      scr[o + T_FLAGS] = (s[o + T_FLAGS] as number) | F_GUEST;
      emit(i, 0, scr, m.advance(scr, i, 0, len));
      return 1;
    }
    case Kind.GuestExit: {
      // Without a pending interrupt only a timer-driven exit (if the model allows one) leaves the
      // guest; guest_run() always exits, and says whether a pending interrupt made it.
      const pending = (m.irqs(s, cpu) & PENDING) !== 0;
      // The scheduler tick, as read in a v6.12 tree: while another task waits for this CPU, the
      // host's timer interrupt (an external-interrupt VM exit) runs tick_nohz_handler() →
      // tick_sched_handle() → update_process_times() → sched_tick() (kernel/sched/core.c) →
      // task_tick_fair() → entity_tick() → update_curr() (fair.c). There update_deadline()
      // reports the slice used up (vruntime past the deadline); with cfs_rq->nr_running > 1,
      // resched_curr() on this CPU's rq sets TIF_NEED_RESCHED on the running task (no IPI).
      // Abstracted: the ticks before that one, which find the slice not yet used up and leave the
      // flag clear, are folded into this one; the task waiting counts as a second runnable task
      // on the same cfs_rq. (v6.12 has no check_preempt_tick(): EEVDF replaced it in v6.6.)
      // Without it a vCPU in guest mode would hold a shared pCPU for ever, starving the task
      // behind it.
      const tick = !pending && m.cpuWanted(s, cpu, i);
      if (!pending && !tick && a.b === 0) return 0;
      const scr = m.copy(s, len);
      scr[o + T_FLAGS] = ((s[o + T_FLAGS] as number) & ~F_GUEST) | (tick ? F_RESCHED : 0);
      const reason = a.b === GUEST_RUN && (pending || tick) ? EXIT_REASON_EXTERNAL_INTERRUPT : EXIT_REASON_GUEST;
      emit(i, 0, scr, m.advance(scr, i, reason, len));
      return 1;
    }
    case Kind.Choose: {
      for (let c = 0; c < a.a; c++) {
        const scr = m.copy(s, len);
        emit(i, c, scr, m.advance(scr, i, c, len));
      }
      return a.a;
    }
    case Kind.Migrate: {
      if (((s[o + T_FLAGS] as number) & HOLDS) !== 0) {
        throw new ModelError(`${m.threadName(i)}: migrate() where the task is not preemptible`);
      }
      // Which threads may ever share a CPU is decided before the search (Machine.sharesCpu).
      if (m.inst.threads[i]?.options.cpus === undefined) {
        throw new ModelError(
          `${m.threadName(i)}: migrate() needs the CPUs the task may move to (the thread's cpus option)`,
        );
      }
      if (!mem.fenceEnabled(s, base, i, Fence.Mb)) return 0;
      const targets = (m.allowed[i] as readonly number[]).filter((c) => c !== cpu && m.online(s, c));
      targets.forEach((target, c) => {
        const scr = m.copy(s, len);
        // schedule() switched the task out: its TIF_NEED_RESCHED is cleared, and it is no longer
        // the task that ran last on a CPU (F_CUR: its first step on `target` switches in there).
        scr[o + T_FLAGS] = ((s[o + T_FLAGS] as number) & ~(F_CPU | F_RESCHED | F_CUR)) | target;
        mem.fence(scr, base, i, Fence.Mb);
        emit(i, c, scr, m.advance(scr, i, target, base + mem.length(scr, base)));
      });
      return targets.length;
    }
    case Kind.StopMachineBegin:
    case Kind.StopMachineEnd:
    case Kind.CpuDown:
    case Kind.CpuUp:
      return hotplugSteps(m, s, len, i, a, emit);
    default:
      throw new ModelError(`${m.threadName(i)}: unexpected action ${a.text}`);
  }
}

/** The successors of plain or acquire load `a` of thread `i` (after any address dependency). */
function readSteps(
  m: Machine,
  s: Int32Array,
  len: number,
  i: number,
  a: Action,
  emitStep: Emit,
  raced: boolean,
): number {
  const o = i * TSZ;
  const mem = m.mem;
  const base = m.base;
  const n = mem.readChoices(s, base, i, a.a);
  const emit = raced ? racing(emitStep, o) : emitStep;
  for (let c = 0; c < n; c++) {
    const scr = m.copy(s, len);
    const v = mem.read(scr, base, i, a.a, a.order, c);
    emit(i, c, scr, m.advance(scr, i, v, base + mem.length(scr, base)));
  }
  // Load buffering: under relaxed memory a store ahead that does not depend on this load (or on
  // what lies between) may be performed before it, as ARMv8 and LKMM allow (LB+poonceonces).
  return n + earlyStoreSteps(m, s, len, i, a, emitStep, n);
}

/**
 * Under relaxed memory, the barrier a fence step really is: smp_mb__before_atomic() orders
 * nothing by itself (the RMW after it does the ordering, see beforeAtomicPending), and
 * smp_mb__after_atomic() is a full barrier only after an RMW. Both give what LKMM's `mb`
 * relation (linux-kernel.cat) gives when the RMW is the access next to the barrier; when other
 * accesses come between the RMW and the barrier, the model also orders those, which LKMM does
 * not (stronger than LKMM). Under SC and TSO the fence is passed on as it is: there these are
 * compiler barriers, and every atomic RMW is a full barrier (x86's LOCK prefix).
 * undefined: no barrier at all.
 */
export function effectiveFence(m: Machine, s: Int32Array, i: number, fence: Fence): Fence | undefined {
  if (m.memoryModel !== 'relaxed') return fence;
  return effectiveFenceAt(pastOf(m, s, i), fence);
}

/**
 * effectiveFence() for the program (a thread's or an interrupt handler's) at `past`, under
 * relaxed memory.
 */
export function effectiveFenceAt(
  past: { readonly aut: ThreadAutomaton; readonly node: number },
  fence: Fence,
): Fence | undefined {
  if (fence === Fence.BeforeAtomic) return undefined;
  const flags = past.aut.atomicFlags(past.node);
  if (fence === Fence.AfterAtomic) return (flags & RMW_SEEN) !== 0 ? Fence.Mb : undefined;
  // smp_mb__after_spinlock() and smp_mb__after_unlock_lock(): a full barrier once the thread
  // has taken a lock. For after_unlock_lock that is stronger than LKMM when no unlock came
  // before the lock (neither this thread's nor an earlier holder's: the lock was free from the
  // start); for both, when accesses come between the lock and the barrier (ordered here too).
  if (fence === Fence.AfterSpinlock || fence === Fence.AfterUnlockLock) {
    return (flags & LOCK_SEEN) !== 0 ? Fence.Mb : undefined;
  }
  return fence;
}

/**
 * What thread `i`'s history adds to RMW `a`'s own order (memory/system.ts, RMW_*): relaxed
 * memory only, where barriers next to it and an unlock before a lock have effects of their own.
 */
function rmwContext(m: Machine, s: Int32Array, i: number, a: Action): number {
  if (m.memoryModel !== 'relaxed') return 0;
  return rmwContextAt(pastOf(m, s, i), a);
}

/** rmwContext() for the program (a thread's or an interrupt handler's) at `past`, under relaxed memory. */
export function rmwContextAt(past: { readonly aut: ThreadAutomaton; readonly node: number }, a: Action): number {
  const flags = past.aut.atomicFlags(past.node);
  let context = (flags & BEFORE_ATOMIC_PENDING) !== 0 ? RMW_FENCE_BEFORE : 0;
  if (a.lock === LockStep.Acquire) {
    context |= RMW_LOCK;
    if ((flags & UNLOCK_SEEN) !== 0) context |= RMW_AFTER_UNLOCK;
  }
  return context;
}

/** Which pre-bound of the race check access `a` has (memory/system.ts, Bound). */
const boundOf = (a: Action): Bound =>
  a.kind === Kind.Rmw || a.rmw !== undefined ? Bound.Rmw : a.kind === Kind.Write ? Bound.Write : Bound.Read;

/** Whether action `a` accesses shared memory, and whether it may write it. */
const accesses = (a: Action): boolean =>
  a.kind === Kind.Read || a.kind === Kind.Write || a.kind === Kind.Rmw || a.kind === Kind.Await;
const writes = (a: Action): boolean => a.kind === Kind.Write || a.kind === Kind.Rmw || a.rmw !== undefined;

/**
 * Whether thread `i`'s access `a`, performed now in state `s`, is part of a data race: it
 * conflicts (same location, at least one of the two writes) with an access of another thread,
 * at least one of the two is plain (Order.Plain), and the two are not ordered, which the
 * machine sees in one of two ways:
 * 1. the other access is a write already in memory that `a`'s thread has not seen, so that `a`
 *    is not ordered after it (MemorySystem.unseenWrite: a write the relaxed model still lets the
 *    thread read past, or, under TSO, a store still in another CPU's buffer);
 * 2. the other access is the other thread's next step, enabled now: the two may run in either
 *    order (under SC this is the usual definition, a race between adjacent accesses).
 * and, for a plain access, the next access of an interrupt handler running on another CPU. An
 * interrupt handler's own accesses are checked by handlerDataRace. Threads that share a CPU are
 * checked by 2 (one may be preempted between the two accesses, and the compiler may move plain
 * accesses across that point); by 1 only as the CPU orders them (contextSwitch: a task that runs
 * after another on its CPU comes after it, the switch being a full barrier). Where this differs from
 * LKMM's `race` is in memory/relaxed.ts's header.
 */
function dataRace(m: Machine, s: Int32Array, i: number, a: Action): boolean {
  if (!accesses(a)) return false;
  const plain = a.order === Order.Plain;
  if (plain) {
    if (m.memoryModel === 'relaxed' && !m.inst.plainAccesses) {
      throw new ModelError(
        `${m.threadName(i)}: ${a.text} is a plain C access in a model that does not declare plain accesses: ` +
          'call b.plainAccesses() in its setup, so that the relaxed data-race check can track what bounds them',
      );
    }
    m.plainAccesses = true;
  } else if (!m.plainAccesses) return false;
  if (m.mem.unseenWrite(s, m.base, i, a.a, plain, boundOf(a))) return true;
  // 2 only from the plain side: the step of the other thread, if it is the plain one, checks it.
  if (!plain) return false;
  if (raceWithRunningHandler(m, s, i, a)) return true;
  for (let j = 0; j < m.nthreads; j++) {
    if (j === i) continue;
    const b = m.nextAction(s, j);
    if (accesses(b) && b.a === a.a && (writes(a) || writes(b)) && m.canRun(s, j)) return true;
  }
  return false;
}

/**
 * The data-race check for an interrupt handler's access `a` on `cpu` in state `s` (the handler
 * is running there). LKMM has no interrupts; KCSAN reports a race between a handler and the task
 * it interrupted on the same CPU (with CONFIG_KCSAN_INTERRUPT_WATCHER, Marco Elver's "kcsan: Add
 * option to allow watcher interruptions", March 2020), and rightly: an interrupt may come between
 * any two instructions of code that runs with interrupts enabled, and the compiler, which does not
 * see it, may have moved, torn or fused that code's plain accesses across that point. So the
 * handler counts as a context of its own, unordered with the interrupted code except through
 * marked accesses and barriers, and a conflicting pair (same location, at least one a write, at
 * least one plain) is a race when:
 * 1. against another CPU, as between threads: the other access is a write nothing has
 *    ordered before it (MemorySystem.handlerUnseenWrite: after the handler's race bounds, which
 *    start at what the barrier of taking the interrupt published; relaxed memory only), or the
 *    other CPU's next step, enabled now (either order);
 * 2. against its own CPU: the access next to the interrupt of a thread of that CPU, its next step
 *    (it comes right after the handler returns) or its last one (right before the interrupt was
 *    taken). The machine does not record which of the CPU's tasks is current, so each of them
 *    counts as the interrupted one (a pair separated by a context switch as well may be flagged).
 * Code that disables interrupts around its accesses is never interrupted there, so it does not
 * race with the handler this way. Only the interrupted code's neighbouring accesses are compared:
 * a plain access further from the interrupt, which the compiler could still have moved next to
 * it, is not (weaker than KCSAN with its delays, which catches such a pair sometimes).
 */
export function handlerDataRace(m: Machine, s: Int32Array, cpu: number, a: Action): boolean {
  if (!accesses(a)) return false;
  const plain = a.order === Order.Plain;
  if (plain) {
    if (m.memoryModel === 'relaxed' && !m.inst.plainAccesses) {
      throw new ModelError(
        `interrupt handler: ${a.text} is a plain C access in a model that does not declare plain accesses: ` +
          'call b.plainAccesses() in its setup',
      );
    }
    m.plainAccesses = true;
  } else if (!m.plainAccesses) return false;
  const mine: number[] = [];
  for (let j = 0; j < m.nthreads; j++) if (((s[j * TSZ + T_FLAGS] as number) & F_CPU) === cpu) mine.push(j);
  if (m.mem.handlerUnseenWrite?.(s, m.base, cpu, a.a, plain, boundOf(a), mine)) return true;
  const conflicts = (b: Action | undefined): boolean =>
    b !== undefined && accesses(b) && b.a === a.a && (writes(a) || writes(b)) && (plain || b.order === Order.Plain);
  for (let j = 0; j < m.nthreads; j++) {
    if (mine.includes(j)) {
      if (conflicts(m.nextAction(s, j)) || conflicts(lastAccess(m, s, j))) return true;
    } else if (conflicts(m.nextAction(s, j)) && m.canRun(s, j)) return true;
  }
  return false;
}

/** Thread `i`'s last step in `s`, past merged ghost updates (undefined at its start). */
function lastAccess(m: Machine, s: Int32Array, i: number): Action | undefined {
  const past = pastOf(m, s, i);
  return lastAccessAt(past.aut, past.node);
}

/** The step before `node` in its history, past merged ghost updates (undefined at the start). */
function lastAccessAt(aut: ThreadAutomaton, node: number): Action | undefined {
  let history = aut.history(node);
  while (history.length > 0) {
    history = history.slice(0, -1);
    const a = aut.action(aut.internHistory(history));
    if (a.kind !== Kind.Ghost && a.kind !== Kind.GhostRead) return a;
  }
  return undefined;
}

/**
 * Where thread `i` of `s` stands in its program numbered by history (ThreadAutomaton.past):
 * what the relaxed model reads of a thread's past and of its probed future is asked there.
 */
function pastOf(m: Machine, s: Int32Array, i: number): { readonly aut: ThreadAutomaton; readonly node: number } {
  return (m.threads[i] as ThreadAutomaton).past(nodeOf(s[i * TSZ + T_FLAGS] as number));
}

/**
 * Whether thread `i`'s plain access `a` conflicts with the next access of an interrupt handler
 * running on another CPU (the two may run in either order: the handler-side check 2 of
 * handlerDataRace, seen from the thread).
 */
function raceWithRunningHandler(m: Machine, s: Int32Array, i: number, a: Action): boolean {
  if (!m.irqWords) return false;
  const cpu = (s[i * TSZ + T_FLAGS] as number) & F_CPU;
  for (let c = 0; c < m.ncpus; c++) {
    if (c === cpu) continue;
    const b = runningHandlerAction(m, s, c);
    if (b !== undefined && accesses(b) && b.a === a.a && (writes(a) || writes(b))) return true;
  }
  return false;
}

/** The next action of the interrupt handler running on `cpu` in `s`, if one is running. */
function runningHandlerAction(m: Machine, s: Int32Array, cpu: number): Action | undefined {
  const irqs = m.irqs(s, cpu);
  const vector = runningVector(irqs);
  if (vector === 0) return undefined;
  return handlerAutomaton(m, vector - 1, cpu)?.action(handlerNode(irqs));
}

/** Raises F_RACE in the thread words of `cpu`'s threads in `scr` (a handler's race, see handlerDataRace). */
export function markHandlerRace(m: Machine, scr: Int32Array, cpu: number): void {
  let marked = false;
  for (let j = 0; j < m.nthreads; j++) {
    if (((scr[j * TSZ + T_FLAGS] as number) & F_CPU) !== cpu) continue;
    scr[j * TSZ + T_FLAGS] = (scr[j * TSZ + T_FLAGS] as number) | F_RACE;
    marked = true;
  }
  // A CPU with no thread of the model: the flag goes to the first thread (StateView.dataRace
  // asks whether any thread has raced).
  if (!marked && m.nthreads > 0) scr[T_FLAGS] = (scr[T_FLAGS] as number) | F_RACE;
}

/** `emit`, marking each successor's thread word as having raced (F_RACE, sticky). */
function racing(emit: Emit, o: number): Emit {
  return (i, c, scr, len) => {
    scr[o + T_FLAGS] = (scr[o + T_FLAGS] as number) | F_RACE;
    emit(i, c, scr, len);
  };
}

/**
 * What a thread's program says at one of its nodes, computed once per node: a node stands for
 * one history, so probing it again would give the same answer (the expansion hot path asks at
 * every state).
 */
function perNode<T>(compute: (aut: ThreadAutomaton, node: number) => T): (aut: ThreadAutomaton, node: number) => T {
  const memos = new WeakMap<ThreadAutomaton, Map<number, T>>();
  return (aut, node) => {
    let memo = memos.get(aut);
    if (memo === undefined) {
      memo = new Map();
      memos.set(aut, memo);
    }
    if (memo.has(node)) return memo.get(node) as T;
    const value = compute(aut, node);
    memo.set(node, value);
    return value;
  };
}

/**
 * The locations of the reads thread `i`'s access at `node` must be ordered after (relaxed
 * memory only; empty otherwise): the reads it depends on by syntax (Action.deps), and the one
 * it depends on by behaviour, for model code that has no syntax to show (dependentOnLoadBefore).
 */
function dependencySources(m: Machine, s: Int32Array, i: number): readonly number[] {
  if (m.memoryModel !== 'relaxed') return NONE;
  const past = pastOf(m, s, i);
  return dependencySourcesAt(past.aut, past.node);
}

/**
 * The dependencies of access `a` of an interrupt handler at `node` of `aut` (relaxed memory
 * only): the locations of the reads it must be ordered after, each with the race bound it
 * raises (an address dependency bounds, as for a thread's access; see stepsOf).
 */
export function handlerDependencies(
  m: Machine,
  aut: ThreadAutomaton,
  node: number,
  a: Action,
): readonly { readonly from: number; readonly bound: Bound }[] {
  if (m.memoryModel !== 'relaxed' || !accesses(a)) return [];
  const past = aut.past(node);
  const from = dependencySourcesAt(past.aut, past.node);
  if (from.length === 0) return [];
  const addr = addressSourcesAt(past.aut, past.node, a);
  return from.map((l) => ({ from: l, bound: addr.includes(l) ? boundOf(a) : Bound.None }));
}

const NONE: readonly number[] = [];

const dependencySourcesAt = perNode((aut, node): readonly number[] => {
  const a = aut.action(node);
  const from = new Set(syntacticSources(aut, node, a));
  const load = dependentOnLoadBefore(aut, node);
  if (load !== undefined) from.add(load);
  return from.size === 0 ? NONE : [...from];
});

/**
 * The locations among access `a`'s dependency sources at `node` that its *address* came from
 * (LKMM's addr, which bounds a plain access for the race check; data and control dependencies do
 * not): every source of a read (a read's deps are addr, and one judged by behaviour is the load
 * its location came from), and a write's or RMW's Action.addrDeps.
 */
function addressSourcesAt(aut: ThreadAutomaton, node: number, a: Action): readonly number[] {
  const isRead = a.kind === Kind.Read || (a.kind === Kind.Await && a.rmw === undefined);
  return isRead ? dependencySourcesAt(aut, node) : syntacticSources(aut, node, a, true);
}

/** The node reached after the first `index` results of `node`'s history (the step at that index). */
function nodeAtIndex(aut: ThreadAutomaton, node: number, index: number): number {
  const history = aut.history(node);
  let at = 0;
  for (let k = 0; k < index; k++) at = aut.child(at, history[k] as number);
  return at;
}

/**
 * The locations of the reads access `a` names in Action.deps that are steps of the history
 * leading to `node` (for an early store, `node` is the load it goes before, which it does not
 * depend on).
 */
function syntacticSources(aut: ThreadAutomaton, node: number, a: Action, addrOnly = false): readonly number[] {
  const deps = addrOnly ? a.addrDeps : a.deps;
  if (deps === undefined) return NONE;
  const known = aut.history(node).length;
  const out: number[] = [];
  for (const j of deps) {
    if (j >= known) continue;
    const read = aut.action(nodeAtIndex(aut, node, j));
    if ((read.kind === Kind.Read || read.kind === Kind.Rmw || read.kind === Kind.Await) && !out.includes(read.a)) {
      out.push(read.a);
    }
  }
  return out;
}

/**
 * The location of the load just before the access at `node` (past merged ghost updates, and for
 * a write past smp_rmb() and smp_wmb(), as earlyStore looks), if with probe values that load
 * would have led to another access (another location for a read; another store, or none, for a
 * write), or model code could not take them: a dependency judged by behaviour. LKMM orders a
 * read after the load its address came from (ppo `addr`: message passing through a pointer,
 * rcu_assign_pointer() / rcu_dereference(), MP+onceassign+derefonce), and a write after the
 * load its value, address or presence depends on (`rwdep`), and so after what that load
 * observed (S+fencewmbonceonce+ctrlonce).
 */
function dependentOnLoadBefore(aut: ThreadAutomaton, node: number): number | undefined {
  const a = aut.action(node);
  // A wait that only reads (no rmw) is a read: only its location can depend on the load (addr).
  const isRead = a.kind === Kind.Read || (a.kind === Kind.Await && a.rmw === undefined);
  let history = aut.history(node);
  let prev = -1;
  while (history.length > 0) {
    history = history.slice(0, -1);
    prev = aut.internHistory(history);
    const p = aut.action(prev);
    if (p.kind === Kind.Ghost) continue;
    if (!isRead && p.kind === Kind.Fence && (p.b === Fence.Rmb || p.b === Fence.Wmb)) continue;
    break;
  }
  const load = prev >= 0 ? aut.action(prev) : undefined;
  if (load?.kind !== Kind.Read) return undefined;
  // For a write, 0 and 1 too: `if (r0)` leads to the same store for both probes.
  for (const v of isRead ? PROBES : WRITE_PROBES) {
    const w = afterLoad(aut, prev, v);
    if (w === undefined) return load.a;
    if (isRead ? w.fences !== '' || w.step.kind !== a.kind || w.step.a !== a.a : !sameAccess(w.step, a)) {
      return load.a;
    }
  }
  return undefined;
}

/** Whether two steps are the same access (same kind, location, value, order and text). */
const sameAccess = (x: Action, y: Action): boolean =>
  x.kind === y.kind && x.a === y.a && x.b === y.b && x.order === y.order && x.text === y.text;

/**
 * Values a thread is given, besides the ones it can read now, to find out whether its next
 * store depends on a load: no model stores them, and they differ in every bit below the sign,
 * so a bit test, a comparison with a small constant, or the value itself stored tells them
 * apart.
 */
const PROBES = [0x3c5a9d61, 0x43a5629e] as const;
const WRITE_PROBES = [...PROBES, 0, 1] as const;

/** What a thread does after a load: its next step past smp_rmb(), smp_wmb() and read-side unlocks. */
interface AfterLoad {
  readonly step: Action;
  /** The smp_rmb()s and smp_wmb()s passed on the way, in order (their Fence values), and 'u' per unlock. */
  readonly fences: string;
}

/**
 * rcu_read_unlock()'s or srcu_read_unlock()'s nesting decrement (engine/rcu.ts: a release RMW of
 * the CPU's word). LKMM gives it no ordering of its own (Rcu-unlock and Srcu-unlock are only in
 * rcu-order), so a later store that does not depend on an earlier load may pass it and the load
 * (LB+rcu-unlock, LB+srcu-unlock).
 */
const isRcuUnlock = (a: Action): boolean => a.kind === Kind.Rmw && a.readSideUnlock === true;

/**
 * The step thread `aut` takes after load result `v` at `node`, past merged ghost updates,
 * smp_rmb() and smp_wmb() and read-side unlocks; undefined if model code throws (it cannot take
 * a probe value, an index say, so it depends on it). Used to judge dependencies by behaviour.
 */
function afterLoad(aut: ThreadAutomaton, node: number, v: number): AfterLoad | undefined {
  try {
    let n = aut.child(node, v);
    let fences = '';
    for (;;) {
      const a = aut.action(n);
      if (a.kind === Kind.Fence && (a.b === Fence.Rmb || a.b === Fence.Wmb)) fences += a.b;
      else if (isRcuUnlock(a)) {
        // What follows does not depend on the word's value (the unlock only checks that it was
        // nested), so any nesting stands for it: one level.
        fences += 'u';
        n = aut.child(n, RCU_NEST_ONE);
        continue;
      } else if (a.kind !== Kind.Ghost) return { step: a, fences };
      n = aut.child(n, 0);
    }
  } catch (e) {
    rethrowSignal(e);
    return undefined;
  }
}

/**
 * Probing a thread's future with values (load buffering, dependencies by behaviour) takes model
 * code that throws on a value as depending on it. Two exceptions are not the model's answer but
 * the engine's signals, and pass through: DomainGrowth (a merged node must be rebuilt over a
 * larger domain, quotient.ts) and Unnumbered (a parallel helper's replica met a history only the
 * explorer in charge may number, so that explorer expands the state, parallel/work.ts).
 * Swallowed, either would stand for "no store ahead" at that node for the rest of the search (the
 * answers are memoised per node): a helper then found fewer states than the sequential search.
 */
function rethrowSignal(e: unknown): void {
  if (e instanceof DomainGrowth || e instanceof Unnumbered) throw e;
}

/**
 * Load buffering (relaxed memory only). LKMM's ppo orders a store after an earlier access only
 * through a dependency (`rwdep`: data, address or control, on a read), a fence or an
 * acquire/release that covers the pair, or coherence (an access of the same location): a store
 * may therefore become visible before any number of earlier loads, stores and relaxed RMWs of
 * other locations it does not depend on (LB with accesses between the load and the store, on
 * both sides). Views give every other reordering (a read may return an older write, a write be
 * placed anywhere after what the writer has seen), but a load cannot read a write that is not
 * yet in memory, so the store has to be *performed* early: at one of its thread's loads, the
 * thread may perform a store that lies ahead of it (an AheadStore) and stay at the load; the
 * write goes into memory but not yet into the thread's views (memory/relaxed.ts, pend), and the
 * thread skips the store when it gets there (reachEarlyStores). Several stores may be pending
 * at once, at different locations.
 *
 * The steps a store may pass (`ahead`): READ_ONCE() and plain loads, WRITE_ONCE() and plain
 * stores, _relaxed and non-returning RMWs (Order.Once) of other locations, smp_rmb() (orders
 * reads only), smp_wmb() when no store or RMW lies between it and the load where the store goes
 * first (wmb orders earlier stores before later ones: the store then carries the thread's
 * earlier stores, as after the wmb), read-side unlocks (no ordering of their own in LKMM), a
 * read-side lock (rcu_read_lock(), srcu_read_lock(): no ordering of their own either; its nesting
 * increment is performed early with the store, AheadStore.locks, and the store carries what the
 * grace periods started so far carried, AheadStore.gp, which keeps the grace-period guarantee),
 * ghost updates. Anything else (an acquire, a release, a fully ordered RMW, a full or other fence, a
 * wait, interrupt or preemption control, a lock step) ends the stretch, as does an access of the
 * store's own location (coherence). The store must not depend on a load it passes: by syntax,
 * where there is one (Action.deps of the litmus compiler), and by behaviour: it is the same store
 * (location, value, order) for every value each load or RMW it passes may return: for the first
 * load, every value it can read now and PROBES; for the ones after it, PROBES, 0 and 1. When a
 * later load then returns a value after which the store is no longer ahead (model code branching
 * on a value none of those stands for), that successor is not a behaviour (the store was
 * performed for a path the thread did not take) and is dropped (keepingEarlyStores); should no
 * successor be left, the check stops with a ModelError rather than report a deadlock the
 * program does not have.
 */
interface AheadStore {
  readonly step: Action;
  /** An smp_wmb() lies between the load and the store: the store carries the earlier stores. */
  readonly wmb: boolean;
  /** The largest history index among the store's syntactic dependencies (-1: none). */
  readonly maxDep: number;
  /**
   * The read-side lock increments (rcu_read_lock(), srcu_read_lock()) the store passes, in
   * program order: performed early with it, so that a grace period waits for the critical
   * section from the moment its store is visible (the grace-period guarantee; see relaxed.ts).
   */
  readonly locks: readonly Action[];
  /** The grace-period word the store's critical section starts after (-1: none; see `locks`). */
  readonly gp: number;
  /** An entry for such a lock increment itself (never goes early alone: keepingEarlyStores' check). */
  readonly lock?: true;
}

/**
 * Bounds on the search ahead (so on the automaton nodes its probes create, and on the state
 * space): a store goes early across at most MAX_AHEAD non-ghost steps, of which at most
 * MAX_AHEAD_VALUES after the first load return a value (loads and RMWs, each probed with
 * VALUE_PROBES).
 */
export const MAX_AHEAD = 5;
export const MAX_AHEAD_VALUES = 2;

/** Values that stand for any value a load or RMW passed may return (see AheadStore). */
const VALUE_PROBES = WRITE_PROBES;

const aheadKey = (a: Action): string => `${a.a}:${a.b}:${a.order}`;
const EMPTY_AHEAD: ReadonlyMap<string, AheadStore> = new Map();

const isOnce = (a: Action): boolean => a.order === Order.Once || a.order === Order.Plain;

/**
 * An RMW a store may pass: relaxed or non-returning, or a _release form (a release orders what
 * comes before it, not after), not a lock step; or a read-side unlock.
 */
const passableRmw = (a: Action): boolean =>
  a.kind === Kind.Rmw &&
  a.lock === undefined &&
  (isRcuUnlock(a) || a.order === Order.Once || a.order === Order.Release);

/** A store a store may pass: WRITE_ONCE(), plain, or a release store (Order.AcqRel on a write; not a lock step). */
const passableWrite = (a: Action): boolean =>
  a.kind === Kind.Write && a.lock === undefined && (isOnce(a) || a.order === Order.AcqRel);

/** `stores` without those of location `loc` (and, for a store between, those past an smp_wmb()). */
function without(stores: ReadonlyMap<string, AheadStore>, loc: number, writes: boolean): Map<string, AheadStore> {
  const out = new Map<string, AheadStore>();
  for (const [k, st] of stores) if (st.step.a !== loc && !(writes && st.wmb)) out.set(k, st);
  return out;
}

/** The stores present after every one of `nodes` (the same store: location, value, order). */
function common(
  aut: ThreadAutomaton,
  nodes: readonly (number | undefined)[],
  remaining: number,
  values: number,
): Map<string, AheadStore> {
  let out: Map<string, AheadStore> | undefined;
  for (const n of nodes) {
    const next = n === undefined ? EMPTY_AHEAD : ahead(aut, n, remaining, values);
    if (out === undefined) {
      out = new Map(next);
      continue;
    }
    for (const [k, st] of out) {
      const other = next.get(k);
      if (other === undefined || other.locks.length !== st.locks.length) out.delete(k);
      else {
        out.set(k, {
          ...st,
          wmb: st.wmb || other.wmb,
          maxDep: Math.max(st.maxDep, other.maxDep),
          gp: Math.max(st.gp, other.gp),
        });
      }
    }
  }
  return out ?? new Map();
}

const childOrUndefined = (aut: ThreadAutomaton, node: number, v: number): number | undefined => {
  try {
    return aut.child(node, v);
  } catch (e) {
    rethrowSignal(e);
    return undefined;
  }
};

const aheadMemo = new WeakMap<ThreadAutomaton, Map<number, ReadonlyMap<string, AheadStore>>>();

/**
 * The stores that lie ahead of `node` (its own step included) for every value the steps before
 * them may return, through steps a store may pass, within `remaining` non-ghost steps.
 */
function ahead(
  aut: ThreadAutomaton,
  node: number,
  remaining = MAX_AHEAD,
  values = MAX_AHEAD_VALUES,
): ReadonlyMap<string, AheadStore> {
  if (remaining <= 0) return EMPTY_AHEAD;
  let memo = aheadMemo.get(aut);
  if (memo === undefined) {
    memo = new Map();
    aheadMemo.set(aut, memo);
  }
  const key = (node * (MAX_AHEAD + 1) + remaining) * (MAX_AHEAD_VALUES + 1) + values;
  const known = memo.get(key);
  if (known !== undefined) return known;
  let out: ReadonlyMap<string, AheadStore>;
  try {
    out = aheadUncached(aut, node, remaining, values);
  } catch (e) {
    rethrowSignal(e);
    out = EMPTY_AHEAD;
  }
  memo.set(key, out);
  return out;
}

/**
 * What lies ahead of a value-returning step at `node` (of location `loc`) for every value the
 * probes stand for, less the stores to its own location and, with `writes`, those behind an
 * smp_wmb() (without()).
 */
function aheadOfEveryValue(
  aut: ThreadAutomaton,
  node: number,
  loc: number,
  remaining: number,
  values: number,
  writes: boolean,
): ReadonlyMap<string, AheadStore> {
  const children = VALUE_PROBES.map((v) => childOrUndefined(aut, node, v));
  return without(common(aut, children, remaining, values), loc, writes);
}

function aheadUncached(
  aut: ThreadAutomaton,
  node: number,
  remaining: number,
  values: number,
): ReadonlyMap<string, AheadStore> {
  const a = aut.action(node);
  const next = remaining - 1;
  if (a.kind === Kind.Ghost) return ahead(aut, aut.child(node, 0), remaining, values);
  if (a.kind === Kind.Fence) {
    if (a.b === Fence.Rmb) return ahead(aut, aut.child(node, 0), next, values);
    if (a.b !== Fence.Wmb) return EMPTY_AHEAD;
    const out = new Map<string, AheadStore>();
    for (const [k, st] of ahead(aut, aut.child(node, 0), next, values)) out.set(k, { ...st, wmb: true });
    return out;
  }
  if (passableWrite(a)) {
    // Only a WRITE_ONCE() or plain store goes early itself; a release passed is only passed.
    const out = without(ahead(aut, aut.child(node, 0), next, values), a.a, true);
    if (isOnce(a)) {
      out.set(aheadKey(a), { step: a, wmb: false, maxDep: Math.max(-1, ...(a.deps ?? [])), locks: [], gp: -1 });
    }
    return out;
  }
  if (a.kind === Kind.Read && isOnce(a)) {
    if (values === 0) return EMPTY_AHEAD;
    return aheadOfEveryValue(aut, node, a.a, next, values - 1, false);
  }
  if (a.kind === Kind.Rmw && a.readSideLock === true) {
    // A read-side lock's nesting increment: a store inside the critical section may go before
    // the loads before the lock, the increment with it (AheadStore.locks), not across a second,
    // nested lock of the same word. What follows depends on the old value only through the
    // EQS check's ghost update, so 0 and RCU_EQS stand for every value, and cost no probe.
    const out = new Map<string, AheadStore>();
    for (const [k, st] of common(
      aut,
      [0, RCU_EQS].map((v) => childOrUndefined(aut, node, v)),
      next,
      values,
    )) {
      if (st.lock || st.step.a === a.a || st.locks.some((l) => l.a === a.a)) continue;
      out.set(k, { ...st, locks: [a, ...st.locks] });
    }
    out.set(`lock:${a.a}`, { step: a, wmb: false, maxDep: -1, locks: [], gp: -1, lock: true });
    return out;
  }
  if (a.kind === Kind.Rmw && a.order === Order.GpAcquire) {
    // The lock's read of the grace-period word (rcu.ts, readLock): passed by a store only
    // together with the increment before it (the entries without one are dropped there); the
    // store then carries what the grace periods started so far carried (AheadStore.gp).
    const out = new Map<string, AheadStore>();
    for (const [k, st] of ahead(aut, aut.child(node, 0), next, values)) {
      if (!st.lock && st.step.a !== a.a) out.set(k, { ...st, gp: a.a });
    }
    return out;
  }
  if (passableRmw(a)) {
    // An unlock's continuation does not depend on the word's value: one level of nesting stands for it.
    if (isRcuUnlock(a)) return without(ahead(aut, aut.child(node, RCU_NEST_ONE), next, values), a.a, true);
    if (values === 0) return EMPTY_AHEAD;
    return aheadOfEveryValue(aut, node, a.a, next, values - 1, true);
  }
  return EMPTY_AHEAD;
}

/**
 * What the relaxed model reads of thread `i`'s past and of its probed future at `history`
 * (a history of its program, numbered by history): the quotient (quotient.ts) merges two
 * histories with the same future only when this is the same for both, and the same for the
 * histories after them, so a class's representative (ThreadAutomaton.past) answers every
 * question below for each history of the class. It is, as a string:
 * - the barrier flags (atomicFlags: effectiveFence, rmwContext);
 * - the locations the next access depends on and those its address came from
 *   (dependencySourcesAt, which probes the load before with values no domain holds);
 * - the last access before it (lastAccess, for an interrupt handler's race check);
 * - the stores ahead of it (reachEarlyStores keeps a pending early store by them);
 * - for a load that can let stores go first: the stores ahead after each of `values` (the
 *   results the quotient merges over) and of PROBES, whether each depends on this load or a
 *   later step, and the reads each depends on (earlyStores, earlyStoreSteps).
 * Results outside `values` never reach a merged class (DomainGrowth), so these cover every
 * state the search meets.
 */
export function relaxedFacts(m: Machine, i: number, history: readonly number[], values: readonly number[]): string {
  const thread = m.threads[i] as ThreadAutomaton;
  const aut = thread.pastAutomaton;
  const node = aut.internHistory(history);
  const a = aut.action(node);
  const here = history.length;
  let out = `f${aut.atomicFlags(node) & flagsRead(a)}`;
  if (accesses(a)) out += `|d${dependencySourcesAt(aut, node).join(',')}|a${addressSourcesAt(aut, node, a).join(',')}`;
  // Read only by an interrupt handler's race check, which a model without plain accesses never makes.
  if (m.inst.plainAccesses) {
    const last = lastAccessAt(aut, node);
    if (last !== undefined && accesses(last)) out += `|l${last.a}:${last.order}:${writes(last) ? 1 : 0}`;
  }
  // What reachEarlyStores asks of the stores ahead: location, value, and whether a lock increment.
  const kept = [...ahead(aut, node).values()].map((st) => `${st.step.a}:${st.step.b}:${st.lock ? 1 : 0}`);
  out += `|h${kept.sort().join(';')}`;
  if (a.kind === Kind.Read && isOnce(a)) {
    for (const v of [...PROBES, ...values]) {
      const child = childOrUndefined(aut, node, v);
      if (child === undefined) {
        out += `|${v}>x`;
        continue;
      }
      const stores = ahead(aut, child, MAX_AHEAD - 1, MAX_AHEAD_VALUES);
      out += `|${v}>${aheadDigest(stores, here)}`;
      for (const st of stores.values()) {
        out += `/${syntacticSources(aut, node, st.step).join(',')}:${syntacticSources(aut, node, st.step, true).join(',')}`;
      }
    }
  }
  return out;
}

/** The barrier flags (atomicFlags) step `a` reads: effectiveFence for a fence, rmwContext for an RMW. */
function flagsRead(a: Action): number {
  if (a.kind === Kind.Fence) {
    if (a.b === Fence.AfterAtomic) return RMW_SEEN;
    if (a.b === Fence.AfterSpinlock || a.b === Fence.AfterUnlockLock) return LOCK_SEEN;
    return 0;
  }
  if (a.kind === Kind.Rmw || (a.kind === Kind.Await && a.rmw !== undefined)) {
    return BEFORE_ATOMIC_PENDING | (a.lock === LockStep.Acquire ? UNLOCK_SEEN : 0);
  }
  return 0;
}

/** What `stores` (ahead of a step at history index `here`) say, as a string. */
function aheadDigest(stores: ReadonlyMap<string, AheadStore>, here: number): string {
  const parts: string[] = [];
  for (const [k, st] of stores) {
    const locks = st.locks.map((l) => `${l.a}:${l.order}:${l.text}`).join('+');
    parts.push(
      `${k}:${st.step.kind}:${st.step.text}:${st.wmb ? 1 : 0}:${st.maxDep < here ? 1 : 0}:${locks}:${st.gp}:${st.lock ? 1 : 0}`,
    );
  }
  return parts.sort().join(';');
}

/**
 * The stores load `a` of thread `i` may let go first in state `s` (see AheadStore), in a fixed
 * order: relaxed memory, a READ_ONCE() or plain load, a store that lies ahead of it whatever it
 * reads (every value it can read now, and PROBES), does not depend on it or on anything after it
 * by syntax, and is not already pending.
 */
export function earlyStores(m: Machine, s: Int32Array, i: number, a: Action): AheadStore[] {
  if (m.memoryModel !== 'relaxed' || a.kind !== Kind.Read || !isOnce(a)) return [];
  const { aut, node } = pastOf(m, s, i);
  const n = m.mem.readChoices(s, m.base, i, a.a);
  const values: number[] = [...PROBES];
  for (let c = 0; c < n; c++) values.push(m.mem.readValue(s, m.base, i, a.a, c));
  const found = without(
    common(
      aut,
      values.map((v) => childOrUndefined(aut, node, v)),
      MAX_AHEAD - 1,
      MAX_AHEAD_VALUES,
    ),
    a.a,
    false,
  );
  if (found.size === 0) return [];
  // A store that names this load or a later step among its dependencies (by syntax: a condition
  // that is always true, `if (r0 || 1)`, still makes one, as LKMM's ctrl does) stays after it.
  const here = aut.history(node).length;
  const pending = new Set((m.mem.earlyStores?.(s, m.base, i) ?? []).map((p) => p.loc));
  return [...found.entries()]
    .filter(([, st]) => !st.lock && st.maxDep < here && !pending.has(st.step.a))
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([, st]) => st);
}

/**
 * The successors of thread `i` performing, at its load `a`, one of the stores ahead of it
 * (earlyStores), each in every position the memory allows; `first` is the first choice number.
 */
function earlyStoreSteps(
  m: Machine,
  s: Int32Array,
  len: number,
  i: number,
  a: Action,
  emitStep: Emit,
  first: number,
): number {
  const o = i * TSZ;
  const mem = m.mem;
  const base = m.base;
  const { aut, node } = pastOf(m, s, i);
  let choice = first;
  for (const early of earlyStores(m, s, i, a)) {
    const store = early.step;
    // The store's own dependencies (on reads before this load) hold when it goes first too.
    const storeFrom = syntacticSources(aut, node, store);
    let before = s;
    let beforeLen = len;
    if (storeFrom.length > 0) {
      before = s.slice(0, len);
      const addr = syntacticSources(aut, node, store, true);
      for (const l of storeFrom) {
        beforeLen = base + mem.dependency(before, base, i, store.a, l, addr.includes(l) ? Bound.Write : Bound.None);
      }
    }
    if (early.locks.length > 0 || early.gp >= 0) {
      // The read-side lock increments it passes go first, each reading the coherence-latest
      // word (its CPU's own), then the store carries what the grace periods started so far did.
      if (before === s) before = s.slice(0, len);
      const pending = new Set((mem.earlyStores?.(before, base, i) ?? []).map((p) => p.loc));
      for (const lock of early.locks) {
        if (pending.has(lock.a)) continue;
        const choices = mem.rmwChoices(before, base, i, lock.a, lock.order);
        const old = mem.rmw(
          before,
          base,
          i,
          lock.a,
          lock.rmw as (v: number) => number,
          lock.order,
          choices - 1,
          RMW_EARLY,
        );
        if (old === INVALID) throw new ModelError(`${m.threadName(i)}: ${lock.text}: cannot be performed early`);
        beforeLen = base + mem.length(before, base);
      }
      if (early.gp >= 0 && mem.carryLatest) beforeLen = base + mem.carryLatest(before, base, i, early.gp);
    }
    const stores = mem.writeChoices(before, base, i, store.a, store.order);
    // The store is an access of its own, checked for a data race now, when it is performed (the
    // load is checked when it is).
    const emitStore = dataRace(m, before, i, store) ? racing(emitStep, o) : emitStep;
    for (let k = 0; k < stores; k++) {
      const scr = m.copy(before, beforeLen);
      // An smp_wmb() between the load and the store orders the store after the earlier ones.
      if (early.wmb) mem.fence(scr, base, i, Fence.Wmb);
      mem.write(scr, base, i, store.a, store.b, store.order, k, true);
      scr[o + T_FLAGS] = (scr[o + T_FLAGS] as number) | F_EARLY;
      emitStore(i, choice++, scr, base + mem.length(scr, base));
    }
  }
  return choice - first;
}

/** The store a load's step `choice` performed early (for the trace), if it is one. */
export function earlyStoreOfChoice(
  m: Machine,
  s: Int32Array,
  i: number,
  a: Action,
  choice: number,
): Action | undefined {
  let c = m.mem.readChoices(s, m.base, i, a.a);
  if (choice < c) return undefined;
  const { aut, node } = pastOf(m, s, i);
  for (const early of earlyStores(m, s, i, a)) {
    const before = s.slice();
    const addr = syntacticSources(aut, node, early.step, true);
    for (const l of syntacticSources(aut, node, early.step)) {
      m.mem.dependency(before, m.base, i, early.step.a, l, addr.includes(l) ? Bound.Write : Bound.None);
    }
    c += m.mem.writeChoices(before, m.base, i, early.step.a, early.step.order);
    if (choice < c) return early.step;
  }
  return undefined;
}

/** Counts what keepingEarlyStores let through, for threadSteps to return and to check. */
interface EarlyCount {
  offered: number;
  kept: number;
}

/**
 * `emit` for a thread with stores performed early (F_EARLY): drops a successor after which a
 * pending store is no longer ahead of the thread (a load returned a value that leads elsewhere:
 * not a behaviour), and skips the pending stores the thread has reached (reachEarlyStores).
 */
function keepingEarlyStores(m: Machine, emit: Emit, i: number, count: EarlyCount): Emit {
  return (u, c, scr, len) => {
    count.offered++;
    const at = reachEarlyStores(m, scr, len, i);
    if (at === undefined) return;
    count.kept++;
    emit(u, c, scr, at);
  };
}

/**
 * In successor `scr` of thread `i`: skips the stores it performed early that it has now reached
 * (its next step, past ghosts, is a store to a pending location), making them its own
 * (earlyStoreReached, then ordered for the other threads of its CPU), and clears F_EARLY when
 * none is left. Returns the new length, or undefined when a pending store is no longer ahead.
 */
function reachEarlyStores(m: Machine, scr: Int32Array, len: number, i: number): number | undefined {
  const o = i * TSZ;
  const mem = m.mem;
  const base = m.base;
  let at = len;
  for (;;) {
    const pending = mem.earlyStores?.(scr, base, i) ?? [];
    if (pending.length === 0) {
      scr[o + T_FLAGS] = (scr[o + T_FLAGS] as number) & ~F_EARLY;
      return at;
    }
    const past = pastOf(m, scr, i);
    const stores = [...ahead(past.aut, past.node).values()];
    for (const p of pending) {
      const still = stores.some((st) => st.step.a === p.loc && (p.rmw ? st.lock === true : st.step.b === p.value));
      if (!still) return undefined;
    }
    const next = m.nextAction(scr, i);
    const reached = pending.find(
      (p) =>
        next.a === p.loc && (p.rmw ? next.kind === Kind.Rmw && next.readSideLock === true : next.kind === Kind.Write),
    );
    if (reached === undefined) return at;
    if (!reached.rmw && next.b !== reached.value) return undefined;
    // A lock increment's result is the value it read when it was performed.
    const result = reached.rmw ? (mem.earlyRmwOld?.(scr, base, i, reached.loc) ?? 0) : 0;
    mem.earlyStoreReached?.(scr, base, i, reached.loc);
    at = m.advance(scr, i, result, base + mem.length(scr, base));
  }
}

/**
 * Whether thread `i`'s next step in `s` begins with a context switch: under relaxed memory, a
 * thread that may share a CPU (Machine.sharesCpu) and did not run last there (F_CUR clear)
 * switches in first. Only when the step could happen at all (otherwise nothing is copied).
 */
function switchesIn(m: Machine, s: Int32Array, i: number): boolean {
  if (m.memoryModel !== 'relaxed' || !m.sharesCpu[i]) return false;
  if (((s[i * TSZ + T_FLAGS] as number) & F_CUR) !== 0) return false;
  const a = m.nextAction(s, i);
  return a.kind !== Kind.Return && a.kind !== Kind.Fail && m.canRun(s, i);
}

/**
 * The context switch to thread `i` on its CPU (in `s`, before its step), under relaxed memory.
 * The engine interleaves the tasks of one CPU as the scheduler would, so every point where the
 * CPU goes from one task to another is a pass through __schedule() (kernel/sched/core.c; read in
 * the copy of the v6.12 tree github.com/shilei-massclouds/linux-6.12 at b9529288911f, whose
 * __schedule() also carries tracing calls of that copy's own, lkm_sched_checkpoint_record(), and
 * in torvalds/linux at 4353dd3b7078, a v5.x core.c with the same two steps; the index holds no
 * torvalds/linux core.c at v6.12):
 * rq_lock() then smp_mb__after_spinlock(), a full barrier on the CPU between the task switched
 * out and the task switched in, after which the new task sees everything the old one did and saw
 * (core.c's "Notes on Program-Order guarantees on SMP systems": the rq lock's release/acquire
 * chain, plus the full barrier the comment on smp_mb__after_spinlock() in __schedule() asks for).
 * A task that arrives by migration gets the same: migrate() was a full barrier on the old CPU
 * (the MIGRATION notes: the old CPU's rq unlock, then both rq locks in move_queued_task() or
 * migration_cpu_stop(), then the new CPU's rq lock in __schedule()), and its first step on the
 * new CPU switches the task that ran there last out, as the new CPU's __schedule() does. Modelled
 * as smp_mb() for the task switched out (it publishes what it did and saw: relaxed.ts, G), then
 * smp_mb() for `i` (it takes that on); F_CUR moves to `i`. Returns the state's new length.
 */
function contextSwitch(m: Machine, s: Int32Array, i: number): number {
  const mem = m.mem;
  const base = m.base;
  const o = i * TSZ;
  const cpu = (s[o + T_FLAGS] as number) & F_CPU;
  for (let j = 0; j < m.nthreads; j++) {
    const f = s[j * TSZ + T_FLAGS] as number;
    if (j === i || (f & F_CUR) === 0 || (f & F_CPU) !== cpu) continue;
    mem.fence(s, base, j, Fence.Mb);
    s[j * TSZ + T_FLAGS] = f & ~F_CUR;
  }
  mem.fence(s, base, i, Fence.Mb);
  s[o + T_FLAGS] = (s[o + T_FLAGS] as number) | F_CUR;
  return base + mem.length(s, base);
}
