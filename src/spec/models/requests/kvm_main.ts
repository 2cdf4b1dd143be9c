/**
 * virt/kvm/kvm_main.c (Linux v6.12): the sender side — kicking one vCPU, making a request of
 * many, waking a halted vCPU — and kvm_vcpu_block(), the halted vCPU's side of the wake-up.
 * kernel/exit.c supplies rcuwait_wake_up(), kernel/sched/core.c try_to_wake_up(). The
 * `cpuReadFirst` switch gives the same two callers as they were before 85b640450ddc (v5.15),
 * and kvm_make_all_cpus_request_v4_11() the sender of v4.11, before the 2017 request rework.
 */
import {
  CALL_FUNCTION_VECTOR,
  cmpxchg,
  type Ghost,
  ghost,
  type Op,
  preempt_disable,
  preempt_enable,
  READ_ONCE,
  send_ipi,
  smp_mb,
  smp_mb__after_atomic,
  smp_processor_id,
  smp_send_reschedule,
  smp_store_mb,
  smp_store_release,
  WRITE_ONCE,
  wait_for_ipi_ack,
  wait_until,
} from '../../engine/index.ts';
import {
  __kvm_make_request,
  IN_GUEST_MODE,
  KVM_REQUEST_NO_WAKEUP,
  KVM_REQUEST_WAIT,
  type KvmVcpu,
  kvm_request_pending,
  kvm_vcpu_exiting_guest_mode,
  OUTSIDE_GUEST_MODE,
  TASK_INTERRUPTIBLE,
  TASK_RUNNING,
} from './kvm_host.ts';

/** How the sender side is built; each switch is one variant's change. */
export interface SenderFlags {
  /** smp_mb__before_atomic() in kvm_vcpu_exiting_guest_mode(). */
  readonly requesterBarrier: boolean;
  /** The IN_GUEST_MODE -> EXITING_GUEST_MODE cmpxchg; without it, smp_mb() and a plain read. */
  readonly exitingMode: boolean;
  /**
   * Before 85b640450ddc (v5.15 and older): kvm_vcpu_kick() reads `cpu = vcpu->cpu` at entry,
   * before kvm_vcpu_wake_up(), and kvm_make_vcpus_request_mask() reads it right after
   * kvm_make_request(); since then both read it only after the mode check.
   */
  readonly cpuReadFirst: boolean;
  /** With KVM_REQUEST_WAIT, also IPI (and wait for) vCPUs in READING_SHADOW_PAGE_TABLES. */
  readonly waitCountsShadowWalk: boolean;
}

/** A pCPU id no vCPU runs on: get_cpu() of a sender that is not a vCPU thread. */
function* get_cpu(): Op<number> {
  yield* preempt_disable();
  return yield* smp_processor_id();
}

const put_cpu = preempt_enable;

// #region kvm_vcpu_wake_up
/**
 * kvm_vcpu_wake_up() → __kvm_vcpu_wake_up() → rcuwait_wake_up() (kernel/exit.c): wake the vCPU
 * if it is blocked in kvm_vcpu_block(). rcuwait_wake_up() executes its barrier (B) on every
 * call, before it looks at w->task, whether or not anybody waits: so does the model. Every
 * kvm_vcpu_kick(), and every request made without KVM_REQUEST_NO_WAKEUP, passes here first.
 * Left out (v6.12): rcuwait_wake_up()'s rcu_read_lock() around the load, and, when the vCPU was
 * woken, kvm_vcpu_wake_up()'s `WRITE_ONCE(vcpu->ready, true)` and halt_wakeup statistic (nothing
 * here reads them). try_to_wake_up()'s pi_lock, smp_mb__after_spinlock() and state test, then
 * TASK_RUNNING, are the one fully ordered cmpxchg below.
 */
export function* kvm_vcpu_wake_up(vcpu: KvmVcpu): Op<boolean> {
  // (B): orders the request before the load of w->task; pairs with set_current_state() (A).
  yield* smp_mb();
  const task = yield* READ_ONCE(vcpu.wait_task);
  if (!task) return false;
  // wake_up_process() → try_to_wake_up(): only a task that is still asleep is woken.
  const state = yield* cmpxchg(vcpu.task_state, TASK_INTERRUPTIBLE, TASK_RUNNING, 'TASK_INTERRUPTIBLE', 'TASK_RUNNING');
  return state === TASK_INTERRUPTIBLE;
}
// #endregion kvm_vcpu_wake_up

