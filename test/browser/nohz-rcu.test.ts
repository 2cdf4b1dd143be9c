/**
 * The nohz-rcu chapter in a real browser: the default live check (arm64 since 8cfe148a7136,
 * relaxed) holds in the page's Web Worker with the state count the variant records (which
 * test/content-checks.test.ts checks the engine finds in Node), the historical arm64 bug runs to
 * the same use-after-free counterexample as in Node, and moving the guest-run slider re-measures
 * and redraws the "RCU not watching" plot there. One page load for the three: each works on a
 * component of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/spec/engine/index.ts';
import { nohzRcu } from '../../src/spec/models/nohz-rcu/model.ts';
import { openSite, type Site } from './harness.ts';
import { runInBrowser, showLive, showPlot, traceStatus } from './live-helpers.ts';
import { sharePage } from './shared-page.ts';

const FIXED = '[data-kvm-live="nohz-rcu-arm64-8cfe148a7136-relaxed"]';
const BUG = '[data-kvm-live="nohz-rcu-arm64-1b3d546daf85-relaxed"]';
const PLOT = '[data-kvm-plot="nohz-rcu-unwatched"]';

describe('nohz-rcu chapter', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });
  const chapter = sharePage(async () => {
    const checked = await site.newPage();
    await checked.page.goto(site.url('nohz-rcu/'), { waitUntil: 'load' });
    return checked;
  });

  it('runs the default live check (arm64 since 8cfe148a7136) to "holds" with the recorded state count', async () => {
    const recorded = nohzRcu.variants.find((v) => v.name === 'arm64-8cfe148a7136')?.expect.relaxed;
    expect(recorded?.verdict).toBe('holds');
    const { page, problems } = chapter();
    await showLive(page, FIXED);
    const verdict = await runInBrowser(page, FIXED);
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('holds');
    await expect(verdict.textContent()).resolves.toContain(`${recorded?.states.toLocaleString('en')} states`);
    expect(problems()).toEqual([]);
  });

  it('runs arm64 before 8cfe148a7136 to the use-after-free the engine finds in Node', async () => {
    const expected = check(nohzRcu, { variant: 'arm64-1b3d546daf85', memoryModel: 'relaxed' }).counterexample;
    if (!expected) throw new Error('no counterexample in Node');
    const n = expected.steps.length;
    const { page, problems } = chapter();
    await showLive(page, BUG);
    const verdict = await runInBrowser(page, BUG);
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('violated');
    await expect(verdict.textContent()).resolves.toContain('no-use-after-free');
    await expect(traceStatus(page, BUG)).resolves.toMatch(new RegExp(`^Step ${n} of ${n}: `));
    expect(page.url()).toContain(`trace=${encodeURIComponent(expected.encoded)}`);
    expect(problems()).toEqual([]);
  });

  it('re-measures the "RCU not watching" plot when the guest-run slider moves', async () => {
    const { page, problems } = chapter();
    await showPlot(page, PLOT);
    const before = await page.locator(`${PLOT} [data-kvm-svg]`).innerHTML();
    await page.locator(`${PLOT} input[name="guestUs"]`).fill('2');
    const status = page.locator(`${PLOT} [data-kvm-status]`);
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Measured in your browser/);
    expect(await page.locator(`${PLOT} [data-kvm-svg]`).innerHTML()).not.toBe(before);
    expect(problems()).toEqual([]);
  });
});
