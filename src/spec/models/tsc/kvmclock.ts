/**
 * arch/x86/kvm/x86.c as of v6.12, read in a copy of the v6.12 tree
 * (github.com/shilei-massclouds/linux-6.12, "Import Linux 6.12 source"; its x86.c is blob
 * 83fe0a78146f, the blob that patches posted against v6.12 apply to): where the RFC's ideas ended up for hosts without a constant
 * TSC. There is no base CPU and no resynchronisation: each CPU's frequency lives in the per-CPU
 * cpu_tsc_khz, written only by tsc_khz_changed() in a synchronous IPI on that CPU (the RFC's
 * rule 1); a vCPU recomputes its kvmclock parameters (kvm_guest_time_update()) when it finds
 * KVM_REQ_CLOCK_UPDATE on entry; and __kvmclock_cpufreq_notifier() orders the updates so the
 * guest never sees time go backwards: before a rise, after a fall; store the frequency, then
 * set the request, then ping the CPU again.
 *
 * Modelled, step for step for what the properties observe: tsc_khz_changed(),
 * __kvmclock_cpufreq_notifier() and the early returns of kvmclock_cpufreq_notifier(); on the
 * vCPU's side vcpu_load() / kvm_sched_in() -> kvm_arch_vcpu_load() (KVM_REQ_GLOBAL_CLOCK_UPDATE
 * before the store to vcpu->cpu), vcpu_run()'s retry of a cancelled entry, and
 * vcpu_enter_guest(): the requests behind kvm_request_pending() with preemption on
 * (KVM_REQ_GLOBAL_CLOCK_UPDATE -> kvm_gen_kvmclock_update(), KVM_REQ_CLOCK_UPDATE ->
 * kvm_guest_time_update(), which re-enables interrupts before it computes the scale), then
 * IN_GUEST_MODE, the final kvm_vcpu_exit_request() with interrupts off, and both exits. Not
 * modelled: the master clock (use_master_clock is false without a stable TSC), the vm_list
 * walk (one VM, one vCPU), kvm_guest_time_update()'s TSC scaling and catch-up,
 * kvm_gen_kvmclock_update()'s delayed work, kvm_check_tsc_unstable() in kvm_arch_vcpu_load(),
 * the other requests, and preemption anywhere but between two guest entries.
 */
import {
  BUG_ON,
  type Clock,
  callFunction,
  clear_bit,
  guest_enter,
  guest_exit,
  irqs_disabled,
  type Loc,
  local_irq_disable,
  local_irq_enable,
  local_irq_restore,
  local_irq_save,
  type ModelBuilder,
  migrate,
  NotifierChain,
  type Op,
  preempt_disable,
  preempt_enable,
  READ_ONCE,
  set_bit,
  smp_call_function_single_fn,
  smp_mb__after_atomic,
  smp_processor_id,
  smp_store_mb,
  smp_wmb,
  test_bit,
  WRITE_ONCE,
} from '../../engine/index.ts';
import { CPUFREQ_POSTCHANGE, CPUFREQ_PRECHANGE, cpufreq_transition, type Transition } from './cpufreq.ts';
import { REF_TSC_KHZ, type TscFlags } from './x86.ts';

const KVM_REQ_CLOCK_UPDATE = 0;
const KVM_REQ_GLOBAL_CLOCK_UPDATE = 1;
/** Calls of vcpu_enter_guest() per guest entry (vcpu_run() retries a cancelled one). */
const MAX_PASSES = 3;
const OUTSIDE_GUEST_MODE = 0;
const IN_GUEST_MODE = 1;

interface Today {
  readonly flags: TscFlags;
  readonly clock: Clock;
  readonly cpu_tsc_khz: readonly Loc[];
  readonly freqs: { readonly old: Loc; readonly new: Loc };
  readonly vcpu: {
    readonly cpu: Loc;
    readonly requests: Loc;
    readonly mode: Loc;
  };
}

// #region tsc_khz_changed
/**
 * tsc_khz_changed(data), v6.12: `khz = freq->new` (with data; cpufreq_quick_get() without, from
 * the CPU-online callback, not modelled), `tsc_khz` if that is 0 (never, here), then
 * `__this_cpu_write(cpu_tsc_khz, khz)`. The kernel's WARN_ON_ONCE(X86_FEATURE_CONSTANT_TSC)
 * cannot fire here (no constant TSC). The model adds one check of its own, not the kernel's:
 * that it runs with interrupts off, as it does in smp_call_function_single()'s IPI (rule 1).
 * In this model it is cpu_tsc_khz's only writer; v6.12 also zeroes it in
 * kvmclock_cpu_down_prep() and sets it in kvm_hyperv_tsc_notifier(), neither modelled.
 */
