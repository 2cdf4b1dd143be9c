/**
 * Issue 12, "Smaller": a 0–1 parameter (the requests model's `timer`) is a choice of off and on,
 * not a text box; the tables of contents keep their entries' indentation and Starlight's
 * current-section marking after compact-toc.ts dropped their repeated attributes. One page load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSite, type Site } from './harness.ts';
import { openLive, openSettings } from './live-helpers.ts';

const KICK = '[data-kvm-live="requests-no-vcpu-barrier-tso"]';

describe('reader, small things', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('timer is off/on; the table of contents indents and marks the current section', async () => {
    const { page, problems } = await site.newPage({ viewport: { width: 1280, height: 800 } });
    await openLive(page, site, 'requests/', KICK);
    await openSettings(page, KICK);
    const timer = page.locator(`${KICK} [name="param-timer"]`);
    await expect(timer.evaluate((e) => e.tagName)).resolves.toBe('SELECT');
    await expect(timer.locator('option').allTextContents()).resolves.toEqual(['0 (off)', '1 (on)']);
    // Desktop table of contents: a nested entry is indented more than a top one (its depth comes
    // from its list), and scrolling to a section marks its entry as current.
    const pad = (sel: string) =>
      page
        .locator(sel)
        .first()
        .evaluate((a) => Number.parseFloat(getComputedStyle(a).paddingInlineStart));
    const top = await pad('starlight-toc nav > ul > li > a');
    const nested = await pad('starlight-toc nav > ul ul a');
    expect(nested).toBeGreaterThan(top);
    const id = await page
      .locator('starlight-toc nav > ul > li > a')
      .nth(3)
      .evaluate((a) => (a as HTMLAnchorElement).hash);
    await page.evaluate((h) => document.getElementById(decodeURIComponent(h.slice(1)))?.scrollIntoView(), id);
    await expect
      .poll(() => page.locator('starlight-toc a[aria-current="true"]').evaluate((a) => (a as HTMLAnchorElement).hash), {
        timeout: 20_000,
      })
      .toBe(id);
    expect(problems()).toEqual([]);
  });
});
