/**
 * The live examples in a real browser, on the playground page: run a bug variant, step through
 * its counterexample with the keyboard, reopen its permalink on the same step; verify the correct
 * variant; bad links, bad settings, exhausted budgets, cancelled runs and a broken worker all
 * give a clear message and never an error in the console; the plot re-renders from its
 * controls; axe finds nothing serious with a counterexample on screen, light and dark, at
 * desktop and phone width.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/spec/engine/index.ts';
import { sb } from '../../src/spec/models/sb/model.ts';
import { COLOUR_RULES, seriousViolations } from './axe.ts';
import { openSite, type Site } from './harness.ts';
import { holdWorker, openLive as openPlaygroundLive, openSettings, waitForViewer } from './live-helpers.ts';

const LIVE = '[data-kvm-live="sb-unfenced-tso"]';
const PLOT = '[data-kvm-plot="sb-outcome-rate"]';

const openLive = (page: Page, site: Site, hash = ''): Promise<void> =>
  openPlaygroundLive(page, site, 'playground/', LIVE, hash);

async function run(page: Page, variant: string, memoryModel: string, budget = '1000000'): Promise<void> {
  await openSettings(page, LIVE);
  await page.selectOption(`${LIVE} select[name="variant"]`, variant);
  await page.selectOption(`${LIVE} select[name="memoryModel"]`, memoryModel);
  await page.fill(`${LIVE} input[name="budget"]`, budget);
  await page.click(`${LIVE} [data-kvm-run]`);
}

const status = (page: Page) => page.locator(`${LIVE} .kvm-nav-status`).textContent();
const message = (page: Page) => page.locator(`${LIVE} [data-kvm-message]`);

describe('live examples on the playground', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('shows the build-time verdict and counterexample without JavaScript', async () => {
    const { page, problems } = await site.newPage({ javaScriptEnabled: false });
    await page.goto(site.url('playground/'));
    const verdict = page.locator(`${LIVE} [data-verdict]`);
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('violated');
    await expect(verdict.textContent()).resolves.toContain('Computed at build time');
    // The counterexample as text, one line per step, and the step that breaks the property named
    // under it (the interactive step pane is built by the client).
    const text = (await page.locator(`${LIVE} .kvm-trace-text`).textContent()) ?? '';
    const result = check(sb, { variant: 'unfenced', memoryModel: 'tso' });
    const expected = result.counterexample;
    for (const s of expected?.steps ?? []) expect(text).toContain(s.text);
    expect(text).toContain(`After step ${expected?.steps.length}: ${result.violation?.property} is violated`);
    await expect(page.locator(`${LIVE} form`).isHidden()).resolves.toBe(true);
    // The note that rerunning needs JavaScript: one rule of the page's <noscript> style, after each title.
    const note = await page
      .locator(`${LIVE} .kvm-live-title`)
      .evaluate((el) => getComputedStyle(el, '::after').content);
    expect(note).toContain('need JavaScript');
    await expect(page.locator(`${PLOT} svg`).first().isVisible()).resolves.toBe(true);
    await expect(page.locator(`${PLOT} [data-kvm-status]`).textContent()).resolves.toContain('Measured at build time');
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('runs a bug variant, steps through it with the keyboard, and its permalink reopens that step', async () => {
    const { page, problems } = await site.newPage();
    await openLive(page, site);
    await run(page, 'one-sided', 'tso');
    const verdict = page.locator(`${LIVE} [data-verdict][data-origin="browser"]`);
    await verdict.waitFor();
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('violated');
    await expect(verdict.textContent()).resolves.toContain('one-sees-the-other');

    const expected = check(sb, { variant: 'one-sided', memoryModel: 'tso' }).counterexample;
    if (!expected) throw new Error('no counterexample in Node');
    const n = expected.steps.length;
    await expect(status(page)).resolves.toMatch(new RegExp(`^Step ${n} of ${n}: `));

    await page.focus(`${LIVE} .kvm-trace-box`);
    await page.keyboard.press('Home');
    await expect(status(page)).resolves.toBe(`Initial state (step 0 of ${n})`);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const second = expected.steps[1];
    await expect(status(page)).resolves.toBe(`Step 2 of ${n}: ${second?.actor}: ${second?.text}`);
    // The model line that ran is marked in the step pane's source window, numbered as in the file.
    const marked = page.locator(`${LIVE} .kvm-src-line.is-current`);
    await marked.waitFor();
    await expect(marked.count()).resolves.toBe(1);
    const lineNo = await marked.evaluate((el) => ({
      file: el.closest<HTMLElement>('[data-file]')?.dataset.file,
      line: Number((el as HTMLElement).dataset.line),
    }));
    expect(lineNo).toEqual({ file: second?.site?.file, line: second?.site?.line });
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await expect(status(page)).resolves.toMatch(new RegExp(`^Step ${n - 1} of ${n}: `));
    // Clicking a step number goes there too.
    await page.click(`${LIVE} button.kvm-stepnum[data-step="3"]`);
    await expect(status(page)).resolves.toMatch(new RegExp(`^Step 3 of ${n}: `));
    await expect(page.locator(`${LIVE} .kvm-detail .kvm-changed`).count()).resolves.toBeGreaterThan(0);

    const url = page.url();
    expect(url).toContain('#live=sb-unfenced-tso&model=sb&variant=one-sided&mm=tso&trace=');
    expect(url).toContain(`trace=${encodeURIComponent(expected.encoded)}&step=3`);
    expect(problems()).toEqual([]);
    await page.context().close();

    const again = await site.newPage();
    await again.page.goto(url);
    await again.page.waitForSelector(`${LIVE} .kvm-trace[data-interactive]`);
    await expect
      .poll(() => status(again.page), { timeout: 15_000 })
      .toMatch(new RegExp(`^Step 3 of ${n}: ${expected.steps[2]?.actor}`));
    await expect(again.page.locator(`${LIVE} select[name="variant"]`).inputValue()).resolves.toBe('one-sided');
    await expect(again.page.locator(`${LIVE} [data-verdict]`).getAttribute('data-verdict')).resolves.toBe('restored');
    await expect(
      again.page.locator(`${LIVE} button.kvm-stepnum[aria-current="step"]`).getAttribute('data-step'),
    ).resolves.toBe('3');
    expect(again.problems()).toEqual([]);
    await again.page.context().close();
  });

  // The correct variant run to "holds" (no counterexample, the link names the selection): in
  // reader.test.ts, 'a "holds" is shareable', which also reopens that link.

  const trace = check(sb, { variant: 'unfenced', memoryModel: 'tso' }).counterexample?.encoded ?? '';
  const tampered = trace.replace(
    /\/([0-9a-f]{8})$/,
    (_, sum: string) => `/${sum === '00000000' ? '11111111' : '00000000'}`,
  );
  const stale = trace.replace('/0.', '/1.');
  it.each([
    ['garbage', '#live=sb-unfenced-tso&trace=garbage', /not a kvmspec trace/],
    ['markup', '#trace=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E', /characters no kvmspec trace has/],
    ['a tampered checksum', `#trace=${encodeURIComponent(tampered)}&step=2`, /the model changed since it was made/],
    ['a stale trace', `#live=sb-unfenced-tso&trace=${encodeURIComponent(stale)}`, /does not match this version/],
    ['another model', '#live=sb-unfenced-tso&model=requests-none', /not sb/],
    ['an unknown live check', '#live=nowhere&model=sb', /not on this page/],
    ['a bad step', `#trace=${encodeURIComponent(trace)}&step=x`, /not a step number/],
  ])('a link with %s gives a message and the default view', async (_, hash, why) => {
    const { page, problems } = await site.newPage();
    await page.goto(site.url(`playground/${hash}`));
    await message(page).waitFor({ state: 'visible' });
    await expect(message(page).textContent()).resolves.toMatch(/could not be restored/);
    await expect(message(page).textContent()).resolves.toMatch(why);
    await expect(page.locator(`${LIVE} [data-verdict]`).getAttribute('data-origin')).resolves.toBe('build');
    await expect(page.locator('img[src="x"]').count()).resolves.toBe(0);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('a step beyond the end of the trace lands on the last step, with a note', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.url(`playground/#live=sb-unfenced-tso&trace=${encodeURIComponent(trace)}&step=99`));
    await message(page).waitFor({ state: 'visible' });
    await expect(message(page).textContent()).resolves.toMatch(/asks for step 99/);
    await expect(status(page)).resolves.toMatch(/^Step (\d+) of \1: /);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('refuses bad settings inline, before running anything', async () => {
    const { page, problems } = await site.newPage();
    await openLive(page, site);
    // The page's replay of the build-time counterexample is done; no check may start now.
    await waitForViewer(page, LIVE);
    let workers = 0;
    page.on('worker', () => workers++);
    await run(page, 'fenced', 'tso', '12abc');
    const error = page.locator(`${LIVE} [data-error-for="budget"]`);
    await expect(error.textContent()).resolves.toMatch(/whole number/);
    await expect(page.locator(`${LIVE} input[name="budget"]`).getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(message(page).textContent()).resolves.toMatch(/nothing was run/);
    await page.fill(`${LIVE} input[name="budget"]`, '99999999');
    await page.click(`${LIVE} [data-kvm-run]`);
    await expect(error.textContent()).resolves.toMatch(/at most 5,000,000/);
    expect(workers).toBe(0);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('says inconclusive when the budget runs out, and continues with a bigger one', async () => {
    const { page, problems } = await site.newPage();
    await openLive(page, site);
    await run(page, 'fenced', 'tso', '5');
    const verdict = page.locator(`${LIVE} [data-verdict][data-origin="browser"]`);
    await verdict.waitFor();
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('inconclusive');
    await expect(verdict.textContent()).resolves.toMatch(/state budget exhausted/);
    const more = page.locator(`${LIVE} [data-kvm-more] button`);
    await expect(more.textContent()).resolves.toBe('Run again with a budget of 50 states');
    await expect(page.locator(`${LIVE} [data-kvm-more-text]`).textContent()).resolves.toMatch(
      /starts from the beginning/,
    );
    await more.click();
    await expect
      .poll(() => page.locator(`${LIVE} [data-verdict]`).getAttribute('data-verdict'), { timeout: 15_000 })
      .toBe('holds');
    await expect(page.locator(`${LIVE} input[name="budget"]`).inputValue()).resolves.toBe('50');
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('cancels a run', async () => {
    const { page, problems } = await site.newPage();
    await openLive(page, site);
    // Hold the worker's script back so the run is still going when Cancel is pressed.
    const release = await holdWorker(page);
    await run(page, 'unfenced', 'relaxed');
    const cancel = page.locator(`${LIVE} [data-kvm-cancel]`);
    await cancel.waitFor({ state: 'visible' });
    await cancel.click();
    await expect(message(page).textContent()).resolves.toMatch(/^Cancelled/);
    release();
    await expect(cancel.isHidden()).resolves.toBe(true);
    await expect(page.locator(`${LIVE} [data-kvm-run]`).isEnabled()).resolves.toBe(true);
    // The request the terminated worker left behind is not a page problem.
    expect(problems().filter((p) => !/worker-[^/]*\.js/.test(p))).toEqual([]);
    await page.context().close();
  });

  it('shows a worker that fails to load, instead of swallowing it', async () => {
    const { page, problems } = await site.newPage();
    await openLive(page, site);
    await page.route(/\/worker-[^/]*\.js$/, (route) =>
      route.fulfill({ status: 200, contentType: 'text/javascript', body: 'throw new Error("boom in the worker")' }),
    );
    await run(page, 'unfenced', 'tso');
    await message(page).waitFor({ state: 'visible' });
    await expect(message(page).textContent()).resolves.toMatch(/The check failed: the checker's worker failed/);
    await expect(page.locator(`${LIVE} [data-kvm-run]`).isEnabled()).resolves.toBe(true);
    // Chromium itself logs the worker's uncaught error to the console; that one is the point.
    expect(problems().filter((p) => !/boom in the worker/.test(p))).toEqual([]);
    await page.context().close();
  });

  it('re-measures and redraws the plot when a control moves', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.url('playground/'));
    await page.locator(PLOT).scrollIntoViewIfNeeded();
    await page.waitForSelector(`${PLOT}[data-hydrated] form:not([hidden])`);
    const before = await page.locator(`${PLOT} [data-kvm-svg]`).innerHTML();
    await page.selectOption(`${PLOT} select[name="variant"]`, 'one-sided');
    const statusLine = page.locator(`${PLOT} [data-kvm-status]`);
    await expect
      .poll(() => statusLine.textContent(), { timeout: 20_000 })
      .toMatch(/^Measured in your browser: sb\/one-sided/);
    expect(await page.locator(`${PLOT} [data-kvm-svg]`).innerHTML()).not.toBe(before);
    await expect(page.locator(`${PLOT} [data-kvm-svg] svg`).count()).resolves.toBeGreaterThan(0);
    await page.fill(`${PLOT} input[name="seed"]`, '-5');
    await expect
      .poll(() => page.locator(`${PLOT} [data-error-for="seed"]`).textContent())
      .toMatch(/Seed must be a whole number from 1 to 999,999/);
    await page.locator(`${PLOT} input[name="runs"]`).fill('300');
    await page.fill(`${PLOT} input[name="seed"]`, '7');
    await expect.poll(() => statusLine.textContent(), { timeout: 20_000 }).toMatch(/300 runs per memory model, seed 7/);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  // One load per width: the light theme with every rule, then the dark one switched in place with
  // the rules a theme can change (as every-page.test.ts does), since a theme swaps only colours.
  it.each([1280, 375])(
    'has no serious axe violation with a counterexample shown, light and dark (%ipx)',
    async (width) => {
      const { page, problems } = await site.newPage({ colorScheme: 'light', viewport: { width, height: 900 } });
      await openLive(page, site);
      await page.locator(PLOT).scrollIntoViewIfNeeded();
      await page.waitForSelector(`${PLOT}[data-hydrated]`);
      await page.locator(LIVE).scrollIntoViewIfNeeded();
      await page.focus(`${LIVE} .kvm-trace-box`);
      await page.keyboard.press('Home');
      await page.keyboard.press('ArrowRight');
      expect(await seriousViolations(page), 'light theme').toEqual([]);
      await page.emulateMedia({ colorScheme: 'dark' });
      const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
      await expect.poll(theme, { timeout: 20_000 }).toBe('dark');
      expect(await seriousViolations(page, COLOUR_RULES), 'dark theme').toEqual([]);
      // Nothing makes the page itself scroll sideways at phone width.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(problems()).toEqual([]);
      await page.context().close();
    },
  );
});
