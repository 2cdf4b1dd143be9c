/**
 * The machine: a model instance plus a memory model, as a transition system over packed
 * state vectors (layout.ts). It knows CPUs, threads and tasks, interrupts, guest mode and the
 * scheduler; the memory system (memory/*.ts) knows what reads, writes and barriers mean.
 *
 * This file holds the machine's state, which unit may step, and the questions the explorer
 * asks (successors, local steps, deadlock, failure). The steps themselves live beside it:
 * threads.ts (a thread's next action), interrupts.ts (delivery and handlers), hotplug.ts
 * (stop_machine, cpu_down, cpu_up); describe.ts turns states and steps into what traces and
 * properties see.
 *
 * Rules that make the model faithful to how a CPU runs kernel code:
 * - A thread runs on one CPU at a time. While it has interrupts or preemption disabled, or is
 *   in guest mode, no other thread runs on that CPU and it cannot migrate.
 * - An interrupt pending on a CPU with interrupts enabled is taken before that CPU's thread
 *   executes anything else; its handler runs to completion on that CPU, and the pending bit is
 *   cleared (the IPI acknowledged) when it returns.
 * - A CPU in guest mode leaves it (VM exit) only when an interrupt is pending on it.
 * - Sending an IPI, taking an interrupt and migrating are full barriers; under relaxed memory so
 *   is every context switch (a CPU going from one task to another, threads.ts contextSwitch).
 * - Under x86-TSO a store buffer belongs to the CPU, and a context switch drains it (the
 *   scheduler takes the runqueue lock, a LOCK-prefixed instruction): a thread runs only when
 *   the other threads on its CPU have nothing buffered (tasksSwitchOn; tso.ts says why that is
 *   one buffer per CPU).
 * - stop_machine (and cpu_down, which goes through it) starts only when every online CPU can be
 *   stopped, is a full barrier on every CPU when it starts and when it ends, and in between
 *   only the stopping thread runs: no other thread, no interrupt (see hotplug.ts).
 * - A thread on an offline CPU (only a pinned one can be there) does not run, like a parked
 *   per-CPU kthread; no interrupt is delivered to an offline CPU and sending one an IPI is a
 *   model error.
 *
 * Fairness units: each thread, each CPU's interrupt delivery, each internal memory step (TSO
 * store-buffer drain).
 *
 * Members without a doc comment of their own that the step modules use (holder, irqOff, copy,
 * settle, advance, irqs, hotplugWord, ...) are engine-internal: models and the explorer do not
 * call them.
 */
import { type Action, Fence, Kind, Order, type Site } from './actions.ts';
import { HistoryTable, ThreadAutomaton } from './automaton.ts';
import { type CpuView, cpuViews, describeStep, MachineStateView, type StepInfo, threadViews } from './describe.ts';
import { checkHotplugSetup, withHotplugCallbacks } from './hotplug.ts';
import { interruptSteps } from './interrupts.ts';
import {
  C_IRQS,
  CSZ,
  F_CPU,
  F_CUR,
  F_EARLY,
  F_IRQ,
  F_RESCHED,
  HOLDS,
  MAX_CPUS,
  MAX_NODES,
  MAX_VECTORS,
  ModelError,
  nodeOf,
  PENDING,
  runningVector,
  STOPPER_SHIFT,
  T_FLAGS,
  TSZ,
  withNode,
} from './layout.ts';
import { RelaxedMemory } from './memory/relaxed.ts';
import { ScMemory } from './memory/sc.ts';
import type { MemoryPicture, MemorySystem } from './memory/system.ts';
import { TsoMemory } from './memory/tso.ts';
import type { MemoryModelName, ModelInstance, ThreadView } from './model.ts';
import { IN_STOP_MACHINE } from './primitives.ts';
import { threadSteps } from './threads.ts';

export { type CpuView, MachineStateView, type StepInfo } from './describe.ts';
export { cpuOf, MAX_VECTORS, ModelError, nodeOf, withCpu, withNode } from './layout.ts';

