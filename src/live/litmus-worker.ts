/**
 * The worker's side of the Litmus page: parse the reader's text (never evaluated: the parser
 * builds a syntax tree that compile.ts interprets), check it under each memory model, and find
 * a witness execution for each model under which the condition's state is reachable.
 */
import { MEMORY_MODELS } from '../spec/engine/model.ts';
import { litmusWitness } from '../spec/litmus/compile.ts';
import { judgeLitmus, loadLitmus } from '../spec/litmus/judge.ts';
import { LitmusError } from '../spec/litmus/parse.ts';
import type { LitmusPageOutcome, LitmusPageResult } from './litmus-types.ts';

/** Longest test text accepted from a page (the corpus's longest is under 1 KB). */
export const MAX_LITMUS_CHARS = 20_000;

export function checkLitmusText(source: string, maxStates: number): LitmusPageOutcome {
  if (source.length > MAX_LITMUS_CHARS) {
    return { ok: false, line: 1, col: 1, message: `the test is longer than ${MAX_LITMUS_CHARS} characters` };
  }
  try {
    const test = loadLitmus(source, 'litmus');
    const judged = judgeLitmus(test, MEMORY_MODELS, { maxStates });
    const results = judged.results.map((r): LitmusPageResult => {
      const witness = r.positive > 0 && !r.problem ? litmusWitness(test, r.memoryModel, { maxStates }) : undefined;
      return {
        memoryModel: r.memoryModel,
        ...(r.observation === undefined ? {} : { observation: r.observation }),
        positive: r.positive,
        total: r.total,
        dataRace: r.dataRace,
        ...(r.stated === undefined ? {} : { stated: r.stated }),
        agrees: r.agrees,
        states: r.states,
        ms: r.ms,
        finalStates: r.finalStates,
        ...(r.problem ? { problem: `${r.problem.kind}: ${r.problem.message}` } : {}),
        ...(witness ? { witness } : {}),
      };
    });
    return { ok: true, name: test.ast.name, condition: `${test.ast.quantifier} ${test.ast.conditionText}`, results };
  } catch (e) {
    if (e instanceof LitmusError) return { ok: false, line: e.pos.line, col: e.pos.col, message: e.detail };
    throw e;
  }
}
