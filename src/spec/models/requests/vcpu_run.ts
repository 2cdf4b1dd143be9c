/**
 * The vCPU side: one pass of the run loop, as arch/x86/kvm/x86.c vcpu_enter_guest() and
 * arch/arm64/kvm/arm.c kvm_arch_vcpu_ioctl_run() do it in Linux v6.12, with the switches that
 * give the historical and hypothetical variants. The preemption path (vcpu_run()'s and
 * kvm_arch_vcpu_ioctl_run()'s xfer_to_guest_mode_handle_work(), kernel/entry/kvm.c, and
 * kvm_vcpu_exit_request() in both) was read in a copy of the v6.12 tree
 * (github.com/shilei-massclouds/linux-6.12, "Import Linux 6.12 source"; its kernel/entry/kvm.c,
 * blob 2e0f75bcb7fd, is the blob later patches to that file apply to). Guest code itself is not modelled: the guest
 * runs until an interrupt is pending on its pCPU, which is a VM exit.
 */
import {
  choose,
  clear_bit,
  type Ghost,
  ghost,
  ghost_read,
  guest_enter,
  guest_exit,
  type Loc,
  local_irq_disable,
  local_irq_enable,
  migrate,
  need_resched,
  type Op,
  preempt_disable,
  preempt_enable,
  READ_ONCE,
  smp_mb,
  smp_mb__after_atomic,
  smp_mb__after_srcu_read_unlock,
  smp_processor_id,
  smp_store_mb,
  smp_store_release,
  smp_wmb,
  test_bit,
  WRITE_ONCE,
  wait_until,
} from '../../engine/index.ts';
import {
  EXITING_GUEST_MODE,
  IN_GUEST_MODE,
  KVM_REQ_TEST,
  type KvmVcpu,
  kvm_check_request,
  kvm_request_pending,
  OUTSIDE_GUEST_MODE,
  READING_SHADOW_PAGE_TABLES,
} from './kvm_host.ts';
import { kvm_vcpu_block } from './kvm_main.ts';

export interface VcpuFlags {
  readonly arch: 'x86' | 'arm64';
  /** How vcpu->mode = IN_GUEST_MODE is published: the kernel's way, or a plain store with no barrier. */
  readonly modeStore: 'kernel' | 'plain+mb' | 'no-barrier';
  /** What the final check, after IN_GUEST_MODE, looks at. */
  readonly checkRequests: boolean;
  readonly checkPause: boolean;
  /** Set mode and do the final check before local_irq_disable() instead of after it. */
  readonly checkBeforeIrqsOff: boolean;
  /**
   * arm (v4.11 arch/arm/kvm/arm.c): the final check (`power_off || pause`) with interrupts off
   * comes first, and only then, after guest_enter_irqoff(), a plain `vcpu->mode = IN_GUEST_MODE`.
   */
  readonly modeAfterCheck: boolean;
  /**
   * x86 APICv, where PIR is synced to the IRR: after IN_GUEST_MODE with interrupts off (since
   * b95234c84004); while processing KVM_REQ_EVENT, before interrupts are disabled (before that
   * commit, `req-event`); or before disabling interrupts with no request (`early`, a plausible mistake).
   */
  readonly piSync: 'none' | 'irqs-off' | 'req-event' | 'early';
  /** The scheduler may migrate the vCPU task between passes (vcpu->cpu changes). */
  readonly migrate: boolean;
  /** The guest may halt (HLT exit → kvm_vcpu_block()). */
  readonly halt: boolean;
  /** The vCPU may do a lockless shadow-page-table walk (READING_SHADOW_PAGE_TABLES). */
  readonly shadowWalk: boolean;
  /** Senders publish vcpu->arch.event and kick without a request (the request-less kick). */
  readonly event: boolean;
  /** The guest may also exit on its own (timer tick): set from the `timer` parameter. */
  readonly timerExits?: boolean;
  /**
   * kvm_vcpu_exit_request() also tests xfer_to_guest_mode_work_pending(), so a TIF_NEED_RESCHED
   * set since the last check cancels the entry: x86 and arm64 at v6.12. Off in the variants of
   * older code (v4.x, the 2017 rework, v5.15), where this check was not read.
   */
  readonly xferWorkCheck: boolean;
  /** Record in a ghost when the vCPU processes the request (the TLB-flush variants' property reads it). */
  readonly recordFlush?: boolean;
}

