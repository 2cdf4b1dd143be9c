/**
 * riscv: one pass of kvm_arch_vcpu_ioctl_run()'s loop (arch/riscv/kvm/vcpu.c), from
 * local_irq_disable() to local_irq_enable(), read at 6455317e4d0d ("kvm/riscv: rework guest
 * entry logic", Mark Rutland, v5.17): guest_timing_enter_irqoff(); the noinstr
 * kvm_riscv_vcpu_enter_exit() (guest_state_enter_irqoff(), __kvm_riscv_switch_to(),
 * guest_state_exit_irqoff()); the trap CSR reads and kvm_riscv_vcpu_sync_interrupts(); the IRQ
 * window local_irq_enable(); local_irq_disable(); then guest_timing_exit_irqoff().
 *
 * Unlike arm64's window there is no barrier between the enable and the disable. The kernel's
 * comment says so: nothing ensures that a pending interrupt is recognised there, "so we just
 * hope that the CPU takes any pending interrupts between the enable and disable". The model
 * takes the comment at its word and makes "is the pending interrupt taken in the window" a
 * nondeterministic choice, like arm64's window without its isb() (arm.ts). Whether a given
 * RISC-V implementation ever lets the window pass is outside the model.
 */
import { choose, ghost, local_irq_disable, local_irq_enable, type Op } from '../../engine/index.ts';
import { type NohzCpu, PHASE_LEFT } from './cpu.ts';
import { run_guest } from './guest.ts';
import {
  guest_state_enter_irqoff,
  guest_state_exit_irqoff,
  guest_timing_enter_irqoff,
  guest_timing_exit_irqoff,
  instrumentable,
} from './kvm_host.ts';

// #region kvm_riscv_vcpu_enter_exit
/** kvm_riscv_vcpu_enter_exit() (noinstr), added by 6455317e4d0d. */
function* kvm_riscv_vcpu_enter_exit(k: NohzCpu): Op {
  yield* guest_state_enter_irqoff(k);
  yield* run_guest(k, '__kvm_riscv_switch_to(&vcpu->arch)');
  yield* guest_state_exit_irqoff(k);
}
// #endregion kvm_riscv_vcpu_enter_exit

// #region riscv_6455317e4d0d
/** kvm_arch_vcpu_ioctl_run() at 6455317e4d0d, from local_irq_disable() on. */
export function* kvm_arch_vcpu_ioctl_run_riscv(k: NohzCpu): Op {
  yield* local_irq_disable();
  yield* instrumentable(k, 'kvm_riscv_vcpu_flush_interrupts(vcpu); kvm_riscv_update_hvip(vcpu)');
  yield* guest_timing_enter_irqoff(k);
  yield* kvm_riscv_vcpu_enter_exit(k);
  yield* instrumentable(k, 'csr_read(CSR_SCAUSE) and the other trap CSRs; kvm_riscv_vcpu_sync_interrupts(vcpu)');
  // No barrier in the window: the pending interrupt may or may not be taken before the disable.
  const taken = yield* choose(
    2,
    'no barrier: is the pending interrupt taken between local_irq_enable() and local_irq_disable()?',
  );
  if (taken === 1) {
    yield* local_irq_enable();
    yield* ghost(k.g.window, 1);
    yield* local_irq_disable();
    yield* ghost(k.g.window, 0);
  }
  yield* guest_timing_exit_irqoff(k);
  yield* local_irq_enable();
  yield* ghost(k.g.phase, PHASE_LEFT);
}
// #endregion riscv_6455317e4d0d
