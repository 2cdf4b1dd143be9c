// @ts-check
/**
 * Mutation testing of the engine with StrykerJS: `npm run test:mutation` (not part of npm test).
 *
 * One run per *target* (a few engine files and the tests that exercise them), chosen with
 * KVMSPEC_MUTATE=<target> (see TARGETS in vitest.mutation.config.ts); `npm run test:mutation`
 * without it runs every target one after the other (scripts/mutation.ts). A target has its own
 * report and incremental file under reports/mutation/<target>/, so a finished target's score is
 * kept even when a later one is stopped, and a rerun tests only mutants in code or tests that
 * changed. Concurrency 1 because the machine is shared.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
import { TARGETS } from './test/mutation-targets.mjs';

const name = process.env.KVMSPEC_MUTATE ?? 'store';
const target = TARGETS[name];
if (target === undefined) {
  throw new Error(`KVMSPEC_MUTATE=${name}: no such target (one of ${Object.keys(TARGETS).join(', ')})`);
}
const dir = `reports/mutation/${name}`;

export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: target.mutate,
  // Not 'perTest': with Vitest 5 the runner's per-test filter matches no test (Vitest now joins a
  // test's name chain with ' > ', the runner with ' '), so every covered mutant would run zero
  // tests and be reported as survived (stryker-mutator/stryker-js#6210, fix pending in #6214).
  // 'all' runs every test of the target against each covered mutant, stopping at the first failure.
  coverageAnalysis: 'all',
  concurrency: 1,
  incremental: true,
  incrementalFile: `${dir}/stryker-incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${dir}/mutation.html` },
  jsonReporter: { fileName: `${dir}/mutation.json` },
  // A mutant that loops for ever (a probe loop in the hash table) is cut off this long after
  // its tests' normal time (generous: the machine is shared and often loaded).
  timeoutMS: 20_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
