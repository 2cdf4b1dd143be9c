/**
 * x86 (VMX): one pass of vcpu_enter_guest() (arch/x86/kvm/x86.c) around the vendor run,
 * vmx_vcpu_run() (arch/x86/kvm/vmx/vmx.c), from local_irq_disable() to local_irq_enable(), in
 * five eras, each read at the commit or release named (the chapter links them):
 * - `v5.8`, before 87fa7f3e98a1: vcpu_enter_guest() calls trace_kvm_entry(), then
 *   guest_enter_irqoff(), then reloads the FPU (switch_fpu_return()) and calls the vendor run,
 *   whose C code (vmx_vcpu_run() up to __vmx_vcpu_run() and after it, trace_kvm_exit()
 *   included) all runs inside the guest context; after it the handle_exit_irqoff() callback,
 *   the IRQ window (kvm_before_interrupt(); local_irq_enable(); ++vcpu->stat.exits;
 *   local_irq_disable(); kvm_after_interrupt()), and only then guest_exit_irqoff(). Read as
 *   x86.c and vmx.c at 87fa7f3e98a1 with that commit's diff reversed (its parent: it removed
 *   exactly the two calls from vcpu_enter_guest()), and in a copy of the v5.8.1 release tree
 *   (github.com/infuq/linux-5.8.1; torvalds/linux at v5.8 is not in the search index) whose
 *   x86.c is blob 88c593f83b28, the blob the v5.9 x86/entry pull request (Thomas Gleixner,
 *   4 August 2020) diffs from: the v5.8 file. Like arm64 before 8cfe148a7136, the window is
 *   inside the EQS.
 * - `v5.7`: the same order, read in a copy of the v5.7.14 release tree
 *   (github.com/a5221985/linux-5.7.14), with one difference: vmx_vcpu_run() does not call
 *   trace_kvm_exit() (v5.7 calls it from vmx_handle_exit(), after the pass modelled here);
 *   vmx_vcpu_run() still reads VM_EXIT_REASON. The two eras differ in the IRQ entry around
 *   them, not here: v5.7 entered every interrupt through irq_enter(), v5.8 through
 *   idtentry_enter_cond_rcu() (entry_common.ts).
 * - `87fa7f3e98a1` ("x86/kvm: Move context tracking where it belongs", Thomas Gleixner, v5.9):
 *   guest_enter_irqoff() / guest_exit_irqoff() moved into vmx_vcpu_run(), right around
 *   __vmx_vcpu_run() (read at 87fa7f3e98a1). vmx_vcpu_run() was still ordinary, instrumentable
 *   C: the L1D flush and the CR2 accesses between the two calls ran inside the guest context
 *   until 3ebccdf373c2 moved that part into the noinstr vmx_vcpu_enter_exit(). RCU now watches
 *   before the window; but guest_exit_irqoff() also clears PF_VCPU, so with tick-based
 *   accounting a tick that hit in the guest is taken in the window as system time: guest time
 *   stayed 0 (bugzilla 209831).
 * - `160457140187` ("KVM: x86: Defer vtime accounting 'til after IRQ handling", Wanpeng Li and
 *   Sean Christopherson, v5.13), read at 160457140187 (vmx.c); x86.c at that commit is not in the
 *   search index, so vcpu_enter_guest() was read as the commit's x86.c hunk (quoted whole in the
 *   stable tree's "FAILED: patch" mail of 14 May 2021) and, for the steps around it (the FPU
 *   reload after local_irq_disable(), the run loop, handle_exit_irqoff(), the window), in a
 *   v5.16-rc2-based x86.c that the kernel test robot quoted on the kvm list (27 November 2021;
 *   base 923dcc5eb0c1 with an unrelated Xen series applied, none of it in these steps):
 *   vmx_vcpu_enter_exit() (noinstr) calls guest_enter_irqoff() and, after the VM exit, only
 *   context_tracking_guest_exit() (split out of guest_exit_irqoff() by 866a6dadbb02 and
 *   88d8220bbf06); vcpu_enter_guest() calls vtime_account_guest_exit() after the window. The
 *   v5.16 code the 2021 thread quotes is this order after bc908e091b32 moved the two halves
 *   into kvm_guest_enter_irqoff() / kvm_guest_exit_irqoff().
 * - `b2d2af7e5df3` ("kvm/x86: rework guest entry logic", Mark Rutland, v5.17), read at
 *   b2d2af7e5df3: the generic helpers, guest_timing_enter_irqoff() before the run loop,
 *   guest_state_{enter,exit}_irqoff() in vmx_vcpu_enter_exit(), guest_timing_exit_irqoff()
 *   after the window. The only move against 160457140187 is that PF_VCPU is now set before the
 *   vendor run's instrumentable C code (trace_kvm_entry() and the rest) instead of after it, with
 *   interrupts off in both: no tick can see the difference, and on a CPU without context
 *   tracking the two eras make the same shared-memory steps (test/models/nohz-rcu.test.ts,
 *   "variants with the same state counts").
 *
 * VMX acknowledges an external interrupt on VM exit, and handle_exit_irqoff() calls its handler
 * through the host IDT with interrupts still disabled (handle_external_interrupt_irqoff(), read
 * at 87fa7f3e98a1); interrupts that arrive after the exit are taken in the window. The engine
 * has no acknowledge-on-exit, so here every interrupt pending at the exit is taken in the
 * window. In every era nothing between handle_exit_irqoff() and the window changes context
 * tracking or PF_VCPU (test/models/nohz-rcu.test.ts, "x86 eras"), so such an interrupt finds
 * RCU and the tick accounting as it would in handle_exit_irqoff().
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

export type X86Era = 'v5.7' | 'v5.8' | '87fa7f3e98a1' | '160457140187' | 'b2d2af7e5df3';

/** The eras before 87fa7f3e98a1: guest_enter_irqoff() in vcpu_enter_guest(), the window inside the EQS. */
const beforeMove = (era: X86Era): era is 'v5.7' | 'v5.8' => era === 'v5.7' || era === 'v5.8';

