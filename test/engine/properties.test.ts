/**
 * Each kind of property and violation: invariants (with a shortest counterexample), deadlocks,
 * `sometimes` witnesses never reached, BUG_ON assertions, and `eventually` progress under weak
 * fairness (a fair livelock is a violation with a lasso; a cycle that needs an always-enabled
 * thread never to run is not).
 */
import { describe, expect, it } from 'vitest';
import { check, defineModel } from '../../src/spec/engine/index.ts';
import { deadlock, fairness, kick, props } from './models.ts';

const MMS = ['sc', 'tso', 'relaxed'] as const;

describe.each(MMS)('safety properties under %s', (mm) => {
  it('an invariant broken at the final state gives a counterexample ending there', () => {
    const r = check(kick, { variant: 'kick', memoryModel: mm });
    expect(r.verdict).toBe('violated');
    expect(r.violation).toMatchObject({ kind: 'invariant', property: 'never-ends' });
    const steps = r.counterexample?.steps ?? [];
    expect(steps.length).toBe(r.depth);
    const last = steps[steps.length - 1];
    expect(last?.kind).toBe('handler');
  });

  it('a deadlock is reported with the threads that are stuck', () => {
    const r = check(deadlock, { variant: 'wait-first', memoryModel: mm });
    expect(r.verdict).toBe('violated');
    expect(r.violation?.kind).toBe('deadlock');
    expect(r.violation?.description).toMatch(/P0: wait for y/);
    expect(r.violation?.description).toMatch(/P1: wait for x/);
    // Stuck in the initial state: the counterexample is empty.
    expect(r.counterexample?.steps).toEqual([]);
  });

  it('no deadlock when each thread sets its flag before waiting', () => {
    const r = check(deadlock, { variant: 'set-first', memoryModel: mm });
    expect(r.verdict).toBe('holds');
  });

  it('a witness never reached is a violation of kind witness, without a trace', () => {
    const r = check(props, { variant: 'witness', memoryModel: mm });
    expect(r.verdict).toBe('violated');
    expect(r.violation).toMatchObject({ kind: 'witness', property: 'x-is-2' });
    expect(r.violation?.description).toMatch(/never reached/);
    expect(r.counterexample).toBeUndefined();
    expect(r.witnesses).toEqual([{ name: 'x-is-2', reached: false }]);
  });

  it('BUG_ON is an assertion violation with the model line that fired', () => {
    const r = check(props, { variant: 'bug-on', memoryModel: mm });
    expect(r.verdict).toBe('violated');
    expect(r.violation).toMatchObject({ kind: 'assertion', property: 'reader saw x == 1' });
    expect(r.violation?.description).toBe('reader: reader saw x == 1');
    const steps = r.counterexample?.steps ?? [];
    expect(steps[steps.length - 1]).toMatchObject({ actor: 'reader', text: 'READ_ONCE(x)', result: '1' });
  });

  it('witnesses that are reached are reported as reached', () => {
    const r = check(deadlock, { variant: 'set-first', memoryModel: mm });
    expect(r.witnesses).toEqual([]);
    const k = check(kick, { variant: 'kick', memoryModel: mm, maxStates: 1000 });
    expect(k.witnesses.find((w) => w.name === 'vcpu-sees-request')?.reached).toBe(true);
  });
});

// Under the relaxed model the retrying reader may read ever older writes of a writer that loops
// forever, so that model has no finite state space; fairness is checked under SC and TSO.
describe.each(['sc', 'tso'] as const)('progress under weak fairness (%s)', (mm) => {
  it('a reader that retries forever against a writer is a fair livelock: violated, with a lasso', () => {
    const r = check(fairness, { variant: 'retry', memoryModel: mm });
    expect(r.verdict).toBe('violated');
    expect(r.violation).toMatchObject({ kind: 'progress', property: 'done' });
    const t = r.counterexample;
    expect(t).toBeDefined();
    if (!t) return;
    expect(t.cycleStart).toBeDefined();
    const start = t.cycleStart as number;
    expect(start).toBeLessThan(t.steps.length);
    const cycle = t.steps.slice(start);
    expect(cycle.length).toBeGreaterThan(0);
    // Both the writer and the reader step inside the cycle (that is what makes it fair)...
    expect(cycle.some((s) => s.actor === 'writer')).toBe(true);
    expect(cycle.some((s) => s.actor === 'reader')).toBe(true);
    // ...and it returns to the state where it began.
    const before = start === 0 ? t.initial : (t.steps[start - 1]?.state ?? t.initial);
    expect(cycle[cycle.length - 1]?.state).toEqual(before);
    expect(r.livenessStates).toBeGreaterThan(0);
  });

  it('a thread that may choose to retry forever is a fair livelock too', () => {
    const r = check(fairness, { variant: 'coin', memoryModel: mm });
    expect(r.verdict).toBe('violated');
    expect(r.violation?.kind).toBe('progress');
    const t = r.counterexample;
    expect(t?.cycleStart).toBeDefined();
    expect((t?.steps.length ?? 0) - (t?.cycleStart ?? 0)).toBeGreaterThan(0);
    // Every flip in the lasso comes up 0 (choice 0 of the choose() step).
    expect(t?.steps.every((s) => s.text === 'flip a coin' && s.choice === 0)).toBe(true);
  });

  it('a cycle that needs an always-enabled thread never to run is unfair: holds', () => {
    const r = check(fairness, { variant: 'unfair', memoryModel: mm });
    expect(r.verdict).toBe('holds');
    expect(r.violation).toBeUndefined();
  });

  it('progress properties are skipped with liveness: false', () => {
    const r = check(fairness, { variant: 'retry', memoryModel: mm, liveness: false });
    expect(r.verdict).toBe('holds');
    expect(r.livenessStates).toBeUndefined();
  });
});

describe('unfair cycles under relaxed memory', () => {
  it('holds', () => {
    expect(check(fairness, { variant: 'unfair', memoryModel: 'relaxed' }).verdict).toBe('holds');
    expect(check(fairness, { variant: 'coin', memoryModel: 'relaxed' }).verdict).toBe('violated');
  });
});

describe('model declarations', () => {
  it('rejects model and variant names that traces and permalinks cannot carry', () => {
    const base = {
      title: 't',
      source: 's',
      memoryModels: ['sc'] as const,
      defaultMemoryModel: 'sc' as const,
      cpus: () => 1,
      setup: () => {},
    };
    expect(() =>
      defineModel({ ...base, name: 'ok', variants: [{ name: 'v5.14', description: '', flags: {}, expect: {} }] }),
    ).toThrow(/variant name "v5.14"/);
    expect(() => defineModel({ ...base, name: 'Bad Name', variants: [] })).toThrow(/model name "Bad Name"/);
    expect(() =>
      defineModel({
        ...base,
        name: 'ok',
        variants: [
          { name: 'a', description: '', flags: {}, expect: {} },
          { name: 'a', description: '', flags: {}, expect: {} },
        ],
      }),
    ).toThrow(/duplicate variant a/);
  });
});
