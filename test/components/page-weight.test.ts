/**
 * The pieces that keep a chapter's HTML light (issue 12) say what they should: a long
 * counterexample's summary keeps its last steps and what breaks, a plot's chart becomes an
 * image with the chart's description, source excerpts keep `->` whole, and the byte table
 * accounts for every byte of a page.
 */
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { pageBytes } from '../../bench/page-bytes.ts';
import { highlightLines } from '../../src/components/highlight.ts';
import { compactToc } from '../../src/components/overrides/compact-toc.ts';
import { plotImagePath, splitPlotImage } from '../../src/components/plot-render.ts';
import { SUMMARY_STEPS, staticTraceText, WHOLE_TEXT_MAX } from '../../src/components/trace-summary.ts';
import { traceMeta } from '../../src/live/meta.ts';
import { traceText } from '../../src/live/trace-text.ts';
import { check } from '../../src/spec/engine/index.ts';
import { requests } from '../../src/spec/models/requests/model.ts';
import { sb } from '../../src/spec/models/sb/model.ts';

describe('the static counterexample', () => {
  it('is the whole text when it is short', () => {
    const r = check(sb, { variant: 'unfenced', memoryModel: 'tso' });
    const trace = r.counterexample;
    if (!trace) throw new Error('no counterexample');
    const whole = traceText(trace, traceMeta(sb, 'unfenced', {}), { property: r.violation?.property });
    expect(whole.length).toBeLessThanOrEqual(WHOLE_TEXT_MAX);
    expect(staticTraceText(trace, whole)).toEqual({ text: whole, whole: true });
  });

  it('is a summary of a long one: its title, its last steps with their CPU, and what breaks', () => {
    const r = check(requests, { variant: 'no-vcpu-barrier', memoryModel: 'tso' });
    const trace = r.counterexample;
    if (!trace) throw new Error('no counterexample');
    const whole = traceText(trace, traceMeta(requests, 'no-vcpu-barrier', {}), {
      property: r.violation?.property,
      description: r.violation?.description,
    });
    expect(whole.length).toBeGreaterThan(WHOLE_TEXT_MAX);
    const s = staticTraceText(trace, whole);
    expect(s.whole).toBe(false);
    expect(s.text.length).toBeLessThan(whole.length / 2);
    const n = trace.steps.length;
    expect(s.text.split('\n')[0]).toBe(whole.split('\n')[0]);
    expect(s.text).toContain(`steps 1-${n - SUMMARY_STEPS}: in the whole text`);
    for (let i = n - SUMMARY_STEPS; i < n; i++) {
      const step = trace.steps[i] as (typeof trace.steps)[number];
      expect(s.text).toMatch(
        new RegExp(`\\n\\s*${i + 1}  CPU \\d  - [^\\n]*${step.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
    }
    expect(s.text).not.toContain(` ${n - SUMMARY_STEPS}  CPU`);
    expect(s.text).toContain(`After step ${n}: ${r.violation?.property} is violated`);
    expect(s.text).toContain('Still in store buffers');
    expect(s.text).not.toContain('Replay:');
  });
});

describe('a plot chart as an image', () => {
  const html =
    '<figure><div class="legend"><svg aria-hidden="true" width="15" height="15"><rect /></svg>one</div>' +
    '<svg role="img" aria-label="Rate against runs" aria-description="seed 1: half" width="640" height="300" viewBox="0 0 640 300">' +
    '<text>0.5&nbsp;</text></svg></figure>';

  it('replaces the described chart by an image of its size with its description, and keeps the legend', () => {
    const split = splitPlotImage(html, '/base/kvm-plots/x.svg');
    const { document } = parseHTML(`<!doctype html><html><body>${split.html}</body></html>`);
    const img = document.querySelector('img');
    expect(img?.getAttribute('src')).toBe('/base/kvm-plots/x.svg');
    expect([img?.getAttribute('width'), img?.getAttribute('height')]).toEqual(['640', '300']);
    expect(img?.getAttribute('alt')).toBe('Rate against runs. seed 1: half');
    expect(document.querySelectorAll('svg')).toHaveLength(1);
    expect(document.querySelector('.legend')?.textContent).toBe('one');
    expect(split.image).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*><style data-kvm-image-theme/);
    expect(split.image).not.toContain('&nbsp;');
  });

  it('leaves a plot without a described chart alone, and names files by plot and values', () => {
    expect(splitPlotImage('<svg width="1" height="1"></svg>', 'x.svg')).toEqual({
      html: '<svg width="1" height="1"></svg>',
    });
    expect(plotImagePath('sb-outcome-rate', {})).toBe('kvm-plots/sb-outcome-rate.svg');
    expect(plotImagePath('sb-outcome-rate', { runs: '200' })).toBe('kvm-plots/sb-outcome-rate.runs=200.svg');
  });
});

describe('source excerpts', () => {
  it('keep a C arrow whole and classify tokens', () => {
    const [line] = highlightLines('const x = f(1); // READ_ONCE(vcpu->requests)');
    expect(line).toContain('vcpu<t-a>-&#62;</t-a>requests');
    expect(line).toMatch(/^<t-k>const<\/t-k> x = <t-f>f<\/t-f>\(<t-n>1<\/t-n>\); <t-c>/);
  });
});

describe('the byte table', () => {
  it('gives every byte of a page to one part', () => {
    const html =
      '<!doctype html><html><head><title>t</title></head><body><header class="header">h</header><main><p>prose</p>' +
      '<section data-kvm-live="a"><script type="application/json" data-kvm-config>{}</script><div data-kvm-verdict>v</div></section>' +
      '<figure data-kvm-source="f.ts"><pre>é</pre></figure></main></body></html>';
    const r = pageBytes(html);
    expect(r.total).toBe(Buffer.byteLength(html));
    expect(r.parts.reduce((a, p) => a + p.bytes, 0)).toBe(r.total);
    const part = (name: RegExp) => r.parts.find((p) => name.test(p.part))?.bytes;
    expect(part(/config JSON/)).toBe(Buffer.byteLength('<script type="application/json" data-kvm-config>{}</script>'));
    expect(part(/ModelSource/)).toBe(Buffer.byteLength('<figure data-kvm-source="f.ts"><pre>é</pre></figure>'));
  });
});

describe('the compact table of contents', () => {
  it('keeps the lists’ depth and the links’ class, and drops what every entry repeated', () => {
    const toc =
      '<ul class="astro-jugkfwgx" style="--depth: 0;"><li style="--depth: 0;" class="astro-jugkfwgx">' +
      '<a href="#a" style="--depth: 0;" class="astro-jugkfwgx"><span style="--depth: 0;" class="astro-jugkfwgx">A</span></a>' +
      '<ul class="astro-jugkfwgx" style="--depth: 1;"><li style="--depth: 1;" class="astro-jugkfwgx">' +
      '<a href="#b" style="--depth: 1;" class="astro-jugkfwgx"><span style="--depth: 1;" class="astro-jugkfwgx">B</span></a>' +
      '</li></ul></li></ul><span class="display-current astro-66cqc7ze"></span>';
    expect(compactToc(toc)).toBe(
      '<ul class="astro-jugkfwgx" style="--depth: 0;"><li><a href="#a" class="astro-jugkfwgx"><span>A</span></a>' +
        '<ul class="astro-jugkfwgx" style="--depth: 1;"><li><a href="#b" class="astro-jugkfwgx"><span>B</span></a>' +
        '</li></ul></li></ul><span class="display-current astro-66cqc7ze"></span>',
    );
  });
});