export type Emit = (unit: number, choice: number, next: Int32Array, len: number) => void;

/**
 * A ghost left out of the states (Machine.unstored) was read: by a property, by a step's
 * ghost_read(), or by an instrumentable() check. The explorer starts again with it stored.
 */
export class GhostObserved extends Error {
  readonly ghost: number;
  constructor(ghost: number, name: string) {
    super(`ghost ${name} is read: the search starts again with it stored`);
    this.ghost = ghost;
  }
}

export interface UnitInfo {
  readonly kind: 'thread' | 'interrupt' | 'memory';
  readonly name: string;
  readonly cpu?: number;
}

export function memorySystem(name: MemoryModelName, inst: ModelInstance): MemorySystem {
  const inits = inst.locs.map((l) => l.init);
  if (name === 'sc') return new ScMemory(inits);
  if (name === 'tso') return new TsoMemory(inits, inst.threads.length, inst.storeBufferSize);
  // Handlers have views of their own, one set per CPU (relaxed.ts, handlerCpus), only in a model
  // that declares one: a model without them keeps the states it had.
  const handlerCpus = inst.interrupts.some((irq) => irq.handler !== undefined) ? inst.cpus : 0;
  return new RelaxedMemory(inits, inst.threads.length, inst.plainAccesses, false, handlerCpus);
}

export class Machine {
  readonly threads: readonly ThreadAutomaton[];
  readonly mem: MemorySystem;
  readonly nthreads: number;
  readonly ncpus: number;
  readonly base: number;
  readonly units: readonly UnitInfo[];
  handlerAuts = new Map<number, ThreadAutomaton>();
  /**
   * Set once a thread's next step is a plain C access (threads.ts, dataRace): until then no
   * marked access can race, so the check costs nothing in models without plain accesses.
   */
  plainAccesses = false;
  scratchBuffer = new Int32Array(1024);
  /** Per CPU, for the state being expanded: see scanCpus. */
  readonly holder: Int32Array;
  readonly irqOff: Uint8Array;
  /** Per CPU, for the state being expanded (TSO only): how many of its threads have stores buffered, and one of them. */
  readonly buffering: Int32Array;
  readonly bufferer: Int32Array;
  /** Per thread: another thread may be on a CPU this one may be on (see the constructor). */
  readonly sharesCpu: readonly boolean[];
  /** Per thread: it may leave the CPU it starts on (it names the CPUs it may move to, or a CPU may go down). */
  readonly movable: readonly boolean[];
  /** Where the ghosts and the per-CPU words (if any) start in a state. */
  readonly ghostBase: number;
  readonly cpuBase: number;
  /**
   * Whether states carry the per-CPU interrupt words and the hotplug word. A model that declares
   * no interrupts and has no thread that may stop the machine never changes them (an IPI must
   * use a declared vector), and every word a state carries costs on every transition.
   */
  readonly irqWords: boolean;
  readonly hotplugWords: boolean;
  /** The hotplug word of a model without one: its initial online mask, nobody stopping. */
  readonly hotplugConst: number;
  get hasCpuWords(): boolean {
    return this.irqWords;
  }
  readonly allowed: readonly (readonly number[])[];
  /** Index of the machine-global word (online mask, stopper). */
  readonly hotplugAt: number;
  /** Per thread: some *other* thread may stop the machine (see isLocalUnit). */
  readonly othersStop: readonly boolean[];

  readonly inst: ModelInstance;
  readonly memoryModel: MemoryModelName;
  /**
   * Per ghost, 1 when it is left out of the states: its updates are not applied (it keeps its
   * initial value) and reading it throws GhostObserved. The explorer sets it for ghosts that
   * nothing seems to read (explore.ts, unobservedGhosts); all 0 by default.
   */
  readonly unstored: Uint8Array;

