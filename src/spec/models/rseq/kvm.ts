/**
 * virt/kvm/kvm_main.c and arch/x86/kvm/x86.c (Linux v5.14): ioctl(KVM_RUN) from the entry of
 * kvm_vcpu_ioctl() to the exit to user space, for the selftest's guest, which does nothing
 * but GUEST_SYNC: every VM entry ends in an I/O exit that KVM hands to user space. Requests,
 * vcpu->mode, interrupt injection and the SRCU lock are left out (see the requests chapter).
 */
import { action, guest_enter, Kind, local_irq_disable, local_irq_enable, type Op } from '../../engine/index.ts';
import { xfer_to_guest_mode_handle_work } from './entry.ts';
import { schedule } from './sched.ts';
import {
  _TIF_NEED_RESCHED,
  FROM_IOCTL,
  type KernelVersion,
  read_thread_flags,
  type Task,
  XFER_TO_GUEST_MODE_WORK,
} from './thread_info.ts';

/** vcpu_run() returns to its caller (and so the ioctl to user space). */
export const VCPU_RUN_RETURNS = -1;

// #region kvm_vcpu_ioctl
/**
 * virt/kvm/kvm_main.c: kvm_vcpu_ioctl(KVM_RUN) until kvm_arch_vcpu_ioctl_run() calls
 * vcpu_run(). mutex_lock_killable(&vcpu->mutex) may sleep, so with CONFIG_PREEMPT_VOLUNTARY its
 * might_resched() is a preemption point: a reschedule requested since the task entered the
 * kernel happens here, before KVM first looks at the flags.
 */
export function* kvm_vcpu_ioctl_run_enter(task: Task, kernel: KernelVersion): Op {
  if ((yield* read_thread_flags(task, 'mutex_lock_killable() → might_resched():')) & _TIF_NEED_RESCHED) {
    yield* schedule(task, kernel, FROM_IOCTL); // might_resched() → __cond_resched() → __schedule()
  }
}
// #endregion kvm_vcpu_ioctl

// #region vcpu_run
/**
 * arch/x86/kvm/x86.c: one pass of vcpu_run()'s for (;;) loop. Returns VCPU_RUN_RETURNS when
 * the loop breaks (the guest's I/O exit is for user space), else the work that
 * xfer_to_guest_mode_handle_work() found (0: none, go round again).
 */
export function* vcpu_run(task: Task): Op<number> {
  const r = yield* vcpu_enter_guest(task);
  if (r <= 0) return VCPU_RUN_RETURNS;
  // (pending timers, IRQ-window exits and async page faults: nothing to do in this model)
  // __xfer_to_guest_mode_work_pending(): a racy, unlocked look first…
  if ((yield* read_thread_flags(task, '__xfer_to_guest_mode_work_pending():')) & XFER_TO_GUEST_MODE_WORK) {
    // …then srcu_read_unlock(); xfer_to_guest_mode_handle_work(vcpu); srcu_read_lock().
    return yield* xfer_to_guest_mode_handle_work(task);
  }
  return 0;
}

/**
 * vcpu_enter_guest(), the part this model is about: with interrupts disabled,
 * kvm_vcpu_exit_request() cancels the entry if work is pending (returns 1, back to the loop);
 * otherwise the guest runs its GUEST_SYNC and the I/O exit returns 0 (to user space).
 */
function* vcpu_enter_guest(task: Task): Op<number> {
  yield* local_irq_disable();
  // kvm_vcpu_exit_request(): EXITING_GUEST_MODE || kvm_request_pending() || xfer_to_guest_mode_work_pending()
  if ((yield* read_thread_flags(task, 'kvm_vcpu_exit_request():')) & XFER_TO_GUEST_MODE_WORK) {
    yield* local_irq_enable();
    return 1; // cancel_injection: r = 1
  }
  yield* guest_enter('VM-entry (guest_code(): GUEST_SYNC(0))');
  yield* vm_exit_io();
  yield* local_irq_enable();
  return 0; // kvm_x86_handle_exit(): KVM_EXIT_IO is completed by user space, r = 0
}
// #endregion vcpu_run

/**
 * The guest's GUEST_SYNC is a port I/O instruction: the VM exits at once, whether or not an
 * interrupt is pending (the machine's own guest_exit() waits for an interrupt).
 */
function* vm_exit_io(): Op {
  yield action(Kind.GuestExit, 'VM-exit: I/O (GUEST_SYNC), for user space', { b: 1 });
}
