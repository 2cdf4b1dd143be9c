/**
 * A thread's program, compiled lazily into a finite automaton.
 *
 * Model code is a generator, which cannot be copied, so a thread's local state is identified by
 * its *history*: the results fed back to it since its body (re)started. Each distinct history is
 * a node, interned to a small integer that the state vector stores; each node knows the action
 * the thread yields next. Children are created on demand by replaying the generator from the
 * start with the node's history — once per edge, after which exploration only does integer
 * lookups. This is sound because model code must be deterministic in its inputs (no Math.random,
 * no clocks, no shared JS state), which the replay check below enforces.
 *
 * Threads that a symmetry declaration says are interchangeable share one HistoryTable, so that
 * the same history has the same number in each of them: swapping two such threads in a state
 * then only moves their words (see symmetry.ts).
 */
import { type Action, action, Fence, FIRST_MERGED_KIND, Kind, LockStep, type Op } from './actions.ts';
import { type CompiledAutomaton, DomainGrowth, type DomainKey } from './quotient.ts';

const RETURN: Action = action(Kind.Return, 'done');

/**
 * What a thread's history says about the barriers that act together with a later or an
 * earlier atomic RMW (LKMM's Before-atomic and After-atomic, linux-kernel.cat's `mb`):
 * BEFORE_ATOMIC_PENDING: an smp_mb__before_atomic() since the thread's last RMW, so its next
 * RMW is ordered after everything before that barrier; RMW_SEEN: the thread has executed an
 * RMW (a failed cmpxchg counts: Documentation/litmus-tests/atomic/cmpxchg-fail-ordered-*), so
 * an smp_mb__after_atomic() orders what came before it.
 */
export const BEFORE_ATOMIC_PENDING = 1;
export const RMW_SEEN = 2;
/**
 * LOCK_SEEN: the thread has acquired a lock (LKMM's LKW), which smp_mb__after_spinlock() and
 * smp_mb__after_unlock_lock() act together with; UNLOCK_SEEN: it has released one (UL), so its
 * next lock acquisition closes an unlock-then-lock pair (`po-unlock-lock-po`). A lock
 * acquisition is an RMW for the atomic barriers too (lock.cat: `rmw = rmw | lk-rmw`).
 */
export const LOCK_SEEN = 4;
export const UNLOCK_SEEN = 8;

const nextAtomicFlags = (flags: number, a: Action): number => {
  if (a.lock === LockStep.Release) return flags | UNLOCK_SEEN;
  if (a.lock === LockStep.Acquire) return (flags & ~BEFORE_ATOMIC_PENDING) | RMW_SEEN | LOCK_SEEN;
  if (a.kind === Kind.Rmw) return (flags & ~BEFORE_ATOMIC_PENDING) | RMW_SEEN;
  if (a.kind === Kind.Fence && a.b === Fence.BeforeAtomic) return flags | BEFORE_ATOMIC_PENDING;
  return flags;
};

/** A frozen table (a parallel search's helper) was asked to number a history it does not have. */
export class Unnumbered extends Error {}

/** Histories numbered in first-seen order; node 0 is the empty history (the body's start). */
export class HistoryTable {
  readonly histories: (readonly number[])[] = [[]];
  readonly #ids = new Map<string, number>([['', 0]]);
  /**
   * A parallel search's helper numbers no history itself: its numbers are the explorer's, which
   * gives them in the order the sequential search would (parallel/numbering.ts). A frozen table
   * asked for a new history throws Unnumbered and notes it in `missed`, which the helper checks
   * even when something on the way (a probe) caught the exception.
   */
  frozen = false;
  missed = false;

  get size(): number {
    return this.histories.length;
  }

