/**
 * Seeded random simulation of a model: the stress test that exhaustive checking is compared
 * with, and the source of the plots. Two schedulers:
 * - uniform: at each step an enabled unit is picked uniformly at random, then one of its
 *   choices (how a stress test explores interleavings: blindly);
 * - timed: a discrete-event simulation in which every step takes a duration (given by the
 *   caller, e.g. a guest runs for microseconds, an IPI takes a few hundred nanoseconds) and the
 *   unit that becomes ready first moves next.
 * Same seed, same runs, in Node and in the browser.
 *
 * Liveness (a model's `eventually` properties) is measured as the explorer defines a violation
 * that a finite run can show: a run that quiesces (no thread, interrupt or store buffer can
 * step) with the property still pending stutters there for ever, which is a fair run along
 * which it stays pending. Such a run is counted in `liveness`, not in `violations` (safety).
 * A run cut off at maxSteps, or stopped by stopWhen, with the property pending proves nothing
 * (the explorer's other kind of violation, a fair cycle, cannot be told from a long run): it is
 * counted in `pendingAtEnd` as undecided. And as a bounded-response measure: the longest
 * stretch of consecutive steps a run spends with the property pending, and with
 * `respondWithin: K` the runs in which some stretch lasted more than K steps (or never ended).
 */
import { Kind } from './actions.ts';
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
  /**
   * Bounded response: count, per `eventually` property, the runs in which it stayed pending
   * for more than this many consecutive steps, or quiesced pending (SimSummary.lateResponses).
   */
  readonly respondWithin?: number;
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
  /**
   * The `eventually` properties pending in the run's last state. When the run ended `final`
   * (quiesced) each of them is violated (the run stutters there); otherwise it is undecided.
   */
  readonly pending: readonly string[];
  /**
   * Per `eventually` property, the longest stretch of consecutive steps taken from states in
   * which it was pending (0 if it never was; a stretch still open when the run ends counts the
   * steps taken so far).
   */
  readonly longestPending: Readonly<Record<string, number>>;
}

export interface SimSummary {
  readonly runs: number;
  readonly seed: number;
  /** Safety: runs per first invariant broken (or 'assertion' / 'deadlock'). */
  readonly violations: Readonly<Record<string, number>>;
  /** Liveness: runs per `eventually` property pending when the run quiesced (violated). */
  readonly liveness: Readonly<Record<string, number>>;
  /** Runs per `eventually` property pending when the run was cut off or stopped (undecided). */
  readonly pendingAtEnd: Readonly<Record<string, number>>;
  /** With respondWithin: runs per `eventually` property pending longer than that (or quiesced pending). */
  readonly lateResponses?: Readonly<Record<string, number>>;
  readonly witnesses: Readonly<Record<string, number>>;
  readonly ended: Readonly<Record<RunResult['ended'], number>>;
  readonly meanSteps: number;
  readonly meanTime: number;
  readonly meanIpis: number;
  readonly meanGhosts: Readonly<Record<string, number>>;
  readonly ms: number;
}

