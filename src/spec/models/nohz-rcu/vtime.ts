/**
 * Guest CPU time: include/linux/vtime.h and kernel/sched/cputime.c (account_process_tick(),
 * account_system_time(), vtime_guest_enter() / vtime_guest_exit() read at 00d6a8a7ee1e).
 *
 * Two ways to account it. On a nohz_full CPU (CONFIG_VIRT_CPU_ACCOUNTING_GEN with context
 * tracking running) vtime accounts by timestamps at each transition (vtime_guest_enter(),
 * vtime_guest_exit()), and account_process_tick() returns at once. Everywhere else the tick
 * does it: account_process_tick() charges the whole tick to guest time if the interrupted
 * task has PF_VCPU set (account_guest_time() via account_system_time()), else to system time.
 * So with tick-based accounting a tick that hits while the guest runs, and is therefore taken
 * only after the VM exit, is charged to the guest only if PF_VCPU is still set when the
 * handler runs: vtime_account_guest_exit() must come after the IRQ window.
 */
import { action, ghost, Kind, type Op, READ_ONCE } from '../../engine/index.ts';
import { CHARGED_GUEST, CHARGED_SYSTEM, CHARGED_VTIME, type NohzCpu, PF_VCPU } from './cpu.ts';

/** vtime_accounting_enabled_this_cpu(): context tracking runs here (nohz_full). */
export const vtime_accounting_enabled_this_cpu = (k: NohzCpu): boolean => k.contextTracking;

// #region vtime_account_guest
/** vtime_account_guest_enter(): vtime_guest_enter(current) (which also sets PF_VCPU), or just PF_VCPU. */
export function* vtime_account_guest_enter(k: NohzCpu): Op {
  const text = vtime_accounting_enabled_this_cpu(k)
    ? 'vtime_guest_enter(current): current->flags |= PF_VCPU'
    : 'current->flags |= PF_VCPU';
  yield action(Kind.Write, text, { a: k.currentFlags.id, b: PF_VCPU });
}

/** vtime_account_guest_exit(): vtime_guest_exit(current), or clear PF_VCPU. */
export function* vtime_account_guest_exit(k: NohzCpu): Op {
  const text = vtime_accounting_enabled_this_cpu(k)
    ? 'vtime_guest_exit(current): current->flags &= ~PF_VCPU'
    : 'current->flags &= ~PF_VCPU';
  yield action(Kind.Write, text, { a: k.currentFlags.id, b: 0 });
}
// #endregion vtime_account_guest

// #region account_process_tick
/** account_process_tick(current, user_tick = 0) from the tick handler: who gets this tick. */
export function* account_process_tick(k: NohzCpu): Op {
  if (vtime_accounting_enabled_this_cpu(k)) {
    yield* ghost(k.g.tickCharged, CHARGED_VTIME);
    return;
  }
  const flags = yield* READ_ONCE(k.currentFlags);
  // account_system_time(): (p->flags & PF_VCPU) && irq_count() - hardirq_offset == 0
  yield* ghost(k.g.tickCharged, (flags & PF_VCPU) !== 0 ? CHARGED_GUEST : CHARGED_SYSTEM);
}
// #endregion account_process_tick
