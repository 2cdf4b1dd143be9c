/**
 * Exhaustive, breadth-first state-space exploration.
 *
 * Safety (invariants, assertions, deadlocks, `sometimes` witnesses) is checked during a BFS over
 * hashed states, so the first violation found has a shortest counterexample. The BFS may use
 * partial-order reduction: in a state where some thread's next step is *local* (it touches
 * nothing another unit reads or writes: a TSO store into the thread's own buffer, a barrier that
 * only moves the thread's own views, a nondeterministic choice) and *invisible* (changes no
 * ghost and does not finish the thread), only that thread's transitions are explored — an ample
 * set of one thread. The cycle proviso is the BFS one (every ample successor must be new, else
 * the state is fully expanded), so invariants, deadlocks and reachability keep their exact
 * verdicts; only the number of states and interleavings drops.
 *
 * The reduction keeps reachability, not distances: a violation found at depth d of the reduced
 * graph may be reachable in fewer steps of the program (an ample step of one thread taken
 * first that the shortest run does not need). So a safety violation found under the reduction
 * is followed by a search without it, breadth-first to depth d - 1 only (states at depth d - 1
 * are checked, not expanded): the first violation it finds is a shortest counterexample, and if
 * it finds none the reduced one was already shortest. Should that search run out of budget,
 * the reduced counterexample is kept and `notShortest` says why.
 *
 * Progress (`eventually`) is checked on the graph without partial-order reduction (with a
 * declared symmetry, one state per class: see Liveness), under weak fairness for every unit
 * (thread, interrupt delivery, store-buffer drain): a violation is a reachable strongly
 * connected set of states in which the obligation stays pending and every unit that is
 * enabled throughout also takes a step; the counterexample is a lasso.
 */
import { Kind } from './actions.ts';
import { GhostObserved, Machine, MachineStateView, ModelError } from './machine.ts';
import { RelaxedMemory, UntrackedAccess } from './memory/relaxed.ts';
import type { MemoryModelName, ModelInstance, Progress, StateView, Witness } from './model.ts';
import {
  ampleFrom,
  computeWork,
  fullFrom,
  fullOffset,
  MAX_WITNESSES,
  type Phase,
  type RestartCause,
  usable,
  type Words,
  type WorkContext,
  type WorkSource,
} from './parallel/work.ts';
import type { Ghost } from './primitives.ts';
import { Rng } from './prng.ts';
import { compileThreads, DomainGrowth, type DomainKey } from './quotient.ts';
import { StateStore, SuccessorBatch } from './store.ts';
import { type LivenessGroup, Symmetry } from './symmetry.ts';
import { relaxedFacts } from './threads.ts';

export interface ProgressInfo {
  readonly phase: 'safety' | 'liveness';
  readonly states: number;
  readonly depth: number;
  readonly ms: number;
  readonly statesPerSecond: number;
}

export interface ExploreOptions {
  readonly memoryModel: MemoryModelName;
  /** Stop with `inconclusive` after this many distinct states (per phase). */
  readonly maxStates?: number;
  /** Stop with `inconclusive` after this many milliseconds. */
  readonly maxMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: ProgressInfo) => void;
  readonly progressIntervalMs?: number;
  /** Partial-order reduction for the safety phase (default on). */
  readonly reduction?: boolean;
  /** Check `eventually` properties (default on). */
  readonly liveness?: boolean;
  /**
   * Symmetry reduction for models that declare a symmetry (default on): one state per class of
   * renamings, in the safety search and in the liveness graph (see Liveness for why the fair
   * cycles of the quotient graph are exactly those of the full one).
   */
  readonly symmetry?: boolean;
  /**
   * Number thread states by future behaviour rather than by history (default on; see
   * quotient.ts): histories that differ only in results no later step depends on are one state.
   * Under relaxed memory, only where what the model reads of the thread's past and probed future
   * (barrier flags, dependencies, load buffering) agrees too (threads.ts relaxedFacts).
   */
  readonly quotient?: boolean;
  /**
   * Leave out of the states the ghosts that nothing reads (default on): bookkeeping a model
   * writes for its traces or for a property that, as it turns out, never looks at it. Which
   * ghosts are read is found out, not declared: random runs before the search note the ghosts
   * the properties read (unobservedGhosts below), and a ghost read during the search after all
   * (by a property, a step's ghost_read() or an instrumentable() check) starts the search again
   * with it stored. So the search that gives the result read no ghost it did not store, and its
   * graph is the original one with the unread ghosts' values forgotten: same verdicts, same
   * shortest counterexamples (replayed on a machine that stores every ghost, so traces show them).
   */
  readonly unobservedGhosts?: boolean;
  /**
   * For a model with `eventually` properties to check (default on): check safety on the
   * liveness graph, in one search, instead of first on a reduced graph and then building the
   * full graph for liveness. The full graph holds every state the reduced one reaches (and every
   * state is checked there), so the verdicts are the same; a safety counterexample is a shortest
   * one directly (breadth first, no partial-order reduction). Partial-order reduction is then
   * not used (the liveness graph needs every interleaving); symmetry is, on both at once.
   */
  readonly oneGraph?: boolean;
  /**
   * Under relaxed memory, which views keep a location's old writes (memory/relaxed.ts,
   * #collect): 'accessors' (default), the cur views of the threads that access the location
   * (which locations each thread accesses is found out, as the ghosts read are: probe runs
   * first, and a thread accessing a location outside its set starts the search again with it);
   * 'readers', every live thread's cur; 'every-view', every view and every write's view, the
   * rule before (kept to check the other two against: the same verdicts, fewer states).
   */
  readonly relaxedCollect?: 'accessors' | 'readers' | 'every-view';
  /**
   * How the visited states are stored (store.ts): 'tree', each state a tree of pairs shared
   * with the other states, its root stored; 'packed', each state's words packed into bytes.
   * The same states in the same order either way: only memory and time differ. Default: tree
   * under relaxed memory (its states are long: a third of the memory), packed under SC and TSO
   * (short states: the tree saves a fifth of the memory for half as much CPU time again).
   */
  readonly stateStore?: 'tree' | 'packed';
}

export type ViolationKind = 'invariant' | 'assertion' | 'deadlock' | 'witness' | 'progress';

export interface Violation {
  readonly kind: ViolationKind;
  readonly property: string;
  readonly description: string;
}

/** A path of transitions from the initial state; `cycleStart` marks a lasso's loop. */
export interface RawPath {
  readonly steps: readonly { readonly unit: number; readonly choice: number }[];
  /** For a lasso: index in `steps` where the repeated cycle begins (steps.length: stutter). */
  readonly cycleStart?: number;
}

export interface ExploreResult {
  readonly verdict: 'holds' | 'violated' | 'inconclusive';
  readonly violation?: Violation;
  readonly path?: RawPath;
  readonly reason?: string;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly ms: number;
  readonly livenessStates?: number;
  readonly witnesses: readonly { readonly name: string; readonly reached: boolean }[];
  /** For a model that declares a symmetry: the group used, or why it was not. */
  readonly symmetry?: string;
  /** Set when a counterexample may not be a shortest one (the search for one was cut short), and why. */
  readonly notShortest?: string;
  /** States visited by the search for a shortest counterexample after one under reduction. */
  readonly shortestSearchStates?: number;
  /** With `quotient`: thread histories unfolded before the search, and the classes they form. */
  readonly automata?: { readonly histories: number; readonly classes: number; readonly restarts: number };
  /** Safety was checked on the liveness graph, in one search (ExploreOptions.oneGraph). */
  readonly oneGraph?: true;
  /** With `unobservedGhosts`: ghosts left out of the states, and searches restarted because one was read. */
  readonly ghosts?: { readonly unstored: number; readonly of: number; readonly restarts: number };
  /**
   * Under relaxed memory with relaxedCollect 'accessors': (thread, location) pairs whose views
   * keep no write because the thread never accesses the location, of all pairs, and searches
   * restarted because a thread accessed a location after all.
   */
  readonly untracked?: { readonly pairs: number; readonly of: number; readonly restarts: number };
}

const now = (): number => performance.now();

