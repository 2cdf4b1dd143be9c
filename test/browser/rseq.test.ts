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

  it('draws the delay axis in the slider’s unit: the marked delay sits between the axis’s 2,000 and 4,000 ns', async () => {
    const { page, problems } = chapter();
    await showPlot(page, PLOT);
    const slider = page.locator(`${PLOT} input[name="delay"]`);
    await slider.fill('3000');
    const status = page.locator(`${PLOT} [data-kvm-status]`);
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/^Measured in your browser/);
    const label = await page.locator(`label[for="${await slider.getAttribute('id')}"]`).textContent();
    const unit = /\((ns|µs)\)/.exec(label ?? '')?.[1];
    expect(unit, `slider label “${label}”`).toBe('ns');
    const axis = await page.locator(`${PLOT} [data-kvm-svg]`).evaluate((box) => {
      // The chart's own SVG (the legend's swatches are SVGs too); the build strips Plot's aria-labels.
      const svg = [...box.querySelectorAll('svg')].find((s) => s.querySelector('[stroke-dasharray]'));
      const texts = [...(svg?.querySelectorAll('text') ?? [])];
      const title = texts.map((t) => t.textContent ?? '').find((t) => /delay between migrations/.test(t));
      const centre = (el: Element) => {
        const r = el.getBoundingClientRect();
        return r.left + r.width / 2;
      };
      const ticks = texts
        .filter((t) => /^[\d,]+$/.test(t.textContent ?? ''))
        .map((t) => ({ text: t.textContent ?? '', x: centre(t) }));
      // The dashed rule marks the slider's delay.
      const rule = svg?.querySelector('[stroke-dasharray] line');
      return { title, ticks, rule: rule ? centre(rule) : undefined, html: texts.map((t) => t.textContent).join('|') };
    });
    expect(axis.title, axis.html).toMatch(/\(ns\b/);
    const at = (t: string) => axis.ticks.find((k) => k.text === t)?.x;
    const [x2, x4] = [at('2,000'), at('4,000')];
    expect(x2, `ticks ${axis.ticks.map((k) => k.text).join(' ')}`).toBeDefined();
    expect(x4).toBeDefined();
    expect(axis.rule).toBeGreaterThan(x2 ?? Number.NaN);
    expect(axis.rule).toBeLessThan(x4 ?? Number.NaN);
    expect(problems()).toEqual([]);
  });
});
