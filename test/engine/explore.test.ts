/**
 * The explorer's promises about counterexamples and waits, on small hand-written models:
 * - a safety counterexample is a shortest one, with partial-order reduction too (the bounded
 *   unreduced search after a violation, explore.ts), and says so when it cannot be sure;
 * - a wait_until blocks on every memory model once the value it sees last fails its condition,
 *   and never blocks while a value that passes is still the newest (threads.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  defineModel,
  ghost,
  READ_ONCE,
  smp_mb,
  WRITE_ONCE,
  wait_until,
  xchg,
} from '../../src/spec/engine/index.ts';
import { barriersFirst } from '../support/explore-programs.ts';

const MODELS = ['sc', 'tso', 'relaxed'] as const;

/** T0: xchg(&x, 1)   T1: smp_mb(); WRITE_ONCE(x, 1)   always x != 1; sometimes (never) x == 7. */
const fenceFirst = defineModel<Record<string, never>>({
  name: 'fence-first',
  title: 'a local barrier that partial-order reduction takes first',
  source: 'test/engine/explore.test.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [{ name: 'v', description: 'the program', flags: {}, expect: {} }],
  setup(b) {
    const x = b.loc('x');
    b.thread('T0', { cpu: 0 }, function* () {
      yield* xchg(x, 1);
    });
    b.thread('T1', { cpu: 1 }, function* () {
      yield* smp_mb();
      yield* WRITE_ONCE(x, 1);
    });
    b.always('x-never-1', 'x is never 1', (s) => s.mem(x) !== 1);
    // A witness that no state reaches: the search for a shorter counterexample must not report it.
    b.sometimes('x-is-7', 'x becomes 7', (s) => s.mem(x) === 7);
  },
});

/**
 * T0: WRITE_ONCE(a, 1); smp_mb()   T1: WRITE_ONCE(b, 1); WRITE_ONCE(c, 1)   always c != 1.
 * No thread's first step is local, so the initial state is expanded fully; the first ample set
 * (T0's smp_mb()) is at depth 1, and the violation is at depth 2: every state within one step
 * was reached and checked at its own depth, so no second search is needed.
 */
const lateAmple = defineModel<Record<string, never>>({
  name: 'late-ample',
  title: 'an ample set only after the first step',
  source: 'test/engine/explore.test.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [{ name: 'v', description: 'the program', flags: {}, expect: {} }],
  setup(b) {
    const a = b.loc('a');
    const bb = b.loc('b');
    const c = b.loc('c');
    b.thread('T0', { cpu: 0 }, function* () {
      yield* WRITE_ONCE(a, 1);
      yield* smp_mb();
    });
    b.thread('T1', { cpu: 1 }, function* () {
      yield* WRITE_ONCE(bb, 1);
      yield* WRITE_ONCE(c, 1);
    });
    b.always('c-never-1', 'c is never 1', (s) => s.mem(c) !== 1);
  },
});

