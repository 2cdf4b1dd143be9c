/**
 * The requests chapter in a real browser: a bug variant of the chapter, run by the reader in
 * the page's Web Worker, reaches the same counterexample the engine finds in Node, and the
 * reader can step to the VM entry that the lost kick leaves the vCPU in.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/spec/engine/index.ts';
import { requests } from '../../src/spec/models/requests/model.ts';
import { openSite, type Site } from './harness.ts';
import { openLive, runInBrowser, traceStatus } from './live-helpers.ts';

const LIVE = '[data-kvm-live="requests-no-vcpu-barrier-tso"]';
const status = (page: Page) => traceStatus(page, LIVE);

describe('requests chapter', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('runs the no-vcpu-barrier variant to its lost-kick counterexample and steps through it', async () => {
    const expected = check(requests, { variant: 'no-vcpu-barrier', memoryModel: 'tso' }).counterexample;
    if (!expected) throw new Error('no counterexample in Node');
    const n = expected.steps.length;

    const { page, problems } = await site.newPage();
    await openLive(page, site, 'requests/', LIVE);
    const verdict = await runInBrowser(page, LIVE);
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('violated');
    await expect(verdict.textContent()).resolves.toContain('no-lost-request');
    await expect(status(page)).resolves.toMatch(new RegExp(`^Step ${n} of ${n}: `));

    // Walk back with the keyboard to the VM entry: the vCPU enters the guest with the request
    // about to be set and IN_GUEST_MODE still in its store buffer.
    const entry = expected.steps.findIndex((s) => s.kind === 'guest-enter') + 1;
    expect(entry).toBeGreaterThan(0);
    await page.focus(`${LIVE} .kvm-trace-box`);
    await page.keyboard.press('Home');
    for (let i = 0; i < entry; i++) await page.keyboard.press('ArrowRight');
    await expect(status(page)).resolves.toBe(`Step ${entry} of ${n}: vcpu: VM-entry`);
    expect(page.url()).toContain(`trace=${encodeURIComponent(expected.encoded)}&step=${entry}`);
    expect(problems()).toEqual([]);
    await page.context().close();
  });
});
