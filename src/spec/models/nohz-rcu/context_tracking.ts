/**
 * Context tracking for guests: include/linux/context_tracking.h and kernel/context_tracking.c.
 *
 * context_tracking_guest_enter() / _exit() as in v5.19+ (after the context-tracking rework;
 * the ef9989afda73 helpers call them): on a CPU where context tracking is enabled (nohz_full),
 * __ct_user_enter(CONTEXT_GUEST) enters an RCU extended quiescent state (ct_kernel_exit():
 * one fully ordered atomic on ct->state), and __ct_user_exit() leaves it.
 *
 * guest_enter_irqoff() / guest_exit_irqoff() / guest_exit() (the helpers arm64 used before
 * 8cfe148a7136, x86 before b2d2af7e5df3), read at 88d8220bbf06 ("context_tracking: Move guest
 * exit vtime accounting to separate helpers", v5.13): guest_enter_irqoff() sets PF_VCPU (or
 * calls vtime_guest_enter()) and then enters the EQS (or, without context tracking on this CPU,
 * calls rcu_virt_note_context_switch()); guest_exit_irqoff() is context_tracking_guest_exit()
 * then vtime_account_guest_exit(). 866a6dadbb02 and 88d8220bbf06 only moved the two halves of
 * guest_exit_irqoff() into those helpers, so the earlier eras are modelled with the same steps.
 * Each does the vtime accounting *and* the context tracking in one call, which is what tied
 * "account the tick to the guest" to "RCU may ignore this CPU" and made the arm64 order a
 * choice between two bugs.
 */
import type { Op } from '../../engine/index.ts';
import type { NohzCpu } from './cpu.ts';
import { vtime_account_guest_enter, vtime_account_guest_exit } from './vtime.ts';

// #region context_tracking_guest
/** context_tracking_guest_enter(): returns context_tracking_enabled_this_cpu(). */
export function* context_tracking_guest_enter(k: NohzCpu): Op<boolean> {
  if (k.contextTracking) yield* k.rcu.rcu_eqs_enter(k.cpu, '__ct_user_enter(CONTEXT_GUEST): RCU stops watching');
  return k.contextTracking;
}

/** context_tracking_guest_exit(). */
export function* context_tracking_guest_exit(k: NohzCpu): Op {
  if (k.contextTracking) yield* k.rcu.rcu_eqs_exit(k.cpu, '__ct_user_exit(CONTEXT_GUEST): RCU watches again');
}
// #endregion context_tracking_guest

// #region guest_enter_irqoff_v5_10
/**
 * guest_enter_irqoff() (CONFIG_VIRT_CPU_ACCOUNTING_GEN): vtime (or PF_VCPU), then
 * __context_tracking_enter(CONTEXT_GUEST) if context tracking is enabled on this CPU, else
 * rcu_virt_note_context_switch().
 */
export function* guest_enter_irqoff(k: NohzCpu): Op {
  yield* vtime_account_guest_enter(k);
  if (k.contextTracking)
    yield* k.rcu.rcu_eqs_enter(k.cpu, '__context_tracking_enter(CONTEXT_GUEST): RCU stops watching');
  else yield* k.rcu.rcu_virt_note_context_switch(k.cpu);
  yield* k.noinstr.noinstr_enter(k.cpu);
}

/** guest_exit_irqoff(): context_tracking_guest_exit() (__context_tracking_exit(CONTEXT_GUEST)), then vtime / PF_VCPU. */
export function* guest_exit_irqoff(k: NohzCpu): Op {
  if (k.contextTracking) yield* k.rcu.rcu_eqs_exit(k.cpu, '__context_tracking_exit(CONTEXT_GUEST): RCU watches again');
  yield* k.noinstr.noinstr_exit(k.cpu);
  yield* vtime_account_guest_exit(k);
}

/**
 * guest_exit(): local_irq_save(); guest_exit_irqoff(); local_irq_restore(). arm64
 * called it with IRQs already enabled, so an interrupt could come before it.
 */
export function* guest_exit(k: NohzCpu): Op {
  yield* guest_exit_irqoff(k);
}
// #endregion guest_enter_irqoff_v5_10
