/**
 * kernel/sched/core.c and include/linux/sched.h (Linux v5.14): the scheduler as far as the vCPU
 * task sees it. sched_setaffinity() from another thread queues the task's move and makes it
 * reschedule; the task's next schedule() lets the stopper move it to its other CPU, and
 * set_task_cpu() → rseq_migrate() raises TIF_NOTIFY_RESUME so that rseq's cpu_id is refreshed
 * before the task next returns to user space.
 */
import {
  clear_bit,
  ghost,
  migrate,
  type Op,
  READ_ONCE,
  set_bit,
  smp_mb,
  smp_wmb,
  WRITE_ONCE,
  wait_until,
} from '../../engine/index.ts';
import { type KernelVersion, type Task, TIF_NEED_RESCHED, TIF_NOTIFY_RESUME } from './thread_info.ts';

// #region schedule
/**
 * schedule() → __schedule() of the vCPU task. The only other work on its CPU is the stopper
 * that sched_setaffinity() queued, so a context switch happens exactly when a move is pending;
 * `from` records the call site for the route bookkeeping.
 */
export function* schedule(task: Task, kernel: KernelVersion, from: number): Op {
  // rq_lock() + smp_mb__after_spinlock(): orders the caller's read of TIF_NEED_RESCHED before
  // the look at the run queue; pairs with the locks sched_setaffinity() takes.
  yield* smp_mb();
  // pick_next_task(): the stopper, if migration_cpu_stop() has been queued for this CPU.
  const pending = yield* READ_ONCE(task.migration_pending);
  yield* clear_bit(TIF_NEED_RESCHED, task.ti_flags, 'TIF_NEED_RESCHED'); // clear_tsk_need_resched(prev)
  if (!pending) return;
  // context_switch() to the stopper: migration_cpu_stop() → move_queued_task() → set_task_cpu().
  yield* rseq_migrate(task, kernel, from);
  yield* migrate('migration_cpu_stop(): the task moves to its other CPU');
  // complete_all(&pending->done): sched_setaffinity() may return.
  yield* WRITE_ONCE(task.migration_pending, 0);
}

/**
 * set_task_cpu() → rseq_migrate() (include/linux/sched.h, v5.14): note the event and raise
 * TIF_NOTIFY_RESUME through rseq_set_notify_resume(). In the 2025 rework,
 * rseq_sched_switch_event() records t->rseq.event.sched_switch and raises the same flag.
 */
function* rseq_migrate(task: Task, kernel: KernelVersion, from: number): Op {
  if (kernel === 'rseq-2025' || kernel === 'rseq-2025-no-retrigger') {
    yield* WRITE_ONCE(task.rseq_event, 1, 'true'); // t->rseq.event.sched_switch = true
  }
  yield* set_bit(TIF_NOTIFY_RESUME, task.ti_flags, 'TIF_NOTIFY_RESUME');
  if (task.trackRoute) yield* ghost(task.notify_from, from);
}
// #endregion schedule

// #region sched_setaffinity
/**
 * sched_setaffinity(vcpu_tid, {the other CPU}) from the selftest's migration thread:
 * __set_cpus_allowed_ptr() → affine_move_task() finds the task running on a CPU it may no
 * longer use, queues migration_cpu_stop() for that CPU, makes the task reschedule, and waits
 * until the stopper has moved it.
 */
export function* sched_setaffinity(task: Task): Op {
  yield* WRITE_ONCE(task.migration_pending, 1); // p->migration_pending, stop_one_cpu_nowait()
  // The stopper and run-queue locks order the queued work before the resched request.
  yield* smp_wmb();
  // resched_curr(): set_tsk_need_resched(). (Its reschedule IPI is left out: see the chapter.)
  yield* set_bit(TIF_NEED_RESCHED, task.ti_flags, 'TIF_NEED_RESCHED');
  // wait_for_completion(&pending->done). An `end` wait: if the test has failed and exited,
  // nothing will ever move the task again, and that is not a deadlock.
  yield* wait_until(task.migration_pending, (v) => v === 0, 'wait_for_completion(&pending->done)', { end: true });
}
// #endregion sched_setaffinity
