/**
 * Litmus tests written in model code: a few threads of kernel primitives, an `exists` clause on
 * the final state, and the result each memory model must give. For engine-level tests of single
 * primitives (test/engine/ordering.test.ts) that need no C text; the corpus itself is the
 * .litmus files in ./tests, read by parse.ts and compile.ts (see corpus.ts).
 */

import type { Op } from '../engine/actions.ts';
import { Exploration } from '../engine/explore.ts';
import { type MemoryModelName, ModelBuilder } from '../engine/model.ts';
import { type Ghost, ghost, type Loc } from '../engine/primitives.ts';

export type Outcome = 'Never' | 'Sometimes';

export type Registers = Record<string, number>;

export interface FinalState {
  /** Register `name` of thread `p` (as `1:r0` in herd's syntax). */
  r(p: number, name: string): number;
  /** Final value of a location. */
  mem(name: string): number;
}

export interface LitmusTest {
  /** The kernel test's file name, without .litmus. */
  readonly name: string;
  /** What the test shows, in one sentence. */
  readonly shows: string;
  readonly locations: readonly string[];
  readonly threads: readonly ((x: Readonly<Record<string, Loc>>, r: Registers) => Op)[];
  readonly exists: (f: FinalState) => boolean;
  /** Shown beside the code: the exists clause in herd's syntax. */
  readonly existsText: string;
  readonly expected: { readonly lkmm: Outcome; readonly tso: Outcome; readonly sc: Outcome };
}

const REGISTERS = ['r0', 'r1', 'r2', 'r3'] as const;

export interface LitmusResult {
  readonly outcome: Outcome;
  readonly states: number;
  readonly ms: number;
}

/** Runs a litmus test under one memory model: is the `exists` state reachable? */
export function runLitmus(test: LitmusTest, memoryModel: MemoryModelName, reduction = true): LitmusResult {
  const b = new ModelBuilder(test.threads.length);
  const locs: Record<string, Loc> = {};
  for (const name of test.locations) locs[name] = b.loc(name);
  const regs = test.threads.map((_, p) => REGISTERS.map((r) => b.ghost(`${p}:${r}`, -1)));
  test.threads.forEach((body, p) => {
    b.thread(`P${p}`, { cpu: p }, function* () {
      const r: Registers = {};
      yield* body(locs, r);
      for (const [i, name] of REGISTERS.entries()) {
        if (r[name] !== undefined) yield* ghost((regs[p] as Ghost[])[i] as Ghost, r[name]);
      }
    });
  });
  b.sometimes('exists', test.existsText, (s) => {
    if (!s.final) return false;
    return test.exists({
      r: (p, name) => s.ghost((regs[p] as Ghost[])[REGISTERS.indexOf(name as 'r0')] as Ghost),
      mem: (name) => s.mem(locs[name] as Loc),
    });
  });
  const result = new Exploration(b.build(), { memoryModel, reduction }).run();
  if (!result) throw new Error('unreachable: run() without a deadline completes');
  if (result.violation && result.violation.kind !== 'witness') {
    throw new Error(`litmus ${test.name}: unexpected ${result.violation.kind}: ${result.violation.description}`);
  }
  return { outcome: result.witnesses[0]?.reached ? 'Sometimes' : 'Never', states: result.states, ms: result.ms };
}
