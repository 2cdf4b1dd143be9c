/**
 * The machine: a model instance plus a memory model, as a transition system over packed
 * state vectors. It knows CPUs, threads and tasks, interrupts, guest mode and the scheduler;
 * the memory system (memory/*.ts) knows what reads, writes and barriers mean.
 *
 * State vector layout: one word per thread (its automaton node, CPU, interrupts off, in guest,
 * early store, preemption count); one word per CPU (pending-interrupt bits, running handler and
 * its node); the machine-global words (one: the online mask and the thread that has stopped the
 * machine, see G_ONLINE); the ghosts; then the memory section. Every word a state carries is
 * copied, hashed and compared on every transition, so fields share words.
 *
 * Rules that make the model faithful to how a CPU runs kernel code:
 * - A thread runs on one CPU at a time. While it has interrupts or preemption disabled, or is
 *   in guest mode, no other thread runs on that CPU and it cannot migrate.
 * - An interrupt pending on a CPU with interrupts enabled is taken before that CPU's thread
 *   executes anything else; its handler runs to completion on that CPU, and the pending bit is
 *   cleared (the IPI acknowledged) when it returns.
 * - A CPU in guest mode leaves it (VM exit) only when an interrupt is pending on it.
 * - Sending an IPI, taking an interrupt and migrating are full barriers.
 * - stop_machine (and cpu_down, which goes through it) starts only when every online CPU can be
 *   stopped, is a full barrier on every CPU when it starts and when it ends, and in between
 *   only the stopping thread runs: no other thread, no interrupt (see "stop_machine" below).
 * - A thread on an offline CPU (only a pinned one can be there) does not run, like a parked
 *   per-CPU kthread; no interrupt is delivered to an offline CPU and sending one an IPI is a
 *   model error.
 *
 * Fairness units: each thread, each CPU's interrupt delivery, each internal memory step (TSO
 * store-buffer drain).
 */
import { type Action, Fence, Kind, type Op, Order, type Site } from './actions.ts';
import { HistoryTable, ThreadAutomaton } from './automaton.ts';
import { RelaxedMemory } from './memory/relaxed.ts';
import { ScMemory } from './memory/sc.ts';
import type { MemoryPicture, MemorySystem } from './memory/system.ts';
import { INVALID } from './memory/system.ts';
import { TsoMemory } from './memory/tso.ts';
import type { HotplugSpec, MemoryModelName, ModelInstance, StateView, ThreadView } from './model.ts';
import { ENXIO, type Ghost, type Loc, RESCHEDULE_VECTOR } from './primitives.ts';

/**
 * Per thread one word: the flags in the low NODE_SHIFT bits, the automaton node above them.
 * "Flags" below means the whole word: every flag test masks, and flag updates leave the node be.
 */
const TSZ = 1;
const T_FLAGS = 0;
/** The CPU in the low bits, then one bit each, then the preemption count. */
const F_CPU = 0x3f;
const MAX_CPUS = F_CPU + 1;
const F_IRQ = 1 << 6;
const F_GUEST = 1 << 7;
/** Relaxed memory only: the thread has already performed the store that follows its next load. */
const F_EARLY = 1 << 8;
const PREEMPT_SHIFT = 9;
const PREEMPT_ONE = 1 << PREEMPT_SHIFT;
const PREEMPT_MAX = 15;
const NODE_SHIFT = 13;
const FLAGS = (1 << NODE_SHIFT) - 1;
/** Distinct histories (automaton nodes) one thread may have. */
const MAX_NODES = 2 ** (32 - NODE_SHIFT);
const HOLDS = F_IRQ | F_GUEST | (PREEMPT_MAX << PREEMPT_SHIFT);
/** A thread word's automaton node, and the word with another node (for symmetry.ts too). */
export const nodeOf = (word: number): number => word >>> NODE_SHIFT;
export const withNode = (word: number, node: number): number => (node << NODE_SHIFT) | (word & FLAGS);
/** A thread word's CPU, and the word with another CPU. */
export const cpuOf = (word: number): number => word & F_CPU;
export const withCpu = (word: number, cpu: number): number => (word & ~F_CPU) | cpu;
/**
 * Per CPU one word: pending interrupt vectors (one bit each), the running handler's vector + 1
 * (0: none) and that handler's automaton node.
 */
const CSZ = 1;
const C_IRQS = 0;
export const MAX_VECTORS = 8;
const PENDING = (1 << MAX_VECTORS) - 1;
const HVEC_SHIFT = MAX_VECTORS;
const HVEC = 0xf << HVEC_SHIFT;
const HNODE_SHIFT = HVEC_SHIFT + 4;
const MAX_HANDLER_NODES = 2 ** (32 - HNODE_SHIFT);
const runningVector = (irqs: number): number => (irqs & HVEC) >>> HVEC_SHIFT;
const handlerNode = (irqs: number): number => irqs >>> HNODE_SHIFT;
/**
 * The machine-global word, right after the per-CPU words: the online mask (bit c: CPU c is
 * online) in the low 16 bits, and the thread that has stopped the machine (stop_machine) + 1 in
 * the high 16 bits (0: the machine runs).
 */
const G_ONLINE = 0xffff;
const MAX_HOTPLUG_CPUS = 16;
const STOPPER_SHIFT = 16;
/** #stopState: the machine can stop now, or must wait. (A value >= 0 is a CPU to kick first.) */
const STOP_READY = -1;
const STOP_WAIT = -2;

/** Raised for a model that uses the machine wrongly (a bug in the model, not a verdict). */
export class ModelError extends Error {}

const sameStore = (x: Action, y: Action): boolean =>
  x.kind === Kind.Write && y.kind === Kind.Write && x.a === y.a && x.b === y.b && x.order === y.order;

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

export type Emit = (unit: number, choice: number, next: Int32Array, len: number) => void;

/**
 * The thread body with the registered hotplug states' callbacks spliced around its cpu_down()
 * and cpu_up() steps: teardowns (last registered first) before take_cpu_down, startups (first
 * registered first) after bringup, run by the calling thread with the CPU passed in. In the
 * kernel, cpuhp_invoke_callback() runs an AP state's callback on the CPU going down or coming
 * up, in its cpuhp/N thread (cpuhp_thread_fun), while the caller waits for it
 * (cpuhp_kick_ap_work, wait_for_ap_thread); here the caller runs it, so its steps run on the
 * caller's CPU and a callback must use its `cpu` argument, not smp_processor_id().
 */
