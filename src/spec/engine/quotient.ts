/**
 * Thread automata quotiented by future behaviour.
 *
 * A thread's automaton numbers its states by *history* (automaton.ts): the results its steps
 * returned since the body (re)started. Histories that differ only in results no later step
 * depends on stay distinct: a cmpxchg() that returned OUTSIDE_GUEST_MODE and one that returned
 * EXITING_GUEST_MODE, when both then do the same thing; the two arms of an `if` once they have
 * joined again. Every such pair multiplies the states of the whole machine.
 *
 * Here, before the search, each thread's body is unfolded into its tree of histories over a
 * *domain* of results, and histories are merged when their futures are identical: the same
 * action (kind, operands, ordering, text, source line, and for a read-modify-write or a wait
 * the same function values on the domain) and, for every result in the domain, children that
 * are merged in turn. That is the coarsest bisimulation of the tree, computed bottom-up by
 * hash-consing. The state vector then stores a class where it stored a history, so the
 * explorer's state graph is the quotient of the old one by "same memory, same future for
 * every thread", which has the same verdicts and the same shortest counterexamples.
 *
 * The domain is a guess at the values each memory location and ghost can hold (initial values,
 * every value a step of any thread or interrupt handler writes, a read-modify-write function
 * applied to the values known), the CPUs a thread can be on, and each step's fixed results
 * (choices, 0). It need not be complete, and cannot always be (a counter that atomic_inc() bumps
 * has no bound the unfolding could see): a merged state that the search asks for the child of a
 * result outside its domain throws DomainGrowth, and the explorer starts again with that value
 * added (explore.ts). So the final search only ever fed merged states results from the domain
 * they were merged over, which is what exactness needs. Where the unfolding gives up (a body
 * that loops within one pass deeper than MAX_DEPTH, a tree too large), histories stay unmerged,
 * numbered as before: nothing is assumed about them.
 *
 * Under relaxed memory a step's meaning depends on more than the thread's future over the
 * domain: on its past (the barrier flags of smp_mb__after_atomic(), a dependency on the load
 * before it) and on its future probed with values no domain holds (load buffering, dependencies
 * by behaviour). compileThreads' `facts` (threads.ts relaxedFacts) says what of that each node
 * reads; it is part of a node's class, so merged histories agree on it at every step of their
 * futures, and the machine asks it of a class's first history (ThreadAutomaton.past).
 */
import { type Action, Kind, NO_WRITE } from './actions.ts';
import type { ThreadAutomaton } from './automaton.ts';
import type { ModelInstance } from './model.ts';
import { ENXIO } from './primitives.ts';

/** A merged state was asked for a result outside the domain it was merged over. */
export class DomainGrowth extends Error {
  readonly where: DomainKey;
  readonly value: number;
  /** The thread whose merged state was asked. */
  readonly thread: string;
  constructor(where: DomainKey, value: number, thread: string) {
    super(`domain of ${where} grows by ${value} (thread ${thread}): the thread automata are rebuilt`);
    this.where = where;
    this.value = value;
    this.thread = thread;
  }
}

/** A domain: `loc:3`, `ghost:1` or `cpu:thread-name`. */
export type DomainKey = `loc:${number}` | `ghost:${number}` | `cpu:${string}`;

/**
 * What else than its future tells two histories of thread `thread` apart (relaxed memory: what
 * the model reads of the thread's past and of its future probed with values no domain holds,
 * threads.ts relaxedFacts); `values` are the results the node is unfolded over. Histories are
 * merged only where these agree, at every node of their futures.
 */
export type HistoryFacts = (thread: number, history: readonly number[], values: readonly number[]) => string;

/** Values added to the computed domains (by DomainGrowth) for the next attempt. */
export type DomainSeeds = ReadonlyMap<DomainKey, readonly number[]>;

/** Unfolding limits: past them, histories stay unmerged (which is always exact). */
const MAX_DEPTH = 150;
const MAX_TREE = 5_000;
/**
 * Generator steps (replays included) one thread's unfolding may take. Every thread of the
 * chapter models that merges at all needs under 6,000 (requests' vCPU at 2x1: 5,795); a thread
 * past the limit costs its unfolding on every check and gains nothing (TSC's).
 */
