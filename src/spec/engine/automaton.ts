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
 */
import { type Action, action, FIRST_MERGED_KIND, Kind, type Op } from './actions.ts';

const RETURN: Action = action(Kind.Return, 'done');

interface Node {
  readonly action: Action;
  readonly history: readonly number[];
  /** A live generator positioned right after yielding `action`, or undefined once used. */
  live: Op<unknown> | undefined;
  /** Children by result: small results (most are 0 or 1) in an array, others in a map. */
  readonly small: number[];
  readonly children: Map<number, number>;
}

/** Results below this are looked up in a node's array rather than its map (a hot path). */
const SMALL = 8;

export class ThreadAutomaton {
  readonly #nodes: Node[] = [];

  readonly name: string;
  readonly body: () => Op<unknown>;
  /** Loop bodies restart from the root when they return. */
  readonly loop: boolean;

  constructor(name: string, body: () => Op<unknown>, loop: boolean) {
    this.name = name;
    this.body = body;
    this.loop = loop;

    const gen = body();
    const first = gen.next();
    if (first.done) {
      if (loop) throw new Error(`thread ${name}: a loop body must take at least one step`);
      this.#nodes.push({ action: RETURN, history: [], live: undefined, small: [], children: new Map() });
    } else {
      this.#nodes.push({ action: first.value, history: [], live: gen, small: [], children: new Map() });
    }
  }

  get size(): number {
    return this.#nodes.length;
  }

  action(node: number): Action {
    return (this.#nodes[node] as Node).action;
  }

  child(node: number, result: number): number {
    const n = this.#nodes[node] as Node;
    const small = result >= 0 && result < SMALL;
    const known = small ? n.small[result] : n.children.get(result);
    if (known !== undefined && known >= 0) return known;
    const id = this.#expand(n, result);
    n.children.set(result, id);
    if (small) {
      // Filled densely from 0 so that the array stays packed (holes would make it a dictionary).
      while (n.small.length < result) n.small.push(-1);
      n.small[result] = id;
    }
    return id;
  }

  /** The results already seen at `node` (for trace descriptions). */
  childResults(node: number): number[] {
    return [...(this.#nodes[node] as Node).children.keys()];
  }

  /**
   * The result that took the thread from `from` to `to` (through merged actions), for traces;
   * undefined if `to` is not reachable that way.
   */
  resultLeadingTo(from: number, to: number): number | undefined {
    for (const [result, child] of (this.#nodes[from] as Node).children) {
      const seen = new Set<number>();
      const stack = [child];
      while (stack.length > 0) {
        const n = stack.pop() as number;
        if (n === to) return result;
        if (seen.has(n)) continue;
        seen.add(n);
        const node = this.#nodes[n] as Node;
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

  #expand(n: Node, result: number): number {
    let gen = n.live;
    n.live = undefined;
    if (gen === undefined) gen = this.#replay(n);
    const next = gen.next(result);
    if (next.done) {
      if (this.loop) return 0;
      this.#nodes.push({
        action: RETURN,
        history: [...n.history, result],
        live: undefined,
        small: [],
        children: new Map(),
      });
    } else {
      this.#nodes.push({
        action: next.value,
        history: [...n.history, result],
        live: gen,
        small: [],
        children: new Map(),
      });
    }
    return this.#nodes.length - 1;
  }

  /** A fresh generator positioned where node `n` was reached; checks the model is deterministic. */
  #replay(n: Node): Op<unknown> {
    const gen = this.body();
    let step = gen.next();
    for (const r of n.history) {
      if (step.done) break;
      step = gen.next(r);
    }
    if (step.done || step.value.kind !== n.action.kind || step.value.text !== n.action.text) {
      throw new Error(
        `thread ${this.name}: the model is not deterministic (replaying the same results gave a different step); ` +
          'model code must not depend on anything but the values its steps return',
      );
    }
    return gen;
  }
}
