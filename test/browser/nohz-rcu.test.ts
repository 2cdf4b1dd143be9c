/**
 * The nohz-rcu chapter in a real browser: the default live check (arm64 since 8cfe148a7136,
 * relaxed) holds in the page's Web Worker with the state count the engine finds in Node, the
 * historical arm64 bug runs to the same use-after-free counterexample as in Node, and moving
 * the guest-run slider re-measures and redraws the "RCU not watching" plot there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/spec/engine/index.ts';
import { nohzRcu } from '../../src/spec/models/nohz-rcu/model.ts';
import { openSite, type Site } from './harness.ts';
import { openLive, runInBrowser, traceStatus } from './live-helpers.ts';

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

  it('runs the default live check (arm64 since 8cfe148a7136) to "holds" with the engine’s state count', async () => {
    const expected = check(nohzRcu, { variant: 'arm64-8cfe148a7136', memoryModel: 'relaxed' });
    expect(expected.verdict).toBe('holds');
    const { page, problems } = await site.newPage();
    await openLive(page, site, 'nohz-rcu/', FIXED);
    const verdict = await runInBrowser(page, FIXED);
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('holds');
    await expect(verdict.textContent()).resolves.toContain(`${expected.states.toLocaleString('en')} states`);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('runs arm64 before 8cfe148a7136 to the use-after-free the engine finds in Node', async () => {
    const expected = check(nohzRcu, { variant: 'arm64-1b3d546daf85', memoryModel: 'relaxed' }).counterexample;
    if (!expected) throw new Error('no counterexample in Node');
    const n = expected.steps.length;
    const { page, problems } = await site.newPage();
    await openLive(page, site, 'nohz-rcu/', BUG);
    const verdict = await runInBrowser(page, BUG);
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('violated');
    await expect(verdict.textContent()).resolves.toContain('no-use-after-free');
    await expect(traceStatus(page, BUG)).resolves.toMatch(new RegExp(`^Step ${n} of ${n}: `));
    expect(page.url()).toContain(`trace=${encodeURIComponent(expected.encoded)}`);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('re-measures the "RCU not watching" plot when the guest-run slider moves', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.url('nohz-rcu/'), { waitUntil: 'load' });
    await page.locator(PLOT).scrollIntoViewIfNeeded();
    await page.waitForSelector(`${PLOT}[data-hydrated] form:not([hidden])`);
    const before = await page.locator(`${PLOT} [data-kvm-svg]`).innerHTML();
    await page.locator(`${PLOT} input[name="guestUs"]`).fill('2');
    const status = page.locator(`${PLOT} [data-kvm-status]`);
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Measured in your browser/);
    expect(await page.locator(`${PLOT} [data-kvm-svg]`).innerHTML()).not.toBe(before);
    expect(problems()).toEqual([]);
    await page.context().close();
  });
});
