/**
 * The litmus corpus (src/spec/litmus/corpus.ts): every test gives its documented outcome under
 * every memory model (relaxed must agree with the Linux-kernel memory model's `Result:` line),
 * and partial-order reduction never changes an outcome.
 */
import { describe, expect, it } from 'vitest';
import { CORPUS, NOT_MODELLED } from '../../src/spec/litmus/corpus.ts';
import { runLitmus } from '../../src/spec/litmus/litmus.ts';

const COLUMNS = [
  ['sc', 'sc'],
  ['tso', 'tso'],
  ['relaxed', 'lkmm'],
] as const;

describe('litmus corpus', () => {
  it('has unique names, and none also listed as not modelled', () => {
    const names = CORPUS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of NOT_MODELLED) expect(names).not.toContain(n.name);
    for (const n of NOT_MODELLED) expect(n.needs.length).toBeGreaterThan(0);
  });

  describe.each(CORPUS.map((t) => [t.name, t] as const))('%s', (_name, test) => {
    for (const [mm, key] of COLUMNS) {
      it(`${mm}: ${test.expected[key]} (with and without reduction)`, () => {
        const reduced = runLitmus(test, mm, true);
        const full = runLitmus(test, mm, false);
        expect(reduced.outcome, 'with partial-order reduction').toBe(test.expected[key]);
        expect(full.outcome, 'without reduction').toBe(test.expected[key]);
        expect(reduced.states).toBeLessThanOrEqual(full.states);
      });
    }
  });
});
