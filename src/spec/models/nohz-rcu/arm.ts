/**
 * arm64: one pass of kvm_arch_vcpu_ioctl_run()'s loop (arch/arm64/kvm/arm.c), from
 * local_irq_disable() to local_irq_enable(), in two eras:
 * - before 8cfe148a7136 (the order of 1b3d546daf85, "arm/arm64: KVM: Properly account for guest
 *   CPU time", 2015; read at 004a01241c5a, and the same order at 8cfe148a7136's parent, as
 *   that commit's diff shows): guest_enter_irqoff(), the run, the host's
 *   post-exit work, then local_irq_enable() *before* guest_exit(), on purpose, so that a tick
 *   that hit during the guest is taken with PF_VCPU set and charged to the guest. But
 *   guest_exit() is also where RCU starts watching again on a nohz_full CPU, so the pending
 *   IRQ is taken through the kernel-mode (EL1) vectors inside the guest's EQS.
 * - since 8cfe148a7136 ("kvm/arm64: rework guest entry logic", Mark Rutland, v5.17; read at
 *   8cfe148a7136): trace_kvm_entry(); guest_timing_enter_irqoff(); kvm_arm_vcpu_enter_exit() (noinstr: guest_state_enter_irqoff(),
 *   the run, guest_state_exit_irqoff()); the host's post-exit work; the IRQ window
 *   local_irq_enable(); isb(); local_irq_disable(); then guest_timing_exit_irqoff(),
 *   local_irq_enable(), trace_kvm_exit() and handle_exit_early().
 * Vgic, PMU, timer and debug syncs, vcpu->mode and the request checks (the requests chapter's
 * subject) are left out; of them only their being instrumentable C code matters here.
 */
import { choose, ghost, local_irq_disable, local_irq_enable, type Op } from '../../engine/index.ts';
import { guest_enter_irqoff, guest_exit } from './context_tracking.ts';
import { type NohzCpu, PHASE_LEFT } from './cpu.ts';
import { run_guest } from './guest.ts';
import {
  guest_state_enter_irqoff,
  guest_state_exit_irqoff,
  guest_timing_enter_irqoff,
  guest_timing_exit_irqoff,
  instrumentable,
} from './kvm_host.ts';

export interface Arm64Flags {
  readonly era: '1b3d546daf85' | '8cfe148a7136';
  /** Plausible mistake: no isb() after local_irq_enable() in the IRQ window. */
  readonly noIsb?: boolean;
  /** Plausible mistake: guest_state_exit_irqoff() after the IRQ window instead of before it. */
  readonly contextExitAfterWindow?: boolean;
  /** Plausible mistake: guest_timing_exit_irqoff() before the IRQ window instead of after it. */
  readonly timingExitBeforeWindow?: boolean;
}

// #region arm64_v5_10
/** kvm_arch_vcpu_ioctl_run() before 8cfe148a7136 (arch/arm64/kvm/arm.c at 004a01241c5a). */
export function* kvm_arch_vcpu_ioctl_run_v5_10(k: NohzCpu): Op {
  yield* local_irq_disable();
  yield* instrumentable(k, 'kvm_vgic_flush_hwstate(); trace_kvm_entry()');
  yield* guest_enter_irqoff(k);
  yield* run_guest(k, 'kvm_call_hyp_ret(__kvm_vcpu_run, vcpu)');
  yield* instrumentable(k, 'kvm_arm_clear_debug(); kvm_pmu_sync_hwstate(); kvm_vgic_sync_hwstate()');
  // Unmasked before guest_exit() on purpose (the kernel's comment): a tick that hit the guest
  // is then taken with PF_VCPU still set, and charged to the guest.
  yield* local_irq_enable();
  yield* ghost(k.g.window, 1);
  yield* guest_exit(k);
  yield* ghost(k.g.window, 0);
  yield* ghost(k.g.phase, PHASE_LEFT);
  yield* instrumentable(k, 'trace_kvm_exit(); handle_exit_early()');
}
// #endregion arm64_v5_10

// #region kvm_arm_vcpu_enter_exit
/** kvm_arm_vcpu_enter_exit() (noinstr), added by 8cfe148a7136. */
function* kvm_arm_vcpu_enter_exit(k: NohzCpu, flags: Arm64Flags): Op {
  yield* guest_state_enter_irqoff(k);
  yield* run_guest(k, 'kvm_call_hyp_ret(__kvm_vcpu_run, vcpu)');
  if (!flags.contextExitAfterWindow) yield* guest_state_exit_irqoff(k);
}
// #endregion kvm_arm_vcpu_enter_exit

// #region arm64_8cfe148a7136
/** kvm_arch_vcpu_ioctl_run() since 8cfe148a7136, with the plausible mistakes as switches. */
export function* kvm_arch_vcpu_ioctl_run(k: NohzCpu, flags: Arm64Flags): Op {
  yield* local_irq_disable();
  yield* instrumentable(k, 'kvm_vgic_flush_hwstate(); trace_kvm_entry()');
  yield* guest_timing_enter_irqoff(k);
  yield* kvm_arm_vcpu_enter_exit(k, flags);
  yield* instrumentable(k, 'kvm_arm_clear_debug(); kvm_pmu_sync_hwstate(); kvm_vgic_sync_hwstate()');
  if (flags.timingExitBeforeWindow) yield* guest_timing_exit_irqoff(k);
  // A host IRQ that arrived while the guest ran is still pending: unmasking takes it here,
  // now through the host's vectors. The isb() is the context synchronization event after
  // which the unmasked IRQ must be taken (Arm ARM DDI 0487G.b D1.13.4).
  const unmaskSeen = flags.noIsb ? yield* choose(2, 'no isb(): is the unmask seen before local_irq_disable()?') : 1;
  if (unmaskSeen === 1) {
    yield* local_irq_enable();
    yield* ghost(k.g.window, 1);
    yield* local_irq_disable(); // after isb()
    yield* ghost(k.g.window, 0);
  }
  if (flags.contextExitAfterWindow) yield* guest_state_exit_irqoff(k);
  if (!flags.timingExitBeforeWindow) yield* guest_timing_exit_irqoff(k);
  yield* local_irq_enable();
  yield* ghost(k.g.phase, PHASE_LEFT);
  yield* instrumentable(k, 'trace_kvm_exit(); handle_exit_early()');
}
// #endregion arm64_8cfe148a7136
