/**
 * Getting around the site: the sidebar works from the keyboard alone (Tab reaches its links,
 * Enter follows one), and Pagefind search, through Starlight's search dialog, finds a chapter by
 * a word in its text and takes the reader there; Pagefind's UI is built only when the reader goes
 * to search (src/live/search-on-demand.ts), and Ctrl+K still leaves the focus in its field. One
 * browser for all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSite, POLL, type Site } from './harness.ts';

/** Safety net: the home page has far fewer focusable elements before the sidebar than this. */
const MAX_TABS = 60;

describe('navigation', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('Tab reaches a sidebar link to another page and Enter opens it', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.home);

    let target: { href: string; text: string } | null = null;
    for (let presses = 0; presses < MAX_TABS && target === null; presses++) {
      await page.keyboard.press('Tab');
      target = await page.evaluate(() => {
        const active = document.activeElement;
        const inSidebar = active instanceof HTMLAnchorElement && active.closest('nav[aria-label="Main"]') !== null;
        // Skip the link to the page we are on: following it would prove nothing.
        return inSidebar && active.getAttribute('aria-current') !== 'page'
          ? { href: active.href, text: active.textContent?.trim() ?? '' }
          : null;
      });
    }
    expect(target, `no sidebar link reached within ${MAX_TABS} presses of Tab`).not.toBeNull();
    if (target === null) return;

    await page.keyboard.press('Enter');
    await page.waitForURL(target.href);
    await expect(page.locator('h1').textContent()).resolves.toBe(target.text);
    // The sidebar now marks the new page as the current one.
    const current = page.locator('nav[aria-label="Main"] a[aria-current="page"]');
    await expect(current.textContent()).resolves.toContain(target.text);
    expect(problems()).toEqual([]);
  });

  it('finds the TSC chapter by "cpufreq" and opens it', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.home);
    // The button is disabled until Starlight's search script has loaded; click() waits for that.
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('dialog', { name: 'Search' }).getByRole('textbox', { name: 'Search' }).fill('cpufreq');

    const result = page.locator('a.pagefind-ui__result-link', { hasText: 'TSC resynchronisation' }).first();
    await expect(result.getAttribute('href')).resolves.toBe(new URL(site.url('tsc/')).pathname);
    await result.click();
    await page.waitForURL(site.url('tsc/'));
    await expect(page.locator('h1').textContent()).resolves.toBe('TSC resynchronisation');
    expect(problems()).toEqual([]);
  });

  it('builds the search UI only on a wish to search; Ctrl+K opens it with the focus in its field', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.home);
    await expect(page.getByRole('button', { name: 'Search' }).isEnabled()).resolves.toBe(true);
    // Idle moments after load, when Starlight alone would have built it.
    await page.evaluate(() => new Promise((done) => requestIdleCallback(() => setTimeout(done, 300))));
    await expect(page.locator('#starlight__search input').count()).resolves.toBe(0);

    await page.keyboard.press('Control+k');
    const field = page.getByRole('dialog', { name: 'Search' }).getByRole('textbox', { name: 'Search' });
    await field.waitFor();
    await expect.poll(() => field.evaluate((el) => el === document.activeElement), POLL).toBe(true);
    await page.keyboard.type('cpufreq');
    const result = page.locator('a.pagefind-ui__result-link', { hasText: 'TSC resynchronisation' }).first();
    await expect(result.getAttribute('href')).resolves.toBe(new URL(site.url('tsc/')).pathname);
    expect(problems()).toEqual([]);
  });
});
