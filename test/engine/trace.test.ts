/**
 * Counterexample traces: the string form replays to exactly the same steps; a damaged string,
 * or one made with an older version of the model, fails with a TraceError that says why.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnyModel,
  check,
  decodeTrace,
  defineModel,
  READ_ONCE,
  replayEncoded,
  type Trace,
  TraceError,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';
import { MODELS } from '../../src/spec/models/index.ts';
import { goldenChecks } from '../support/golden-budget.ts';
import { expectRoundTrip, stepView } from '../support/round-trip.ts';
import { fairness, kick, TEST_MODELS } from './models.ts';

const ALL: readonly AnyModel[] = [...MODELS, ...TEST_MODELS];

const view = stepView;

function counterexample(model: AnyModel, variant: string, memoryModel: 'sc' | 'tso' | 'relaxed' = 'sc'): Trace {
  const r = check(model, { variant, memoryModel });
  expect(r.verdict).toBe('violated');
  const t = r.counterexample;
  if (!t) throw new Error('no counterexample');
  return t;
}

/** Expects `fn` to throw a TraceError whose message matches `pattern`. */
function expectTraceError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'throws').toBeInstanceOf(TraceError);
  expect((caught as Error).message).toMatch(pattern);
}

/**
 * The unit run round-trips the counterexamples of cases recorded with at most this many states
 * (as golden.test.ts checks them); KVMSPEC_GOLDEN=full round-trips every one (the TSC model's
 * largest liveness violations under relaxed explore their whole graph first).
 */
const ROUND_TRIP_MAX_STATES = process.env.KVMSPEC_GOLDEN === 'full' ? Number.POSITIVE_INFINITY : 100_000;

describe('trace round trip', () => {
  // Every violated golden case: those this run of golden.test.ts checks are round-tripped there,
  // on the counterexample it has already found; the rest (beyond the unit run's budget) here.
  const violated = MODELS.flatMap((m) =>
    m.variants.flatMap((v) =>
      m.memoryModels
        .filter((mm) => v.expect[mm]?.verdict === 'violated' && !goldenChecks(v, mm))
        .filter((mm) => (v.expect[mm]?.states ?? 0) <= ROUND_TRIP_MAX_STATES)
        .map((mm) => [`${m.name}/${v.name}/${mm}`, m, v.name, mm] as const),
    ),
  );

  it.runIf(violated.length > 0).each(violated)(
    '%s: encode, replay, same steps and states',
    (_n, model, variant, mm) => {
      expectRoundTrip(MODELS, counterexample(model, variant, mm));
    },
  );

  it.each(['sc', 'tso', 'relaxed'] as const)('interrupts, IPIs and guest entry/exit under %s', (mm) => {
    const t = counterexample(kick, 'kick', mm);
    const kinds = new Set(t.steps.map((s) => s.kind));
    for (const k of ['ipi', 'guest-enter', 'guest-exit', 'interrupt', 'handler'] as const) expect(kinds).toContain(k);
    expect(t.steps.find((s) => s.kind === 'ipi')?.target).toBe(1);
    const again = replayEncoded(ALL, t.encoded);
    expect(view(again)).toEqual(view(t));
    expect(again.steps.map((s) => s.state)).toEqual(t.steps.map((s) => s.state));
  });

  it('a lasso keeps its cycle start', () => {
    const t = counterexample(fairness, 'retry');
    expect(t.cycleStart).toBeDefined();
    const again = replayEncoded(ALL, t.encoded);
    expect(again.cycleStart).toBe(t.cycleStart);
    expect(view(again)).toEqual(view(t));
  });

  it('the string names model, variant and memory model, and decodes to the same path', () => {
    const t = counterexample(kick, 'kick', 'tso');
    expect(t.encoded.startsWith('t1/test-kick/kick/tso/')).toBe(true);
    const d = decodeTrace(t.encoded);
    expect(d.header).toEqual({ model: 'test-kick', variant: 'kick', memoryModel: 'tso', params: {} });
    expect(d.path.steps).toEqual(t.steps.map((s) => ({ unit: s.unit, choice: s.choice })));
  });
});

