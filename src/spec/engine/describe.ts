/**
 * Describing states and steps for traces, properties and the trace viewer: what a transition
 * did (StepInfo), what a trace shows of each thread and CPU, and the StateView that
 * properties read. Nothing here changes a state.
 */
import { type Action, FIRST_MERGED_KIND, Kind, type Site } from './actions.ts';
import type { ThreadAutomaton } from './automaton.ts';
import { handlerAutomaton } from './interrupts.ts';
import {
  C_IRQS,
  CSZ,
  F_CPU,
  F_EARLY,
  F_GUEST,
  F_IRQ,
  F_RACE,
  handlerNode,
  MAX_VECTORS,
  ModelError,
  nodeOf,
  PENDING,
  runningVector,
  T_FLAGS,
  TSZ,
} from './layout.ts';
import type { Machine, UnitInfo } from './machine.ts';
import type { StateView, ThreadView } from './model.ts';
import { CPU_UP_FAILS, type Ghost, GUEST_RUN, type Loc, RESCHEDULE_VECTOR } from './primitives.ts';
import { earlyStoreOfChoice } from './threads.ts';

/** What a trace shows of a CPU. */
export interface CpuView {
  readonly cpu: number;
  readonly pending: string[];
  readonly handler?: string;
  /** Offline (only present when true). */
  readonly offline?: boolean;
  /** Spinning in stop_machine while another CPU runs its body (only present when true). */
  readonly stopped?: boolean;
}

/** What one transition did, for traces. */
export interface StepInfo {
  readonly unit: number;
  readonly choice: number;
  readonly actor: string;
  readonly cpu: number;
  readonly kind:
    | 'step'
    | 'interrupt'
    | 'handler'
    | 'drain'
    | 'migrate'
    | 'ipi'
    | 'guest-enter'
    | 'guest-exit'
    | 'stop-begin'
    | 'stop-end'
    | 'cpu-down'
    | 'cpu-up';
  readonly text: string;
  readonly site?: Site;
  /** The value a read or atomic returned, formatted. */
  readonly result?: string;
  /** For IPIs and migrations: the target CPU; for cpu-down and cpu-up, the CPU. */
  readonly target?: number;
}

