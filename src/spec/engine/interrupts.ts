/**
 * Interrupt delivery and handlers. A CPU's pending interrupt is taken when interrupts are on
 * there and the store buffers of its threads are empty (taking it is a full barrier); the
 * handler, model code of its own (b.interrupt), then runs step by step on that CPU until it
 * returns, and the pending bit is cleared (the IPI acknowledged) when it does. Handlers see
 * memory through the memory system's handler accessors; the CPU's code after the return sees
 * the handler's accesses as earlier accesses of its own CPU (MemorySystem.handlerOrder).
 */
import { type Fence, Kind, Order } from './actions.ts';
import { ThreadAutomaton } from './automaton.ts';
import {
  C_IRQS,
  CSZ,
  F_CPU,
  HNODE_SHIFT,
  HVEC,
  HVEC_SHIFT,
  handlerNode,
  MAX_HANDLER_NODES,
  ModelError,
  PENDING,
  runningVector,
  STOPPER_SHIFT,
  T_FLAGS,
  TSZ,
} from './layout.ts';
import type { Emit, Machine } from './machine.ts';
import { INVALID } from './memory/system.ts';
import { effectiveFenceAt, handlerDataRace, handlerDependencies, markHandlerRace, rmwContextAt } from './threads.ts';

export function handlerAutomaton(m: Machine, vector: number, cpu: number): ThreadAutomaton | undefined {
  const key = vector * m.ncpus + cpu;
  let aut = m.handlerAuts.get(key);
  if (aut === undefined) {
    const spec = m.inst.interrupts.find((x) => x.vector === vector);
    if (!spec?.handler) return undefined;
    const handler = spec.handler;
    aut = new ThreadAutomaton(`${spec.name}@cpu${cpu}`, () => handler(cpu), false);
    m.handlerAuts.set(key, aut);
  }
  return aut;
}

