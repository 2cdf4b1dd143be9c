/**
 * The reader's experience, explore and compare (issue 12): in a live check's viewer the reader
 * picks each next step from the enabled ones, with the keyboard, undoes, and gets a permalink
 * to the trace made by hand that reopens in explore mode; a variant is compared under every
 * memory model side by side; a variant-table cell opens its check; and on a phone a lane's
 * code breaks only after `->`, `.`, `_` or a comma, never inside a name. Three page loads.
 */
import axe, { type AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayEncoded } from '../../src/spec/engine/index.ts';
import { MODELS } from '../../src/spec/models/index.ts';
import { openSite, type Site } from './harness.ts';
import { openLive, waitForViewer } from './live-helpers.ts';

const SB = '[data-kvm-live="sb-unfenced-tso"]';
const KICK = '[data-kvm-live="requests-no-vcpu-barrier-tso"]';

/** The trace in the address bar's permalink. */
const hashTrace = (page: Page) =>
  page.evaluate(() => decodeURIComponent(/[#&]trace=([^&]*)/.exec(location.hash)?.[1] ?? ''));

/** Waits until the explore panel lists the steps enabled after step `at`. */
async function panelAt(page: Page, at: number, live = SB): Promise<void> {
  await page.waitForFunction(
    ([sel, k]) => {
      const panel = document.querySelector(`${sel} .kvm-explore`);
      return (
        panel?.getAttribute('data-explore-at') === String(k) &&
        !panel.textContent?.includes('Finding the enabled steps')
      );
    },
    [live, at] as const,
    { timeout: 30_000 },
  );
}

describe('explore, compare, variant-table links, code in narrow lanes', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('compare shows SC holds beside TSO violated; explore builds a trace by hand, with undo and a permalink', async () => {
    const { page, problems } = await site.newPage({ viewport: { width: 1280, height: 800 } });
    await openLive(page, site, 'playground/', SB);
    await waitForViewer(page, SB);

    // Compare: one column per memory model, each the engine's verdict for the same variant.
    await page.click(`${SB} [data-kvm-compare]`);
    await page.waitForFunction(
      (sel) => {
        const cols = [...document.querySelectorAll(`${sel} .kvm-compare-col`)];
        return cols.length === 3 && cols.every((c) => c.getAttribute('data-verdict') !== 'pending');
      },
      SB,
      { timeout: 30_000 },
    );
    const verdicts = await page
      .locator(`${SB} .kvm-compare-col`)
      .evaluateAll((cols) => cols.map((c) => `${c.getAttribute('data-compare-mm')}:${c.getAttribute('data-verdict')}`));
    expect(verdicts).toEqual(['sc:holds', 'tso:violated', 'relaxed:violated']);
    const [scBox, tsoBox] = await page
      .locator(`${SB} .kvm-compare-col`)
      .evaluateAll((cols) => cols.slice(0, 2).map((c) => c.getBoundingClientRect().toJSON()));
    // Side by side on a wide screen.
    expect(Math.abs((scBox?.top ?? 0) - (tsoBox?.top ?? 1))).toBeLessThan(2);
    expect(tsoBox?.left).toBeGreaterThan((scBox?.left ?? 0) + 10);
    // Showing the SC column: its verdict, no counterexample, the form and the link say SC.
    await page.click(`${SB} [data-compare-mm="sc"] [data-compare-show]`);
    await page.waitForSelector(`${SB} [data-verdict="holds"][data-origin="browser"]`);
    await expect(page.locator(`${SB} [data-kvm-trace] .kvm-trace`).count()).resolves.toBe(0);
    await expect(page.locator(`${SB} select[name="memoryModel"]`).inputValue()).resolves.toBe('sc');
    expect(await page.evaluate(() => location.hash)).toMatch(/mm=sc/);
    // And TSO's: its counterexample in the viewer.
    await page.click(`${SB} [data-compare-mm="tso"] [data-compare-show]`);
    await page.waitForSelector(`${SB} [data-verdict="violated"][data-origin="browser"]`);
    await waitForViewer(page, SB);
    const cex = await hashTrace(page);
    const n = replayEncoded(MODELS, cex).steps.length;

    // Explore from the counterexample's end: the engine says the state breaks the property and
    // nothing more can happen.
    await page.click(`${SB} [data-explore="toggle"]`);
    await panelAt(page, n);
    await expect(
      page.locator(`${SB} .kvm-explore [data-explore-violation]`).getAttribute('data-explore-violation'),
    ).resolves.toBe('one-sees-the-other');
    await expect(page.locator(`${SB} [data-choose]`).count()).resolves.toBe(0);

    // Back to the initial state with the keyboard: both threads' first stores are offered.
    await page.focus(`${SB} [data-kvm-trace] .kvm-trace-box`);
    await page.keyboard.press('Home');
    await panelAt(page, 0);
    const first = await page.locator(`${SB} [data-choose]`).allTextContents();
    expect(first).toHaveLength(2);
    expect(first[0]).toMatch(/P0.*CPU 0.*WRITE_ONCE\(x, 1\).*model\.ts:\d+/);
    expect(first[1]).toMatch(/P1.*CPU 1.*WRITE_ONCE\(y, 1\)/);
    await expect(page.locator(`${SB} .kvm-explore`).textContent()).resolves.toMatch(/replaces steps 1–/);

    // Key 2 takes P1's store: the trace is now that one step, the panes follow, focus stays in the list.
    await page.keyboard.press('2');
    await panelAt(page, 1);
    await expect(page.locator(`${SB} [data-kvm-trace] .kvm-nav-status`).textContent()).resolves.toMatch(
      /^Step 1 of 1: P1: WRITE_ONCE\(y, 1\)/,
    );
    await expect(page.locator(`${SB} [data-kvm-trace] .kvm-detail`).getAttribute('data-step')).resolves.toBe('1');
    await page.waitForSelector(`${SB} .kvm-src-line.is-current`);
    // Under TSO the store sits in P1's buffer: its drain is one of the enabled steps.
    await expect(page.locator(`${SB} [data-choose]`).allTextContents()).resolves.toContainEqual(
      expect.stringMatching(/store buffer.*y = 1/),
    );
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-choose'))).toBe(true);
    // Enter on the focused first choice (P0's store), then key 1 until the run ends.
    await page.keyboard.press('Enter');
    await panelAt(page, 2);
    let at = 2;
    while ((await page.locator(`${SB} [data-choose]`).count()) > 0 && at < 20) {
      await page.keyboard.press('1');
      at += 1;
      await panelAt(page, at);
    }
    expect(at).toBeLessThan(20);
    expect(await page.evaluate(() => location.hash)).toMatch(/&explore=1$/);
    const made = await hashTrace(page);
    const replayed = replayEncoded(MODELS, made);
    expect(replayed.steps.map((s) => s.actor).slice(0, 2)).toEqual(['P1', 'P0']);
    expect(replayed.steps).toHaveLength(at);

    // Backspace undoes the last choice.
    await page.keyboard.press('Backspace');
    await panelAt(page, at - 1);
    expect(replayEncoded(MODELS, await hashTrace(page)).steps).toHaveLength(at - 1);
    await page.keyboard.press('1');
    await panelAt(page, at);
    const link = await page.evaluate(() => location.href);

    // The permalink reopens the trace made by hand, in explore mode, at its last step.
    const other = await site.newPage({ viewport: { width: 1280, height: 800 } });
    await other.page.goto(link, { waitUntil: 'load' });
    await other.page.waitForSelector(`${SB} .kvm-trace[data-interactive]`, { timeout: 30_000 });
    await panelAt(other.page, at);
    await expect(other.page.locator(`${SB} [data-verdict="restored"]`).textContent()).resolves.toMatch(
      new RegExp(`from a link: sb / unfenced / tso, ${at} steps`),
    );
    expect(await hashTrace(other.page)).toBe(made);
    expect(other.problems()).toEqual([]);
    await other.page.context().close();

    // With the comparison and the explore panel open, axe finds nothing serious in the check.
    await page.evaluate(axe.source);
    const results: AxeResults = await page.evaluate(
      (sel) =>
        (window as unknown as { axe: typeof axe }).axe.run(document.querySelector(sel) as Element, {
          resultTypes: ['violations'],
        }),
      SB,
    );
    expect(
      results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ rule: v.id, where: v.nodes.map((n) => n.target.join(' ')) })),
    ).toEqual([]);
    await expect(page.locator(`${SB} .kvm-compare`).count()).resolves.toBe(1);

    // Stop exploring: the panel goes, focus stays on the viewer, the link drops explore=1.
    await page.click(`${SB} [data-explore="stop"]`);
    await expect(page.locator(`${SB} .kvm-explore`).count()).resolves.toBe(0);
    expect(await page.evaluate(() => document.activeElement?.classList.contains('kvm-trace-box'))).toBe(true);
    expect(await page.evaluate(() => location.hash)).not.toMatch(/explore/);

    // A check that holds has no counterexample, but can be explored from its initial state.
    const FENCED = '[data-kvm-live="sb-fenced-relaxed"]';
    await page.locator(FENCED).scrollIntoViewIfNeeded();
    await page.waitForSelector(`${FENCED}[data-hydrated] [data-kvm-explore]:not([hidden])`);
    await page.click(`${FENCED} [data-kvm-explore]`);
    await panelAt(page, 0, FENCED);
    await expect(page.locator(`${FENCED} [data-choose]`).count()).resolves.toBe(2);
    await expect(page.locator(`${FENCED} [data-verdict="holds"]`).count()).resolves.toBe(1);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('on a phone a lane’s code never breaks inside a name; a variant-table cell opens its check', async () => {
    const { page, problems } = await site.newPage({ viewport: { width: 375, height: 812 } });
    await openLive(page, site, 'requests/', KICK);
    await waitForViewer(page, KICK);
    // Every line break inside a lane's code comes after a space, ->, ., _, a comma or (.
    const bad = await page.locator(`${KICK} .kvm-cell .kvm-text`).evaluateAll((codes) => {
      const out: string[] = [];
      for (const code of codes) {
        const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
        const chars: { c: string; top: number }[] = [];
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent ?? '';
          for (let i = 0; i < text.length; i++) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const r = range.getClientRects()[0];
            if (r && r.width > 0) chars.push({ c: text[i] as string, top: r.top });
          }
        }
        for (let i = 1; i < chars.length; i++) {
          const prev = chars[i - 1] as { c: string; top: number };
          const cur = chars[i] as { c: string; top: number };
          if (cur.top > prev.top + 2 && !/[\s>._,(]/.test(prev.c) && !/\s/.test(cur.c)) {
            out.push(`${code.textContent}: broken before “${cur.c}” after “${prev.c}”`);
          }
        }
      }
      return out;
    });
    expect(bad).toEqual([]);
    // The lanes do wrap their code at this width (the check above is not vacuous).
    const wrapped = await page
      .locator(`${KICK} .kvm-cell .kvm-text`)
      .evaluateAll((codes) => codes.some((c) => c.getClientRects().length > 1));
    expect(wrapped).toBe(true);
    // No name is wider than its lane: nothing inside a cell overflows it.
    const overflowing = await page
      .locator(`${KICK} .kvm-cell`)
      .evaluateAll((cells) => cells.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent));
    expect(overflowing).toEqual([]);

    // The variant table's cells link into the page's live checks.
    const table = page.locator('.variant-table');
    await table.scrollIntoViewIfNeeded();
    await page.waitForSelector('.variant-table a[data-kvm-cell]');
    // The cell of a check on the page opens it with its build-time counterexample.
    await page.click('a[data-kvm-cell="no-vcpu-barrier/tso"]');
    await page.waitForFunction((sel) => {
      const r = document.querySelector(sel)?.getBoundingClientRect();
      return r && r.top > -5 && r.top < window.innerHeight;
    }, KICK);
    await waitForViewer(page, KICK);
    await expect(page.locator(`${KICK} [data-verdict="violated"]`).count()).resolves.toBe(1);
    // A cell no check on the page shows is run in the check of the same variant.
    await table.scrollIntoViewIfNeeded();
    await page.click('a[data-kvm-cell="no-vcpu-barrier/relaxed"]');
    const verdict = page.locator(`${KICK} [data-verdict][data-origin="browser"]`);
    await verdict.waitFor({ timeout: 60_000 });
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('violated');
    await expect(verdict.textContent()).resolves.toMatch(/no-vcpu-barrier \/ relaxed.*no-lost-request/);
    await waitForViewer(page, KICK);
    expect(problems()).toEqual([]);
    await page.context().close();
  });
});
