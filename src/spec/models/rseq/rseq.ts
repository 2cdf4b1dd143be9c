/**
 * include/linux/tracehook.h and kernel/rseq.c: what handling TIF_NOTIFY_RESUME does for rseq.
 * Before the fix (v5.14), tracehook_notify_resume() only clears the flag and runs task work;
 * the rseq update is a separate call that the exit-to-user path makes and KVM's
 * xfer-to-guest path did not. 8646e53633f3 added the call to KVM's path (with regs == NULL,
 * which skips the critical-section fixup but still updates cpu_id); a68de80f61f6 moved it into
 * tracehook_notify_resume() itself (v5.15). The 2025 rework of rseq
 * (tip core/rseq) makes the regs == NULL call do nothing and has KVM re-raise the flag after
 * vcpu_run() instead, with rseq_virt_userspace_exit().
 */
import {
  clear_bit,
  ghost,
  ghost_read,
  type Op,
  READ_ONCE,
  set_bit,
  smp_processor_id,
  WRITE_ONCE,
} from '../../engine/index.ts';
import { type KernelVersion, type Task, TIF_NOTIFY_RESUME } from './thread_info.ts';

const rework = (k: KernelVersion): boolean => k === 'rseq-2025' || k === 'rseq-2025-no-retrigger';

// #region tracehook_notify_resume
/**
 * include/linux/tracehook.h: tracehook_notify_resume(regs), later renamed
 * resume_user_mode_work(). `regs` is false for KVM's call (NULL) and true on the way to user
 * space. Task work, key-request cache, memcg and blkcg throttling are not modelled.
 */
export function* tracehook_notify_resume(task: Task, kernel: KernelVersion, regs: boolean): Op {
  yield* clear_bit(TIF_NOTIFY_RESUME, task.ti_flags, 'TIF_NOTIFY_RESUME'); // clear_thread_flag()
  // Bookkeeping: which schedule() raised the flag that KVM's call (regs == NULL) just cleared.
  if (!regs && task.trackRoute) yield* ghost(task.kvm_cleared, yield* ghost_read(task.notify_from));
  // (smp_mb__after_atomic() here pairs with task_work_add(), which the model leaves out.)
  if (kernel === 'v5.15' || rework(kernel)) {
    // a68de80f61f6: "entry: rseq: Call rseq_handle_notify_resume() in tracehook_notify_resume()"
    yield* rseq_handle_notify_resume(task, kernel, regs);
  }
}
// #endregion tracehook_notify_resume

// #region rseq_handle_notify_resume
/** include/linux/rseq.h → kernel/rseq.c: __rseq_handle_notify_resume(NULL, regs). */
export function* rseq_handle_notify_resume(task: Task, kernel: KernelVersion, regs: boolean): Op {
  if (rework(kernel)) {
    // 2025: called from hypervisors with regs == NULL, do nothing; the update happens on the
    // real exit to user space, after rseq_virt_userspace_exit() has re-raised the flag.
    if (!regs) return;
    // Read and clear the event first; update the user-space ids only if there was one.
    if (!(yield* READ_ONCE(task.rseq_event))) return;
    yield* WRITE_ONCE(task.rseq_event, 0, 'false');
    yield* rseq_update_cpu_id(task);
    return;
  }
  // v5.14: rseq_ip_fixup(regs) (only matters inside a critical section, which the selftest never
  // enters) and then the update. 8646e53633f3: skip the fixup when regs == NULL, still update.
  yield* rseq_update_cpu_id(task);
}

/** kernel/rseq.c: rseq_update_cpu_id() writes the CPU the task runs on now to cpu_id_start and cpu_id. */
function* rseq_update_cpu_id(task: Task): Op {
  const cpu = yield* smp_processor_id();
  yield* WRITE_ONCE(task.rseq_cpu_id, cpu, `${cpu}`); // put_user(cpu_id, &t->rseq->cpu_id)
  yield* ghost(task.rseq_written, cpu);
  if (task.trackRoute) yield* ghost(task.kvm_cleared, 0);
}
// #endregion rseq_handle_notify_resume

// #region rseq_virt_userspace_exit
/**
 * include/linux/rseq.h (2025 rework): called by kvm_vcpu_ioctl() after kvm_arch_vcpu_ioctl_run():
 * if a scheduling event is still pending, raise TIF_NOTIFY_RESUME again so that the exit to
 * user space updates rseq. (With the generic TIF bits and a separate TIF_RSEQ it is a no-op.)
 */
export function* rseq_virt_userspace_exit(task: Task): Op {
  if (yield* READ_ONCE(task.rseq_event)) {
    yield* set_bit(TIF_NOTIFY_RESUME, task.ti_flags, 'TIF_NOTIFY_RESUME'); // rseq_raise_notify_resume()
  }
}
// #endregion rseq_virt_userspace_exit