function* tsc_khz_changed(t: Today, cpu: number): Op {
  yield* BUG_ON(!(yield* irqs_disabled()), 'tsc_khz_changed() with interrupts on');
  yield* WRITE_ONCE(t.cpu_tsc_khz[cpu] as Loc, yield* READ_ONCE(t.freqs.new));
}
// #endregion tsc_khz_changed

// #region __kvmclock_cpufreq_notifier
/**
 * __kvmclock_cpufreq_notifier(freq, cpu), v6.12, step for step: the synchronous IPI that stores
 * the frequency; then, under kvm_lock (not modelled: no other user here), for each vCPU of each
 * VM (the one vCPU) `if (vcpu->cpu != cpu) continue; kvm_make_request(KVM_REQ_CLOCK_UPDATE,
 * vcpu); if (vcpu->cpu != raw_smp_processor_id()) send_ipi = 1;`, vcpu->cpu read twice; then,
 * for a rise with send_ipi, the second IPI.
 */
function* __kvmclock_cpufreq_notifier(t: Today, khzChanged: ReturnType<typeof callFunction>, cpu: number): Op {
  let send_ipi = false;
  const requestAll = function* () {
    // kvm_for_each_vcpu_in_each_vm(): the one vCPU, if it is on `cpu`.
    if ((yield* READ_ONCE(t.vcpu.cpu)) !== cpu) return;
    // kvm_make_request(KVM_REQ_CLOCK_UPDATE, vcpu): smp_wmb(), then set_bit().
    yield* smp_wmb();
    yield* set_bit(KVM_REQ_CLOCK_UPDATE, t.vcpu.requests, 'KVM_REQ_CLOCK_UPDATE');
    if ((yield* READ_ONCE(t.vcpu.cpu)) !== (yield* smp_processor_id())) send_ipi = true;
  };
  if (t.flags.requestBeforeStore) yield* requestAll();
  yield* smp_call_function_single_fn(cpu, khzChanged, true);
  if (!t.flags.requestBeforeStore) yield* requestAll();
  const old = yield* READ_ONCE(t.freqs.old);
  const nw = yield* READ_ONCE(t.freqs.new);
  if (old < nw && send_ipi && !t.flags.noPing) {
    // Ping: catch a vCPU that entered between the first IPI and the request.
    yield* smp_call_function_single_fn(cpu, khzChanged, true);
  }
}

/**
 * kvmclock_cpufreq_notifier(), v6.12: `if (val == CPUFREQ_PRECHANGE && freq->old > freq->new)
 * return 0; if (val == CPUFREQ_POSTCHANGE && freq->old < freq->new) return 0;` (so a transition
 * to the same frequency is handled at both), then __kvmclock_cpufreq_notifier() for each CPU of
 * freq->policy. The model's driver (cpufreq.ts) calls the chain once per CPU of the policy, so
 * each call handles its own CPU: the same calls in the same order.
 */
function* kvmclock_cpufreq_notifier(
  t: Today,
  khzChanged: ReturnType<typeof callFunction>,
  val: number,
  cpu: number,
): Op<number> {
  const old = yield* READ_ONCE(t.freqs.old);
  const nw = yield* READ_ONCE(t.freqs.new);
  // The wrong-direction mutation swaps the two tests: after a rise, before a fall.
  const skipPre = t.flags.wrongDirection ? old < nw : old > nw;
  const skipPost = t.flags.wrongDirection ? old > nw : old < nw;
  if (val === CPUFREQ_PRECHANGE && skipPre) return 0;
  if (val === CPUFREQ_POSTCHANGE && skipPost) return 0;
  yield* __kvmclock_cpufreq_notifier(t, khzChanged, cpu);
  return 0;
}
// #endregion __kvmclock_cpufreq_notifier

// #region vcpu_enter_guest_today
/**
 * vcpu->arch.hv_clock and hw_tsc_khz: the vCPU's own copy of its kvmclock parameters. Only the
 * vCPU task writes or reads them (the guest's copy, written by kvm_setup_guest_pvclock(), is
 * read by this vCPU's guest between the same task's entries), so they are the thread's own
 * variables, not shared memory: their accesses are not steps.
 */
interface HvClock {
  tsc_timestamp: number;
  system_time: number;
  /** tsc_to_system_mul (with tsc_shift, exact here: REF_TSC_KHZ / khz). */
  mul: number;
  hw_tsc_khz: number;
}

/** kvm_make_request(req, vcpu): smp_wmb(), then set_bit(). */
function* kvm_make_request(t: Today, req: number, name: string): Op {
  yield* smp_wmb();
  yield* set_bit(req, t.vcpu.requests, name);
}

/** kvm_check_request(req, vcpu): if set, clear it, smp_mb__after_atomic(), and say so. */
function* kvm_check_request(t: Today, req: number, name: string): Op<boolean> {
  if (!(yield* test_bit(req, t.vcpu.requests, name))) return false;
  yield* clear_bit(req, t.vcpu.requests, name);
  yield* smp_mb__after_atomic();
  return true;
}

