/**
 * The explorer's side of the parallel search (engine/explore.ts: distribute, work, follow, and
 * the records a helper sends in place of an expansion) on models small enough to count: with
 * helpers in process (InProcessTransport, shuffled answers, helpers from the first state; each
 * model has a thread that writes one of 16 values, for the batches of 16 states a helper is sent), each
 * search gives the sequential result, field for field but the time: verdicts, counts, the
 * counterexample's every step, witnesses, budget reasons, restarts for ghosts and for relaxed
 * memory's untracked accesses, the search for a shorter counterexample, lassos on one graph or
 * two. The chapter models' parallel searches are test/engine/parallel.test.ts (slower); this
 * file is the explorer's mutation target's (test/mutation-targets.mjs).
 */
import { describe, expect, it } from 'vitest';
import {
  BUG_ON,
  type CheckRequest,
  type CheckResult,
  checkAsync,
  choose,
  ghost,
  ghost_read,
  InProcessTransport,
  type MemoryModelName,
  READ_ONCE,
  WRITE_ONCE,
  wait_until,
} from '../../src/spec/engine/index.ts';
import { barriersFirst, lateAccess } from '../support/explore-programs.ts';
import { tinyModel as tinyModelAlone } from '../support/tiny-model.ts';

/**
 * tinyModel with one more thread, on a CPU of its own, that writes one of 16 values it chooses: the
 * coordinator hands out batches of at least 16 states (parallel/coordinator.ts), which these
 * models' other threads alone never have waiting.
 */
const tinyModel: typeof tinyModelAlone = (name, cpus, setup) =>
  tinyModelAlone(name, cpus + 1, (b) => {
    const n = b.loc('n');
    b.thread('N', { cpu: cpus }, function* () {
      yield* WRITE_ONCE(n, yield* choose(16, 'noise'));
    });
    return setup(b);
  });

/** A result without what may differ: the time, and the parallel search's own report. */
function essence(r: CheckResult) {
  const { ms: _ms, parallel: _p, counterexample, ...rest } = r;
  return { ...rest, trace: counterexample?.encoded, cycleStart: counterexample?.cycleStart };
}

type Tiny = ReturnType<typeof tinyModel>;

/** The sequential and the parallel search of `m` agree; returns the sequential result. */
function agree(m: Tiny, mm: MemoryModelName, req: Omit<CheckRequest, 'memoryModel'> = {}): CheckResult {
  const sequential = m.run(mm, req);
  const transport = new InProcessTransport([m.model], { helpers: 2, shuffle: 0x5eed });
  const parallel = m.run(mm, { ...req, transport });
  expect(essence(parallel.result)).toEqual(essence(sequential.result));
  expect(parallel.outcomes).toEqual(sequential.outcomes);
  expect(parallel.result.parallel?.states ?? 0).toBeGreaterThan(0);
  return sequential.result;
}

/** A writes x = 1..3, B writes y = 1..3; `bad` is the invariant's forbidden x. */
const writers = (bad: number) =>
  tinyModel(`parallel-writers-${bad}`, 2, (b) => {
    const x = b.loc('x');
    const y = b.loc('y');
    for (const [name, cpu, l] of [
      ['A', 0, x],
      ['B', 1, y],
    ] as const) {
      b.thread(name, { cpu }, function* () {
        for (let v = 1; v <= 3; v++) yield* WRITE_ONCE(l, v);
      });
    }
    b.always('x-not-bad', `x is never ${bad}`, (s) => s.mem(x) !== bad);
    b.sometimes('y-is-2', 'y becomes 2', (s) => s.mem(y) === 2);
    return (s) => `x=${s.mem(x)} y=${s.mem(y)}`;
  });

const MMS = ['sc', 'tso', 'relaxed'] as const;

describe('safety searches', () => {
  it.each(MMS)('a search that holds: the same counts, outcomes and witnesses (%s)', (mm) => {
    for (const reduction of [true, false]) expect(agree(writers(9), mm, { reduction }).verdict).toBe('holds');
  });

  it.each(MMS)('an invariant violated: the same shortest counterexample (%s)', (mm) => {
    for (const reduction of [true, false]) expect(agree(writers(3), mm, { reduction }).verdict).toBe('violated');
  });

  it.each(['sc', 'tso'] as const)('a state budget: the same reason after the same states (%s)', (mm) => {
    for (const maxStates of [40, 100]) {
      const r = agree(writers(9), mm, { maxStates, reduction: false });
      expect(r.verdict).toBe('inconclusive');
      expect(r.reason).toMatch(/^state budget exhausted after \d+ states$/);
    }
  });

  const unreached = tinyModel('parallel-unreached', 2, (b) => {
    const x = b.loc('x');
    b.thread('A', { cpu: 0 }, function* () {
      yield* WRITE_ONCE(x, 1);
    });
    b.thread('B', { cpu: 1 }, function* () {
      yield* WRITE_ONCE(x, 2);
    });
    b.sometimes('x-1', 'x becomes 1', (s) => s.mem(x) === 1);
    b.sometimes('x-3', 'x becomes 3', (s) => s.mem(x) === 3);
    return undefined;
  });

  it.each(MMS)('a witness never reached: the same violation, the others reached as found by helpers (%s)', (mm) => {
    const r = agree(unreached, mm);
    expect(r.violation?.property).toBe('x-3');
    expect(r.witnesses).toEqual([
      { name: 'x-1', reached: true },
      { name: 'x-3', reached: false },
    ]);
  });

  const bug = tinyModel('parallel-bug-on', 2, (b) => {
    const x = b.loc('x');
    b.allowDeadlock();
    b.thread('W', { cpu: 0 }, function* () {
      yield* WRITE_ONCE(x, 1);
      yield* WRITE_ONCE(x, 2);
    });
    b.thread('R', { cpu: 1 }, function* () {
      yield* BUG_ON((yield* READ_ONCE(x)) === 2, 'R saw x == 2');
    });
    return undefined;
  });

  it.each(MMS)('BUG_ON: the same assertion and steps (%s)', (mm) => {
    expect(agree(bug, mm).violation?.kind).toBe('assertion');
  });

  const stuck = tinyModel('parallel-stuck', 2, (b) => {
    const x = b.loc('x');
    const y = b.loc('y');
    b.thread('A', { cpu: 0 }, function* () {
      yield* wait_until(y, (v) => v === 1, 'wait for y');
      yield* WRITE_ONCE(x, 1);
    });
    b.thread('B', { cpu: 1 }, function* () {
      yield* wait_until(x, (v) => v === 1, 'wait for x');
      yield* WRITE_ONCE(y, 1);
    });
    return undefined;
  });

  it.each(MMS)('a deadlock: the same blocked threads (%s)', (mm) => {
    expect(agree(stuck, mm).violation?.kind).toBe('deadlock');
  });

  // T0: smp_mb(); xchg(&x, 1)   T1..T3: smp_mb(); smp_mb() (explore.test.ts): the reduced search's
  // counterexample has 5 steps, the search for a shorter one finds 2.
  const barriers = tinyModel('parallel-barriers', 4, (b) => {
    barriersFirst(b);
    return undefined;
  });

  it('the search for a shorter counterexample: the same one, and the same states searched', () => {
    const r = agree(barriers, 'sc');
    expect(r.counterexample?.steps).toHaveLength(2);
    expect(r.shortestSearchStates).toBeGreaterThan(0);
    expect(agree(barriers, 'sc', { maxStates: 200 }).notShortest).toMatch(/^the search for a shorter one stopped/);
  });
});

