/**
 * Plots draw inside their frame: a mark far outside the viewBox is a scale mistake (Plot's
 * `percent: true` with a [0, 1] domain put the requests-stress and nohz-rcu-unwatched curves
 * tens of thousands of pixels above the chart, an empty frame on the page). Small runs: the
 * shape of the scales, not the figures, is what this checks.
 */
import { describe, expect, it } from 'vitest';
import { compactSvg, renderPlot } from '../../src/components/plot-render.ts';

/** The largest coordinate of any geometry attribute, against the main SVG's viewBox size. */
function frameOf(svg: string): { size: number; furthest: number } {
  const box = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
  if (!box) throw new Error('no viewBox');
  const size = Math.max(Number(box[1]), Number(box[2]));
  let furthest = 0;
  for (const m of svg.matchAll(/\b(?:d|transform|x|y|x1|x2|y1|y2|cx|cy)="([^"]*)"/g)) {
    for (const n of (m[1] as string).match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/g) ?? []) {
      furthest = Math.max(furthest, Math.abs(Number(n)));
    }
  }
  return { size, furthest };
}

describe('plots stay in their frame', () => {
  it.each([
    ['requests-stress', { runs: '1000' }],
    ['nohz-rcu-unwatched', { runs: '50' }],
  ] as const)('%s', (name, values) => {
    const { svg } = renderPlot(name, values);
    const { size, furthest } = frameOf(svg);
    expect(furthest).toBeLessThanOrEqual(size);
  });

  it('the frame check catches a mark outside the frame', () => {
    expect(frameOf('<svg viewBox="0 0 680 320"><path d="M40,276.5L76.9,-26710"/></svg>').furthest).toBe(26710);
  });
});

describe('compactSvg', () => {
  it('rounds geometry to hundredths and leaves text alone', () => {
    const svg =
      '<svg viewBox="0 0 10 10"><line y1="101.00000000000001" x2="-3.14159"/>' +
      '<path d="M40,276.5L76.977,249.5213" transform="translate(504.99999999999994,290)"/>' +
      '<text x="1.23456">0.480% of 3.14159</text></svg>';
    expect(compactSvg(svg)).toBe(
      '<svg viewBox="0 0 10 10"><line y1="101" x2="-3.14"/>' +
        '<path d="M40,276.5L76.98,249.52" transform="translate(505,290)"/>' +
        '<text x="1.23">0.480% of 3.14159</text></svg>',
    );
  });
});
