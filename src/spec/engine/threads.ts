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
import { type Action, Fence, Kind, Order } from './actions.ts';
import type { ThreadAutomaton } from './automaton.ts';
import { hotplugSteps } from './hotplug.ts';
import {
  C_IRQS,
  CSZ,
  F_CPU,
  F_EARLY,
  F_GUEST,
  F_IRQ,
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
import { INVALID } from './memory/system.ts';
import { ENXIO } from './primitives.ts';

const sameStore = (x: Action, y: Action): boolean =>
  x.kind === Kind.Write && y.kind === Kind.Write && x.a === y.a && x.b === y.b && x.order === y.order;

export function threadSteps(m: Machine, s: Int32Array, len: number, i: number, emit: Emit): number {
  const o = i * TSZ;
  const a = m.nextAction(s, i);
  if (a.kind === Kind.Return || a.kind === Kind.Fail) return 0;
  if (!m.canRun(s, i)) return 0;
  const mem = m.mem;
  const base = m.base;
  const cpu = (s[o + T_FLAGS] as number) & F_CPU;
  switch (a.kind) {
    case Kind.Read: {
      const n = mem.readChoices(s, base, i, a.a);
      const aut = m.threads[i] as ThreadAutomaton;
      const node = nodeOf(s[o + T_FLAGS] as number);
      if (((s[o + T_FLAGS] as number) & F_EARLY) !== 0) {
        // The store after this load was already performed: only values that lead to that
        // same store may be read (the early store must be the one the thread would make).
        const early = earlyStore(m, s, i, a);
        let emitted = 0;
        for (let c = 0; c < n; c++) {
          const v = mem.readValue(s, base, i, a.a, c);
          const w = aut.action(aut.child(node, v));
          if (early === undefined || !sameStore(w, early)) continue;
          const scr = m.copy(s, len);
          mem.read(scr, base, i, a.a, a.order, c);
          scr[o + T_FLAGS] = (scr[o + T_FLAGS] as number) & ~F_EARLY;
          const l1 = m.advance(scr, i, v, base + mem.length(scr, base));
          emit(i, c, scr, m.advance(scr, i, 0, l1));
          emitted++;
        }
        return emitted;
      }
      for (let c = 0; c < n; c++) {
        const scr = m.copy(s, len);
        const v = mem.read(scr, base, i, a.a, a.order, c);
        emit(i, c, scr, m.advance(scr, i, v, base + mem.length(scr, base)));
      }
      // Load buffering: under relaxed memory a store that does not depend on a plain load's
      // value (the same store whatever it returns, to another location, with no barrier in
      // between) may be performed before the load, as ARMv8 and LKMM allow (LB+poonceonces).
      const early = earlyStore(m, s, i, a);
      if (early === undefined) return n;
      const stores = mem.writeChoices(s, base, i, early.a, early.order);
      for (let k = 0; k < stores; k++) {
        const scr = m.copy(s, len);
        const ml = mem.write(scr, base, i, early.a, early.b, early.order, k);
        scr[o + T_FLAGS] = (scr[o + T_FLAGS] as number) | F_EARLY;
        emit(i, n + k, scr, base + ml);
      }
      return n + stores;
    }
    case Kind.Await: {
      const n = mem.readChoices(s, base, i, a.a);
      let emitted = 0;
      for (let c = 0; c < n; c++) {
        if (!(a.pred as (v: number) => boolean)(mem.readValue(s, base, i, a.a, c))) continue;
        const scr = m.copy(s, len);
        const v = mem.read(scr, base, i, a.a, a.order, c);
        emit(i, c, scr, m.advance(scr, i, v, base + mem.length(scr, base)));
        emitted++;
      }
      return emitted;
    }
    case Kind.Write: {
      const n = mem.writeChoices(s, base, i, a.a, a.order);
      for (let c = 0; c < n; c++) {
        const scr = m.copy(s, len);
        const ml = mem.write(scr, base, i, a.a, a.b, a.order, c);
        emit(i, c, scr, m.advance(scr, i, 0, base + ml));
      }
      return n;
    }
    case Kind.Rmw: {
      const n = mem.rmwChoices(s, base, i, a.a, a.order);
      let emitted = 0;
      for (let c = 0; c < n; c++) {
        const scr = m.copy(s, len);
        const old = mem.rmw(scr, base, i, a.a, a.rmw as (v: number) => number, a.order, c);
        if (old === INVALID) continue;
        emit(i, c, scr, m.advance(scr, i, old, base + mem.length(scr, base)));
        emitted++;
      }
      return emitted;
    }
    case Kind.Fence: {
      if (!mem.fenceEnabled(s, base, i, a.b as Fence)) return 0;
      const scr = m.copy(s, len);
      mem.fence(scr, base, i, a.b as Fence);
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
      // Without a pending interrupt only a timer-driven exit (if the model allows one) leaves the guest.
      if ((m.irqs(s, cpu) & PENDING) === 0 && a.b === 0) return 0;
      const scr = m.copy(s, len);
      scr[o + T_FLAGS] = (s[o + T_FLAGS] as number) & ~F_GUEST;
      emit(i, 0, scr, m.advance(scr, i, 0, len));
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
      if (!mem.fenceEnabled(s, base, i, Fence.Mb)) return 0;
      const targets = (m.allowed[i] as readonly number[]).filter((c) => c !== cpu && m.online(s, c));
      targets.forEach((target, c) => {
        const scr = m.copy(s, len);
        scr[o + T_FLAGS] = ((s[o + T_FLAGS] as number) & ~F_CPU) | target;
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

/**
 * The store that follows load `a` of thread `i` whatever value the load returns, if there is
 * one that may be performed early (relaxed memory, plain load and store, other location).
 */
export function earlyStore(m: Machine, s: Int32Array, i: number, a: Action): Action | undefined {
  if (m.memoryModel !== 'relaxed' || a.order !== Order.Once) return undefined;
  const aut = m.threads[i] as ThreadAutomaton;
  const node = nodeOf(s[i * TSZ + T_FLAGS] as number);
  const n = m.mem.readChoices(s, m.base, i, a.a);
  let store: Action | undefined;
  for (let c = 0; c < n; c++) {
    const w = aut.action(aut.child(node, m.mem.readValue(s, m.base, i, a.a, c)));
    if (w.kind !== Kind.Write || w.order !== Order.Once || w.a === a.a) return undefined;
    if (store === undefined) store = w;
    else if (!sameStore(store, w)) return undefined;
  }
  return store;
}
