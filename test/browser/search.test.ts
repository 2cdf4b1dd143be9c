/**
 * Pagefind search, through Starlight's search dialog, finds a chapter by a
 * word in its text and takes the reader there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSite, type Site } from './harness.ts';

describe('search', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
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
});
