/**
 * An axiomatic checker for litmus tests, as herd7 does it: enumerate the candidate executions
 * of a test (one path per thread for each choice of the values its reads return, then every
 * rf and co consistent with those values), keep those linux-kernel.cat allows (lkmm.ts), and
 * compute the herd-style outcome over their final states. It answers for LKMM only; the
 * operational memory models (engine/memory/*.ts) answer for sc, tso and relaxed, and the
 * suite checks that relaxed and this checker agree on every test of the corpus
 * (test/engine/axiomatic.test.ts).
 *
 * The value domain. A read can only return a value some write stores, and in an execution
 * LKMM allows, a value is computed from reads of earlier-computed values (a cycle of values
 * through data dependencies and rfe would be a cycle in hb). So the values of every consistent
 * execution are found by iterating, per location, "the values the threads write when their
 * reads return values already found", starting from the initial values, as many times as an
 * execution has writes. Values outside that set cannot occur, and values in it that no write
 * of a candidate stores are filtered out when rf is chosen. (This argument rests on hb: a
 * value passed only through plain accesses, which hb leaves out, is followed as far as the
 * same bound goes.)
 *
 * Coherence orders are only those that keep each thread's writes to a location in program
 * order: the others break the coherence axiom, so leaving them out changes no answer. With
 * spinlocks a test may have no consistent execution at all (every way to run it deadlocks, as
 * herd7's lock-nest and unmatched-locks axioms say); its outcome is then Never with no final
 * state, as herd7 prints "States 0". The flags (data-race, mixed-accesses) are herd's: raised
 * when some consistent execution whose final state passes the filter has them.
 */
import { type CompiledLitmus, evalProp, type FinalState, formatValue, type LitmusCheck } from '../compile.ts';
import { type Expr, LitmusError, type Observation, type Stmt } from '../parse.ts';
import { type ThreadPath, threadPaths } from './events.ts';
import { type Axiom, type ExecEvent, type Execution, lkmm } from './lkmm.ts';
import { Relation } from './relation.ts';

export interface AxiomaticOptions {
  /** Stop with an error after this many candidate executions (default 2,000,000). */
  readonly maxCandidates?: number;
  /** Largest per-location value domain (default 64). */
  readonly maxValues?: number;
}

export interface AxiomaticCheck extends Omit<LitmusCheck, 'memoryModel' | 'problem'> {
  readonly checker: 'axiomatic';
  /**
   * herd's "Flag mixed-accesses": in some consistent execution whose final state passes the
   * filter, a plain write and a marked access to one location are po-related with no barrier.
   */
  readonly mixedAccesses: boolean;
  /** Candidate executions examined (rf and co choices over every combination of paths). */
  readonly candidates: number;
  /** Candidates linux-kernel.cat allows. */
  readonly consistent: number;
  /** How many candidates each axiom refuted first (coherence, atomic, happens-before, propagation, rcu, plain-coherence). */
  readonly refutedBy: Readonly<Record<Axiom, number>>;
}

const DEFAULT_MAX_CANDIDATES = 2_000_000;
const DEFAULT_MAX_VALUES = 64;
const MAX_PATHS = 10_000;

/** Per location, every value a read of it can return in some execution LKMM allows (a superset). */
export function valueDomain(test: CompiledLitmus, maxValues = DEFAULT_MAX_VALUES): Set<number>[] {
  const domain = test.locations.map((l) => new Set([l.init]));
  /** An upper bound on the writes of an execution whose reads return values of the domain so far. */
  const writeBound = (): number =>
    test.threads.reduce(
      (k, t) =>
        k +
        Math.max(0, ...threadPaths(test, t, domain, MAX_PATHS).map((p) => p.events.filter((e) => e.k === 'W').length)),
      0,
    );
  // Each round extends the chains of values computed from values by one write; an execution
  // has at most as many writes as the bound, so that many rounds reach every value (see the
  // header). The bound is recomputed each round: a write that only a value found later
  // enables (a store under `if (r > 0)` whose r only another thread's store makes positive)
  // lengthens the chains, and a bound taken from the initial values alone would stop short.
  let bound = writeBound();
  for (let round = 0; round < bound; round++) {
    let grew = false;
    for (const t of test.threads) {
      for (const p of threadPaths(test, t, domain, MAX_PATHS)) {
        for (const e of p.events) {
          if (e.k !== 'W') continue;
          const d = domain[e.loc] as Set<number>;
          if (!d.has(e.value)) {
            d.add(e.value);
            grew = true;
            if (d.size > maxValues) {
              throw new LitmusError(
                `location ${test.locations[e.loc]?.name} can hold more than ${maxValues} values: too many for the axiomatic checker`,
                { line: e.line, col: 1 },
                test.file,
              );
            }
          }
        }
      }
    }
    if (!grew) break;
    bound = Math.max(bound, writeBound());
  }
  return domain;
}

