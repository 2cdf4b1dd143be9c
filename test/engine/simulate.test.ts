/**
 * Seeded simulation: the same seed gives the same runs, different seeds give different runs,
 * and the number of runs asked for is the number made. And how a run is judged for liveness:
 * a run that quiesces with an `eventually` property pending violates it (it stutters there),
 * one cut off with it pending is undecided, and the longest pending stretch is counted in steps.
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  choose,
  defineModel,
  ghost,
  instantiate,
  type MemoryModelName,
  READ_ONCE,
  Rng,
  type RunResult,
  type SimSummary,
  simulate,
  smp_mb,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';
import { sb } from '../../src/spec/models/sb/model.ts';
import { fairness, ring } from './models.ts';

/** A summary without its wall-clock time. */
const stable = (s: SimSummary) => ({ ...s, ms: 0 });

function runs(seed: number, count = 200): { summary: SimSummary; each: RunResult[] } {
  const each: RunResult[] = [];
  const summary = simulate(ring, {
    variant: 'no-mb',
    params: { n: 4 },
    memoryModel: 'tso',
    seed,
    runs: count,
    onRun: (r) => each.push(r),
  });
  return { summary, each };
}

describe('simulate', () => {
  it('the same seed gives an identical summary and identical runs', () => {
    const a = runs(42);
    const b = runs(42);
    expect(stable(a.summary)).toEqual(stable(b.summary));
    expect(a.each).toEqual(b.each);
  });

  it('different seeds give different runs', () => {
    const seeds = [1, 2, 3, 4];
    const results = seeds.map((seed) => JSON.stringify(runs(seed).each));
    expect(new Set(results).size).toBe(seeds.length);
    const summaries = seeds.map((seed) => JSON.stringify(stable(runs(seed).summary)));
    expect(new Set(summaries).size).toBeGreaterThan(1);
  });

  it.each([1, 7, 100])('makes exactly %i runs', (count) => {
    const { summary, each } = runs(9, count);
    expect(summary.runs).toBe(count);
    expect(each).toHaveLength(count);
    const ended = summary.ended;
    expect(ended.final + ended.stopped + ended.cut + ended.violation).toBe(count);
  });

  it('finds the store-buffering outcome only where the memory model allows it', () => {
    const tso = simulate(sb, { variant: 'unfenced', memoryModel: 'tso', seed: 5, runs: 400 });
    const sc = simulate(sb, { variant: 'unfenced', memoryModel: 'sc', seed: 5, runs: 400 });
    const fenced = simulate(sb, { variant: 'fenced', memoryModel: 'tso', seed: 5, runs: 400 });
    expect(tso.violations['one-sees-the-other'] ?? 0).toBeGreaterThan(0);
    expect(sc.violations).toEqual({});
    expect(fenced.violations).toEqual({});
    expect(sc.ended.final).toBe(400);
  });

  it('cuts off runs that never end at maxSteps', () => {
    const s = simulate(fairness, { variant: 'unfair', memoryModel: 'sc', seed: 3, runs: 20, maxSteps: 50 });
    expect(s.ended.cut + s.ended.final).toBe(20);
    expect(s.meanSteps).toBeLessThanOrEqual(50);
  });

  it('timed scheduling is reproducible too', () => {
    const opts = {
      variant: 'unfenced',
      memoryModel: 'tso' as const,
      seed: 11,
      runs: 50,
      duration: (_step: unknown, rng: Rng) => rng.exp(10),
    };
    expect(stable(simulate(sb, opts))).toEqual(stable(simulate(sb, opts)));
    expect(simulate(sb, opts).meanTime).toBeGreaterThan(0);
  });

  it('rejects a bad number of runs or seed', () => {
    expect(() => simulate(sb, { seed: 1, runs: 0 })).toThrow(RangeError);
    expect(() => simulate(sb, { seed: 1.5, runs: 1 })).toThrow(/seed/);
  });

  it('Rng is deterministic by seed', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    const c = new Rng(124);
    const xs = Array.from({ length: 10 }, () => a.nextU32());
    expect(Array.from({ length: 10 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 10 }, () => c.nextU32())).not.toEqual(xs);
    for (let i = 0; i < 1000; i++) {
      const k = a.int(7);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThan(7);
    }
  });
});

/**
 * One thread raises an obligation (x = 1) and, depending on the variant, discharges it (x = 0)
 * after `reads` reads of y, never, or on a coin flip; under TSO the discharging store may sit
 * in the store buffer when the thread finishes. A second thread, on the other CPU, only adds
 * interleavings (it never touches x).
 */
const obligation = defineModel<{ kind: 'resolved' | 'never' | 'coin' | 'buffered'; reads: number }>({
  name: 'test-sim-liveness',
  title: 'Liveness in simulation (test)',
  source: 'test/engine/simulate.test.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'resolved', description: 'discharged after 3 reads', flags: { kind: 'resolved', reads: 3 }, expect: {} },
    { name: 'never', description: 'never discharged', flags: { kind: 'never', reads: 1 }, expect: {} },
    { name: 'coin', description: 'discharged on a coin flip', flags: { kind: 'coin', reads: 1 }, expect: {} },
    {
      name: 'buffered',
      description: 'discharged by a store the thread leaves buffered',
      flags: { kind: 'buffered', reads: 0 },
      expect: {},
    },
  ],
  setup(b, { kind, reads }) {
    const x = b.loc('x');
    const y = b.loc('y');
    const kept = b.ghost('kept');
    b.thread('A', { cpu: 0 }, function* () {
      yield* WRITE_ONCE(x, 1);
      // Under TSO the store above reaches memory here, before the thread goes on.
      yield* smp_mb();
      for (let r = 0; r < reads; r++) yield* READ_ONCE(y);
      if (kind === 'never') return;
      if (kind === 'coin' && (yield* choose(2, 'keep the obligation?')) === 1) {
        yield* ghost(kept, 1);
        return;
      }
      yield* WRITE_ONCE(x, 0);
    });
    b.thread('B', { cpu: 1 }, function* () {
      yield* READ_ONCE(y);
      yield* READ_ONCE(y);
    });
    b.eventually('discharged', 'the obligation is eventually discharged', (s) => s.mem(x) === 1);
  },
});