  constructor(inst: ModelInstance, memoryModel: MemoryModelName) {
    this.inst = inst;
    this.memoryModel = memoryModel;

    this.nthreads = inst.threads.length;
    this.ncpus = inst.cpus;
    if (inst.cpus > MAX_CPUS) throw new ModelError(`at most ${MAX_CPUS} CPUs (this model has ${inst.cpus})`);
    for (const irq of inst.interrupts) {
      if (irq.vector < 0 || irq.vector >= MAX_VECTORS)
        throw new ModelError(`interrupt ${irq.name}: vector ${irq.vector} is not in 0..${MAX_VECTORS - 1}`);
    }
    // Threads a symmetry declares interchangeable number their histories alike (automaton.ts).
    const tables = new Map<string, HistoryTable>();
    for (const member of inst.symmetry?.members ?? []) {
      const first = inst.symmetry?.members[0] as { threads: readonly string[] };
      member.threads.forEach((name, k) => {
        const key = first.threads[k] ?? name;
        const table = tables.get(key) ?? new HistoryTable();
        tables.set(key, table);
        tables.set(name, table);
      });
    }
    const hotplug = inst.hotplug;
    this.threads = inst.threads.map(
      (t) =>
        new ThreadAutomaton(
          t.name,
          hotplug.length > 0 ? () => withHotplugCallbacks(t.body(), hotplug) : t.body,
          t.options.loop ?? false,
          tables.get(t.name),
        ),
    );
    this.mem = memorySystem(memoryModel, inst);
    this.unstored = new Uint8Array(inst.ghosts.length);
    this.holder = new Int32Array(this.ncpus);
    this.irqOff = new Uint8Array(this.ncpus);
    this.buffering = new Int32Array(this.ncpus);
    this.bufferer = new Int32Array(this.ncpus);
    this.cpuBase = this.nthreads * TSZ;
    const stops = inst.threads.some((t) => t.options.stopMachine === true);
    this.irqWords = inst.interrupts.length > 0 || stops;
    this.hotplugWords = stops;
    this.hotplugConst = inst.online.reduce((mask, c) => mask | (1 << c), 0);
    this.hotplugAt = this.cpuBase + (this.irqWords ? this.ncpus * CSZ : 0);
    this.ghostBase = this.hotplugAt + (stops ? 1 : 0);
    this.base = this.ghostBase + inst.ghosts.length;
    this.allowed = inst.threads.map((t) => t.options.cpus ?? Array.from({ length: inst.cpus }, (_, i) => i));
    this.othersStop = inst.threads.map((_, i) => inst.threads.some((t, j) => j !== i && t.options.stopMachine));
    // A thread starts on its own CPU and moves only by migrate(), which needs the CPUs it may
    // go to (ThreadOptions.cpus, threads.ts), or by cpu_down() taking its CPU away, to one it
    // is allowed on (hotplug.ts): these are all the CPUs it can be on.
    this.movable = inst.threads.map((t) => t.options.cpus !== undefined || stops);
    const may = inst.threads.map(
      (t, i) => new Set([t.options.cpu, ...(this.movable[i] ? (this.allowed[i] as readonly number[]) : [])]),
    );
    this.sharesCpu = may.map((cs, i) => may.some((other, j) => j !== i && [...cs].some((c) => other.has(c))));
    checkHotplugSetup(this);
    const units: UnitInfo[] = inst.threads.map((t) => ({ kind: 'thread', name: t.name }));
    for (let c = 0; c < this.ncpus; c++) units.push({ kind: 'interrupt', name: `irq@cpu${c}`, cpu: c });
    for (let k = 0; k < this.mem.internalUnits; k++) {
      units.push({ kind: 'memory', name: `store buffer of ${inst.threads[k]?.name ?? k}` });
    }
    this.units = units;
  }

  initial(): Int32Array {
    const out: number[] = [];
    for (const t of this.inst.threads) out.push(t.options.cpu);
    if (this.irqWords) for (let c = 0; c < this.ncpus; c++) out.push(0);
    if (this.hotplugWords) out.push(this.hotplugConst);
    for (const g of this.inst.ghosts) out.push(g.init);
    this.mem.init(out);
    const s = Int32Array.from(out);
    // Merged actions at the very start (a ghost update before the first step) run now.
    for (let i = 0; i < this.nthreads; i++) {
      const node = this.settle(s, this.threads[i] as ThreadAutomaton, 0, this.inst.threads[i]?.options.cpu ?? 0, false);
      s[i * TSZ + T_FLAGS] = withNode(s[i * TSZ + T_FLAGS] as number, node);
    }
    return s;
  }

