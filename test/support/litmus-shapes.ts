/**
 * Litmus shapes written inline by the LKMM family tests (test/engine/lkmm-*.test.ts): each shape
 * states LKMM's answer; the axioms must give it, and the operational relaxed model the same
 * outcome and the same final states, with and without partial-order reduction.
 */
import { expect } from 'vitest';
import { checkAxiomatic } from '../../src/spec/litmus/axiomatic/check.ts';
import { checkLitmus } from '../../src/spec/litmus/compile.ts';
import { loadLitmus } from '../../src/spec/litmus/judge.ts';

export interface LitmusShape {
  readonly name: string;
  readonly lkmm: 'Never' | 'Sometimes' | 'Always';
  /** Why, from linux-kernel.cat. */
  readonly why: string;
  /** Thread bodies; registers r0..r9 and i are declared from their uses. */
  readonly threads: readonly string[];
  readonly exists: string;
  readonly init?: string;
}

/** The shape as a C litmus test whose threads take `params`. */
export function shapeSource(s: LitmusShape, params: string): string {
  const threads = s.threads.map((body, i) => {
    const regs = [...new Set(body.match(/\b(r[0-9]|i)\b/g) ?? [])].map((r) => `int ${r}; `).join('');
    return `P${i}(${params}) { ${regs}${body} }`;
  });
  return `C ${s.name}\n\n{ ${s.init ?? ''} }\n\n${threads.join('\n')}\n\nexists (${s.exists})\n`;
}

/** Final states as comparable strings (values, and whether the exists clause holds there). */
export const finalStatesKey = (
  states: readonly { values: Readonly<Record<string, string>>; satisfies: boolean }[],
): string[] => states.map((st) => `${JSON.stringify(st.values)}${st.satisfies ? ' *' : ''}`).sort();

/** LKMM's answer from the axioms, and the same outcome and final states from the relaxed model. */
export function expectLkmmAnswer(shape: LitmusShape, params: string, opts: { race?: boolean } = {}): void {
  const test = loadLitmus(shapeSource(shape, params), `${shape.name}.litmus`);
  const ax = checkAxiomatic(test);
  expect(ax.observation, `axioms (${shape.why})`).toBe(shape.lkmm);
  for (const reduction of [true, false]) {
    const op = checkLitmus(test, 'relaxed', { reduction });
    expect(op.problem).toBeUndefined();
    expect(op.observation, `relaxed, reduction ${reduction} (${shape.why})`).toBe(shape.lkmm);
    expect(finalStatesKey(op.finalStates), 'relaxed final states = the axioms').toEqual(finalStatesKey(ax.finalStates));
    if (opts.race) expect(op.dataRace ?? false, 'data-race flag').toBe(ax.dataRace ?? false);
  }
}
