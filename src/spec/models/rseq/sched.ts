/**
 * kernel/sched/core.c and include/linux/sched.h (Linux v5.14): the scheduler as far as the vCPU
 * task sees it. sched_setaffinity() from another thread queues the task's move, wakes the
 * stopper, and the stopper's wake-up makes the task reschedule: resched_curr() sets
 * TIF_NEED_RESCHED and sends the reschedule IPI to the task's CPU. The task's next schedule()
 * switches to the stopper (prepare_task_switch() → rseq_preempt(prev) raises TIF_NOTIFY_RESUME),
 * which moves it to its other CPU (set_task_cpu() → rseq_migrate() raises it again), so that
 * rseq's cpu_id is refreshed before the task next returns to user space.
 */
import {
  clear_bit,
  fetch_or,
  ghost,
  migrate,
  type Op,
  READ_ONCE,
  set_bit,
  smp_mb,
  smp_processor_id,
  smp_send_reschedule,
  smp_wmb,
  test_bit,
  WRITE_ONCE,
  wait_until,
} from '../../engine/index.ts';
import { type KernelVersion, type Task, TIF_NEED_RESCHED, TIF_NOTIFY_RESUME } from './thread_info.ts';

const rework = (k: KernelVersion): boolean => k === 'rseq-2025' || k === 'rseq-2025-no-retrigger';

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
  // context_switch(rq, prev, next) → prepare_task_switch(): every switch away from the task.
  yield* rseq_preempt(task, kernel, from);
  // The stopper runs migration_cpu_stop() → move_queued_task() → set_task_cpu(p, new_cpu).
  const target = (yield* smp_processor_id()) === 0 ? 1 : 0; // the task may run on CPUs 0 and 1
  yield* set_task_cpu(task, kernel, target);
  yield* migrate('migration_cpu_stop(): the task moves to its other CPU');
  // complete_all(&pending->done): sched_setaffinity() may return.
  yield* WRITE_ONCE(task.migration_pending, 0);
}

/**
 * prepare_task_switch() → rseq_preempt(prev) (include/linux/rseq.h, v5.14): __set_bit() of
 * RSEQ_EVENT_PREEMPT_BIT in t->rseq_event_mask (read only by the critical-section fixup, which
 * the model leaves out) and rseq_set_notify_resume(): TIF_NOTIFY_RESUME, the task having rseq
 * registered. The 2025 rework's rseq_sched_switch_event(prev) (d923739e2e35, tip core/rseq)
 * sets t->rseq_event_pending and the same flag.
 */
function* rseq_preempt(task: Task, kernel: KernelVersion, from: number): Op {
  if (rework(kernel)) yield* WRITE_ONCE(task.rseq_event, 1, 'true'); // t->rseq_event_pending = true
  yield* set_bit(TIF_NOTIFY_RESUME, task.ti_flags, 'TIF_NOTIFY_RESUME');
  if (task.trackRoute) yield* ghost(task.notify_from, from);
}

/**
 * set_task_cpu(p, new_cpu) (kernel/sched/core.c, v5.14): the CPU changes, so rseq_migrate(p)
 * (__set_bit(RSEQ_EVENT_MIGRATE_BIT) and rseq_set_notify_resume() again), then
 * __set_task_cpu() → WRITE_ONCE(p->cpu, new_cpu). d923739e2e35 removed rseq_migrate(): in the
 * 2025 rework the context switch's event is the only one.
 */
function* set_task_cpu(task: Task, kernel: KernelVersion, target: number): Op {
  if (!rework(kernel)) yield* set_bit(TIF_NOTIFY_RESUME, task.ti_flags, 'TIF_NOTIFY_RESUME'); // rseq_migrate(p)
  yield* WRITE_ONCE(task.cpu, target, `${target}`);
}
// #endregion schedule

// #region sched_setaffinity
/**
 * sched_setaffinity(vcpu_tid, {the other CPU}) from the selftest's migration thread:
 * __sched_setaffinity() → __set_cpus_allowed_ptr() → task_rq_lock(p) → affine_move_task() finds
 * the task running on a CPU it may no longer use, queues migration_cpu_stop() for that CPU with
 * stop_one_cpu_nowait(), and waits until the stopper has moved it.
 */
export function* sched_setaffinity(task: Task): Op {
  const cpu = yield* READ_ONCE(task.cpu); // task_rq_lock(p): rq = task_rq(p), cpu_of(rq) == task_cpu(p)
  yield* WRITE_ONCE(task.migration_pending, 1); // p->migration_pending, stop_one_cpu_nowait(cpu_of(rq), …)
  // The stopper and run-queue locks order the queued work before the resched request.
  yield* smp_wmb();
  // cpu_stop_queue_work() → wake_up_q() → wake_up_process(stopper) → try_to_wake_up() →
  // ttwu_queue() → ttwu_do_activate() → check_preempt_curr(): the stop class is above the
  // task's, so resched_curr(rq of cpu).
  yield* resched_curr(task, cpu);
  // wait_for_completion(&pending->done). An `end` wait: if the test has failed and exited,
  // nothing will ever move the task again, and that is not a deadlock.
  yield* wait_until(task.migration_pending, (v) => v === 0, 'wait_for_completion(&pending->done)', { end: true });
}

/**
 * resched_curr(rq) (kernel/sched/core.c, v5.14), from another CPU, for rq->curr == the vCPU task:
 * nothing to do if TIF_NEED_RESCHED is set already; otherwise set_nr_and_not_polling() sets it
 * with fetch_or() and, the task not being an idle task polling TIF_POLLING_NRFLAG, the caller
 * sends the reschedule IPI.
 */
function* resched_curr(task: Task, cpu: number): Op {
  if (yield* test_bit(TIF_NEED_RESCHED, task.ti_flags, 'TIF_NEED_RESCHED')) return; // test_tsk_need_resched(curr)
  yield* fetch_or(task.ti_flags, 1 << TIF_NEED_RESCHED, '_TIF_NEED_RESCHED'); // set_nr_and_not_polling(curr)
  yield* smp_send_reschedule(cpu);
}
// #endregion sched_setaffinity
