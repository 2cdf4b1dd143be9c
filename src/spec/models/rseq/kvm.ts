/**
 * virt/kvm/kvm_main.c and arch/x86/kvm/x86.c (Linux v5.14): ioctl(KVM_RUN) from the entry of
 * kvm_vcpu_ioctl() to the exit to user space, for the selftest's guest, which does nothing
 * but GUEST_SYNC: a VM entry ends in an I/O exit that KVM hands to user space, unless an
 * interrupt (here the reschedule IPI) arrives first and the VM exits to KVM for it. Requests,
 * vcpu->mode, interrupt injection and the SRCU lock are left out (see the requests chapter).
 */
import {
  EXIT_REASON_EXTERNAL_INTERRUPT,
  ghost,
  guest_enter,
  guest_run,
  local_irq_disable,
  local_irq_enable,
  type Op,
} from '../../engine/index.ts';
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
 * kvm_vcpu_exit_request() cancels the entry if work is pending (returns 1, back to the loop).
 * Otherwise the guest runs until its GUEST_SYNC's I/O exit, for user space (returns 0), or until
 * an interrupt pending on this CPU exits it first (returns 1: back to vcpu_run()'s loop, whose
 * __xfer_to_guest_mode_work_pending() then sees the TIF_NEED_RESCHED the IPI came with).
 */
function* vcpu_enter_guest(task: Task): Op<number> {
  yield* local_irq_disable();
  // kvm_vcpu_exit_request(): EXITING_GUEST_MODE || kvm_request_pending() || xfer_to_guest_mode_work_pending()
  if ((yield* read_thread_flags(task, 'kvm_vcpu_exit_request():')) & XFER_TO_GUEST_MODE_WORK) {
    if (task.trackRoute) yield* ghost(task.irq_exit, 0);
    yield* local_irq_enable();
    return 1; // cancel_injection: r = 1
  }
  yield* guest_enter('VM-entry (guest_code(): GUEST_SYNC(0))');
  // static_call(kvm_x86_run)(vcpu): VMX's external-interrupt exiting makes a pending interrupt a VM exit.
  const reason = yield* guest_run('VM-exit: external interrupt, or I/O (GUEST_SYNC) for user space');
  if (task.trackRoute) yield* ghost(task.irq_exit, reason === EXIT_REASON_EXTERNAL_INTERRUPT ? 1 : 0);
  // handle_exit_irqoff(); kvm_before_interrupt(); local_irq_enable(): a pending interrupt is taken
  // here (VMX hands an external-interrupt exit's vector to its host handler just before).
  yield* local_irq_enable();
  // kvm_x86_handle_exit(): handle_external_interrupt() returns 1 (++irq_exits), back to the loop;
  // KVM_EXIT_IO is completed by user space, r = 0.
  return reason === EXIT_REASON_EXTERNAL_INTERRUPT ? 1 : 0;
}
// #endregion vcpu_run