export function simulate(model: AnyModel, opts: SimulateOptions): SimSummary {
  if (!Number.isInteger(opts.runs) || opts.runs < 1)
    throw new RangeError(`runs must be a positive integer, got ${opts.runs}`);
  if (!Number.isInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
  if (opts.respondWithin !== undefined && (!Number.isInteger(opts.respondWithin) || opts.respondWithin < 0))
    throw new RangeError(`respondWithin must be a non-negative integer, got ${opts.respondWithin}`);
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
  const liveness: Record<string, number> = {};
  const pendingAtEnd: Record<string, number> = {};
  const lateResponses: Record<string, number> = {};
  const progress = instance.progress;
  /** Per `eventually` property: the step its current pending stretch began at (-1: not pending). */
  const since = new Int32Array(progress.length);
  const longest = new Int32Array(progress.length);
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
  const order = Array.from({ length: nunits }, (_, u) => u);
  const noop = (): void => {};

  for (let run = 0; run < opts.runs; run++) {
    let s = new Int32Array(init.length + 4096);
    s.set(init);
    let spare = new Int32Array(init.length + 4096);
    let len = init.length;
    let steps = 0;
    let time = 0;
    let ipis = 0;
    let violation: string | undefined;
    let how: RunResult['ended'] = 'cut';
    const reached = new Set<string>();
    since.fill(-1);
    longest.fill(0);
    readyAt.fill(0);
    if (opts.start) for (let u = 0; u < nunits; u++) readyAt[u] = opts.start(machine.units[u]?.name ?? '', rng);
    for (;;) {
      view.s = s;
      // Pick the transition. Uniform: units in random order, the first enabled one moves, with
      // one of its choices drawn by reservoir sampling (uniform over enabled units, then over
      // choices) — only one unit's successors are generated per step. Timed: the enabled unit
      // that is ready first moves.
      let unit = -1;
      let time0 = time;
      if (opts.duration) {
        units.length = 0;
        choices.length = 0;
        machine.successors(s, len, (u, c) => {
          units.push(u);
          choices.push(c);
        });
        let best = Number.POSITIVE_INFINITY;
        let ties = 0;
        for (let k = 0; k < units.length; k++) {
          const u = units[k] as number;
          if (k > 0 && units[k - 1] === u) continue;
          const at = Math.max(time, readyAt[u] as number);
          if (at < best) {
            best = at;
            unit = u;
            ties = 1;
          } else if (at === best && rng.int(++ties) === 0) {
            unit = u;
          }
        }
        time0 = best;
      } else {
        for (let k = 0; k < nunits && unit < 0; k++) {
          const j = k + rng.int(nunits - k);
          const t = order[k] as number;
          order[k] = order[j] as number;
          order[j] = t;
          if (machine.unitSuccessors(s, len, order[k] as number, noop) > 0) unit = order[k] as number;
        }
      }
      // Properties see whether the state is final, as in the explorer.
      view.final = unit < 0;
      if (machine.failed(s)) violation = 'assertion';
      for (const inv of instance.invariants) {
        if (violation === undefined && !inv.holds(view)) violation = inv.name;
      }
      if (violation !== undefined) {
        how = 'violation';
        break;
      }
      for (const w of instance.witnesses) if (w.reached(view)) reached.add(w.name);
      // Stretches of pending: a stretch that began at step `since` has taken `steps - since`
      // steps from pending states by now, whether it is still open or just ended here.
      for (let p = 0; p < progress.length; p++) {
        const pendingNow = (progress[p] as (typeof progress)[number]).pending(view);
        if (pendingNow && (since[p] as number) < 0) since[p] = steps;
        if ((since[p] as number) >= 0) longest[p] = Math.max(longest[p] as number, steps - (since[p] as number));
        if (!pendingNow) since[p] = -1;
      }
      if (unit < 0) {
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
      time = time0;
      const isThread = unit < machine.nthreads;
      const act = isThread ? machine.nextAction(s, unit) : undefined;
      if (act?.kind === Kind.Ipi) ipis++;
      if (opts.duration) {
        const step: SimStep = {
          actor: machine.units[unit]?.name ?? '',
          kind: act ? act.kind : -1,
          text: act ? act.text : (machine.units[unit]?.kind ?? ''),
        };
        readyAt[unit] = time + opts.duration(step, rng);
      }
      // Reservoir sampling over the unit's successors: the i-th replaces the kept one with
      // probability 1/i, so each is taken with equal probability.
      let seen = 0;
      let nextLen = 0;
      machine.unitSuccessors(s, len, unit, (_u, _c, st, l) => {
        seen++;
        if (seen === 1 || rng.int(seen) === 0) {
          if (spare.length < l) spare = new Int32Array(l * 2);
          spare.set(st.subarray(0, l));
          nextLen = l;
        }
      });
      const previous = s;
      s = spare;
      spare = previous;
      len = nextLen;
      steps++;
    }
    const ghosts: Record<string, number> = {};
    for (const g of machine.ghostValues(s)) {
      ghosts[g.name] = g.value;
      ghostSums[g.name] = (ghostSums[g.name] ?? 0) + g.value;
    }
    if (violation !== undefined) violations[violation] = (violations[violation] ?? 0) + 1;
    // After a safety violation the run stops where it broke: liveness is not judged there.
    const pending: string[] = [];
    const longestPending: Record<string, number> = {};
    for (let p = 0; p < progress.length; p++) {
      const name = (progress[p] as (typeof progress)[number]).name;
      longestPending[name] = longest[p] as number;
      if (how === 'violation' || (since[p] as number) < 0) continue;
      pending.push(name);
      if (how === 'final') liveness[name] = (liveness[name] ?? 0) + 1;
      else pendingAtEnd[name] = (pendingAtEnd[name] ?? 0) + 1;
    }
    if (opts.respondWithin !== undefined && how !== 'violation') {
      const k = opts.respondWithin;
      for (let p = 0; p < progress.length; p++) {
        const quiescedPending = how === 'final' && (since[p] as number) >= 0;
        if (quiescedPending || (longest[p] as number) > k) {
          const name = (progress[p] as (typeof progress)[number]).name;
          lateResponses[name] = (lateResponses[name] ?? 0) + 1;
        }
      }
    }
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
      pending,
      longestPending,
    });
  }
  const meanGhosts: Record<string, number> = {};
  for (const [k, v] of Object.entries(ghostSums)) meanGhosts[k] = v / opts.runs;
  return {
    runs: opts.runs,
    seed: opts.seed,
    violations,
    liveness,
    pendingAtEnd,
    ...(opts.respondWithin !== undefined ? { lateResponses } : {}),
    witnesses,
    ended,
    meanSteps: sumSteps / opts.runs,
    meanTime: sumTime / opts.runs,
    meanIpis: sumIpis / opts.runs,
    meanGhosts,
    ms: performance.now() - t0,
  };
}
