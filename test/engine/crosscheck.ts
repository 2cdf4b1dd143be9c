/**
 * The cross-checks that crosscheck.test.ts runs on random programs, and that
 * crosscheck-regressions.test.ts runs on the shrunk programs of failures: each takes a program
 * (programs.ts), asserts with Vitest's expect, and returns false when the program's state space
 * is past the budget (the caller skips it).
 */
import { expect } from 'vitest';
import {
  type AnyModel,
  type CheckRequest,
  type CheckResult,
  check,
  instantiate,
  Machine,
  type MemoryModelName,
  replayEncoded,
  simulate,
} from '../../src/spec/engine/index.ts';
import { buildModel, outcomeKey, type Program, type Property, stateKey } from './programs.ts';

/** Programs whose state space exceeds this are skipped (counted by fast-check as rejected). */
export const MAX_STATES = 200_000;
export const MODELS: readonly MemoryModelName[] = ['sc', 'tso', 'relaxed'];

function conclusive(r: CheckResult): boolean {
  return r.verdict !== 'inconclusive';
}

/**
 * Finals reached (deadlocked ones too) by a check with `req` (no reduction unless it asks), or
 * undefined past the budget.
 */
export function finalOutcomes(p: Program, req: CheckRequest): Set<string> | undefined {
  const seen = new Set<string>();
  const model = buildModel(p, { allowDeadlock: true, record: (s) => s.final && seen.add(outcomeKey(p, s)) });
  const r = check(model, { reduction: false, maxStates: MAX_STATES, ...req });
  return conclusive(r) ? seen : undefined;
}

/** Finals reached under `mm` (deadlocked ones too), or undefined past the budget. */
function outcomes(p: Program, mm: MemoryModelName, reduction = false): Set<string> | undefined {
  return finalOutcomes(p, { memoryModel: mm, reduction });
}

/**
 * Replays the counterexample of `r` through its permalink string and checks that the run ends
 * in a state that breaks the violated property.
 */
function expectReplayBreaks(model: AnyModel, r: CheckResult, mm: MemoryModelName): void {
  const v = r.violation;
  if (!v || v.kind === 'witness') return;
  const trace = r.counterexample;
  expect(trace, 'a safety violation comes with a counterexample').toBeDefined();
  if (!trace) return;
  const again = replayEncoded([model], trace.encoded);
  expect(again.steps.map((s) => [s.unit, s.choice])).toEqual(trace.steps.map((s) => [s.unit, s.choice]));
  // Walk the same path on a fresh machine and look at the last state.
  const { instance } = instantiate(model, 'v');
  const machine = new Machine(instance, mm);
  let s = machine.initial();
  for (const st of trace.steps) {
    let next: Int32Array | undefined;
    machine.unitSuccessors(s, s.length, st.unit, (_u, c, ns, len) => {
      if (c === st.choice && next === undefined) next = ns.slice(0, len);
    });
    expect(next, `step ${st.index} replays`).toBeDefined();
    s = next as Int32Array;
  }
  const view = machine.view();
  view.s = s;
  view.final = machine.successors(s, s.length, () => {}) === 0;
  if (v.kind === 'invariant') {
    const inv = instance.invariants.find((i) => i.name === v.property);
    expect(inv?.holds(view), `the replayed run breaks ${v.property}`).toBe(false);
  } else if (v.kind === 'deadlock') {
    expect(view.final, 'the replayed run ends with no step possible').toBe(true);
    expect(machine.allIdle(s), 'and some thread is neither done nor idle').toBe(false);
  } else if (v.kind === 'assertion') {
    expect(machine.failed(s)).toBeDefined();
  }
}

/**
 * `other` is `base` (the unreduced search) under a reduction: same verdict and violation, and
 * for a safety violation a counterexample of the same (shortest) length. Partial-order reduction
 * gets there by a second, unreduced search bounded by the length it found (explore.ts); the
 * budget here is far above what these programs need, so `notShortest` must not be set.
 */
