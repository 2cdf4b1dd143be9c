/**
 * The rseq chapter in a real browser: the v5.14 bug runs to its counterexample in the page's
 * Web Worker, the same one the engine finds in Node, and moving the delay slider re-measures
 * and redraws the selftest plot there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/spec/engine/index.ts';
import { rseq } from '../../src/spec/models/rseq/model.ts';
import { openSite, type Site } from './harness.ts';
import { runInBrowser, showLive, showPlot, traceStatus } from './live-helpers.ts';
import { sharePage } from './shared-page.ts';

const LIVE = '[data-kvm-live="rseq-v5-14-tso"]';
const PLOT = '[data-kvm-plot="rseq-delay"]';

describe('rseq chapter', () => {
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
    await checked.page.goto(site.url('rseq/'), { waitUntil: 'load' });
    return checked;
  });

  it('runs the v5.14 bug to the counterexample the engine finds in Node', async () => {
    const expected = check(rseq, { variant: 'v5-14', memoryModel: 'tso' }).counterexample;
    if (!expected) throw new Error('no counterexample in Node');
    const n = expected.steps.length;
    const { page, problems } = chapter();
    await showLive(page, LIVE);
    const verdict = await runInBrowser(page, LIVE);
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('violated');
    await expect(verdict.textContent()).resolves.toContain('rseq-cpu-id');
    await expect(traceStatus(page, LIVE)).resolves.toMatch(new RegExp(`^Step ${n} of ${n}: `));
    expect(page.url()).toContain(`trace=${encodeURIComponent(expected.encoded)}`);
    expect(problems()).toEqual([]);
  });

  it('re-measures the selftest plot when the delay slider moves', async () => {
    const { page, problems } = chapter();
    await showPlot(page, PLOT);
    const before = await page.locator(`${PLOT} [data-kvm-svg]`).innerHTML();
    await page.locator(`${PLOT} input[name="delay"]`).fill('3000');
    const status = page.locator(`${PLOT} [data-kvm-status]`);
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/^Measured in your browser/);
    expect(await page.locator(`${PLOT} [data-kvm-svg]`).innerHTML()).not.toBe(before);
    expect(problems()).toEqual([]);
  });
});
