/**
 * Seeded simulation: the same seed gives the same runs, different seeds give different runs,
 * and the number of runs asked for is the number made.
 */
import { describe, expect, it } from 'vitest';
import { Rng, type RunResult, type SimSummary, simulate } from '../../src/spec/engine/index.ts';
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
