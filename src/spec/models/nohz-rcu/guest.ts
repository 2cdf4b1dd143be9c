/**
 * The hardware part of a run: VM entry, the guest, VM exit. Not a kernel file: on arm64 this is
 * kvm_call_hyp_ret(__kvm_vcpu_run, vcpu) (the world switch at EL2), on x86 __vmx_vcpu_run()
 * (VMLAUNCH/VMRESUME). The guest runs until an interrupt is pending on its CPU (a host IRQ is
 * a VM exit: it is not taken through the host's vectors but left pending, to be taken when the
 * host unmasks interrupts), or exits on its own at any moment (an MMIO access, a HLT…).
 */
import { ghost, guest_enter, guest_exit, type Op } from '../../engine/index.ts';
import { type NohzCpu, PHASE_EXITING, PHASE_GUEST } from './cpu.ts';

export function* run_guest(k: NohzCpu, entry: string): Op {
  yield* guest_enter(entry);
  yield* ghost(k.g.phase, PHASE_GUEST);
  yield* guest_exit('VM exit (a pending host interrupt, or the guest exits by itself)', { timer: true });
  yield* ghost(k.g.phase, PHASE_EXITING);
}
