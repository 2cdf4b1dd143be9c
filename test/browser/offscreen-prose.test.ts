/**
 * Prose off the screen is skipped while the page has had no fragment (src/build/offscreen-prose.ts,
 * src/styles/custom.css; issue 12):
 * - a page opened without a fragment skips the blocks far from the window and renders those on it;
 * - skipping changes no layout: once every block has rendered, turning it off moves no heading;
 * - a page opened with a fragment skips nothing;
 * - the first click on a link with a fragment turns it off before the jump, and the heading it
 *   lands on stays in its place while the reader reads upward; a hashchange turns it off too.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIM_ATTRIBUTE } from '../../src/build/offscreen-prose.ts';
import { openSite, POLL, type Site } from './harness.ts';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };
const VIEWPORTS = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const;

const skimming = (page: Page) => page.evaluate((a) => document.documentElement.hasAttribute(a), SKIM_ATTRIBUTE);

/**
 * How many of the prose's blocks Chromium skips (content-visibility: auto, away from the window):
 * a skipped block's box stays, its contents are what checkVisibility() calls hidden.
 */
const skippedBlocks = (page: Page) =>
  page.evaluate(
    () =>
      new Set(
        [...document.querySelectorAll('.sl-markdown-content > * > *')]
          .filter((el) => el.checkVisibility() && !el.checkVisibility({ contentVisibilityAuto: true }))
          .map((el) => el.parentElement),
      ).size,
  );

/** Every heading of the prose: its id and its top in the document. */
const headingTops = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.sl-markdown-content :is(h2, h3)[id]')].map((h) => ({
      id: h.id,
      top: Math.round(h.getBoundingClientRect().top + window.scrollY),
    })),
  );

/** Scrolls to the bottom a window at a time, so that every block renders once. */
async function scrollThrough(page: Page): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const done = await page.evaluate(() => {
      window.scrollBy(0, window.innerHeight * 0.8);
      return window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
    });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    if (done) return;
  }
  throw new Error('never reached the bottom of the page');
}

describe('prose off the screen is skipped until the first fragment', { timeout: 120_000 }, () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it.each(VIEWPORTS)('a chapter opened without a fragment skips what is far from the window (%s)', async (_, vp) => {
    const { page, problems } = await site.newPage({ viewport: vp });
    await page.goto(site.url('requests/'), { waitUntil: 'load' });
    expect(await skimming(page)).toBe(true);
    // The top of the page is rendered, the rest skipped.
    const first = page.locator('.sl-markdown-content > p > *').first();
    await expect(first.evaluate((el) => el.checkVisibility({ contentVisibilityAuto: true }))).resolves.toBe(true);
    expect(await skippedBlocks(page)).toBeGreaterThan(50);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  // Pages without live checks, so nothing changes height but the skipping itself.
  it.each(
    VIEWPORTS.flatMap(([name, vp]) => ['memory-model/', 'reference/'].map((p) => [`${p} ${name}`, p, vp] as const)),
  )('skipping moves no heading once every block has rendered (%s)', async (_, path, vp) => {
    const { page, problems } = await site.newPage({ viewport: vp });
    await page.goto(site.url(path), { waitUntil: 'load' });
    expect(await skimming(page)).toBe(true);
    await scrollThrough(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    // Back at the top, the blocks below are skipped again, standing in with their real heights.
    expect(await skippedBlocks(page)).toBeGreaterThan(10);
    const skimmed = await headingTops(page);
    await page.evaluate((a) => document.documentElement.removeAttribute(a), SKIM_ATTRIBUTE);
    expect(await skippedBlocks(page)).toBe(0);
    expect(skimmed.length).toBeGreaterThan(5);
    expect(await headingTops(page)).toEqual(skimmed);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('a page opened with a fragment skips nothing', async () => {
    const { page, problems } = await site.newPage({ viewport: PHONE });
    await page.goto(site.url('requests/#how-big-the-state-space-is'), { waitUntil: 'load' });
    expect(await skimming(page)).toBe(false);
    expect(await skippedBlocks(page)).toBe(0);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it.each(VIEWPORTS)(
    'the first link to a section turns it off and lands on the heading for good (%s)',
    async (_, vp) => {
      const { page, problems } = await site.newPage({ viewport: vp });
      const heading = '#where-the-memory-models-disagree';
      await page.goto(site.url('requests/'), { waitUntil: 'load' });
      expect(await skimming(page)).toBe(true);
      // The tables of contents' link to it (on a phone, inside the closed "On this page").
      await page
        .locator(`a[href="${heading}"]`)
        .first()
        .evaluate((a: HTMLElement) => a.click());
      await page.waitForURL(`**/requests/${heading}`);
      expect(await skimming(page)).toBe(false);
      const top = () => page.locator(heading).evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
      const windowTop = () => page.locator(heading).evaluate((el) => el.getBoundingClientRect().top);
      await expect.poll(windowTop, POLL).toBeLessThan(200);
      const landed = await top();
      // Reading upward renders and hydrates what is above: the heading keeps its place in the page.
      for (let i = 0; i < 4; i++) {
        await page.mouse.wheel(0, -vp.height);
        await page.waitForTimeout(300);
      }
      await page.waitForLoadState('networkidle');
      expect(await top()).toBeCloseTo(landed, 0);
      expect(problems()).toEqual([]);
      await page.context().close();
    },
  );

  it('a hashchange turns it off', async () => {
    const { page, problems } = await site.newPage({ viewport: PHONE });
    await page.goto(site.url('rseq/'), { waitUntil: 'load' });
    expect(await skimming(page)).toBe(true);
    await page.evaluate(() => {
      location.hash = '#nowhere';
    });
    await expect.poll(() => skimming(page), POLL).toBe(false);
    expect(problems()).toEqual([]);
    await page.context().close();
  });
});
