/**
 * The litmus corpus (src/spec/litmus/tests/*.litmus), judged as `kvmspec litmus` judges it:
 * every file states LKMM's result (`Result:`) and x86's and SC's (`Result (tso):`,
 * `Result (sc):`), and the engine must give them under relaxed, tso and sc, with and without
 * partial-order reduction (which must not change the set of final states either).
 *
 * Where the engine's answer today differs from LKMM's, the test is listed in
 * EXPECTED_DISAGREEMENTS with the class of wrong answer, not hidden: the suite fails when such a
 * test starts to agree (update the list) and when any other test disagrees.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MEMORY_MODELS, type MemoryModelName } from '../../src/spec/engine/model.ts';
import { checkLitmus } from '../../src/spec/litmus/compile.ts';
import { CORPUS, NOT_EXPRESSIBLE } from '../../src/spec/litmus/corpus.ts';
import { judgeLitmus, loadLitmus, statedResult } from '../../src/spec/litmus/judge.ts';

const DIR = fileURLToPath(new URL('../../src/spec/litmus/tests/', import.meta.url));
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.litmus'))
  .sort();

/**
 * Tests whose engine answer differs from the stated one today, per memory model, with the class
 * of wrong answer (issue 14). Keep in step with the engine: the suite fails in both directions.
 */
const EXPECTED_DISAGREEMENTS: Readonly<
  Record<string, { readonly memoryModel: MemoryModelName; readonly got: string; readonly why: string }>
> = {};

describe('litmus corpus files', () => {
  it('are the corpus the site shows, one test per file, named as the file', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(30);
    expect(CORPUS.map((t) => `${t.ast.name}.litmus`).sort()).toEqual(FILES);
    for (const f of FILES) expect(loadLitmus(readFileSync(`${DIR}${f}`, 'utf8'), f).ast.name).toBe(f.slice(0, -7));
  });

  it('state LKMM, x86 and SC results, and none is also listed as not expressible', () => {
    for (const t of CORPUS) {
      for (const mm of MEMORY_MODELS) expect(statedResult(t, mm), `${t.ast.name} ${mm}`).toBeDefined();
      expect(t.ast.comment.length, `${t.ast.name} explains itself`).toBeGreaterThan(20);
    }
    const names = new Set(CORPUS.map((t) => t.ast.name));
    for (const n of NOT_EXPRESSIBLE) {
      expect(names.has(n.name)).toBe(false);
      expect(n.reason.length).toBeGreaterThan(0);
    }
  });

  it('list only existing tests as expected disagreements', () => {
    for (const name of Object.keys(EXPECTED_DISAGREEMENTS)) expect(FILES).toContain(`${name}.litmus`);
  });

  describe.each(CORPUS.map((t) => [t.ast.name, t] as const))('%s', (name, test) => {
    for (const mm of MEMORY_MODELS) {
      const known = EXPECTED_DISAGREEMENTS[name];
      const disagrees = known?.memoryModel === mm;
      it(`${mm}: ${disagrees ? `${known.got} (known wrong: ${known.why})` : statedResult(test, mm)}`, () => {
        const reduced = judgeLitmus(test, [mm]).results[0] as ReturnType<typeof judgeLitmus>['results'][number];
        expect(reduced.problem, 'the engine answers').toBeUndefined();
        if (disagrees) {
          expect(reduced.agrees, `${name} now agrees under ${mm}: remove it from EXPECTED_DISAGREEMENTS`).toBe(false);
          expect(reduced.observation).toBe(known.got);
        } else {
          expect(reduced.observation).toBe(reduced.stated);
          expect(reduced.agrees).toBe(true);
        }
        const full = checkLitmus(test, mm, { reduction: false });
        expect(full.observation, 'without reduction').toBe(reduced.observation);
        expect(full.finalStates, 'the same final states without reduction').toEqual(reduced.finalStates);
        expect(reduced.states).toBeLessThanOrEqual(full.states);
      });
    }
  });
});
