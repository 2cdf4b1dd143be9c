/**
 * How much JavaScript the playground loads, gzipped, measured in Chromium on dist/: up front, and
 * lazily: the client code when a live example comes into view, the checker's worker on the first
 * run, Observable Plot when a plot control moves. Every page's up-front JavaScript is measured,
 * against the same budget, in every-page.test.ts.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES_BASE } from '../../src/site-config.ts';
import { openSite, type Site } from './harness.ts';
import { BUDGET, distFile, gz, kb, measure, size } from './page-js.ts';

const name = (u: string) => u.replace(/^.*\/_astro\//, '');
/** The checker's worker itself (not worker-client, the page's side of it, which the budget counts). */
const isWorker = (u: string) => /\/_astro\/worker-(?!client\.)[^/]*\.js$/.test(u);

describe('JavaScript the playground loads (gzipped)', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('the playground: up front, on scroll, on the first run, on moving a plot control', async () => {
    const { js, page, loaded } = await measure(site, `${PAGES_BASE}/playground/`);
    const before = new Set(loaded);
    const since = (mark: Set<string>) => [...new Set(loaded)].filter((u) => !mark.has(u));

    await page.locator('[data-kvm-live]').first().scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-kvm-live][data-hydrated]');
    await page.waitForLoadState('networkidle');
    // The viewer may start the worker to replay the build-time counterexample as soon as the
    // example is in view, or only on the first run, depending on how busy the page is: the budget
    // leaves the worker out wherever it loads, and the worker must not load up front.
    const onView = since(before);
    const afterView = new Set(loaded);

    await page.locator('[data-kvm-live] [data-kvm-run]').first().click();
    await page.waitForSelector('[data-kvm-live] [data-origin="browser"]');
    const onRun = since(afterView);
    const afterRun = new Set(loaded);

    await page.locator('[data-kvm-plot]').scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-kvm-plot][data-hydrated]');
    await page.fill('[data-kvm-plot] input[name="seed"]', '2');
    await page.waitForFunction(() =>
      document.querySelector('[data-kvm-plot] [data-kvm-status]')?.textContent?.startsWith('Measured in your browser'),
    );
    const onPlot = since(afterRun);
    await page.context().close();

    const list = (urls: string[]) => urls.map((u) => `${name(u)} ${kb(gz(readFileSync(distFile(u))))}`).join(', ');
    console.log(
      [
        `playground, Starlight's own: ${kb(js.starlight)} in files (${js.files.starlight.map(name).join(', ')}) + ${kb(js.inline)} inline`,
        `playground, ours up front: ${kb(js.ours)} (${list(js.files.ours)})`,
        `  when a live example comes into view: ${kb(size(onView))} (${list(onView)})`,
        `  on the first run (the checker's worker, unless it came with the view): ${kb(size(onRun))} (${list(onRun)})`,
        `  when a plot control moves (Observable Plot): ${kb(size(onPlot))} (${list(onPlot)})`,
        `  before any interaction, ours in all but the worker: ${kb(js.ours + size(onView.filter((u) => !isWorker(u))))} (budget ${kb(BUDGET)})`,
      ].join('\n'),
    );
    expect(js.ours + size(onView.filter((u) => !isWorker(u)))).toBeLessThanOrEqual(BUDGET);
    expect(onView.length, 'the client code loads lazily, when an example comes into view').toBeGreaterThan(0);
    expect([...before].some(isWorker), 'the worker does not load up front').toBe(false);
    expect([...onView, ...onRun].some(isWorker), 'the worker has loaded by the end of the first run').toBe(true);
    expect(onPlot.length, 'Plot loads only when a plot control moves').toBeGreaterThan(0);
  });
});
