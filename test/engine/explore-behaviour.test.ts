/**
 * The explorer (engine/explore.ts) on models small enough to count by hand: breadth-first
 * search (states, transitions, depth), each kind of verdict and violation, shortest
 * counterexamples with and without partial-order reduction, state budgets and cancellation,
 * progress reports, weak fairness (lassos, stutter), one graph or two, and what the result says
 * about the quotient, unstored ghosts and symmetry. Fast on purpose: the explorer's mutation
 * target runs this file against each mutant (test/mutation-targets.mjs).
 */
import { describe, expect, it } from 'vitest';
import {
  BUG_ON,
  choose,
  ghost,
  ghost_read,
  type Loc,
  type ProgressInfo,
  READ_ONCE,
  smp_mb,
  WRITE_ONCE,
  wait_until,
} from '../../src/spec/engine/index.ts';
import { barriersFirst, lateAccess } from '../support/explore-programs.ts';
import { MEMORY_MODELS, tinyModel, witnessed } from '../support/tiny-model.ts';

/** Thread A writes x = 1..k, thread B writes y = 1..k (B absent with `alone`): no shared location. */
function writers(k: number, opts: { alone?: boolean; invariant?: (x: number, y: number) => boolean } = {}) {
  return tinyModel(`explore-writers-${k}${opts.alone ? '-alone' : ''}${opts.invariant ? '-inv' : ''}`, 2, (b) => {
    const x = b.loc('x');
    const y = b.loc('y');
    const steps = (l: Loc) =>
      function* () {
        for (let v = 1; v <= k; v++) yield* WRITE_ONCE(l, v);
      };
    b.thread('A', { cpu: 0 }, steps(x));
    if (!opts.alone) b.thread('B', { cpu: 1 }, steps(y));
    const inv = opts.invariant;
    if (inv) b.always('inv', 'the invariant under test', (s) => inv(s.mem(x), s.mem(y)));
    return (s) => `x=${s.mem(x)} y=${s.mem(y)}`;
  });
}

describe('breadth-first search', () => {
  it('visits every state once: one thread of k writes has k + 1 states, k transitions, depth k', () => {
    const { result, outcomes } = writers(4, { alone: true }).run('sc', { reduction: false });
    expect(result.verdict).toBe('holds');
    expect([result.states, result.transitions, result.depth]).toEqual([5, 4, 4]);
    expect(outcomes).toEqual(['x=4 y=0']);
  });

  it('two independent threads of k writes: (k + 1)² states, 2k(k + 1) transitions, depth 2k', () => {
    const { result, outcomes } = writers(3).run('sc', { reduction: false });
    expect(result.verdict).toBe('holds');
    expect([result.states, result.transitions, result.depth]).toEqual([16, 24, 6]);
    expect(outcomes).toEqual(['x=3 y=3']);
  });

  // Each thread chooses twice (a local step: partial-order reduction may take one thread's
  // choices alone) and then writes its own location.
  const choosers = tinyModel('explore-choosers', 2, (b) => {
    const x = b.loc('x');
    const y = b.loc('y');
    for (const [name, cpu, l] of [
      ['A', 0, x],
      ['B', 1, y],
    ] as const) {
      b.thread(name, { cpu }, function* () {
        const c = (yield* choose(2, 'first')) + (yield* choose(2, 'second'));
        yield* WRITE_ONCE(l, c);
      });
    }
    return (s) => `x=${s.mem(x)} y=${s.mem(y)}`;
  });

  it.each(MEMORY_MODELS)(
    'partial-order reduction keeps the verdict and every final state in fewer states (%s)',
    (mm) => {
      const full = choosers.run(mm, { reduction: false });
      const reduced = choosers.run(mm, { reduction: true });
      expect(full.result.verdict).toBe('holds');
      expect(reduced.result.verdict).toBe('holds');
      expect(full.outcomes).toHaveLength(9);
      expect(reduced.outcomes).toEqual(full.outcomes);
      expect(reduced.result.states).toBeLessThan(full.result.states);
    },
  );
});

/** The counterexample's steps as "actor: text", without TSO's store-buffer drains. */
const stepsOf = (r: { counterexample?: { steps: readonly { kind: string; actor: string; text: string }[] } }) =>
  (r.counterexample?.steps ?? []).filter((s) => s.kind !== 'drain').map((s) => `${s.actor}: ${s.text}`);

