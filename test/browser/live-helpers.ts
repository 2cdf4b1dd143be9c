/** Shared steps of the browser tests that drive a <LiveCheck> on a chapter page. */
import type { Locator, Page } from 'playwright-core';
import type { Site } from './harness.ts';

/** Opens `path` (plus an optional hash) and waits until the live check `live` is hydrated. */
export async function openLive(page: Page, site: Site, path: string, live: string, hash = ''): Promise<void> {
  await page.goto(site.url(`${path}${hash}`), { waitUntil: 'load' });
  await showLive(page, live);
}

/** Scrolls the live check `live` of the page already open into view and waits until it is hydrated. */
export async function showLive(page: Page, live: string): Promise<void> {
  await page.locator(live).scrollIntoViewIfNeeded();
  await page.waitForSelector(`${live}[data-hydrated] form`);
}

/** Scrolls the plot `plot` into view and waits until its controls are hydrated. */
export async function showPlot(page: Page, plot: string): Promise<void> {
  await page.locator(plot).scrollIntoViewIfNeeded();
  await page.waitForSelector(`${plot}[data-hydrated] form:not([hidden])`);
}

/** Opens a live check's settings (built in the browser when first opened). */
export async function openSettings(page: Page, live: string): Promise<void> {
  const settings = page.locator(`${live} details[data-kvm-settings]`);
  if (!(await settings.evaluate((d) => (d as HTMLDetailsElement).open))) await settings.locator('summary').click();
  await page.waitForSelector(`${live} [data-kvm-fields] select[name="variant"]`);
}

/** Waits until a live check's counterexample is the interactive viewer (replayed in the worker). */
export async function waitForViewer(page: Page, live: string): Promise<void> {
  await page.waitForSelector(`${live} .kvm-trace[data-interactive]`);
}

/**
 * Presses Run and returns the verdict the browser computed, once it is shown. A guard against a
 * hang, not a timing assertion: the nohz-rcu default check (122,294 states under relaxed) took
 * over Playwright's default 30 s in the page's worker with the machine at a load average of 45.
 */
export async function runInBrowser(page: Page, live: string): Promise<Locator> {
  await page.click(`${live} [data-kvm-run]`);
  const verdict = page.locator(`${live} [data-verdict][data-origin="browser"]`);
  await verdict.waitFor({ timeout: 100_000 });
  return verdict;
}

/** The trace viewer's status line ("Step k of n: …"). */
export const traceStatus = (page: Page, live: string) => page.locator(`${live} .kvm-nav-status`).textContent();

/**
 * Holds back the checker's worker script until the returned function is called, so that a run
 * is still starting when the test presses Cancel (instead of a fixed delay).
 */
export async function holdWorker(page: Page): Promise<() => void> {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(/\/worker-[^/]*\.js$/, async (route) => {
    await held;
    await route.continue().catch(() => undefined);
  });
  return release;
}
