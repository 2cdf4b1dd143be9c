/**
 * include/linux/kvm_host.h (Linux v6.12): vcpu->mode, the request bitmap and its helpers.
 * Each function keeps the kernel's name and the order of its memory accesses and barriers.
 */
import {
  clear_bit,
  cmpxchg,
  type Loc,
  type Op,
  READ_ONCE,
  set_bit,
  smp_mb__after_atomic,
  smp_mb__before_atomic,
  smp_wmb,
  test_bit,
} from '../../engine/index.ts';

// enum { OUTSIDE_GUEST_MODE, IN_GUEST_MODE, EXITING_GUEST_MODE, READING_SHADOW_PAGE_TABLES }
export const OUTSIDE_GUEST_MODE = 0;
export const IN_GUEST_MODE = 1;
export const EXITING_GUEST_MODE = 2;
export const READING_SHADOW_PAGE_TABLES = 3;
export const MODE_NAMES = ['OUTSIDE_GUEST_MODE', 'IN_GUEST_MODE', 'EXITING_GUEST_MODE', 'READING_SHADOW_PAGE_TABLES'];

/** The one request the model sends, standing for any request a vCPU must act on before entry. */
export const KVM_REQ_TEST = 0;
export const KVM_REQUEST_NO_WAKEUP = 1 << 8;
export const KVM_REQUEST_WAIT = 1 << 9;
export const KVM_REQUEST_MASK = 0xff;

/** The fields of struct kvm_vcpu (and of what hangs off it) that the protocol touches. */
export interface KvmVcpu {
  readonly id: number;
  readonly mode: Loc;
  readonly requests: Loc;
  readonly cpu: Loc;
  /** State a request-less kick would publish instead of a request (see the `request-less` variant). */
  readonly event: Loc;
  /** arm64 (2017): vcpu->arch.pause. */
  readonly pause: Loc;
  /** x86 APICv: the ON ("outstanding notification") bit of the posted-interrupt descriptor. */
  readonly pi_on: Loc;
  /** struct rcuwait: the task waiting in kvm_vcpu_block(), or 0. */
  readonly wait_task: Loc;
  /** The vCPU task's __state (TASK_RUNNING / TASK_INTERRUPTIBLE). */
  readonly task_state: Loc;
}

export const TASK_RUNNING = 0;
export const TASK_INTERRUPTIBLE = 1;

// #region kvm_make_request
export function* __kvm_make_request(req: number, vcpu: KvmVcpu, barrier = true): Op {
  // Publish the request's payload before the bit; pairs with kvm_check_request().
  if (barrier) yield* smp_wmb();
  yield* set_bit(req & KVM_REQUEST_MASK, vcpu.requests, 'req');
}

export function* kvm_request_pending(vcpu: KvmVcpu): Op<boolean> {
  return (yield* READ_ONCE(vcpu.requests)) !== 0;
}

export function* kvm_check_request(req: number, vcpu: KvmVcpu): Op<boolean> {
  if (yield* test_bit(req & KVM_REQUEST_MASK, vcpu.requests, 'req')) {
    yield* clear_bit(req & KVM_REQUEST_MASK, vcpu.requests, 'req');
    // Make the request's payload visible to the caller; pairs with the smp_wmb() above.
    yield* smp_mb__after_atomic();
    return true;
  }
  return false;
}
// #endregion kvm_make_request

// #region kvm_vcpu_exiting_guest_mode
export function* kvm_vcpu_exiting_guest_mode(vcpu: KvmVcpu, barrier = true): Op<number> {
  // The barrier orders the earlier store to vcpu->requests before the read of vcpu->mode;
  // it pairs with the full barrier after the store to vcpu->mode in vcpu_enter_guest().
  if (barrier) yield* smp_mb__before_atomic();
  return yield* cmpxchg(vcpu.mode, IN_GUEST_MODE, EXITING_GUEST_MODE, 'IN_GUEST_MODE', 'EXITING_GUEST_MODE');
}
// #endregion kvm_vcpu_exiting_guest_mode
