/**
 * Renders a plot at build time: runs its measurement in Node and draws the Plot spec to static
 * SVG with linkedom standing in for the browser's document. Used by <ModelPlot> and the tests.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { tidyPlot } from '../live/plot-dom.ts';
import { checkControls, defaults } from '../plots/controls.ts';
import { findPlot } from '../plots/index.ts';
import type { ControlValues } from '../plots/types.ts';
import { check, simulate } from '../spec/engine/index.ts';
import { findModel } from '../spec/models/index.ts';
import { buildCheck } from './build-cache.ts';

export interface RenderedPlot {
  readonly values: ControlValues;
  readonly data: unknown;
  readonly svg: string;
  readonly summary: string;
}

export function renderPlot(name: string, given: Readonly<Record<string, string | number>> = {}): RenderedPlot {
  const def = findPlot(name);
  const model = findModel(def.model);
  const checked = checkControls(
    def.controls,
    { ...defaults(def.controls), ...given },
    model.variants.map((v) => v.name),
  );
  if (!checked.ok) throw new RangeError(`plot ${name}: ${Object.values(checked.errors).join(' ')}`);
  const data = def.measure((opts) => simulate(model, opts), checked.values, { model, check, simulate });
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const el = Plot.plot({ ...def.spec(Plot, data, checked.values), document: document as unknown as Document });
  tidyPlot(el);
  return { values: checked.values, data, svg: compactSvg(el.outerHTML), summary: def.summary(data, checked.values) };
}

/** Geometry attributes of Plot's SVG, whose numbers carry floating-point noise (101.00000000000001). */
const GEOMETRY = /\b(d|transform|points|x|y|x1|x2|y1|y2|cx|cy|r|width|height)="([^"]*)"/g;

/**
 * The static SVG with its coordinates rounded to hundredths of a pixel (nothing a screen can
 * show), which takes a fifth off a chapter's plots; text and labels are left alone.
 */
export function compactSvg(svg: string): string {
  return svg.replace(
    GEOMETRY,
    (_all, name: string, value: string) =>
      `${name}="${value.replace(/-?\d+\.\d{3,}/g, (n) => String(Math.round(Number(n) * 100) / 100))}"`,
  );
}

/** Parses a <ModelPlot values="name=value,…"> attribute. */
export function parsePlotValues(values: string | undefined): Record<string, string> {
  const given: Record<string, string> = {};
  for (const part of (values ?? '').split(',').filter((p) => p.trim())) {
    const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*([^\s,]+)\s*$/.exec(part);
    if (!m) throw new Error(`malformed value "${part}" (expected name=value)`);
    given[m[1] as string] = m[2] as string;
  }
  return given;
}

/** A plot measured and drawn once per build (build-cache.ts), for the page and its image file. */
export function builtPlot(plot: string, given: Readonly<Record<string, string>>): RenderedPlot {
  return buildCheck(`plot:${plot}:${JSON.stringify(given)}`, () => renderPlot(plot, given));
}

/**
 * Where a plot's chart is served as an SVG file, relative to the site's root:
 * `kvm-plots/<plot>[.<name>=<value>…].svg`.
 */
export function plotImagePath(plot: string, given: Readonly<Record<string, string>>): string {
  const values = Object.entries(given).map(([k, v]) => `.${k}=${v}`);
  return `kvm-plots/${plot}${values.join('')}.svg`;
}

/**
 * The text colour of the chart's axes and labels (Plot draws them in currentColor) when it is
 * shown as an image, which inherits nothing from the page: the site's --sl-color-gray-1 in the
 * light and the dark theme. Without JavaScript the site's theme follows the system's, as this
 * does; with it, the client puts the chart inline, where it follows the page.
 */
const IMAGE_THEME =
  '<style data-kvm-image-theme="">svg{color:#272a33}@media (prefers-color-scheme:dark){svg{color:#eceef2}}</style>';

/**
 * Splits a rendered plot into the page's part and the chart as a file of its own: the main
 * <svg> (the one described by an aria-label) becomes an <img> of the same size, with that
 * description as its text alternative, and the legend stays in the page. The chart's markup
 * was most of a plot's weight (a chapter's four plots were 30 KB of its HTML); the image loads
 * without JavaScript all the same.
 */
export function splitPlotImage(html: string, src: string): { html: string; image?: string } {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  const svg = document.querySelector('svg[aria-label]');
  const width = svg?.getAttribute('width');
  const height = svg?.getAttribute('height');
  if (!svg || !width || !height) return { html };
  const label = svg.getAttribute('aria-label') ?? '';
  const description = svg.getAttribute('aria-description');
  svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const image = svg.outerHTML.replace(/&nbsp;/g, '&#160;').replace(/^(<svg\b[^>]*>)/, `$1${IMAGE_THEME}`);
  const img = document.createElement('img');
  img.setAttribute('src', src);
  img.setAttribute('width', width);
  img.setAttribute('height', height);
  img.setAttribute('alt', description ? `${label}. ${description}` : label);
  img.setAttribute('loading', 'lazy');
  img.setAttribute('decoding', 'async');
  img.setAttribute('data-kvm-plot-img', '');
  svg.replaceWith(img);
  return { html: document.body.innerHTML, image };
}