describe('violations and their counterexamples', () => {
  // x reaches 3 after A's three writes: the shortest counterexample is those three steps, while
  // B's writes may come in between on longer ones.
  const xThree = writers(3, { invariant: (x) => x !== 3 });

  it.each(MEMORY_MODELS)('an invariant: the shortest counterexample, with and without reduction (%s)', (mm) => {
    const lengths = new Set<number>();
    for (const reduction of [false, true]) {
      const { result } = xThree.run(mm, { reduction });
      expect(result.verdict).toBe('violated');
      expect(result.violation).toEqual({ kind: 'invariant', property: 'inv', description: 'the invariant under test' });
      expect(stepsOf(result)).toEqual(['A: WRITE_ONCE(x, 1)', 'A: WRITE_ONCE(x, 2)', 'A: WRITE_ONCE(x, 3)']);
      expect(result.notShortest).toBeUndefined();
      lengths.add(result.counterexample?.steps.length ?? -1);
    }
    // TSO's drains included, as short with reduction as without.
    expect(lengths.size).toBe(1);
  });

  it('an invariant broken in the initial state: an empty counterexample', () => {
    const { result } = writers(1, { invariant: (x) => x !== 0 }).run('sc');
    expect(result.verdict).toBe('violated');
    expect(result.counterexample?.steps).toEqual([]);
    expect(result.depth).toBe(0);
  });

  const stuck = (allow: boolean, idle: boolean) =>
    tinyModel(`explore-stuck-${allow}-${idle}`, 2, (b) => {
      const x = b.loc('x');
      const y = b.loc('y');
      const z = b.loc('z');
      if (allow) b.allowDeadlock();
      b.thread('A', { cpu: 0 }, function* () {
        yield* WRITE_ONCE(z, 1);
        yield* wait_until(y, (v) => v === 1, 'wait for y', { end: idle });
        yield* WRITE_ONCE(x, 1);
      });
      b.thread('B', { cpu: 1 }, function* () {
        yield* wait_until(x, (v) => v === 1, 'wait for x', { end: idle });
        yield* WRITE_ONCE(y, 1);
      });
      return (s) => `z=${s.mem(z)}`;
    });

  it.each(MEMORY_MODELS)('a deadlock: the blocked threads named, after the one step that leads there (%s)', (mm) => {
    const { result } = stuck(false, false).run(mm);
    expect(result.verdict).toBe('violated');
    expect(result.violation?.kind).toBe('deadlock');
    expect(result.violation?.property).toBe('deadlock');
    expect(result.violation?.description).toBe('no step is possible; blocked: A: wait for y; B: wait for x');
    expect(stepsOf(result)).toEqual(['A: WRITE_ONCE(z, 1)']);
  });

  it.each(MEMORY_MODELS)('no deadlock when the model allows it, or when the waits are idle ends (%s)', (mm) => {
    for (const [allow, idle] of [
      [true, false],
      [false, true],
    ] as const) {
      const { result, outcomes } = stuck(allow, idle).run(mm);
      expect(result.verdict).toBe('holds');
      expect(outcomes).toEqual(['z=1']);
    }
  });

  const bug = tinyModel('explore-bug-on', 2, (b) => {
    const x = b.loc('x');
    b.thread('W', { cpu: 0 }, function* () {
      yield* WRITE_ONCE(x, 1);
      yield* WRITE_ONCE(x, 2);
    });
    b.thread('R', { cpu: 1 }, function* () {
      yield* BUG_ON((yield* READ_ONCE(x)) === 2, 'R saw x == 2');
    });
    return undefined;
  });

  it.each(MEMORY_MODELS)('BUG_ON: an assertion, named by its message and thread (%s)', (mm) => {
    for (const reduction of [false, true]) {
      const { result } = bug.run(mm, { reduction });
      expect(result.violation).toEqual({ kind: 'assertion', property: 'R saw x == 2', description: 'R: R saw x == 2' });
      expect(stepsOf(result)).toEqual(['W: WRITE_ONCE(x, 1)', 'W: WRITE_ONCE(x, 2)', 'R: READ_ONCE(x)']);
    }
  });

  const witnesses = tinyModel('explore-witnesses', 1, (b) => {
    const x = b.loc('x');
    b.thread('A', { cpu: 0 }, function* () {
      yield* WRITE_ONCE(x, 1);
    });
    b.sometimes('x-is-1', 'x becomes 1', (s) => s.mem(x) === 1);
    b.sometimes('x-is-2', 'x becomes 2', (s) => s.mem(x) === 2);
    b.sometimes('x-is-3', 'x becomes 3', (s) => s.mem(x) === 3);
    return undefined;
  });

  it.each(MEMORY_MODELS)('witnesses: the first one never reached is the violation, without a trace (%s)', (mm) => {
    const { result } = witnesses.run(mm);
    expect(result.verdict).toBe('violated');
    expect(result.violation).toMatchObject({ kind: 'witness', property: 'x-is-2' });
    expect(result.violation?.description).toMatch(/never reached/);
    expect(result.counterexample).toBeUndefined();
    expect(witnessed(result, 'x-is-1')).toBe(true);
    expect(result.witnesses).toEqual([
      { name: 'x-is-1', reached: true },
      { name: 'x-is-2', reached: false },
      { name: 'x-is-3', reached: false },
    ]);
  });
});

