/**
 * Every built page, loaded once in Chromium, passes every page-wide check:
 * - it loads cleanly: HTTP 200, a heading, no class named undefined/null/NaN, no console error, no uncaught exception, no failed or
 *   4xx/5xx request, no Content-Security-Policy violation, and nothing fetched from outside
 *   localhost (the site must work offline and must not leak readers' visits to third parties);
 * - it ships none of our JavaScript unless it has live examples, and then at most the budget of
 *   page-js.ts (gzipped, before the reader interacts);
 * - axe-core finds no serious or critical accessibility violation in the light theme, and no
 *   colour violation (contrast, links told apart from text) in the dark one: Starlight follows the
 *   reader's prefers-color-scheme, and a theme changes only colours. The scheme is switched in
 *   place, not by reloading.
 *
 * One load per page for all three is what keeps the browser suite inside CI's time: the checks
 * used to be four files that loaded every page five times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES } from '../../src/site-config.ts';
import { listHtmlFiles, urlPathOf } from '../support/dist.ts';
import { COLOUR_RULES, seriousViolations } from './axe.ts';
import { openSite, type Site } from './harness.ts';
import { BUDGET, jsTable, measureLoaded, type PageJs, recordScripts } from './page-js.ts';

const pages = (await listHtmlFiles()).map(urlPathOf);

describe('every page in dist/', () => {
  let site: Site;
  const js: PageJs[] = [];
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    if (js.length > 0) console.log(jsTable(js));
    await site?.close();
  });

  it('includes every sidebar page and the 404 page', () => {
    const expected = PAGES.map(({ slug }) => urlPathOf(slug === 'index' ? 'index.html' : `${slug}/index.html`));
    expect(pages).toEqual(expect.arrayContaining([...expected, urlPathOf('404.html')]));
  });

  it.each(pages)(
    '%s loads cleanly, ships JavaScript within budget, and has no serious axe violation in either theme',
    async (path) => {
      const { page, problems } = await site.newPage({ colorScheme: 'light' });
      const scripts = recordScripts(page);
      const response = await page.goto(site.server.origin + path, { waitUntil: 'networkidle' });
      expect(response?.status()).toBe(200);
      await expect(page.locator('h1').first().textContent()).resolves.toBeTruthy();
      // No class computed from a missing value (Astro writes `class={undefined}` beside a scoped
      // style as "undefined astro-…": the memory-model page's litmus table had 201).
      const badClasses = await page.evaluate(() =>
        [...document.querySelectorAll('[class]')]
          .filter((e) => /(^|\s)(undefined|null|NaN)(\s|$)/.test(e.getAttribute('class') ?? ''))
          .map((e) => e.outerHTML.slice(0, 100)),
      );
      expect(badClasses, 'elements whose class says undefined, null or NaN').toEqual([]);

      const row = await measureLoaded(page, path, scripts);
      js.push(row);
      if (!row.live) expect(row.ours, `${path} has no live example, so none of our JavaScript`).toBe(0);
      else expect(row.ours, `${path}: our JavaScript up front`).toBeLessThanOrEqual(BUDGET);

      const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
      expect(await theme()).toBe('light');
      expect(await seriousViolations(page), 'light theme').toEqual([]);
      await page.emulateMedia({ colorScheme: 'dark' });
      // Starlight's theme script follows the change; a big page's main thread may be busy hydrating.
      await expect.poll(theme, { timeout: 20_000 }).toBe('dark');
      expect(await seriousViolations(page, COLOUR_RULES), 'dark theme').toEqual([]);

      expect(problems()).toEqual([]);
      await page.context().close();
    },
  );
});
