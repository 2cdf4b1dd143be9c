/**
 * The reader's experience, second part (issue 12): without JavaScript the theme follows the
 * OS; the litmus table says, at widths where it is wider than the page, that it scrolls
 * sideways; a plot's settings are in its permalink, a bad plot link is refused in the plot, and
 * a running simulation can be cancelled, with the settings put back to the plot shown; a
 * chapter's live checks fetch their model's description once. One browser, three page loads.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSite, type Site } from './harness.ts';

const PLOT = '[data-kvm-plot="sb-outcome-rate"]';

/** The page's background colour as [r, g, b]. */
const background = (page: Page) =>
  page.evaluate(() => {
    const c = getComputedStyle(document.body).backgroundColor;
    return (c.match(/\d+/g) ?? []).slice(0, 3).map(Number);
  });
const isLight = ([r = 0, g = 0, b = 0]: number[]) => (r + g + b) / 3 > 200;
const isDark = ([r = 255, g = 255, b = 255]: number[]) => (r + g + b) / 3 < 60;

describe('reader, part 2', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('without JavaScript: the OS’s theme; the litmus table’s sideways scroll is said where it happens', async () => {
    const { page, problems } = await site.newPage({ javaScriptEnabled: false, colorScheme: 'light' });
    await page.goto(site.url('memory-model/'), { waitUntil: 'load' });
    expect(isLight(await background(page))).toBe(true);
    // Source excerpts and code follow it too (their colours are the light theme's).
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(isDark(await background(page))).toBe(true);
    await page.emulateMedia({ colorScheme: 'light' });

    const hint = page.locator('[data-litmus-scroll-hint]');
    const overflows = () => page.locator('.litmus-table').evaluate((el) => el.scrollWidth > el.clientWidth + 1);
    for (const size of [
      { width: 375, height: 812 },
      { width: 800, height: 900 },
      { width: 1280, height: 800 },
      { width: 1600, height: 900 },
    ]) {
      await page.setViewportSize(size);
      // The hint is shown exactly where the table is wider than its box.
      await expect(hint.isVisible(), `at ${size.width} px`).resolves.toBe(await overflows());
    }
    await page.setViewportSize({ width: 375, height: 812 });
    await expect(overflows()).resolves.toBe(true);
    await expect(hint.textContent()).resolves.toMatch(/scroll it sideways/);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('a plot’s settings are in its link, which restores them; a bad link is refused in the plot', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.url('playground/#plot=sb-outcome-rate&values=variant:fenced,runs:500,seed:3'), {
      waitUntil: 'load',
    });
    const status = page.locator(`${PLOT} [data-kvm-status]`);
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.startsWith('Measured in your browser'),
      `${PLOT} [data-kvm-status]`,
      { timeout: 30_000 },
    );
    await expect(page.locator(`${PLOT} select[name="variant"]`).inputValue()).resolves.toBe('fenced');
    await expect(page.locator(`${PLOT} [name="runs"]`).inputValue()).resolves.toBe('500');
    await expect(page.locator(`${PLOT} [name="seed"]`).inputValue()).resolves.toBe('3');
    await expect(status.textContent()).resolves.toMatch(/fenced/);
    // The plot was brought into view.
    const top = await page.locator(PLOT).evaluate((el) => el.getBoundingClientRect().top);
    expect(top).toBeGreaterThanOrEqual(-1);
    expect(top).toBeLessThan(800);

    // Moving a control measures again, and the link follows.
    await page.fill(`${PLOT} input[name="seed"]`, '4');
    await page.waitForFunction(() => location.hash.includes('seed:4'), undefined, { timeout: 30_000 });
    expect(new URL(page.url()).hash).toBe('#plot=sb-outcome-rate&values=variant:fenced,runs:500,seed:4');
    await expect(page.locator(`${PLOT} a[data-kvm-plot-link]`).getAttribute('href')).resolves.toBe(
      '#plot=sb-outcome-rate&values=variant:fenced,runs:500,seed:4',
    );

    // A link with a value out of range: said in the plot, which stays as it was.
    await page.evaluate(() => {
      window.scrollTo(0, 0);
      location.hash = '#plot=sb-outcome-rate&values=runs:7';
    });
    const message = page.locator(`${PLOT} [data-kvm-message]`);
    await message.waitFor({ state: 'visible' });
    await expect(message.textContent()).resolves.toMatch(/could not be restored: Random runs must be/);
    await expect(page.locator(`${PLOT} [name="seed"]`).inputValue()).resolves.toBe('4');
    const again = await page.locator(PLOT).evaluate((el) => el.getBoundingClientRect().top);
    expect(again).toBeLessThan(800);

    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('a chapter’s live checks load their model’s description once, and work from it', async () => {
    const { page, problems } = await site.newPage();
    const models: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/kvm-models/')) models.push(new URL(r.url()).pathname);
    });
    await page.goto(site.url('requests/#where-the-memory-models-disagree'), { waitUntil: 'load' });
    await page.waitForSelector('[data-kvm-live][data-hydrated] .kvm-trace[data-interactive]', { timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    expect(models).toEqual(['/kvmspec/kvm-models/requests.json']);
    // The parts the build leaves out are made when the check hydrates, hidden.
    const parts = await page
      .locator('[data-kvm-live][data-hydrated]')
      .first()
      .evaluate((el) =>
        ['[data-kvm-progress]', '[data-kvm-stale]', '[data-kvm-more]'].map((s) =>
          el.querySelector(s)?.hasAttribute('hidden'),
        ),
      );
    expect(parts).toEqual([true, true, true]);

    // Cancel: a long simulation (50,000 runs per scheduler) stops, and the form is back to the plot on screen.
    const stress = '[data-kvm-plot="requests-stress"]';
    await page.locator(stress).scrollIntoViewIfNeeded();
    await page.waitForSelector(`${stress}[data-hydrated] form:not([hidden])`);
    const cancel = page.locator(`${stress} [data-kvm-plot-cancel]`);
    await expect(cancel.isVisible()).resolves.toBe(false);
    const runs = page.locator(`${stress} input[name="runs"]`);
    const before = await runs.inputValue();
    await runs.evaluate((el) => {
      const input = el as HTMLInputElement;
      input.value = '50000';
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await cancel.waitFor({ state: 'visible' });
    await cancel.click();
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.startsWith('Cancelled'),
      `${stress} [data-kvm-status]`,
    );
    await expect(runs.inputValue()).resolves.toBe(before);
    await expect(cancel.isVisible()).resolves.toBe(false);
    await expect(page.locator(stress).getAttribute('aria-busy')).resolves.toBeNull();
    // Nothing was drawn, so the URL names no plot settings.
    expect(new URL(page.url()).hash).not.toMatch(/plot=/);
    expect(problems()).toEqual([]);
    await page.context().close();
  });
});