describe('restarts followed by the helpers', () => {
  const ghosts = tinyModel('parallel-ghosts', 2, (b) => {
    const x = b.loc('x');
    const seen = b.ghost('seen by the property');
    const note = b.ghost('read only by the thread');
    b.thread('A', { cpu: 0 }, function* () {
      yield* WRITE_ONCE(x, 1);
      yield* ghost(note, 1);
      yield* WRITE_ONCE(x, 2);
      if ((yield* ghost_read(note)) === 1) yield* ghost(seen, 1);
    });
    b.thread('B', { cpu: 1 }, function* () {
      yield* WRITE_ONCE(x, 3);
    });
    b.sometimes('seen', 'the thread read its note', (s) => s.ghost(seen) === 1);
    return (s) => `x=${s.mem(x)} seen=${s.ghost(seen)}`;
  });

  it.each(MMS)('a ghost read that was left out of the states (%s)', (mm) => {
    expect(agree(ghosts, mm).ghosts).toEqual({ unstored: 0, of: 2, restarts: 1 });
  });

  const late = tinyModel('parallel-late-access', 2, lateAccess);

  it('an access relaxed memory did not track (relaxed)', () => {
    // Of the 3 x 3 (thread, location) pairs, N and A access one location each, B two.
    expect(agree(late, 'relaxed').untracked).toEqual({ pairs: 5, of: 9, restarts: 1 });
  });
});

describe('progress under weak fairness', () => {
  const spin = tinyModel('parallel-spin', 2, (b) => {
    const x = b.loc('x');
    const gate = b.loc('gate');
    b.allowDeadlock();
    b.thread('waiter', { cpu: 0 }, function* () {
      yield* wait_until(x, (v) => v === 1, 'wait for x');
    });
    b.thread('writer', { cpu: 1, loop: true }, function* () {
      if ((yield* choose(2, 'try again?')) === 0) return;
      yield* WRITE_ONCE(x, 1);
      yield* wait_until(gate, (v) => v === 1, 'done', { end: true });
    });
    b.eventually('x-set', 'x is eventually 1', (s) => s.mem(x) !== 1);
    b.always('not-two', 'x is never 2', (s) => s.mem(x) !== 2);
    b.sometimes('x-one', 'x becomes 1', (s) => s.mem(x) === 1);
    return (s) => `x=${s.mem(x)}`;
  });

  it.each(['sc', 'tso'] as const)('a fair lasso, on one graph or two (%s)', (mm) => {
    for (const oneGraph of [true, false]) {
      const r = agree(spin, mm, { oneGraph });
      expect(r.violation?.kind).toBe('progress');
      expect(r.counterexample?.cycleStart).toBeGreaterThanOrEqual(0);
    }
  });

  it('a state budget: the same reason, in the liveness phase on one graph, in the safety phase on two', () => {
    for (const oneGraph of [true, false]) {
      const r = agree(spin, 'sc', { oneGraph, maxStates: 40, reduction: false });
      expect(r.reason).toMatch(
        oneGraph
          ? /^state budget exhausted after \d+ states \(liveness\)$/
          : /^state budget exhausted after \d+ states$/,
      );
    }
  });
});

describe('helpers that answer from a later task (as Web Workers do)', () => {
  it.each(['sc', 'relaxed'] as const)(
    'the explorer waits for their records and gives the sequential result (%s)',
    async (mm) => {
      const m = writers(3);
      const sequential = m.run(mm);
      const transport = new InProcessTransport([m.model], { helpers: 2, blocking: false, shuffle: 7 });
      const parallel = await checkAsync(m.model, { memoryModel: mm, transport });
      expect(essence(parallel)).toEqual(essence(sequential.result));
      expect(parallel.parallel?.states ?? 0).toBeGreaterThan(0);
    },
  );
});