  /** Generates every successor of `s`. Returns how many were emitted. */
  successors(s: Int32Array, len: number, emit: Emit): number {
    this.scanCpus(s);
    let n = 0;
    const total = this.units.length;
    for (let u = 0; u < total; u++) {
      // Without interrupt words no interrupt unit can ever step.
      if (u === this.nthreads && !this.irqWords) u += this.ncpus;
      if (u < total) n += this.#unitSuccessors(s, len, u, emit);
    }
    return n;
  }

  /** Generates the successors of `s` by unit `u`. Returns how many were emitted. */
  unitSuccessors(s: Int32Array, len: number, u: number, emit: Emit): number {
    this.scanCpus(s);
    return this.#unitSuccessors(s, len, u, emit);
  }

  /**
   * Notes, per CPU of the state about to be expanded, which thread holds it (interrupts or
   * preemption disabled, or in guest mode: nobody else may run there) and whether interrupts are
   * off there; one pass over the threads instead of one per thread and step.
   */
  scanCpus(s: Int32Array): void {
    const holder = this.holder;
    const irqOff = this.irqOff;
    holder.fill(-1);
    irqOff.fill(0);
    const tso = this.memoryModel === 'tso';
    if (tso) this.buffering.fill(0);
    for (let j = 0; j < this.nthreads; j++) {
      const f = s[j * TSZ + T_FLAGS] as number;
      const cpu = f & F_CPU;
      // A thread with stores performed early (F_EARLY, relaxed memory) is between the load and
      // the store in its program order: no context switch can come between them (it would be a
      // full barrier, threads.ts contextSwitch, and the store would not yet be performed), so no
      // other thread runs on its CPU until it has reached them.
      if ((f & HOLDS) !== 0 || ((f & F_EARLY) !== 0 && this.sharesCpu[j])) holder[cpu] = j;
      if ((f & F_IRQ) !== 0) irqOff[cpu] = 1;
      if (tso && this.sharesCpu[j] && !this.mem.quiescent(s, this.base, j)) {
        this.buffering[cpu] = (this.buffering[cpu] as number) + 1;
        this.bufferer[cpu] = j;
      }
    }
  }

  /**
   * Under x86-TSO, whether thread `i` must wait for the stores another thread on its CPU has
   * buffered to drain before it runs (as noted by scanCpus): that thread ran last there, and
   * switching from it to `i` takes the runqueue lock, whose LOCK-prefixed acquisition drains
   * the CPU's store buffer (kernel/sched/core.c, __schedule(): rq_lock(), then
   * smp_mb__after_spinlock(), a compiler barrier on x86 because the lock already is a full
   * one). So the next task on a CPU never misses a store its predecessor made there, as it
   * would not on the hardware, where it forwards from the CPU's one buffer. Always false under
   * SC and relaxed (the relaxed model makes each switch a full barrier instead: threads.ts,
   * contextSwitch).
   */
  tasksSwitchOn(s: Int32Array, i: number): boolean {
    if (this.memoryModel !== 'tso') return false;
    const cpu = (s[i * TSZ + T_FLAGS] as number) & F_CPU;
    const n = this.buffering[cpu] as number;
    return n > 1 || (n === 1 && this.bufferer[cpu] !== i);
  }