function simRuns(
  variant: string,
  memoryModel: MemoryModelName,
  extra: { maxSteps?: number; respondWithin?: number } = {},
) {
  const each: RunResult[] = [];
  const summary = simulate(obligation, {
    variant,
    memoryModel,
    seed: 7,
    runs: 60,
    onRun: (r) => each.push(r),
    ...extra,
  });
  return { summary, each };
}

describe('simulate: liveness', () => {
  it('a run that quiesces with the obligation open violates it; one that discharges it does not', () => {
    const never = simRuns('never', 'sc');
    expect(never.summary.ended.final).toBe(60);
    expect(never.summary.liveness).toEqual({ discharged: 60 });
    expect(never.summary.violations).toEqual({});
    expect(never.each.every((r) => r.pending.includes('discharged'))).toBe(true);
    const resolved = simRuns('resolved', 'sc');
    expect(resolved.summary.ended.final).toBe(60);
    expect(resolved.summary.liveness).toEqual({});
    expect(resolved.summary.pendingAtEnd).toEqual({});
    expect(resolved.each.every((r) => r.pending.length === 0)).toBe(true);
    // The explorer agrees: violated by the run that stutters with x = 1, and holds otherwise.
    expect(check(obligation, { variant: 'never' }).violation?.property).toBe('discharged');
    expect(check(obligation, { variant: 'resolved' }).verdict).toBe('holds');
  });

  it('counts exactly the runs that kept the obligation (the coin), as the runs themselves show', () => {
    const { summary, each } = simRuns('coin', 'sc');
    const kept = each.filter((r) => r.ghosts.kept === 1).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(60);
    expect(summary.liveness.discharged).toBe(kept);
    expect(each.filter((r) => r.pending.includes('discharged')).length).toBe(kept);
  });

  it('quiescing includes draining the store buffers: a buffered discharge still counts (TSO)', () => {
    const { summary, each } = simRuns('buffered', 'tso');
    expect(summary.ended.final).toBe(60);
    expect(summary.liveness).toEqual({});
    expect(each.every((r) => r.pending.length === 0)).toBe(true);
  });

  it('a run cut off or stopped with the obligation open is undecided, not a violation', () => {
    // One step: A's store of x = 1 in some runs, B's read in the others.
    const { summary, each } = simRuns('never', 'sc', { maxSteps: 1 });
    expect(summary.ended.cut).toBe(60);
    expect(summary.liveness).toEqual({});
    const open = each.filter((r) => r.pending.includes('discharged')).length;
    expect(open).toBeGreaterThan(0);
    expect(open).toBeLessThan(60);
    expect(summary.pendingAtEnd).toEqual({ discharged: open });
    const raised = instantiate(obligation, 'resolved').instance.progress[0]?.pending;
    if (!raised) throw new Error('the model declares its eventually property');
    const stopped = simulate(obligation, {
      variant: 'resolved',
      memoryModel: 'sc',
      seed: 7,
      runs: 60,
      // Stop as soon as the obligation is raised (the model's own pending predicate).
      stopWhen: raised,
    });
    expect(stopped.ended.stopped).toBe(60);
    expect(stopped.liveness).toEqual({});
    expect(stopped.pendingAtEnd).toEqual({ discharged: 60 });
  });

  it('measures the longest pending stretch in steps, and bounded response against it', () => {
    // Pending from the store of x = 1 on; thread A takes the fence, 3 reads and the discharge
    // from pending states, and B's two reads land inside the stretch or outside it.
    const { summary, each } = simRuns('resolved', 'sc', { respondWithin: 4 });
    for (const r of each) {
      expect(r.longestPending.discharged).toBeGreaterThanOrEqual(5);
      expect(r.longestPending.discharged).toBeLessThanOrEqual(7);
    }
    const late = (k: number) => each.filter((r) => (r.longestPending.discharged as number) > k).length;
    expect(summary.lateResponses).toEqual({ discharged: 60 });
    expect(simRuns('resolved', 'sc', { respondWithin: 6 }).summary.lateResponses).toEqual(
      late(6) > 0 ? { discharged: late(6) } : {},
    );
    expect(late(6)).toBeGreaterThan(0);
    expect(late(6)).toBeLessThan(60);
    expect(simRuns('resolved', 'sc', { respondWithin: 7 }).summary.lateResponses).toEqual({});
    // A run that quiesces pending is late whatever the bound.
    expect(simRuns('never', 'sc', { respondWithin: 1000 }).summary.lateResponses).toEqual({ discharged: 60 });
    expect(() => simRuns('never', 'sc', { respondWithin: -1 })).toThrow(RangeError);
  });
});