/** Ghosts the properties read: when the vCPU last entered the guest, relative to the request. */
export interface VcpuGhosts {
  readonly requestEpoch: Ghost;
  readonly entryEpoch: Ghost;
  readonly walkEpoch: Ghost;
  readonly walking: Ghost;
  readonly sleeping: Ghost;
  readonly irr: Ghost;
  /** The vCPU processed the request after the sender made it (for the TLB flush: flushed since the zap). */
  readonly flushed: Ghost;
}

// #region vcpu_run
/** One pass of vcpu_run()'s loop (x86) / kvm_arch_vcpu_ioctl_run()'s loop (arm64). */
export function* vcpu_run_once(vcpu: KvmVcpu, spte: Loc, f: VcpuFlags, g: VcpuGhosts): Op {
  // Between passes the vCPU task may be preempted. x86 vcpu_run() ends each pass with
  // `if (__xfer_to_guest_mode_work_pending()) … xfer_to_guest_mode_handle_work(vcpu)`, arm64
  // kvm_arch_vcpu_ioctl_run() begins each with xfer_to_guest_mode_handle_work(vcpu), and
  // xfer_to_guest_mode_work() (kernel/entry/kvm.c) calls schedule() when TIF_NEED_RESCHED is
  // set (all read in a v6.12 tree). The engine sets it when the VM exit was the host's
  // scheduler tick on a pCPU another task waits for (threads.ts, GuestExit, which cites the
  // v6.12 tick path): then the task is switched out for certain. Otherwise it may or may not
  // be, for what the model does not follow: a wakeup on another CPU that preempts it
  // (resched_curr() on a remote rq sends the reschedule IPI, which makes the guest exit too).
  if (f.migrate && ((yield* need_resched()) || (yield* choose(2, 'preempted here?')) === 1)) {
    // Preemption: kvm_sched_out(); the scheduler moves the task; kvm_sched_in() →
    // kvm_arch_vcpu_load() records the new pCPU.
    yield* migrate();
    yield* WRITE_ONCE(vcpu.cpu, yield* smp_processor_id());
  }
  if (f.halt && (yield* choose(2, 'guest executes HLT?')) === 1) {
    yield* kvm_vcpu_block(vcpu); // vcpu_block() → kvm_vcpu_halt() → kvm_vcpu_block()
  }
  if (f.shadowWalk && (yield* choose(2, 'lockless shadow-page-table walk?')) === 1) {
    yield* walk_shadow_page_lockless(vcpu, spte, g);
  }
  if (f.arch === 'x86') yield* vcpu_enter_guest(vcpu, f, g);
  else yield* kvm_arch_vcpu_run_pass(vcpu, f, g);
}
// #endregion vcpu_run

// #region vcpu_enter_guest
/** arch/x86/kvm/x86.c: vcpu_enter_guest(), the parts that touch requests and mode. */
export function* vcpu_enter_guest(vcpu: KvmVcpu, f: VcpuFlags, g: VcpuGhosts): Op {
  if (yield* kvm_request_pending(vcpu)) {
    if (yield* kvm_check_request(KVM_REQ_TEST, vcpu)) {
      // service the request (KVM_REQ_TLB_FLUSH: kvm_vcpu_flush_tlb_all(); before b95234c84004,
      // KVM_REQ_EVENT: the PIR reached the IRR while pending interrupts were evaluated)
      if (f.recordFlush) yield* ghost(g.flushed, yield* ghost_read(g.requestEpoch));
      if (f.piSync === 'req-event') yield* vmx_sync_pir_to_irr(vcpu, g);
    }
  }
  yield* consume_event(vcpu, f); // a request-less kick's state, if any
  if (f.piSync === 'early') yield* vmx_sync_pir_to_irr(vcpu, g); // before b95234c84004

  yield* preempt_disable();
  if (f.checkBeforeIrqsOff) {
    if (yield* set_in_guest_mode_and_check(vcpu, f, g)) return;
    yield* local_irq_disable();
  } else {
    // Interrupts off before IN_GUEST_MODE: a kick IPI that arrives from now on is a VM exit.
    yield* local_irq_disable();
    if (yield* set_in_guest_mode_and_check(vcpu, f, g)) return;
  }

  yield* guest_enter();
  yield* ghost(g.entryEpoch, yield* ghost_read(g.requestEpoch));
  yield* guest_exit(f.timerExits ? 'VM-exit (IPI or timer tick)' : 'VM-exit (IPI)', { timer: f.timerExits ?? false });

  yield* WRITE_ONCE(vcpu.mode, OUTSIDE_GUEST_MODE, 'OUTSIDE_GUEST_MODE');
  yield* smp_wmb();
  yield* local_irq_enable(); // the IPI that caused the exit is handled here
  yield* preempt_enable();
}

