/**
 * What the functions of this model share: the vCPU's physical CPU, whether context tracking
 * runs there (a nohz_full CPU), the vCPU task's flags word, RCU's per-CPU state, and the
 * bookkeeping ghosts that the properties read. Not a kernel file: the kernel keeps these in
 * per-CPU variables (ct->state, rcu_data) and in `current`.
 */
import type { Ghost, Loc, Rcu } from '../../engine/index.ts';

/** PF_VCPU in current->flags (include/linux/sched.h): "I'm a virtual CPU". */
export const PF_VCPU = 0x1;

/** Where the vCPU thread is, for properties and plots (ghost `vcpu_phase`). */
export const PHASE_HOST = 0;
export const PHASE_GUEST = 1;
/** After the VM exit, until the run returns with IRQs enabled. */
export const PHASE_EXITING = 2;
/** KVM_RUN's pass is over: IRQs on again after guest_timing_exit_irqoff(). */
export const PHASE_LEFT = 3;

/** Who a tick was charged to (ghost `tick_charged`). */
export const CHARGED_NONE = 0;
export const CHARGED_GUEST = 1;
export const CHARGED_SYSTEM = 2;
/** account_process_tick() returned early: vtime accounts this CPU, not the tick. */
export const CHARGED_VTIME = 3;

export interface NohzGhosts {
  /** PHASE_* of the vCPU thread. */
  readonly phase: Ghost;
  /** 1 inside the IRQ window (IRQs enabled between VM exit and the end of the pass). */
  readonly window: Ghost;
  /** 1 between guest_context_enter_irqoff() and guest_context_exit_irqoff() (or their old forms). */
  readonly guestContext: Ghost;
  /** An instrumentable step ran inside the guest context (what noinstr forbids). */
  readonly instrInGuestContext: Ghost;
  /** The phase the tick was raised in (-1: not yet). */
  readonly tickArrival: Ghost;
  /** CHARGED_* for the tick. */
  readonly tickCharged: Ghost;
  readonly tickInWindow: Ghost;
  readonly deviceInWindow: Ghost;
  /** An interrupt handler began on the vCPU's CPU while RCU was not watching it. */
  readonly irqUnwatched: Ghost;
  /** The device interrupt's handler began while RCU was not watching the CPU. */
  readonly deviceUnwatched: Ghost;
  /** The RCU reader in the device handler read freed memory. */
  readonly useAfterFree: Ghost;
  /** synchronize_rcu() returned while the vCPU was in the guest. */
  readonly gpInGuest: Ghost;
}

export interface NohzCpu {
  readonly cpu: number;
  /** context_tracking_enabled_this_cpu(): the CPU is nohz_full (CONFIG_CONTEXT_TRACKING_USER). */
  readonly contextTracking: boolean;
  /** Check noinstr: an instrumentable step in the guest context is recorded (param `noinstr`). */
  readonly checkNoinstr: boolean;
  /** current->flags of the vCPU task. */
  readonly currentFlags: Loc;
  readonly rcu: Rcu;
  readonly g: NohzGhosts;
}
