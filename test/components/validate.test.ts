import { describe, expect, it } from 'vitest';
import { modelInfo } from '../../src/live/meta.ts';
import {
  checkBudget,
  checkMemoryModel,
  checkVariant,
  MAX_BUDGET,
  parseParams,
  parseWhole,
} from '../../src/live/validate.ts';
import { checkControls } from '../../src/plots/controls.ts';
import { findPlot } from '../../src/plots/index.ts';
import { sb } from '../../src/spec/models/sb/model.ts';

const info = modelInfo(sb);

describe('validation of what a reader sets', () => {
  it('accepts whole numbers only', () => {
    expect(parseWhole('1,000,000')).toBe(1_000_000);
    expect(parseWhole(' 42 ')).toBe(42);
    for (const bad of ['', '-1', '1e6', '0x10', '1.5', 'NaN', 'Infinity', '12345678901']) {
      expect(parseWhole(bad), bad).toBeUndefined();
    }
  });

  it('checks budgets, variants, memory models and parameters with readable messages', () => {
    expect(checkBudget('1000')).toEqual({ ok: true, value: 1000 });
    expect(checkBudget('0')).toMatchObject({ ok: false, message: /at least 1/ });
    expect(checkBudget(String(MAX_BUDGET + 1))).toMatchObject({ ok: false, message: /at most/ });
    expect(checkBudget('lots')).toMatchObject({ ok: false, message: /whole number/ });
    expect(checkVariant(info, 'unfenced').ok).toBe(true);
    expect(checkVariant(info, 'nope')).toMatchObject({ ok: false, message: /no variant/ });
    expect(checkMemoryModel(info, 'relaxed').ok).toBe(true);
    expect(checkMemoryModel(info, 'arm')).toMatchObject({ ok: false, message: /sc, tso, relaxed/ });
    expect(parseParams(info, '')).toEqual({ ok: true, value: {} });
    expect(parseParams(info, 'vcpus=2')).toMatchObject({ ok: false, message: /no parameter vcpus/ });
  });

  it('checks plot controls against their ranges and the model’s variants', () => {
    const plot = findPlot('sb-outcome-rate');
    const variants = sb.variants.map((v) => v.name);
    expect(checkControls(plot.controls, {}, variants)).toEqual({
      ok: true,
      values: { variant: 'unfenced', runs: 1000, seed: 1 },
    });
    const bad = checkControls(plot.controls, { variant: 'x', runs: '99999', seed: '-3', extra: '1' }, variants);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(Object.keys(bad.errors).sort()).toEqual(['extra', 'runs', 'seed', 'variant']);
    expect(checkControls(plot.controls, { runs: '150' }, variants)).toMatchObject({
      ok: false,
      errors: { runs: /multiple of 100/ },
    });
  });
});