describe('shortest counterexamples under partial-order reduction', () => {
  it('are as short as without the reduction, and name the invariant, not the unreached witness', () => {
    for (const memoryModel of ['sc', 'tso'] as const) {
      const full = check(fenceFirst, { memoryModel, reduction: false });
      const reduced = check(fenceFirst, { memoryModel });
      expect(full.counterexample?.steps.map((s) => s.text)).toEqual(['xchg(&x, 1)']);
      expect(reduced.violation?.property, memoryModel).toBe('x-never-1');
      expect(
        reduced.counterexample?.steps.map((s) => s.text),
        memoryModel,
      ).toEqual(['xchg(&x, 1)']);
      expect(reduced.notShortest).toBeUndefined();
      // The second search is bounded: states within one step of the initial one, no more.
      expect(reduced.shortestSearchStates, memoryModel).toBe(3);
      // The reported counts are the reduced search's, as golden counts record them.
      expect(reduced.states).toBe(check(fenceFirst, { memoryModel }).states);
    }
  });

  it('need no second search when nothing was reduced within depth - 1', () => {
    // (Not TSO: there a store into the thread's own buffer is a local step, an ample set at depth 0.)
    for (const memoryModel of ['sc', 'relaxed'] as const) {
      const full = check(lateAmple, { memoryModel, reduction: false });
      const reduced = check(lateAmple, { memoryModel });
      expect(full.counterexample?.steps.length).toBe(2);
      expect(
        reduced.counterexample?.steps.map((s) => s.text),
        memoryModel,
      ).toEqual(['WRITE_ONCE(b, 1)', 'WRITE_ONCE(c, 1)']);
      expect(reduced.shortestSearchStates, memoryModel).toBeUndefined();
      expect(reduced.notShortest).toBeUndefined();
    }
  });

  it('say so when the search for a shorter one runs out of budget, and keep the one found', () => {
    // T0: smp_mb(); xchg(&x, 1)   T1..T3: smp_mb(); smp_mb(). The reduced search takes every
    // local barrier before the xchg (5 steps in 12 states); the shortest run takes 2 steps, and
    // the unreduced search needs 18 states to find it.
    const barriers = defineModel<Record<string, never>>({
      name: 'barriers-first',
      title: 'local barriers before the step that matters',
      source: 'test/engine/explore.test.ts',
      memoryModels: ['sc'],
      defaultMemoryModel: 'sc',
      cpus: () => 4,
      variants: [{ name: 'v', description: 'the program', flags: {}, expect: {} }],
      setup(b) {
        barriersFirst(b);
      },
    });
    const enough = check(barriers, {});
    expect(enough.counterexample?.steps.map((s) => s.text)).toEqual(['smp_mb()', 'xchg(&x, 1)']);
    expect(enough.notShortest).toBeUndefined();
    const short = check(barriers, { maxStates: 12 });
    expect(short.verdict).toBe('violated');
    expect(short.counterexample?.steps.length).toBe(5);
    expect(short.counterexample?.steps.at(-1)?.text).toBe('xchg(&x, 1)');
    expect(short.notShortest).toBe('the search for a shorter one stopped: state budget exhausted after 14 states');
  });

  it('without reduction, are the BFS ones and need no second search', () => {
    const r = check(fenceFirst, { memoryModel: 'sc', reduction: false });
    expect(r.shortestSearchStates).toBeUndefined();
    expect(r.notShortest).toBeUndefined();
  });
});

/** T0: r = wait_until(x == 1)   T1: WRITE_ONCE(x, 1); then, with `overwrite`, WRITE_ONCE(x, 2). */
const waiter = defineModel<{ overwrite: boolean }>({
  name: 'waiter',
  title: 'a wait against a writer',
  source: 'test/engine/explore.test.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'once', description: 'x is set to 1 and stays', flags: { overwrite: false }, expect: {} },
    { name: 'overwrite', description: 'x is set to 1, then 2', flags: { overwrite: true }, expect: {} },
  ],
  setup(b, flags) {
    const x = b.loc('x');
    const done = b.ghost('done');
    b.thread('T0', { cpu: 0 }, function* () {
      yield* wait_until(x, (value) => value === 1, 'wait_until(x == 1)');
      // A read after the wait, in program order: coherence forbids the initial 0.
      const after = yield* READ_ONCE(x);
      yield* ghost(done, after === 0 ? 2 : 1);
    });
    b.thread('T1', { cpu: 1 }, function* () {
      yield* WRITE_ONCE(x, 1);
      if (flags.overwrite) yield* WRITE_ONCE(x, 2);
    });
    b.always('coherent', 'a read after the wait never returns the initial 0', (s) => s.ghost(done) !== 2);
    b.eventually('T0-done', 'T0 gets past its wait', (s) => s.ghost(done) === 0);
  },
});

describe('wait_until', () => {
  it('blocks on every memory model when the value it waits for is overwritten before it looks', () => {
    for (const memoryModel of MODELS) {
      const r = check(waiter, { variant: 'overwrite', memoryModel });
      expect(r.violation?.kind, memoryModel).toBe('deadlock');
      const steps = r.counterexample?.steps.map((s) => s.text) ?? [];
      expect(steps.slice(0, 2), memoryModel).toEqual(['WRITE_ONCE(x, 1)', 'WRITE_ONCE(x, 2)']);
    }
    // Under relaxed the counterexample ends with the failed iteration that saw the 2.
    const relaxed = check(waiter, { variant: 'overwrite', memoryModel: 'relaxed' });
    const last = relaxed.counterexample?.steps.at(-1);
    expect(last?.text).toBe('wait_until(x == 1): condition false, still waiting');
    expect(last?.result).toBe('2');
    expect(relaxed.counterexample?.steps.length).toBe(3);
  });

  it('passes, under weak fairness, when the value it waits for stays: no deadlock, no starving lasso', () => {
    for (const memoryModel of MODELS) {
      const r = check(waiter, { variant: 'once', memoryModel });
      expect(r.verdict, memoryModel).toBe('holds');
      expect(r.livenessStates, memoryModel).toBeGreaterThan(0);
    }
  });
});