describe('budgets, cancellation and progress reports', () => {
  it.each([1, 2, 3])('maxStates %i of 5: inconclusive, after one state more than the budget', (maxStates) => {
    const { result } = writers(4, { alone: true }).run('sc', { reduction: false, maxStates });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toBe(`state budget exhausted after ${maxStates + 1} states`);
    expect(result.states).toBe(maxStates + 1);
  });

  it('maxStates equal to the state space: holds (the budget counts states, not transitions)', () => {
    const { result } = writers(4, { alone: true }).run('sc', { reduction: false, maxStates: 5 });
    expect(result.verdict).toBe('holds');
    expect(result.states).toBe(5);
  });

  it('a signal aborted before the run: inconclusive, cancelled, after the initial state only', () => {
    const ac = new AbortController();
    ac.abort();
    const { result } = writers(3).run('sc', { signal: ac.signal });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toBe('cancelled after 1 states');
  });

  it('onProgress reports the safety phase; aborting from it cancels the run at the next check', () => {
    const ac = new AbortController();
    const seen: ProgressInfo[] = [];
    // 41 x 41 states: more than the 1,024 states expanded between two looks at the signal.
    const { result } = writers(40).run('sc', {
      reduction: false,
      signal: ac.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        seen.push(p);
        ac.abort();
      },
    });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toMatch(/^cancelled after \d+ states$/);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatchObject({ phase: 'safety', states: 1, depth: 0 });
    expect(seen[0]?.statesPerSecond).toBeGreaterThanOrEqual(0);
  });
});

/**
 * A waiter that stays pending until x = 1, and a writer that sets it: under weak fairness the
 * writer runs, so `eventually` holds; with `spin`, the writer may instead choose for ever to
 * try again (a fair lasso); with `block`, the writer may stop for good without writing (the run
 * stutters with the waiter pending).
 */
const liveness = (mode: 'fair' | 'spin' | 'block') =>
  tinyModel(`explore-liveness-${mode}`, 2, (b) => {
    const x = b.loc('x');
    const gate = b.loc('gate');
    b.allowDeadlock();
    b.thread('waiter', { cpu: 0 }, function* () {
      yield* wait_until(x, (v) => v === 1, 'wait for x');
    });
    // A run loop: each iteration starts from the same history, so trying again is a cycle.
    b.thread('writer', { cpu: 1, loop: mode === 'spin' }, function* () {
      if (mode === 'spin' && (yield* choose(2, 'try again?')) === 0) return;
      if (mode === 'block' && (yield* choose(2, 'give up?')) === 0) {
        yield* wait_until(gate, (v) => v === 1, 'wait for gate');
      }
      yield* WRITE_ONCE(x, 1);
      if (mode === 'spin') yield* wait_until(gate, (v) => v === 1, 'done', { end: true });
    });
    b.eventually('x-set', 'x is eventually 1', (s) => s.mem(x) !== 1);
    b.always('not-two', 'x is never 2', (s) => s.mem(x) !== 2);
    return (s) => `x=${s.mem(x)}`;
  });

