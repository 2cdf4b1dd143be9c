/**
 * The vCPU task as the kernel sees it: its thread-info flags (arch/x86/include/asm/thread_info.h,
 * Linux v5.14), the rseq area it registered, and the scheduler state the migration thread
 * changes. Shared by the kernel files of this model (sched.ts, rseq.ts, entry.ts, kvm.ts).
 */
import { action, type Ghost, Kind, type Loc, type Op } from '../../engine/index.ts';

// #region thread_info
// arch/x86/include/asm/thread_info.h (v5.14): the two work bits this model is about.
export const TIF_NOTIFY_RESUME = 1; // callback before returning to user
export const TIF_NEED_RESCHED = 3; // rescheduling necessary
export const _TIF_NOTIFY_RESUME = 1 << TIF_NOTIFY_RESUME;
export const _TIF_NEED_RESCHED = 1 << TIF_NEED_RESCHED;

// include/linux/entry-kvm.h and entry-common.h: the work handled before guest entry and before
// the return to user space (signals, uprobes, live patching… are left out of the model).
export const XFER_TO_GUEST_MODE_WORK = _TIF_NEED_RESCHED | _TIF_NOTIFY_RESUME;
export const EXIT_TO_USER_MODE_WORK = _TIF_NEED_RESCHED | _TIF_NOTIFY_RESUME;
// #endregion thread_info

/** Formats thread-info flags for traces. */
export function tifNames(v: number): string {
  const names: string[] = [];
  if (v & _TIF_NEED_RESCHED) names.push('NEED_RESCHED');
  if (v & _TIF_NOTIFY_RESUME) names.push('NOTIFY_RESUME');
  return names.length ? names.join('|') : '0';
}

/**
 * The kernel the model runs: before the fix, the two 2021 fixes, and the 2025 rework of rseq
 * (with, hypothetically, its re-raise after vcpu_run() forgotten).
 */
export type KernelVersion = 'v5.14' | 'fix-8646e53633f3' | 'v5.15' | 'rseq-2025' | 'rseq-2025-no-retrigger';

/** Where a schedule() that migrated the task was called from (for the route ghosts). */
export const FROM_XFER = 1;
export const FROM_IOCTL = 2;
export const FROM_EXIT = 3;
/** schedule() in xfer_to_guest_mode_work() after an external-interrupt exit (the reschedule IPI hit the guest). */
export const FROM_XFER_AFTER_IRQ = 4;

/** The shared state of the vCPU task and the ghosts the kernel side keeps for the properties. */
export interface Task {
  /** current_thread_info()->flags of the vCPU task. */
  readonly ti_flags: Loc;
  /** __rseq.cpu_id in the task's rseq area (user memory). */
  readonly rseq_cpu_id: Loc;
  /** 2025 rework only: t->rseq.event.sched_switch. */
  readonly rseq_event: Loc;
  /** p->migration_pending: an affinity change waiting for migration_cpu_stop() to move the task. */
  readonly migration_pending: Loc;
  /** p->cpu: the CPU whose run queue the task is on (task_cpu(p)); __set_task_cpu() writes it. */
  readonly cpu: Loc;
  /** The CPU rseq_update_cpu_id() last wrote (a ghost copy of rseq_cpu_id, for bookkeeping). */
  readonly rseq_written: Ghost;
  /** The task runs user code (1) or kernel code (0). */
  readonly user: Ghost;
  /** Route bookkeeping: where the schedule() that last set TIF_NOTIFY_RESUME was called from. */
  readonly notify_from: Ghost;
  /** Route bookkeeping: where the TIF_NOTIFY_RESUME that KVM's xfer work last cleared came from (0: none since the last rseq update). */
  readonly kvm_cleared: Ghost;
  /** Route bookkeeping: the vCPU's last VM exit was an external-interrupt exit (1) or not (0). */
  readonly irq_exit: Ghost;
  /** Keep the route ghosts up to date (costs states; only the variants that show routes do). */
  readonly trackRoute: boolean;
}

/**
 * READ_ONCE(current_thread_info()->flags), named after the function that reads them, so that a
 * trace says which of the task's many looks at its flags a step is.
 */
export function* read_thread_flags(task: Task, where: string): Op<number> {
  return yield action(Kind.Read, `${where} READ_ONCE(ti->flags)`, { a: task.ti_flags.id });
}
