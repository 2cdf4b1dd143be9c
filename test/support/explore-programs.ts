/**
 * Programs the explorer's tests share (explore-behaviour, explore-clock, explore-parallel), each
 * declared into a model builder so that a test may add threads or properties around it.
 */
import {
  choose,
  type ModelBuilder,
  READ_ONCE,
  type StateView,
  smp_mb,
  WRITE_ONCE,
  xchg,
} from '../../src/spec/engine/index.ts';

/**
 * T0: smp_mb(); xchg(&x, 1)   T1..T3: smp_mb(); smp_mb()   always x != 1 (on CPUs 0 to 3). The
 * reduced search takes the local barriers first and meets x == 1 after 5 steps; the shortest run
 * has 2, which the unreduced search bounded at depth 4 finds in 18 states (explore.test.ts).
 * `onCheck` runs each time the invariant is evaluated; `progress` adds "eventually x == 1".
 */
export function barriersFirst(b: ModelBuilder, opts: { onCheck?: () => void; progress?: boolean } = {}): void {
  const x = b.loc('x');
  b.thread('T0', { cpu: 0 }, function* () {
    yield* smp_mb();
    yield* xchg(x, 1);
  });
  for (let t = 1; t < 4; t++) {
    b.thread(`T${t}`, { cpu: t }, function* () {
      yield* smp_mb();
      yield* smp_mb();
    });
  }
  const onCheck = opts.onCheck;
  b.always('x-never-1', 'x is never 1', (s) => {
    onCheck?.();
    return s.mem(x) !== 1;
  });
  if (opts.progress) b.eventually('x-set', 'x is eventually 1', (s) => s.mem(x) !== 1);
}

/**
 * A: WRITE_ONCE(x, 1)   B: three choices among 8; only if all three are 7, READ_ONCE(x); then
 * WRITE_ONCE(y, what it read + 2, or 1). The 48 random probe runs miss B's read of x, so under
 * relaxed memory the search meets it untracked and starts again. Returns the outcome "x=… y=…".
 */
export function lateAccess(b: ModelBuilder): (s: StateView) => string {
  const x = b.loc('x');
  const y = b.loc('y');
  b.thread('A', { cpu: 0 }, function* () {
    yield* WRITE_ONCE(x, 1);
  });
  b.thread('B', { cpu: 1 }, function* () {
    let sevens = 0;
    for (let i = 0; i < 3; i++) if ((yield* choose(8, 'pick')) === 7) sevens++;
    const seen = sevens === 3 ? yield* READ_ONCE(x) : -1;
    yield* WRITE_ONCE(y, seen + 2);
  });
  return (s) => `x=${s.mem(x)} y=${s.mem(y)}`;
}