describe('progress under weak fairness', () => {
  it.each(['sc', 'tso'] as const)(
    'holds when the writer cannot be kept from writing, on one graph or two (%s)',
    (mm) => {
      for (const oneGraph of [true, false]) {
        const { result } = liveness('fair').run(mm, { oneGraph });
        expect(result.verdict).toBe('holds');
        expect(result.livenessStates).toBeGreaterThan(0);
        expect(result.oneGraph).toBe(oneGraph ? true : undefined);
        if (oneGraph) expect(result.states).toBe(result.livenessStates);
      }
    },
  );

  it.each(['sc', 'tso'] as const)('a writer that may try again for ever: a fair lasso (%s)', (mm) => {
    for (const oneGraph of [true, false]) {
      const { result } = liveness('spin').run(mm, { oneGraph });
      expect(result.verdict).toBe('violated');
      expect(result.violation).toEqual({ kind: 'progress', property: 'x-set', description: 'x is eventually 1' });
      const t = result.counterexample;
      const start = t?.cycleStart ?? -1;
      expect(start).toBeGreaterThanOrEqual(0);
      const cycle = t?.steps.slice(start) ?? [];
      expect(cycle.length).toBeGreaterThan(0);
      expect(cycle.every((s) => s.actor === 'writer' && s.text === 'try again?' && s.choice === 0)).toBe(true);
    }
  });

  it.each(['sc', 'tso'] as const)('a writer that may stop for good: the run stutters, pending (%s)', (mm) => {
    const { result } = liveness('block').run(mm);
    expect(result.verdict).toBe('violated');
    expect(result.violation?.kind).toBe('progress');
    const t = result.counterexample;
    expect(t?.cycleStart).toBe(t?.steps.length);
    expect(t?.steps.map((s) => `${s.actor}: ${s.text}`)).toEqual(['writer: give up?']);
  });

  it.each(['sc', 'tso'] as const)('liveness: false skips the progress properties (%s)', (mm) => {
    const { result } = liveness('spin').run(mm, { liveness: false });
    expect(result.verdict).toBe('holds');
    expect(result.livenessStates).toBeUndefined();
    expect(result.oneGraph).toBeUndefined();
  });

  it('the state budget applies to the liveness graph too, and says so', () => {
    for (const oneGraph of [true, false]) {
      const { result } = liveness('spin').run('sc', { oneGraph, maxStates: 2, reduction: false });
      expect(result.verdict).toBe('inconclusive');
      expect(result.reason).toMatch(
        oneGraph ? /^state budget exhausted after 3 states \(liveness\)$/ : /^state budget/,
      );
    }
  });

  it('onProgress reports the liveness phase after the safety phase (two graphs)', () => {
    const phases = new Set<string>();
    const { result } = liveness('fair').run('sc', {
      oneGraph: false,
      progressIntervalMs: 0,
      onProgress: (p) => phases.add(p.phase),
    });
    expect(result.verdict).toBe('holds');
    expect([...phases].sort()).toEqual(['liveness', 'safety']);
  });

  it('a safety violation found on the liveness graph is a shortest one', () => {
    const m = tinyModel('explore-one-graph-safety', 2, (b) => {
      const x = b.loc('x');
      b.thread('A', { cpu: 0 }, function* () {
        yield* WRITE_ONCE(x, 1);
        yield* WRITE_ONCE(x, 2);
      });
      b.thread('B', { cpu: 1 }, function* () {
        yield* WRITE_ONCE(x, 3);
      });
      b.eventually('done', 'x ends at 2 or 3', (s) => s.mem(x) < 2);
      b.always('not-two', 'x is never 2', (s) => s.mem(x) !== 2);
      return undefined;
    });
    for (const oneGraph of [true, false]) {
      const { result } = m.run('sc', { oneGraph });
      expect(result.verdict).toBe('violated');
      expect(result.violation).toMatchObject({ kind: 'invariant', property: 'not-two' });
      expect(result.counterexample?.steps.map((s) => s.text)).toEqual(['WRITE_ONCE(x, 1)', 'WRITE_ONCE(x, 2)']);
    }
  });
});

