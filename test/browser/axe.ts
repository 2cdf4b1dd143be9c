/**
 * axe-core in a test page: its serious and critical violations, for all rules or for the few a
 * colour scheme can change.
 */
import axe, { type AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

/**
 * The axe-core rules a colour scheme can change: a theme only swaps colours (Starlight's themes
 * are two sets of CSS custom properties), so in the second theme only these are run again.
 */
export const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

/** axe-core's serious and critical violations on the page as it is now (only `rules`, if given). */
export async function seriousViolations(page: Page, rules?: readonly string[]) {
  // Through the DevTools protocol, not a <script> tag, which the site's CSP blocks.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  // axe.source defines window.axe in the page; this runs there, not in Node.
  const results: AxeResults = await page.evaluate(
    (only) =>
      (window as unknown as { axe: typeof axe }).axe.run(document, {
        resultTypes: ['violations'],
        ...(only === null ? {} : { runOnly: { type: 'rule', values: only } }),
      }),
    rules === undefined ? null : [...rules],
  );
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      where: violation.nodes.map((node) => node.target.join(' ')),
    }));
}