  /** Appends a history under a new number (a compiled automaton's node; see quotient.ts). */
  add(history: readonly number[]): number {
    const id = this.histories.length;
    this.histories.push(history);
    const key = history.join(',');
    if (!this.#ids.has(key)) this.#ids.set(key, id);
    return id;
  }

  /** The number of `history`, created if new. */
  intern(history: readonly number[]): number {
    const key = history.join(',');
    const known = this.#ids.get(key);
    if (known !== undefined) return known;
    if (this.frozen) {
      this.missed = true;
      throw new Unnumbered(`history ${key} is not numbered here`);
    }
    const id = this.histories.length;
    this.histories.push(history);
    this.#ids.set(key, id);
    return id;
  }

  /** Appends the explorer's histories numbered from `from` on (a helper's copy, parallel/numbering.ts). */
  extend(from: number, histories: readonly (readonly number[])[]): void {
    if (from !== this.histories.length) {
      throw new Error(`history numbers out of step: ${this.histories.length} here, ${from} sent`);
    }
    for (const h of histories) {
      const key = h.join(',');
      if (!this.#ids.has(key)) this.#ids.set(key, this.histories.length);
      this.histories.push(h);
    }
  }
}

interface Node {
  readonly action: Action;
  /** A live generator positioned right after yielding `action`, or undefined once used. */
  live: Op<unknown> | undefined;
  /** Children by result: small results (most are 0 or 1) in an array, others in a map. */
  readonly small: number[];
  readonly children: Map<number, number>;
  /**
   * For a class of histories merged by future behaviour (quotient.ts): every result of its
   * domain has its child already, and another result means the domain was too small.
   */
  readonly closed?: DomainKey | 'fixed' | undefined;
}

/** Results below this are looked up in a node's array rather than its map (a hot path). */
const SMALL = 8;

export class ThreadAutomaton {
  /** By history number; a thread sharing its table has no entry for histories it never had. */
  #nodes: (Node | undefined)[] = [];
  #table: HistoryTable;
  /** Node numbers are classes of histories with the same future (install), not histories. */
  #compiled = false;
  /** The history-numbered automaton, kept while a compiled one is installed. */
  #raw: { nodes: (Node | undefined)[]; table: HistoryTable } | undefined;
  /** atomicFlags() by node, computed on first use (node numbers change with install). */
  #atomicFlags: number[] = [];
  /**
   * While a compiled automaton is installed: the thread's program numbered by history, in a
   * table of its own (never shared, never frozen), for what a class's representative history
   * says about the thread's past (past()); and the representative's number there, by class.
   */
  #shadow: ThreadAutomaton | undefined;
  #pastOf: number[] = [];

  readonly name: string;
  readonly body: () => Op<unknown>;
  /** Loop bodies restart from the root when they return. */
  readonly loop: boolean;

  constructor(name: string, body: () => Op<unknown>, loop: boolean, table = new HistoryTable()) {
    this.name = name;
    this.body = body;
    this.loop = loop;
    this.#table = table;

    const gen = body();
    const first = gen.next();
    if (first.done) {
      if (loop) throw new Error(`thread ${name}: a loop body must take at least one step`);
      this.#nodes[0] = { action: RETURN, live: undefined, small: [], children: new Map() };
    } else {
      this.#nodes[0] = { action: first.value, live: gen, small: [], children: new Map() };
    }
  }

  get size(): number {
    return this.#table.size;
  }

  /** The table numbering this thread's histories (or classes) now. */
  get table(): HistoryTable {
    return this.#table;
  }

  /** The results fed to the thread to reach `node`. */
  history(node: number): readonly number[] {
    const h = this.#table.histories[node];
    if (h === undefined) throw new Error(`thread ${this.name}: no history ${node}`);
    return h;
  }

  /** The number of `history` in this thread's table (created if new). */
  internHistory(history: readonly number[]): number {
    if (!this.#compiled) return this.#table.intern(history);
    // Classes: follow the results from the root.
    let node = 0;
    for (const r of history) node = this.child(node, r);
    return node;
  }

  /**
   * Numbers this thread's states by the classes of `compiled` from now on (see quotient.ts),
   * with a table of its own: the classes are this thread's, whatever table it shared.
   */
  install(compiled: CompiledAutomaton): void {
    if (!this.#compiled) this.#raw = { nodes: this.#nodes, table: this.#table };
    const table = new HistoryTable();
    const nodes: Node[] = [];
    compiled.nodes.forEach((c, id) => {
      if (id > 0) table.add(c.history);
      const small: number[] = [];
      for (const [r, child] of c.children) {
        if (r >= 0 && r < SMALL) {
          while (small.length < r) small.push(-1);
          small[r] = child;
        }
      }
      nodes.push({ action: c.action, live: undefined, small, children: new Map(c.children), closed: c.closed });
    });
    this.#table = table;
    this.#nodes = nodes;
    this.#atomicFlags = [];
    this.#pastOf = [];
    this.#compiled = true;
  }

  /**
   * Where the thread at `node` stands in its program numbered by history: the node itself, or
   * for a class of histories (install) its representative history in an automaton numbered by
   * history. What the relaxed model reads of a thread's past (the barrier flags, dependencies,
   * its last access, what lies ahead for load buffering) is asked there: the quotient merges
   * histories only where all of that is the same (quotient.ts, the `facts` of compileThreads),
   * so the representative answers for every history of its class.
   */
  past(node: number): { readonly aut: ThreadAutomaton; readonly node: number } {
    if (!this.#compiled) return { aut: this, node };
    const shadow = this.pastAutomaton;
    let at = this.#pastOf[node];
    if (at === undefined) {
      at = shadow.internHistory(this.history(node));
      this.#pastOf[node] = at;
    }
    return { aut: shadow, node: at };
  }

  /**
   * The automaton numbered by history that past() answers from for a compiled one (created on
   * first use; a table of its own, so that the quotient's questions number no history in the
   * thread's table, which other threads may share and a parallel helper freezes).
   */
  get pastAutomaton(): ThreadAutomaton {
    if (this.#shadow === undefined) this.#shadow = new ThreadAutomaton(this.name, this.body, this.loop);
    return this.#shadow;
  }

  /** Back to numbering by history (the nodes and table from before install). */
  uninstall(): void {
    if (this.#raw === undefined) return;
    this.#nodes = this.#raw.nodes;
    this.#table = this.#raw.table;
    this.#raw = undefined;
    this.#atomicFlags = [];
    this.#pastOf = [];
    this.#compiled = false;
  }

  action(node: number): Action {
    return (this.#nodes[node] ?? this.#materialise(node)).action;
  }

  child(node: number, result: number): number {
    const n = this.#nodes[node] ?? this.#materialise(node);
    const small = result >= 0 && result < SMALL;
    const known = small ? n.small[result] : n.children.get(result);
    if (known !== undefined && known >= 0) return known;
    if (n.closed !== undefined) {
      if (n.closed === 'fixed')
        throw new Error(`thread ${this.name}: "${n.action.text}" returned ${result}, which it never returns`);
      throw new DomainGrowth(n.closed, result, this.name);
    }
    const id = this.#expand(node, n, result);
    n.children.set(result, id);
    if (small) {
      // Filled densely from 0 so that the array stays packed (holes would make it a dictionary).
      while (n.small.length < result) n.small.push(-1);
      n.small[result] = id;
    }
    return id;
  }

  /**
   * BEFORE_ATOMIC_PENDING and RMW_SEEN for the thread at `node`, from the actions along its
   * history (a loop body's restart is a new history: the flags start again from 0).
   */
  atomicFlags(node: number): number {
    // A class stands for histories with the same future, not the same past: under relaxed
    // memory, where the flags are read, they are asked of past(node) (threads.ts).
    if (this.#compiled)
      throw new Error(`thread ${this.name}: atomic flags asked of a class of histories (quotient.ts)`);
    const known = this.#atomicFlags[node];
    if (known !== undefined) return known;
    let at = 0;
    let flags = 0;
    for (const r of this.history(node)) {
      this.#atomicFlags[at] = flags;
      flags = nextAtomicFlags(flags, this.action(at));
      at = this.child(at, r);
    }
    this.#atomicFlags[node] = flags;
    return flags;
  }

  /** The results already seen at `node` (for trace descriptions). */
  childResults(node: number): number[] {
    return [...(this.#nodes[node] ?? this.#materialise(node)).children.keys()];
  }

  /**
   * The result that took the thread from `from` to `to` (through merged actions), for traces;
   * undefined if `to` is not reachable that way.
   */
  resultLeadingTo(from: number, to: number): number | undefined {
    for (const [result, child] of (this.#nodes[from] ?? this.#materialise(from)).children) {
      const seen = new Set<number>();
      const stack = [child];
      while (stack.length > 0) {
        const n = stack.pop() as number;
        if (n === to) return result;
        if (seen.has(n)) continue;
        seen.add(n);
        const node = this.#nodes[n] ?? this.#materialise(n);
        if (
          node.action.kind >= FIRST_MERGED_KIND &&
          node.action.kind !== Kind.Return &&
          node.action.kind !== Kind.Fail
        ) {
          for (const c of node.children.values()) stack.push(c);
        }
      }
    }
    return undefined;
  }

  #expand(id: number, n: Node, result: number): number {
    let gen = n.live;
    n.live = undefined;
    const history = this.history(id);
    if (gen === undefined) gen = this.#replay(history, n.action);
    const next = gen.next(result);
    if (next.done && this.loop) return 0;
    const child = this.#table.intern([...history, result]);
    if (this.#nodes[child] === undefined) {
      this.#nodes[child] = next.done
        ? { action: RETURN, live: undefined, small: [], children: new Map() }
        : { action: next.value, live: gen, small: [], children: new Map() };
    }
    return child;
  }

  /**
   * The node for a history this thread has not had itself (another thread of its symmetry class
   * had it): the body is run with that history's results.
   */
  #materialise(id: number): Node {
    const gen = this.body();
    let step = gen.next();
    for (const r of this.history(id)) {
      if (step.done) {
        if (!this.loop) break;
        throw new Error(`thread ${this.name}: history ${id} runs past the end of the loop body`);
      }
      step = gen.next(r);
    }
    const node: Node = step.done
      ? { action: RETURN, live: undefined, small: [], children: new Map() }
      : { action: step.value, live: gen, small: [], children: new Map() };
    this.#nodes[id] = node;
    return node;
  }

  /** A fresh generator positioned where `history` leads; checks the model is deterministic. */
  #replay(history: readonly number[], expected: Action): Op<unknown> {
    const gen = this.body();
    let step = gen.next();
    for (const r of history) {
      if (step.done) break;
      step = gen.next(r);
    }
    if (step.done || step.value.kind !== expected.kind || step.value.text !== expected.text) {
      throw new Error(
        `thread ${this.name}: the model is not deterministic (replaying the same results gave a different step); ` +
          'model code must not depend on anything but the values its steps return',
      );
    }
    return gen;
  }
}
