// @ts-check
/**
 * StrykerJS test runner `vitest5`: the official Vitest runner (@stryker-mutator/vitest-runner
 * 9.6.1) with one change, so that it works with Vitest 5. That runner selects the tests to run
 * against a mutant with a test-name pattern built by joining each test's describe chain with
 * ' '; Vitest 5 matches the pattern against the chain joined with ' > ' (a test's
 * `fullTestName`), so the pattern selects no test, every mutant run executes zero tests and
 * every mutant is reported as survived (stryker-mutator/stryker-js#6210; the fix, #6214, is not
 * released). Measured here: a 6-mutant probe scored 0 % with the official runner ("Ran 0.00
 * tests per mutant"), whatever the coverage analysis.
 *
 * The change: just before Vitest starts a run, the pattern the official runner set is rewritten
 * so that each space in it also matches ' > ' (the pattern is the escaped test names joined
 * with '|', so a space is never inside a character class or an escape). A mutant run then
 * executes the tests that covered the mutant in the dry run (per-test coverage), not every test
 * of the target. The rewritten pattern may also select a test whose name differs from a
 * covering test's only in a space versus ' > ': it runs a test more, never one fewer.
 *
 * The official runner also drops any test-name pattern of the Vitest configuration (it sets
 * each project's pattern to its own, or to none); a target's `skip` (test/mutation-targets.mjs)
 * is put back in front of it here.
 *
 * Remove this file, and use testRunner 'vitest', once the runner supports Vitest 5.
 */
import { declareFactoryPlugin, PluginKind } from '@stryker-mutator/api/plugin';
import { strykerPlugins as official } from '@stryker-mutator/vitest-runner';
import { TARGETS } from '../test/mutation-targets.mjs';

const vitest = official.find((p) => p.name === 'vitest');
if (vitest === undefined || vitest.kind !== PluginKind.TestRunner || !('factory' in vitest)) {
  throw new Error('@stryker-mutator/vitest-runner no longer declares its `vitest` test runner factory');
}
const officialFactory = /** @type {any} */ (vitest).factory;

/** The pattern of the target's tests left out (test/mutation-targets.mjs), or undefined. */
const skip = TARGETS[process.env.KVMSPEC_MUTATE ?? 'store']?.skip;

/**
 * The pattern Vitest 5 should use for the one the official runner set (`names`: the escaped
 * names of the tests to run, joined with '|', or undefined for every test).
 * @param {RegExp | string | undefined} names
 * @returns {RegExp | undefined}
 */
export function vitest5Pattern(names) {
  const source = names === undefined ? undefined : typeof names === 'string' ? names : names.source;
  const chosen = source === undefined ? undefined : source.replaceAll(' ', '(?: | > )');
  if (skip === undefined) return chosen === undefined ? undefined : new RegExp(chosen);
  return new RegExp(`^(?!.*(?:${skip}))${chosen === undefined ? '' : `.*(?:${chosen})`}`);
}

/** @param {unknown} injector */
function createVitest5TestRunner(injector) {
  const runner = officialFactory(injector);
  const init = runner.init.bind(runner);
  runner.init = async () => {
    await init();
    const ctx = runner.ctx;
    const start = ctx.start.bind(ctx);
    ctx.start = (/** @type {unknown} */ files) => {
      for (const project of ctx.projects)
        project.config.testNamePattern = vitest5Pattern(project.config.testNamePattern);
      return start(files);
    };
  };
  return runner;
}
createVitest5TestRunner.inject = officialFactory.inject;

export const strykerPlugins = [declareFactoryPlugin(PluginKind.TestRunner, 'vitest5', createVitest5TestRunner)];