/**
 * Every co order of one location's writes that keeps each thread's writes in program order
 * (`groups`: per thread, its writes in po order). The other orders break the coherence axiom
 * (a po-loc W→W edge against co), so leaving them out changes no answer, only the work.
 */
function interleavings(groups: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  const next = groups.map(() => 0);
  const total = groups.reduce((k, g) => k + g.length, 0);
  const acc: number[] = [];
  const go = (): void => {
    if (acc.length === total) {
      out.push(acc.slice());
      return;
    }
    groups.forEach((g, i) => {
      const k = next[i] as number;
      if (k >= g.length) return;
      acc.push(g[k] as number);
      next[i] = k + 1;
      go();
      next[i] = k;
      acc.pop();
    });
  };
  go();
  return out;
}

/** Calls `visit` with each element of the cartesian product of `choices`. */
function product<T>(choices: readonly (readonly T[])[], visit: (pick: readonly T[]) => void): void {
  const pick: T[] = [];
  const go = (i: number): void => {
    if (i === choices.length) {
      visit(pick);
      return;
    }
    for (const c of choices[i] as readonly T[]) {
      pick[i] = c;
      go(i + 1);
    }
  };
  go(0);
}

/** One combination of thread paths, laid out as events: the initial writes first, then each thread's. */
interface Layout {
  readonly events: ExecEvent[];
  readonly paths: readonly ThreadPath[];
  readonly po: Relation;
  readonly rmw: Relation;
  readonly addr: Relation;
  readonly data: Relation;
  readonly ctrl: Relation;
  readonly rcuRscs: Relation;
  /** For each location, its write events (the initial one first). */
  readonly writesOf: readonly number[][];
  readonly reads: readonly number[];
}

function layout(test: CompiledLitmus, paths: readonly ThreadPath[]): Layout {
  const events: ExecEvent[] = test.locations.map((l, i) => ({
    thread: -1,
    k: 'W',
    loc: i,
    value: l.init,
    rmwInstr: false,
  }));
  const base: number[] = [];
  paths.forEach((p, t) => {
    base.push(events.length);
    for (const e of p.events) {
      if (e.k === 'F') {
        events.push({ thread: t, k: 'F', loc: e.loc ?? -1, value: 0, fence: e.fence, rmwInstr: false });
      } else {
        events.push({
          thread: t,
          k: e.k,
          loc: e.loc,
          value: e.value,
          ann: e.ann,
          rmwInstr: e.rmwInstr,
          ...(e.role === undefined ? {} : { role: e.role }),
        });
      }
    }
  });
  const n = events.length;
  const po = Relation.of(n, (a, b) => {
    const ea = events[a] as ExecEvent;
    const eb = events[b] as ExecEvent;
    return ea.thread >= 0 && ea.thread === eb.thread && a < b;
  });
  const rel = (pick: (p: ThreadPath) => readonly (readonly [number, number])[]): Relation => {
    const r = new Relation(n);
    paths.forEach((p, t) => {
      for (const [a, b] of pick(p)) r.add((base[t] as number) + a, (base[t] as number) + b);
    });
    return r;
  };
  const writesOf = test.locations.map((_, i) => [i]);
  const reads: number[] = [];
  events.forEach((e, i) => {
    if (e.thread < 0) return;
    if (e.k === 'W') (writesOf[e.loc] as number[]).push(i);
    else if (e.k === 'R') reads.push(i);
  });
  return {
    events,
    paths,
    po,
    rmw: rel((p) => p.rmw),
    addr: rel((p) => p.addr),
    data: rel((p) => p.data),
    ctrl: rel((p) => p.ctrl),
    rcuRscs: rel((p) => p.rcuRscs),
    writesOf,
    reads,
  };
}

/** Whether a thread body calls a spinlock operation (a test that may deadlock). */
function usesSpinlock(stmts: readonly Stmt[]): boolean {
  const expr = (e: Expr): boolean => {
    switch (e.k) {
      case 'call':
        return /^(raw_)?spin_(lock|trylock)$/.test(e.name) || e.args.some(expr);
      case 'unary':
      case 'deref':
      case 'addr':
        return expr(e.e);
      case 'binary':
        return expr(e.l) || expr(e.r);
      default:
        return false;
    }
  };
  return stmts.some((st) => {
    if (st.k === 'decl') return st.init !== undefined && expr(st.init);
    if (st.k === 'assign') return expr(st.target) || expr(st.e);
    if (st.k === 'expr') return expr(st.e);
    return expr(st.cond) || usesSpinlock(st.then) || (st.else !== undefined && usesSpinlock(st.else));
  });
}

