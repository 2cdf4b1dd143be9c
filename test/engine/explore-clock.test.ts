/**
 * The explorer's time budget, progress reports and slices (engine/explore.ts) against a clock
 * the test moves: performance.now() is stubbed, and an invariant advances it by 1 ms each time
 * it is evaluated (once per state the search checks). Budgets and rates then come out exact,
 * whatever the machine's load: the budget is spent only once more than maxMs has passed, a
 * report's rate is states per second of the phase, a run cut into slices yields between them,
 * and a violation found under reduction keeps what is left of the budget for the search for a
 * shorter counterexample. No timed assertion: nothing here depends on real time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkAsync, type ProgressInfo, WRITE_ONCE, wait_until } from '../../src/spec/engine/index.ts';
import { barriersFirst } from '../support/explore-programs.ts';
import { tinyModel } from '../support/tiny-model.ts';

/** The stubbed performance.now(), in ms; starts at 1,000 so that "since the start" is not "since 0". */
let clock = 1000;
beforeEach(() => {
  clock = 1000;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Thread A writes x = 1..k, thread B y = 1..k: (k + 1)² states; each state checked costs 1 ms. */
const writers = (k: number) =>
  tinyModel(`clock-writers-${k}`, 2, (b) => {
    const x = b.loc('x');
    const y = b.loc('y');
    for (const [name, cpu, l] of [
      ['A', 0, x],
      ['B', 1, y],
    ] as const) {
      b.thread(name, { cpu }, function* () {
        for (let v = 1; v <= k; v++) yield* WRITE_ONCE(l, v);
      });
    }
    b.always('tick', 'advances the clock by 1 ms (always true)', () => {
      clock += 1;
      return true;
    });
    return undefined;
  });

describe('the time budget (maxMs)', () => {
  // The search looks at the clock every 1,024 states: at 1,024 ms here.
  it('is exhausted once more than maxMs has passed: inconclusive, with the budget and the states in the reason', () => {
    const { result } = writers(40).run('sc', { reduction: false, maxMs: 1023 });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toBe('time budget of 1023 ms exhausted after 1060 states');
    expect(result.states).toBe(1060);
    expect(result.ms).toBe(1024);
  });

  it('is not exhausted by exactly maxMs: the run holds, and says how long it took', () => {
    const { result } = writers(40).run('sc', { reduction: false, maxMs: 1024 });
    expect(result.verdict).toBe('holds');
    expect(result.states).toBe(41 * 41);
    expect(result.ms).toBe(41 * 41);
  });

  it('applies to the liveness graph too, and says so', () => {
    const m = tinyModel('clock-liveness', 2, (b) => {
      const x = b.loc('x');
      const y = b.loc('y');
      b.thread('A', { cpu: 0 }, function* () {
        for (let v = 1; v <= 40; v++) yield* WRITE_ONCE(x, v);
      });
      b.thread('B', { cpu: 1 }, function* () {
        for (let v = 1; v <= 40; v++) yield* WRITE_ONCE(y, v);
      });
      b.eventually('x-40', 'x reaches 40', (s) => {
        clock += 1;
        return s.mem(x) !== 40;
      });
      return undefined;
    });
    const { result } = m.run('sc', { maxMs: 1000 });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toBe('time budget of 1000 ms exhausted after 1060 states (liveness)');
    expect(result.livenessStates).toBe(1060);
  });
});

describe('progress reports', () => {
  it('come at most once per interval (100 ms by default), with the phase rate in states per second', () => {
    const seen: ProgressInfo[] = [];
    const { result } = writers(40).run('sc', { reduction: false, onProgress: (p) => seen.push(p) });
    expect(result.verdict).toBe('holds');
    // At 0 ms less than the interval had passed; at 1,024 ms (1,060 states stored) it had.
    expect(seen).toEqual([{ phase: 'safety', states: 1060, depth: 45, ms: 1024, statesPerSecond: 1060 / 1.024 }]);
  });

  it('with interval 0, on a clock that stands still: a report at once, at rate 0 (not infinite)', () => {
    const seen: ProgressInfo[] = [];
    const m = tinyModel('clock-still', 1, (b) => {
      const x = b.loc('x');
      b.thread('A', { cpu: 0 }, function* () {
        yield* WRITE_ONCE(x, 1);
      });
      return undefined;
    });
    m.run('sc', { progressIntervalMs: 0, onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([{ phase: 'safety', states: 1, depth: 0, ms: 0, statesPerSecond: 0 }]);
  });

  /** A waiter and a writer (a progress property, so a liveness phase), on a clock that stands still. */
  const waitFor = tinyModel('clock-waiter', 2, (b) => {
    const x = b.loc('x');
    b.thread('waiter', { cpu: 0 }, function* () {
      yield* wait_until(x, (v) => v === 1, 'wait for x');
    });
    b.thread('writer', { cpu: 1 }, function* () {
      yield* WRITE_ONCE(x, 1);
    });
    b.eventually('x-set', 'x is eventually 1', (s) => s.mem(x) !== 1);
    return undefined;
  });

  it('the liveness phase is reported when it begins (two graphs), even within the interval', () => {
    const seen: ProgressInfo[] = [];
    const { result } = waitFor.run('sc', { oneGraph: false, onProgress: (p) => seen.push(p) });
    expect(result.verdict).toBe('holds');
    // states: the liveness graph's so far; depth: the deepest the safety phase went.
    expect(seen).toEqual([{ phase: 'liveness', states: 1, depth: 2, ms: 0, statesPerSecond: 0 }]);
  });

  it('on one graph, the liveness phase is reported from its first state, with its own count', () => {
    const seen: ProgressInfo[] = [];
    const { result } = waitFor.run('sc', { progressIntervalMs: 0, onProgress: (p) => seen.push(p) });
    expect(result.verdict).toBe('holds');
    expect(result.oneGraph).toBe(true);
    expect(seen).toEqual([{ phase: 'liveness', states: 1, depth: 0, ms: 0, statesPerSecond: 0 }]);
  });
});

describe('a run in slices (checkAsync)', () => {
  it('yields to the event loop when its slice is over, before it expands a state if need be', async () => {
    // sliceMs 0 on a clock that stands still: each slice is over as it begins, so nothing is
    // expanded until the timer has cancelled the run.
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 0);
    const r = await checkAsync(writers(3).model, { reduction: false, signal: ac.signal }, 0);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toBe('cancelled after 1 states');
  });
});

describe('a one-graph run in slices (checkAsync)', () => {
  it('yields in the liveness phase too, before it expands a state if need be', async () => {
    const m = tinyModel('clock-one-graph', 1, (b) => {
      const x = b.loc('x');
      b.thread('A', { cpu: 0 }, function* () {
        yield* WRITE_ONCE(x, 1);
      });
      b.eventually('x-set', 'x is eventually 1', (s) => s.mem(x) !== 1);
      return undefined;
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 0);
    const r = await checkAsync(m.model, { signal: ac.signal }, 0);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toBe('cancelled after 1 states (liveness)');
  });
});

describe('a violation under reduction and what is left of the time budget', () => {
  // T0: smp_mb(); xchg(&x, 1)   T1..T3: smp_mb(); smp_mb(). The reduced search takes the local
  // barriers first and meets x == 1 after 5 steps (6 states checked: 6 ms); the unreduced
  // search bounded at depth 4 finds the 2-step run (explore.test.ts has the model's story).
  const barriers = tinyModel('clock-barriers', 4, (b) => {
    barriersFirst(b, { onCheck: () => (clock += 1) });
    return undefined;
  });

  it('a budget spent when the violation is found: the one found, said to be perhaps not the shortest', () => {
    const { result } = barriers.run('sc', { maxMs: 6 });
    expect(result.verdict).toBe('violated');
    expect(result.counterexample?.steps).toHaveLength(5);
    expect(result.notShortest).toBe('the time budget was spent before a shorter one was looked for');
    expect(result.shortestSearchStates).toBeUndefined();
  });

  it('with budget left, the search for a shorter one runs and finds the 2-step run', () => {
    for (const maxMs of [7, 100, undefined]) {
      const { result } = barriers.run('sc', maxMs === undefined ? {} : { maxMs });
      expect(result.verdict).toBe('violated');
      expect(result.counterexample?.steps.map((s) => s.text)).toEqual(['smp_mb()', 'xchg(&x, 1)']);
      expect(result.notShortest).toBeUndefined();
      expect(result.shortestSearchStates).toBe(18);
    }
  });

  it("in slices (checkAsync), both searches yield between slices and give check()'s result", async () => {
    const whole = barriers.run('sc');
    clock = 1000;
    // 3 ms slices: a few states each, in the reduced search and in the search for a shorter one.
    const sliced = await checkAsync(barriers.model, { memoryModel: 'sc' }, 3);
    expect(sliced.verdict).toBe('violated');
    expect(sliced.counterexample?.encoded).toBe(whole.result.counterexample?.encoded);
    expect(sliced.shortestSearchStates).toBe(whole.result.shortestSearchStates);
    expect(sliced.states).toBe(whole.result.states);
  });
});
