/**
 * Seeded random simulation of a model: the stress test that exhaustive checking is compared
 * with, and the source of the plots. Two schedulers:
 * - uniform: at each step an enabled unit is picked uniformly at random, then one of its
 *   choices (how a stress test explores interleavings: blindly);
 * - timed: a discrete-event simulation in which every step takes a duration (given by the
 *   caller, e.g. a guest runs for microseconds, an IPI takes a few hundred nanoseconds) and the
 *   unit that becomes ready first moves next.
 * Same seed, same runs, in Node and in the browser.
 */
import type { Kind } from './actions.ts';
import type { AnyModel } from './check.ts';
import { Machine } from './machine.ts';
import { instantiate, type MemoryModelName, type StateView } from './model.ts';
import { Rng } from './prng.ts';

export interface SimStep {
  readonly actor: string;
  readonly kind: Kind | -1;
  readonly text: string;
}

export interface SimulateOptions {
  readonly variant?: string;
  readonly memoryModel?: MemoryModelName;
  readonly params?: Readonly<Record<string, number>>;
  readonly seed: number;
  readonly runs: number;
  /** Steps after which a run is cut off (default 2,000). */
  readonly maxSteps?: number;
  /** Timed scheduling: how long a step takes (arbitrary time unit). Omit for uniform scheduling. */
  readonly duration?: (step: SimStep, rng: Rng) => number;
  /** Timed scheduling: when each unit (thread, by name) may take its first step. Default 0. */
  readonly start?: (actor: string, rng: Rng) => number;
  /** Ends a run early, e.g. when the scenario under study is complete. */
  readonly stopWhen?: (s: StateView) => boolean;
  /** Called after each run with its result (for per-run statistics). */
  readonly onRun?: (r: RunResult) => void;
}

export interface RunResult {
  readonly steps: number;
  readonly time: number;
  /** The first invariant broken (or 'assertion' / 'deadlock'), if any. */
  readonly violation?: string;
  readonly ended: 'final' | 'stopped' | 'cut' | 'violation';
  readonly witnesses: readonly string[];
  /** Ghost values at the end of the run. */
  readonly ghosts: Readonly<Record<string, number>>;
  /** Transitions per action kind text, e.g. IPIs sent. */
  readonly ipis: number;
}

export interface SimSummary {
  readonly runs: number;
  readonly seed: number;
  readonly violations: Readonly<Record<string, number>>;
  readonly witnesses: Readonly<Record<string, number>>;
  readonly ended: Readonly<Record<RunResult['ended'], number>>;
  readonly meanSteps: number;
  readonly meanTime: number;
  readonly meanIpis: number;
  readonly meanGhosts: Readonly<Record<string, number>>;
  readonly ms: number;
}

const IPI_KIND = 9;