/** A violation found under partial-order reduction, and the unreduced search for a shorter one. */
interface ReducedViolation {
  readonly extra: { readonly violation: Violation; readonly path: RawPath };
  readonly shorter: Exploration;
}
/** Restarts for values found outside the quotient's domains before giving the quotient up. */
const MAX_RESTARTS = 6;
/** Restarts one thread may cause before it is left unmerged. */
const MAX_GROWTHS_PER_THREAD = 2;
/** The random runs that find the ghosts properties read before the search (see unobservedGhosts). */
const GHOST_PROBE_RUNS = 48;
const GHOST_PROBE_STEPS = 400;

/** A state view that notes the ghosts read through it. */
class RecordingView extends MachineStateView {
  readonly read = new Set<number>();
  override ghost(g: Ghost): number {
    this.read.add(g.id);
    return super.ghost(g);
  }
}

/**
 * The ghosts the model's properties read in seeded random runs from the initial state (every
 * property evaluated at every state of each run, on a machine that stores all ghosts). Only a
 * guess, made to spare the search most restarts: whatever it misses is caught when read.
 */
/**
 * The locations each thread accesses in seeded random runs from the initial state (each
 * thread's next step at every state of each run), as RelaxedMemory.access numbers them. A
 * guess, like ghostsPropertiesRead's: an access it misses throws UntrackedAccess in the search.
 */
export function locationsAccessed(machine: Machine): Uint8Array {
  const nlocs = machine.inst.locs.length;
  const out = new Uint8Array(machine.nthreads * nlocs);
  const rng = new Rng(0x6c6f63);
  const note = (s: Int32Array): void => {
    for (let i = 0; i < machine.nthreads; i++) {
      const a = machine.nextAction(s, i);
      if (a.kind === Kind.Read || a.kind === Kind.Write || a.kind === Kind.Rmw || a.kind === Kind.Await)
        out[i * nlocs + a.a] = 1;
    }
  };
  for (let run = 0; run < GHOST_PROBE_RUNS; run++) {
    let s = machine.initial();
    try {
      for (let step = 0; step < GHOST_PROBE_STEPS; step++) {
        note(s);
        const next: Int32Array[] = [];
        machine.successors(s, s.length, (_u, _c, st, len) => {
          next.push(st.slice(0, len));
        });
        if (next.length === 0) break;
        s = next[rng.int(next.length)] as Int32Array;
      }
    } catch {
      // As in ghostsPropertiesRead: the search meets the same thing and deals with it.
    }
  }
  return out;
}

export function ghostsPropertiesRead(machine: Machine): Set<number> {
  const inst = machine.inst;
  const view = new RecordingView(machine);
  const rng = new Rng(0x6b766d);
  for (let run = 0; run < GHOST_PROBE_RUNS; run++) {
    let s = machine.initial();
    try {
      for (let step = 0; step < GHOST_PROBE_STEPS; step++) {
        const next: Int32Array[] = [];
        machine.successors(s, s.length, (_u, _c, st, len) => {
          next.push(st.slice(0, len));
        });
        view.s = s;
        view.final = next.length === 0;
        for (const inv of inst.invariants) inv.holds(view);
        for (const w of inst.witnesses) w.reached(view);
        for (const p of inst.progress) p.pending(view);
        if (next.length === 0) break;
        s = next[rng.int(next.length)] as Int32Array;
      }
    } catch {
      // A merged state asked for a value outside its domain, or an error in the model: the run
      // stops here, and the search meets the same thing and deals with it (or reports it).
    }
  }
  return view.read;
}

/** Runs the BFS in slices so that callers can yield to their event loop between them. */
export class Exploration {
  readonly machine: Machine;
  readonly #inst: ModelInstance;
  readonly #opts: ExploreOptions;
  #store: StateStore;
  readonly #batch = new SuccessorBatch();
  readonly #view: MachineStateView;
  readonly #reduce: boolean;
  readonly #maxStates: number;
  readonly #start = now();
  /** When the current phase began, for its states-per-second rate. */
  #phaseStart = now();
  #lastProgress = now();
  #next = 0;
  #transitions = 0;
  #maxDepth = 0;
  #cur = new Int32Array(0);
  #witnessAt: number[];
  #result: ExploreResult | undefined;
  #phase: 'safety' | 'liveness' = 'safety';
  #liveness: Liveness | undefined;
  /** Candidate ample transitions, reused from state to state. */
  readonly #ample: { choice: number; state: Int32Array; hash: number }[] = [];
  #symmetry: Symmetry | undefined;
  #symmetryNote: string | undefined;
  /** Values found outside the quotient's domains, for the next compilation (quotient.ts). */
  readonly #seeds = new Map<DomainKey, number[]>();
  #automata: ExploreResult['automata'];
  /** Ghosts stored in the states (unobservedGhosts): read by a property in the probe runs, or during a search. */
  #storedGhosts: Set<number> | undefined;
  #ghostRestarts = 0;
  /** Safety and liveness on one unreduced graph (see ExploreOptions.oneGraph). */
  readonly #oneGraph: boolean;
  #quotientOff = false;
  /** RelaxedMemory.access for relaxedCollect 'accessors' (kept across restarts). */
  #access: Uint8Array | undefined;
  #accessRestarts = 0;
  /** Threads left unmerged: unfolding too large, or too many restarts for them (kept across restarts). */
  readonly #tooLarge: boolean[];
  /** Interrupt handlers whose unfolding was too large (kept across restarts). */
  readonly #handlerTooLarge: boolean[] = [];
  /** Restarts each thread caused. */
  readonly #growths: number[];
  /** A successor's representative under the symmetry. */
  #canon = new Int32Array(0);
  /** The symmetry as the liveness graph uses it (undefined: liveness without symmetry). */
  #livenessGroup: LivenessGroup | undefined;
  /** In a search for a shorter counterexample: the greatest depth to check (see the header). */
  #depthBound = Number.POSITIVE_INFINITY;
  /** A violation found under reduction, and the unreduced search for a shorter one. */
  #reduced: ReducedViolation | undefined;
  /** The smallest depth at which an ample set was taken instead of a full expansion. */
  #firstAmpleDepth = Number.POSITIVE_INFINITY;
  /** A parallel search: where each state's successors and property results come from (parallel/). */
  #work: WorkSource | undefined;
  #workContext: WorkContext | undefined;

  constructor(inst: ModelInstance, opts: ExploreOptions) {
    this.#inst = inst;
    this.#opts = opts;
    this.machine = new Machine(inst, opts.memoryModel);
    this.#view = this.machine.view();
    this.#reduce = opts.reduction ?? true;
    this.#maxStates = opts.maxStates ?? 5_000_000;
    this.#witnessAt = inst.witnesses.map(() => -1);
    this.#store = this.#newStore();
    this.#oneGraph = (opts.oneGraph ?? true) && inst.progress.length > 0 && (opts.liveness ?? true);
    this.#tooLarge = inst.threads.map(() => false);
    this.#growths = inst.threads.map(() => 0);
    this.#begin(0);
  }