function* withHotplugCallbacks(body: Op<unknown>, states: readonly HotplugSpec[]): Op<unknown> {
  let next = body.next();
  while (!next.done) {
    const a = next.value;
    let result: number;
    if (a.kind === Kind.CpuDown) {
      for (let k = states.length - 1; k >= 0; k--) {
        const teardown = (states[k] as HotplugSpec).teardown;
        if (teardown) yield* teardown(a.a);
      }
      result = yield a;
    } else if (a.kind === Kind.CpuUp) {
      result = yield a;
      for (const st of states) if (st.startup) yield* st.startup(a.a);
    } else {
      result = yield a;
    }
    next = body.next(result);
  }
  return next.value;
}

export interface UnitInfo {
  readonly kind: 'thread' | 'interrupt' | 'memory';
  readonly name: string;
  readonly cpu?: number;
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

export function memorySystem(name: MemoryModelName, inst: ModelInstance): MemorySystem {
  const inits = inst.locs.map((l) => l.init);
  if (name === 'sc') return new ScMemory(inits);
  if (name === 'tso') return new TsoMemory(inits, inst.threads.length, inst.storeBufferSize);
  return new RelaxedMemory(inits, inst.threads.length);
}

export class Machine {
  readonly threads: readonly ThreadAutomaton[];
  readonly mem: MemorySystem;
  readonly nthreads: number;
  readonly ncpus: number;
  readonly base: number;
  readonly units: readonly UnitInfo[];
  #handlerAuts = new Map<number, ThreadAutomaton>();
  #scratch = new Int32Array(1024);
  /** Per CPU, for the state being expanded: see #scanCpus. */
  readonly #holder: Int32Array;
  readonly #irqOff: Uint8Array;
  readonly #ghostBase: number;
  readonly #cpuBase: number;
  /**
   * Whether states carry the per-CPU interrupt words and the hotplug word. A model that declares
   * no interrupts and has no thread that may stop the machine never changes them (an IPI must
   * use a declared vector), and every word a state carries costs on every transition.
   */
  readonly #irqWords: boolean;
  readonly #hotplugWords: boolean;
  /** The hotplug word of a model without one: its initial online mask, nobody stopping. */
  readonly #hotplugConst: number;
  /** Where the per-CPU words (if any) and the ghosts start in a state. */
  get cpuBase(): number {
    return this.#cpuBase;
  }
  get hasCpuWords(): boolean {
    return this.#irqWords;
  }
  get ghostBase(): number {
    return this.#ghostBase;
  }
  readonly #allowed: readonly (readonly number[])[];
  /** Index of the machine-global word (online mask, stopper). */
  readonly #hotplugAt: number;
  /** Per thread: some *other* thread may stop the machine (see isLocalUnit). */
  readonly #othersStop: readonly boolean[];

