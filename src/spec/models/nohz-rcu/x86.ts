/**
 * x86 (VMX): one pass of vcpu_enter_guest() (arch/x86/kvm/x86.c) around the vendor run
 * (vmx_vcpu_run() → vmx_vcpu_enter_exit() in arch/x86/kvm/vmx/vmx.c), from local_irq_disable()
 * to local_irq_enable(), in four eras:
 * - `v5.7`, before 87fa7f3e98a1: guest_enter_irqoff() in vcpu_enter_guest() before
 *   kvm_x86_ops.run(), the handle_exit_irqoff() callback, the IRQ window
 *   (kvm_before_interrupt(); local_irq_enable(); ++vcpu->stat.exits; local_irq_disable();
 *   kvm_after_interrupt()), and only then guest_exit_irqoff(). Like arm64 before 8cfe148a7136,
 *   the window is inside the EQS; it was safe because x86's IRQ entry then went through
 *   irq_enter() (see entry_common.ts).
 * - `87fa7f3e98a1` ("x86/kvm: Move context tracking where it belongs", Thomas Gleixner, v5.9):
 *   guest_enter_irqoff() / guest_exit_irqoff() moved into vmx_vcpu_enter_exit() (noinstr since 3ebccdf373c2),
 *   right around VM entry and exit. RCU now watches before the window; but guest_exit_irqoff()
 *   also clears PF_VCPU, so with tick-based accounting a tick that hit in the guest is taken in
 *   the window as system time: guest time stayed 0 (bugzilla 209831).
 * - `160457140187` ("KVM: x86: Defer vtime accounting 'til after IRQ handling", Wanpeng Li and
 *   Sean Christopherson, v5.13) with its consolidation bc908e091b32: vmx_vcpu_enter_exit()
 *   calls kvm_guest_exit_irqoff() (context tracking only) and vcpu_enter_guest() calls
 *   vtime_account_guest_exit() after the window: the v5.16 code the 2021 thread quotes.
 * - `b2d2af7e5df3` ("kvm/x86: rework guest entry logic", Mark Rutland, v5.17): the generic
 *   helpers, guest_timing_enter_irqoff() before the run loop, guest_state_{enter,exit}_irqoff()
 *   in vmx_vcpu_enter_exit(), guest_timing_exit_irqoff() after the window.
 */
import { ghost, local_irq_disable, local_irq_enable, type Op } from '../../engine/index.ts';
import { context_tracking_guest_exit, guest_enter_irqoff, guest_exit_irqoff } from './context_tracking.ts';
import { type NohzCpu, PHASE_LEFT } from './cpu.ts';
import { run_guest } from './guest.ts';
import {
  guest_state_enter_irqoff,
  guest_state_exit_irqoff,
  guest_timing_enter_irqoff,
  guest_timing_exit_irqoff,
  instrumentable,
} from './kvm_host.ts';
import { vtime_account_guest_exit } from './vtime.ts';

export type X86Era = 'v5.7' | '87fa7f3e98a1' | '160457140187' | 'b2d2af7e5df3';

const VMENTRY = '__vmx_vcpu_run(): VMLAUNCH/VMRESUME';

// #region vmx_vcpu_enter_exit
/** vmx_vcpu_enter_exit() (noinstr since 3ebccdf373c2), per era. */
function* vmx_vcpu_enter_exit(k: NohzCpu, era: X86Era): Op {
  if (era === 'v5.7') {
    yield* run_guest(k, VMENTRY);
  } else if (era === '87fa7f3e98a1') {
    yield* guest_enter_irqoff(k);
    yield* run_guest(k, VMENTRY);
    yield* guest_exit_irqoff(k);
  } else if (era === '160457140187') {
    yield* guest_enter_irqoff(k); // kvm_guest_enter_irqoff()
    yield* run_guest(k, VMENTRY);
    yield* context_tracking_guest_exit(k); // kvm_guest_exit_irqoff()
    yield* ghost(k.g.guestContext, 0);
  } else {
    yield* guest_state_enter_irqoff(k);
    yield* run_guest(k, VMENTRY);
    yield* guest_state_exit_irqoff(k);
  }
}
// #endregion vmx_vcpu_enter_exit

// #region vcpu_enter_guest
/** vcpu_enter_guest() from local_irq_disable() on, per era. */
export function* vcpu_enter_guest(k: NohzCpu, era: X86Era): Op {
  yield* local_irq_disable();
  if (era === 'b2d2af7e5df3') yield* guest_timing_enter_irqoff(k);
  yield* instrumentable(k, 'trace_kvm_entry()');
  if (era === 'v5.7') yield* guest_enter_irqoff(k);
  yield* vmx_vcpu_enter_exit(k, era); // static_call(kvm_x86_run)(vcpu)
  yield* instrumentable(k, 'static_call(kvm_x86_handle_exit_irqoff)(vcpu)');
  // Take the interrupts that are pending: the one that caused the VM exit, and ticks since.
  // The increment is the instruction that the STI interrupt shadow needs before interrupts
  // are really unblocked.
  yield* local_irq_enable(); // kvm_before_interrupt(vcpu); local_irq_enable();
  yield* ghost(k.g.window, 1);
  yield* local_irq_disable(); // ++vcpu->stat.exits; local_irq_disable(); kvm_after_interrupt(vcpu);
  yield* ghost(k.g.window, 0);
  if (era === 'v5.7') yield* guest_exit_irqoff(k);
  if (era === '160457140187') yield* vtime_account_guest_exit(k);
  if (era === 'b2d2af7e5df3') yield* guest_timing_exit_irqoff(k);
  yield* local_irq_enable();
  yield* ghost(k.g.phase, PHASE_LEFT);
  yield* instrumentable(k, 'trace_kvm_exit()');
}
// #endregion vcpu_enter_guest
