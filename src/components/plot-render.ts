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
