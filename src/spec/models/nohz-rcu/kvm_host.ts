/**
 * The generic guest entry/exit helpers of include/linux/kvm_host.h, as added by ef9989afda73
 * ("kvm: add guest_state_{enter,exit}_irqoff()", Mark Rutland, v5.17; read at ef9989afda73): timing, context and
 * state, each split into enter and exit so that an architecture can put its IRQ window between
 * the context exit (RCU watches again) and the timing exit (the tick is still the guest's).
 *
 * Between guest_context_enter_irqoff() and guest_context_exit_irqoff() "no RCU usage, tracing or
 * lockdep" is allowed: the code there must be noinstr. The guest context is the engine's noinstr
 * region of the vCPU's CPU (engine/noinstr.ts); `instrumentable()` marks a step that is not
 * noinstr (tracepoints, lockdep, KASAN/KCSAN/KCOV instrumented C code).
 */
import type { Op } from '../../engine/index.ts';
import { context_tracking_guest_enter, context_tracking_guest_exit } from './context_tracking.ts';
import type { NohzCpu } from './cpu.ts';
import { vtime_account_guest_enter, vtime_account_guest_exit } from './vtime.ts';

/**
 * Instrumentable code (a tracepoint, lockdep, instrumented C): an engine step of its own kind,
 * recorded when it runs inside the guest context, where it may use RCU while RCU is not
 * watching. Merged into the step before it (it touches no shared memory).
 */
export function instrumentable(k: NohzCpu, what: string): Op {
  return k.noinstr.instrumentable(what);
}

// #region guest_timing_enter_irqoff
/** guest_timing_enter_irqoff(): start accounting time to the guest (instrumentable). */
export function* guest_timing_enter_irqoff(k: NohzCpu): Op {
  yield* instrumentable(k, 'instrumentation_begin()');
  yield* vtime_account_guest_enter(k);
}
// #endregion guest_timing_enter_irqoff

// #region guest_state_enter_irqoff
/** guest_context_enter_irqoff(): enter the EQS, or report a quiescent state. */
export function* guest_context_enter_irqoff(k: NohzCpu): Op {
  if (!(yield* context_tracking_guest_enter(k))) yield* k.rcu.rcu_virt_note_context_switch(k.cpu);
  yield* k.noinstr.noinstr_enter(k.cpu);
}

/** guest_state_enter_irqoff(): the KVM analogue of exit_to_user_mode(). */
export function* guest_state_enter_irqoff(k: NohzCpu): Op {
  yield* instrumentable(k, 'trace_hardirqs_on_prepare(); lockdep_hardirqs_on_prepare()');
  yield* guest_context_enter_irqoff(k);
  // lockdep_hardirqs_on(CALLER_ADDR0) is noinstr.
}
// #endregion guest_state_enter_irqoff

// #region guest_state_exit_irqoff
/** guest_context_exit_irqoff(): RCU watches again. */
export function* guest_context_exit_irqoff(k: NohzCpu): Op {
  yield* context_tracking_guest_exit(k);
  yield* k.noinstr.noinstr_exit(k.cpu);
}

/** guest_state_exit_irqoff(): the KVM analogue of enter_from_user_mode(). */
export function* guest_state_exit_irqoff(k: NohzCpu): Op {
  // lockdep_hardirqs_off(CALLER_ADDR0) is noinstr.
  yield* guest_context_exit_irqoff(k);
  yield* instrumentable(k, 'trace_hardirqs_off_finish()');
}
// #endregion guest_state_exit_irqoff

// #region guest_timing_exit_irqoff
/** guest_timing_exit_irqoff(): stop accounting time to the guest. */
export function* guest_timing_exit_irqoff(k: NohzCpu): Op {
  yield* instrumentable(k, 'instrumentation_begin()');
  yield* vtime_account_guest_exit(k);
}
// #endregion guest_timing_exit_irqoff
