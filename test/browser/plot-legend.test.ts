/**
 * Observable Plot's legend style comes from the site's stylesheet (src/plots/legend.css), not
 * from a <style> in the middle of the page (issue 12): no plot page holds Plot's <style> before
 * JavaScript runs, and the legends are still laid out by Plot's rules (their swatches in a row).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSite, type Site } from './harness.ts';

describe("Plot's legend style", () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it.each(['requests/', 'rseq/', 'tsc/', 'nohz-rcu/', 'playground/'])(
    '%s: no <style> of Plot in the page, legends laid out',
    async (path) => {
      const { page, problems } = await site.newPage({ javaScriptEnabled: false });
      await page.goto(site.url(path), { waitUntil: 'load' });
      const found = await page.evaluate(() => ({
        styles: [...document.querySelectorAll('style')].filter((s) => s.textContent?.includes('swatches')).length,
        legends: [...document.querySelectorAll('.kvm-plot [class*="-swatches-wrap"]')].map((el) => {
          const s = getComputedStyle(el);
          return `${s.display} ${s.flexWrap} ${s.minHeight}`;
        }),
      }));
      expect(found.styles).toBe(0);
      expect(found.legends.length).toBeGreaterThan(0);
      for (const l of found.legends) expect(l).toBe('flex wrap 33px');
      expect(problems()).toEqual([]);
      await page.context().close();
    },
  );
});
