/** Shared steps of the browser tests that drive a <LiveCheck> on a chapter page. */
import type { Locator, Page } from 'playwright-core';
import type { Site } from './harness.ts';

/** Opens `path` (plus an optional hash) and waits until the live check `live` is hydrated. */
export async function openLive(page: Page, site: Site, path: string, live: string, hash = ''): Promise<void> {
  await page.goto(site.url(`${path}${hash}`), { waitUntil: 'load' });
  await page.locator(live).scrollIntoViewIfNeeded();
  await page.waitForSelector(`${live}[data-hydrated] form:not([hidden])`);
}

/** Presses Run and returns the verdict the browser computed, once it is shown. */
export async function runInBrowser(page: Page, live: string): Promise<Locator> {
  await page.click(`${live} [data-kvm-run]`);
  const verdict = page.locator(`${live} [data-verdict][data-origin="browser"]`);
  await verdict.waitFor();
  return verdict;
}

/** The trace viewer's status line ("Step k of n: …"). */
export const traceStatus = (page: Page, live: string) => page.locator(`${live} .kvm-nav-status`).textContent();
