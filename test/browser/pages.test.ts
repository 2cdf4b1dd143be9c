/**
 * Every built page loads cleanly: no console error, no uncaught exception, no
 * failed or 4xx/5xx request, and nothing fetched from outside localhost (the
 * site must work offline and must not leak readers' visits to third parties).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES } from '../../src/site-config.ts';
import { listHtmlFiles, urlPathOf } from '../support/dist.ts';
import { openSite, type Site } from './harness.ts';

const pages = (await listHtmlFiles()).map(urlPathOf);

describe('every page in dist/', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('includes every sidebar page and the 404 page', () => {
    const expected = PAGES.map(({ slug }) => urlPathOf(slug === 'index' ? 'index.html' : `${slug}/index.html`));
    expect(pages).toEqual(expect.arrayContaining([...expected, urlPathOf('404.html')]));
  });

  it.each(pages)('%s loads with no error and no request leaving localhost', async (path) => {
    const { page, problems } = await site.newPage();
    const response = await page.goto(site.server.origin + path, { waitUntil: 'networkidle' });
    expect(response?.status()).toBe(200);
    await expect(page.locator('h1').first().textContent()).resolves.toBeTruthy();
    expect(problems()).toEqual([]);
    await page.context().close();
  });
});