/**
 * kvm_guest_time_update(), v6.12, without the master clock (off on this host): with interrupts
 * saved and disabled, get_cpu_tsc_khz() (this CPU's cpu_tsc_khz: no constant TSC), rdtsc() and
 * get_kvmclock_base_ns() (one instant of the model's clock); local_irq_restore(); then the
 * scale, if the frequency changed, and tsc_timestamp and system_time. Not modelled: the
 * tgt_tsc_khz == 0 retry (never 0 here), kvm_read_l1_tsc()'s offset and scaling (the guest
 * TSC is the host's), the catch-up, kvmclock_offset, and kvm_setup_guest_pvclock()'s copy to
 * the guest page (see HvClock).
 */
function* kvm_guest_time_update(t: Today, hv: HvClock): Op {
  const flags = yield* local_irq_save(); // keep irq disabled to prevent changes to the clock
  const cpu = yield* smp_processor_id();
  const tgt_tsc_khz = yield* READ_ONCE(t.cpu_tsc_khz[cpu] as Loc);
  const now = yield* t.clock.rdtsc_at(cpu);
  yield* local_irq_restore(flags);
  if (hv.hw_tsc_khz !== tgt_tsc_khz) {
    hv.mul = REF_TSC_KHZ / tgt_tsc_khz; // kvm_get_time_scale()
    hv.hw_tsc_khz = tgt_tsc_khz;
  }
  hv.tsc_timestamp = now.tsc;
  hv.system_time = REF_TSC_KHZ * now.time;
}

/**
 * kvm_arch_vcpu_load(vcpu, cpu), v6.12, the clock part, with preemption off (from vcpu_load()
 * at KVM_RUN and from kvm_sched_in() after a move): on a CPU change, KVM_REQ_GLOBAL_CLOCK_UPDATE
 * (no master clock), then vcpu->cpu = cpu. The model takes the branch on a CPU change only:
 * kvm_check_tsc_unstable(), which would take it on every load, and what it does then (the TSC
 * offset rewrite and catch-up) are not modelled.
 */
function* kvm_arch_vcpu_load(t: Today, cpu: number): Op {
  if ((yield* READ_ONCE(t.vcpu.cpu)) !== cpu) {
    yield* kvm_make_request(t, KVM_REQ_GLOBAL_CLOCK_UPDATE, 'KVM_REQ_GLOBAL_CLOCK_UPDATE');
    yield* WRITE_ONCE(t.vcpu.cpu, cpu);
  }
}

/** vcpu_load() (KVM_RUN) and kvm_sched_in() (after a move): kvm_arch_vcpu_load() on this CPU. */
function* vcpu_load(t: Today): Op {
  yield* preempt_disable(); // get_cpu()
  yield* kvm_arch_vcpu_load(t, yield* smp_processor_id());
  yield* preempt_enable(); // put_cpu()
}

/**
 * One call of vcpu_enter_guest(), v6.12, in the order of its steps that touch what the
 * properties observe: behind kvm_request_pending(), with preemption on,
 * KVM_REQ_GLOBAL_CLOCK_UPDATE (kvm_gen_kvmclock_update(): KVM_REQ_CLOCK_UPDATE; its delayed
 * kvmclock_update_fn() work, which requests it again 100 ms later, is not modelled) and
 * KVM_REQ_CLOCK_UPDATE (kvm_guest_time_update()); then preempt_disable(),
 * local_irq_disable(), IN_GUEST_MODE by smp_store_release() followed by
 * smp_mb__after_srcu_read_unlock() (here smp_store_mb(): the store and a full barrier), and
 * kvm_vcpu_exit_request(): a pending request cancels the entry (OUTSIDE_GUEST_MODE,
 * smp_wmb(), interrupts and preemption back on; returns false). Otherwise the guest runs, and
 * the exit is OUTSIDE_GUEST_MODE, smp_wmb(), local_irq_enable(), preempt_enable().
 */
