/**
 * What the functions of this model share: the vCPU's physical CPU, whether context tracking
 * runs there (a nohz_full CPU), the vCPU task's flags word, RCU's per-CPU state, and the
 * bookkeeping ghosts that the properties read. Not a kernel file: the kernel keeps these in
 * per-CPU variables (ct->state, rcu_data) and in `current`.
 */
import type { Ghost, Loc, ModelBuilder, Noinstr, Rcu } from '../../engine/index.ts';

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

/** The model's ghosts, declared on builder `b` (the model and its tests build them alike). */
export function nohzGhosts(b: ModelBuilder): NohzGhosts {
  return {
    phase: b.ghost('vcpu_phase'),
    window: b.ghost('irq_window'),
    tickArrival: b.ghost('tick_arrival', -1),
    tickCharged: b.ghost('tick_charged'),
    tickInWindow: b.ghost('tick_in_window'),
    deviceInWindow: b.ghost('device_irq_in_window'),
    irqUnwatched: b.ghost('irq_while_rcu_not_watching'),
    deviceUnwatched: b.ghost('device_irq_while_rcu_not_watching'),
    useAfterFree: b.ghost('use_after_free'),
    gpInGuest: b.ghost('gp_in_guest'),
  };
}

export interface NohzCpu {
  readonly cpu: number;
  /** context_tracking_enabled_this_cpu(): the CPU is nohz_full (CONFIG_CONTEXT_TRACKING_USER). */
  readonly contextTracking: boolean;
  /**
   * The guest context (between guest_context_enter_irqoff() and guest_context_exit_irqoff(), or
   * their old forms) as the engine's noinstr region of this CPU; instrumentable steps in it are
   * recorded when the `noinstr` parameter is 1.
   */
  readonly noinstr: Noinstr;
  /** current->flags of the vCPU task. */
  readonly currentFlags: Loc;
  readonly rcu: Rcu;
  readonly g: NohzGhosts;
}