const MAX_STEPS = 15_000;
/**
 * The same for an interrupt handler, unfolded only for the values it writes (a handler that
 * calls into a large model, such as a TSC resync, is left to the search to find them).
 */
const MAX_HANDLER_STEPS = 5_000;
/** Rounds of unfolding while the domains grow; what is still missing is found by the search. */
const MAX_ROUNDS = 2;
/** Values a domain holds at most: past that the search finds them (or the model has no bound). */
const MAX_DOMAIN = 64;

/** One node of a compiled automaton: an equivalence class, or an unmerged history. */
export interface CompiledNode {
  readonly action: Action;
  /** A history that reaches the node (the first found): what the generator is replayed with. */
  readonly history: readonly number[];
  /** Children by result; -1 for "restart the loop body" is already mapped to node 0. */
  readonly children: Map<number, number>;
  /** For a merged class: the domain its results come from (a result outside it is DomainGrowth). */
  readonly closed: DomainKey | 'fixed' | undefined;
}

export interface CompiledAutomaton {
  readonly nodes: readonly CompiledNode[];
  /** Histories unfolded, and classes they fell into (for reports and tests). */
  readonly unfolded: number;
  readonly merged: number;
}

interface Tree {
  /** Per raw node: action, history, class (-1: unmerged), child raw nodes by result. */
  readonly action: Action[];
  readonly history: (readonly number[])[];
  readonly cls: number[];
  readonly kids: (Map<number, number> | undefined)[];
}

const RESTART = -2;

class Domains {
  readonly sets = new Map<DomainKey, Set<number>>();
  grew = false;
  /** In the last round: every tree must be unfolded over the same domain. */
  frozen = false;

  get(k: DomainKey): Set<number> {
    let s = this.sets.get(k);
    if (s === undefined) {
      s = new Set();
      this.sets.set(k, s);
    }
    return s;
  }

  add(k: DomainKey, v: number, force = false): void {
    const s = this.get(k);
    if (!s.has(v) && (force || (!this.frozen && s.size < MAX_DOMAIN))) {
      s.add(v);
      this.grew = true;
    }
  }

  sorted(k: DomainKey): number[] {
    return [...this.get(k)].sort((a, b) => a - b);
  }
}

/**
 * Compiles every thread of `threads` (the machine's automata, in the instance's order) into its
 * quotient by future behaviour; returns one compiled automaton per thread, undefined for a
 * thread whose unfolding was too large or merged nothing (it stays as it is). `tooLarge` marks
 * the threads too large, and `handlerTooLarge` the interrupt handlers (both are passed again on
 * a restart: larger domains only make the trees larger).
 */
