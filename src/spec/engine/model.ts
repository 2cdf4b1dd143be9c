/**
 * How a model is declared: memory locations, threads, interrupt handlers, properties, and the
 * named variants (the correct protocol and each bug) with their expected verdicts.
 */
import type { Op } from './actions.ts';
import type { Ghost, Loc } from './primitives.ts';

export type MemoryModelName = 'sc' | 'tso' | 'relaxed';
export const MEMORY_MODELS: readonly MemoryModelName[] = ['sc', 'tso', 'relaxed'];

export type Verdict = 'holds' | 'violated';

/** What a variant is expected to give under one memory model: verdict, property, state count. */
export interface Expectation {
  readonly verdict: Verdict;
  /** For a violation: the property that the shortest counterexample breaks. */
  readonly property?: string;
  /** Distinct states explored (with the default reduction). The suite fails when it changes. */
  readonly states: number;
}

export interface KernelRef {
  /** Commit id (12+ hex digits) or list Message-Id. */
  readonly ref: string;
  readonly subject: string;
  readonly url?: string;
}

export interface VariantSpec<Flags> {
  readonly name: string;
  /** One line, for the selector and `kvmspec list`. */
  readonly description: string;
  readonly flags: Flags;
  readonly kernel?: readonly KernelRef[];
  readonly expect: Partial<Record<MemoryModelName, Expectation>>;
  /**
   * Memory models of the model under which this variant's verdict is not recorded, each with
   * why (say, its check there is beyond what the suite and a browser tab can afford): it has no
   * `expect` entry for them, and can still be checked. Every memory model the model declares
   * has one or the other (test/engine/golden.test.ts).
   */
  readonly unrecorded?: Partial<Record<MemoryModelName, string>>;
}

export interface ThreadOptions {
  /** The CPU the thread starts on. */
  readonly cpu: number;
  /** Restart the body when it returns (a run loop); the history of one iteration is the thread's state. */
  readonly loop?: boolean;
  /**
   * CPUs the scheduler may move this task to: by `migrate()`, which needs this option, and by
   * `cpu_down()` of its CPU (default for that: all).
   */
  readonly cpus?: readonly number[];
  /**
   * The thread may call stop_machine(), cpu_down() or cpu_up(). Partial-order reduction needs
   * to know which threads may stop every CPU (see Machine.isLocalUnit); a thread without this
   * option that tries is a model error.
   */
  readonly stopMachine?: boolean;
}

export interface ThreadView {
  readonly name: string;
  readonly done: boolean;
  readonly cpu: number;
  readonly irqsDisabled: boolean;
  readonly inGuest: boolean;
}

/** What a property sees of a state. Memory values are the coherence-latest (see each model). */
export interface StateView {
  mem(x: Loc): number;
  ghost(g: Ghost): number;
  thread(name: string): ThreadView;
  ipiPending(cpu: number, vector?: number): boolean;
  /** Is `cpu` online (see ModelBuilder.onlineCpus, cpu_down, cpu_up)? */
  cpuOnline(cpu: number): boolean;
  /** True inside a stop_machine() body (nothing but the stopper runs; see hotplug.ts). */
  readonly inStopMachine: boolean;
  /** True when no thread can take a step any more and every thread has finished or idles. */
  readonly final: boolean;
  /**
   * True when, on the way to this state, a plain C access raced with a conflicting access of
   * another thread (engine/threads.ts, dataRace: what it detects and where it differs from LKMM's
   * `race`). A model states "no data race" as `b.always(…, (s) => !s.dataRace)`.
   */
  readonly dataRace: boolean;
}

export interface Invariant {
  readonly name: string;
  readonly description: string;
  readonly holds: (s: StateView) => boolean;
}

export interface Witness {
  readonly name: string;
  readonly description: string;
  readonly reached: (s: StateView) => boolean;
}

/** A progress property: violated by a fair infinite run along which `pending` stays true. */
export interface Progress {
  readonly name: string;
  readonly description: string;
  readonly pending: (s: StateView) => boolean;
}

