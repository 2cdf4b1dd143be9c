/**
 * Compare (issue 12, What kernel people will expect): the same variant under every memory model,
 * each model's counterexample in a viewer of its own beside the others (SC holds, x86-TSO
 * violated), side by side on a wide screen and stacked on a phone; each viewer steps on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './axe.ts';
import { openSite, POLL, type Site } from './harness.ts';
import { openLive, waitForViewer } from './live-helpers.ts';

const SB = '[data-kvm-live="sb-unfenced-tso"]';
const cell = (mm: string) => `${SB} [data-compare-viewer="${mm}"]`;

describe('compare: one counterexample viewer per memory model', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it.each([
    ['a wide screen', { width: 1280, height: 800 }, 'side by side'],
    ['a phone', { width: 375, height: 812 }, 'stacked'],
  ] as const)('on %s, SC holds and x86-TSO violated are shown %s', async (_, viewport, layout) => {
    const { page, problems } = await site.newPage({ viewport });
    await openLive(page, site, 'playground/', SB);
    await waitForViewer(page, SB);
    await page.click(`${SB} [data-kvm-compare]`);
    await page.waitForSelector(`${cell('relaxed')}[data-verdict] .kvm-trace[data-interactive]`, { timeout: 60_000 });
    // SC: holds, and no viewer; x86-TSO and relaxed: a viewer each, on the step that breaks the property.
    await expect(page.locator(cell('sc')).getAttribute('data-verdict')).resolves.toBe('holds');
    await expect(page.locator(`${cell('sc')} .kvm-trace`).count()).resolves.toBe(0);
    await expect(page.locator(cell('sc')).textContent()).resolves.toMatch(/SC: holds/);
    for (const mm of ['tso', 'relaxed']) {
      await expect(page.locator(cell(mm)).getAttribute('data-verdict')).resolves.toBe('violated');
      await expect(page.locator(`${cell(mm)} .kvm-compare-viewer-head`).textContent()).resolves.toMatch(
        /violated: one-sees-the-other/,
      );
      await expect(page.locator(`${cell(mm)} .kvm-trace[data-interactive]`).count()).resolves.toBe(1);
    }
    const [sc, tso] = await Promise.all(
      ['sc', 'tso'].map((mm) => page.locator(cell(mm)).evaluate((e) => e.getBoundingClientRect().toJSON())),
    );
    if (layout === 'side by side') {
      expect(Math.abs(sc.top - tso.top)).toBeLessThan(2);
      expect(tso.left).toBeGreaterThanOrEqual(sc.right);
    } else {
      expect(tso.top).toBeGreaterThanOrEqual(sc.bottom);
      expect(Math.abs(sc.left - tso.left)).toBeLessThan(2);
    }
    // The TSO viewer steps on its own: Home goes to its first step, the relaxed one stays at its end.
    const status = (mm: string) => page.locator(`${cell(mm)} .kvm-nav-status`).textContent();
    const relaxedEnd = await status('relaxed');
    await page.focus(`${cell('tso')} .kvm-trace-box`);
    await page.keyboard.press('Home');
    await expect.poll(() => status('tso'), POLL).toMatch(/^Initial state|Step 0/);
    await expect(status('relaxed')).resolves.toBe(relaxedEnd);
    // A viewer's "Copy link to this step" is its own (the TSO trace, not the check's).
    await expect(page.locator(`${cell('tso')} [data-copy="link"]`).count()).resolves.toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems()).toEqual([]);
  });
});