describe('what the result says about the search', () => {
  it('the quotient of thread histories is used under every memory model (relaxed too, with its facts), not when off', () => {
    const m = writers(2);
    expect(m.run('sc').result.automata).toBeDefined();
    expect(m.run('tso').result.automata).toBeDefined();
    expect(m.run('relaxed').result.automata).toBeDefined();
    expect(m.run('sc', { quotient: false }).result.automata).toBeUndefined();
    expect(m.run('relaxed', { quotient: false }).result.automata).toBeUndefined();
  });

  const ghosts = tinyModel('explore-ghosts', 1, (b) => {
    const x = b.loc('x');
    const seen = b.ghost('seen by the property');
    const note = b.ghost('read only by the thread');
    const unread = b.ghost('never read');
    b.thread('A', { cpu: 0 }, function* () {
      yield* ghost(unread, 1);
      yield* WRITE_ONCE(x, 1);
      yield* ghost(note, 1);
      yield* WRITE_ONCE(x, 2);
      if ((yield* ghost_read(note)) === 1) yield* ghost(seen, 1);
      yield* WRITE_ONCE(x, 3);
    });
    b.sometimes('seen', 'the thread read its note', (s) => s.ghost(seen) === 1);
    return (s) => `x=${s.mem(x)} seen=${s.ghost(seen)}`;
  });

  it.each(MEMORY_MODELS)(
    'ghosts nothing reads are left out; one read by a step is stored after a restart (%s)',
    (mm) => {
      const on = ghosts.run(mm);
      const off = ghosts.run(mm, { unobservedGhosts: false });
      expect(on.result.verdict).toBe('holds');
      expect(off.result.verdict).toBe('holds');
      expect(on.outcomes).toEqual(['x=3 seen=1']);
      expect(off.outcomes).toEqual(on.outcomes);
      expect(on.result.ghosts).toEqual({ unstored: 1, of: 3, restarts: 1 });
      expect(off.result.ghosts).toBeUndefined();
      expect(on.result.states).toBeLessThanOrEqual(off.result.states);
    },
  );

  const twins = tinyModel('explore-twins', 2, (b) => {
    const xs = [b.loc('x0'), b.loc('x1')];
    const gs = [b.ghost('g0'), b.ghost('g1')];
    for (const i of [0, 1]) {
      b.thread(`T${i}`, { cpu: i }, function* () {
        yield* WRITE_ONCE(xs[i] as Loc, 1);
        yield* WRITE_ONCE(xs[i] as Loc, 2);
      });
    }
    b.symmetric('twins', 'full', [
      { threads: ['T0'], cpus: [0], locs: [xs[0] as Loc], ghosts: [gs[0] as never] },
      { threads: ['T1'], cpus: [1], locs: [xs[1] as Loc], ghosts: [gs[1] as never] },
    ]);
    return (s) => [s.mem(xs[0] as Loc), s.mem(xs[1] as Loc)].join(',');
  });

  it('a declared symmetry is used (fewer states) unless turned off, and the result says which', () => {
    const on = twins.run('sc', { reduction: false });
    const off = twins.run('sc', { reduction: false, symmetry: false });
    expect(on.result.verdict).toBe('holds');
    expect(off.result.verdict).toBe('holds');
    expect(off.result.symmetry).toBe('off (by option)');
    expect(on.result.symmetry).toMatch(/twins/);
    // 3 x 3 position pairs; 6 classes once the two twins are interchangeable.
    expect([on.result.states, off.result.states]).toEqual([6, 9]);
    expect(on.outcomes).toEqual(off.outcomes);
  });
});