const VMENTRY = '__vmx_vcpu_run(): VMLAUNCH/VMRESUME';

// #region vmx_vcpu_enter_exit
/** vmx_vcpu_enter_exit() (noinstr since 3ebccdf373c2), as read at 160457140187 and b2d2af7e5df3. */
function* vmx_vcpu_enter_exit(k: NohzCpu, era: '160457140187' | 'b2d2af7e5df3'): Op {
  if (era === '160457140187') {
    yield* instrumentable(k, 'trace_hardirqs_on_prepare(); lockdep_hardirqs_on_prepare()');
    yield* guest_enter_irqoff(k);
    // lockdep_hardirqs_on(); the L1D flush or MDS clear, native CR2 accesses: noinstr.
    yield* run_guest(k, VMENTRY);
    // lockdep_hardirqs_off()
    yield* context_tracking_guest_exit(k);
    yield* k.noinstr.noinstr_exit(k.cpu);
    yield* instrumentable(k, 'trace_hardirqs_off_finish()');
  } else {
    yield* guest_state_enter_irqoff(k);
    yield* run_guest(k, VMENTRY);
    yield* guest_state_exit_irqoff(k);
  }
}
// #endregion vmx_vcpu_enter_exit

// #region vmx_vcpu_run
/** vmx_vcpu_run(): the vendor run, static_call(kvm_x86_run) (kvm_x86_ops.run before v5.12). */
function* vmx_vcpu_run(k: NohzCpu, era: X86Era): Op {
  if (era === '160457140187' || era === 'b2d2af7e5df3') yield* instrumentable(k, 'trace_kvm_entry(vcpu)');
  yield* instrumentable(k, 'VMCS host state; kvm_wait_lapic_expire(); x86_spec_ctrl_set_guest()');
  if (beforeMove(era)) {
    // The caller already entered the guest context: all of this runs inside it.
    yield* instrumentable(k, 'vmx_l1d_flush(); read_cr2()/write_cr2()');
    yield* run_guest(k, VMENTRY);
  } else if (era === '87fa7f3e98a1') {
    yield* guest_enter_irqoff(k);
    // vmx_vcpu_run() is not noinstr here: the flush and the CR2 accesses are instrumented C.
    yield* instrumentable(k, 'vmx_l1d_flush(); read_cr2()/write_cr2()');
    yield* run_guest(k, VMENTRY);
    yield* instrumentable(k, 'vcpu->arch.cr2 = read_cr2()');
    yield* guest_exit_irqoff(k);
  } else {
    yield* vmx_vcpu_enter_exit(k, era); // "The actual VMENTER/EXIT is in the .noinstr.text section."
  }
  // v5.7 traced the exit later, in vmx_handle_exit(), outside this pass.
  if (era === 'v5.7') yield* instrumentable(k, 'x86_spec_ctrl_restore_host(); vmcs_read32(VM_EXIT_REASON)');
  else yield* instrumentable(k, 'x86_spec_ctrl_restore_host(); vmcs_read32(VM_EXIT_REASON); trace_kvm_exit()');
}
// #endregion vmx_vcpu_run

// #region vcpu_enter_guest
/** vcpu_enter_guest() from local_irq_disable() on, per era. */
export function* vcpu_enter_guest(k: NohzCpu, era: X86Era): Op {
  yield* local_irq_disable();
  if (beforeMove(era) || era === '87fa7f3e98a1') {
    // Later eras trace the entry in the vendor run instead (vmx_vcpu_run()).
    yield* instrumentable(k, 'trace_kvm_entry(vcpu->vcpu_id)');
    if (beforeMove(era)) yield* guest_enter_irqoff(k);
  }
  yield* instrumentable(k, 'fpregs_assert_state_consistent(); switch_fpu_return()');
  if (era === 'b2d2af7e5df3') yield* guest_timing_enter_irqoff(k);
  yield* vmx_vcpu_run(k, era); // kvm_x86_ops.run(vcpu), later static_call(kvm_x86_run)(vcpu)
  yield* instrumentable(k, 'hw_breakpoint_restore(); kvm_x86_ops.handle_exit_irqoff(vcpu)');
  // Take the interrupts that are pending: on SVM the one that caused the VM exit, and ticks
  // since. The increment is the instruction that the STI interrupt shadow needs before
  // interrupts are really unblocked.
  yield* local_irq_enable(); // kvm_before_interrupt(vcpu); local_irq_enable();
  yield* ghost(k.g.window, 1);
  yield* local_irq_disable(); // ++vcpu->stat.exits; local_irq_disable(); kvm_after_interrupt(vcpu);
  yield* ghost(k.g.window, 0);
  if (beforeMove(era)) yield* guest_exit_irqoff(k);
  if (era === '160457140187') yield* vtime_account_guest_exit(k);
  if (era === 'b2d2af7e5df3') yield* guest_timing_exit_irqoff(k);
  yield* local_irq_enable();
  yield* ghost(k.g.phase, PHASE_LEFT);
}
// #endregion vcpu_enter_guest