  /** (Re)starts the search: compiles the thread automata, builds the symmetry, stores the initial state. */
  #begin(restarts: number): void {
    const inst = this.#inst;
    // The symmetry first: the quotient merges its members alike (quotient.ts, compileThreads).
    if (inst.symmetry !== undefined) {
      const sym = this.#opts.symmetry === false ? 'off (by option)' : Symmetry.build(this.machine);
      this.#symmetry = typeof sym === 'string' ? undefined : sym;
      this.#symmetryNote = typeof sym === 'string' ? sym : sym.describe();
    }
    if (this.#quotientOff) {
      for (const t of this.machine.threads) t.uninstall();
      this.#automata = undefined;
    } else if (this.#opts.quotient ?? true) {
      // Under relaxed memory a step's meaning also depends on the thread's past (barrier flags,
      // dependencies on earlier loads) and on its future probed with values no domain holds
      // (load buffering): histories are merged only where all of that agrees (relaxedFacts).
      const machine = this.machine;
      const facts =
        this.#opts.memoryModel === 'relaxed'
          ? (i: number, h: readonly number[], vs: readonly number[]) => relaxedFacts(machine, i, h, vs)
          : undefined;
      const compiled = compileThreads(
        inst,
        this.machine.threads,
        this.#seeds,
        this.#tooLarge,
        this.#handlerTooLarge,
        facts,
        this.#symmetry,
      );
      let histories = 0;
      let classes = 0;
      compiled.forEach((c, i) => {
        if (c === undefined) {
          this.machine.threads[i]?.uninstall();
          return;
        }
        this.machine.threads[i]?.install(c);
        histories += c.unfolded;
        classes += c.nodes.length;
      });
      this.#automata = { histories, classes, restarts };
    }
    this.#livenessGroup = undefined;
    if (this.#symmetry !== undefined && inst.progress.length > 0 && (this.#opts.liveness ?? true)) {
      // Needs the compiled automata: the initial state it compares with its renamings is numbered by them.
      const group = this.#symmetry.group();
      if (typeof group === 'string') {
        if (this.#oneGraph) {
          this.#symmetry = undefined;
          this.#symmetryNote = `not used: ${group}`;
        } else this.#symmetryNote = `${this.#symmetry.describe()}; safety only: ${group}`;
      } else {
        this.#livenessGroup = group;
        this.#symmetryNote = `${this.#symmetry.describe()}, ${this.#oneGraph ? 'on the one graph of safety and liveness' : 'in safety and liveness'}`;
      }
    }
    this.#trackAccesses();
    if ((this.#opts.unobservedGhosts ?? true) && inst.ghosts.length > 0) {
      const unstored = this.machine.unstored;
      unstored.fill(0);
      if (this.#storedGhosts === undefined) {
        this.#storedGhosts = new Set();
        for (const g of ghostsPropertiesRead(this.machine)) this.#storeGhost(g);
      }
      for (let g = 0; g < unstored.length; g++) unstored[g] = this.#storedGhosts.has(g) ? 0 : 1;
    }
    let start: Int32Array;
    for (;;) {
      try {
        start = this.machine.initial();
        break;
      } catch (e) {
        if (e instanceof UntrackedAccess && this.#access !== undefined) {
          this.#track(e);
          continue;
        }
        // A ghost read before the first step (a ghost_read() merged into the start): stored.
        if (!(e instanceof GhostObserved) || this.#storedGhosts === undefined || this.#storedGhosts.has(e.ghost))
          throw e;
        this.#storeGhost(e.ghost);
        for (const g of this.#storedGhosts) this.machine.unstored[g] = 0;
      }
    }
    this.#store.intern(this.#represent(start, start.length), start.length, -1, -1, -1);
    if (this.#oneGraph) {
      this.#phase = 'liveness';
      this.#liveness = this.#newLiveness(true);
    }
    this.#beginWork();
  }

  /** Tells the parallel search's source (if any) that a search starts on the current store. */
  #beginWork(): void {
    if (this.#work === undefined) return;
    const live = this.#phase === 'liveness' ? this.#liveness : undefined;
    if (live !== undefined) {
      live.work = this.#work;
      live.onWitnesses = (bits, idx) => this.#witnessBits(bits, idx);
    }
    this.#work.begin(live?.store ?? this.#store, this.#phase);
  }

  /**
   * A parallel search (the seam of parallel/coordinator.ts): each state's successors and
   * property results are taken from `source`, computed there by helpers whose replicas of this
   * explorer follow its restarts (work(), follow()). Everything else (the store, numbering,
   * ample sets, budgets, counterexamples) stays here, so the result is the sequential one.
   * Returns false, leaving the search sequential, for a model whose witnesses a record cannot hold.
   */
  distribute(source: WorkSource): boolean {
    if (this.#inst.witnesses.length > MAX_WITNESSES) return false;
    // The records carry no renaming per edge, which the liveness graph under symmetry needs.
    if (this.#livenessGroup !== undefined) return false;
    this.#work = source;
    this.#beginWork();
    return true;
  }

  /**
   * As a helper's replica: appends the record of s[0..len) in `phase` to `out` (parallel/work.ts);
   * `unnumbered` says whether the state needed a thread history the replica may not number.
   */
  work(s: Int32Array, len: number, phase: Phase, out: Words, unnumbered: () => boolean): void {
    this.#workContext ??= {
      machine: this.machine,
      inst: this.#inst,
      view: this.machine.view(),
      represent: (x, n) => this.#represent(x, n),
      reduce: this.#reduce,
      safetyInLiveness: this.#oneGraph,
      unnumbered,
    };
    computeWork(this.#workContext, s, len, phase, out);
  }

  /** As a helper's replica: starts again as the explorer in charge did (parallel/). */
  follow(cause: RestartCause): void {
    if (cause.kind === 'growth') this.#restart(new DomainGrowth(cause.where as DomainKey, cause.value, cause.thread));
    else if (cause.kind === 'access') this.#restartForAccess(new UntrackedAccess(cause.thread, cause.loc));
    else this.#restartForGhost(new GhostObserved(cause.ghost, cause.name));
  }

  /** Witnesses a helper found reached in state `idx` (bit i: witness i). */
  #witnessBits(bits: number, idx: number): void {
    if (bits === 0) return;
    for (let i = 0; i < this.#witnessAt.length; i++) {
      if (this.#witnessAt[i] === -1 && (bits & (1 << i)) !== 0) this.#witnessAt[i] = idx;
    }
  }

  /** A safety violation in the state `view` shows (stored as `idx`), if any; notes the witnesses it reaches. */
  #safetyViolation(view: MachineStateView, idx: number, final: boolean): Violation | undefined {
    const machine = this.machine;
    const failure = machine.failed(view.s);
    if (failure)
      return { kind: 'assertion', property: failure.message, description: `${failure.thread}: ${failure.message}` };
    for (const inv of this.#inst.invariants) {
      if (!inv.holds(view)) return { kind: 'invariant', property: inv.name, description: inv.description };
    }
    this.#checkWitnesses(view, idx);
    if (final && this.#inst.deadlockFree && !machine.allIdle(view.s)) {
      return {
        kind: 'deadlock',
        property: 'deadlock',
        description: `no step is possible; blocked: ${machine.blocked(view.s).join('; ')}`,
      };
    }
    return undefined;
  }

  /** The first `sometimes` property no state reached, as a violation. */
  #missingWitness(): Violation | undefined {
    const missing = this.#inst.witnesses.findIndex((_, i) => this.#witnessAt[i] === -1);
    if (missing < 0) return undefined;
    const w = this.#inst.witnesses[missing] as Witness;
    return { kind: 'witness', property: w.name, description: `never reached: ${w.description}` };
  }

  /** Sets up the relaxed memory's collection rule (ExploreOptions.relaxedCollect). */
  #trackAccesses(): void {
    const mem = this.machine.mem;
    if (!(mem instanceof RelaxedMemory)) return;
    const rule = this.#opts.relaxedCollect ?? 'accessors';
    mem.keepPinned = rule === 'every-view';
    mem.access = undefined;
    if (rule !== 'accessors') return;
    if (this.#access === undefined) {
      this.#access = locationsAccessed(this.machine);
      const n = this.#inst.locs.length;
      this.#access.forEach((on, k) => {
        if (on === 1) this.#markAccess(Math.floor(k / n), k % n);
      });
    }
    mem.access = this.#access;
  }

  /** Thread `t` accesses location `l` (and so does its image under every symmetry renaming). */
  #markAccess(t: number, l: number): void {
    const n = this.#inst.locs.length;
    for (const [u, k] of this.#symmetry?.accessOrbit(t, l) ?? [[t, l]]) (this.#access as Uint8Array)[u * n + k] = 1;
  }

  /** An access outside the tracked locations: tracked from now on. */
  #track(e: UntrackedAccess): void {
    const access = this.#access;
    if (access === undefined || access[e.thread * this.#inst.locs.length + e.loc] === 1) throw e;
    this.#markAccess(e.thread, e.loc);
  }

  /** A thread accessed a location its views were not tracked for: start again with it tracked. */
  #restartForAccess(e: UntrackedAccess): void {
    this.#track(e);
    this.#accessRestarts++;
    this.#work?.restart({ kind: 'access', thread: e.thread, loc: e.loc });
    this.#reset();
    this.#begin(this.#automata?.restarts ?? 0);
  }

  /** Ghost `g` is stored from now on, with every ghost a symmetry renaming moves it to. */
  #storeGhost(g: number): void {
    for (const h of this.#symmetry?.ghostOrbit(g) ?? [g]) this.#storedGhosts?.add(h);
  }

  /** A ghost left out of the states was read: start again with it stored. */
  #restartForGhost(e: GhostObserved): void {
    if (this.#storedGhosts === undefined || this.#storedGhosts.has(e.ghost)) throw e;
    this.#storeGhost(e.ghost);
    this.#ghostRestarts++;
    this.#work?.restart({ kind: 'ghost', ghost: e.ghost, name: this.#inst.ghosts[e.ghost]?.name ?? String(e.ghost) });
    this.#reset();
    this.#begin(this.#automata?.restarts ?? 0);
  }

  /** A merged thread state met a result outside its domain: start again with it (quotient.ts). */
  #restart(growth: DomainGrowth): void {
    if ((this.#seeds.get(growth.where) ?? []).includes(growth.value))
      throw new ModelError(`quotient: ${growth.message}, again`);
    // Under symmetry, the value goes into every domain a renaming maps this one to, and a thread
    // left unmerged takes the threads it is renamed to with it: symmetry.ts renames a thread's
    // class through the history that reaches it, which is only a renaming of states when the
    // members' automata are merged alike. (With one member's domain wider, or one member
    // numbered by history and the others by class, representatives of renamed states differed,
    // and rebuilding a counterexample's run failed: "no successor of the run leads to stored
    // state", crosscheck-regressions.test.ts.)
    for (const [where, value] of this.#symmetry?.domainOrbit(growth.where, growth.value) ?? [
      [growth.where, growth.value] as const,
    ]) {
      const known = this.#seeds.get(where) ?? [];
      if (!known.includes(value)) this.#seeds.set(where, [...known, value]);
    }
    // A thread whose merged states keep meeting new values (it reads a counter) costs a whole
    // search each time: after the second, it is numbered by history, and the others stay merged.
    const t = this.#inst.threads.findIndex((th) => th.name === growth.thread);
    if (t >= 0) {
      this.#growths[t] = (this.#growths[t] as number) + 1;
      if ((this.#growths[t] as number) >= MAX_GROWTHS_PER_THREAD)
        for (const u of this.#symmetry?.threadOrbit(t) ?? [t]) this.#tooLarge[u] = true;
    }
    // A domain that keeps growing (a counter): restarting for every value costs more than the
    // merging saves, so search the history-numbered automata instead.
    if ((this.#automata?.restarts ?? 0) + 1 >= MAX_RESTARTS) this.#quotientOff = true;
    this.#work?.restart({ kind: 'growth', where: growth.where, value: growth.value, thread: growth.thread });
    this.#reset();
    this.#begin((this.#automata?.restarts ?? 0) + 1);
  }

  #newStore(): StateStore {
    const how = this.#opts.stateStore ?? (this.#opts.memoryModel === 'relaxed' ? 'tree' : 'packed');
    return new StateStore({ tree: how === 'tree' });
  }

  /** Forgets the search so far (for a restart). */
  #reset(): void {
    this.#store.release();
    this.#liveness?.release();
    this.#store = this.#newStore();
    this.#batch.count = 0;
    this.#liveness = undefined;
    this.#phase = 'safety';
    this.#phaseStart = now();
    this.#next = 0;
    this.#transitions = 0;
    this.#maxDepth = 0;
    this.#firstAmpleDepth = Number.POSITIVE_INFINITY;
    this.#witnessAt = this.#inst.witnesses.map(() => -1);
  }

  /** The state to store for s[0..len): its representative under the symmetry, or s itself. */
  #represent(s: Int32Array, len: number): Int32Array {
    if (this.#symmetry === undefined) return s;
    if (this.#canon.length < len) this.#canon = new Int32Array(len * 2);
    this.#symmetry.canonical(s, len, this.#canon);
    return this.#canon;
  }

  /**
   * The run that reaches state `idx`. Without symmetry, the stored path. With it, stored states
   * are representatives, and a stored step leads from one representative to some renaming of
   * the next; so the run is rebuilt from the initial state, each step chosen as a successor of
   * the actual state whose representative is the next stored state.
   */
  #path(idx: number): { unit: number; choice: number }[] {
    return this.#pathIn(this.#store, idx).steps;
  }

  /** As #path, in `store`, with the state the run ends in (with symmetry: some renaming of state idx). */
  #pathIn(store: StateStore, idx: number): { steps: { unit: number; choice: number }[]; end: Int32Array | undefined } {
    if (this.#symmetry === undefined) return { steps: store.path(idx), end: undefined };
    const chain: number[] = [];
    for (let i = idx; i >= 0; i = store.parent[i] as number) chain.push(i);
    chain.reverse();
    const machine = this.machine;
    let cur = machine.initial();
    const steps: { unit: number; choice: number }[] = [];
    for (const next of chain.slice(1)) {
      const target = new Int32Array(store.lengthOf(next));
      store.load(next, target);
      let found: { unit: number; choice: number; state: Int32Array } | undefined;
      machine.successors(cur, cur.length, (unit, choice, st, len) => {
        if (found !== undefined || len !== target.length) return;
        const rep = this.#represent(st, len);
        for (let j = 0; j < len; j++) if (rep[j] !== target[j]) return;
        found = { unit, choice, state: st.slice(0, len) };
      });
      if (found === undefined) throw new ModelError(`symmetry: no successor of the run leads to stored state ${next}`);
      steps.push({ unit: found.unit, choice: found.choice });
      cur = found.state;
    }
    return { steps, end: cur };
  }

  /** The liveness graph; with `withSafety` (one graph) it also checks each state's safety properties and the witnesses. */
  #newLiveness(withSafety: boolean): Liveness {
    return new Liveness(
      this.#inst,
      this.machine,
      this.#maxStates,
      (why, extra) => this.#finish(why, extra),
      this.#livenessSymmetry(),
      this.#newStore(),
      withSafety ? (view, idx, final) => this.#safetyViolation(view, idx, final) : undefined,
      withSafety ? () => this.#missingWitness() : undefined,
    );
  }

  /** What Liveness needs of the symmetry, or undefined for a liveness graph of every state. */
  #livenessSymmetry(): LivenessSymmetry | undefined {
    const sym = this.#symmetry;
    const group = this.#livenessGroup;
    if (sym === undefined || group === undefined) return undefined;
    const inst = this.#inst;
    const view = this.machine.view();
    let renamed = new Int32Array(0);
    return {
      group,
      canonical: (s, len, out) => sym.canonical(s, len, out),
      apply: (k, s, len, out) => sym.apply(k, s, len, out),
      path: (store, idx) => {
        const p = this.#pathIn(store, idx);
        return { steps: p.steps, end: p.end ?? this.machine.initial() };
      },
      checkProperties: (rep, len, final) => {
        // The quotient graph stands for the full one only if no property tells a state from its
        // renamings (SymmetrySpec says so, and this checks it on every stored state): else a
        // violation at a renaming of a stored state, or a witness reached only there, is missed.
        if (renamed.length < len) renamed = new Int32Array(len);
        const base = this.#view;
        base.s = rep;
        base.final = final;
        const invs = inst.invariants.map((p) => p.holds(base));
        const wits = inst.witnesses.map((p) => p.reached(base));
        const pend = inst.progress.map((p) => p.pending(base));
        for (let k = 1; k < group.size; k++) {
          sym.apply(k, rep, len, renamed);
          view.s = renamed;
          view.final = final;
          const differs = (name: string, a: boolean, b: boolean): void => {
            if (a !== b)
              throw new ModelError(
                `symmetry ${sym.spec.name}: property ${name} tells a state from its renaming (it must read every member alike)`,
              );
          };
          inst.invariants.forEach((p, i) => {
            differs(p.name, invs[i] as boolean, p.holds(view));
          });
          inst.witnesses.forEach((p, i) => {
            differs(p.name, wits[i] as boolean, p.reached(view));
          });
          inst.progress.forEach((p, i) => {
            differs(p.name, pend[i] as boolean, p.pending(view));
          });
        }
      },
    };
  }

  get result(): ExploreResult | undefined {
    return this.#result;
  }

  /** Runs until done or until `deadline` (performance.now() ms); returns the result when done. */
  run(deadline = Number.POSITIVE_INFINITY): ExploreResult | undefined {
    while (this.#result === undefined) {
      try {
        if (this.#reduced !== undefined) this.#shortenSlice(deadline);
        else if (this.#phase === 'safety') this.#safetySlice(deadline);
        else
          this.#result = (this.#liveness as Liveness).run(
            deadline,
            () => this.#interrupted(),
            () => this.#progress(),
          );
      } catch (e) {
        if (e instanceof GhostObserved) {
          this.#result = undefined;
          this.#reduced = undefined;
          this.#restartForGhost(e);
        } else if (e instanceof UntrackedAccess) {
          this.#result = undefined;
          this.#reduced = undefined;
          this.#restartForAccess(e);
        } else {
          if (!(e instanceof DomainGrowth)) throw e;
          this.#result = undefined;
          this.#restart(e);
        }
      }
      if (this.#result === undefined && (now() >= deadline || this.#work?.waiting === true)) return undefined;
    }
    this.#work?.end();
    // Done: the stores' arenas go to the next search (everything reported was read out of them).
    this.#store.release();
    this.#liveness?.release();
    return this.#result;
  }

  #interrupted(): string | undefined {
    if (this.#opts.signal?.aborted) return 'cancelled';
    if (this.#opts.maxMs !== undefined && now() - this.#start > this.#opts.maxMs) {
      return `time budget of ${this.#opts.maxMs} ms exhausted`;
    }
    return undefined;
  }

  #progress(force = false): void {
    const t = now();
    if (!this.#opts.onProgress || (!force && t - this.#lastProgress < (this.#opts.progressIntervalMs ?? 100))) return;
    this.#lastProgress = t;
    const ms = t - this.#start;
    const phaseMs = t - this.#phaseStart;
    const states = this.#phase === 'safety' ? this.#store.count : (this.#liveness?.states ?? 0);
    this.#opts.onProgress({
      phase: this.#phase,
      states,
      depth: this.#maxDepth,
      ms,
      statesPerSecond: phaseMs > 0 ? (states * 1000) / phaseMs : 0,
    });
  }

  /**
   * A safety violation at state `idx`, `depth` steps from the initial state. Without reduction
   * it is the result; under reduction, first look for a shorter counterexample without it (the
   * header says why). Not needed when every state shallower than depth - 1 was fully expanded:
   * then every state of the program within depth - 1 steps was reached at its own depth and
   * checked before this one (breadth-first), so none of them breaks a property.
   */
  #violated(violation: Violation, idx: number, depth: number): void {
    const extra = { violation, path: { steps: this.#path(idx) } };
    const left = this.#opts.maxMs === undefined ? undefined : this.#opts.maxMs - (now() - this.#start);
    const needed = this.#reduce && this.#firstAmpleDepth < depth - 1;
    if (!needed || (left !== undefined && left <= 0)) {
      this.#result = this.#finish('violated', {
        ...extra,
        ...(needed ? { notShortest: 'the time budget was spent before a shorter one was looked for' } : {}),
      });
      return;
    }
    const shorter = new Exploration(this.#inst, {
      ...this.#opts,
      reduction: false,
      liveness: false,
      ...(left === undefined ? {} : { maxMs: left }),
    });
    shorter.#depthBound = depth - 1;
    this.#reduced = { extra, shorter };
  }

  #shortenSlice(deadline: number): void {
    const { extra, shorter } = this.#reduced as ReducedViolation;
    const r = shorter.run(deadline);
    if (r === undefined) return;
    const found = r.verdict === 'violated' && r.violation !== undefined && r.path !== undefined;
    this.#result = this.#finish('violated', {
      ...(found ? { violation: r.violation as Violation, path: r.path as RawPath } : extra),
      ...(r.verdict === 'inconclusive' ? { notShortest: `the search for a shorter one stopped: ${r.reason}` } : {}),
      shortestSearchStates: r.states,
    });
  }

  #finish(
    verdict: ExploreResult['verdict'],
    extra: {
      violation?: Violation;
      path?: RawPath;
      reason?: string;
      livenessStates?: number;
      notShortest?: string;
      shortestSearchStates?: number;
    } = {},
  ): ExploreResult {
    const witnesses = this.#inst.witnesses.map((w, i) => ({ name: w.name, reached: this.#witnessAt[i] !== -1 }));
    return {
      verdict,
      ...extra,
      ...(this.#oneGraph && this.#liveness !== undefined
        ? {
            states: this.#liveness.states,
            transitions: this.#liveness.transitions,
            depth: this.#liveness.depth,
            livenessStates: this.#liveness.states,
            oneGraph: true as const,
          }
        : { states: this.#store.count, transitions: this.#transitions, depth: this.#maxDepth }),
      ms: now() - this.#start,
      witnesses,
      ...(this.#symmetryNote === undefined ? {} : { symmetry: this.#symmetryNote }),
      ...(this.#automata === undefined ? {} : { automata: this.#automata }),
      ...(this.#storedGhosts === undefined
        ? {}
        : {
            ghosts: {
              unstored: this.#inst.ghosts.length - this.#storedGhosts.size,
              of: this.#inst.ghosts.length,
              restarts: this.#ghostRestarts,
            },
          }),
      ...(this.#access === undefined
        ? {}
        : {
            untracked: {
              pairs: this.#access.reduce((k, on) => k + (on === 1 ? 0 : 1), 0),
              of: this.#access.length,
              restarts: this.#accessRestarts,
            },
          }),
    };
  }

  #safetySlice(deadline: number): void {
    const store = this.#store;
    const machine = this.machine;
    const view = this.#view;
    const inst = this.#inst;
    let parent = 0;
    const batch = this.#batch;
    const nextSlot = (n: number): Int32Array => batch.next(n);
    const emit = (unit: number, choice: number, next: Int32Array, len: number): void => {
      this.#transitions++;
      batch.add(unit, choice, this.#represent(next, len), len);
    };
    for (let iter = 0; this.#next < store.count; iter++) {
      if ((iter & 1023) === 0) {
        const why = this.#interrupted();
        if (why) {
          this.#result = this.#finish('inconclusive', { reason: `${why} after ${store.count} states` });
          return;
        }
        if (now() >= deadline) return;
        this.#progress();
      }
      parent = this.#next++;
      // Exactly the state's length, so that the machine copies it with one memcpy per successor.
      if (store.lengthOf(parent) !== this.#cur.length) this.#cur = new Int32Array(store.lengthOf(parent));
      const len = store.load(parent, this.#cur);
      const s = this.#cur;
      const depth = store.depth[parent] as number;
      if (depth > this.#depthBound) {
        // A search for a shorter counterexample that got past its bound: there is none.
        this.#result = this.#finish('holds');
        return;
      }
      if (depth > this.#maxDepth) this.#maxDepth = depth;

      const taken = this.#work?.take(parent);
      if (taken === 'wait') {
        this.#next = parent;
        return;
      }
      const rec = usable(taken);
      let emitted =
        rec !== undefined ? ampleFrom(store, rec, parent) : this.#reduce ? this.#expandAmple(s, len, parent) : -1;
      if (rec !== undefined && emitted >= 0) this.#transitions += emitted;
      if (emitted >= 0 && depth < this.#firstAmpleDepth) this.#firstAmpleDepth = depth;
      if (emitted < 0 && rec !== undefined && (rec.a[fullOffset(rec)] as number) >= 0) {
        emitted = fullFrom(store, rec, parent);
        this.#transitions += emitted;
      } else if (emitted < 0 && depth === this.#depthBound) {
        // At the bound: its successors are too deep to matter; only their number (a deadlock?) does.
        emitted = machine.successors(s, len, () => {});
      } else if (emitted < 0) {
        machine.scratch = nextSlot;
        try {
          emitted = machine.successors(s, len, emit);
        } finally {
          machine.scratch = undefined;
        }
        batch.flush(store, parent);
      }
      if (rec !== undefined) {
        // A helper checked the properties: none is violated here, and these witnesses are reached.
        this.#witnessBits(rec.a[rec.at + 1] as number, parent);
        if (store.count > this.#maxStates) {
          this.#result = this.#finish('inconclusive', { reason: `state budget exhausted after ${store.count} states` });
          return;
        }
        continue;
      }
      view.s = s;
      view.final = emitted === 0;
      const failure = machine.failed(s);
      if (failure) {
        this.#violated(
          { kind: 'assertion', property: failure.message, description: `${failure.thread}: ${failure.message}` },
          parent,
          depth,
        );
        return;
      }
      for (const inv of inst.invariants) {
        if (!inv.holds(view)) {
          this.#violated({ kind: 'invariant', property: inv.name, description: inv.description }, parent, depth);
          return;
        }
      }

      this.#checkWitnesses(view, parent);
      if (emitted === 0 && inst.deadlockFree && !machine.allIdle(s)) {
        this.#violated(
          {
            kind: 'deadlock',
            property: 'deadlock',
            description: `no step is possible; blocked: ${machine.blocked(s).join('; ')}`,
          },
          parent,
          depth,
        );
        return;
      }
      if (store.count > this.#maxStates) {
        this.#result = this.#finish('inconclusive', {
          reason: `state budget exhausted after ${store.count} states`,
        });
        return;
      }
    }
    // Safety phase complete.
    if (this.#depthBound !== Number.POSITIVE_INFINITY) {
      // A search for a shorter counterexample that found none (witnesses and progress are not its business).
      this.#result = this.#finish('holds');
      return;
    }
    const missing = this.#missingWitness();
    if (missing !== undefined) {
      this.#result = this.#finish('violated', { violation: missing });
      return;
    }
    if (inst.progress.length > 0 && (this.#opts.liveness ?? true)) {
      this.#phase = 'liveness';
      this.#phaseStart = now();
      this.#liveness = this.#newLiveness(false);
      this.#beginWork();
      this.#progress(true);
      return;
    }
    this.#result = this.#finish('holds');
  }

  #checkWitnesses(view: StateView, idx: number): void {
    const ws = this.#inst.witnesses;
    for (let i = 0; i < ws.length; i++) {
      if (this.#witnessAt[i] === -1 && (ws[i] as Witness).reached(view)) this.#witnessAt[i] = idx;
    }
  }

  /**
   * Tries an ample set: the transitions of one thread whose next step is local and invisible,
   * all leading to new states. Returns the number of transitions taken, or -1 for "expand fully".
   */
  #expandAmple(s: Int32Array, len: number, parent: number): number {
    const machine = this.machine;
    const store = this.#store;
    for (let u = 0; u < machine.nthreads; u++) {
      if (!machine.isLocalUnit(s, u)) continue;
      const ample = this.#ample;
      ample.length = 0;
      let ok = true;
      machine.unitSuccessors(s, len, u, (_unit, choice, next, nlen) => {
        if (!ok) return;
        if (!machine.ghostsEqual(s, next) || machine.nextAction(next, u).kind === Kind.Return) {
          ok = false;
          return;
        }
        const stored = this.#represent(next, nlen);
        const hash = StateStore.hash(stored, nlen);
        if (store.find(stored, nlen, hash) >= 0) {
          ok = false;
          return;
        }
        ample.push({ choice, state: stored.slice(0, nlen), hash });
      });
      if (!ok || ample.length === 0) continue;
      for (const { choice, state, hash } of ample) {
        this.#transitions++;
        store.intern(state, state.length, parent, u, choice, hash);
      }
      return ample.length;
    }
    return -1;
  }
}

type Finish = (
  verdict: ExploreResult['verdict'],
  extra: { violation?: Violation; path?: RawPath; reason?: string; livenessStates?: number },
) => ExploreResult;

/** A growable vector of 32-bit integers (the liveness graph: JS arrays of numbers grow slower). */
class IntVec {
  a = new Int32Array(1 << 12);
  length = 0;

  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
}

/**
 * A growable vector of small unsigned integers, one or two bytes each (the liveness graph's
 * per-edge unit and renaming: a byte where an Int32 would take four, for every transition).
 */
class SmallVec {
  a: Uint8Array | Uint16Array;
  length = 0;
  readonly #wide: boolean;

  /** For values up to `max` (at most 65,535). */
  constructor(max: number) {
    if (max > 0xffff) throw new RangeError(`SmallVec holds values up to 65535, not ${max}`);
    this.#wide = max > 0xff;
    this.a = this.#wide ? new Uint16Array(1 << 12) : new Uint8Array(1 << 12);
  }

  push(v: number): void {
    if (this.length === this.a.length) {
      const b = this.#wide ? new Uint16Array(this.a.length * 2) : new Uint8Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
}

/** What the liveness graph needs to store one state per symmetry class (Exploration.#livenessSymmetry). */
interface LivenessSymmetry {
  readonly group: LivenessGroup;
  /** The representative of s into out; returns the renaming k with out = k(s). */
  canonical(s: Int32Array, len: number, out: Int32Array): number;
  apply(k: number, s: Int32Array, len: number, out: Int32Array): void;
  /** A run of the model to stored state idx, and the state it ends in (a renaming of idx). */
  path(store: StateStore, idx: number): { steps: { unit: number; choice: number }[]; end: Int32Array };
  /** Throws ModelError if a property tells the stored state from one of its renamings. */
  checkProperties(rep: Int32Array, len: number, final: boolean): void;
}

/**
 * Weakly fair cycle detection over the state graph: every state, or with a symmetry one state
 * per class.
 *
 * With a symmetry the graph stores representatives r, and each edge of r is one of r's own
 * successors s' (a real step of the model, by unit u), kept as the representative r' = p(s')
 * together with the renaming p. Fairness cannot be read off that quotient graph directly: unit
 * u at r and unit u at r' are not the same thread when p moved it, so a quotient cycle along
 * which "every enabled unit steps" may be no fair run at all, and a naive check would report a
 * false fair cycle (or, reading units the other way, miss one); symmetry-liveness.test.ts
 * builds both cases. So the cycle search runs on the *lifted* graph, whose nodes are the pairs
 * (r, g), g in the group G, standing for the state g(r): from (r, g), the edge (u, p, r') above
 * leads to (r', g∘p⁻¹) by unit g(u) (g(s') = g∘p⁻¹(r'), and the successors of g(r) are
 * exactly the g-renamings of r's: the declared symmetry is checked, symmetry.ts), and the units
 * enabled at (r, g) are those at r renamed by g. This is the annotated quotient of Emerson and
 * Sistla (tracking the permutation), built on the fly from |G| integers per state instead of
 * states:
 * - the lifted graph maps onto the reachable graph of the model, node (r, g) to g(r), with
 *   each node's edges onto its image's edges, units and enabled sets kept (every renaming fixes
 *   the initial state, Symmetry.group(), so every g(r) is reachable, and reachable states are
 *   renamings of stored ones);
 * - so a fair cycle of the lifted graph is a fair cycle of the model; and a fair cycle of the
 *   model, lifted edge by edge from a node over its first state, ends over the same state at a
 *   node (r, g') that may differ from the start (g'(r) = g(r)); lifting it again from there, at
 *   most |G| times round, some node repeats, and the cycle repeated that often (still fair) is a
 *   cycle of the lifted graph.
 * Both need the properties to read every member alike (pending(g(r)) = pending(r)); that is the
 * model's claim (SymmetrySpec), and checkProperties() verifies it on every stored state against
 * every renaming, so a property that names one member is a ModelError, not a wrong verdict. A
 * lasso found is turned back into a run of the model and replayed, and each of its steps must
 * reach the state the lifted graph says (else a ModelError).
 */
class Liveness {
  readonly #inst: ModelInstance;
  readonly #machine: Machine;
  readonly #maxStates: number;
  readonly #finish: Finish;
  readonly #store: StateStore;
  #next = 0;
  #cur = new Int32Array(0);
  // Edges in CSR form, filled in BFS (= index) order.
  readonly #edgeStart = new IntVec();
  readonly #edgeTo = new IntVec();
  /** Fairness units are at most 31 (checked in the constructor): a byte each. */
  readonly #edgeUnit = new SmallVec(31);
  readonly #enabled = new IntVec();
  readonly #pending = new IntVec();
  /** With a symmetry: per edge, the renaming p with target = p(successor). */
  readonly #edgePerm: SmallVec;
  readonly #sym: LivenessSymmetry | undefined;
  #canon = new Int32Array(0);
  /** With one graph (ExploreOptions.oneGraph): the safety checks of each state, and the witnesses at the end. */
  readonly #safety: ((view: MachineStateView, idx: number, final: boolean) => Violation | undefined) | undefined;
  readonly #witnesses: (() => Violation | undefined) | undefined;
  /** A parallel search: where each state's successors and property results come from (parallel/). */
  work: WorkSource | undefined;
  /** With one graph: witnesses a helper found reached in a state. */
  onWitnesses: ((bits: number, idx: number) => void) | undefined;

  constructor(
    inst: ModelInstance,
    machine: Machine,
    maxStates: number,
    finish: Finish,
    sym: LivenessSymmetry | undefined,
    store: StateStore,
    safety?: (view: MachineStateView, idx: number, final: boolean) => Violation | undefined,
    witnesses?: () => Violation | undefined,
  ) {
    this.#inst = inst;
    this.#machine = machine;
    this.#maxStates = maxStates;
    this.#finish = finish;
    this.#sym = sym;
    // Renamings are numbered 0 .. size - 1; a graph lifted over more than 65,536 would not fit anyway.
    this.#edgePerm = new SmallVec(sym === undefined ? 0 : sym.group.size - 1);
    this.#store = store;
    this.#safety = safety;
    this.#witnesses = witnesses;
    if (machine.units.length > 31) throw new ModelError('liveness checking supports at most 31 fairness units');
    if (inst.progress.length > 31) throw new ModelError('at most 31 progress properties');
    // Every renaming fixes the initial state (Symmetry.group()): it is its own representative.
    const init = machine.initial();
    this.#store.intern(init, init.length, -1, -1, -1);
  }

  /** A run of the model to stored state idx. */
  #path(idx: number): { unit: number; choice: number }[] {
    return this.#sym === undefined ? this.#store.path(idx) : this.#sym.path(this.#store, idx).steps;
  }

  get states(): number {
    return this.#store.count;
  }

  get store(): StateStore {
    return this.#store;
  }

  get transitions(): number {
    return this.#edgeTo.length;
  }

  /** Depth of the deepest state stored (breadth first: the last one). */
  get depth(): number {
    return this.#store.count > 0 ? (this.#store.depth[this.#store.count - 1] as number) : 0;
  }

  release(): void {
    this.#store.release();
  }

  run(deadline: number, interrupted: () => string | undefined, progress: () => void): ExploreResult | undefined {
    const store = this.#store;
    const machine = this.#machine;
    const view = machine.view();
    let parent = 0;
    let enabled = 0;
    const sym = this.#sym;
    const emit = (unit: number, choice: number, next: Int32Array, len: number): void => {
      let stored = next;
      if (sym !== undefined) {
        if (this.#canon.length < len) this.#canon = new Int32Array(len * 2);
        this.#edgePerm.push(sym.canonical(next, len, this.#canon));
        stored = this.#canon;
      }
      const r = store.intern(stored, len, parent, unit, choice);
      this.#edgeTo.push(r >= 0 ? r : -r - 1);
      this.#edgeUnit.push(unit);
      enabled |= 1 << unit;
    };
    for (let iter = 0; this.#next < store.count; iter++) {
      if ((iter & 1023) === 0) {
        const why = interrupted();
        if (why)
          return this.#finish('inconclusive', {
            reason: `${why} after ${store.count} states (liveness)`,
            livenessStates: store.count,
          });
        if (performance.now() >= deadline) return undefined;
        progress();
      }
      parent = this.#next++;
      const taken = this.work?.take(parent);
      if (taken === 'wait') {
        this.#next = parent;
        return undefined;
      }
      const rec = usable(taken);
      if (rec !== undefined) {
        this.#edgeStart.push(this.#edgeTo.length);
        let on = 0;
        fullFrom(store, rec, parent, (idx, unit) => {
          this.#edgeTo.push(idx);
          this.#edgeUnit.push(unit);
          on |= 1 << unit;
        });
        this.#enabled.push(on);
        this.onWitnesses?.(rec.a[rec.at + 1] as number, parent);
        this.#pending.push(rec.a[rec.at + 2] as number);
        if (store.count > this.#maxStates) {
          return this.#finish('inconclusive', {
            reason: `state budget exhausted after ${store.count} states (liveness)`,
            livenessStates: store.count,
          });
        }
        continue;
      }
      // Exactly the state's length, so that the machine copies it with one memcpy per successor.
      if (store.lengthOf(parent) !== this.#cur.length) this.#cur = new Int32Array(store.lengthOf(parent));
      const len = store.load(parent, this.#cur);
      this.#edgeStart.push(this.#edgeTo.length);
      enabled = 0;
      machine.successors(this.#cur, len, emit);
      this.#enabled.push(enabled);
      view.s = this.#cur;
      view.final = enabled === 0;
      if (this.#safety !== undefined) {
        const violation = this.#safety(view, parent, enabled === 0);
        if (violation !== undefined)
          return this.#finish('violated', { violation, path: { steps: this.#path(parent) } });
      }
      let pend = 0;
      this.#inst.progress.forEach((p, k) => {
        if (p.pending(view)) pend |= 1 << k;
      });
      this.#pending.push(pend);
      sym?.checkProperties(this.#cur, len, enabled === 0);
      if (store.count > this.#maxStates) {
        return this.#finish('inconclusive', {
          reason: `state budget exhausted after ${store.count} states (liveness)`,
          livenessStates: store.count,
        });
      }
    }
    this.#edgeStart.push(this.#edgeTo.length);
    const missing = this.#witnesses?.();
    if (missing !== undefined) return this.#finish('violated', { violation: missing, livenessStates: store.count });
    for (let k = 0; k < this.#inst.progress.length; k++) {
      const lasso = this.#fairCycle(k);
      if (lasso) {
        const p = this.#inst.progress[k] as Progress;
        return this.#finish('violated', {
          violation: { kind: 'progress', property: p.name, description: p.description },
          path: lasso,
          livenessStates: store.count,
        });
      }
    }
    return this.#finish('holds', { livenessStates: store.count });
  }

  /** Nodes of the lifted graph per stored state (see the class comment): |G| with a symmetry, else 1. */
  get #lift(): number {
    return this.#sym?.group.size ?? 1;
  }

  /** The node edge e (an edge of state ⌊v / G⌋) leads to from node v of the lifted graph. */
  #target(v: number, e: number, G: number): number {
    const to = this.#edgeTo.a[e] as number;
    if (G === 1) return to;
    const { compose, inverse } = (this.#sym as LivenessSymmetry).group;
    const g = v % G;
    return to * G + (compose[g * G + (inverse[this.#edgePerm.a[e] as number] as number)] as number);
  }

  /** The fairness unit that edge e takes from node v: its unit renamed by v's renaming. */
  #unitAt(v: number, e: number, G: number): number {
    const u = this.#edgeUnit.a[e] as number;
    if (G === 1) return u;
    const { unitTo, units } = (this.#sym as LivenessSymmetry).group;
    return unitTo[(v % G) * units + u] as number;
  }

  /** The units enabled at node v: those of its state, renamed by its renaming. */
  #enabledAt(v: number, G: number): number {
    if (G === 1) return this.#enabled.a[v] as number;
    const { unitTo, units } = (this.#sym as LivenessSymmetry).group;
    const row = (v % G) * units;
    let mask = this.#enabled.a[(v / G) | 0] as number;
    let out = 0;
    for (let u = 0; mask !== 0; u++, mask >>>= 1) if ((mask & 1) !== 0) out |= 1 << (unitTo[row + u] as number);
    return out;
  }

  /** Finds a fair lasso along which property k stays pending, or undefined. */
  #fairCycle(k: number): RawPath | undefined {
    const n = this.#store.count;
    const G = this.#lift;
    const bit = 1 << k;
    const pending = this.#pending.a;
    const pend = (i: number): boolean => ((pending[i] as number) & bit) !== 0;
    const start = this.#edgeStart.a;
    // A pending state with no successors at all: the run stops (stutters) with the obligation open.
    for (let i = 0; i < n; i++) {
      if (pend(i) && start[i] === start[i + 1]) {
        const steps = this.#path(i);
        return { steps, cycleStart: steps.length };
      }
    }
    // Tarjan's SCC algorithm, iterative, on the nodes of the lifted graph over pending states.
    const nodes = n * G;
    const index = new Int32Array(nodes).fill(-1);
    const low = new Int32Array(nodes);
    const onStack = new Uint8Array(nodes);
    const stack: number[] = [];
    const call: { v: number; e: number; end: number }[] = [];
    const frame = (v: number): { v: number; e: number; end: number } => {
      const r = G === 1 ? v : (v / G) | 0;
      return { v, e: start[r] as number, end: start[r + 1] as number };
    };
    let counter = 0;
    for (let root = 0; root < nodes; root++) {
      if (!pend(G === 1 ? root : (root / G) | 0) || (index[root] as number) >= 0) continue;
      call.push(frame(root));
      index[root] = low[root] = counter++;
      stack.push(root);
      onStack[root] = 1;
      while (call.length > 0) {
        const top = call[call.length - 1] as { v: number; e: number; end: number };
        const v = top.v;
        if (top.e < top.end) {
          const w = this.#target(v, top.e++, G);
          if (!pend(G === 1 ? w : (w / G) | 0)) continue;
          if ((index[w] as number) < 0) {
            index[w] = low[w] = counter++;
            stack.push(w);
            onStack[w] = 1;
            call.push(frame(w));
          } else if (onStack[w]) {
            low[v] = Math.min(low[v] as number, index[w] as number);
          }
          continue;
        }
        call.pop();
        if (call.length > 0) {
          const p = (call[call.length - 1] as { v: number }).v;
          low[p] = Math.min(low[p] as number, low[v] as number);
        }
        if (low[v] === index[v]) {
          const scc: number[] = [];
          let w: number;
          do {
            w = stack.pop() as number;
            onStack[w] = 0;
            scc.push(w);
          } while (w !== v);
          const lasso = this.#checkScc(scc, k);
          if (lasso) return lasso;
        }
      }
    }
    return undefined;
  }

  /** A fair lasso through the strongly connected set of nodes `scc`, if it has a fair cycle. */
  #checkScc(scc: number[], k: number): RawPath | undefined {
    const G = this.#lift;
    const inScc = new Set(scc);
    const start = this.#edgeStart.a;
    let always = -1;
    let taken = 0;
    let cyclic = false;
    let entry = Number.POSITIVE_INFINITY;
    for (const v of scc) {
      if (v < entry) entry = v;
      always &= this.#enabledAt(v, G);
      const r = G === 1 ? v : (v / G) | 0;
      for (let e = start[r] as number; e < (start[r + 1] as number); e++) {
        if (inScc.has(this.#target(v, e, G))) {
          cyclic = true;
          taken |= 1 << this.#unitAt(v, e, G);
        }
      }
    }
    if (!cyclic || (always & ~taken) !== 0) return undefined;
    // Build the lasso: shortest prefix to the SCC's earliest-discovered state, then a cycle that
    // takes one edge of every unit that steps inside the SCC, visits a node where each unit that
    // never steps inside it is disabled, and returns.
    const cycle: { v: number; e: number }[] = [];
    let at = entry;
    for (let u = 0; u < 31; u++) {
      if (!(taken & (1 << u))) continue;
      const hop = this.#pathWithin(inScc, at, (v, e) => this.#unitAt(v, e, G) === u);
      if (!hop) continue;
      cycle.push(...hop.edges);
      at = hop.end;
    }
    // Weak fairness also lets a unit that never steps here off if it is disabled somewhere in the
    // SCC; the cycle printed must then pass through such a node, or the lasso shown would keep that
    // unit enabled throughout without a step of it: an unfair run, and no counterexample.
    const idle = ~always & ~taken;
    for (let u = 0; u < 31; u++) {
      const b = 1 << u;
      if ((idle & b) === 0 || (this.#enabledAt(at, G) & b) === 0) continue;
      if (cycle.some(({ v }) => (this.#enabledAt(v, G) & b) === 0)) continue;
      const hop = this.#pathWithin(inScc, at, (v, e) => (this.#enabledAt(this.#target(v, e, G), G) & b) === 0);
      if (!hop) continue;
      cycle.push(...hop.edges);
      at = hop.end;
    }
    const back =
      at === entry && cycle.length > 0
        ? undefined
        : this.#pathWithin(inScc, at, (v, e) => this.#target(v, e, G) === entry);
    if (back) cycle.push(...back.edges);
    return this.#lasso(entry, cycle, k);
  }

  /** BFS inside the SCC from node `from` to the first edge satisfying `goal`; includes that edge. */
  #pathWithin(
    inScc: Set<number>,
    from: number,
    goal: (v: number, e: number) => boolean,
  ): { edges: { v: number; e: number }[]; end: number } | undefined {
    const G = this.#lift;
    const start = this.#edgeStart.a;
    const prev = new Map<number, { v: number; e: number }>();
    const queue = [from];
    const seen = new Set([from]);
    for (let qi = 0; qi < queue.length; qi++) {
      const v = queue[qi] as number;
      const r = G === 1 ? v : (v / G) | 0;
      for (let e = start[r] as number; e < (start[r + 1] as number); e++) {
        const w = this.#target(v, e, G);
        if (!inScc.has(w)) continue;
        if (goal(v, e)) {
          const edges = [{ v, e }];
          for (let x = v; x !== from; ) {
            const p = prev.get(x) as { v: number; e: number };
            edges.push(p);
            x = p.v;
          }
          edges.reverse();
          return { edges, end: w };
        }
        if (!seen.has(w)) {
          seen.add(w);
          prev.set(w, { v, e });
          queue.push(w);
        }
      }
    }
    return undefined;
  }

  /**
   * The lasso of a run to node `entry` and then the edges `cycle` round to it, as steps of the
   * model. With a symmetry the run to entry's state ends in some renaming h(r) of it, so the cycle
   * is the one through node (r, h) (the lifted graph looks the same from every renaming of a node:
   * (r, g) to (r, c∘g) maps it onto itself), each step found among the real successors of the
   * state reached so far, and checked to reach the renamed state the graph says and to keep
   * property k pending.
   */
  #lasso(entry: number, cycle: readonly { v: number; e: number }[], k: number): RawPath {
    const sym = this.#sym;
    if (sym === undefined) {
      const prefix = this.#store.path(entry);
      return { steps: [...prefix, ...cycle.map(({ e }) => this.#edgeLabel(e))], cycleStart: prefix.length };
    }
    const { size: G, compose, inverse, unitTo, units } = sym.group;
    const machine = this.#machine;
    const store = this.#store;
    const stored = (idx: number): Int32Array => {
      const out = new Int32Array(store.lengthOf(idx));
      store.load(idx, out);
      return out;
    };
    const renamed = (g: number, s: Int32Array): Int32Array => {
      const out = new Int32Array(s.length);
      sym.apply(g, s, s.length, out);
      return out;
    };
    const same = (a: Int32Array, b: Int32Array): boolean => a.length === b.length && a.every((w, j) => w === b[j]);
    const { steps: prefix, end } = sym.path(store, (entry / G) | 0);
    const rep = stored((entry / G) | 0);
    const h = Array.from({ length: G }, (_, g) => g).find((g) => same(renamed(g, rep), end));
    if (h === undefined) throw new ModelError('symmetry: the run to a lasso ends in no renaming of its state');
    const shift = compose[h * G + (inverse[entry % G] as number)] as number;
    const property = this.#inst.progress[k] as Progress;
    const view = machine.view();
    const steps = [...prefix];
    let cur = end;
    for (const { v, e } of cycle) {
      const g = compose[shift * G + (v % G)] as number;
      const unit = unitTo[g * units + (this.#edgeUnit.a[e] as number)] as number;
      const perm = this.#edgePerm.a[e] as number;
      const target = renamed(compose[g * G + (inverse[perm] as number)] as number, stored(this.#edgeTo.a[e] as number));
      let choice = -1;
      machine.unitSuccessors(cur, cur.length, unit, (_u, c, next, len) => {
        if (choice < 0 && len === target.length && same(next.subarray(0, len), target)) choice = c;
      });
      if (choice < 0) throw new ModelError(`symmetry: no step of ${machine.units[unit]?.name} follows the lasso`);
      steps.push({ unit, choice });
      cur = target;
      view.s = cur;
      if (!property.pending(view)) throw new ModelError(`symmetry: ${property.name} is not pending along the lasso`);
    }
    if (!same(cur, end)) throw new ModelError('symmetry: the lasso does not return to its first state');
    return { steps, cycleStart: prefix.length };
  }

  /** Edge e's (unit, choice): the choice is recovered by regenerating the source's successors. */
  #edgeLabel(e: number): { unit: number; choice: number } {
    // Find the source state of edge e.
    let lo = 0;
    let hi = this.#edgeStart.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#edgeStart.a[mid] as number) <= e) lo = mid;
      else hi = mid - 1;
    }
    const src = lo;
    const unit = this.#edgeUnit.a[e] as number;
    const target = this.#edgeTo.a[e] as number;
    const s = new Int32Array(this.#store.lengthOf(src) + 4096);
    const len = this.#store.load(src, s);
    let choice = -1;
    let probe = new Int32Array(4096);
    this.#machine.unitSuccessors(s, len, unit, (_u, c, next, nlen) => {
      if (choice >= 0) return;
      if (probe.length < nlen) probe = new Int32Array(nlen * 2);
      probe.set(next.subarray(0, nlen));
      if (this.#store.find(probe, nlen) === target) choice = c;
    });
    return { unit, choice };
  }
}
