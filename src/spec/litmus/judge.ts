/**
 * What `kvmspec litmus` does with one test, shared by the CLI, the suite and the site: parse,
 * check under each memory model, and judge each answer against the result the test's header
 * comment states (`Result:` is LKMM's and judges the relaxed model; `Result (tso):` and
 * `Result (sc):` judge the other two).
 */
import { MEMORY_MODELS, type MemoryModelName } from '../engine/model.ts';
import { type CheckOptions, type CompiledLitmus, checkLitmus, compileLitmus, type LitmusCheck } from './compile.ts';
import { type Observation, parseLitmus } from './parse.ts';

export interface JudgedResult extends LitmusCheck {
  /** The result the test states for this memory model, if any. */
  readonly stated?: Observation;
  /** Relaxed only: whether the test states that LKMM flags a data race (`Flag:` line), if it does. */
  readonly statedRace?: boolean;
  /** False when a stated result differs from the engine's answer (or the engine gave none). */
  readonly agrees: boolean;
}

export interface Judgement {
  readonly test: CompiledLitmus;
  readonly results: readonly JudgedResult[];
}

/** The result a test states for a memory model: relaxed is judged against LKMM's `Result:`. */
export function statedResult(test: CompiledLitmus, memoryModel: MemoryModelName): Observation | undefined {
  const r = test.ast.results;
  return memoryModel === 'relaxed' ? r.lkmm : r[memoryModel];
}

/** Parses and compiles a test (throws LitmusError with line:col on bad or inexpressible input). */
export function loadLitmus(source: string, file?: string): CompiledLitmus {
  return compileLitmus(parseLitmus(source, file));
}

export function judgeLitmus(
  test: CompiledLitmus,
  memoryModels: readonly MemoryModelName[] = MEMORY_MODELS,
  opts: CheckOptions = {},
): Judgement {
  const results = memoryModels.map((mm): JudgedResult => {
    const r = checkLitmus(test, mm, opts);
    const stated = statedResult(test, mm);
    const statedRace = mm === 'relaxed' ? test.ast.results.dataRace : undefined;
    const raceAgrees = statedRace === undefined || (r.problem === undefined && r.dataRace === statedRace);
    const agrees = (stated === undefined ? r.problem === undefined : r.observation === stated) && raceAgrees;
    return {
      ...r,
      ...(stated === undefined ? {} : { stated }),
      ...(statedRace === undefined ? {} : { statedRace }),
      agrees,
    };
  });
  return { test, results };
}

/** herd's flag line for a check that found a data race, or undefined. */
export function flagLine(r: LitmusCheck): string | undefined {
  return r.dataRace ? 'Flag data-race' : undefined;
}

/** herd's one-line summary: `Observation NAME Sometimes 1/4`. */
export function observationLine(test: CompiledLitmus, r: LitmusCheck): string {
  if (r.observation === undefined) return `Observation ${test.ast.name} ?`;
  return `Observation ${test.ast.name} ${r.observation} ${r.positive}/${r.total}`;
}

/** A final state as herd prints it: `0:r0=0; 1:r0=1;`. */
export function stateLine(values: Readonly<Record<string, string>>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v};`)
    .join(' ');
}
