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
 * Modelled: tsc_khz_changed(), __kvmclock_cpufreq_notifier() and the early returns of
 * kvmclock_cpufreq_notifier(); the parts of vcpu_enter_guest() that matter here (the request
 * check, kvm_guest_time_update()'s use of cpu_tsc_khz and the TSC, vcpu->mode and the final
 * request check with interrupts off) and kvm_arch_vcpu_load()'s clock update request on a CPU
 * change. Not modelled: the master clock (use_master_clock is false without a stable TSC), the
 * vm_list walk (one VM, one vCPU), kvm_guest_time_update()'s TSC scaling and catch-up.
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
    /** vcpu->hv_clock: tsc_timestamp, system_time, the multiplier from cpu_tsc_khz. */
    readonly tsc_timestamp: Loc;
    readonly system_time: Loc;
    readonly mul: Loc;
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
/*
 * The vCPU side is coarser than v6.12 (read in the same copy), in these steps, each left as it
 * was for the suite's budget: kvm_guest_time_update() re-enables interrupts (local_irq_restore())
 * after reading cpu_tsc_khz and the TSC and before it writes the scale, tsc_timestamp and
 * system_time, in that order; kvm_arch_vcpu_load() runs from vcpu_load() / kvm_sched_in(), makes
 * KVM_REQ_GLOBAL_CLOCK_UPDATE (turned into KVM_REQ_CLOCK_UPDATE by kvm_gen_kvmclock_update() in
 * vcpu_enter_guest()) before it writes vcpu->cpu, and kvm_make_request() there has its smp_wmb();
 * vcpu_enter_guest() processes requests with preemption on, behind kvm_request_pending(), and
 * publishes IN_GUEST_MODE with smp_store_release() + smp_mb__after_srcu_read_unlock() (here
 * smp_store_mb(): both a full barrier after the store); the final check is kvm_request_pending()
 * (here the one request bit there is), and both exits have an smp_wmb() after OUTSIDE_GUEST_MODE.
 */
/** kvm_guest_time_update(): the guest's clock parameters from this CPU's frequency and TSC, now. */
function* kvm_guest_time_update(t: Today, cpu: number): Op {
  yield* local_irq_disable(); // keep irq disabled to prevent changes to the clock
  const khz = yield* READ_ONCE(t.cpu_tsc_khz[cpu] as Loc);
  const now = yield* t.clock.rdtsc_at(cpu);
  yield* WRITE_ONCE(t.vcpu.tsc_timestamp, now.tsc);
  yield* WRITE_ONCE(t.vcpu.system_time, REF_TSC_KHZ * now.time); // get_kvmclock_base_ns()
  yield* WRITE_ONCE(t.vcpu.mul, REF_TSC_KHZ / khz);
  yield* local_irq_enable();
}

/** One pass of vcpu_enter_guest(): the clock update request, then entry with the final check. */
function* vcpu_enter_guest(t: Today, inGuest: (cpu: number) => Op): Op {
  yield* preempt_disable();
  const cpu = yield* smp_processor_id();
  // kvm_arch_vcpu_load(): a new CPU means a clock update.
  if ((yield* READ_ONCE(t.vcpu.cpu)) !== cpu) {
    yield* WRITE_ONCE(t.vcpu.cpu, cpu);
    yield* set_bit(KVM_REQ_CLOCK_UPDATE, t.vcpu.requests, 'KVM_REQ_CLOCK_UPDATE');
  }
  // kvm_check_request(KVM_REQ_CLOCK_UPDATE)
  if (yield* test_bit(KVM_REQ_CLOCK_UPDATE, t.vcpu.requests, 'KVM_REQ_CLOCK_UPDATE')) {
    yield* clear_bit(KVM_REQ_CLOCK_UPDATE, t.vcpu.requests, 'KVM_REQ_CLOCK_UPDATE');
    yield* smp_mb__after_atomic();
    yield* kvm_guest_time_update(t, cpu);
  }
  yield* local_irq_disable();
  yield* smp_store_mb(t.vcpu.mode, IN_GUEST_MODE, 'IN_GUEST_MODE');
  if (!(yield* test_bit(KVM_REQ_CLOCK_UPDATE, t.vcpu.requests, 'KVM_REQ_CLOCK_UPDATE'))) {
    yield* guest_enter();
    yield* inGuest(cpu);
    yield* guest_exit('VM-exit', { timer: true });
  }
  yield* WRITE_ONCE(t.vcpu.mode, OUTSIDE_GUEST_MODE, 'OUTSIDE_GUEST_MODE');
  yield* local_irq_enable();
  yield* preempt_enable();
}
// #endregion vcpu_enter_guest_today

/** The guest reads kvmclock: system_time + (tsc - tsc_timestamp) * mul. */
function* guest_read(t: Today, cpu: number): Op<{ ref: number; time: number }> {
  const sys = yield* READ_ONCE(t.vcpu.system_time);
  const ts = yield* READ_ONCE(t.vcpu.tsc_timestamp);
  const mul = yield* READ_ONCE(t.vcpu.mul);
  const now = yield* t.clock.rdtsc_at(cpu);
  return { ref: sys + (now.tsc - ts) * mul, time: now.time };
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
      tsc_timestamp: b.loc('hv_clock.tsc_timestamp'),
      system_time: b.loc('hv_clock.system_time'),
      mul: b.loc('hv_clock.mul'),
    },
  };
  const khzChanged = callFunction(b, 2, 'tsc_khz_changed', (cpu) => tsc_khz_changed(t, cpu), kvmCpus);
  const chain = new NotifierChain('cpufreq_transition_notifier_list');
  chain.register('kvmclock_cpufreq_notifier', (val, cpu) => kvmclock_cpufreq_notifier(t, khzChanged, val, cpu));

  b.thread('cpufreq', { cpu: 1, cpus }, function* () {
    for (const tr of transitions) yield* cpufreq_transition(chain, clock, t.freqs, tr);
  });
  b.thread('vcpu', { cpu: 0, cpus }, function* () {
    for (let e = 0; e < 2; e++) {
      if (e > 0 && flags.vcpu) yield* migrate('the scheduler moves the vCPU task');
      yield* vcpu_enter_guest(t, function* (cpu) {
        yield* observe(yield* guest_read(t, cpu), e);
      });
    }
  });
}

function initialRate(clock: Clock, cpu: number): number {
  return clock.rates[clock.decode(clock.initialWord).rate[cpu] as number] as number;
}