export function simulate(model: AnyModel, opts: SimulateOptions): SimSummary {
  if (!Number.isInteger(opts.runs) || opts.runs < 1)
    throw new RangeError(`runs must be a positive integer, got ${opts.runs}`);
  if (!Number.isInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
  const t0 = performance.now();
  const variant = opts.variant ?? (model.variants[0]?.name as string);
  const memoryModel = opts.memoryModel ?? model.defaultMemoryModel;
  const { instance } = instantiate(model, variant, opts.params ?? {});
  const machine = new Machine(instance, memoryModel);
  const view = machine.view();
  const rng = new Rng(opts.seed);
  const maxSteps = opts.maxSteps ?? 2000;
  const nunits = machine.units.length;
  const violations: Record<string, number> = {};
  const witnesses: Record<string, number> = {};
  const ended: Record<RunResult['ended'], number> = { final: 0, stopped: 0, cut: 0, violation: 0 };
  const ghostSums: Record<string, number> = {};
  let sumSteps = 0;
  let sumTime = 0;
  let sumIpis = 0;
  const init = machine.initial();
  const units: number[] = [];
  const choices: number[] = [];
  const readyAt = new Float64Array(nunits);

  for (let run = 0; run < opts.runs; run++) {
    let s = init.slice();
    let len = s.length;
    let steps = 0;
    let time = 0;
    let ipis = 0;
    let violation: string | undefined;
    let how: RunResult['ended'] = 'cut';
    const reached = new Set<string>();
    readyAt.fill(0);
    if (opts.start) for (let u = 0; u < nunits; u++) readyAt[u] = opts.start(machine.units[u]?.name ?? '', rng);
    for (;;) {
      view.s = s;
      const failure = machine.failed(s);
      if (failure) violation = 'assertion';
      for (const inv of instance.invariants) {
        if (violation === undefined && !inv.holds(view)) violation = inv.name;
      }
      if (violation !== undefined) {
        how = 'violation';
        break;
      }
      units.length = 0;
      choices.length = 0;
      machine.successors(s, len, (u, c) => {
        units.push(u);
        choices.push(c);
      });
      view.final = units.length === 0;
      for (const w of instance.witnesses) if (w.reached(view)) reached.add(w.name);
      if (units.length === 0) {
        if (instance.deadlockFree && !machine.allIdle(s)) {
          violation = 'deadlock';
          how = 'violation';
        } else how = 'final';
        break;
      }
      if (opts.stopWhen?.(view)) {
        how = 'stopped';
        break;
      }
      if (steps >= maxSteps) break;
      let pick: number;
      if (opts.duration) {
        // The enabled unit that is ready first moves (ties at random).
        let best = Number.POSITIVE_INFINITY;
        let count = 0;
        pick = 0;
        for (let k = 0; k < units.length; k++) {
          const at = Math.max(time, readyAt[units[k] as number] as number);
          if (at < best) {
            best = at;
            pick = k;
            count = 1;
          } else if (at === best && units[k] !== units[pick] && rng.int(++count) === 0) {
            pick = k;
          }
        }
        // Among that unit's choices, one at random.
        const u = units[pick] as number;
        const mine: number[] = [];
        for (let k = 0; k < units.length; k++) if (units[k] === u) mine.push(k);
        pick = mine[rng.int(mine.length)] as number;
        time = best;
      } else {
        // Uniform over enabled units, then over that unit's choices.
        const distinct: number[] = [];
        for (const u of units) if (distinct[distinct.length - 1] !== u) distinct.push(u);
        const u = distinct[rng.int(distinct.length)] as number;
        const mine: number[] = [];
        for (let k = 0; k < units.length; k++) if (units[k] === u) mine.push(k);
        pick = mine[rng.int(mine.length)] as number;
      }
      const unit = units[pick] as number;
      const choice = choices[pick] as number;
      const isThread = unit < machine.nthreads;
      const kind = isThread ? machine.nextAction(s, unit).kind : -1;
      if (kind === IPI_KIND) ipis++;
      if (opts.duration) {
        const act = isThread ? machine.nextAction(s, unit) : undefined;
        const step: SimStep = {
          actor: machine.units[unit]?.name ?? '',
          kind: act ? act.kind : -1,
          text: act ? act.text : (machine.units[unit]?.kind ?? ''),
        };
        readyAt[unit] = time + opts.duration(step, rng);
      }
      let next: Int32Array<ArrayBuffer> | undefined;
      machine.unitSuccessors(s, len, unit, (_u, c, st, l) => {
        if (c === choice && next === undefined) {
          next = st.slice(0, l);
        }
      });
      s = next as Int32Array<ArrayBuffer>;
      len = s.length;
      steps++;
    }
    const ghosts: Record<string, number> = {};
    for (const g of machine.ghostValues(s)) {
      ghosts[g.name] = g.value;
      ghostSums[g.name] = (ghostSums[g.name] ?? 0) + g.value;
    }
    if (violation !== undefined) violations[violation] = (violations[violation] ?? 0) + 1;
    for (const w of reached) witnesses[w] = (witnesses[w] ?? 0) + 1;
    ended[how]++;
    sumSteps += steps;
    sumTime += time;
    sumIpis += ipis;
    opts.onRun?.({
      steps,
      time,
      ...(violation !== undefined ? { violation } : {}),
      ended: how,
      witnesses: [...reached],
      ghosts,
      ipis,
    });
  }
  const meanGhosts: Record<string, number> = {};
  for (const [k, v] of Object.entries(ghostSums)) meanGhosts[k] = v / opts.runs;
  return {
    runs: opts.runs,
    seed: opts.seed,
    violations,
    witnesses,
    ended,
    meanSteps: sumSteps / opts.runs,
    meanTime: sumTime / opts.runs,
    meanIpis: sumIpis / opts.runs,
    meanGhosts,
    ms: performance.now() - t0,
  };
}