export function interruptSteps(m: Machine, s: Int32Array, len: number, cpu: number, emit: Emit): number {
  // Nothing is delivered while the machine is stopped (every CPU spins with interrupts off in
  // multi_cpu_stop) or to an offline CPU. No handler runs then either: stopping needs none.
  if (!m.irqWords) return 0;
  const g = m.hotplugWord(s);
  if (g >>> STOPPER_SHIFT !== 0 || ((g >>> cpu) & 1) === 0) return 0;
  const u = m.nthreads + cpu;
  const c = m.cpuBase + cpu * CSZ;
  const running = runningVector(s[c + C_IRQS] as number);
  const base = m.base;
  if (running === 0) {
    const pending = (s[c + C_IRQS] as number) & PENDING;
    if (pending === 0 || m.irqsOff(cpu)) return 0;
    for (let j = 0; j < m.nthreads; j++) {
      if (((s[j * TSZ + T_FLAGS] as number) & F_CPU) === cpu && !m.mem.quiescent(s, base, j)) return 0;
    }
    const vector = 31 - Math.clz32(pending & -pending);
    const scr = m.copy(s, len);
    // Taking the interrupt is a full barrier on this CPU (MemorySystem.interruptTaken); the
    // handler's views (relaxed memory) start after it (handlerStart) and go at its return.
    const threads = threadsOn(m, scr, cpu);
    let taken = base + m.mem.interruptTaken(scr, base, threads);
    const aut = handlerAutomaton(m, vector, cpu);
    const node = aut ? m.settle(scr, aut, 0, cpu) : 0;
    if (aut === undefined || aut.action(node).kind === Kind.Return) {
      scr[c + C_IRQS] = pending & ~(1 << vector);
    } else {
      scr[c + C_IRQS] = pending | ((vector + 1) << HVEC_SHIFT) | (node << HNODE_SHIFT);
      taken = base + m.mem.handlerStart(scr, base, cpu, threads);
    }
    emit(u, 0, scr, taken);
    return 1;
  }
  const vector = running - 1;
  const aut = handlerAutomaton(m, vector, cpu) as ThreadAutomaton;
  const node = handlerNode(s[c + C_IRQS] as number);
  const a = aut.action(node);
  const mem = m.mem;
  // An access that depends on earlier reads of the handler is first ordered after them, as a
  // thread's is (relaxed memory only; threads.ts, stepsOf).
  let before = s;
  let beforeLen = len;
  for (const { from, bound } of handlerDependencies(m, aut, node, a)) {
    if (before === s) before = s.slice(0, len);
    beforeLen = base + mem.handlerDependency(before, base, cpu, a.a, from, bound);
  }
  // The data-race check (threads.ts, handlerDataRace), before the access changes memory.
  const raced = handlerDataRace(m, before, cpu, a);
  const threads = threadsOn(m, s, cpu);
  let emitted = 0;
  // One successor: the handler's access (or barrier) has been performed on `scr` with `choice`,
  // returning `result`; the handler moves on (and maybe returns).
  const step = (scr: Int32Array, choice: number, result: number): void => {
    if (raced) markHandlerRace(m, scr, cpu);
    // The return from the handler orders its accesses before the CPU's later accesses of the
    // same location (MemorySystem.handlerOrder). Done at each access rather than at the return:
    // no thread of this CPU steps before the handler returns, so the two are the same, and this
    // way the write or read ordered is the one the handler performed, not a newer one another
    // CPU made meanwhile.
    let ml = accessesMemory(a.kind) ? mem.handlerOrder(scr, base, cpu, a.a, threads) : mem.length(scr, base);
    const next = m.settle(scr, aut, aut.child(node, result), cpu);
    if (aut.action(next).kind === Kind.Return) {
      scr[c + C_IRQS] = (s[c + C_IRQS] as number) & PENDING & ~(1 << vector);
      ml = mem.handlerReturn(scr, base, cpu);
    } else {
      if (next >= MAX_HANDLER_NODES)
        throw new ModelError(`${aut.name}: more than ${MAX_HANDLER_NODES} distinct histories`);
      scr[c + C_IRQS] = ((s[c + C_IRQS] as number) & (PENDING | HVEC)) | (next << HNODE_SHIFT);
    }
    emit(u, choice, scr, base + ml);
    emitted++;
  };
  const past = aut.past(node);
  const context = m.memoryModel === 'relaxed' && a.rmw !== undefined ? rmwContextAt(past, a) : 0;
  switch (a.kind) {
    case Kind.Read: {
      const n = mem.handlerReadChoices(before, base, cpu, a.a);
      for (let choice = 0; choice < n; choice++) {
        const scr = m.copy(before, beforeLen);
        step(scr, choice, mem.handlerRead(scr, base, cpu, a.a, a.order, choice));
      }
      break;
    }
    case Kind.Await: {
      if (a.mightSleep) throw new ModelError(`interrupt handler ${aut.name}: ${a.text} may sleep`);
      const pred = a.pred as (v: number) => boolean;
      if (a.rmw) {
        // A blocking read-modify-write (spin_lock() in a handler): the write in the same step.
        const n = mem.handlerRmwChoices(before, base, cpu, a.a);
        for (let choice = 0; choice < n; choice++) {
          const scr = m.copy(before, beforeLen);
          const old = mem.handlerRmw(scr, base, cpu, a.a, a.rmw, a.order, choice, context);
          if (old !== INVALID && pred(old)) step(scr, choice, old);
        }
        break;
      }
      const n = mem.handlerReadChoices(before, base, cpu, a.a);
      for (let choice = 0; choice < n; choice++) {
        const scr = m.copy(before, beforeLen);
        const v = mem.handlerRead(scr, base, cpu, a.a, a.order, choice);
        if (pred(v)) step(scr, choice, v);
      }
      // A failed iteration that reads the newest write while older ones are still readable, as a
      // thread's wait has (threads.ts): the handler stays at its wait with its view moved up,
      // so a stale passing value does not stay readable for ever.
      const newest = n - 1;
      if (newest > 0) {
        const scr = m.copy(before, beforeLen);
        if (!pred(mem.handlerRead(scr, base, cpu, a.a, Order.Once, newest))) {
          if (raced) markHandlerRace(m, scr, cpu);
          emit(u, newest, scr, base + mem.handlerOrder(scr, base, cpu, a.a, threads));
          emitted++;
        }
      }
      break;
    }
    case Kind.Write: {
      const n = mem.handlerWriteChoices(before, base, cpu, a.a);
      for (let choice = 0; choice < n; choice++) {
        const scr = m.copy(before, beforeLen);
        mem.handlerWrite(scr, base, cpu, a.a, a.b, a.order, choice);
        step(scr, choice, 0);
      }
      break;
    }
    case Kind.Rmw: {
      const n = mem.handlerRmwChoices(before, base, cpu, a.a);
      for (let choice = 0; choice < n; choice++) {
        const scr = m.copy(before, beforeLen);
        const old = mem.handlerRmw(scr, base, cpu, a.a, a.rmw as (v: number) => number, a.order, choice, context);
        if (old !== INVALID) step(scr, choice, old);
      }
      break;
    }
    case Kind.Fence: {
      const scr = m.copy(before, beforeLen);
      const fence = m.memoryModel === 'relaxed' ? effectiveFenceAt(past, a.b as Fence) : (a.b as Fence);
      if (fence !== undefined) mem.handlerFence(scr, base, cpu, fence);
      step(scr, 0, 0);
      break;
    }
    case Kind.PreemptDisable:
    case Kind.PreemptEnable:
      // spin_lock() and spin_unlock() in a hardirq handler (their preempt_disable() and
      // preempt_enable()): a handler is never preempted, so the preempt count's change there
      // changes nothing this model observes. A step with no effect.
      step(m.copy(before, beforeLen), 0, 0);
      break;
    default:
      throw new ModelError(`interrupt handler ${aut.name}: ${a.text} is not allowed in a handler`);
  }
  return emitted;
}

/** The handler steps that access memory (not a barrier nor the preemption steps of a lock). */
const accessesMemory = (kind: number): boolean =>
  kind === Kind.Read || kind === Kind.Write || kind === Kind.Rmw || kind === Kind.Await;

/** The threads on `cpu` in `s`: those whose later accesses on that CPU follow its handler's. */
function threadsOn(m: Machine, s: Int32Array, cpu: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < m.nthreads; j++) if (((s[j * TSZ + T_FLAGS] as number) & F_CPU) === cpu) out.push(j);
  return out;
}