export function compileThreads(
  inst: ModelInstance,
  threads: readonly ThreadAutomaton[],
  seeds: DomainSeeds = new Map(),
  tooLarge: boolean[] = inst.threads.map(() => false),
  handlerTooLarge: boolean[] = [],
  facts?: HistoryFacts,
  symmetry?: SymmetricDomains,
): (CompiledAutomaton | undefined)[] {
  const d = new Domains();
  inst.locs.forEach((l, i) => {
    d.add(`loc:${i}`, l.init);
  });
  inst.ghosts.forEach((g, i) => {
    d.add(`ghost:${i}`, g.init);
  });
  const stops = inst.threads.some((t) => t.options.stopMachine === true);
  const allCpus = Array.from({ length: inst.cpus }, (_, c) => c);
  inst.threads.forEach((t) => {
    d.add(`cpu:${t.name}`, t.options.cpu);
    // cpu_down() moves tasks to any CPU they are allowed on.
    if (stops) for (const c of t.options.cpus ?? allCpus) d.add(`cpu:${t.name}`, c);
  });
  for (const [k, vs] of seeds) for (const v of vs) d.add(k, v, true);

  const handlers: { name: string; body: () => Generator<Action, unknown, number> }[] = [];
  for (const irq of inst.interrupts) {
    const h = irq.handler;
    if (h === undefined) continue;
    for (let c = 0; c < inst.cpus; c++) {
      const cpu = c;
      handlers.push({ name: `handler:${cpu}`, body: () => h(cpu) });
    }
  }

  const out: (CompiledAutomaton | undefined)[] = inst.threads.map(() => undefined);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // Under symmetry every member's domains hold the renamings of each other's values before a
    // round (the threads are unfolded one after the other, so a round leaves the domains of the
    // members unfolded first behind), and the last round, which adds nothing, unfolds the
    // members over renamed domains into automata that are renamings of each other.
    if (symmetry) {
      for (const [k, vs] of [...d.sets])
        for (const v of [...vs]) for (const [k2, v2] of symmetry.domainOrbit(k, v)) d.add(k2, v2, true);
    }
    d.grew = false;
    d.frozen = round === MAX_ROUNDS - 1;
    inst.threads.forEach((t, i) => {
      if (tooLarge[i]) return;
      const aut = threads[i] as ThreadAutomaton;
      const factsOf = facts && ((h: readonly number[], vs: readonly number[]) => facts(i, h, vs));
      const u = unfold(aut.body, aut.loop, d, `cpu:${t.name}`, t.options.cpus ?? allCpus, MAX_STEPS, factsOf);
      out[i] = typeof u === 'string' ? undefined : u;
      if (u === 'too-large') tooLarge[i] = true;
    });
    // The handlers are unfolded only for the values they write, which matter only to a thread
    // that merges, and only before the last round (that one adds no value to the domains).
    if (d.frozen || out.every((c) => c === undefined)) break;
    handlers.forEach((h, k) => {
      if (handlerTooLarge[k] !== true && unfold(h.body, false, d, 'cpu:-', [], MAX_HANDLER_STEPS) === 'too-large')
        handlerTooLarge[k] = true;
    });
    if (!d.grew) break;
  }
  // A member left unmerged leaves every member it is renamed to unmerged (symmetry.ts renames a
  // thread's state through its class's history, which needs the members merged alike).
  if (symmetry) {
    inst.threads.forEach((_, i) => {
      if (!tooLarge[i] && out[i] !== undefined) return;
      for (const u of symmetry.threadOrbit(i)) {
        if (tooLarge[i]) tooLarge[u] = true;
        out[u] = undefined;
      }
    });
  }
  return out;
}

/** What compileThreads needs of a symmetry (symmetry.ts) to merge its members alike. */
export interface SymmetricDomains {
  domainOrbit(where: DomainKey, value: number): readonly (readonly [DomainKey, number])[];
  threadOrbit(t: number): readonly number[];
}

/** The results a step can return, and which domain they come from. */
function resultsOf(a: Action, d: Domains, cpuKey: DomainKey): { values: number[]; from: DomainKey | 'fixed' } {
  switch (a.kind) {
    case Kind.Read:
    case Kind.Rmw:
      return { values: d.sorted(`loc:${a.a}`), from: `loc:${a.a}` };
    case Kind.Await: {
      const pred = a.pred as (v: number) => boolean;
      return { values: d.sorted(`loc:${a.a}`).filter((v) => pred(v)), from: `loc:${a.a}` };
    }
    case Kind.GhostRead:
      return { values: d.sorted(`ghost:${a.a}`), from: `ghost:${a.a}` };
    case Kind.ThisCpu:
    case Kind.Migrate:
      return { values: d.sorted(cpuKey), from: cpuKey };
    case Kind.Choose:
      return { values: Array.from({ length: a.a }, (_, c) => c), from: 'fixed' };
    case Kind.CpuOnline:
    case Kind.NeedResched:
      return { values: [0, 1], from: 'fixed' };
    case Kind.Ipi:
      return { values: a.ifOnline ? [-ENXIO, 0] : [0], from: 'fixed' };
    case Kind.Write:
    case Kind.Fence:
    case Kind.IrqDisable:
    case Kind.IrqEnable:
    case Kind.PreemptDisable:
    case Kind.PreemptEnable:
    case Kind.IpiWait:
    case Kind.GuestEnter:
    case Kind.GuestExit:
    case Kind.StopMachineBegin:
    case Kind.StopMachineEnd:
    case Kind.CpuDown:
    case Kind.CpuUp:
    case Kind.Ghost:
      return { values: [0], from: 'fixed' };
    default:
      // A kind whose results this file does not know: the thread stays unmerged (unfold catches).
      throw new Error(`quotient: no result domain for ${a.text}`);
  }
}

