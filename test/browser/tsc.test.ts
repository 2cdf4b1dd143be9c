/**
 * The TSC chapter in a real browser: race 3 of the 2009 code (a resync IPI skewing a reference
 * read) runs to the counterexample the engine finds in Node, in the page's Web Worker, and
 * changing the guest-clock plot's tick length re-measures and redraws it there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/spec/engine/index.ts';
import { tsc } from '../../src/spec/models/tsc/model.ts';
import { openSite, type Site } from './harness.ts';
import { runInBrowser, showLive, showPlot, traceStatus } from './live-helpers.ts';
import { sharePage } from './shared-page.ts';

const LIVE = '[data-kvm-live="tsc-before-ref-read-sc"]';
const PLOT = '[data-kvm-plot="tsc-guest-clock"]';

describe('TSC chapter', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });
  // One page load for both tests: each works on a component of its own.
  const chapter = sharePage(async () => {
    const checked = await site.newPage();
    await checked.page.goto(site.url('tsc/'), { waitUntil: 'load' });
    return checked;
  });

  it('runs race 3 to the counterexample the engine finds in Node', async () => {
    const expected = check(tsc, { variant: 'before-ref-read', memoryModel: 'sc' }).counterexample;
    if (!expected) throw new Error('no counterexample in Node');
    const n = expected.steps.length;
    const { page, problems } = chapter();
    await showLive(page, LIVE);
    const verdict = await runInBrowser(page, LIVE);
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('violated');
    await expect(verdict.textContent()).resolves.toContain('ref-read-not-skewed');
    await expect(traceStatus(page, LIVE)).resolves.toMatch(new RegExp(`^Step ${n} of ${n}: `));
    expect(page.url()).toContain(`trace=${encodeURIComponent(expected.encoded)}`);
    expect(problems()).toEqual([]);
  });

  it('re-measures the guest-clock plot when the tick length changes', async () => {
    const { page, problems } = chapter();
    await showPlot(page, PLOT);
    const before = await page.locator(`${PLOT} [data-kvm-svg]`).innerHTML();
    await page.locator(`${PLOT} input[name="tick"]`).fill('100');
    const status = page.locator(`${PLOT} [data-kvm-status]`);
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Measured in your browser/);
    expect(await page.locator(`${PLOT} [data-kvm-svg]`).innerHTML()).not.toBe(before);
    expect(problems()).toEqual([]);
  });
});