/** Describes the transition (unit, choice) from `s`, which must be enabled. */
export function describeStep(m: Machine, s: Int32Array, unit: number, choice: number, after: Int32Array): StepInfo {
  const info = m.units[unit] as UnitInfo;
  if (info.kind === 'memory') {
    return {
      unit,
      choice,
      actor: info.name,
      cpu: -1,
      kind: 'drain',
      text: m.mem.internalText(
        s,
        m.base,
        unit - m.nthreads - m.ncpus,
        (loc, v) => `${m.inst.locs[loc]?.name} = ${m.formatValue(loc, v)}`,
      ),
    };
  }
  if (info.kind === 'interrupt') {
    const cpu = info.cpu as number;
    const c = m.cpuBase + cpu * CSZ;
    const running = runningVector(s[c + C_IRQS] as number);
    if (running === 0) {
      const pending = (s[c + C_IRQS] as number) & PENDING;
      const vector = 31 - Math.clz32(pending & -pending);
      const name = m.inst.interrupts.find((x) => x.vector === vector)?.name ?? `vector ${vector}`;
      return { unit, choice, actor: `cpu${cpu}`, cpu, kind: 'interrupt', text: `interrupt taken: ${name}` };
    }
    const aut = handlerAutomaton(m, running - 1, cpu) as ThreadAutomaton;
    const a = aut.action(handlerNode(s[c + C_IRQS] as number));
    return {
      unit,
      choice,
      actor: aut.name,
      cpu,
      kind: 'handler',
      text: a.text,
      ...(a.site ? { site: a.site } : {}),
    };
  }
  const o = unit * TSZ;
  const a = m.nextAction(s, unit);
  const cpu = (s[o + T_FLAGS] as number) & F_CPU;
  const base: StepInfo = {
    unit,
    choice,
    actor: m.threadName(unit),
    cpu,
    kind: 'step',
    text: a.text,
    ...(a.site ? { site: a.site } : {}),
  };
  switch (a.kind) {
    case Kind.Read:
      if (
        ((after[o + T_FLAGS] as number) & F_EARLY) !== 0 &&
        nodeOf(after[o + T_FLAGS] as number) === nodeOf(s[o + T_FLAGS] as number)
      ) {
        // The thread stayed at its load and performed a store ahead of it (threads.ts, earlyStoreSteps).
        const early = earlyStoreOfChoice(m, s, unit, a, choice);
        return { ...base, text: `${early?.text ?? 'store'}, performed before ${a.text} (load buffering)` };
      }
      return withResult(m, base, unit, a, s, after);
    case Kind.Await:
      if (!a.rmw && m.mem.readChoices(s, m.base, unit, a.a) > choice) {
        const value = m.mem.readValue(s, m.base, unit, a.a, choice);
        // A failed iteration of the wait loop (threads.ts): it read the newest write and waits on.
        if (!(a.pred as (v: number) => boolean)(value))
          return { ...base, text: `${a.text}: condition false, still waiting`, result: m.formatValue(a.a, value) };
      }
      return withResult(m, base, unit, a, s, after);
    case Kind.Rmw:
      return withResult(m, base, unit, a, s, after);
    case Kind.Ipi:
      return { ...base, kind: 'ipi', target: a.a };
    case Kind.GuestEnter:
      return { ...base, kind: 'guest-enter' };
    case Kind.GuestExit:
      if (a.b !== GUEST_RUN) return { ...base, kind: 'guest-exit' };
      // An external-interrupt exit: an interrupt pending, or the scheduler tick because another
      // task waits for this CPU (threads.ts, GuestExit, the same test).
      return {
        ...base,
        kind: 'guest-exit',
        result:
          (m.irqs(s, cpu) & PENDING) !== 0 || m.cpuWanted(s, cpu, unit) ? 'external interrupt' : "the guest's own exit",
      };
    case Kind.Choose:
      return { ...base, result: String(choice) };
    case Kind.Migrate:
      return {
        ...base,
        kind: 'migrate',
        target: (after[o + T_FLAGS] as number) & F_CPU,
        result: `cpu${(after[o + T_FLAGS] as number) & F_CPU}`,
      };
    case Kind.StopMachineBegin:
    case Kind.CpuDown: {
      // Either the step itself, or the reschedule IPI that gets a CPU out of guest mode first.
      const kicked = kickedCpu(m, s, after);
      if (kicked >= 0) {
        return {
          ...base,
          kind: 'ipi',
          target: kicked,
          text: `${a.text}: wake the stopper on cpu${kicked}, which is in guest mode (reschedule IPI)`,
        };
      }
      return a.kind === Kind.CpuDown ? { ...base, kind: 'cpu-down', target: a.a } : { ...base, kind: 'stop-begin' };
    }
    case Kind.StopMachineEnd:
      return { ...base, kind: 'stop-end' };
    case Kind.CpuUp:
      // A failed bring-up changes nothing: an ordinary step, not a CPU coming online.
      return a.b === CPU_UP_FAILS ? base : { ...base, kind: 'cpu-up', target: a.a };
    default:
      return base;
  }
}

/** The CPU whose reschedule IPI a stop step sent (-1: it was the stop itself). */
export function kickedCpu(m: Machine, s: Int32Array, after: Int32Array): number {
  for (let c = 0; c < m.ncpus; c++) {
    const at = m.cpuBase + c * CSZ + C_IRQS;
    if (((after[at] as number) & ~(s[at] as number) & (1 << RESCHEDULE_VECTOR)) !== 0) return c;
  }
  return -1;
}

/** Adds the value a load or atomic returned, recovered from the node the thread moved to. */
export function withResult(
  m: Machine,
  base: StepInfo,
  unit: number,
  a: Action,
  s: Int32Array,
  after: Int32Array,
): StepInfo {
  const aut = m.threads[unit] as ThreadAutomaton;
  const o = unit * TSZ;
  const from = nodeOf(s[o + T_FLAGS] as number);
  const to = nodeOf(after[o + T_FLAGS] as number);
  const value =
    aut.resultLeadingTo(from, to) ??
    (((s[o + T_FLAGS] as number) & F_EARLY) !== 0 ? resultPastEarlyStores(aut, from, to) : undefined);
  return value === undefined ? base : { ...base, result: m.formatValue(a.a, value) };
}

/**
 * The result of the load at `from` for a thread with stores performed early (F_EARLY): a load
 * after which the thread reached such stores moved past them in the same step (threads.ts,
 * reachEarlyStores), so `to` lies beyond those writes (and read-side lock increments), which
 * resultLeadingTo does not follow. Without this the load that ends a load-buffering shape
 * showed no value in a trace.
 */