/** Records the values step `a` may write, and (for migrate) the CPUs the thread may reach. */
function noteWrites(a: Action, d: Domains, cpuKey: DomainKey, allowed: readonly number[]): void {
  switch (a.kind) {
    case Kind.Write:
      d.add(`loc:${a.a}`, a.b);
      break;
    case Kind.Rmw: {
      // One application per unfolding: a counter would grow without bound if closed under f.
      const f = a.rmw as (v: number) => number;
      for (const v of d.sorted(`loc:${a.a}`)) {
        const w = f(v);
        if (w !== NO_WRITE) d.add(`loc:${a.a}`, w);
      }
      break;
    }
    case Kind.Ghost:
      d.add(`ghost:${a.a}`, a.b);
      break;
    case Kind.Migrate:
      for (const c of allowed) d.add(cpuKey, c);
      break;
    default:
  }
}

/** What a node's class is made of, apart from its children. */
function signature(a: Action, values: readonly number[]): string {
  let s = `${a.kind}|${a.a}|${a.b}|${a.order}|${a.end ? 1 : 0}|${a.ifOnline ? 1 : 0}|${a.text}|${a.site?.file ?? ''}:${a.site?.line ?? 0}`;
  if (a.rmw) s += `|f${values.map((v) => (a.rmw as (x: number) => number)(v)).join(',')}`;
  if (a.pred) s += `|p${values.map((v) => ((a.pred as (x: number) => boolean)(v) ? 1 : 0)).join('')}`;
  return s;
}

/** A fresh generator positioned right after yielding the action `history` leads to. */
function replay(body: () => Generator<Action, unknown, number>, history: readonly number[]) {
  const gen = body();
  let step = gen.next();
  for (const r of history) {
    if (step.done) break;
    step = gen.next(r);
  }
  return { gen, step };
}

/**
 * Unfolds one body over the domains (noting the values it writes) and merges its histories.
 * 'too-large' when the tree is too large (or the model code throws on a result), 'no-gain' when
 * no two histories have the same future.
 */
function unfold(
  body: () => Generator<Action, unknown, number>,
  loop: boolean,
  d: Domains,
  cpuKey: DomainKey,
  allowed: readonly number[],
  maxSteps: number,
  facts?: (history: readonly number[], values: readonly number[]) => string,
): CompiledAutomaton | 'too-large' | 'no-gain' {
  const tree: Tree = { action: [], history: [], cls: [], kids: [] };
  const classes = new Map<string, number>();
  let tooLarge = false;
  let steps = 0;
  const replayCounted = (history: readonly number[]) => {
    steps += history.length + 1;
    if (steps > maxSteps) tooLarge = true;
    return replay(body, history);
  };

  // Returns the raw node's class (>= 0), RESTART, TERMINAL_DONE, or -1 (unmerged).
  const visit = (
    step: IteratorResult<Action, unknown>,
    gen: Generator<Action, unknown, number>,
    history: readonly number[],
  ): { raw: number; cls: number } => {
    if (step.done && loop) return { raw: -1, cls: RESTART };
    if (tooLarge || tree.action.length >= MAX_TREE) {
      tooLarge = true;
      return { raw: -1, cls: -1 };
    }
    const raw = tree.action.length;
    const a: Action = step.done ? { kind: Kind.Return, a: 0, b: 0, order: 0, text: 'done' } : step.value;
    tree.action.push(a);
    tree.history.push(history);
    tree.cls.push(-1);
    tree.kids.push(undefined);
    if (step.done || a.kind === Kind.Fail) {
      const key = (step.done ? 'done' : signature(a, [])) + (facts ? `#${facts(history, [])}` : '');
      tree.cls[raw] = intern(classes, key);
      return { raw, cls: tree.cls[raw] as number };
    }
    noteWrites(a, d, cpuKey, allowed);
    if (history.length >= MAX_DEPTH) return { raw, cls: -1 };
    const { values } = resultsOf(a, d, cpuKey);
    const kids = new Map<number, number>();
    tree.kids[raw] = kids;
    let key = signature(a, values) + (facts ? `#${facts(history, values)}` : '');
    let unknown = false;
    for (let k = 0; k < values.length && !tooLarge; k++) {
      const r = values[k] as number;
      const g = k === 0 ? gen : replayCounted(history).gen;
      const child = visit(g.next(r), g, [...history, r]);
      kids.set(r, child.cls === RESTART ? RESTART : child.raw);
      if (child.cls === -1) unknown = true;
      key += `;${r}>${child.cls === RESTART ? 'R' : child.cls}`;
    }
    if (!unknown && !tooLarge) tree.cls[raw] = intern(classes, key);
    return { raw, cls: tree.cls[raw] as number };
  };

  try {
    const first = replayCounted([]);
    visit(first.step, first.gen, []);
  } catch {
    // Model code may throw on a result the search never gives it (the domains over-approximate,
    // e.g. smp_processor_id() of a CPU the thread cannot be on): leave the thread unmerged.
    return 'too-large';
  }
  if (tooLarge) return 'too-large';
  return build(tree, classes.size, cpuKey) ?? 'no-gain';
}

