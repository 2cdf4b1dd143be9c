/**
 * Property-based cross-checks of the explorer (fast-check) on random small programs of kernel
 * primitives (programs.ts); what each checks is in crosscheck.ts:
 * (a) with and without each reduction (partial-order reduction; symmetry where the program
 *     declares it): same verdict; for a safety violation a counterexample of the same, shortest,
 *     length; the same final outcomes with and without partial-order reduction; a program that
 *     cannot block never deadlocks;
 * (b) SC ⊆ TSO ⊆ relaxed in final outcomes, blocked (deadlocked) ones included;
 * (c) every counterexample replays, through replayEncoded as a permalink would, to a state
 *     that breaks the property it names;
 * (d) the seeded simulator never reaches a state the explorer did not.
 *
 * Runs per property: KVMSPEC_PROPERTY_RUNS (default DEFAULT_RUNS, sized for CI); seed: fixed in
 * the suite, KVMSPEC_PROPERTY_SEED=random for a fresh one (test/support/property-params.ts).
 * A failure prints its seed and shrunk program; shrunk programs become
 * regression tests in crosscheck-regressions.test.ts. Every step kind of programs.ts is
 * generated (dependent stores and smp_mb__*_atomic() were left out until the relaxed model got
 * them right).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { propertyParams } from '../support/property-params.ts';
import { checkInclusion, checkPorOutcomes, checkReductions, checkSimulation, MODELS } from './crosscheck.ts';
import { type GenOptions, programArb, propertyArb, symmetricProgramArb, symmetricPropertyArb } from './programs.ts';

/** Default runs per property: small enough for the CI budget (README, "Property-based cross-checks"). */
const DEFAULT_RUNS = 100;
const params = propertyParams('KVMSPEC_PROPERTY_RUNS', DEFAULT_RUNS);
const RUNS = params.numRuns;
const GEN: GenOptions = { waits: true, interrupts: true };

/** A long run (KVMSPEC_PROPERTY_RUNS in the thousands) must not hit the per-test timeout. */
const timeout = Math.max(30_000, RUNS * 2_000);

describe('property-based cross-checks', () => {
  it(
    '(a, c) partial-order reduction: same verdict, a shortest counterexample, and it replays',
    () => {
      fc.assert(
        fc.property(
          programArb(GEN).chain((p) => propertyArb(p).map((prop) => [p, prop] as const)),
          ([p, prop]) => {
            fc.pre(checkReductions(p, prop));
          },
        ),
        params,
      );
    },
    timeout,
  );

  it(
    '(a, c) symmetry reduction (full and rotation groups), alone and with partial-order reduction',
    () => {
      fc.assert(
        fc.property(
          symmetricProgramArb(GEN).chain((p) => symmetricPropertyArb(p).map((prop) => [p, prop] as const)),
          ([p, prop]) => {
            fc.pre(checkReductions(p, prop));
          },
        ),
        params,
      );
    },
    timeout,
  );

  it(
    '(a) partial-order reduction keeps every final outcome',
    () => {
      fc.assert(
        fc.property(programArb(GEN), (p) => {
          fc.pre(checkPorOutcomes(p));
        }),
        params,
      );
    },
    timeout,
  );

  it(
    '(b) SC ⊆ TSO ⊆ relaxed in final outcomes, blocked ones included',
    () => {
      fc.assert(
        fc.property(programArb(GEN), (p) => {
          fc.pre(checkInclusion(p));
        }),
        params,
      );
    },
    timeout,
  );

  it(
    '(d) the simulator reaches no state the explorer did not',
    () => {
      fc.assert(
        fc.property(programArb(GEN), fc.integer(), fc.constantFrom(...MODELS), (p, seed, mm) => {
          fc.pre(checkSimulation(p, seed, mm));
        }),
        params,
      );
    },
    timeout,
  );
});