export interface ThreadSpec {
  readonly name: string;
  readonly options: ThreadOptions;
  readonly body: () => Op<unknown>;
}

export interface InterruptSpec {
  readonly vector: number;
  readonly name: string;
  /** The handler body, run on the interrupted CPU; none means the IPI only interrupts. */
  readonly handler?: (cpu: number) => Op<unknown>;
}

/**
 * A CPU hotplug state (cpuhp_setup_state()): `startup` runs when a CPU comes up, `teardown`
 * before one goes down, both in the thread that calls cpu_up() / cpu_down(), with the CPU.
 */
export interface HotplugSpec {
  readonly name: string;
  readonly startup?: (cpu: number) => Op<unknown>;
  readonly teardown?: (cpu: number) => Op<unknown>;
  /**
   * CPU_DYING: runs inside take_cpu_down(), under stop_machine, after the CPU has left the
   * online mask and before every other CPU resumes (last registered first). It runs in the
   * calling thread with interrupts off, so, like the others, it must use its `cpu` argument.
   */
  readonly dying?: (cpu: number) => Op<unknown>;
  /** CPU_UP_PREPARE: runs in cpu_up() before the bring-up, in the calling thread. */
  readonly prepare?: (cpu: number) => Op<unknown>;
  /** CPU_UP_CANCELED: runs when the bring-up fails (cpu_up(cpu, { fails: true })), after it. */
  readonly canceled?: (cpu: number) => Op<unknown>;
}

export interface LocSpec {
  readonly name: string;
  readonly init: number;
  /** Render values in traces (e.g. mode names or request bits). */
  readonly format?: (value: number) => string;
}

/**
 * Interchangeable parts of a model (identical vCPUs, a ring of CPUs): each member names its
 * threads, CPUs, locations and ghosts, all members in the same shape, and the group says which
 * renamings of members leave the model unchanged: `full` (any permutation: k members, k!
 * renamings) or `rotation` (member i to member i + r mod k: k renamings). The checker then
 * stores one state per class of states that differ only by such a renaming.
 *
 * This is a claim about the model, and the checker verifies what it can: shapes, CPUs, initial
 * values, and for every history a thread reaches that the renamed thread takes the renamed
 * step (a wrong claim is a ModelError, not a wrong verdict). What it cannot verify is that the
 * properties (always, sometimes, eventually) mean the same after a renaming; write them over
 * all members alike. Results of smp_processor_id() and migrate() that name a member's CPU are
 * renamed with it; values in memory are data and are never renamed.
 */
export interface SymmetrySpec {
  readonly name: string;
  readonly group: 'full' | 'rotation';
  readonly members: readonly SymmetryMember[];
}

export interface SymmetryMember {
  readonly threads: readonly string[];
  readonly cpus?: readonly number[];
  readonly locs?: readonly Loc[];
  readonly ghosts?: readonly Ghost[];
}

/** A model instance for one variant: everything the machine needs to run it. */
export interface ModelInstance {
  readonly cpus: number;
  readonly locs: readonly LocSpec[];
  readonly ghosts: readonly LocSpec[];
  readonly threads: readonly ThreadSpec[];
  readonly interrupts: readonly InterruptSpec[];
  readonly invariants: readonly Invariant[];
  readonly witnesses: readonly Witness[];
  readonly progress: readonly Progress[];
  /** Report states where no thread can move and some thread is neither done nor idle. */
  readonly deadlockFree: boolean;
  /** TSO store-buffer capacity per thread (a write blocks while it is full). */
  readonly storeBufferSize: number;
  readonly symmetry?: SymmetrySpec;
  /** CPUs online in the initial state (default: all). */
  readonly online: readonly number[];
  /** Hotplug states, in the order they were set up (startup order; teardown is the reverse). */
  readonly hotplug: readonly HotplugSpec[];
  /**
   * The model makes plain C accesses (plain_load(), plain_store(), __set_bit()…): under relaxed
   * memory the data-race check then tracks what bounds each plain access (memory/relaxed.ts,
   * bndR and bndW), which costs state. Declared with ModelBuilder.plainAccesses(); a plain access
   * in a model that does not declare it is a ModelError under relaxed memory.
   */
  readonly plainAccesses: boolean;
}

