/**
 * The history quotient under relaxed memory (quotient.ts with threads.ts relaxedFacts): thread
 * histories with the same future are merged only where what the relaxed model reads of a
 * thread's past and of its probed future (barrier flags, dependencies, the last access, the
 * stores ahead for load buffering) is the same too. Checked against the history-numbered search
 * (`quotient: false`): the same verdict, violated property and shortest counterexample, and the
 * same final outcomes, in as many states or fewer; on random programs of kernel primitives
 * (programs.ts, with the steps whose relaxed answer differs from LKMM's too, since both sides run
 * the same relaxed model: dependencies, control dependencies and the atomic barriers are exactly
 * what the merging must keep apart), and on every chapter model's variants under relaxed at their
 * default parameters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  atomic_inc,
  type CheckResult,
  check,
  defineModel,
  ghost,
  READ_ONCE,
  smp_mb,
  smp_mb__after_atomic,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';
import { checkOnce } from '../support/check-once.ts';
import { goldenComparesOptions, goldenSearchesRelaxed } from '../support/golden-budget.ts';
import { propertyParams } from '../support/property-params.ts';
import {
  chapterModel,
  chapterVariant,
  expectSameAsHistories,
  RELAXED_CHAPTER_CASES,
  withinBudget,
} from '../support/relaxed-chapters.ts';
import { compare, finalOutcomes, MAX_STATES } from './crosscheck.ts';
import { buildModel, type GenOptions, type Program, programArb, propertyArb } from './programs.ts';

const params = propertyParams('KVMSPEC_PROPERTY_RUNS', 100);
const timeout = Math.max(60_000, params.numRuns * 3_000);
const GEN: GenOptions = { waits: true, interrupts: true };

/** The final outcomes of `p` under relaxed, or undefined past the budget. */
function outcomes(p: Program, quotient: boolean): string[] | undefined {
  const seen = finalOutcomes(p, { memoryModel: 'relaxed', quotient });
  return seen && [...seen].sort();
}

/**
 * Store buffering where T0's barrier is smp_mb__after_atomic(), a full barrier only after an RMW,
 * and T0 does the RMW only when it read c == 1 (T2 sets c). The two paths join at the store
 * before the barrier with the same future, so without the barrier flags among what must agree
 * (relaxedFacts) they would be one class, and the barrier would be judged by the first history of
 * the class (c == 0: no RMW, no barrier) for both, letting r1 == r2 == 0 happen after the RMW too
 * (measured: with the flags left out, this test fails on the second assertion).
 */
const afterAtomicJoin = defineModel<Record<string, never>>({
  name: 'after-atomic-join',
  title: 'two histories that join before smp_mb__after_atomic()',
  source: 'test/engine/relaxed-quotient.test.ts',
  memoryModels: ['relaxed'],
  defaultMemoryModel: 'relaxed',
  cpus: () => 3,
  variants: [{ name: 'v', description: 'the program', flags: {}, expect: {} }],
  setup(b) {
    const a = b.loc('a');
    const c = b.loc('c');
    const x = b.loc('x');
    const y = b.loc('y');
    const gc = b.ghost('rc', -1);
    const g1 = b.ghost('r1', -1);
    const g2 = b.ghost('r2', -1);
    b.thread('T0', { cpu: 0 }, function* () {
      const rc = yield* READ_ONCE(c);
      yield* ghost(gc, rc);
      if (rc === 1) yield* atomic_inc(a);
      yield* WRITE_ONCE(x, 1);
      yield* smp_mb__after_atomic();
      yield* ghost(g1, yield* READ_ONCE(y));
    });
    b.thread('T1', { cpu: 1 }, function* () {
      yield* WRITE_ONCE(y, 1);
      yield* smp_mb();
      yield* ghost(g2, yield* READ_ONCE(x));
    });
    b.thread('T2', { cpu: 2 }, function* () {
      yield* WRITE_ONCE(c, 1);
    });
    b.sometimes(
      'sb-after-rmw',
      'r1 == r2 == 0 after the RMW',
      (s) => s.ghost(gc) === 1 && s.ghost(g1) === 0 && s.ghost(g2) === 0,
    );
    b.sometimes(
      'sb-without-rmw',
      'r1 == r2 == 0 without the RMW',
      (s) => s.ghost(gc) === 0 && s.ghost(g1) === 0 && s.ghost(g2) === 0,
    );
  },
});