describe('the search for a shorter counterexample under reduction', () => {
  // T0: smp_mb(); WRITE_ONCE(x, 1), alone: the reduced search takes the barrier as an ample set
  // at depth 0 and meets x == 1 at depth 2, so it looks for a run of at most 1 step: none.
  const lone = tinyModel('explore-lone-barrier', 1, (b) => {
    const x = b.loc('x');
    b.thread('T0', { cpu: 0 }, function* () {
      yield* smp_mb();
      yield* WRITE_ONCE(x, 1);
    });
    b.always('x-never-1', 'x is never 1', (s) => s.mem(x) !== 1);
    return undefined;
  });

  // (Under SC: under TSO the write drains in a third step; under relaxed the barrier is no ample set.)
  it('that finds none keeps the counterexample of the reduced search', () => {
    const { result } = lone.run('sc');
    expect(result.verdict).toBe('violated');
    expect(result.violation).toEqual({ kind: 'invariant', property: 'x-never-1', description: 'x is never 1' });
    expect(stepsOf(result)).toEqual(['T0: smp_mb()', 'T0: WRITE_ONCE(x, 1)']);
    expect(result.notShortest).toBeUndefined();
    // The initial state and the one after the barrier; the next is past the bound.
    expect(result.shortestSearchStates).toBe(2);
  });

  // T0: smp_mb(); then a wait that never passes, alone: the barrier is an ample set at depth 0,
  // and the deadlock is at depth 1. Every state within depth 0 (the initial one) was checked
  // before it, so no second search is needed, and none is made.
  const stuckAfterBarrier = tinyModel('explore-barrier-then-stuck', 1, (b) => {
    const x = b.loc('x');
    b.thread('T0', { cpu: 0 }, function* () {
      yield* smp_mb();
      yield* wait_until(x, (v) => v === 1, 'wait for x');
    });
    return undefined;
  });

  it('with liveness off, is the bounded safety search even when the model has a progress property', () => {
    const withProgress = tinyModel('explore-lone-barrier-progress', 1, (b) => {
      const x = b.loc('x');
      b.thread('T0', { cpu: 0 }, function* () {
        yield* smp_mb();
        yield* WRITE_ONCE(x, 1);
      });
      b.always('x-never-1', 'x is never 1', (s) => s.mem(x) !== 1);
      b.eventually('x-set', 'x is eventually 1', (s) => s.mem(x) !== 1);
      return undefined;
    });
    const { result } = withProgress.run('sc', { liveness: false });
    expect(stepsOf(result)).toEqual(['T0: smp_mb()', 'T0: WRITE_ONCE(x, 1)']);
    // As without the progress property: the search stops at depth 1 (the liveness graph would go on).
    expect(result.shortestSearchStates).toBe(2);
  });

  it('is not made for a violation one step past the first ample set', () => {
    const { result } = stuckAfterBarrier.run('sc');
    expect(result.violation?.kind).toBe('deadlock');
    expect(stepsOf(result)).toEqual(['T0: smp_mb()']);
    expect(result.shortestSearchStates).toBeUndefined();
  });

  // explore.test.ts's barriers model with a progress property: with liveness off, the search for
  // a shorter counterexample is the bounded safety search (18 states), not the liveness graph.
  const barriers = tinyModel('explore-barriers-progress', 4, (b) => {
    barriersFirst(b, { progress: true });
    return undefined;
  });

  it('is bounded and skips the progress properties, with liveness off or on two graphs', () => {
    for (const req of [{ liveness: false }, { oneGraph: false }]) {
      const { result } = barriers.run('sc', req);
      expect(result.violation?.property).toBe('x-never-1');
      expect(stepsOf(result)).toEqual(['T0: smp_mb()', 'T0: xchg(&x, 1)']);
      expect(result.shortestSearchStates).toBe(18);
      expect(result.livenessStates).toBeUndefined();
    }
  });
});

describe("the liveness graph: cancellation, and relaxed memory's untracked locations", () => {
  it('a signal aborted before a one-graph run: cancelled in the liveness phase, after the initial state', () => {
    const { result } = liveness('fair').run('sc', { signal: AbortSignal.abort() });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toBe('cancelled after 1 states (liveness)');
    expect(result.livenessStates).toBe(1);
  });

  // B reads x only after three choices of 7 out of 8, which the 48 random probe runs miss: the
  // search meets the read, tracks (B, x) and starts again. A never accesses y.
  const late = tinyModel('explore-late-access', 2, lateAccess);

  it('an access the probes missed restarts the search with it tracked; the result counts both', () => {
    const every = late.run('relaxed', { relaxedCollect: 'every-view' });
    const tracked = late.run('relaxed');
    expect(tracked.result.verdict).toBe('holds');
    // Both values of x reach B's read (y = 2 or 3), as when every view keeps every write.
    expect(tracked.outcomes).toEqual(['x=1 y=1', 'x=1 y=2', 'x=1 y=3']);
    expect(tracked.outcomes).toEqual(every.outcomes);
    // Of the 2 x 2 (thread, location) pairs, only (A, y) is never accessed.
    expect(tracked.result.untracked).toEqual({ pairs: 1, of: 4, restarts: 1 });
    expect(every.result.untracked).toBeUndefined();
    expect(late.run('sc').result.untracked).toBeUndefined();
  });
});

