import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPlot } from '../../src/components/plot-render.ts';
import { defaults } from '../../src/plots/controls.ts';
import { PLOTS } from '../../src/plots/index.ts';
import { findModel } from '../../src/spec/models/index.ts';

describe('plots', () => {
  it.each(PLOTS.map((p) => [p.name, p] as const))(
    '%s lives in src/plots/<name>.ts (the page loads it by name)',
    async (name, def) => {
      const file = new URL(`../../src/plots/${name}.ts`, import.meta.url);
      expect(existsSync(file)).toBe(true);
      const mod = (await import(file.href)) as Record<string, unknown>;
      expect(Object.values(mod)).toContain(def);
      expect(() => findModel(def.model)).not.toThrow();
      for (const c of def.controls) expect(defaults(def.controls)[c.name]).toBe(c.default);
    },
  );

  it('sb-outcome-rate is measured: the SB outcome never happens under sc, does under tso and relaxed', () => {
    const r = renderPlot('sb-outcome-rate', { variant: 'unfenced', runs: '500', seed: '3' });
    const data = r.data as { totals: { memoryModel: string; outcomes: number; runs: number }[] };
    const rate = Object.fromEntries(data.totals.map((t) => [t.memoryModel, t.outcomes / t.runs]));
    expect(rate.sc).toBe(0);
    expect(rate.tso).toBeGreaterThan(0);
    expect(rate.relaxed).toBeGreaterThan(0);
    // The fenced variant never shows it, under any memory model.
    const fenced = renderPlot('sb-outcome-rate', { variant: 'fenced', runs: '500', seed: '3' }).data as typeof data;
    expect(fenced.totals.every((t) => t.outcomes === 0)).toBe(true);
    expect(r.svg).toContain('role="img"');
    expect(r.svg).not.toMatch(/<g[^>]*aria-label=/);
  });
});
