/**
 * Which golden cases the unit run checks (test/engine/golden.test.ts), in one place so that
 * other tests can rely on them instead of running the same exhaustive search again: a case is
 * checked in the unit run when it has at most UNIT_MAX_STATES recorded states, and compared
 * without partial-order reduction when it has at most UNIT_UNREDUCED_MAX_STATES. `npm run
 * test:golden` (KVMSPEC_GOLDEN=full) checks every case both ways.
 */
import type { MemoryModelName } from '../../src/spec/engine/index.ts';

export const FULL_GOLDEN = process.env.KVMSPEC_GOLDEN === 'full';
/** Cases recorded with more states than this are checked only by `npm run test:golden`. */
export const UNIT_MAX_STATES = 100_000;
/** Cases recorded with more states than this are compared without reduction only by `npm run test:golden`. */
export const UNIT_UNREDUCED_MAX_STATES = 20_000;

interface Recorded {
  readonly expect: Partial<Record<MemoryModelName, { readonly states: number }>>;
}

/** The state count a variant records under `mm` (0 if it records none). */
export const recordedStates = (variant: Recorded, mm: MemoryModelName): number => variant.expect[mm]?.states ?? 0;

/**
 * Does this run of golden.test.ts check the variant's recorded verdict, property and state
 * count under `mm`, with the checker's default options and parameters?
 */
export const goldenChecks = (variant: Recorded, mm: MemoryModelName): boolean =>
  variant.expect[mm] !== undefined && (FULL_GOLDEN || recordedStates(variant, mm) <= UNIT_MAX_STATES);

/** …and compares it without partial-order reduction? */
export const goldenChecksUnreduced = (variant: Recorded, mm: MemoryModelName): boolean =>
  variant.expect[mm] !== undefined && (FULL_GOLDEN || recordedStates(variant, mm) <= UNIT_UNREDUCED_MAX_STATES);
