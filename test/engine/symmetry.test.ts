/**
 * Symmetry reduction: exact (the same verdicts, violated properties and shortest counterexample
 * lengths as without it, with and without partial-order reduction), effective (fewer states),
 * and checked (a declaration that does not fit the model is a ModelError, never a wrong verdict).
 */
import { describe, expect, it } from 'vitest';
import { ringModel } from '../../bench/ring.ts';
import {
  check,
  defineModel,
  Exploration,
  type ExploreResult,
  type Ghost,
  ghost,
  instantiate,
  type Loc,
  type MemoryModelName,
  ModelError,
  READ_ONCE,
  smp_processor_id,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';
import { requests } from '../../src/spec/models/requests/model.ts';

function explore(
  variant: string,
  n: number,
  mm: MemoryModelName,
  symmetry: boolean,
  reduction: boolean,
): ExploreResult {
  const inst = instantiate(ringModel, variant, { n }).instance;
  return new Exploration(inst, { memoryModel: mm, symmetry, reduction }).run() as ExploreResult;
}

describe('the store-buffering ring, rotated', () => {
  const cases = (['sc', 'tso'] as const).flatMap((mm) =>
    [3, 4, 5].flatMap((n) => ['mb', 'no-mb'].map((v) => [mm, n, v] as const)),
  );
  it.each(cases)('%s, N=%i, %s: same verdict and counterexample length, fewer states', (mm, n, v) => {
    for (const reduction of [false, true]) {
      const full = explore(v, n, mm, false, reduction);
      const sym = explore(v, n, mm, true, reduction);
      expect(sym.verdict).toBe(full.verdict);
      expect(sym.violation?.property).toBe(full.violation?.property);
      expect(sym.path?.steps.length).toBe(full.path?.steps.length);
      expect(sym.states).toBeLessThan(full.states);
      // A rotation class has at most n states, so a complete search shrinks at most n-fold (one
      // stopped by a violation may stop earlier or later).
      if (full.verdict === 'holds') expect(sym.states * n).toBeGreaterThanOrEqual(full.states);
      expect(sym.symmetry).toBe(`ring: rotations of ${n} members (${n} renamings)`);
      expect(full.symmetry).toBe('off (by option)');
    }
  });

  it('records its state counts (N=6 under TSO, with the barrier)', () => {
    expect(explore('mb', 6, 'tso', false, false).states).toBe(32_383);
    expect(explore('mb', 6, 'tso', true, false).states).toBe(5_439);
    expect(explore('mb', 6, 'tso', true, true).states).toBe(2_008);
  });

  it('turns a counterexample found among representatives into a run of the model that replays', () => {
    const r = check(ringModel, { variant: 'no-mb', memoryModel: 'tso', params: { n: 4 } });
    expect(r.verdict).toBe('violated');
    expect(r.symmetry).toContain('rotations of 4');
    // check() replays the path on a fresh machine without symmetry, so it is a real run.
    expect(r.counterexample?.steps.length).toBe(12);
    const last = r.counterexample?.steps.at(-1);
    expect(last).toBeDefined();
  });

  it('is not applied under relaxed memory, and says so', () => {
    const r = explore('mb', 3, 'relaxed', true, true);
    expect(r.symmetry).toBe('symmetry ring is not applied under relaxed memory');
    expect(r.states).toBe(explore('mb', 3, 'relaxed', false, true).states);
  });

  it('rejects a claim that any two CPUs of the ring may trade places', () => {
    expect(() => explore('mb-wrong-symmetry', 3, 'tso', true, true)).toThrow(ModelError);
    expect(() => explore('mb-wrong-symmetry', 3, 'tso', true, true)).toThrow(
      /symmetry ring does not hold: after the same history, P\d does "READ_ONCE\(x\d\)" but P\d does "READ_ONCE\(x\d\)" \(the locations do not correspond\)/,
    );
  });
});

describe('interchangeable requesters in the requests model', () => {
  it.each(requests.variants.map((v) => v.name))(
    '%s with two requesters under TSO: exact, and about halves the states, apart and on one graph',
    (variant) => {
      // Apart (safety on the reduced graph, then the liveness graph) and on one graph (the
      // default for a model with `eventually` properties): symmetry reduces both graphs.
      const run = (symmetry: boolean, oneGraph: boolean) =>
        check(requests, { variant, memoryModel: 'tso', params: { requesters: 2 }, symmetry, oneGraph });
      const full = run(false, false);
      for (const oneGraph of [false, true]) {
        const sym = run(true, oneGraph);
        expect(sym.verdict).toBe(full.verdict);
        expect(sym.violation?.property).toBe(full.violation?.property);
        // A lasso is not a shortest run; a safety counterexample is, and symmetry keeps its length.
        if (full.violation?.kind !== 'progress')
          expect(sym.counterexample?.steps.length).toBe(full.counterexample?.steps.length);
        if (!oneGraph) {
          expect(sym.states).toBeLessThan(full.states);
          if (full.verdict === 'holds') expect(sym.states * 2).toBeGreaterThanOrEqual(full.states);
        }
        if (full.livenessStates !== undefined && sym.livenessStates !== undefined && full.verdict === 'holds') {
          expect(sym.livenessStates).toBeLessThan(full.livenessStates);
          expect(sym.livenessStates * 2).toBeGreaterThanOrEqual(full.livenessStates);
        }
        const where = oneGraph ? ', on the one graph of safety and liveness' : ', in safety and liveness';
        // Variants without an `eventually` property have no liveness graph.
        const progress = instantiate(requests, variant, { requesters: 2 }).instance.progress.length > 0;
        expect(sym.symmetry).toBe(`requesters: any permutation of 2 members (2 renamings)${progress ? where : ''}`);
      }
    },
  );

  it('declares no symmetry with one requester (the recorded state counts are unchanged)', () => {
    expect(check(requests, { variant: 'correct-x86' }).symmetry).toBeUndefined();
  });
});

/** Two threads that each publish something of their own; the setup decides how symmetric. */
function pair(setup: 'fine' | 'shape' | 'init' | 'pinned' | 'cpu-value' | 'value' | 'shared-loc') {
  return defineModel<Record<string, never>>({
    name: 'pair',
    title: 'pair',
    source: 'test/engine/symmetry.test.ts',
    memoryModels: ['sc', 'tso'],
    defaultMemoryModel: 'sc',
    cpus: () => 3,
    variants: [{ name: 'v', description: 'v', flags: {}, expect: {} }],
    setup(b) {
      const x: Loc[] = [b.loc('x0'), b.loc('x1', setup === 'init' ? 1 : 0)];
      const seen: Ghost[] = [b.ghost('seen0'), b.ghost('seen1')];
      for (const i of [0, 1]) {
        b.thread(`T${i}`, { cpu: setup === 'pinned' && i === 1 ? 2 : i }, function* () {
          const me = yield* smp_processor_id();
          if (setup === 'cpu-value') yield* WRITE_ONCE(x[i] as Loc, me + 1);
          else yield* WRITE_ONCE(x[i] as Loc, setup === 'value' ? i + 1 : 1);
          yield* ghost(seen[i] as Ghost, yield* READ_ONCE(x[1 - i] as Loc));
        });
      }
      b.always(
        'someone-sees',
        'a done pair saw each other',
        (s) => !(s.final && s.ghost(seen[0] as Ghost) === 0 && s.ghost(seen[1] as Ghost) === 0),
      );
      b.symmetric(
        'pair',
        'full',
        [0, 1].map((i) => ({
          threads: [`T${i}`],
          cpus: [i],
          locs: setup === 'shape' && i === 1 ? [] : setup === 'shared-loc' ? [x[0] as Loc] : [x[i] as Loc],
          ghosts: [seen[i] as Ghost],
        })),
      );
    },
  });
}

describe('checking a declaration', () => {
  const run = (setup: Parameters<typeof pair>[0]) => () => check(pair(setup), { memoryModel: 'tso' });

  it.each(['sc', 'tso'] as const)(
    'accepts a symmetric pair under %s, renaming the CPU numbers threads learn from smp_processor_id()',
    (memoryModel) => {
      const sym = check(pair('fine'), { memoryModel });
      const full = check(pair('fine'), { memoryModel, symmetry: false });
      // Store buffering without barriers: fine under SC, violated under TSO.
      expect(sym.verdict).toBe(memoryModel === 'sc' ? 'holds' : 'violated');
      expect(full.verdict).toBe(sym.verdict);
      expect(sym.counterexample?.steps.length).toBe(full.counterexample?.steps.length);
      expect(sym.symmetry).toBe('pair: any permutation of 2 members (2 renamings)');
      expect(sym.states).toBeLessThan(full.states);
    },
  );
  it.each([
    [
      'shape',
      /member 1 has 1 threads, 1 CPUs, 0 locations, 1 ghosts, member 0 has 1 threads, 1 CPUs, 1 locations, 1 ghosts/,
    ],
    ['init', /x0 and x1 start with different values/],
    ['pinned', /T0 starts on CPU 0, so T1 must start on CPU 1, not 2/],
    ['shared-loc', /location x0 belongs to two members/],
    ['value', /different values are written/],
    ['cpu-value', /different values are written/],
  ] as const)('rejects %s', (setup, message) => {
    expect(run(setup)).toThrow(ModelError);
    expect(run(setup)).toThrow(message);
  });
});