function* vcpu_enter_guest(t: Today, hv: HvClock, inGuest: (cpu: number) => Op): Op<boolean> {
  if ((yield* READ_ONCE(t.vcpu.requests)) !== 0) {
    // kvm_request_pending()
    if (yield* kvm_check_request(t, KVM_REQ_GLOBAL_CLOCK_UPDATE, 'KVM_REQ_GLOBAL_CLOCK_UPDATE'))
      yield* kvm_make_request(t, KVM_REQ_CLOCK_UPDATE, 'KVM_REQ_CLOCK_UPDATE'); // kvm_gen_kvmclock_update()
    if (yield* kvm_check_request(t, KVM_REQ_CLOCK_UPDATE, 'KVM_REQ_CLOCK_UPDATE')) yield* kvm_guest_time_update(t, hv);
  }
  yield* preempt_disable();
  yield* local_irq_disable();
  yield* smp_store_mb(t.vcpu.mode, IN_GUEST_MODE, 'IN_GUEST_MODE');
  if ((yield* READ_ONCE(t.vcpu.requests)) !== 0) {
    // kvm_vcpu_exit_request(): cancel the entry
    yield* WRITE_ONCE(t.vcpu.mode, OUTSIDE_GUEST_MODE, 'OUTSIDE_GUEST_MODE');
    yield* smp_wmb();
    yield* local_irq_enable();
    yield* preempt_enable();
    return false;
  }
  const cpu = yield* smp_processor_id();
  yield* guest_enter();
  yield* inGuest(cpu);
  yield* guest_exit('VM-exit', { timer: true });
  yield* WRITE_ONCE(t.vcpu.mode, OUTSIDE_GUEST_MODE, 'OUTSIDE_GUEST_MODE');
  yield* smp_wmb();
  yield* local_irq_enable();
  yield* preempt_enable();
  return true;
}
// #endregion vcpu_enter_guest_today

/** The guest reads kvmclock: system_time + (tsc - tsc_timestamp) * mul, from its copy. */
function* guest_read(t: Today, hv: HvClock, cpu: number): Op<{ ref: number; time: number }> {
  const now = yield* t.clock.rdtsc_at(cpu);
  return { ref: hv.system_time + (now.tsc - hv.tsc_timestamp) * hv.mul, time: now.time };
}

/** The guest's kvmclock readings go to `observe` (model.ts checks and records them). */
export type GuestObserver = (reading: { readonly ref: number; readonly time: number }, entry: number) => Op;

/** Today's code: the notifier, one cpufreq thread making `transitions`, one vCPU entering twice. */
export function setupToday(
  b: ModelBuilder,
  flags: TscFlags & { readonly vcpu: boolean },
  clock: Clock,
  transitions: readonly Transition[],
  kvmCpus: number,
  observe: GuestObserver,
): void {
  const cpus = Array.from({ length: kvmCpus }, (_, c) => c);
  const t: Today = {
    flags,
    clock,
    cpu_tsc_khz: cpus.map((c) => b.loc(`cpu${c}.cpu_tsc_khz`, initialRate(clock, c))),
    freqs: { old: b.loc('freqs.old'), new: b.loc('freqs.new') },
    vcpu: {
      cpu: b.loc('vcpu->cpu', -1),
      requests: b.loc('vcpu->requests', 0),
      mode: b.loc('vcpu->mode', OUTSIDE_GUEST_MODE, (v) =>
        v === IN_GUEST_MODE ? 'IN_GUEST_MODE' : 'OUTSIDE_GUEST_MODE',
      ),
    },
  };
  const khzChanged = callFunction(b, 2, 'tsc_khz_changed', (cpu) => tsc_khz_changed(t, cpu), kvmCpus);
  const chain = new NotifierChain('cpufreq_transition_notifier_list');
  chain.register('kvmclock_cpufreq_notifier', (val, cpu) => kvmclock_cpufreq_notifier(t, khzChanged, val, cpu));

  b.thread('cpufreq', { cpu: 1, cpus }, function* () {
    for (const tr of transitions) yield* cpufreq_transition(chain, clock, t.freqs, tr);
  });
  // The vCPU task: KVM_RUN's vcpu_load(), then vcpu_run()'s loop of vcpu_enter_guest() for two
  // guest entries, moved by the scheduler (kvm_sched_in()) between them. A cancelled entry is
  // retried, as vcpu_run() does, up to MAX_PASSES calls per entry; the BUG_ON checks that bound
  // is never what stops it (each cancel consumes a request, and a run makes few).
  b.thread('vcpu', { cpu: 0, cpus }, function* () {
    const hv: HvClock = { tsc_timestamp: 0, system_time: 0, mul: 0, hw_tsc_khz: 0 };
    yield* vcpu_load(t);
    for (let e = 0; e < 2; e++) {
      if (e > 0 && flags.vcpu) {
        yield* migrate('the scheduler moves the vCPU task');
        yield* vcpu_load(t); // kvm_sched_in()
      }
      let entered = false;
      for (let pass = 0; pass < MAX_PASSES && !entered; pass++) {
        entered = yield* vcpu_enter_guest(t, hv, function* (cpu) {
          yield* observe(yield* guest_read(t, hv, cpu), e);
        });
      }
      yield* BUG_ON(!entered, `model bound: ${MAX_PASSES} cancelled entries in a row`);
    }
  });
}

function initialRate(clock: Clock, cpu: number): number {
  return clock.rates[clock.decode(clock.initialWord).rate[cpu] as number] as number;
}