describe('replay of a bad trace string', () => {
  const t = counterexample(kick, 'kick', 'tso');
  const parts = t.encoded.split('/');
  const withPart = (i: number, value: string) => parts.map((p, k) => (k === i ? value : p)).join('/');

  it('garbage', () => {
    expectTraceError(() => replayEncoded(ALL, 'hello world'), /not a kvmspec trace/);
    expectTraceError(() => replayEncoded(ALL, ''), /not a kvmspec trace/);
    expectTraceError(() => replayEncoded(ALL, 'x'.repeat(30000)), /too long/);
  });

  it('truncated', () => {
    expectTraceError(() => replayEncoded(ALL, parts.slice(0, -1).join('/')), /not a kvmspec trace/);
    expectTraceError(() => replayEncoded(ALL, t.encoded.slice(0, t.encoded.length - 3)), /checksum/);
    // Drop the last step but keep the checksum: it replays to a different trace.
    const steps = (parts[5] as string).split('.');
    expectTraceError(
      () => replayEncoded(ALL, withPart(5, steps.slice(0, -1).join('.'))),
      /model changed|something else/,
    );
  });

  it('tampered checksum', () => {
    const bad = (parts[7] as string) === 'deadbeef' ? 'feedface' : 'deadbeef';
    expectTraceError(() => replayEncoded(ALL, withPart(7, bad)), /steps now mean something else/);
  });

  it('tampered step list', () => {
    expectTraceError(() => replayEncoded(ALL, withPart(5, 'zz')), /step 1: there is no unit/);
    expectTraceError(() => replayEncoded(ALL, withPart(5, '0.0.0.0.0.0.0')), /step \d+: .* cannot take that step/);
    expectTraceError(() => replayEncoded(ALL, withPart(5, '0:5')), /step 1: sender cannot take that step/);
    expectTraceError(() => replayEncoded(ALL, withPart(5, '0;1')), /malformed step list/);
  });

  // Found by the fuzzer (test/fuzz/inputs.test.ts): the checksum covers the steps, not the
  // marker, so a marker added to a safety trace used to replay as a lasso nobody found.
  it('a cycle marker the run does not bear out', () => {
    expectTraceError(
      () => replayEncoded(ALL, withPart(6, '7')),
      /claims a cycle from step 8, but the run does not return/,
    );
    expectTraceError(() => replayEncoded(ALL, withPart(6, '0')), /claims a cycle from step 1/);
    const lasso = counterexample(fairness, 'retry');
    const lp = lasso.encoded.split('/');
    const moved = ((lasso.cycleStart as number) + 1).toString(36);
    expectTraceError(
      () => replayEncoded(ALL, lp.map((p, k) => (k === 6 ? moved : p)).join('/')),
      /does not return to the state where it begins|claims the run stops/,
    );
    expectTraceError(
      () => replayEncoded(ALL, lp.map((p, k) => (k === 6 ? lp[5]?.split('.').length.toString(36) : p)).join('/')),
      /claims the run stops after step \d+, but a step is still possible/,
    );
  });

  it('unknown model, variant, memory model, parameters, cycle marker', () => {
    expectTraceError(() => replayEncoded(ALL, withPart(1, 'nosuchmodel')), /model nosuchmodel, which does not exist/);
    expectTraceError(() => replayEncoded(ALL, withPart(2, 'nosuchvariant')), /no variant nosuchvariant/);
    expectTraceError(() => replayEncoded(ALL, withPart(3, 'arm')), /unknown memory model "arm"/);
    expectTraceError(() => replayEncoded(ALL, withPart(4, 'n=3')), /parameters are not valid/);
    expectTraceError(() => replayEncoded(ALL, withPart(4, 'n=x')), /malformed parameters/);
    expectTraceError(() => replayEncoded(ALL, withPart(6, 'zz')), /cycle marker beyond the end/);
    expectTraceError(() => replayEncoded(ALL, withPart(1, 'Bad Name')), /malformed model name/);
  });
});

describe('replay against a changed model', () => {
  /** Builds the same little model with a changeable write, as an edit to a model file would. */
  const build = (opts: { value: number; twoThreads: boolean }) =>
    defineModel<Record<string, never>>({
      name: 'evolving',
      title: 'A model that changes (test)',
      source: 'test/engine/trace.test.ts',
      memoryModels: ['sc'],
      defaultMemoryModel: 'sc',
      cpus: () => 2,
      variants: [{ name: 'only', description: 'the only variant', flags: {}, expect: {} }],
      setup(b) {
        const x = b.loc('x');
        const y = b.loc('y');
        b.thread('P0', { cpu: 0 }, function* () {
          yield* WRITE_ONCE(x, opts.value);
          yield* READ_ONCE(y);
        });
        if (opts.twoThreads) {
          b.thread('P1', { cpu: 1 }, function* () {
            yield* WRITE_ONCE(y, 1);
          });
        }
        b.always('never-final', 'the run does not end', (s) => !s.final);
      },
    });

  const original = build({ value: 1, twoThreads: true });
  const trace = check(original, { variant: 'only' }).counterexample as Trace;

  it('replays against the unchanged model', () => {
    expect(trace.steps.length).toBeGreaterThan(0);
    expect(view(replayEncoded([original], trace.encoded))).toEqual(view(trace));
  });

  it('fails when a step now does something else', () => {
    expectTraceError(
      () => replayEncoded([build({ value: 2, twoThreads: true })], trace.encoded),
      /the model changed since it was made/,
    );
  });

  it('fails when a thread is gone', () => {
    expectTraceError(
      () => replayEncoded([build({ value: 1, twoThreads: false })], trace.encoded),
      /step \d+: (there is no unit|.* cannot take that step)/,
    );
  });

  it('fails when the model or variant is gone', () => {
    expectTraceError(() => replayEncoded(MODELS, trace.encoded), /model evolving, which does not exist/);
  });
});