function intern(classes: Map<string, number>, key: string): number {
  let c = classes.get(key);
  if (c === undefined) {
    c = classes.size;
    classes.set(key, c);
  }
  return c;
}

/**
 * The compiled automaton: node 0 is the root; classes and unmerged histories get numbers.
 * Undefined when no two histories were merged: the thread gains nothing and stays as it is.
 */
function build(tree: Tree, nclasses: number, cpuKey: DomainKey): CompiledAutomaton | undefined {
  // A class of one history stands for exactly that history (every history on the way to it is
  // in its own class, or the class would have more members), so a result outside its domain can
  // be followed by replaying the generator, as for an unmerged history: only a class of two or
  // more histories is closed, and only there does a value the unfolding missed restart the search.
  const members = new Int32Array(nclasses);
  for (const c of tree.cls) if (c >= 0) members[c] = (members[c] as number) + 1;
  if (!members.some((m) => m >= 2)) return undefined;
  const idOfClass = new Int32Array(nclasses).fill(-1);
  const idOfRaw = new Int32Array(tree.action.length).fill(-1);
  const nodes: CompiledNode[] = [];
  const rawOf: number[] = [];
  const idOf = (raw: number): number => {
    const c = tree.cls[raw] as number;
    if (c >= 0 && (idOfClass[c] as number) >= 0) return idOfClass[c] as number;
    if (c < 0 && (idOfRaw[raw] as number) >= 0) return idOfRaw[raw] as number;
    const id = rawOf.length;
    rawOf.push(raw);
    if (c >= 0) idOfClass[c] = id;
    else idOfRaw[raw] = id;
    return id;
  };
  idOf(0);
  for (let k = 0; k < rawOf.length; k++) {
    const raw = rawOf[k] as number;
    const a = tree.action[raw] as Action;
    const children = new Map<number, number>();
    const kids = tree.kids[raw];
    if (kids) for (const [r, child] of kids) children.set(r, child === RESTART ? 0 : idOf(child));
    const cls = tree.cls[raw] as number;
    const merged = cls >= 0 && (members[cls] as number) >= 2;
    nodes.push({
      action: a,
      history: tree.history[raw] as readonly number[],
      children,
      closed: merged && kids ? resultsOfKey(a, cpuKey) : undefined,
    });
  }
  return { nodes, unfolded: tree.action.length, merged: nclasses };
}

function resultsOfKey(a: Action, cpuKey: DomainKey): DomainKey | 'fixed' {
  switch (a.kind) {
    case Kind.Read:
    case Kind.Rmw:
    case Kind.Await:
      return `loc:${a.a}`;
    case Kind.GhostRead:
      return `ghost:${a.a}`;
    case Kind.ThisCpu:
    case Kind.Migrate:
      return cpuKey;
    default:
      return 'fixed';
  }
}