function resultPastEarlyStores(aut: ThreadAutomaton, from: number, to: number): number | undefined {
  for (const result of aut.childResults(from)) {
    const seen = new Set<number>();
    const stack = [aut.child(from, result)];
    while (stack.length > 0) {
      const n = stack.pop() as number;
      if (n === to) return result;
      if (seen.has(n)) continue;
      seen.add(n);
      const kind = aut.action(n).kind;
      if (kind === Kind.Return || kind === Kind.Fail) continue;
      if (kind >= FIRST_MERGED_KIND || kind === Kind.Write || kind === Kind.Rmw)
        for (const r of aut.childResults(n)) stack.push(aut.child(n, r));
    }
  }
  return undefined;
}

export function threadViews(m: Machine, s: Int32Array): (ThreadView & { readonly next: string })[] {
  return m.inst.threads.map((t, i) => {
    const o = i * TSZ;
    const a = m.nextAction(s, i);
    return {
      name: t.name,
      done: a.kind === Kind.Return,
      cpu: (s[o + T_FLAGS] as number) & F_CPU,
      irqsDisabled: ((s[o + T_FLAGS] as number) & F_IRQ) !== 0,
      inGuest: ((s[o + T_FLAGS] as number) & F_GUEST) !== 0,
      next: a.kind === Kind.Return ? 'done' : a.text,
    };
  });
}

/**
 * Per CPU: pending interrupts, the running handler, and (only when so) `offline`, or `stopped`
 * for a CPU that spins in stop_machine while another one runs its body.
 */
export function cpuViews(m: Machine, s: Int32Array): CpuView[] {
  const out: CpuView[] = [];
  const stopper = m.stopper(s);
  const stopperCpu = stopper < 0 ? -1 : (s[stopper * TSZ + T_FLAGS] as number) & F_CPU;
  for (let cpu = 0; cpu < m.ncpus; cpu++) {
    const bits = m.irqs(s, cpu) & PENDING;
    const pending: string[] = [];
    for (let v = 0; v < MAX_VECTORS; v++) {
      if (bits & (1 << v)) pending.push(m.inst.interrupts.find((x) => x.vector === v)?.name ?? `vector ${v}`);
    }
    const running = runningVector(m.irqs(s, cpu));
    const handler = running ? m.inst.interrupts.find((x) => x.vector === running - 1)?.name : undefined;
    const view: CpuView = handler ? { cpu, pending, handler } : { cpu, pending };
    if (!m.online(s, cpu)) out.push({ ...view, offline: true });
    else if (stopper >= 0 && cpu !== stopperCpu) out.push({ ...view, stopped: true });
    else out.push(view);
  }
  return out;
}

export class MachineStateView implements StateView {
  s: Int32Array = new Int32Array(0);
  final = false;
  readonly #index = new Map<string, number>();

  readonly machine: Machine;

  constructor(machine: Machine) {
    this.machine = machine;

    for (const [i, t] of machine.inst.threads.entries()) this.#index.set(t.name, i);
  }

  mem(x: Loc): number {
    return this.machine.mem.latest(this.s, this.machine.base, x.id);
  }

  ghost(g: Ghost): number {
    return this.machine.ghostAt(this.s, g.id);
  }

  get dataRace(): boolean {
    for (let i = 0; i < this.machine.nthreads; i++)
      if (((this.s[i * TSZ + T_FLAGS] as number) & F_RACE) !== 0) return true;
    return false;
  }

  thread(name: string): ThreadView {
    const i = this.#index.get(name);
    if (i === undefined) throw new ModelError(`property refers to unknown thread ${name}`);
    const o = i * TSZ;
    const s = this.s;
    return {
      name,
      done: this.machine.nextAction(s, i).kind === Kind.Return,
      cpu: (s[o + T_FLAGS] as number) & F_CPU,
      irqsDisabled: ((s[o + T_FLAGS] as number) & F_IRQ) !== 0,
      inGuest: ((s[o + T_FLAGS] as number) & F_GUEST) !== 0,
    };
  }

  ipiPending(cpu: number, vector?: number): boolean {
    return this.machine.ipiPending(this.s, cpu, vector);
  }

  cpuOnline(cpu: number): boolean {
    return this.machine.cpuOnline(this.s, cpu);
  }

  get inStopMachine(): boolean {
    return this.machine.stopper(this.s) >= 0;
  }
}
