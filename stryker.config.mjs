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
  // The official Vitest runner with the test filter dropped from mutant runs, which on Vitest 5
  // selects no test at all (scripts/stryker-vitest5-runner.mjs says why).
  testRunner: 'vitest5',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner', './scripts/stryker-vitest5-runner.mjs'],
  mutate: target.mutate,
  // Per-test coverage: a mutant runs only the tests that reached it in the dry run (the vitest5
  // runner makes Vitest 5 honour that selection), and one no test reaches is NoCoverage.
  coverageAnalysis: 'perTest',
  // Mutants in module-level initialisers would need a fresh module environment per mutant:
  // skipped, and counted as "ignored" in the report, not as killed.
  ignoreStatic: true,
  concurrency: 1,
  incremental: true,
  incrementalFile: `${dir}/stryker-incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${dir}/mutation.html` },
  jsonReporter: { fileName: `${dir}/mutation.json` },
  // A mutant that loops for ever (a probe loop in the hash table) is cut off this long after
  // its tests' normal time (generous: the machine is shared and often loaded).
  timeoutMS: 10_000,
  // The dry run (every test of the target once, with per-test coverage) on the shared machine.
  dryRunTimeoutMinutes: 15,
  // One sandbox directory per target, so that two targets may run at once.
  tempDirName: `.stryker-tmp-${name}`,
  // Not copied into a sandbox: other targets' sandboxes, reports, build output.
  ignorePatterns: ['.stryker-tmp-*', 'reports', 'dist', '.astro', '.vitest'],
  cleanTempDir: 'always',
};
