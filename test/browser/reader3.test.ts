/**
 * The reader's experience, third part (issue 12, "Smaller"): without JavaScript a chapter renders
 * in the OS's light theme and its search box, theme picker and live badges are hidden or say that
 * they need JavaScript; "Copy link to this step" says what it did and the address bar names the
 * same step; the progress bar of a run is drawn against a scale that grows with the run, not
 * against the budget, so a run far below a large budget does not look empty.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/spec/engine/index.ts';
import { requests } from '../../src/spec/models/requests/model.ts';
import { openSite, POLL, type Site } from './harness.ts';
import { openLive, openSettings, runInBrowser, waitForViewer } from './live-helpers.ts';

const SB = '[data-kvm-live="sb-unfenced-tso"]';
const X86 = '[data-kvm-live="requests-correct-x86-tso"]';

/** The page's background colour as [r, g, b]. */
const background = (page: Page) =>
  page.evaluate(() => {
    const c = getComputedStyle(document.body).backgroundColor;
    return (c.match(/\d+/g) ?? []).slice(0, 3).map(Number);
  });

describe('reader, part 3', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('without JavaScript: light when the OS prefers light; search, theme picker and live badges need JavaScript', async () => {
    const { page, problems } = await site.newPage({ javaScriptEnabled: false, colorScheme: 'light' });
    await page.goto(site.url('requests/'), { waitUntil: 'load' });
    const [r = 0, g = 0, b = 0] = await background(page);
    expect((r + g + b) / 3, 'body background is light').toBeGreaterThan(200);
    // The text is dark on it (Starlight's light palette, not only a light background).
    const ink = await page.evaluate(() => getComputedStyle(document.body).color.match(/\d+/g)?.slice(0, 3).map(Number));
    expect(((ink?.[0] ?? 255) + (ink?.[1] ?? 255) + (ink?.[2] ?? 255)) / 3, 'body text is dark').toBeLessThan(100);
    // The search box and the theme picker do nothing without JavaScript: not shown.
    await expect(page.locator('site-search').first().isVisible()).resolves.toBe(false);
    await expect(page.locator('starlight-theme-select').first().isVisible()).resolves.toBe(false);
    await expect(
      page
        .locator('site-search button, starlight-theme-select select')
        .evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).length),
    ).resolves.toBe(0);
    // Every live check's badge is there, and its title says what needs JavaScript.
    const titles = await page.locator('.kvm-live > .kvm-live-title').evaluateAll((els) =>
      els.map((el) => ({
        badge: (el.querySelector('.kvm-badge') as HTMLElement | null)?.offsetParent !== null,
        note: getComputedStyle(el, '::after').content,
      })),
    );
    expect(titles.length).toBeGreaterThan(10);
    for (const t of titles) {
      expect(t.badge).toBe(true);
      expect(t.note).toContain('need JavaScript');
    }
    // No form control of a live check is shown: none would work.
    await expect(page.locator('[data-kvm-live] form').first().isVisible()).resolves.toBe(false);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('"Copy link to this step" says it copied the link to the step on screen, which the address bar names too', async () => {
    const { page, problems } = await site.newPage({ viewport: { width: 1280, height: 800 } });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.server.origin });
    await openLive(page, site, 'playground/', SB);
    await waitForViewer(page, SB);
    await page.locator(`${SB} .kvm-trace-box`).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await page.focus(`${SB} .kvm-trace-box`);
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect(page.locator(`${SB} .kvm-nav-status`).textContent()).resolves.toMatch(/^Step 2 of /);
    const status = page.locator(`${SB} .kvm-copy-status`);
    await expect(status.textContent()).resolves.toBe('');
    await page.click(`${SB} [data-copy="link"]`);
    await expect.poll(() => status.textContent(), POLL).toBe('The link is copied.');
    expect(await status.isVisible()).toBe(true);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const link = new URL(copied);
    expect(link.pathname).toBe('/kvmspec/playground/');
    expect(link.hash).toMatch(/(^#|&)live=sb-unfenced-tso(&|$)/);
    expect(link.hash).toMatch(/&step=2$/);
    // The address bar names the same step (so "the URL already in the address bar" is this link).
    expect(new URL(page.url()).hash).toBe(link.hash);
    // Another step, another link.
    await page.focus(`${SB} .kvm-trace-box`);
    await page.keyboard.press('ArrowRight');
    await page.click(`${SB} [data-copy="link"]`);
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText()), POLL).toMatch(/&step=3$/);
    expect(new URL(page.url()).hash).toMatch(/&step=3$/);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('the progress bar grows with the run: a run far below a large budget never looks empty', async () => {
    const budget = 5_000_000;
    const expected = check(requests, { variant: 'correct-x86', memoryModel: 'tso', params: { vcpus: 2 } });
    const { page, problems } = await site.newPage({ viewport: { width: 1280, height: 800 } });
    await openLive(page, site, 'requests/', X86);
    await openSettings(page, X86);
    await page.fill(`${X86} input[name="param-vcpus"]`, '2');
    await page.fill(`${X86} input[name="budget"]`, String(budget));
    // Record the bar's scale and value at each progress line the page writes.
    await page.locator(X86).evaluate((el) => {
      const w = window as unknown as { kvmSamples: { max: number; value: number; text: string; pos: number }[] };
      w.kvmSamples = [];
      new MutationObserver(() => {
        const bar = el.querySelector<HTMLProgressElement>('[data-kvm-progress] progress');
        const text = el.querySelector('[data-kvm-progress-text]')?.textContent ?? '';
        if (bar && /^(Exploring|Checking progress properties): /.test(text))
          w.kvmSamples.push({ max: bar.max, value: bar.value, text, pos: bar.position });
      }).observe(el, { subtree: true, childList: true, characterData: true });
    });
    const verdict = await runInBrowser(page, X86);
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('holds');
    await expect(verdict.textContent()).resolves.toContain(`${expected.states.toLocaleString('en')} states`);
    const samples = await page.evaluate(
      () =>
        (window as unknown as { kvmSamples: { max: number; value: number; text: string; pos: number }[] }).kvmSamples,
    );
    expect(samples.length, 'progress lines written during the run').toBeGreaterThan(0);
    for (const s of samples) {
      const states = Number(/: ([\d,]+) of at most/.exec(s.text)?.[1]?.replace(/,/g, ''));
      expect(s.text).toContain(`of at most ${budget.toLocaleString('en')} states`);
      expect(s.value).toBe(Math.min(states, s.max));
      // Never the budget (against which 49,564 states would be 1 % of the bar) ...
      expect(s.max).toBeLessThan(budget);
      // ... but a scale at most twice the states so far (or 1,000 at the start): the bar is at least half full.
      if (states >= 1000) expect(s.value / s.max).toBeGreaterThanOrEqual(0.5);
      expect(s.pos).toBeGreaterThan(0);
    }
    await expect(page.locator(`${X86} [data-kvm-progress]`).isHidden()).resolves.toBe(true);
    expect(problems()).toEqual([]);
    await page.context().close();
  });
});
