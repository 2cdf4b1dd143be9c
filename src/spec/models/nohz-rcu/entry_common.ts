/**
 * Taking an interrupt from kernel mode, and whether that makes RCU watch the CPU again.
 *
 * Two policies, as the model's `irqEntry` flag:
 * - `irq_enter` (kernel/softirq.c irq_enter() → rcu_irq_enter(), later ct_irq_enter()): RCU is
 *   made to watch unconditionally, and goes back to the EQS on irq_exit(). arm64 took this path
 *   for every IRQ, from kernel mode too, through handle_domain_irq() until 26dc129342cf ("irq:
 *   arm64: perform irqentry in entry code", Mark Rutland, v5.16). x86 took it up to v5.7: read
 *   in a copy of the v5.7.14 release tree (github.com/a5221985/linux-5.7.14), do_IRQ()
 *   (arch/x86/kernel/irq.c, blob c7965ff429c5, the blob the v5.8 entry series' irq.c patches
 *   apply to) and smp_apic_timer_interrupt() (arch/x86/kernel/apic/apic.c, through
 *   entering_ack_irq()) call entering_irq() (arch/x86/include/asm/apic.h) → irq_enter(), whose
 *   first step is rcu_irq_enter().
 * - `irqentry_enter`: from kernel mode RCU is made to watch only if the interrupted task is the
 *   idle task (`is_idle_task(current)`); for any other task only rcu_irq_enter_check_tick()
 *   runs, because kernel code of a non-idle task is assumed to run with RCU watching (with
 *   lockdep-RCU, rcu_irq_enter_check_tick() warns if it is not). Three readings of the same
 *   steps: x86's idtentry_enter_cond_rcu() in arch/x86/entry/common.c from 0bf3924bfabd
 *   ("x86/entry: Force rcu_irq_enter() when in idle task", Thomas Gleixner, 12 June 2020; it
 *   replaced a `!__rcu_is_watching()` test, and its branch was merged by 076f14be7fc9 before
 *   v5.8-rc1), read in a copy of the v5.8.1 release tree (github.com/infuq/linux-5.8.1), blob
 *   f09288431f28, the blob the v5.9 x86/entry pull request diffs from, so the v5.8 file; there
 *   DEFINE_IDTENTRY_IRQ (common_interrupt) and DEFINE_IDTENTRY_SYSVEC (the APIC timer) call it,
 *   then irq_enter_rcu(), which leaves RCU alone. Then kernel/entry/common.c irqentry_enter(),
 *   read at 01be83eea08d, into which v5.9 moved it (after b037b09b9058 renamed it, no functional
 *   change); and arm64's own enter_from_kernel_mode() since 26dc129342cf, which follows it.
 *   The vCPU task is not the idle task, so an interrupt taken inside the guest EQS leaves RCU
 *   not watching while its handler runs.
 * Entry from guest mode itself is not an entry into the host kernel's vectors: the VM exits,
 * and the pending interrupt is taken later, wherever the host unmasks interrupts.
 */
import { ghost, type Op } from '../../engine/index.ts';
import type { NohzCpu } from './cpu.ts';

export type IrqEntryPolicy = 'irq_enter' | 'irqentry_enter';

/** irqentry_state_t: whether the exit must put the CPU back into the EQS. */
export interface IrqEntryState {
  readonly exit_rcu: boolean;
}

// #region irqentry_enter
/** The entry of an interrupt taken from kernel mode on the vCPU's CPU (see the header). */
export function* irqentry_enter(k: NohzCpu, policy: IrqEntryPolicy): Op<IrqEntryState> {
  // The vCPU task is never the idle task: is_idle_task(current) is false here.
  const is_idle_task = false;
  if (policy === 'irq_enter' || is_idle_task) {
    // rcu_irq_enter() / ct_irq_enter(): leave the EQS if the CPU is in one.
    const wasEqs = yield* k.rcu.rcu_eqs_exit(k.cpu, 'irq_enter(): rcu_irq_enter()');
    return { exit_rcu: wasEqs };
  }
  // rcu_irq_enter_check_tick(): RCU is assumed to be watching; nothing changes.
  if (!(yield* k.rcu.rcu_is_watching(k.cpu))) yield* ghost(k.g.irqUnwatched, 1);
  return { exit_rcu: false };
}

/** irqentry_exit() / irq_exit(): back into the EQS if the entry took the CPU out of it. */
export function* irqentry_exit(k: NohzCpu, state: IrqEntryState): Op {
  if (state.exit_rcu) yield* k.rcu.rcu_eqs_enter(k.cpu, 'irq_exit(): rcu_irq_exit()');
}
// #endregion irqentry_enter