export function compare(
  model: AnyModel,
  mm: MemoryModelName,
  base: CheckResult,
  other: CheckResult,
  what: string,
): void {
  expect(other.verdict, `${what}: same verdict under ${mm}`).toBe(base.verdict);
  // When several properties break at the same depth, either search may report any of them
  // (the order within a BFS level differs); both must be safety violations, or both witnesses.
  const safety = (r: CheckResult) => (r.violation ? r.violation.kind !== 'witness' : undefined);
  expect(safety(other), `${what}: same kind of violation under ${mm}`).toBe(safety(base));
  if (base.violation && base.violation.kind !== 'witness') {
    const shortest = base.counterexample?.steps.length ?? -1;
    const found = other.counterexample?.steps.length ?? -1;
    expect(found, `${what}: same shortest counterexample under ${mm}`).toBe(shortest);
    expect(other.notShortest, `${what}: the search for a shortest counterexample finished`).toBeUndefined();
  }
  // A search that stops at a violation may visit more states in another order; one that
  // completes visits at most the unreduced count.
  if (base.verdict === 'holds') expect(other.states, `${what}: reduces, never adds`).toBeLessThanOrEqual(base.states);
  expectReplayBreaks(model, base, mm);
  expectReplayBreaks(model, other, mm);
}

/** (a) and (c) for one program and property, under every memory model. */
export function checkReductions(p: Program, prop: Property): boolean {
  const model = buildModel(p, { property: prop });
  const canBlock = p.threads.some((t) => t.steps.some((s) => s.op === 'wait'));
  for (const mm of MODELS) {
    const full = check(model, { memoryModel: mm, reduction: false, symmetry: false, maxStates: MAX_STATES });
    if (!conclusive(full)) return false;
    if (!canBlock)
      expect(full.violation?.kind, `a program with no blocking step never deadlocks (${mm})`).not.toBe('deadlock');
    const por = check(model, { memoryModel: mm, reduction: true, symmetry: false, maxStates: MAX_STATES });
    compare(model, mm, full, por, 'partial-order reduction');
    if (p.symmetry) {
      const sym = check(model, { memoryModel: mm, reduction: false, symmetry: true, maxStates: MAX_STATES });
      // Symmetry reduction is not applied under relaxed memory (symmetry.ts), and says so.
      expect(sym.symmetry, 'the symmetry note').toMatch(mm === 'relaxed' ? /not applied under relaxed/ : /^members: /);
      compare(model, mm, full, sym, 'symmetry');
      const both = check(model, { memoryModel: mm, reduction: true, symmetry: true, maxStates: MAX_STATES });
      compare(model, mm, full, both, 'both reductions');
    }
  }
  return true;
}

/** (a) for outcomes: partial-order reduction keeps every final state. */
export function checkPorOutcomes(p: Program): boolean {
  for (const mm of MODELS) {
    const full = outcomes(p, mm, false);
    if (!full) return false;
    expect([...(outcomes(p, mm, true) ?? [])].sort(), `same final outcomes with POR under ${mm}`).toEqual(
      [...full].sort(),
    );
  }
  return true;
}

/**
 * (b): SC ⊆ TSO ⊆ relaxed in final outcomes, blocked ones included (a relaxed wait blocks once
 * it has read the newest value and that fails its condition; crosscheck-regressions.test.ts).
 */
export function checkInclusion(p: Program): boolean {
  const [sc, tso, relaxed] = MODELS.map((mm) => outcomes(p, mm, true));
  if (!sc || !tso || !relaxed) return false;
  expect(
    [...sc].filter((o) => !tso.has(o)),
    'SC outcomes that TSO misses',
  ).toEqual([]);
  expect(
    [...tso].filter((o) => !relaxed.has(o)),
    'TSO outcomes that relaxed misses',
  ).toEqual([]);
  return true;
}

/** (d): every state a seeded simulation visits, the explorer visits (as properties see states). */
export function checkSimulation(p: Program, seed: number, mm: MemoryModelName): boolean {
  let into = new Set<string>();
  const model = buildModel(p, { allowDeadlock: true, record: (s) => into.add(stateKey(p, s)) });
  const r = check(model, { memoryModel: mm, reduction: false, symmetry: false, maxStates: MAX_STATES });
  if (!conclusive(r)) return false;
  const explored = into;
  into = new Set<string>();
  simulate(model, { memoryModel: mm, seed, runs: 20, maxSteps: 200 });
  expect(
    [...into].filter((k) => !explored.has(k)),
    `states the simulator reached and the explorer did not (${mm})`,
  ).toEqual([]);
  return true;
}