// #region kvm_vcpu_kick
function* kvm_arch_vcpu_should_kick(vcpu: KvmVcpu, f: SenderFlags): Op<boolean> {
  if (f.exitingMode) return (yield* kvm_vcpu_exiting_guest_mode(vcpu, f.requesterBarrier)) === IN_GUEST_MODE;
  // Without EXITING_GUEST_MODE (Paolo Bonzini's 2017 question): a full barrier and a plain read.
  if (f.requesterBarrier) yield* smp_mb();
  return (yield* READ_ONCE(vcpu.mode)) === IN_GUEST_MODE;
}

/**
 * kvm_vcpu_kick(), v6.12: kvm_vcpu_wake_up() (return if it woke the vCPU), get_cpu(), the
 * self-kick shortcut, kvm_arch_vcpu_should_kick() (x86.c: kvm_vcpu_exiting_guest_mode() ==
 * IN_GUEST_MODE), then `cpu = READ_ONCE(vcpu->cpu)` and the reschedule IPI if `cpu != me` and
 * the CPU is valid and online, then put_cpu(). (The split into __kvm_vcpu_kick(vcpu, wait),
 * with kvm_vcpu_kick() as its wait = false case, came later, in 2025 with "KVM: SVM: Fix SNP AP
 * destroy race with VMRUN"; v6.12 has only this body.) Not modelled: the self-kick shortcut
 * (senders are not vCPUs, so `vcpu == kvm_running_vcpu` is never true), and the
 * `(unsigned)cpu < nr_cpu_ids && cpu_online(cpu)` test (no model here takes a CPU offline, and
 * vcpu->cpu always names a CPU of the model). With `cpuReadFirst`, kvm_vcpu_kick() as it was before 85b640450ddc (v5.15):
 * `int cpu = vcpu->cpu;` at entry, then kvm_vcpu_wake_up(), then
 * `if (cpu != me && …) if (kvm_arch_vcpu_should_kick(vcpu)) smp_send_reschedule(cpu);`.
 */
export function* kvm_vcpu_kick(vcpu: KvmVcpu, f: SenderFlags): Op {
  if (f.cpuReadFirst) {
    const cpu = yield* READ_ONCE(vcpu.cpu); // a plain read in the C
    if (yield* kvm_vcpu_wake_up(vcpu)) return;
    const me = yield* get_cpu();
    if (cpu !== me && (yield* kvm_arch_vcpu_should_kick(vcpu, f))) yield* smp_send_reschedule(cpu);
    yield* put_cpu();
    return;
  }
  if (yield* kvm_vcpu_wake_up(vcpu)) return;
  const me = yield* get_cpu();
  if (yield* kvm_arch_vcpu_should_kick(vcpu, f)) {
    const cpu = yield* READ_ONCE(vcpu.cpu);
    if (cpu !== me) yield* smp_send_reschedule(cpu);
  }
  yield* put_cpu();
}
// #endregion kvm_vcpu_kick

// #region kvm_make_vcpus_request_mask
function* kvm_request_needs_ipi(vcpu: KvmVcpu, req: number, f: SenderFlags): Op<boolean> {
  const mode = yield* kvm_vcpu_exiting_guest_mode(vcpu, f.requesterBarrier);
  // With WAIT, also wait for a vCPU to re-enable interrupts and leave READING_SHADOW_PAGE_TABLES.
  if (req & KVM_REQUEST_WAIT && f.waitCountsShadowWalk) return mode !== OUTSIDE_GUEST_MODE;
  return mode === IN_GUEST_MODE;
}

function* kvm_make_vcpu_request(
  vcpu: KvmVcpu,
  req: number,
  tmp: number[],
  current_cpu: number,
  f: SenderFlags,
  made?: Ghost,
): Op {
  yield* __kvm_make_request(req, vcpu);
  if (made) yield* ghost(made, 1); // bookkeeping for the properties
  if (f.cpuReadFirst) {
    // Before 85b640450ddc (v5.15 kvm_make_vcpus_request_mask()): `cpu = vcpu->cpu;` right
    // after kvm_make_request(), then `if (tmp && cpu != -1 && cpu != me && kvm_request_needs_ipi())`.
    const cpu = yield* READ_ONCE(vcpu.cpu);
    if (!(req & KVM_REQUEST_NO_WAKEUP) && (yield* kvm_vcpu_wake_up(vcpu))) return;
    if (cpu !== current_cpu && (yield* kvm_request_needs_ipi(vcpu, req, f)) && !tmp.includes(cpu)) tmp.push(cpu);
    return;
  }
  if (!(req & KVM_REQUEST_NO_WAKEUP) && (yield* kvm_vcpu_wake_up(vcpu))) return;
  // The vCPU may migrate after the mode check and the IPI reach its previous pCPU: harmless,
  // since migrating also takes it out of IN_GUEST_MODE (comment in kvm_make_vcpu_request()).
  if (yield* kvm_request_needs_ipi(vcpu, req, f)) {
    const cpu = yield* READ_ONCE(vcpu.cpu);
    if (cpu !== current_cpu && !tmp.includes(cpu)) tmp.push(cpu); // __cpumask_set_cpu()
  }
}

