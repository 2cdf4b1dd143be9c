/**
 * arch/x86/kvm/x86.c as of v6.12: where the RFC's ideas ended up for hosts without a constant
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
  ghost,
  ghost_read,
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
const KVM_CPUS = 2;

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
/** tsc_khz_changed(data): in an IPI on the CPU whose frequency changes; the only writer of cpu_tsc_khz. */
function* tsc_khz_changed(t: Today, cpu: number): Op {
  yield* BUG_ON(!(yield* irqs_disabled()), 'tsc_khz_changed() with interrupts on');
  yield* WRITE_ONCE(t.cpu_tsc_khz[cpu] as Loc, yield* READ_ONCE(t.freqs.new));
}
// #endregion tsc_khz_changed

// #region __kvmclock_cpufreq_notifier
function* __kvmclock_cpufreq_notifier(t: Today, khzChanged: ReturnType<typeof callFunction>, cpu: number): Op {
  let send_ipi = false;
  const requestAll = function* () {
    // kvm_for_each_vcpu_in_each_vm(): the one vCPU, if it is on `cpu`.
    if ((yield* READ_ONCE(t.vcpu.cpu)) !== cpu) return;
    // kvm_make_request(KVM_REQ_CLOCK_UPDATE, vcpu): smp_wmb(), then set_bit().
    yield* smp_wmb();
    yield* set_bit(KVM_REQ_CLOCK_UPDATE, t.vcpu.requests, 'KVM_REQ_CLOCK_UPDATE');
    if (cpu !== (yield* smp_processor_id())) send_ipi = true;
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

/** kvmclock_cpufreq_notifier(): notify before a rise, after a fall, for the CPU of the callout. */
function* kvmclock_cpufreq_notifier(
  t: Today,
  khzChanged: ReturnType<typeof callFunction>,
  val: number,
  cpu: number,
): Op<number> {
  const old = yield* READ_ONCE(t.freqs.old);
  const nw = yield* READ_ONCE(t.freqs.new);
  const rising = old < nw;
  const early = t.flags.wrongDirection ? !rising : rising;
  if (val === CPUFREQ_PRECHANGE && !early) return 0;
  if (val === CPUFREQ_POSTCHANGE && early) return 0;
  yield* __kvmclock_cpufreq_notifier(t, khzChanged, cpu);
  return 0;
}
// #endregion __kvmclock_cpufreq_notifier

// #region vcpu_enter_guest_today
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

export function setupToday(
  b: ModelBuilder,
  flags: TscFlags & { readonly vcpu: boolean },
  clock: Clock,
  transitions: readonly Transition[],
  tickerCpu: number,
): void {
  const t: Today = {
    flags,
    clock,
    cpu_tsc_khz: [0, 1].map((c) => b.loc(`cpu${c}.cpu_tsc_khz`, initialRate(b, clock, c))),
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
  const khzChanged = callFunction(b, 2, 'tsc_khz_changed', (cpu) => tsc_khz_changed(t, cpu), KVM_CPUS);
  const chain = new NotifierChain('cpufreq_transition_notifier_list');
  chain.register('kvmclock_cpufreq_notifier', (val, cpu) => kvmclock_cpufreq_notifier(t, khzChanged, val, cpu));

  const backwards = b.ghost('guest-clock-backwards');
  const ahead = b.ghost('guest-clock-ahead');
  const last = b.ghost('last-guest-clock', -1);
  const ran = b.ghost('guest-ran');
  b.thread('ticker', { cpu: tickerCpu, cpus: [tickerCpu] }, function* () {
    for (let k = 0; k < clock.maxTime; k++) yield* clock.tick();
  });
  b.thread('cpufreq', { cpu: 1, cpus: [0, 1] }, function* () {
    for (const tr of transitions) yield* cpufreq_transition(chain, clock, t.freqs, tr);
  });
  const reads = [0, 1].map((r) => ({
    value: b.ghost(`read${r + 1}.value`, -1),
    time: b.ghost(`read${r + 1}.time`, -1),
  }));
  b.thread('vcpu', { cpu: 0, cpus: [0, 1] }, function* () {
    for (let e = 0; e < 2; e++) {
      if (e > 0 && flags.vcpu) yield* migrate('the scheduler moves the vCPU task');
      yield* vcpu_enter_guest(t, function* (cpu) {
        const g = yield* guest_read(t, cpu);
        if (g.ref < (yield* ghost_read(last))) yield* ghost(backwards, 1);
        if (g.ref > REF_TSC_KHZ * g.time) yield* ghost(ahead, 1);
        yield* ghost(last, g.ref);
        yield* ghost(ran, 1);
        const slot = reads[e] as (typeof reads)[number];
        yield* ghost(slot.value, g.ref);
        yield* ghost(slot.time, g.time);
      });
    }
  });
  b.always(
    'guest-clock-monotonic',
    'the guest clock never goes backwards for the vCPU',
    (s) => s.ghost(backwards) === 0,
  );
  b.always('guest-clock-not-ahead', 'the guest clock never runs ahead of host time', (s) => s.ghost(ahead) === 0);
  b.sometimes('guest-ran', 'the guest reads its clock', (s) => s.ghost(ran) === 1);
  b.sometimes(
    'frequency-changed',
    'the frequency changes',
    (s) => clock.read(s).rate[0] !== clock.decode(clock.initialWord).rate[0],
  );
}

function initialRate(_b: ModelBuilder, clock: Clock, cpu: number): number {
  return clock.rates[clock.decode(clock.initialWord).rate[cpu] as number] as number;
}