/** Returns true when entry is cancelled (the `if (kvm_vcpu_exit_request(vcpu))` branch). */
function* set_in_guest_mode_and_check(vcpu: KvmVcpu, f: VcpuFlags, g: VcpuGhosts): Op<boolean> {
  if (f.modeStore === 'kernel') {
    yield* smp_store_release(vcpu.mode, IN_GUEST_MODE, 'IN_GUEST_MODE');
    // Orders the store to vcpu->mode before the loads of ->requests and PID.ON below.
    yield* smp_mb__after_srcu_read_unlock();
  } else {
    yield* WRITE_ONCE(vcpu.mode, IN_GUEST_MODE, 'IN_GUEST_MODE');
    if (f.modeStore === 'plain+mb') yield* smp_mb();
  }
  if (f.piSync === 'irqs-off') yield* vmx_sync_pir_to_irr(vcpu, g);
  if (yield* kvm_vcpu_exit_request(vcpu, f)) {
    yield* WRITE_ONCE(vcpu.mode, OUTSIDE_GUEST_MODE, 'OUTSIDE_GUEST_MODE');
    yield* smp_wmb();
    yield* local_irq_enable();
    yield* preempt_enable();
    return true;
  }
  return false;
}

/**
 * kvm_vcpu_exit_request(), v6.12: x86 (x86.c) returns `vcpu->mode == EXITING_GUEST_MODE ||
 * kvm_request_pending(vcpu) || xfer_to_guest_mode_work_pending()`; arm64 (arm.c), after its
 * userspace-irqchip and unsupported-CPU exits (not modelled), `kvm_request_pending(vcpu) ||
 * xfer_to_guest_mode_work_pending()`. Of the work flags only TIF_NEED_RESCHED exists here.
 */
function* kvm_vcpu_exit_request(vcpu: KvmVcpu, f: VcpuFlags): Op<boolean> {
  if (f.arch === 'x86' && (yield* READ_ONCE(vcpu.mode)) === EXITING_GUEST_MODE) return true;
  if (f.checkRequests && (yield* kvm_request_pending(vcpu))) return true;
  if (f.xferWorkCheck && (yield* need_resched())) return true;
  if (f.checkPause && (yield* READ_ONCE(vcpu.pause))) return true;
  return false;
}
// #endregion vcpu_enter_guest

// #region kvm_arch_vcpu_ioctl_run
/** arch/arm64/kvm/arm.c: one pass of kvm_arch_vcpu_ioctl_run()'s loop. */
export function* kvm_arch_vcpu_run_pass(vcpu: KvmVcpu, f: VcpuFlags, g: VcpuGhosts): Op {
  // check_vcpu_requests(); in 2017, `if (power_off || pause) vcpu_sleep(vcpu)` here.
  if ((yield* kvm_request_pending(vcpu)) && (yield* kvm_check_request(KVM_REQ_TEST, vcpu)) && f.recordFlush)
    yield* ghost(g.flushed, yield* ghost_read(g.requestEpoch));
  if (f.checkPause && (yield* READ_ONCE(vcpu.pause))) yield* vcpu_sleep(vcpu, g);
  yield* consume_event(vcpu, f);

  yield* preempt_disable();
  yield* local_irq_disable();
  if (f.modeAfterCheck) {
    // v4.11: `if (ret <= 0 || need_new_vmid_gen() || power_off || pause) { local_irq_enable(); …
    // continue; }`, then guest_enter_irqoff(); `vcpu->mode = IN_GUEST_MODE;` with no barrier.
    if (yield* kvm_vcpu_exit_request(vcpu, f)) {
      yield* local_irq_enable();
      yield* preempt_enable();
      return;
    }
    yield* WRITE_ONCE(vcpu.mode, IN_GUEST_MODE, 'IN_GUEST_MODE');
    yield* run_guest(vcpu, f, g);
    return;
  }
  if (f.modeStore === 'kernel') yield* smp_store_mb(vcpu.mode, IN_GUEST_MODE, 'IN_GUEST_MODE');
  else {
    yield* WRITE_ONCE(vcpu.mode, IN_GUEST_MODE, 'IN_GUEST_MODE');
    if (f.modeStore === 'plain+mb') yield* smp_mb();
  }
  if (yield* kvm_vcpu_exit_request(vcpu, f)) {
    yield* WRITE_ONCE(vcpu.mode, OUTSIDE_GUEST_MODE, 'OUTSIDE_GUEST_MODE');
    yield* local_irq_enable();
    yield* preempt_enable();
    return;
  }
  yield* run_guest(vcpu, f, g);
}