describe('weak fairness: which cycles are counterexamples', () => {
  /**
   * `spinner` chooses for ever (a run loop whose every iteration starts from the same history:
   * always enabled); `setter` writes x = 1 once. With `setterSpins`, the setter may choose for
   * ever to set x later instead.
   */
  const spinners = (setterSpins: boolean) =>
    tinyModel(`explore-fair-cycles-${setterSpins}`, 2, (b) => {
      const x = b.loc('x');
      const done = b.loc('done');
      b.allowDeadlock();
      b.thread('spinner', { cpu: 0, loop: true }, function* () {
        yield* choose(2, 'spin again');
      });
      b.thread('setter', { cpu: 1, loop: setterSpins }, function* () {
        if (setterSpins && (yield* choose(2, 'set later?')) === 0) return;
        yield* WRITE_ONCE(x, 1);
        yield* wait_until(done, (v) => v === 1, 'rest', { end: true });
      });
      b.eventually('x-set', 'x is eventually 1', (s) => s.mem(x) !== 1);
      return (s) => `x=${s.mem(x)}`;
    });

  it.each(['sc', 'tso'] as const)(
    'a cycle in which a thread that could always step never does is not one: holds (%s)',
    (mm) => {
      // The spinner's loop keeps x pending only while the setter, enabled throughout, never runs.
      for (const oneGraph of [true, false]) {
        const { result } = spinners(false).run(mm, { oneGraph });
        expect(result.verdict).toBe('holds');
        expect(result.livenessStates).toBeGreaterThan(0);
      }
    },
  );

  it.each(['sc', 'tso'] as const)('a fair cycle takes a step of every thread that steps in it (%s)', (mm) => {
    for (const oneGraph of [true, false]) {
      const { result } = spinners(true).run(mm, { oneGraph });
      expect(result.verdict).toBe('violated');
      expect(result.violation?.property).toBe('x-set');
      const t = result.counterexample;
      const start = t?.cycleStart ?? -1;
      expect(start).toBeGreaterThanOrEqual(0);
      const cycle = (t?.steps ?? []).slice(start);
      const actors = new Set(cycle.map((s) => s.actor));
      expect(actors).toEqual(new Set(['spinner', 'setter']));
      // The setter's steps in the cycle are its choice to set x later, never the write.
      const setter = cycle.filter((s) => s.actor === 'setter');
      expect(setter.every((s) => s.text === 'set later?' && s.choice === 0)).toBe(true);
    }
  });
});

describe('weak fairness: the lasso shown is itself a fair run', () => {
  /**
   * `spinner` may choose for ever to spin (a cycle of one step back to the same state), or close
   * the gate for a moment; `setter` waits for the gate to be open, then sets x. The region where
   * x stays pending is fair because the setter is disabled while the gate is closed; a lasso made
   * of the spinner's one-step cycle alone would keep the setter enabled throughout, never taken.
   */
  const gated = tinyModel('explore-fair-lasso-gate', 2, (b) => {
    const x = b.loc('x');
    const gate = b.loc('gate');
    b.allowDeadlock();
    b.thread('spinner', { cpu: 0, loop: true }, function* () {
      if ((yield* choose(2, 'close the gate?')) === 0) return;
      yield* WRITE_ONCE(gate, 1);
      yield* WRITE_ONCE(gate, 0);
    });
    b.thread('setter', { cpu: 1 }, function* () {
      yield* wait_until(gate, (v) => v === 0, 'wait for the gate');
      yield* WRITE_ONCE(x, 1);
    });
    b.eventually('x-set', 'x is eventually 1', (s) => s.mem(x) !== 1);
    return (s) => `x=${s.mem(x)} gate=${s.mem(gate)}`;
  });

  it('the cycle passes through a state where the setter, never stepping in it, is disabled', () => {
    for (const oneGraph of [true, false]) {
      const { result } = gated.run('sc', { oneGraph });
      expect(result.verdict).toBe('violated');
      expect(result.violation?.property).toBe('x-set');
      const t = result.counterexample;
      const start = t?.cycleStart ?? -1;
      expect(start).toBeGreaterThanOrEqual(0);
      const cycle = (t?.steps ?? []).slice(start);
      expect(cycle.some((s) => s.actor === 'setter')).toBe(false);
      // The gate is closed (the setter disabled) somewhere along the cycle.
      expect(cycle.some((s) => s.actor === 'spinner' && /gate, 1/.test(s.text))).toBe(true);
    }
  });
});

