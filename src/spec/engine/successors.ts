/**
 * Exploring by hand: the transitions enabled after a prefix of a trace, each described as a
 * trace step would be and each with the encoded trace it makes, plus what the state at the end
 * of the prefix breaks (an assertion, an invariant, a deadlock). The trace viewer's explore
 * mode lists them (as Spectacle lets a TLA+ reader pick the next step), and every trace it
 * builds is an ordinary encoded trace: it replays, and its checksum is verified, like any other.
 *
 * Only the plain transition relation is used (no reduction, symmetry or quotient), exactly as
 * replay does, so every step the explorer could take is offered and each one replays.
 */
import { type AnyModel, replayEncoded } from './check.ts';
import type { Violation } from './explore.ts';
import { Machine, type StepInfo } from './machine.ts';
import { instantiate } from './model.ts';
import { checksum, encodeTrace, TraceError } from './trace.ts';

/** A transition enabled in a state, as a trace would show it, with the trace that takes it. */
export interface EnabledStep extends StepInfo {
  /** The trace's prefix followed by this step, encoded (replayable, with its checksum). */
  readonly encoded: string;
}

export interface Successors {
  /** How many steps of the trace the enabled steps follow (0: the initial state). */
  readonly at: number;
  /** The trace's first `at` steps, encoded: the trace a reader who stops here has made. */
  readonly prefix: string;
  /** Every enabled transition, in unit order (threads, then interrupts, then store buffers). */
  readonly steps: readonly EnabledStep[];
  /**
   * A safety property the state after the prefix breaks, checked as the explorer checks it:
   * a failed assertion, an invariant, or (in a model that must not deadlock) no step possible
   * while some thread is neither done nor idle.
   */
  readonly violation?: Violation;
}

/**
 * The steps enabled after the first `at` steps (default: all) of the encoded trace `text`,
 * which is replayed and verified first. Throws TraceError if it does not replay, or if `at`
 * is not a step of it.
 */
export function successorsOf(models: readonly AnyModel[], text: string, at?: number): Successors {
  const trace = replayEncoded(models, text);
  const upTo = at ?? trace.steps.length;
  if (!Number.isInteger(upTo) || upTo < 0 || upTo > trace.steps.length) {
    throw new TraceError(`step ${upTo} is not a step of this ${trace.steps.length}-step trace`);
  }
  const model = models.find((m) => m.name === trace.model) as AnyModel;
  const header = { model: trace.model, variant: trace.variant, memoryModel: trace.memoryModel, params: trace.params };
  const machine = new Machine(instantiate(model, trace.variant, trace.params).instance, trace.memoryModel);
  const taken = trace.steps.slice(0, upTo);
  const path = taken.map(({ unit, choice }) => ({ unit, choice }));
  let s = machine.initial();
  for (const { unit, choice } of path) {
    let next: Int32Array | undefined;
    machine.unitSuccessors(s, s.length, unit, (_u, c, st, len) => {
      if (c === choice && next === undefined) next = st.slice(0, len);
    });
    // The trace replayed a moment ago on a machine built the same way.
    if (next === undefined) throw new TraceError('the trace no longer replays');
    s = next;
  }
  const found: { unit: number; choice: number; next: Int32Array }[] = [];
  machine.successors(s, s.length, (unit, choice, st, len) => {
    // The same transition emitted twice would be the same step: replay takes the first.
    if (!found.some((f) => f.unit === unit && f.choice === choice))
      found.push({ unit, choice, next: st.slice(0, len) });
  });
  const steps = found.map(({ unit, choice, next }): EnabledStep => {
    const info = machine.describeStep(s, unit, choice, next);
    const all = [...taken, info];
    return { ...info, encoded: encodeTrace(header, { steps: [...path, { unit, choice }] }, checksum(all)) };
  });
  const violation = safetyViolation(machine, s, found.length === 0);
  const prefix = encodeTrace(header, { steps: path }, checksum(taken));
  return { at: upTo, prefix, steps, ...(violation ? { violation } : {}) };
}

/** What state `s` breaks, in the order the explorer checks: assertion, invariants, deadlock. */
function safetyViolation(machine: Machine, s: Int32Array, final: boolean): Violation | undefined {
  const failure = machine.failed(s);
  if (failure)
    return { kind: 'assertion', property: failure.message, description: `${failure.thread}: ${failure.message}` };
  const view = machine.view();
  view.s = s;
  view.final = final;
  for (const inv of machine.inst.invariants) {
    if (!inv.holds(view)) return { kind: 'invariant', property: inv.name, description: inv.description };
  }
  if (final && machine.inst.deadlockFree && !machine.allIdle(s)) {
    return {
      kind: 'deadlock',
      property: 'deadlock',
      description: `no step is possible; blocked: ${machine.blocked(s).join('; ')}`,
    };
  }
  return undefined;
}
