import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { modelSites } from './src/build/vite-plugin.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The files that take longest, longest first (unit files measured 2026-12-03 with the JSON
 * reporter, after test/support/check-once.ts; browser files 2026-12-02). Vitest starts the files that
 * took longest last time first, from its cache in node_modules/.vite; a fresh clone (CI) has no
 * cache, and Vitest then starts the largest files first, which put the golden test (a short file
 * that searches hundreds of state spaces) near the end and left one core idle while it ran.
 * Without a recorded duration for every file, these start first, in this order; the list only
 * orders files, so a missing or renamed one changes nothing else.
 */
const LONGEST_FIRST = [
  'test/engine/golden.test.ts',
  'test/engine/relaxed-collect.test.ts',
  'test/models/nohz-rcu.test.ts',
  'test/engine/crosscheck.test.ts',
  'test/engine/symmetry.test.ts',
  'test/cli/cli.test.ts',
  'test/models/rseq.test.ts',
  'test/engine/relaxed-quotient.test.ts',
  'test/engine/parallel.test.ts',
  'test/models/tsc-relaxed.test.ts',
  'test/engine/trace.test.ts',
  'test/browser/every-page.test.ts',
  'test/browser/reader.test.ts',
  'test/browser/live.test.ts',
  'test/browser/explore.test.ts',
  'test/browser/nohz-rcu.test.ts',
  'test/browser/plots-built.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    if (sorted.every((spec) => this.ctx.cache.getTestSpecificationResult(spec) !== undefined)) return sorted;
    const rank = (spec: TestSpecification): number => {
      const i = LONGEST_FIRST.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // Each project's files stay together, where Vitest put them; within one, the rest keep its order.
    const projectAt = new Map<string, number>();
    sorted.forEach((spec, i) => {
      if (!projectAt.has(spec.project.name)) projectAt.set(spec.project.name, i);
    });
    const order = sorted.map((spec, i) => ({
      spec,
      project: projectAt.get(spec.project.name) ?? 0,
      rank: rank(spec),
      i,
    }));
    order.sort((a, b) => a.project - b.project || a.rank - b.rank || a.i - b.i);
    return order.map(({ spec }) => spec);
  }
}

// Two projects so `npm test` can run them at different points:
// - unit: fast tests of code and content that need nothing built;
// - browser: tests of the built site in dist/ (link check and Chromium), run after `astro build`.
export default defineConfig({
  // Model steps carry their source line (see src/build/instrument.ts), in tests as on the site.
  plugins: [modelSites(root)],
  test: {
    // One worker per core. Vitest's default leaves a core for its own process (1 worker on CI's 2
    // cores), which that process hardly uses: with one worker the browser project needed about
    // 226 s of CPU (user + sys) and took 349 s on a quiet 2-core machine, under one core busy; with
    // two it took 265 s. A third worker gained nothing (271 s): at one per core they are CPU-bound.
    maxWorkers: '100%',
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', '**/node_modules/**'],
          // Files share a worker's module graph instead of importing (and transforming) the engine,
          // the models and Vitest afresh for each of the 77 files: on 20 of them (test/components
          // and 8 small engine files, 348 tests) CPU (user + sys) went from 32.8 s to 15.3 s
          // (`/usr/bin/time vitest run --project unit [--no-isolate] FILES`, load average 15). The
          // whole unit project passes this way (3,456 tests, 485 s CPU at load average 14 to 27).
          // No unit test mocks modules or stubs globals; the one that patches a prototype
          // (tsc-relaxed.test.ts) restores it in afterEach and searches with `check` itself, never
          // through the worker-shared results of test/support/check-once.ts (which the golden and
          // model tests share, so that a worker searches a selection once). The CLI tests'
          // vi.setConfig() is undone by Vitest after each file (vi.resetConfig), as are mocks.
          isolate: false,
          // Some tests explore or simulate a model for a few seconds (golden counts under relaxed
          // memory, the chapters' plots); on a loaded 2-core machine the 5 s default is too tight.
          // A guard against hangs, not a timing assertion: at a load average of 40 (8 engineers on 2
          // cores) `npm run test:repeat -- 3` saw plots, a CLI replay and symmetry tests pass 30 s;
          // in `npm test` (unit tests at a lower priority beside the build and the browser tests) at
          // a load average of 40 to 52, three tests of 15 s of CPU or less passed 120 s.
          testTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          // Chromium start-up and page loads are slower than unit tests, more so on a loaded 2-core
          // machine. A guard against hangs, not a timing assertion: at a load average of 20 a chapter's
          // every-page test (load, JS measure, axe in both themes) took over 60 s.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
