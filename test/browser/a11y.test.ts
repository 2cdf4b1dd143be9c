/**
 * axe-core finds no serious or critical accessibility violation on any page,
 * in the light theme or the dark one (Starlight follows the reader's
 * prefers-color-scheme, and contrast problems are usually theme-specific).
 */
import axe, { type AxeResults } from 'axe-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listHtmlFiles, urlPathOf } from '../support/dist.ts';
import { openSite, type Site } from './harness.ts';

const pages = (await listHtmlFiles()).map(urlPathOf);
const schemes = ['light', 'dark'] as const;

describe('accessibility (axe-core)', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it.each(pages.flatMap((path) => schemes.map((scheme) => [path, scheme] as const)))(
    '%s in the %s theme has no serious or critical violation',
    async (path, colorScheme) => {
      const { page } = await site.newPage({ colorScheme });
      await page.goto(site.server.origin + path, { waitUntil: 'load' });
      // Through the DevTools protocol, not a <script> tag, which the site's CSP blocks.
      await page.evaluate(axe.source);
      // axe.source defines window.axe in the page; this runs there, not in Node.
      const results: AxeResults = await page.evaluate(() =>
        (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }),
      );
      const serious = results.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((violation) => ({
          rule: violation.id,
          impact: violation.impact,
          help: violation.help,
          where: violation.nodes.map((node) => node.target.join(' ')),
        }));
      expect(serious).toEqual([]);
      await page.context().close();
    },
  );
});