/** kvm_call_hyp(__kvm_vcpu_run) / kvm_arm_vcpu_enter_exit(), then back out with IRQs enabled. */
function* run_guest(vcpu: KvmVcpu, f: VcpuFlags, g: VcpuGhosts): Op {
  yield* guest_enter();
  yield* ghost(g.entryEpoch, yield* ghost_read(g.requestEpoch));
  yield* guest_exit(f.timerExits ? 'VM-exit (IPI or timer tick)' : 'VM-exit (IPI)', { timer: f.timerExits ?? false });

  yield* WRITE_ONCE(vcpu.mode, OUTSIDE_GUEST_MODE, 'OUTSIDE_GUEST_MODE');
  yield* local_irq_enable();
  yield* preempt_enable();
}

/** arm64 (2017): vcpu_sleep() — wait until vcpu->arch.pause is cleared (never, in this model). */
function* vcpu_sleep(vcpu: KvmVcpu, g: VcpuGhosts): Op {
  yield* ghost(g.sleeping, 1);
  yield* wait_until(vcpu.pause, (p) => p === 0, 'vcpu_sleep(): wait for !pause', { end: true });
}
// #endregion kvm_arch_vcpu_ioctl_run

// #region vmx_sync_pir_to_irr
/** arch/x86/kvm/vmx/vmx.c: move posted interrupts (PIR, flagged by PID.ON) into the vAPIC's IRR. */
function* vmx_sync_pir_to_irr(vcpu: KvmVcpu, g: VcpuGhosts): Op {
  if (yield* test_bit(0, vcpu.pi_on, 'POSTED_INTR_ON')) {
    // pi_test_on() is a plain read; only when ON is set is it cleared with an atomic.
    yield* clear_bit(0, vcpu.pi_on, 'POSTED_INTR_ON');
    yield* smp_mb__after_atomic();
    yield* ghost(g.irr, 1); // kvm_apic_update_irr(): delivered at the next VM entry
  }
}
// #endregion vmx_sync_pir_to_irr

/** A request-less kick's payload (see the `request-less-kick` variant), consumed where requests are. */
function* consume_event(vcpu: KvmVcpu, f: VcpuFlags): Op {
  if (f.event && (yield* READ_ONCE(vcpu.event))) yield* WRITE_ONCE(vcpu.event, 0);
}

// #region walk_shadow_page_lockless
/** arch/x86/kvm/mmu/mmu.c: walk_shadow_page_lockless_begin() … _end(). */
function* walk_shadow_page_lockless(vcpu: KvmVcpu, spte: Loc, g: VcpuGhosts): Op {
  yield* local_irq_disable();
  // Orders the mode store before the SPTE reads; pairs with kvm_flush_remote_tlbs().
  yield* smp_store_mb(vcpu.mode, READING_SHADOW_PAGE_TABLES, 'READING_SHADOW_PAGE_TABLES');
  yield* ghost(g.walkEpoch, yield* ghost_read(g.requestEpoch));
  yield* ghost(g.walking, 1);
  yield* READ_ONCE(spte); // … the lockless walk reads SPTEs …
  yield* smp_store_release(vcpu.mode, OUTSIDE_GUEST_MODE, 'OUTSIDE_GUEST_MODE');
  yield* ghost(g.walking, 0);
  yield* local_irq_enable();
}
// #endregion walk_shadow_page_lockless