  readonly inst: ModelInstance;
  readonly memoryModel: MemoryModelName;

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
    this.#holder = new Int32Array(this.ncpus);
    this.#irqOff = new Uint8Array(this.ncpus);
    this.#cpuBase = this.nthreads * TSZ;
    const stops = inst.threads.some((t) => t.options.stopMachine === true);
    this.#irqWords = inst.interrupts.length > 0 || stops;
    this.#hotplugWords = stops;
    this.#hotplugConst = inst.online.reduce((mask, c) => mask | (1 << c), 0);
    this.#hotplugAt = this.#cpuBase + (this.#irqWords ? this.ncpus * CSZ : 0);
    this.#ghostBase = this.#hotplugAt + (stops ? 1 : 0);
    this.base = this.#ghostBase + inst.ghosts.length;
    this.#allowed = inst.threads.map((t) => t.options.cpus ?? Array.from({ length: inst.cpus }, (_, i) => i));
    this.#othersStop = inst.threads.map((_, i) => inst.threads.some((t, j) => j !== i && t.options.stopMachine));
    this.#checkHotplugSetup();
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
    if (this.#irqWords) for (let c = 0; c < this.ncpus; c++) out.push(0);
    if (this.#hotplugWords) out.push(this.#hotplugConst);
    for (const g of this.inst.ghosts) out.push(g.init);
    this.mem.init(out);
    const s = Int32Array.from(out);
    // Merged actions at the very start (a ghost update before the first step) run now.
    for (let i = 0; i < this.nthreads; i++) {
      const node = this.#settle(s, this.threads[i] as ThreadAutomaton, 0, this.inst.threads[i]?.options.cpu ?? 0);
      s[i * TSZ + T_FLAGS] = withNode(s[i * TSZ + T_FLAGS] as number, node);
    }
    return s;
  }

  /** Generates every successor of `s`. Returns how many were emitted. */
  successors(s: Int32Array, len: number, emit: Emit): number {
    this.#scanCpus(s);
    let n = 0;
    const total = this.units.length;
    for (let u = 0; u < total; u++) {
      // Without interrupt words no interrupt unit can ever step.
      if (u === this.nthreads && !this.#irqWords) u += this.ncpus;
      if (u < total) n += this.#unitSuccessors(s, len, u, emit);
    }
    return n;
  }

  /** Generates the successors of `s` by unit `u`. Returns how many were emitted. */
  unitSuccessors(s: Int32Array, len: number, u: number, emit: Emit): number {
    this.#scanCpus(s);
    return this.#unitSuccessors(s, len, u, emit);
  }

  /**
   * Notes, per CPU of the state about to be expanded, which thread holds it (interrupts or
   * preemption disabled, or in guest mode: nobody else may run there) and whether interrupts are
   * off there; one pass over the threads instead of one per thread and step.
   */
  #scanCpus(s: Int32Array): void {
    const holder = this.#holder;
    const irqOff = this.#irqOff;
    holder.fill(-1);
    irqOff.fill(0);
    for (let j = 0; j < this.nthreads; j++) {
      const f = s[j * TSZ + T_FLAGS] as number;
      const cpu = f & F_CPU;
      if ((f & HOLDS) !== 0) holder[cpu] = j;
      if ((f & F_IRQ) !== 0) irqOff[cpu] = 1;
    }
  }

  #unitSuccessors(s: Int32Array, len: number, u: number, emit: Emit): number {
    if (u < this.nthreads) return this.#threadSteps(s, len, u, emit);
    if (u < this.nthreads + this.ncpus) return this.#interruptSteps(s, len, u - this.nthreads, emit);
    const k = u - this.nthreads - this.ncpus;
    if (!this.mem.internalEnabled(s, this.base, k)) return 0;
    const scr = this.#copy(s, len);
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
      if (this.#parked(s, i)) continue;
      const a = this.nextAction(s, i);
      if (a.kind !== Kind.Return && !a.end) return false;
    }
    for (let c = 0; c < this.ncpus; c++) if (runningVector(this.#irqs(s, c)) !== 0) return false;
    return true;
  }

  /** Threads that are neither done nor idle, with what they wait for (for deadlock reports). */
  blocked(s: Int32Array): string[] {
    const out: string[] = [];
    const stopper = this.stopper(s);
    for (let i = 0; i < this.nthreads; i++) {
      if (this.#parked(s, i)) continue;
      const a = this.nextAction(s, i);
      if (a.kind === Kind.Return || a.end) continue;
      const stopped = stopper >= 0 && stopper !== i ? ` (stopped by ${this.#name(stopper)}'s stop_machine)` : '';
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
        local =
          this.memoryModel === 'tso' &&
          (a.order === Order.Once || a.order === Order.AcqRel) &&
          (this.inst.interrupts.length === 0 || ((s[u * TSZ + T_FLAGS] as number) & F_IRQ) !== 0);
        break;
      default:
        local = false;
    }
    return local && (!this.#othersStop[u] || this.#independentOfStops(s, u, a));
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
        if (b.kind === Kind.ThisCpu || b.kind === Kind.CpuOnline) return false;
        if (b.kind === Kind.Ghost) next = aut.child(next, 0);
        else if (b.kind === Kind.GhostRead) next = aut.child(next, s[this.#ghostBase + b.a] as number);
        else break;
      }
    }
    return true;
  }

  ghostsEqual(a: Int32Array, b: Int32Array): boolean {
    for (let i = this.#ghostBase; i < this.base; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /**
   * Where successors are built: the machine's own scratch array, or one the caller supplies
   * (the explorer builds them straight into its batch). It must hold `len` words plus slack,
   * and may be reused after each emit.
   */
  scratch: ((len: number) => Int32Array) | undefined;

  #copy(s: Int32Array, len: number): Int32Array {
    let scr: Int32Array;
    if (this.scratch !== undefined) scr = this.scratch(len);
    else {
      if (this.#scratch.length < len + 4096) this.#scratch = new Int32Array((len + 4096) * 2);
      scr = this.#scratch;
    }
    if (s.length === len) scr.set(s);
    // A plain loop: subarray() would allocate a view on every successor.
    else for (let i = 0; i < len; i++) scr[i] = s[i] as number;
    return scr;
  }

  /** Interrupts are off on `cpu` (as noted by #scanCpus for the state being expanded). */
  #irqsOff(cpu: number): boolean {
    return this.#irqOff[cpu] === 1;
  }

  #canRun(s: Int32Array, i: number): boolean {
    const cpu = (s[i * TSZ + T_FLAGS] as number) & F_CPU;
    const g = this.#hotplug(s);
    // Stopped by another thread, or parked on an offline CPU.
    const stopper = g >>> STOPPER_SHIFT;
    if ((stopper !== 0 && stopper !== i + 1) || ((g >>> cpu) & 1) === 0) return false;
    const irqs = this.#irqs(s, cpu);
    if (runningVector(irqs) !== 0) return false;
    if ((irqs & PENDING) !== 0 && !this.#irqsOff(cpu)) return false;
    const holder = this.#holder[cpu] as number;
    return holder < 0 || holder === i;
  }

  /** Runs merged actions (ghosts, smp_processor_id) starting at `node`; returns the settled node. */
  #settle(s: Int32Array, aut: ThreadAutomaton, node: number, cpu: number): number {
    let next = node;
    for (;;) {
      const a = aut.action(next);
      if (a.kind === Kind.Ghost) {
        s[this.#ghostBase + a.a] = a.b;
        next = aut.child(next, 0);
      } else if (a.kind === Kind.GhostRead) {
        next = aut.child(next, s[this.#ghostBase + a.a] as number);
      } else if (a.kind === Kind.ThisCpu) {
        next = aut.child(next, cpu);
      } else if (a.kind === Kind.CpuOnline) {
        next = aut.child(next, a.a >= 0 && a.a < this.ncpus ? (this.#hotplug(s) >>> a.a) & 1 : 0);
      } else {
        return next;
      }
    }
  }

  /** Moves thread `i` past its current action with `result`; returns the new length. */
  #advance(scr: Int32Array, i: number, result: number, len: number): number {
    const aut = this.threads[i] as ThreadAutomaton;
    const o = i * TSZ;
    const word = scr[o + T_FLAGS] as number;
    const next = this.#settle(scr, aut, aut.child(nodeOf(word), result), word & F_CPU);
    if (next >= MAX_NODES) throw new ModelError(`${this.#name(i)}: more than ${MAX_NODES} distinct histories`);
    scr[o + T_FLAGS] = withNode(word, next);
    if (aut.action(next).kind === Kind.Return) return this.base + this.mem.threadDone(scr, this.base, i);
    return len;
  }

  #threadSteps(s: Int32Array, len: number, i: number, emit: Emit): number {
    const o = i * TSZ;
    const a = this.nextAction(s, i);
    if (a.kind === Kind.Return || a.kind === Kind.Fail) return 0;
    if (!this.#canRun(s, i)) return 0;
    const mem = this.mem;
    const base = this.base;
    const cpu = (s[o + T_FLAGS] as number) & F_CPU;
    switch (a.kind) {
      case Kind.Read: {
        const n = mem.readChoices(s, base, i, a.a);
        const aut = this.threads[i] as ThreadAutomaton;
        const node = nodeOf(s[o + T_FLAGS] as number);
        if (((s[o + T_FLAGS] as number) & F_EARLY) !== 0) {
          // The store after this load was already performed: only values that lead to that
          // same store may be read (the early store must be the one the thread would make).
          const early = this.#earlyStore(s, i, a);
          let emitted = 0;
          for (let c = 0; c < n; c++) {
            const v = mem.readValue(s, base, i, a.a, c);
            const w = aut.action(aut.child(node, v));
            if (early === undefined || !sameStore(w, early)) continue;
            const scr = this.#copy(s, len);
            mem.read(scr, base, i, a.a, a.order, c);
            scr[o + T_FLAGS] = (scr[o + T_FLAGS] as number) & ~F_EARLY;
            const l1 = this.#advance(scr, i, v, base + mem.length(scr, base));
            emit(i, c, scr, this.#advance(scr, i, 0, l1));
            emitted++;
          }
          return emitted;
        }
        for (let c = 0; c < n; c++) {
          const scr = this.#copy(s, len);
          const v = mem.read(scr, base, i, a.a, a.order, c);
          emit(i, c, scr, this.#advance(scr, i, v, base + mem.length(scr, base)));
        }
        // Load buffering: under relaxed memory a store that does not depend on a plain load's
        // value (the same store whatever it returns, to another location, with no barrier in
        // between) may be performed before the load, as ARMv8 and LKMM allow (LB+poonceonces).
        const early = this.#earlyStore(s, i, a);
        if (early === undefined) return n;
        const m = mem.writeChoices(s, base, i, early.a, early.order);
        for (let k = 0; k < m; k++) {
          const scr = this.#copy(s, len);
          const ml = mem.write(scr, base, i, early.a, early.b, early.order, k);
          scr[o + T_FLAGS] = (scr[o + T_FLAGS] as number) | F_EARLY;
          emit(i, n + k, scr, base + ml);
        }
        return n + m;
      }
      case Kind.Await: {
        const n = mem.readChoices(s, base, i, a.a);
        let emitted = 0;
        for (let c = 0; c < n; c++) {
          if (!(a.pred as (v: number) => boolean)(mem.readValue(s, base, i, a.a, c))) continue;
          const scr = this.#copy(s, len);
          const v = mem.read(scr, base, i, a.a, a.order, c);
          emit(i, c, scr, this.#advance(scr, i, v, base + mem.length(scr, base)));
          emitted++;
        }
        return emitted;
      }
      case Kind.Write: {
        const n = mem.writeChoices(s, base, i, a.a, a.order);
        for (let c = 0; c < n; c++) {
          const scr = this.#copy(s, len);
          const ml = mem.write(scr, base, i, a.a, a.b, a.order, c);
          emit(i, c, scr, this.#advance(scr, i, 0, base + ml));
        }
        return n;
      }
      case Kind.Rmw: {
        const n = mem.rmwChoices(s, base, i, a.a, a.order);
        let emitted = 0;
        for (let c = 0; c < n; c++) {
          const scr = this.#copy(s, len);
          const old = mem.rmw(scr, base, i, a.a, a.rmw as (v: number) => number, a.order, c);
          if (old === INVALID) continue;
          emit(i, c, scr, this.#advance(scr, i, old, base + mem.length(scr, base)));
          emitted++;
        }
        return emitted;
      }
      case Kind.Fence: {
        if (!mem.fenceEnabled(s, base, i, a.b as Fence)) return 0;
        const scr = this.#copy(s, len);
        mem.fence(scr, base, i, a.b as Fence);
        emit(i, 0, scr, this.#advance(scr, i, 0, base + mem.length(scr, base)));
        return 1;
      }
      case Kind.IrqDisable:
      case Kind.IrqEnable:
      case Kind.PreemptDisable:
      case Kind.PreemptEnable: {
        const scr = this.#copy(s, len);
        const flags = s[o + T_FLAGS] as number;
        const preempt = (flags >>> PREEMPT_SHIFT) & PREEMPT_MAX;
        if (a.kind === Kind.IrqDisable) scr[o + T_FLAGS] = flags | F_IRQ;
        else if (a.kind === Kind.IrqEnable) scr[o + T_FLAGS] = flags & ~F_IRQ;
        else if (a.kind === Kind.PreemptDisable) {
          if (preempt === PREEMPT_MAX) throw new ModelError(`${this.#name(i)}: preempt_disable() nested too deeply`);
          scr[o + T_FLAGS] = flags + PREEMPT_ONE;
        } else if (preempt === 0) throw new ModelError(`${this.#name(i)}: preempt_enable() without preempt_disable()`);
        else scr[o + T_FLAGS] = flags - PREEMPT_ONE;
        emit(i, 0, scr, this.#advance(scr, i, 0, len));
        return 1;
      }
      case Kind.Ipi: {
        if (a.a < 0 || a.a >= this.ncpus)
          throw new ModelError(`${this.#name(i)}: IPI to CPU ${a.a}, which does not exist`);
        if (a.b < 0 || a.b >= MAX_VECTORS)
          throw new ModelError(`${this.#name(i)}: IPI vector ${a.b} is not in 0..${MAX_VECTORS - 1}`);
        // Partial-order reduction relies on a model without declared interrupts receiving none.
        if (!this.inst.interrupts.some((irq) => irq.vector === a.b))
          throw new ModelError(
            `${this.#name(i)}: IPI on vector ${a.b}, which the model does not declare (b.interrupt)`,
          );
        if (!this.#online(s, a.a)) {
          if (!a.ifOnline) {
            throw new ModelError(
              `${this.#name(i)}: ${a.text}: IPI to CPU ${a.a}, which is offline (the kernel WARNs, as ` +
                'native_smp_send_reschedule() does); check cpu_online() first, with preemption disabled so that ' +
                'cpu_down() cannot come in between, or use smp_call_function_single(), which returns -ENXIO',
            );
          }
          // generic_exec_single(): -ENXIO, nothing sent.
          const scr = this.#copy(s, len);
          emit(i, 0, scr, this.#advance(scr, i, -ENXIO, len));
          return 1;
        }
        if (!mem.fenceEnabled(s, base, i, Fence.Mb)) return 0;
        const scr = this.#copy(s, len);
        mem.fence(scr, base, i, Fence.Mb);
        scr[this.#cpuBase + a.a * CSZ + C_IRQS] = (s[this.#cpuBase + a.a * CSZ + C_IRQS] as number) | (1 << a.b);
        emit(i, 0, scr, this.#advance(scr, i, 0, base + mem.length(scr, base)));
        return 1;
      }
      case Kind.IpiWait: {
        if ((this.#irqs(s, a.a) & (1 << a.b)) !== 0) return 0;
        const scr = this.#copy(s, len);
        emit(i, 0, scr, this.#advance(scr, i, 0, len));
        return 1;
      }
      case Kind.GuestEnter: {
        if (((s[o + T_FLAGS] as number) & F_IRQ) === 0)
          throw new ModelError(`${this.#name(i)}: VM entry with interrupts enabled`);
        const scr = this.#copy(s, len);
        scr[o + T_FLAGS] = (s[o + T_FLAGS] as number) | F_GUEST;
        emit(i, 0, scr, this.#advance(scr, i, 0, len));
        return 1;
      }
      case Kind.GuestExit: {
        // Without a pending interrupt only a timer-driven exit (if the model allows one) leaves the guest.
        if ((this.#irqs(s, cpu) & PENDING) === 0 && a.b === 0) return 0;
        const scr = this.#copy(s, len);
        scr[o + T_FLAGS] = (s[o + T_FLAGS] as number) & ~F_GUEST;
        emit(i, 0, scr, this.#advance(scr, i, 0, len));
        return 1;
      }
      case Kind.Choose: {
        for (let c = 0; c < a.a; c++) {
          const scr = this.#copy(s, len);
          emit(i, c, scr, this.#advance(scr, i, c, len));
        }
        return a.a;
      }
      case Kind.Migrate: {
        if (((s[o + T_FLAGS] as number) & HOLDS) !== 0) {
          throw new ModelError(`${this.#name(i)}: migrate() where the task is not preemptible`);
        }
        if (!mem.fenceEnabled(s, base, i, Fence.Mb)) return 0;
        const targets = (this.#allowed[i] as readonly number[]).filter((c) => c !== cpu && this.#online(s, c));
        targets.forEach((target, c) => {
          const scr = this.#copy(s, len);
          scr[o + T_FLAGS] = ((s[o + T_FLAGS] as number) & ~F_CPU) | target;
          mem.fence(scr, base, i, Fence.Mb);
          emit(i, c, scr, this.#advance(scr, i, target, base + mem.length(scr, base)));
        });
        return targets.length;
      }
      case Kind.StopMachineBegin:
      case Kind.StopMachineEnd:
      case Kind.CpuDown:
      case Kind.CpuUp:
        return this.#hotplugSteps(s, len, i, a, emit);
      default:
        throw new ModelError(`${this.#name(i)}: unexpected action ${a.text}`);
    }
  }

  /**
   * The store that follows load `a` of thread `i` whatever value the load returns, if there is
   * one that may be performed early (relaxed memory, plain load and store, other location).
   */
  #earlyStore(s: Int32Array, i: number, a: Action): Action | undefined {
    if (this.memoryModel !== 'relaxed' || a.order !== Order.Once) return undefined;
    const aut = this.threads[i] as ThreadAutomaton;
    const node = nodeOf(s[i * TSZ + T_FLAGS] as number);
    const n = this.mem.readChoices(s, this.base, i, a.a);
    let store: Action | undefined;
    for (let c = 0; c < n; c++) {
      const w = aut.action(aut.child(node, this.mem.readValue(s, this.base, i, a.a, c)));
      if (w.kind !== Kind.Write || w.order !== Order.Once || w.a === a.a) return undefined;
      if (store === undefined) store = w;
      else if (!sameStore(store, w)) return undefined;
    }
    return store;
  }

  // ---- stop_machine and CPU hotplug ------------------------------------------------------------
  //
  // stop_machine(fn) (kernel/stop_machine.c) queues multi_cpu_stop() on the stopper thread of
  // every online CPU and waits. Each stopper preempts whatever runs on its CPU, so it can start
  // only where the running thread is preemptible: not with interrupts or preemption disabled,
  // not in guest mode (a CPU in guest mode is sent a reschedule IPI, as waking its stopper would
  // do, and leaves the guest first) and not in an interrupt handler. The stoppers step through
  // multi_cpu_stop()'s states together, disable interrupts, and one runs fn; the others spin
  // until it is done. Every state change is an atomic op that every CPU acknowledges, so entering
  // and leaving are full barriers on every CPU. The model makes entering one step
  // (StopMachineBegin: every online CPU stoppable, every store buffer drained, then the barrier),
  // runs the body as ordinary steps of the calling thread with interrupts off on its CPU, and
  // makes leaving one step (StopMachineEnd: the barrier again). In between the global word names
  // the stopper, and nothing else runs: no thread, no interrupt delivery, no handler.
  //
  // cpu_down(cpu) (kernel/cpu.c: cpu_device_down -> _cpu_down) walks the hotplug states down:
  // the teardown callbacks (cpuhp_invoke_callback, inserted around the step by
  // withHotplugCallbacks), then takedown_cpu(), which runs take_cpu_down() on the dying CPU
  // under stop_machine_cpuslocked(): __cpu_disable() clears the CPU's online bit and the dying
  // CPU's tasks go elsewhere. Here that is one step with the stop_machine rules for when it can
  // happen and what it orders (CpuDown): tasks that may run elsewhere move to an online CPU they
  // are allowed on (every choice is explored), a thread pinned to the CPU stays there parked,
  // like a per-CPU kthread (smpboot_park_threads). Simplified: in the kernel the scheduler
  // pushes tasks away earlier, when the CPU stops being active (sched_cpu_deactivate,
  // balance_push), before the teardown callbacks; before v5.10 migrate_tasks() did it in
  // take_cpu_down()'s stop_machine, as here. The model has no active mask (active == online),
  // no cpu_hotplug_lock (one controlling thread; concurrent hotplug is a model error), and the
  // CPU's death after take_cpu_down() (cpuhp_report_idle_dead, the BP-side teardown states)
  // has nothing left to do.
  //
  // cpu_up(cpu) (_cpu_up -> bringup_cpu -> __cpu_up; the AP runs start_secondary and
  // set_cpu_online(true)) is one step: the CPU is online, its parked threads may run again
  // (smpboot_unpark_threads), and the controlling CPU and the new one are ordered by a full
  // barrier (the BP and the AP synchronise through atomics and completions:
  // cpuhp_bp_sync_alive, wait_for_ap_thread). Then the startup callbacks run.

  /** CPU `cpu`'s interrupt word in `s` (0 in a model without interrupts). */
  #irqs(s: Int32Array, cpu: number): number {
    return this.#irqWords ? (s[this.#cpuBase + cpu * CSZ + C_IRQS] as number) : 0;
  }

  /** The hotplug word of `s`: the online mask and the stopping thread + 1. */
  #hotplug(s: Int32Array): number {
    return this.#hotplugWords ? (s[this.#hotplugAt] as number) : this.#hotplugConst;
  }

  /** CPU `cpu` is online in `s`. */
  #online(s: Int32Array, cpu: number): boolean {
    return ((this.#hotplug(s) >>> cpu) & 1) === 1;
  }

  /** Thread `i` sits on an offline CPU (only a pinned thread can): it is parked, not blocked. */
  #parked(s: Int32Array, i: number): boolean {
    return !this.#online(s, (s[i * TSZ + T_FLAGS] as number) & F_CPU);
  }

  #checkHotplugSetup(): void {
    const inst = this.inst;
    // ModelBuilder allows no more either.
    if (this.ncpus > MAX_HOTPLUG_CPUS)
      throw new ModelError(`at most ${MAX_HOTPLUG_CPUS} CPUs: the online mask has ${MAX_HOTPLUG_CPUS} bits`);
    inst.threads.forEach((t, i) => {
      const allowed = this.#allowed[i] as readonly number[];
      if (!inst.online.includes(t.options.cpu) && (allowed.length !== 1 || allowed[0] !== t.options.cpu)) {
        throw new ModelError(
          `thread ${t.name} starts on CPU ${t.options.cpu}, which is offline: only a thread pinned to it ` +
            `(cpus: [${t.options.cpu}]) may wait there for cpu_up()`,
        );
      }
    });
  }

  /**
   * Whether thread `i` could stop the machine in `s` (the state being expanded, after
   * #scanCpus): STOP_READY, STOP_WAIT, or a CPU in guest mode to send a reschedule IPI first.
   */
  #stopState(s: Int32Array, i: number): number {
    const g = this.#hotplug(s);
    let wait = false;
    for (let c = 0; c < this.ncpus; c++) {
      if (((g >>> c) & 1) === 0) continue;
      const irqs = s[this.#cpuBase + c * CSZ + C_IRQS] as number;
      const holder = this.#holder[c] as number;
      if (holder >= 0 && holder !== i) {
        const inGuest = ((s[holder * TSZ + T_FLAGS] as number) & F_GUEST) !== 0;
        if (inGuest && (irqs & (1 << RESCHEDULE_VECTOR)) === 0) return c;
        wait = true;
      } else if (runningVector(irqs) !== 0 || (irqs & PENDING) !== 0) {
        // A handler runs, or an interrupt is pending on a CPU with interrupts on: it is taken
        // before anything else runs there, the stopper included.
        wait = true;
      }
    }
    if (wait) return STOP_WAIT;
    for (let j = 0; j < this.nthreads; j++) {
      const f = s[j * TSZ + T_FLAGS] as number;
      // A load whose following store was performed early has not completed: not stoppable yet.
      if ((f & F_EARLY) !== 0) return STOP_WAIT;
      if (!this.mem.quiescent(s, this.base, j) || !this.mem.fenceEnabled(s, this.base, j, Fence.Mb)) return STOP_WAIT;
    }
    return STOP_READY;
  }

  /**
   * A full barrier on every CPU at once (store buffers are empty: #stopState, or the stopper's
   * own checked at StopMachineEnd). Returns the new length.
   */
  #barrierAll(scr: Int32Array): number {
    return this.base + this.mem.fenceAll(scr, this.base);
  }

  /** The reschedule IPI that makes CPU `c`, in guest mode, leave it so its stopper can run. */
  #kickForStop(s: Int32Array, len: number, i: number, c: number, emit: Emit): number {
    if (!this.mem.fenceEnabled(s, this.base, i, Fence.Mb)) return 0;
    const scr = this.#copy(s, len);
    this.mem.fence(scr, this.base, i, Fence.Mb);
    const at = this.#cpuBase + c * CSZ + C_IRQS;
    scr[at] = (s[at] as number) | (1 << RESCHEDULE_VECTOR);
    // The thread stays where it is: it still has to stop the machine.
    emit(i, 0, scr, this.base + this.mem.length(scr, this.base));
    return 1;
  }

  #hotplugSteps(s: Int32Array, len: number, i: number, a: Action, emit: Emit): number {
    const o = i * TSZ;
    const flags = s[o + T_FLAGS] as number;
    const g = this.#hotplug(s);
    const stopper = (g >>> STOPPER_SHIFT) - 1;
    const what = a.kind === Kind.StopMachineEnd ? 'stop_machine()' : a.text;
    if (!this.inst.threads[i]?.options.stopMachine) {
      throw new ModelError(
        `${this.#name(i)}: ${what}: a thread that may stop the machine needs the stopMachine option ` +
          '(partial-order reduction must know)',
      );
    }
    if (a.kind === Kind.StopMachineEnd) {
      if (stopper !== i) throw new ModelError(`${this.#name(i)}: end of stop_machine() without its start`);
      if (!this.mem.fenceEnabled(s, this.base, i, Fence.Mb)) return 0;
      const scr = this.#copy(s, len);
      const l1 = this.#barrierAll(scr);
      scr[this.#hotplugAt] = g & G_ONLINE;
      // multi_cpu_stop() restores the interrupt state it found (on).
      scr[o + T_FLAGS] = flags & ~F_IRQ;
      emit(i, 0, scr, this.#advance(scr, i, 0, l1));
      return 1;
    }
    if (stopper >= 0) throw new ModelError(`${this.#name(i)}: ${what} inside a stop_machine() body`);
    if ((flags & HOLDS) !== 0) {
      throw new ModelError(
        `${this.#name(i)}: ${what} with interrupts or preemption disabled: it sleeps ` +
          '(cpus_read_lock(), wait_for_completion())',
      );
    }
    const cpu = a.a;
    if (a.kind === Kind.CpuUp || a.kind === Kind.CpuDown) {
      if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.ncpus)
        throw new ModelError(`${this.#name(i)}: ${a.text}: there is no CPU ${cpu}`);
      const online = ((g >>> cpu) & 1) === 1;
      if (a.kind === Kind.CpuUp ? online : !online) {
        throw new ModelError(
          `${this.#name(i)}: ${a.text}: CPU ${cpu} is already ${online ? 'online' : 'offline'} ` +
            '(concurrent hotplug operations are serialised by cpu_hotplug_lock, which the model does not have)',
        );
      }
    }
    if (a.kind === Kind.CpuUp) {
      if (!this.mem.fenceEnabled(s, this.base, i, Fence.Mb)) return 0;
      const scr = this.#copy(s, len);
      scr[this.#hotplugAt] = g | (1 << cpu);
      this.mem.fence(scr, this.base, i, Fence.Mb);
      for (let j = 0; j < this.nthreads; j++) {
        const f = s[j * TSZ + T_FLAGS] as number;
        if ((f & F_CPU) === cpu && this.nextAction(s, j).kind !== Kind.Return)
          this.mem.fence(scr, this.base, j, Fence.Mb);
      }
      emit(i, 0, scr, this.#advance(scr, i, 0, this.base + this.mem.length(scr, this.base)));
      return 1;
    }
    if (a.kind === Kind.CpuDown && (g & G_ONLINE & ~(1 << cpu)) === 0)
      throw new ModelError(`${this.#name(i)}: ${a.text}: CPU ${cpu} is the last online CPU (the kernel says -EBUSY)`);
    const state = this.#stopState(s, i);
    if (state >= 0) return this.#kickForStop(s, len, i, state, emit);
    if (state === STOP_WAIT) return 0;
    if (a.kind === Kind.StopMachineBegin) {
      const scr = this.#copy(s, len);
      const l1 = this.#barrierAll(scr);
      scr[this.#hotplugAt] = (g & G_ONLINE) | ((i + 1) << STOPPER_SHIFT);
      // multi_cpu_stop() runs fn with interrupts disabled (MULTI_STOP_DISABLE_IRQ).
      scr[o + T_FLAGS] = flags | F_IRQ;
      emit(i, 0, scr, this.#advance(scr, i, 0, l1));
      return 1;
    }
    // CpuDown: where each task on the dying CPU can go.
    const movers: number[] = [];
    const options: number[][] = [];
    for (let j = 0; j < this.nthreads; j++) {
      if (((s[j * TSZ + T_FLAGS] as number) & F_CPU) !== cpu || this.nextAction(s, j).kind === Kind.Return) continue;
      const allowed = this.#allowed[j] as readonly number[];
      const to = allowed.filter((c) => c !== cpu && ((g >>> c) & 1) === 1);
      if (to.length > 0) {
        movers.push(j);
        options.push(to);
      } else if (allowed.length === 1 && allowed[0] === cpu) {
        if (j === i) throw new ModelError(`${this.#name(i)}: ${a.text} from a thread pinned to CPU ${cpu}`);
      } else {
        throw new ModelError(
          `${this.#name(i)}: ${a.text}: ${this.#name(j)} may run only on CPUs that are offline now ` +
            `([${allowed.join(', ')}]); the kernel would break its affinity (select_fallback_rq)`,
        );
      }
    }
    let count = 1;
    for (const to of options) count *= to.length;
    for (let choice = 0; choice < count; choice++) {
      const scr = this.#copy(s, len);
      let rest = choice;
      movers.forEach((j, k) => {
        const to = options[k] as number[];
        const target = to[rest % to.length] as number;
        rest = Math.floor(rest / to.length);
        scr[j * TSZ + T_FLAGS] = ((scr[j * TSZ + T_FLAGS] as number) & ~F_CPU) | target;
      });
      scr[this.#hotplugAt] = g & ~(1 << cpu);
      const l1 = this.#barrierAll(scr);
      emit(i, choice, scr, this.#advance(scr, i, 0, l1));
    }
    return count;
  }

  #handlerAut(vector: number, cpu: number): ThreadAutomaton | undefined {
    const key = vector * this.ncpus + cpu;
    let aut = this.#handlerAuts.get(key);
    if (aut === undefined) {
      const spec = this.inst.interrupts.find((x) => x.vector === vector);
      if (!spec?.handler) return undefined;
      const handler = spec.handler;
      aut = new ThreadAutomaton(`${spec.name}@cpu${cpu}`, () => handler(cpu), false);
      this.#handlerAuts.set(key, aut);
    }
    return aut;
  }

  #interruptSteps(s: Int32Array, len: number, cpu: number, emit: Emit): number {
    // Nothing is delivered while the machine is stopped (every CPU spins with interrupts off in
    // multi_cpu_stop) or to an offline CPU. No handler runs then either: stopping needs none.
    if (!this.#irqWords) return 0;
    const g = this.#hotplug(s);
    if (g >>> STOPPER_SHIFT !== 0 || ((g >>> cpu) & 1) === 0) return 0;
    const u = this.nthreads + cpu;
    const c = this.#cpuBase + cpu * CSZ;
    const running = runningVector(s[c + C_IRQS] as number);
    const base = this.base;
    if (running === 0) {
      const pending = (s[c + C_IRQS] as number) & PENDING;
      if (pending === 0 || this.#irqsOff(cpu)) return 0;
      for (let j = 0; j < this.nthreads; j++) {
        if (((s[j * TSZ + T_FLAGS] as number) & F_CPU) === cpu && !this.mem.quiescent(s, base, j)) return 0;
      }
      const vector = 31 - Math.clz32(pending & -pending);
      const scr = this.#copy(s, len);
      const aut = this.#handlerAut(vector, cpu);
      const node = aut ? this.#settle(scr, aut, 0, cpu) : 0;
      if (aut === undefined || aut.action(node).kind === Kind.Return) {
        scr[c + C_IRQS] = pending & ~(1 << vector);
      } else {
        scr[c + C_IRQS] = pending | ((vector + 1) << HVEC_SHIFT) | (node << HNODE_SHIFT);
      }
      emit(u, 0, scr, len);
      return 1;
    }
    const vector = running - 1;
    const aut = this.#handlerAut(vector, cpu) as ThreadAutomaton;
    const node = handlerNode(s[c + C_IRQS] as number);
    const a = aut.action(node);
    const scr = this.#copy(s, len);
    let result = 0;
    let ml = this.mem.length(scr, base);
    switch (a.kind) {
      case Kind.Read:
        result = this.mem.handlerRead(scr, base, a.a);
        break;
      case Kind.Await:
        result = this.mem.handlerRead(scr, base, a.a);
        if (!(a.pred as (v: number) => boolean)(result)) return 0;
        break;
      case Kind.Write:
        ml = this.mem.handlerWrite(scr, base, a.a, a.b);
        break;
      case Kind.Rmw: {
        result = this.mem.handlerRead(scr, base, a.a);
        const next = (a.rmw as (v: number) => number)(result);
        if (next !== -0x7fffffff) ml = this.mem.handlerWrite(scr, base, a.a, next);
        break;
      }
      case Kind.Fence:
        break;
      default:
        throw new ModelError(`interrupt handler ${aut.name}: ${a.text} is not allowed in a handler`);
    }
    const next = this.#settle(scr, aut, aut.child(node, result), cpu);
    if (aut.action(next).kind === Kind.Return) {
      scr[c + C_IRQS] = (s[c + C_IRQS] as number) & PENDING & ~(1 << vector);
    } else {
      if (next >= MAX_HANDLER_NODES)
        throw new ModelError(`${aut.name}: more than ${MAX_HANDLER_NODES} distinct histories`);
      scr[c + C_IRQS] = ((s[c + C_IRQS] as number) & (PENDING | HVEC)) | (next << HNODE_SHIFT);
    }
    emit(u, 0, scr, base + ml);
    return 1;
  }

  #name(i: number): string {
    return this.inst.threads[i]?.name ?? `thread ${i}`;
  }

  // ---- Views for properties and traces ---------------------------------------------------------

  formatValue(loc: number, value: number): string {
    const spec = this.inst.locs[loc];
    return spec?.format ? spec.format(value) : String(value);
  }

  /** Describes the transition (unit, choice) from `s`, which must be enabled. */
  describeStep(s: Int32Array, unit: number, choice: number, after: Int32Array): StepInfo {
    const info = this.units[unit] as UnitInfo;
    if (info.kind === 'memory') {
      return {
        unit,
        choice,
        actor: info.name,
        cpu: -1,
        kind: 'drain',
        text: this.mem.internalText(
          s,
          this.base,
          unit - this.nthreads - this.ncpus,
          (loc, v) => `${this.inst.locs[loc]?.name} = ${this.formatValue(loc, v)}`,
        ),
      };
    }
    if (info.kind === 'interrupt') {
      const cpu = info.cpu as number;
      const c = this.#cpuBase + cpu * CSZ;
      const running = runningVector(s[c + C_IRQS] as number);
      if (running === 0) {
        const pending = (s[c + C_IRQS] as number) & PENDING;
        const vector = 31 - Math.clz32(pending & -pending);
        const name = this.inst.interrupts.find((x) => x.vector === vector)?.name ?? `vector ${vector}`;
        return { unit, choice, actor: `cpu${cpu}`, cpu, kind: 'interrupt', text: `interrupt taken: ${name}` };
      }
      const aut = this.#handlerAut(running - 1, cpu) as ThreadAutomaton;
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
    const a = this.nextAction(s, unit);
    const cpu = (s[o + T_FLAGS] as number) & F_CPU;
    const base: StepInfo = {
      unit,
      choice,
      actor: this.#name(unit),
      cpu,
      kind: 'step',
      text: a.text,
      ...(a.site ? { site: a.site } : {}),
    };
    switch (a.kind) {
      case Kind.Read:
        if (((s[o + T_FLAGS] as number) & F_EARLY) === 0 && ((after[o + T_FLAGS] as number) & F_EARLY) !== 0) {
          const early = this.#earlyStore(s, unit, a);
          return { ...base, text: `${early?.text ?? 'store'}, performed before ${a.text} (load buffering)` };
        }
        return this.#withResult(base, unit, a, s, after);
      case Kind.Await:
      case Kind.Rmw:
        return this.#withResult(base, unit, a, s, after);
      case Kind.Ipi:
        return { ...base, kind: 'ipi', target: a.a };
      case Kind.GuestEnter:
        return { ...base, kind: 'guest-enter' };
      case Kind.GuestExit:
        return { ...base, kind: 'guest-exit' };
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
        const kicked = this.#kickedCpu(s, after);
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
        return { ...base, kind: 'cpu-up', target: a.a };
      default:
        return base;
    }
  }

  /** The CPU whose reschedule IPI a stop step sent (-1: it was the stop itself). */
  #kickedCpu(s: Int32Array, after: Int32Array): number {
    for (let c = 0; c < this.ncpus; c++) {
      const at = this.#cpuBase + c * CSZ + C_IRQS;
      if (((after[at] as number) & ~(s[at] as number) & (1 << RESCHEDULE_VECTOR)) !== 0) return c;
    }
    return -1;
  }

  /** Adds the value a load or atomic returned, recovered from the node the thread moved to. */
  #withResult(base: StepInfo, unit: number, a: Action, s: Int32Array, after: Int32Array): StepInfo {
    const aut = this.threads[unit] as ThreadAutomaton;
    const o = unit * TSZ;
    const from = nodeOf(s[o + T_FLAGS] as number);
    let to = nodeOf(after[o + T_FLAGS] as number);
    // A load whose following store was performed early moves past that store as well.
    if (((s[o + T_FLAGS] as number) & F_EARLY) !== 0) {
      for (const v of aut.childResults(from)) {
        if (aut.child(aut.child(from, v), 0) === to) {
          to = aut.child(from, v);
          break;
        }
      }
    }
    const value = aut.resultLeadingTo(from, to);
    return value === undefined ? base : { ...base, result: this.formatValue(a.a, value) };
  }

  threadViews(s: Int32Array): (ThreadView & { readonly next: string })[] {
    return this.inst.threads.map((t, i) => {
      const o = i * TSZ;
      const a = this.nextAction(s, i);
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
  cpuViews(s: Int32Array): CpuView[] {
    const out: CpuView[] = [];
    const stopper = this.stopper(s);
    const stopperCpu = stopper < 0 ? -1 : (s[stopper * TSZ + T_FLAGS] as number) & F_CPU;
    for (let cpu = 0; cpu < this.ncpus; cpu++) {
      const bits = this.#irqs(s, cpu) & PENDING;
      const pending: string[] = [];
      for (let v = 0; v < MAX_VECTORS; v++) {
        if (bits & (1 << v)) pending.push(this.inst.interrupts.find((x) => x.vector === v)?.name ?? `vector ${v}`);
      }
      const running = runningVector(this.#irqs(s, cpu));
      const handler = running ? this.inst.interrupts.find((x) => x.vector === running - 1)?.name : undefined;
      const view: CpuView = handler ? { cpu, pending, handler } : { cpu, pending };
      if (!this.#online(s, cpu)) out.push({ ...view, offline: true });
      else if (stopper >= 0 && cpu !== stopperCpu) out.push({ ...view, stopped: true });
      else out.push(view);
    }
    return out;
  }

  /** The thread that has stopped the machine (inside its stop_machine body), or -1. */
  stopper(s: Int32Array): number {
    return (this.#hotplug(s) >>> STOPPER_SHIFT) - 1;
  }

  cpuOnline(s: Int32Array, cpu: number): boolean {
    return cpu >= 0 && cpu < this.ncpus && this.#online(s, cpu);
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
    return this.inst.ghosts.map((g, i) => ({ name: g.name, value: s[this.#ghostBase + i] as number }));
  }

  /** A reusable StateView over a state vector (properties are evaluated millions of times). */
  view(): MachineStateView {
    return new MachineStateView(this);
  }

  ipiPending(s: Int32Array, cpu: number, vector?: number): boolean {
    const bits = this.#irqs(s, cpu) & PENDING;
    return vector === undefined ? bits !== 0 : (bits & (1 << vector)) !== 0;
  }

  ghostAt(s: Int32Array, id: number): number {
    return s[this.#ghostBase + id] as number;
  }
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
}
