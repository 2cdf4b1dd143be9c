import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { modelSites } from './src/build/vite-plugin.ts';
import { TARGETS } from './test/mutation-targets.mjs';

const root = fileURLToPath(new URL('.', import.meta.url));

// The tests StrykerJS runs against each mutant: those of the target named by KVMSPEC_MUTATE
// (test/mutation-targets.mjs), one project, so that a mutation run fits on a shared 2-core machine.
const name = process.env.KVMSPEC_MUTATE ?? 'store';
const target = TARGETS[name];
if (target === undefined) throw new Error(`KVMSPEC_MUTATE=${name}: no such target`);

export default defineConfig({
  plugins: [modelSites(root)],
  test: {
    include: target.tests,
    ...(target.skip === undefined ? {} : { testNamePattern: new RegExp(`^(?!.*(?:${target.skip}))`) }),
    testTimeout: 120_000,
  },
});