/** smp_call_function_many(cpus, ack_kick, NULL, wait): IPI every CPU, then wait for each ack. */
function* kvm_kick_many_cpus(cpus: readonly number[], wait: boolean): Op<boolean> {
  if (cpus.length === 0) return false;
  for (const cpu of cpus) yield* send_ipi(cpu, CALL_FUNCTION_VECTOR, `smp_call_function_many(): IPI cpu${cpu}`);
  if (wait)
    for (const cpu of cpus)
      yield* wait_for_ipi_ack(cpu, CALL_FUNCTION_VECTOR, `csd_lock_wait(cpu${cpu}): ack_kick done`);
  return true;
}

/** kvm_make_all_cpus_request() → kvm_make_vcpus_request_mask() over every vCPU. */
export function* kvm_make_all_cpus_request(
  vcpus: readonly KvmVcpu[],
  req: number,
  f: SenderFlags,
  made?: Ghost,
): Op<boolean> {
  const me = yield* get_cpu();
  const cpus: number[] = []; // this CPU's cpu_kick_mask, cleared
  for (const vcpu of vcpus) yield* kvm_make_vcpu_request(vcpu, req, cpus, me, f, made);
  const called = yield* kvm_kick_many_cpus(cpus, (req & KVM_REQUEST_WAIT) !== 0);
  yield* put_cpu();
  return called;
}
// #endregion kvm_make_vcpus_request_mask

// #region kvm_make_all_cpus_request_v4_11
/**
 * virt/kvm/kvm_main.c, v4.11 (before the 2017 request rework): kvm_make_all_cpus_request()
 * read `cpu = vcpu->cpu` after kvm_make_request(), issued smp_mb__after_atomic() ("Set
 * ->requests bit before we read ->mode"), and IPIed every vCPU whose cmpxchg() of
 * kvm_vcpu_exiting_guest_mode() (then a bare cmpxchg(), no barrier of its own) found it
 * anything but OUTSIDE_GUEST_MODE; smp_call_function_many() always waited (wait = 1).
 */
export function* kvm_make_all_cpus_request_v4_11(vcpus: readonly KvmVcpu[], req: number): Op<boolean> {
  const me = yield* get_cpu();
  const cpus: number[] = [];
  for (const vcpu of vcpus) {
    yield* __kvm_make_request(req, vcpu, false); // v4.11's kvm_make_request() was a bare set_bit()
    const cpu = yield* READ_ONCE(vcpu.cpu);
    yield* smp_mb__after_atomic();
    if (cpu !== me && (yield* kvm_vcpu_exiting_guest_mode(vcpu, false)) !== OUTSIDE_GUEST_MODE && !cpus.includes(cpu))
      cpus.push(cpu);
  }
  const called = yield* kvm_kick_many_cpus(cpus, true);
  yield* put_cpu();
  return called;
}
// #endregion kvm_make_all_cpus_request_v4_11

// #region kvm_vcpu_block
/** The halted vCPU: sleep until something makes it runnable (kvm_vcpu_check_block() < 0). */
export function* kvm_vcpu_block(vcpu: KvmVcpu): Op {
  // prepare_to_rcuwait(): rcu_assign_pointer(w->task, current)
  yield* smp_store_release(vcpu.wait_task, 1, 'current');
  for (;;) {
    // set_current_state(TASK_INTERRUPTIBLE): the store and barrier (A) that pair with (B)
    yield* smp_store_mb(vcpu.task_state, TASK_INTERRUPTIBLE, 'TASK_INTERRUPTIBLE');
    // kvm_vcpu_check_block(): the model's request is one that makes the vCPU runnable
    // (as KVM_REQ_UNBLOCK or a pending interrupt do).
    if (yield* kvm_request_pending(vcpu)) break;
    // schedule(): sleeps until try_to_wake_up() makes the task TASK_RUNNING again.
    yield* wait_until(vcpu.task_state, (s) => s === TASK_RUNNING, 'schedule() until woken', { end: true });
  }
  // finish_rcuwait(): rcu_assign_pointer(w->task, NULL); __set_current_state(TASK_RUNNING)
  yield* WRITE_ONCE(vcpu.wait_task, 0, 'NULL');
  yield* WRITE_ONCE(vcpu.task_state, TASK_RUNNING, 'TASK_RUNNING');
}
// #endregion kvm_vcpu_block
