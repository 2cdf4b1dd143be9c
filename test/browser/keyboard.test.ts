/**
 * The sidebar works from the keyboard alone: Tab reaches its links, and Enter
 * follows one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSite, type Site } from './harness.ts';

/** Safety net: the home page has far fewer focusable elements before the sidebar than this. */
const MAX_TABS = 60;

describe('keyboard navigation', () => {
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
});