describe("partial-order reduction: when a thread's steps may be taken alone", () => {
  // The spinner's one step (a choice) is local and leads back to the state it starts from. Taken
  // alone there, it would put off the writer for ever (the cycle proviso: an ample set must lead
  // to new states only), and x == 1 would never be reached.
  const spinner = tinyModel('explore-proviso', 2, (b) => {
    const x = b.loc('x');
    b.thread('spinner', { cpu: 0, loop: true }, function* () {
      yield* choose(2, 'spin');
    });
    b.thread('W', { cpu: 1 }, function* () {
      yield* WRITE_ONCE(x, 1);
    });
    b.always('x-never-1', 'x is never 1', (s) => s.mem(x) !== 1);
    return undefined;
  });

  it.each(MEMORY_MODELS)('not when a step leads back to a state already stored (%s)', (mm) => {
    const { result } = spinner.run(mm);
    expect(result.verdict).toBe('violated');
    expect(stepsOf(result)).toEqual(['W: WRITE_ONCE(x, 1)']);
  });

  // A's first step chooses and writes the choice to a ghost a property reads: one successor
  // changes a ghost, so the step is not taken alone (each of its successors is kept).
  const pick = tinyModel('explore-ghost-ample', 2, (b) => {
    const x = b.loc('x');
    const y = b.loc('y');
    const g = b.ghost('g');
    b.thread('A', { cpu: 0 }, function* () {
      const c = yield* choose(2, 'pick');
      yield* ghost(g, c);
      yield* WRITE_ONCE(x, c + 1);
    });
    b.thread('B', { cpu: 1 }, function* () {
      yield* WRITE_ONCE(y, 1);
    });
    b.sometimes('g-1', 'g becomes 1', (s) => s.ghost(g) === 1);
    return (s) => `x=${s.mem(x)} y=${s.mem(y)} g=${s.ghost(g)}`;
  });

  it.each(['sc', 'tso'] as const)('not when one of its successors changes a ghost (%s)', (mm) => {
    const reduced = pick.run(mm);
    const full = pick.run(mm, { reduction: false });
    expect(reduced.result.verdict).toBe('holds');
    expect(reduced.outcomes).toEqual(['x=1 y=1 g=0', 'x=2 y=1 g=1']);
    expect(reduced.outcomes).toEqual(full.outcomes);
  });
});

describe('one graph for safety and liveness', () => {
  it.each(['sc', 'tso'] as const)(
    'is the unreduced safety graph: the same states, transitions, depth and final outcomes (%s)',
    (mm) => {
      const one = liveness('fair').run(mm, { oneGraph: true });
      const safety = liveness('fair').run(mm, { liveness: false, reduction: false });
      expect(one.result.oneGraph).toBe(true);
      expect([one.result.states, one.result.transitions, one.result.depth]).toEqual([
        safety.result.states,
        safety.result.transitions,
        safety.result.depth,
      ]);
      expect(one.result.depth).toBeGreaterThan(0);
      expect(one.outcomes).toEqual(['x=1']);
      expect(one.outcomes).toEqual(safety.outcomes);
    },
  );

  it('reports a witness never reached, and a safety violation as violated', () => {
    const m = tinyModel('explore-one-graph-witness', 2, (b) => {
      const x = b.loc('x');
      b.thread('A', { cpu: 0 }, function* () {
        yield* WRITE_ONCE(x, 1);
      });
      b.eventually('x-set', 'x is eventually 1', (s) => s.mem(x) !== 1);
      b.sometimes('x-2', 'x becomes 2', (s) => s.mem(x) === 2);
      return undefined;
    });
    const { result } = m.run('sc');
    expect(result.oneGraph).toBe(true);
    expect(result.verdict).toBe('violated');
    expect(result.violation).toEqual({ kind: 'witness', property: 'x-2', description: 'never reached: x becomes 2' });
    expect(result.livenessStates).toBe(2);
  });
});
