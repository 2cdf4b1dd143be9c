import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { modelSites } from './src/build/vite-plugin.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

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
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', '**/node_modules/**'],
          // Some tests explore or simulate a model for a few seconds (golden counts under relaxed
          // memory, the chapters' plots); on a loaded 2-core machine the 5 s default is too tight.
          // A guard against hangs, not a timing assertion: at a load average of 40 (8 engineers on 2
          // cores) `npm run test:repeat -- 3` saw plots, a CLI replay and symmetry tests pass 30 s.
          testTimeout: 120_000,
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
