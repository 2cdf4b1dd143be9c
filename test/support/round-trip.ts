/**
 * A counterexample's string form replays to exactly the same trace: the assertion that
 * test/engine/trace.test.ts and test/engine/golden.test.ts (on the counterexamples it already
 * found, so that no search runs twice) make of every violated golden case.
 */
import { expect } from 'vitest';
import { type AnyModel, replayEncoded, type Trace } from '../../src/spec/engine/index.ts';

/** What a reader sees of a step (everything but the state snapshot). */
export const stepView = (t: Trace) =>
  t.steps.map((s) => ({
    index: s.index,
    unit: s.unit,
    choice: s.choice,
    actor: s.actor,
    cpu: s.cpu,
    kind: s.kind,
    text: s.text,
    result: s.result,
    site: s.site,
    target: s.target,
  }));

/** Replays `t` from its encoding among `models` and expects the same steps, states and encoding. */
export function expectRoundTrip(models: readonly AnyModel[], t: Trace): void {
  const again = replayEncoded(models, t.encoded);
  expect(stepView(again)).toEqual(stepView(t));
  expect(again.steps.map((s) => s.state)).toEqual(t.steps.map((s) => s.state));
  expect(again.initial).toEqual(t.initial);
  expect(again.encoded).toBe(t.encoded);
  expect(again.cycleStart).toBe(t.cycleStart);
}
