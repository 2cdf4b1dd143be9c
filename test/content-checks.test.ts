/**
 * The suite is the chapters: every <LiveCheck>, <ModelPlot> and <ModelSource> embedded in
 * content/**\/*.mdx is found here. A LiveCheck must state the verdict it shows
 * (`expect="holds"` or `expect="violated"`), and that claim must be what the variant declares;
 * that the checker finds it too (with the recorded state count) is checked by the build, which
 * runs every LiveCheck's search once (src/components/live-check-build.ts) and fails otherwise,
 * so a chapter cannot claim what `npm test` does not verify. Plots must name a plot and settings
 * it accepts (the build measures and draws them; test/browser/plots-built.test.ts checks what it
 * drew); source excerpts must resolve.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Embed } from '../src/components/embeds.ts';
import { parsePlotValues } from '../src/components/plot-render.ts';
import { modelInfo } from '../src/live/meta.ts';
import { extractRegion } from '../src/live/source.ts';
import { checkBudget, checkMemoryModel, checkVariant, DEFAULT_BUDGET, parseParams } from '../src/live/validate.ts';
import { checkControls, defaults } from '../src/plots/controls.ts';
import { findPlot } from '../src/plots/index.ts';
import { findModel } from '../src/spec/models/index.ts';
import { EMBEDS, ROOT } from './support/chapter-claims.ts';

const embeds = EMBEDS;
const where = (e: Embed) => `${e.file}:${e.line} <${e.component}>`;
const str = (e: Embed, name: string): string | undefined => {
  const v = e.attrs[name];
  return typeof v === 'string' ? v : undefined;
};
const of = (name: Embed['component']) => embeds.filter((e) => e.component === name).map((e) => [where(e), e] as const);

describe('embedded live components in content/', () => {
  it('finds the playground’s examples (guards against a parser that finds nothing)', () => {
    const inPlayground = embeds.filter((e) => e.file === 'content/playground.mdx').map((e) => e.component);
    expect(inPlayground).toEqual(expect.arrayContaining(['LiveCheck', 'ModelPlot', 'ModelSource']));
  });

  it('uses components only in .mdx files, as self-closing tags with literal attributes', () => {
    const problems = embeds.flatMap((e) => [
      ...(e.file.endsWith('.mdx') ? [] : [`${where(e)}: components only work in .mdx files`]),
      ...e.problems.map((p) => `${where(e)}: ${p}`),
    ]);
    expect(problems).toEqual([]);
  });

  it.each(of('LiveCheck'))('%s: the chapter’s verdict is the checker’s and the variant’s', (_, e) => {
    const allowed = ['model', 'variant', 'memoryModel', 'expect', 'params', 'budget', 'id'];
    expect(
      Object.keys(e.attrs).filter((k) => !allowed.includes(k)),
      'unknown attributes',
    ).toEqual([]);
    const claim = str(e, 'expect');
    expect(claim, 'expect="holds" or expect="violated" is required').toMatch(/^(holds|violated)$/);
    const model = findModel(str(e, 'model') ?? '');
    const info = modelInfo(model);
    const variant = checkVariant(info, str(e, 'variant') ?? '');
    const mm = checkMemoryModel(info, str(e, 'memoryModel') ?? model.defaultMemoryModel);
    const params = parseParams(info, str(e, 'params'));
    const budget = checkBudget(str(e, 'budget') ?? String(DEFAULT_BUDGET));
    if (!variant.ok || !mm.ok || !params.ok || !budget.ok) {
      throw new Error([variant, mm, params, budget].map((r) => (r.ok ? '' : r.message)).join(' '));
    }
    const spec = model.variants.find((v) => v.name === variant.value);
    const declared = spec?.expect[mm.value];
    expect(declared, `variant ${variant.value} declares an expectation for ${mm.value}`).toBeDefined();
    expect(declared?.verdict, 'what the variant declares').toBe(claim);
    // The search itself runs once per `npm test`, in the build, which renders this tag with the
    // same attributes (src/components/live-check-build.ts) and fails unless the checker finds
    // the claimed verdict, the declared property, the recorded state count (at the model's own
    // parameters) and, for a violation, a counterexample. The golden cases among them are also
    // checked, with more, by golden.test.ts in the unit run.
  });

  // Measured and drawn once per `npm test`, by the build: <ModelPlot> and the chart files
  // (src/pages/kvm-plots/) render every tag here with plot-render.ts, and the build fails if
  // measuring or drawing throws. test/browser/plots-built.test.ts checks what it drew (every
  // chart an SVG file, every summary on its page) and measures the first plot of each chapter
  // again, which must come out as built. Here, what can be told without measuring: the tag
  // names a plot of an existing model, with settings its controls accept. (Measuring here too
  // was 26.8 s of CPU for this file, 2026-12-03, load average 13: every plot once, the first of
  // each chapter twice, all of it again in the build.)
  it.each(of('ModelPlot'))('%s: names a plot, with settings its controls accept', (_, e) => {
    expect(
      Object.keys(e.attrs).filter((k) => !['plot', 'values'].includes(k)),
      'unknown attributes',
    ).toEqual([]);
    const def = findPlot(str(e, 'plot') ?? '');
    // parsePlotValues is what the build reads the attribute with; it throws on a malformed one.
    const given = parsePlotValues(str(e, 'values'));
    const model = findModel(def.model);
    expect(model.name).toBe(def.model);
    const checked = checkControls(
      def.controls,
      { ...defaults(def.controls), ...given },
      model.variants.map((v) => v.name),
    );
    expect(checked.ok ? {} : checked.errors, 'settings the plot’s controls reject').toEqual({});
    // Every setting names one of the plot's controls (else it would be silently ignored).
    expect(Object.keys(given).filter((k) => !def.controls.some((c) => c.name === k))).toEqual([]);
  });

  it.each(of('ModelSource'))('%s: the excerpt resolves', (_, e) => {
    const allowed = ['model', 'file', 'region', 'mark', 'maxHeight'];
    expect(Object.keys(e.attrs).filter((k) => !allowed.includes(k))).toEqual([]);
    const model = findModel(str(e, 'model') ?? '');
    const file = str(e, 'file') ?? model.source;
    // Another file must be one of the model's own, in the folder of its main source.
    const folder = model.source.slice(0, model.source.lastIndexOf('/') + 1);
    expect(file.startsWith(folder) && !file.slice(folder.length).includes('/'), `${file} is in ${folder}`).toBe(true);
    const excerpt = extractRegion(readFileSync(`${ROOT}${file}`, 'utf8'), file, str(e, 'region'));
    const mark = e.attrs.mark;
    for (const line of Array.isArray(mark) ? mark : []) {
      expect(line).toBeGreaterThanOrEqual(excerpt.startLine);
      expect(line).toBeLessThanOrEqual(excerpt.endLine);
    }
  });
});
