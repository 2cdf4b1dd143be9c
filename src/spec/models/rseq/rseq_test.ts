/**
 * tools/testing/selftests/kvm/rseq_test.c (added by 61e52f1630f5 for v5.15; as in v6.12, where it
 * uses the getcpu() system call and migrates the thread that registered rseq): the migration
 * thread and the pieces of main()'s loop that run in user space. The kernel code that main()'s
 * ioctl(KVM_RUN) and getcpu() run is in kvm.ts, entry.ts, sched.ts and rseq.ts; model.ts strings
 * them together.
 */
import {
  action,
  choose,
  Kind,
  type Loc,
  type Op,
  Order,
  READ_ONCE,
  smp_rmb,
  smp_wmb,
  wait_until,
} from '../../engine/index.ts';
import { sched_setaffinity } from './sched.ts';
import type { Task } from './thread_info.ts';

/**
 * How the migration thread waits before its next migration:
 * - `usleep`: as the test does, `usleep((i % 10) + 1)`. The exhaustive checker does not model
 *   time, so for it this is no delay at all; the timed simulation gives the step its duration.
 * - `until-checked`: an idealised delay that is always long enough: the next migration starts
 *   only once main() has completed a check after this one.
 * - `none`: back-to-back migrations.
 */
export type Delay = 'none' | 'usleep' | 'until-checked';

export interface Selftest {
  /** static atomic_t seq_cnt. */
  readonly seq_cnt: Loc;
  /**
   * 0: the count is exact (a test run of NR_TASK_MIGRATIONS migrations). Otherwise it wraps at
   * this modulus, so that a migration thread that runs forever leaves the model finite; see
   * the variants for where a wrapped count is exact and where it is only an over-approximation.
   */
  readonly seqMod: number;
  /** For the `until-checked` delay: the (even) count of main()'s last completed check. */
  readonly checked: Loc;
}

// #region rseq_test-atomics
/** tools/include/linux/atomic.h: atomic_inc() (a LOCK-prefixed increment on x86); returns the new count. */
function* atomic_inc(x: Loc, mod: number): Op<number> {
  const inc = (v: number) => (mod ? (v + 1) % mod : v + 1);
  return inc(yield action(Kind.Rmw, `atomic_inc(&${x.name})`, { a: x.id, order: Order.Once, rmw: inc }));
}

/** atomic_read(): READ_ONCE() of the counter. */
function* atomic_read(x: Loc): Op<number> {
  return yield action(Kind.Read, `atomic_read(&${x.name})`, { a: x.id });
}
// #endregion rseq_test-atomics

// #region migration_worker
/** migration_worker(): one pass of its `for (i = 0; i < NR_TASK_MIGRATIONS; i++)` loop. */
export function* migration_worker(task: Task, t: Selftest, delay: Delay): Op {
  // Bump the count to odd: a migration is in progress; make it visible before the migration.
  yield* atomic_inc(t.seq_cnt, t.seqMod);
  yield* smp_wmb();
  yield* sched_setaffinity(task); // pins the vCPU thread to the next CPU; returns once it moved
  yield* smp_wmb();
  const even = yield* atomic_inc(t.seq_cnt, t.seqMod); // even again: no migration in progress
  switch (delay) {
    case 'usleep':
      yield* choose(1, 'usleep((i % 10) + 1)');
      return;
    case 'until-checked':
      yield* wait_until(t.checked, (c) => c === even, 'usleep(): until main() has checked', { end: true });
      return;
    case 'none':
      return;
  }
}
// #endregion migration_worker

// #region do_while
/**
 * main(): the first half of a pass of the do-while. Drop bit 0 so that an odd count (a migration
 * in progress) can never match the second read.
 */
export function* read_seq_begin(t: Selftest): Op<number> {
  const snapshot = (yield* atomic_read(t.seq_cnt)) & ~1;
  yield* smp_rmb(); // getcpu() and rseq.cpu_id are not read before the count
  return snapshot;
}

/** After getcpu(): read rseq's cpu_id, then the count again; the pass is the last if it has not moved. */
export function* read_rseq_cpu_and_retry(task: Task, t: Selftest, snapshot: number): Op<[number, boolean]> {
  const rseq_cpu = yield* READ_ONCE(task.rseq_cpu_id); // rseq_current_cpu_raw()
  yield* smp_rmb();
  const again = yield* atomic_read(t.seq_cnt);
  return [rseq_cpu, snapshot !== again]; // while (snapshot != atomic_read(&seq_cnt))
}
// #endregion do_while
