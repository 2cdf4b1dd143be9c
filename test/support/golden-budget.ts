/**
 * Which golden cases the unit run checks (test/engine/golden.test.ts), in one place so that
 * other tests can rely on them instead of running the same exhaustive search again: a case is
 * checked in the unit run when it has at most UNIT_MAX_STATES recorded states, and compared
 * without partial-order reduction when it has at most UNIT_UNREDUCED_MAX_STATES. `npm run
 * test:golden` (KVMSPEC_GOLDEN=full) checks every case both ways.
 */
import type { MemoryModelName } from '../../src/spec/engine/index.ts';
import { chapterStates } from './chapter-claims.ts';

export const FULL_GOLDEN = process.env.KVMSPEC_GOLDEN === 'full';
/** Cases recorded with more states than this are checked only by `npm run test:golden`. */
export const UNIT_MAX_STATES = 100_000;
/** Cases recorded with more states than this are compared without reduction only by `npm run test:golden`. */
export const UNIT_UNREDUCED_MAX_STATES = 20_000;

/**
 * Cases recorded with at most this many states are also compared with the history-numbered
 * search, with safety searched first on a reduced graph, and with every ghost stored.
 */
export const QUOTIENT_CHECKED_UP_TO = 2_500;

interface Recorded {
  readonly name: string;
  readonly expect: Partial<Record<MemoryModelName, { readonly states: number; readonly verdict: string }>>;
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

/** …and compares it with the history-numbered search and the other explorer options? */
export const goldenComparesOptions = (variant: Recorded, mm: MemoryModelName): boolean =>
  variant.expect[mm] !== undefined && recordedStates(variant, mm) <= QUOTIENT_CHECKED_UP_TO;

/**
 * Does golden.test.ts leave this case's check (verdict, property, state count) to the build?
 * A case that holds, that a chapter's <LiveCheck> shows at the model's own parameters with the
 * default budget, and that golden.test.ts compares with nothing (too large for the unreduced and
 * option comparisons): the build runs that very search, with the checker's defaults, once per
 * `npm test`, and fails unless it finds the recorded verdict and state count
 * (src/components/live-check-build.ts). `npm run test:golden` checks it in golden.test.ts too.
 */
export const goldenLeavesToBuild = (model: string, variant: Recorded, mm: MemoryModelName): boolean =>
  !FULL_GOLDEN &&
  variant.expect[mm]?.verdict === 'holds' &&
  !goldenChecksUnreduced(variant, mm) &&
  !goldenComparesOptions(variant, mm) &&
  chapterStates(model, variant.name, mm).includes('holds');

/**
 * Does this run of golden.test.ts search the variant's default relaxed check (and so compare it
 * with the other relaxed collection rules there, relaxed-collect.test.ts's chapter part)?
 */
export const goldenSearchesRelaxed = (model: string, variant: Recorded): boolean =>
  goldenChecks(variant, 'relaxed') && !goldenLeavesToBuild(model, variant, 'relaxed');