  #unitSuccessors(s: Int32Array, len: number, u: number, emit: Emit): number {
    if (u < this.nthreads) return threadSteps(this, s, len, u, emit);
    if (u < this.nthreads + this.ncpus) return interruptSteps(this, s, len, u - this.nthreads, emit);
    const k = u - this.nthreads - this.ncpus;
    if (!this.mem.internalEnabled(s, this.base, k)) return 0;
    const scr = this.copy(s, len);
    const ml = this.mem.internalStep(scr, this.base, k);
    emit(u, 0, scr, this.base + ml);
    return 1;
  }

  /** The action thread `i` executes next. */
  nextAction(s: Int32Array, i: number): Action {
    return (this.threads[i] as ThreadAutomaton).action(nodeOf(s[i * TSZ + T_FLAGS] as number));
  }

  /** A thread that can never move again and is not idle or done: a failed assertion. */
  failed(s: Int32Array): { thread: string; message: string; site?: Site } | undefined {
    for (let i = 0; i < this.nthreads; i++) {
      const a = this.nextAction(s, i);
      if (a.kind === Kind.Fail) {
        const name = this.inst.threads[i]?.name ?? String(i);
        return a.site ? { thread: name, message: a.text, site: a.site } : { thread: name, message: a.text };
      }
    }
    return undefined;
  }

  /** True when every thread has finished or is idle (blocked at an `end` action). */
  allIdle(s: Int32Array): boolean {
    for (let i = 0; i < this.nthreads; i++) {
      if (this.parked(s, i)) continue;
      const a = this.nextAction(s, i);
      if (a.kind !== Kind.Return && !a.end) return false;
    }
    for (let c = 0; c < this.ncpus; c++) if (runningVector(this.irqs(s, c)) !== 0) return false;
    return true;
  }

  /** Threads that are neither done nor idle, with what they wait for (for deadlock reports). */
  blocked(s: Int32Array): string[] {
    const out: string[] = [];
    const stopper = this.stopper(s);
    for (let i = 0; i < this.nthreads; i++) {
      if (this.parked(s, i)) continue;
      const a = this.nextAction(s, i);
      if (a.kind === Kind.Return || a.end) continue;
      const stopped = stopper >= 0 && stopper !== i ? ` (stopped by ${this.threadName(stopper)}'s stop_machine)` : '';
      out.push(`${this.inst.threads[i]?.name}: ${a.text}${stopped}`);
    }
    return out;
  }

  /** Is the transition of unit `u` in `s` local (independent of every other unit's, see explore.ts)? */
  isLocalUnit(s: Int32Array, u: number): boolean {
    if (u >= this.nthreads) return false;
    const a = this.nextAction(s, u);
    let local: boolean;
    switch (a.kind) {
      case Kind.Choose:
        local = true;
        break;
      case Kind.Fence:
        local = this.memoryModel !== 'relaxed' || a.b === Fence.Rmb || a.b === Fence.Wmb;
        break;
      case Kind.Write:
        // A TSO store only enters the thread's own buffer. But an interrupt is taken on a CPU
        // only when the buffers of the threads there are empty, so a buffered store can hold
        // back an interrupt that, in another interleaving, is taken before the store: the
        // store is independent of interrupt delivery only when none can come (the model has
        // no interrupts) or none can be taken before it (this thread has interrupts off).
        // Likewise a thread on the same CPU runs only once the buffer has drained (tasksSwitchOn):
        // the store is independent of it only when no other thread can be on this CPU, or none
        // can run there before the store (this thread holds the CPU: preemption or interrupts off).
        local =
          this.memoryModel === 'tso' &&
          (a.order === Order.Once || a.order === Order.AcqRel) &&
          (this.inst.interrupts.length === 0 || ((s[u * TSZ + T_FLAGS] as number) & F_IRQ) !== 0) &&
          (!this.sharesCpu[u] || ((s[u * TSZ + T_FLAGS] as number) & HOLDS) !== 0);
        break;
      default:
        local = false;
    }
    // Under relaxed memory a step of a thread that may share a CPU is a context switch when it did
    // not run last there (threads.ts, contextSwitch: barriers for it and the task switched out),
    // and is switched out by another thread's step there unless it holds the CPU: local only
    // while it ran last and holds its CPU (interrupts or preemption off, or in guest mode).
    if (local && this.memoryModel === 'relaxed' && this.sharesCpu[u]) {
      const f = s[u * TSZ + T_FLAGS] as number;
      local = (f & F_CUR) !== 0 && (f & HOLDS) !== 0;
    }
    return local && (!this.othersStop[u] || this.#independentOfStops(s, u, a));
  }

  /**
   * Whether local step `a` of thread `u` stays independent of another thread's stop_machine,
   * cpu_down and cpu_up. Those disable u's step for a while (u cannot run while the machine is
   * stopped, nor while parked on an offline CPU), which the reduction's argument allows: the step
   * only changes u's node, or u's store buffer, and the ample set puts it first; what the reduced
   * graph must still reach is every state the full graph reaches with u's step taken later, and
   * a Choose or a barrier of u commutes with all of them: their enabling conditions do not look
   * at u's node, and their effects (the barrier on every CPU, moving u to another CPU, the
   * online mask) leave u's choice alone; u's Rmb or Wmb commutes with the barrier on every CPU
   * (both end with u's views joined with everything). Two things do not commute:
   * - a TSO store: starting to stop needs every store buffer empty, so a store into u's buffer
   *   would force it into memory before the other thread's stop_machine body, where the full
   *   graph also has it after: never local when another thread may stop the machine;
   * - a step followed by merged smp_processor_id() or cpu_online(): cpu_down may move u, and
   *   cpu_down/cpu_up change the online mask, so the node u settles on depends on the order.
   * (Not about stopping, and not handled here: a TSO store is not independent of an IPI to u's
   * CPU either, since taking the interrupt needs u's buffer empty.)
   */
  #independentOfStops(s: Int32Array, u: number, a: Action): boolean {
    if (a.kind === Kind.Write) return false;
    const aut = this.threads[u] as ThreadAutomaton;
    const node = nodeOf(s[u * TSZ + T_FLAGS] as number);
    const results = a.kind === Kind.Choose ? a.a : 1;
    for (let r = 0; r < results; r++) {
      let next = aut.child(node, r);
      for (;;) {
        const b = aut.action(next);
        if (b.kind === Kind.ThisCpu || b.kind === Kind.CpuOnline || b.kind === Kind.Instrumentable) return false;
        if (b.kind === Kind.Ghost) next = aut.child(next, 0);
        else if (b.kind === Kind.IrqsDisabled)
          next = aut.child(next, ((s[u * TSZ + T_FLAGS] as number) & F_IRQ) !== 0 ? 1 : 0);
        else if (b.kind === Kind.NeedResched)
          next = aut.child(next, ((s[u * TSZ + T_FLAGS] as number) & F_RESCHED) !== 0 ? 1 : 0);
        else if (b.kind === Kind.GhostRead) next = aut.child(next, this.ghostAt(s, b.a));
        else break;
      }
    }
    return true;
  }

  ghostsEqual(a: Int32Array, b: Int32Array): boolean {
    for (let i = this.ghostBase; i < this.base; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /**
   * Where successors are built: the machine's own scratch array, or one the caller supplies
   * (the explorer builds them straight into its batch). It must hold `len` words plus slack,
   * and may be reused after each emit.
   */
  scratch: ((len: number) => Int32Array) | undefined;

  copy(s: Int32Array, len: number): Int32Array {
    let scr: Int32Array;
    if (this.scratch !== undefined) scr = this.scratch(len);
    else {
      if (this.scratchBuffer.length < len + 4096) this.scratchBuffer = new Int32Array((len + 4096) * 2);
      scr = this.scratchBuffer;
    }
    if (s.length === len) scr.set(s);
    // A plain loop: subarray() would allocate a view on every successor.
    else for (let i = 0; i < len; i++) scr[i] = s[i] as number;
    return scr;
  }

  /**
   * Whether a thread other than `i` is on `cpu` and not finished: a task on that CPU's runqueue,
   * so that the scheduler tick preempts whoever holds the CPU (threads.ts, GuestExit). A task
   * asleep in a wait counts too: the model does not know when it is woken, and counting it only
   * allows a tick exit and a preemption that the kernel may also make; it keeps the answer
   * independent of the other thread's local steps, which partial-order reduction relies on.
   */
  cpuWanted(s: Int32Array, cpu: number, i: number): boolean {
    for (let j = 0; j < this.nthreads; j++) {
      if (j === i || ((s[j * TSZ + T_FLAGS] as number) & F_CPU) !== cpu) continue;
      const k = this.nextAction(s, j).kind;
      if (k !== Kind.Return && k !== Kind.Fail) return true;
    }
    return false;
  }

  /** Interrupts are off on `cpu` (as noted by scanCpus for the state being expanded). */
  irqsOff(cpu: number): boolean {
    return this.irqOff[cpu] === 1;
  }

  canRun(s: Int32Array, i: number): boolean {
    const cpu = (s[i * TSZ + T_FLAGS] as number) & F_CPU;
    const g = this.hotplugWord(s);
    // Stopped by another thread, or parked on an offline CPU.
    const stopper = g >>> STOPPER_SHIFT;
    if ((stopper !== 0 && stopper !== i + 1) || ((g >>> cpu) & 1) === 0) return false;
    const irqs = this.irqs(s, cpu);
    if (runningVector(irqs) !== 0) return false;
    if ((irqs & PENDING) !== 0 && !this.irqsOff(cpu)) return false;
    const holder = this.holder[cpu] as number;
    return holder < 0 || holder === i;
  }

  /** Runs merged actions (ghosts, smp_processor_id) starting at `node`; returns the settled node. */
  settle(s: Int32Array, aut: ThreadAutomaton, node: number, cpu: number, irqsOff = true, resched = false): number {
    let next = node;
    for (;;) {
      const a = aut.action(next);
      if (a.kind === Kind.Ghost) {
        if (this.unstored[a.a] === 0) s[this.ghostBase + a.a] = a.b;
        next = aut.child(next, 0);
      } else if (a.kind === Kind.GhostRead) {
        next = aut.child(next, this.ghostAt(s, a.a));
      } else if (a.kind === Kind.ThisCpu) {
        next = aut.child(next, cpu);
      } else if (a.kind === Kind.CpuOnline) {
        const g = this.hotplugWord(s);
        let bit = 0;
        // in_stop_machine(): the thread settling is the stopper (nothing else runs then).
        if (a.a === IN_STOP_MACHINE) bit = g >>> STOPPER_SHIFT !== 0 ? 1 : 0;
        else if (a.a >= 0 && a.a < this.ncpus) bit = (g >>> a.a) & 1;
        next = aut.child(next, bit);
      } else if (a.kind === Kind.IrqsDisabled) {
        next = aut.child(next, irqsOff ? 1 : 0);
      } else if (a.kind === Kind.NeedResched) {
        next = aut.child(next, resched ? 1 : 0);
      } else if (a.kind === Kind.Instrumentable) {
        // Instrumentable code inside this CPU's noinstr region: record it (noinstr.ts).
        if (this.ghostAt(s, a.a + cpu) !== 0) {
          if (this.unstored[a.b] !== 0) this.#observed(a.b);
          s[this.ghostBase + a.b] = 1;
        }
        next = aut.child(next, 0);
      } else {
        return next;
      }
    }
  }

  /** Moves thread `i` past its current action with `result`; returns the new length. */
  advance(scr: Int32Array, i: number, result: number, len: number): number {
    const aut = this.threads[i] as ThreadAutomaton;
    const o = i * TSZ;
    const word = scr[o + T_FLAGS] as number;
    const next = this.settle(
      scr,
      aut,
      aut.child(nodeOf(word), result),
      word & F_CPU,
      (word & F_IRQ) !== 0,
      (word & F_RESCHED) !== 0,
    );
    if (next >= MAX_NODES) throw new ModelError(`${this.threadName(i)}: more than ${MAX_NODES} distinct histories`);
    scr[o + T_FLAGS] = withNode(word, next);
    if (aut.action(next).kind === Kind.Return) {
      if ((word & F_CUR) !== 0) {
        // The task ends: the CPU switches away from it through __schedule() (do_exit() →
        // do_task_dead()), a full barrier, so the next task there sees what it did and saw
        // (threads.ts, contextSwitch), though its views are gone (threadDone).
        this.mem.fence(scr, this.base, i, Fence.Mb);
        scr[o + T_FLAGS] = withNode(word & ~F_CUR, next);
      }
      return this.base + this.mem.threadDone(scr, this.base, i);
    }
    return len;
  }

  /** CPU `cpu`'s interrupt word in `s` (0 in a model without interrupts). */
  irqs(s: Int32Array, cpu: number): number {
    return this.irqWords ? (s[this.cpuBase + cpu * CSZ + C_IRQS] as number) : 0;
  }

  /** The hotplug word of `s`: the online mask and the stopping thread + 1. */
  hotplugWord(s: Int32Array): number {
    return this.hotplugWords ? (s[this.hotplugAt] as number) : this.hotplugConst;
  }

  /** CPU `cpu` is online in `s`. */
  online(s: Int32Array, cpu: number): boolean {
    return ((this.hotplugWord(s) >>> cpu) & 1) === 1;
  }

  /** Thread `i` sits on an offline CPU (only a pinned thread can): it is parked, not blocked. */
  parked(s: Int32Array, i: number): boolean {
    return !this.online(s, (s[i * TSZ + T_FLAGS] as number) & F_CPU);
  }

  threadName(i: number): string {
    return this.inst.threads[i]?.name ?? `thread ${i}`;
  }

  // ---- Views for properties and traces ---------------------------------------------------------

  /** Describes the transition (unit, choice) from `s`, which must be enabled. */
  describeStep(s: Int32Array, unit: number, choice: number, after: Int32Array): StepInfo {
    return describeStep(this, s, unit, choice, after);
  }

  threadViews(s: Int32Array): (ThreadView & { readonly next: string })[] {
    return threadViews(this, s);
  }

  /**
   * Per CPU: pending interrupts, the running handler, and (only when so) `offline`, or `stopped`
   * for a CPU that spins in stop_machine while another one runs its body.
   */
  cpuViews(s: Int32Array): CpuView[] {
    return cpuViews(this, s);
  }

  formatValue(loc: number, value: number): string {
    const spec = this.inst.locs[loc];
    return spec?.format ? spec.format(value) : String(value);
  }

  /** The thread that has stopped the machine (inside its stop_machine body), or -1. */
  stopper(s: Int32Array): number {
    return (this.hotplugWord(s) >>> STOPPER_SHIFT) - 1;
  }

  cpuOnline(s: Int32Array, cpu: number): boolean {
    return cpu >= 0 && cpu < this.ncpus && this.online(s, cpu);
  }

  memoryPicture(s: Int32Array): MemoryPicture {
    return this.mem.describe(
      s,
      this.base,
      (loc, v) => this.formatValue(loc, v),
      (loc) => this.inst.locs[loc]?.name ?? `#${loc}`,
    );
  }

  ghostValues(s: Int32Array): { name: string; value: number }[] {
    return this.inst.ghosts.map((g, i) => ({ name: g.name, value: s[this.ghostBase + i] as number }));
  }

  /** A reusable StateView over a state vector (properties are evaluated millions of times). */
  view(): MachineStateView {
    return new MachineStateView(this);
  }

  ipiPending(s: Int32Array, cpu: number, vector?: number): boolean {
    const bits = this.irqs(s, cpu) & PENDING;
    return vector === undefined ? bits !== 0 : (bits & (1 << vector)) !== 0;
  }

  /** Ghost `id` in `s`; GhostObserved if it is not stored (see unstored). */
  ghostAt(s: Int32Array, id: number): number {
    if (this.unstored[id] !== 0) this.#observed(id);
    return s[this.ghostBase + id] as number;
  }

  #observed(id: number): never {
    throw new GhostObserved(id, this.inst.ghosts[id]?.name ?? String(id));
  }
}
