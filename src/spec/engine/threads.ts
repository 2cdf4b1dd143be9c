/**
 * What a thread's next action does: the rules for reads, writes, atomics, barriers, interrupt
 * and preemption control, IPIs, guest entry and exit, choices and migration. Each function
 * emits the successors of one thread's step; the memory system (memory/*.ts) decides what
 * reads may return and where writes go, the machine (machine.ts) whether the thread may run.
 *
 * Load buffering (relaxed memory only) lives here too: a plain store that follows a plain load
 * may be performed before the load (earlyStore); the thread's F_EARLY flag records that the
 * load is still to be performed.
 */
import { type Action, Fence, Kind, LockStep, Order } from './actions.ts';
import { BEFORE_ATOMIC_PENDING, LOCK_SEEN, RMW_SEEN, type ThreadAutomaton, UNLOCK_SEEN } from './automaton.ts';
import { hotplugSteps } from './hotplug.ts';
import {
  C_IRQS,
  CSZ,
  F_CPU,
  F_EARLY,
  F_GUEST,
  F_IRQ,
  F_RACE,
  F_RESCHED,
  HOLDS,
  MAX_VECTORS,
  ModelError,
  nodeOf,
  PENDING,
  PREEMPT_MAX,
  PREEMPT_ONE,
  PREEMPT_SHIFT,
  T_FLAGS,
  TSZ,
} from './layout.ts';
import type { Emit, Machine } from './machine.ts';
import { Bound, INVALID, RMW_AFTER_UNLOCK, RMW_FENCE_BEFORE, RMW_LOCK } from './memory/system.ts';
import { ENXIO, EXIT_REASON_EXTERNAL_INTERRUPT, EXIT_REASON_GUEST, GUEST_RUN } from './primitives.ts';
import { RCU_NEST_ONE } from './rcu.ts';

const sameStore = (x: Action, y: Action): boolean =>
  x.kind === Kind.Write && y.kind === Kind.Write && x.a === y.a && x.b === y.b && x.order === y.order;

