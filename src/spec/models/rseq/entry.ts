/**
 * kernel/entry/kvm.c and kernel/entry/common.c (Linux v5.14): the two places where the vCPU
 * task handles its work flags. KVM's run loop calls xfer_to_guest_mode_handle_work() before it
 * enters the guest; every return to user space goes through exit_to_user_mode_loop(). Both
 * loop while work is pending: here each function is one pass of its loop and returns the
 * flags it re-read at the bottom, and the task (model.ts) goes round again while they have
 * work. The engine restarts a thread's body at each loop head, which keeps the model finite.
 */
import { ghost_read, type Op } from '../../engine/index.ts';
import { rseq_handle_notify_resume, tracehook_notify_resume } from './rseq.ts';
import { schedule } from './sched.ts';
import {
  _TIF_NEED_RESCHED,
  _TIF_NOTIFY_RESUME,
  EXIT_TO_USER_MODE_WORK,
  FROM_EXIT,
  FROM_XFER,
  FROM_XFER_AFTER_IRQ,
  type KernelVersion,
  read_thread_flags,
  type Task,
  XFER_TO_GUEST_MODE_WORK,
} from './thread_info.ts';

// #region xfer_to_guest_mode_work
/**
 * kernel/entry/kvm.c: xfer_to_guest_mode_handle_work() reads the flags once more and returns
 * the work they hold (0: none, back to the run loop).
 */
export function* xfer_to_guest_mode_handle_work(task: Task): Op<number> {
  const ti_work = yield* read_thread_flags(task, 'xfer_to_guest_mode_handle_work():');
  return ti_work & XFER_TO_GUEST_MODE_WORK;
}

/**
 * One pass of xfer_to_guest_mode_work()'s do-while loop, for the flags `ti_work` read before
 * it. Signals are not modelled; arch_xfer_to_guest_mode_handle_work() does nothing on x86.
 */
export function* xfer_to_guest_mode_work(task: Task, kernel: KernelVersion, ti_work: number): Op<number> {
  // schedule() may migrate the task, which sets TIF_NOTIFY_RESUME: not in this pass's ti_work,
  // so it is handled on the next pass, below, by the same code as a flag that was already set.
  if (ti_work & _TIF_NEED_RESCHED) {
    // Route bookkeeping: did an external-interrupt exit (the reschedule IPI in the guest) bring us here?
    const afterIrq = task.trackRoute && (yield* ghost_read(task.irq_exit)) === 1;
    yield* schedule(task, kernel, afterIrq ? FROM_XFER_AFTER_IRQ : FROM_XFER);
  }
  if (ti_work & _TIF_NOTIFY_RESUME) {
    // v5.14: clears the flag; nothing tells rseq (the bug, since 72c3c0fe54a3).
    yield* tracehook_notify_resume(task, kernel, false);
    // 8646e53633f3: rseq_handle_notify_resume(NULL, NULL) right after it.
    if (kernel === 'fix-8646e53633f3') yield* rseq_handle_notify_resume(task, kernel, false);
  }
  // ti_work = READ_ONCE(current_thread_info()->flags); loop while it has work or need_resched().
  return (yield* read_thread_flags(task, 'xfer_to_guest_mode_work(): ti_work =')) & XFER_TO_GUEST_MODE_WORK;
}
// #endregion xfer_to_guest_mode_work

// #region exit_to_user_mode_loop
/**
 * kernel/entry/common.c: exit_to_user_mode_prepare(), with interrupts disabled, on the way out
 * of a system call (syscall_exit_to_user_mode()) or of an interrupt taken in user mode
 * (irqentry_exit_to_user_mode()): the work to do before the return to user space (0: none).
 */
export function* exit_to_user_mode_prepare(task: Task, caller: string): Op<number> {
  const ti_work = yield* read_thread_flags(task, `${caller} → exit_to_user_mode_prepare():`);
  return ti_work & EXIT_TO_USER_MODE_WORK;
}

/** One pass of exit_to_user_mode_loop()'s while loop (interrupts enabled inside it). */
export function* exit_to_user_mode_loop(task: Task, kernel: KernelVersion, ti_work: number): Op<number> {
  if (ti_work & _TIF_NEED_RESCHED) yield* schedule(task, kernel, FROM_EXIT);
  if (ti_work & _TIF_NOTIFY_RESUME) {
    yield* tracehook_notify_resume(task, kernel, true);
    // Before a68de80f61f6 the rseq call sat here, next to tracehook_notify_resume(regs).
    if (kernel === 'v5.14' || kernel === 'fix-8646e53633f3') yield* rseq_handle_notify_resume(task, kernel, true);
  }
  // local_irq_disable_exit_to_user(); ti_work = READ_ONCE(current_thread_info()->flags)
  return (yield* read_thread_flags(task, 'exit_to_user_mode_loop(): ti_work =')) & EXIT_TO_USER_MODE_WORK;
}
// #endregion exit_to_user_mode_loop