/** Checks a compiled test against LKMM's axioms: the outcome herd7 would print for linux-kernel.cat. */
export function checkAxiomatic(test: CompiledLitmus, opts: AxiomaticOptions = {}): AxiomaticCheck {
  const started = performance.now();
  const maxCandidates = opts.maxCandidates ?? DEFAULT_MAX_CANDIDATES;
  const domain = valueDomain(test, opts.maxValues);
  const perThread = test.threads.map((t) => threadPaths(test, t, domain, MAX_PATHS));
  const finals = new Map<string, readonly number[]>();
  const refutedBy: Record<Axiom, number> = {
    coherence: 0,
    atomic: 0,
    'happens-before': 0,
    propagation: 0,
    rcu: 0,
    'plain-coherence': 0,
  };
  let candidates = 0;
  let consistent = 0;
  const racy = new Set<string>();
  const mixed = new Set<string>();

  product(perThread, (paths) => {
    const L = layout(test, paths);
    const n = L.events.length;
    // rf: each read from a write to its location that stores the value it returned.
    const rfChoices = L.reads.map((r) => {
      const e = L.events[r] as ExecEvent;
      return (L.writesOf[e.loc] as number[]).filter((w) => (L.events[w] as ExecEvent).value === e.value);
    });
    if (rfChoices.some((c) => c.length === 0)) return;
    // co: per location, the initial write first, then the others in any order that keeps each thread's in po order.
    const coChoices = L.writesOf.map((ws) => {
      const byThread = new Map<number, number[]>();
      for (const w of ws.slice(1)) {
        const t = (L.events[w] as ExecEvent).thread;
        byThread.set(t, [...(byThread.get(t) ?? []), w]);
      }
      return interleavings([...byThread.values()]).map((p) => [ws[0] as number, ...p]);
    });
    product(rfChoices, (rfPick) => {
      const rf = new Relation(n);
      for (const [i, r] of L.reads.entries()) rf.add(rfPick[i] as number, r);
      product(coChoices, (coPick) => {
        candidates++;
        if (candidates > maxCandidates) {
          throw new LitmusError(
            `more than ${maxCandidates} candidate executions: too many for the axiomatic checker`,
            { line: 1, col: 1 },
            test.file,
          );
        }
        const co = new Relation(n);
        for (const order of coPick) {
          for (let i = 0; i < order.length; i++) {
            for (let j = i + 1; j < order.length; j++) co.add(order[i] as number, order[j] as number);
          }
        }
        const x: Execution = {
          n,
          events: L.events,
          po: L.po,
          rf,
          co,
          rmw: L.rmw,
          addr: L.addr,
          data: L.data,
          ctrl: L.ctrl,
          rcuRscs: L.rcuRscs,
        };
        const verdict = lkmm(x);
        const bad = verdict.violated;
        if (bad !== undefined) {
          refutedBy[bad]++;
          return;
        }
        consistent++;
        const fault = paths.find((p) => p.fault !== undefined)?.fault;
        if (fault) throw fault;
        const values = test.observed.map((o) => {
          if (o.ref.k === 'reg') return (paths[o.ref.thread] as ThreadPath).regs.get(o.ref.name) ?? 0;
          const li = test.locations.findIndex((l) => l.name === o.ref.name);
          const order = coPick[li] as number[];
          return (L.events[order[order.length - 1] as number] as ExecEvent).value;
        });
        const key = values.join(',');
        if (!finals.has(key)) finals.set(key, values);
        if (verdict.flags?.dataRace) racy.add(key);
        if (verdict.flags?.mixedAccesses) mixed.add(key);
      });
    });
  });

  if (consistent === 0 && !test.threads.some((t) => usesSpinlock(t.body))) {
    // An SC interleaving is always a consistent execution: none means a bug here, not a result.
    // With spinlocks there may be none: every way to run the test deadlocks (herd: "States 0").
    throw new Error(`axiomatic checker: no consistent execution of ${test.ast.name} (${candidates} candidates)`);
  }
  const sorted = [...finals.values()].sort((a, b) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return 0;
  });
  const finalStates: FinalState[] = [];
  let positive = 0;
  let total = 0;
  let dataRace = false;
  let mixedAccesses = false;
  for (const values of sorted) {
    if (test.ast.filter && !evalProp(test, test.ast.filter, values)) continue;
    const key = values.join(',');
    if (racy.has(key)) dataRace = true;
    if (mixed.has(key)) mixedAccesses = true;
    const satisfies = evalProp(test, test.ast.prop, values);
    total++;
    if (satisfies) positive++;
    const shown: Record<string, string> = {};
    test.observed.forEach((o, i) => {
      shown[o.text] = formatValue(test, values[i] as number);
    });
    finalStates.push({ values: shown, satisfies });
  }
  const observation: Observation = positive === 0 ? 'Never' : positive === total ? 'Always' : 'Sometimes';
  const q = test.ast.quantifier;
  const validated = q === 'exists' ? positive > 0 : q === '~exists' ? positive === 0 : positive === total;
  return {
    checker: 'axiomatic',
    observation,
    positive,
    total,
    validated,
    dataRace,
    mixedAccesses,
    finalStates,
    states: consistent,
    ms: performance.now() - started,
    candidates,
    consistent,
    refutedBy,
  };
}