export function threadSteps(m: Machine, state: Int32Array, stateLen: number, i: number, emitStep: Emit): number {
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
    const node = nodeOf(state[o + T_FLAGS] as number);
    const from = dependencySources(m, i, node);
    if (from.length > 0) {
      s = state.slice(0, stateLen);
      const addr = addressSourcesAt(m.threads[i] as ThreadAutomaton, node, a);
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
          emit(i, c, scr, m.advance(scr, i, old, sameCpuOrdered(m, scr, i, a.a, cpu)));
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
        emit(i, c, scr, m.advance(scr, i, v, sameCpuOrdered(m, scr, i, a.a, cpu)));
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
        emit(i, newest, scr, sameCpuOrdered(m, scr, i, a.a, cpu));
        emitted++;
      }
      return emitted;
    }
    case Kind.Write: {
      const n = mem.writeChoices(s, base, i, a.a, a.order);
      for (let c = 0; c < n; c++) {
        const scr = m.copy(s, len);
        mem.write(scr, base, i, a.a, a.b, a.order, c);
        emit(i, c, scr, m.advance(scr, i, 0, sameCpuOrdered(m, scr, i, a.a, cpu)));
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
        emit(i, c, scr, m.advance(scr, i, old, sameCpuOrdered(m, scr, i, a.a, cpu)));
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
      emit(i, 0, scr, m.advance(scr, i, 0, len));
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
        // schedule() switched the task out: its TIF_NEED_RESCHED is cleared.
        scr[o + T_FLAGS] = ((s[o + T_FLAGS] as number) & ~(F_CPU | F_RESCHED)) | target;
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
  if (((s[o + T_FLAGS] as number) & F_EARLY) !== 0) return fulfilEarlyLoad(m, s, len, i, a, emit);
  const cpu = (s[o + T_FLAGS] as number) & F_CPU;
  for (let c = 0; c < n; c++) {
    const scr = m.copy(s, len);
    const v = mem.read(scr, base, i, a.a, a.order, c);
    emit(i, c, scr, m.advance(scr, i, v, sameCpuOrdered(m, scr, i, a.a, cpu)));
  }
  // Load buffering: under relaxed memory a store that does not depend on a plain load's
  // value may be performed before the load, as ARMv8 and LKMM allow (LB+poonceonces).
  const early = earlyStore(m, s, i, a);
  if (early === undefined) return n;
  const store = early.step;
  const wmb = early.fences.includes(String(Fence.Wmb));
  const acrossUnlock = early.fences.includes(RCU_UNLOCK);
  // The store's own dependencies (on reads before this load) hold when it goes first too.
  const storeFrom = syntacticSources(m.threads[i] as ThreadAutomaton, nodeOf(s[o + T_FLAGS] as number), store);
  let before = s;
  let beforeLen = len;
  if (storeFrom.length > 0) {
    before = s.slice(0, len);
    const addr = syntacticSources(m.threads[i] as ThreadAutomaton, nodeOf(s[o + T_FLAGS] as number), store, true);
    for (const l of storeFrom) {
      beforeLen = base + mem.dependency(before, base, i, store.a, l, addr.includes(l) ? Bound.Write : Bound.None);
    }
  }
  const stores = mem.writeChoices(before, base, i, store.a, store.order);
  // The store is an access of its own, checked for a data race now, when it is performed (the
  // load is checked when it is).
  const emitStore = dataRace(m, s, i, store) ? racing(emitStep, o) : emitStep;
  for (let k = 0; k < stores; k++) {
    const scr = m.copy(before, beforeLen);
    // An smp_wmb() between the load and the store orders the store after the earlier ones.
    if (wmb) mem.fence(scr, base, i, Fence.Wmb);
    mem.write(scr, base, i, store.a, store.b, store.order, k, acrossUnlock);
    scr[o + T_FLAGS] = (scr[o + T_FLAGS] as number) | F_EARLY;
    emitStore(i, n + k, scr, sameCpuOrdered(m, scr, i, store.a, cpu));
  }
  return n + stores;
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
  if (fence === Fence.BeforeAtomic) return undefined;
  const flags = (m.threads[i] as ThreadAutomaton).atomicFlags(nodeOf(s[i * TSZ + T_FLAGS] as number));
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
  const flags = (m.threads[i] as ThreadAutomaton).atomicFlags(nodeOf(s[i * TSZ + T_FLAGS] as number));
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
 * An access of an interrupt handler is not checked. Where this differs from LKMM's `race` is
 * in memory/relaxed.ts's header.
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
  for (let j = 0; j < m.nthreads; j++) {
    if (j === i) continue;
    const b = m.nextAction(s, j);
    if (accesses(b) && b.a === a.a && (writes(a) || writes(b)) && m.canRun(s, j)) return true;
  }
  return false;
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
function dependencySources(m: Machine, i: number, node: number): readonly number[] {
  return m.memoryModel === 'relaxed' ? dependencySourcesAt(m.threads[i] as ThreadAutomaton, node) : NONE;
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

/** What a thread does after a load: its next step past what a store may be performed early across. */
interface AfterLoad {
  readonly step: Action;
  /**
   * The smp_rmb()s and smp_wmb()s passed on the way, in order (their Fence values), and
   * RCU_UNLOCK for each rcu_read_unlock() or srcu_read_unlock() passed.
   */
  readonly fences: string;
}

/** AfterLoad.fences's mark of a read-side unlock passed (not a Fence value). */
const RCU_UNLOCK = 'u';

/**
 * rcu_read_unlock()'s or srcu_read_unlock()'s nesting decrement (engine/rcu.ts: a release RMW of
 * the CPU's word). LKMM gives it no ordering of its own (Rcu-unlock and Srcu-unlock are only in
 * rcu-order), so a later store that does not depend on an earlier load may pass it and the load
 * (LB+rcu-unlock, LB+srcu-unlock).
 */
const isRcuUnlock = (a: Action): boolean => a.kind === Kind.Rmw && a.readSideUnlock === true;

/**
 * The step thread `aut` takes after load result `v` at `node`, past merged ghost updates,
 * smp_rmb() (orders reads only) and smp_wmb() (orders stores only), none of which orders the
 * load before a later store; undefined if model code throws (it cannot take a probe value, an
 * index say, so it depends on it).
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
        fences += RCU_UNLOCK;
        n = aut.child(n, RCU_NEST_ONE);
        continue;
      } else if (a.kind !== Kind.Ghost) return { step: a, fences };
      n = aut.child(n, 0);
    }
  } catch {
    return undefined;
  }
}

const sameAfterLoad = (x: AfterLoad | undefined, y: AfterLoad): boolean =>
  x !== undefined && x.fences === y.fences && sameStore(x.step, y.step);

/**
 * The store that load `a` of thread `i` may let go first (load buffering), if there is one:
 * relaxed memory, a plain load followed (past ghosts, smp_rmb() and smp_wmb()) by a plain store to
 * another location that is the same store whatever the load returns: for every value it can
 * read now, and for PROBES, which stand for the values it could read later. A store whose
 * value, location or presence depends on the load (a data, address or control dependency) is
 * ordered after it, as LKMM's ppo says (`rwdep`), so it never goes early. Dependencies are
 * judged by behaviour, not syntax: a store that is the same whatever the load returns (a false
 * dependency, which a compiler may remove) goes early here where LKMM, which looks at syntax,
 * keeps it ordered; the model then allows more, never less.
 */
export function earlyStore(m: Machine, s: Int32Array, i: number, a: Action): AfterLoad | undefined {
  if (m.memoryModel !== 'relaxed' || (a.order !== Order.Once && a.order !== Order.Plain)) return undefined;
  const aut = m.threads[i] as ThreadAutomaton;
  const node = nodeOf(s[i * TSZ + T_FLAGS] as number);
  const store = probedStoreAt(aut, node);
  if (store === undefined) return undefined;
  const n = m.mem.readChoices(s, m.base, i, a.a);
  for (let c = 0; c < n; c++) {
    if (!sameAfterLoad(afterLoad(aut, node, m.mem.readValue(s, m.base, i, a.a, c)), store)) return undefined;
  }
  return store;
}

/** The plain store to another location (and the fences before it) that every probe value leads to after the load at `node`. */
const probedStoreAt = perNode((aut, node): AfterLoad | undefined => {
  const a = aut.action(node);
  let store: AfterLoad | undefined;
  for (const v of PROBES) {
    const w = afterLoad(aut, node, v);
    if (
      w === undefined ||
      w.step.kind !== Kind.Write ||
      (w.step.order !== Order.Once && w.step.order !== Order.Plain) ||
      w.step.a === a.a
    )
      return undefined;
    if (store === undefined) store = w;
    else if (!sameAfterLoad(w, store)) return undefined;
  }
  // A store that names this load among its dependencies (by syntax: a condition that is always
  // true, `if (r0 || 1)`, still makes one, as LKMM's ctrl does) stays after it.
  if (store?.step.deps?.includes(aut.history(node).length)) return undefined;
  return store;
});

/**
 * The load of thread `i` whose following store was performed early (F_EARLY): it may return
 * any value that leads to that same store, which the probes identify (the thread has not moved
 * since). One step: the load, the smp_rmb()s between it and the store (executed), and the store
 * itself (skipped: it is already in memory).
 */
function fulfilEarlyLoad(m: Machine, s: Int32Array, len: number, i: number, a: Action, emit: Emit): number {
  const o = i * TSZ;
  const mem = m.mem;
  const base = m.base;
  const aut = m.threads[i] as ThreadAutomaton;
  const node = nodeOf(s[o + T_FLAGS] as number);
  const store = probedStoreAt(aut, node) as AfterLoad;
  const n = mem.readChoices(s, base, i, a.a);
  const cpu = (s[o + T_FLAGS] as number) & F_CPU;
  let emitted = 0;
  for (let c = 0; c < n; c++) {
    const v = mem.readValue(s, base, i, a.a, c);
    if (!sameAfterLoad(afterLoad(aut, node, v), store)) continue;
    const scr = m.copy(s, len);
    mem.read(scr, base, i, a.a, a.order, c);
    scr[o + T_FLAGS] = (scr[o + T_FLAGS] as number) & ~F_EARLY;
    const l = m.advance(scr, i, v, sameCpuOrdered(m, scr, i, a.a, cpu));
    for (const [done, doneLen] of passedSteps(m, scr, l, i, cpu)) {
      let at = doneLen;
      if (store.fences.includes(RCU_UNLOCK) && mem.earlyStoreReached !== undefined) {
        mem.earlyStoreReached(done, base, i, store.step.a);
        at = sameCpuOrdered(m, done, i, store.step.a, cpu);
      }
      emit(i, c, done, m.advance(done, i, 0, at));
      emitted++;
    }
  }
  if (emitted === 0) {
    // The values the store was performed for were readable then and a thread's view does not
    // move while it waits here; only the history cap (memory/relaxed.ts) can drop them.
    throw new ModelError(
      `${m.threadName(i)}: ${a.text}: the store performed early before this load can no longer be matched by ` +
        "a value it may read (a location exceeded the relaxed model's history cap)",
    );
  }
  return emitted;
}

/**
 * The steps between a load whose store was performed early and that store (fulfilEarlyLoad),
 * executed in order from `scr` (the load done): an smp_wmb() took effect when the store was
 * performed, an smp_rmb() takes it now, and an rcu_read_unlock() is performed now, after the
 * load, so that its critical section still ends after it. Returns the states at the store (to
 * be skipped), one per way the unlock's RMW may be performed.
 */
function passedSteps(m: Machine, scr: Int32Array, len: number, i: number, cpu: number): [Int32Array, number][] {
  const mem = m.mem;
  const base = m.base;
  const next = m.nextAction(scr, i);
  if (next.kind === Kind.Fence) {
    if (next.b === Fence.Rmb) mem.fence(scr, base, i, Fence.Rmb);
    return passedSteps(m, scr, m.advance(scr, i, 0, base + mem.length(scr, base)), i, cpu);
  }
  if (!isRcuUnlock(next)) return [[scr, len]];
  const out: [Int32Array, number][] = [];
  const choices = mem.rmwChoices(scr, base, i, next.a, next.order);
  const context = rmwContext(m, scr, i, next);
  for (let c = 0; c < choices; c++) {
    // Its own buffer (m.copy's scratch may be `scr` itself), with room for the RMW's write.
    const after = new Int32Array(len + 4096);
    after.set(scr.subarray(0, len));
    const old = mem.rmw(after, base, i, next.a, next.rmw as (v: number) => number, next.order, c, context);
    if (old === INVALID) continue;
    const l = m.advance(after, i, old, sameCpuOrdered(m, after, i, next.a, cpu));
    out.push(...passedSteps(m, after, l, i, cpu));
  }
  return out;
}

/**
 * After thread `i`'s access of `loc` on `cpu` (in `scr`, before the thread moves on): the other
 * threads on that CPU come after it in the CPU's program order whenever they run next (the
 * engine interleaves the threads of a CPU as preemption does, and a context switch does not
 * reorder a CPU's accesses), so their later accesses of `loc` are ordered after it
 * (MemorySystem.sameCpuOrder). Returns the state's new length.
 */
function sameCpuOrdered(m: Machine, scr: Int32Array, i: number, loc: number, cpu: number): number {
  const base = m.base;
  if (m.memoryModel !== 'relaxed') return base + m.mem.length(scr, base);
  const others: number[] = [];
  for (let j = 0; j < m.nthreads; j++) {
    if (j !== i && ((scr[j * TSZ + T_FLAGS] as number) & F_CPU) === cpu) others.push(j);
  }
  if (others.length === 0) return base + m.mem.length(scr, base);
  return base + m.mem.sameCpuOrder(scr, base, i, loc, others);
}