describe('relaxed memory: thread states numbered by future behaviour', () => {
  it('keeps apart histories whose barrier flags differ (smp_mb__after_atomic() after an RMW on one path only)', () => {
    const [histories, classes] = [false, true].map((quotient) =>
      check(afterAtomicJoin, { memoryModel: 'relaxed', quotient }),
    ) as [CheckResult, CheckResult];
    const reached = (r: CheckResult) => Object.fromEntries(r.witnesses.map((w) => [w.name, w.reached]));
    expect(reached(histories)).toEqual({ 'sb-after-rmw': false, 'sb-without-rmw': true });
    expect(reached(classes)).toEqual(reached(histories));
    expect(classes.automata, 'the quotient is on under relaxed').toBeDefined();
    // T0's paths still merge once the barrier is behind them (the read of y and what follows).
    expect(classes.automata?.classes).toBeLessThan(classes.automata?.histories ?? 0);
  });

  it(
    'same verdicts and shortest counterexamples as histories, in as many states or fewer',
    () => {
      let merged = 0;
      fc.assert(
        fc.property(
          programArb(GEN).chain((p) => propertyArb(p).map((prop) => [p, prop] as const)),
          ([p, prop]) => {
            const model = buildModel(p, { property: prop });
            const [histories, classes] = [false, true].map((quotient) =>
              check(model, { memoryModel: 'relaxed', reduction: false, quotient, maxStates: MAX_STATES }),
            ) as [CheckResult, CheckResult];
            fc.pre(histories.verdict !== 'inconclusive' && classes.verdict !== 'inconclusive');
            expect(histories.automata).toBeUndefined();
            compare(model, 'relaxed', histories, classes, 'quotient');
            if ((classes.automata?.classes ?? 0) < (classes.automata?.histories ?? 0)) merged++;
          },
        ),
        params,
      );
      // The comparison says something only where histories were merged.
      expect(merged).toBeGreaterThan(0);
    },
    timeout,
  );

  it(
    'same final outcomes',
    () => {
      fc.assert(
        fc.property(programArb(GEN), (p) => {
          const histories = outcomes(p, false);
          const classes = outcomes(p, true);
          fc.pre(histories !== undefined && classes !== undefined);
          expect(classes).toEqual(histories);
        }),
        params,
      );
    },
    timeout,
  );

  // Not searched: a variant past the budget by its recorded (default, coarser) count, which is
  // past it with histories too (measured 2026-12-03: all 24 such variants were inconclusive at
  // 10,000 states with histories); a variant golden.test.ts already compares with histories
  // (its recorded count is at most QUOTIENT_CHECKED_UP_TO), with the same assertions and more;
  // and a variant whose default relaxed search golden.test.ts runs, which is compared there on
  // the result it has (expectSameAsHistories): here it was a second search of it whenever the
  // two files ran in different workers (measured 2026-12-03: tsc/patch-hotplug-shared-unlocked-driver,
  // patch-init and before-hotplug-3cpu, 25 s of wall time at a load average of 8 to 16).
  // The ones left here are those golden.test.ts does not search (no recorded relaxed verdict).
  it.each(
    RELAXED_CHAPTER_CASES.filter(
      ([name, variant]) =>
        withinBudget(name, variant) &&
        !goldenComparesOptions(chapterVariant(name, variant), 'relaxed') &&
        !goldenSearchesRelaxed(name, chapterVariant(name, variant)),
    ),
  )(
    '%s / %s: the same verdict, property and shortest counterexample as histories',
    (name, variant) => {
      const model = chapterModel(name);
      // The default search (quotient on), shared with the other files of a worker.
      expectSameAsHistories(model, variant, checkOnce(model, { variant, memoryModel: 'relaxed' }));
    },
    120_000,
  );
});
