import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { modelSites } from './src/build/vite-plugin.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

// The tests StrykerJS runs against each mutant (stryker.config.mjs): the engine tests that
// exercise the mutated files directly, one project, so that a mutation run fits on a shared
// 2-core machine. Mutants these tests miss are reported as survivors, never hidden.
export default defineConfig({
  plugins: [modelSites(root)],
  test: {
    include: [
      'test/engine/store.test.ts',
      'test/engine/symmetry.test.ts',
      'test/engine/reduction.test.ts',
      'test/engine/crosscheck-regressions.test.ts',
      'test/engine/budget.test.ts',
    ],
    // The symmetry tests of the requests model take minutes with Stryker's instrumentation.
    testNamePattern: /^(?!.*requests model)/,
    testTimeout: 120_000,
  },
});