export class ModelBuilder {
  readonly #locs: LocSpec[] = [];
  readonly #ghosts: LocSpec[] = [];
  readonly #threads: ThreadSpec[] = [];
  readonly #interrupts: InterruptSpec[] = [];
  readonly #invariants: Invariant[] = [];
  readonly #witnesses: Witness[] = [];
  readonly #progress: Progress[] = [];
  #deadlockFree = true;
  #storeBufferSize = 2;
  #symmetry: SymmetrySpec | undefined;
  #online: readonly number[] | undefined;
  readonly #hotplug: HotplugSpec[] = [];
  #plainAccesses = false;

  readonly cpus: number;

  constructor(cpus: number) {
    this.cpus = cpus;

    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 16) throw new Error(`cpus must be 1..16, got ${cpus}`);
  }

  loc(name: string, init = 0, format?: (value: number) => string): Loc {
    const id = this.#locs.length;
    this.#locs.push(format ? { name, init, format } : { name, init });
    return { id, name };
  }

  ghost(name: string, init = 0): Ghost {
    const id = this.#ghosts.length;
    this.#ghosts.push({ name, init });
    return { id, name };
  }

  thread(name: string, options: ThreadOptions, body: () => Op<unknown>): void {
    if (this.#threads.some((t) => t.name === name)) throw new Error(`duplicate thread name ${name}`);
    if (options.cpu < 0 || options.cpu >= this.cpus) throw new Error(`thread ${name}: no CPU ${options.cpu}`);
    this.#threads.push({ name, options, body });
  }

  interrupt(vector: number, name: string, handler?: (cpu: number) => Op<unknown>): void {
    this.#interrupts.push(handler ? { vector, name, handler } : { vector, name });
  }

  always(name: string, description: string, holds: (s: StateView) => boolean): void {
    this.#invariants.push({ name, description, holds });
  }

  sometimes(name: string, description: string, reached: (s: StateView) => boolean): void {
    this.#witnesses.push({ name, description, reached });
  }

  eventually(name: string, description: string, pending: (s: StateView) => boolean): void {
    this.#progress.push({ name, description, pending });
  }

  allowDeadlock(): void {
    this.#deadlockFree = false;
  }

  storeBuffer(size: number): void {
    if (!Number.isInteger(size) || size < 1 || size > 64)
      throw new Error(`storeBuffer(${size}): a TSO store buffer holds 1 to 64 stores`);
    this.#storeBufferSize = size;
  }

  /** Declares that the model makes plain C accesses (see ModelInstance.plainAccesses). */
  plainAccesses(): void {
    this.#plainAccesses = true;
  }

  /** Declares interchangeable members (see SymmetrySpec); checked when the model is run. */
  symmetric(name: string, group: SymmetrySpec['group'], members: readonly SymmetryMember[]): void {
    if (this.#symmetry) throw new Error(`symmetry ${name}: a model declares at most one symmetry`);
    this.#symmetry = { name, group, members };
  }

  /** The CPUs online at the start (default: all); the others are offline until cpu_up(). */
  onlineCpus(cpus: readonly number[]): void {
    for (const c of cpus) {
      if (!Number.isInteger(c) || c < 0 || c >= this.cpus) throw new Error(`onlineCpus: no CPU ${c}`);
    }
    if (cpus.length === 0) throw new Error('onlineCpus: at least one CPU must be online');
    this.#online = [...new Set(cpus)].sort((a, b) => a - b);
  }

  /**
   * A CPU hotplug state with its callbacks, like cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, name,
   * startup, teardown) (without calling startup for the CPUs already online: register it
   * before the threads run). See cpu_up() and cpu_down().
   */
  hotplug(
    name: string,
    callbacks: {
      startup?: (cpu: number) => Op<unknown>;
      teardown?: (cpu: number) => Op<unknown>;
      dying?: (cpu: number) => Op<unknown>;
      prepare?: (cpu: number) => Op<unknown>;
      canceled?: (cpu: number) => Op<unknown>;
    },
  ): void {
    if (this.#hotplug.some((h) => h.name === name)) throw new Error(`duplicate hotplug state ${name}`);
    this.#hotplug.push({ name, ...callbacks });
  }

  build(): ModelInstance {
    if (this.#threads.length === 0) throw new Error('a model needs at least one thread');
    return {
      ...(this.#symmetry ? { symmetry: this.#symmetry } : {}),
      cpus: this.cpus,
      locs: this.#locs,
      ghosts: this.#ghosts,
      threads: this.#threads,
      interrupts: this.#interrupts,
      invariants: this.#invariants,
      witnesses: this.#witnesses,
      progress: this.#progress,
      deadlockFree: this.#deadlockFree,
      storeBufferSize: this.#storeBufferSize,
      online: this.#online ?? Array.from({ length: this.cpus }, (_, i) => i),
      hotplug: this.#hotplug,
      plainAccesses: this.#plainAccesses,
    };
  }
}

/** A parameter a reader may change (number of vCPUs, requesters…), validated before a run. */
export interface ParamSpec {
  readonly name: string;
  readonly description: string;
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

export interface ModelDef<Flags = Record<string, unknown>> {
  readonly name: string;
  readonly title: string;
  /** Path of the model's source file in the repository, for links and excerpts. */
  readonly source: string;
  readonly memoryModels: readonly MemoryModelName[];
  readonly defaultMemoryModel: MemoryModelName;
  readonly variants: readonly VariantSpec<Flags>[];
  readonly params?: readonly ParamSpec[];
  /** Build the model for one variant and parameter setting. */
  readonly setup: (b: ModelBuilder, flags: Flags, params: Readonly<Record<string, number>>) => void;
  readonly cpus: (params: Readonly<Record<string, number>>) => number;
}

/** Declare a model; type-checks the variants' flags against the setup function. */
export function defineModel<Flags>(def: ModelDef<Flags>): ModelDef<Flags> {
  // Names travel in traces and permalinks (t1/model/variant/…), so they are kept to a small
  // alphabet that needs no escaping anywhere.
  const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
  if (!NAME.test(def.name))
    throw new Error(`model name ${JSON.stringify(def.name)}: use lowercase letters, digits and -`);
  const names = new Set<string>();
  for (const v of def.variants) {
    if (!NAME.test(v.name)) {
      throw new Error(`model ${def.name}: variant name ${JSON.stringify(v.name)}: use lowercase letters, digits and -`);
    }
    if (names.has(v.name)) throw new Error(`model ${def.name}: duplicate variant ${v.name}`);
    names.add(v.name);
  }
  return def;
}

export function resolveParams(
  def: ModelDef<unknown>,
  given: Readonly<Record<string, number>> = {},
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of def.params ?? []) {
    const v = given[p.name] ?? p.default;
    if (!Number.isInteger(v) || v < p.min || v > p.max) {
      throw new RangeError(`parameter ${p.name} must be an integer from ${p.min} to ${p.max}, got ${v}`);
    }
    out[p.name] = v;
  }
  for (const k of Object.keys(given)) {
    if (!(def.params ?? []).some((p) => p.name === k)) {
      const known = (def.params ?? []).map((p) => p.name).join(', ') || 'none';
      throw new RangeError(`model ${def.name} has no parameter ${k} (parameters: ${known})`);
    }
  }
  return out;
}

export function instantiate<Flags>(
  def: ModelDef<Flags>,
  variantName: string,
  params: Readonly<Record<string, number>> = {},
): { variant: VariantSpec<Flags>; instance: ModelInstance; params: Record<string, number> } {
  const variant = def.variants.find((v) => v.name === variantName);
  if (!variant) {
    throw new RangeError(
      `model ${def.name} has no variant ${variantName} (variants: ${def.variants.map((v) => v.name).join(', ')})`,
    );
  }
  const resolved = resolveParams(def as ModelDef<unknown>, params);
  const b = new ModelBuilder(def.cpus(resolved));
  def.setup(b, variant.flags, resolved);
  return { variant, instance: b.build(), params: resolved };
}
