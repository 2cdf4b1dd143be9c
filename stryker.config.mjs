// @ts-check
/**
 * Mutation testing of the engine with StrykerJS: `npm run test:mutation` (not part of npm test).
 * Incremental: results are kept in reports/mutation/stryker-incremental.json, so a rerun tests
 * only mutants in code or tests that changed. The report: reports/mutation/mutation.html and
 * mutation.json (score and survivors per file). Files and tests: `mutate` below and
 * vitest.mutation.config.ts; concurrency 1 because the machine is shared.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  // One small file at a time on the shared machine; add files here (and their tests to
  // vitest.mutation.config.ts) to widen the run, or pass --mutate on the command line.
  mutate: ['src/spec/engine/store.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // A mutant that loops for ever (a probe loop in the hash table) is cut off this long after
  // its tests' normal time.
  timeoutMS: 10_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
