/**
 * The relaxed memory's collection rules (memory/relaxed.ts #collect, ExploreOptions.relaxedCollect)
 * checked against each other: 'accessors' (the default: only the cur views of the threads that
 * access a location keep its old writes), 'readers' (every live thread's cur) and 'every-view'
 * (every view and every write's view, the rule before). The two reductions must give the same
 * verdict, the same shortest counterexample and the same final outcomes as 'every-view', in
 * fewer or as many states: on random programs of kernel primitives (programs.ts, as
 * crosscheck.test.ts), and on every chapter model's variants under relaxed at their default
 * parameters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CheckResult, check } from '../../src/spec/engine/index.ts';
import { checkOnce } from '../support/check-once.ts';
import { goldenSearchesRelaxed } from '../support/golden-budget.ts';
import { propertyParams } from '../support/property-params.ts';
import {
  chapterModel,
  chapterVariant,
  expectSameAsEveryView,
  RELAXED_CHAPTER_CASES,
  withinBudget,
} from '../support/relaxed-chapters.ts';
import { compare, finalOutcomes, MAX_STATES } from './crosscheck.ts';
import { buildModel, type GenOptions, type Program, programArb, propertyArb } from './programs.ts';

const params = propertyParams('KVMSPEC_PROPERTY_RUNS', 100);
const RUNS = params.numRuns;
const GEN: GenOptions = { waits: true, interrupts: true };
const timeout = Math.max(60_000, RUNS * 3_000);
const RULES = ['every-view', 'readers', 'accessors'] as const;

/** The final outcomes of `p` under relaxed with `rule`, or undefined past the budget. */
function outcomes(p: Program, rule: (typeof RULES)[number]): string[] | undefined {
  const seen = finalOutcomes(p, { memoryModel: 'relaxed', relaxedCollect: rule });
  return seen && [...seen].sort();
}

describe('relaxed memory: collecting writes no accessing view reaches', () => {
  it(
    'same verdicts and shortest counterexamples as every view pinning, in as many states or fewer',
    () => {
      fc.assert(
        fc.property(
          programArb(GEN).chain((p) => propertyArb(p).map((prop) => [p, prop] as const)),
          ([p, prop]) => {
            const model = buildModel(p, { property: prop });
            const runs = RULES.map((rule) =>
              check(model, { memoryModel: 'relaxed', reduction: false, relaxedCollect: rule, maxStates: MAX_STATES }),
            );
            fc.pre(runs.every((r) => r.verdict !== 'inconclusive'));
            const [base, readers, accessors] = runs as [CheckResult, CheckResult, CheckResult];
            compare(model, 'relaxed', base, readers, 'collect: readers');
            compare(model, 'relaxed', base, accessors, 'collect: accessors');
            if (base.verdict === 'holds') expect(accessors.states).toBeLessThanOrEqual(readers.states);
          },
        ),
        params,
      );
    },
    timeout,
  );

  it(
    'same final outcomes',
    () => {
      fc.assert(
        fc.property(programArb(GEN), (p) => {
          const [base, ...others] = RULES.map((rule) => outcomes(p, rule));
          fc.pre(base !== undefined && others.every((o) => o !== undefined));
          for (const o of others) expect(o).toEqual(base);
        }),
        params,
      );
    },
    timeout,
  );

  // The default rule keeps fewer writes than 'every-view' (never more states, asserted below
  // where both finish), so a variant whose recorded relaxed count (the default search's) is past
  // the budget is past it with 'every-view' too: not searched (measured 2026-12-03: all 24 such
  // variants were inconclusive at 10,000 states with 'every-view', about 2 s of a core each).
  // A variant whose default relaxed search golden.test.ts runs is compared there, on the result
  // it has (expectSameAsEveryView): here, it was a second search of it whenever the two files ran
  // in different workers (measured 2026-12-03: 21 such searches, about 13 s of CPU per run). The
  // ones left here are those golden.test.ts does not search (no recorded relaxed verdict).
  it.each(
    RELAXED_CHAPTER_CASES.filter(
      ([name, variant]) => withinBudget(name, variant) && !goldenSearchesRelaxed(name, chapterVariant(name, variant)),
    ),
  )(
    '%s / %s: the same verdict with every view pinning',
    (name, variant) => {
      const model = chapterModel(name);
      expectSameAsEveryView(model, variant, checkOnce(model, { variant, memoryModel: 'relaxed' }));
    },
    120_000,
  );
});
