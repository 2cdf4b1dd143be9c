/**
 * The chapters' plots as the build measured and drew them (<ModelPlot>, and the chart files of
 * src/pages/kvm-plots/): every chart is an SVG file, every figure says on its page what was
 * measured, and the first plot of each chapter, measured and drawn again here, comes out as
 * built: in each chapter, a seeded simulation gives the same data for the same settings, in
 * another process too. test/content-checks.test.ts checks the tags themselves without
 * measuring (the build measures each plot once per `npm test`). It needs no browser; it lives
 * in the browser project because it needs dist/.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Embed } from '../../src/components/embeds.ts';
import { parsePlotValues, plotImagePath, renderPlot, splitPlotImage } from '../../src/components/plot-render.ts';
import { EMBEDS } from '../support/chapter-claims.ts';
import { DIST_DIR, requireDist } from '../support/dist.ts';

const plots = EMBEDS.filter((e) => e.component === 'ModelPlot');
const firstOfChapter = new Set(plots.filter((e, i) => plots.findIndex((p) => p.file === e.file) === i));
const where = (e: Embed) => `${e.file}:${e.line}`;

interface BuiltPlot {
  readonly plot: string;
  readonly given: Record<string, string>;
  /** Where the chart file is, relative to the site's root (and to dist/). */
  readonly imagePath: string;
  /** The chart file as built. */
  readonly image: string;
  /** The text after "Measured at build time: " in the plot's figure on its chapter's page. */
  readonly summary: string;
}

/** The built page of a chapter: content/tsc.mdx is tsc/index.html, content/index.mdx index.html. */
const pageOf = (file: string): string => {
  const name = file.replace(/^content\//, '').replace(/\.mdx?$/, '');
  return name === 'index' ? 'index.html' : `${name.replace(/\/index$/, '')}/index.html`;
};

/** Astro's escaping of text, undone. */
const unescapeText = (html: string): string =>
  html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');

function built(e: Embed): BuiltPlot {
  requireDist();
  const plot = String(e.attrs.plot);
  const values = e.attrs.values;
  const given = parsePlotValues(typeof values === 'string' ? values : undefined);
  const imagePath = plotImagePath(plot, given);
  const image = readFileSync(`${DIST_DIR}${imagePath}`, 'utf8');
  const html = readFileSync(`${DIST_DIR}${pageOf(e.file)}`, 'utf8');
  const at = html.indexOf(`data-kvm-plot="${plot}"`);
  expect(at, `${pageOf(e.file)} has the figure of ${plot}`).toBeGreaterThanOrEqual(0);
  const status = /data-kvm-status[^>]*>Measured at build time: ([^<]*)</.exec(html.slice(at));
  return { plot, given, imagePath, image, summary: unescapeText(status?.[1] ?? '') };
}

describe('the chapters’ plots, as built', () => {
  it('are found (guards against a parser that finds nothing)', () => {
    expect(plots.length).toBeGreaterThan(0);
    expect(firstOfChapter.size).toBeGreaterThan(1);
  });

  it.each(plots.map((e) => [where(e), e] as const))('%s: a chart file, and a summary on its page', (_, e) => {
    const b = built(e);
    expect(b.image).toMatch(/^<svg[\s>]/);
    expect(b.image).toContain('role="img"');
    expect(b.summary.trim()).not.toBe('');
  });

  it.each([...firstOfChapter].map((e) => [where(e), e] as const))(
    '%s: measured and drawn again, it comes out as built',
    (_, e) => {
      const b = built(e);
      const again = renderPlot(b.plot, b.given);
      expect(splitPlotImage(again.svg, b.imagePath).image).toBe(b.image);
      expect(again.summary).toBe(b.summary);
    },
  );
});
