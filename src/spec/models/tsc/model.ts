/**
 * TSC resynchronisation: the model behind the TSC chapter.
 *
 * CPUs 0 and 1 run the kernel code (CPU 0 is the first tsc_base_cpu); CPU 2 only carries the
 * passage of time (a ticker thread advancing the model-level clock), so that time passes while
 * CPUs 0 and 1 have interrupts or preemption disabled; KVM's code never looks at CPU 2
 * (Kvm.ncpus). Threads: the cpufreq driver making transitions, one vCPU entering the guest and
 * reading kvmclock there, kworkers of CPUs 0 and 1, and per scenario a hotplug thread taking the
 * base CPU down or a host thread reading the reference clock on the base CPU.
 */
import {
  Clock,
  cpu_down,
  cpu_hotplug_begin,
  cpu_hotplug_done,
  defineModel,
  ghost,
  ghost_read,
  guest_enter,
  guest_exit,
  type KernelRef,
  local_irq_disable,
  local_irq_enable,
  type ModelBuilder,
  migrate,
  NotifierChain,
  type Op,
  preempt_disable,
  preempt_enable,
  READ_ONCE,
  type StateView,
  smp_processor_id,
  Workqueues,
  WRITE_ONCE,
  wait_until,
} from '../../engine/index.ts';
import { cpufreq_transition, type Transition } from './cpufreq.ts';
import { setupToday } from './kvmclock.ts';
import {
  type CpuTscVars,
  compute_ref_tsc_at,
  declareFunctions,
  type Kvm,
  kvm_get_ref_tsc,
  kvmclock_cpufreq_notifier,
  REF_TSC_KHZ,
  registerHotplug,
  type TscFlags,
} from './x86.ts';

export type Scenario = 'rapid' | 'hotplug' | 'ref-read' | 'rise' | 'fall';

export interface TscModelFlags extends TscFlags {
  readonly scenario: Scenario;
  /** Whether a vCPU runs (entering the guest and reading kvmclock there). */
  readonly vcpu: boolean;
  /** The CPU the cpufreq notifier runs on, when not the scenario's default. */
  readonly notifierCpu?: number;
}

/** Rates of the clock, by index: 2 (fast, the boot frequency) and 1 (slow). */
const RATES = [2, 1] as const;
const FAST = 0;
const SLOW = 1;
const KVM_CPUS = 2;
const TICKER_CPU = 2;
/** Ticks of host time in a run: enough for a change to happen between two reads. */
const MAX_TIME = 2;

const TRANSITIONS: Record<Scenario, readonly Transition[]> = {
  // Rapid successive changes of a policy shared by the base CPU and the other one.
  rapid: [
    { cpus: [0, 1], from: FAST, rate: SLOW },
    { cpus: [0, 1], from: SLOW, rate: FAST },
  ],
  hotplug: [{ cpus: [0], from: FAST, rate: SLOW }],
  'ref-read': [{ cpus: [0], from: FAST, rate: SLOW }],
  // One speed-up of the vCPU's CPU (every CPU starts slow).
  rise: [{ cpus: [0], from: SLOW, rate: FAST }],
  // One slow-down of the vCPU's CPU.
  fall: [{ cpus: [0], from: FAST, rate: SLOW }],
};

/** The rate every CPU starts at. */
const INITIAL: Record<Scenario, number> = { rapid: FAST, hotplug: FAST, 'ref-read': FAST, rise: SLOW, fall: FAST };

export function setupTsc(b: ModelBuilder, flags: TscModelFlags): void {
  const init = INITIAL[flags.scenario];
  const clock = new Clock(b, { maxTime: MAX_TIME, rates: RATES, initialRate: [init, init, init] });
  if (flags.code === 'today') {
    setupToday(b, flags, clock, TRANSITIONS[flags.scenario], TICKER_CPU);
    return;
  }
  const cv: CpuTscVars[] = [];
  for (let c = 0; c < KVM_CPUS; c++) {
    cv.push({
      tsc_khz: b.loc(`cpu${c}.tsc_khz`, RATES[init]),
      tsc_offset: b.loc(`cpu${c}.tsc_offset`),
      tsc_measure_base: b.loc(`cpu${c}.tsc_measure_base`),
      tsc_multiplier: b.loc(`cpu${c}.tsc_multiplier`, REF_TSC_KHZ / RATES[init]),
      tsc_synchronized: b.loc(`cpu${c}.tsc_synchronized`, 1),
      last_ref: b.loc(`cpu${c}.last_ref`),
    });
  }
  const wq = new Workqueues(b, [0, 1]);
  let kvm: Kvm | undefined;
  const k = (): Kvm => {
    if (!kvm) throw new Error('kvm used before setup');
    return kvm;
  };
  const { fn, work } = declareFunctions(b, wq, k, KVM_CPUS);
  kvm = {
    flags,
    ncpus: KVM_CPUS,
    clock,
    cv,
    tsc_base_cpu: b.loc('tsc_base_cpu', 0),
    freq_old: b.loc('freqs.old', RATES[init]),
    freq_new: b.loc('freqs.new', RATES[init]),
    work_scheduled: b.loc('work_scheduled'),
    kvm_tsc_lock: b.loc('kvm_tsc_lock'),
    resync_lock: b.loc('resync_lock'),
    cpu_hotplug: b.loc('cpu_hotplug'),
    vcpu_cpu: b.loc('vcpu->cpu', -1),
    wq,
    ghosts: { resyncs: b.ghost('resyncs'), retries: b.ghost('resync-retries'), leaked: b.ghost('preempt-leaked') },
    fn,
    work,
  };
  const K = kvm;
  registerHotplug(b, K);
  const chain = new NotifierChain('cpufreq_transition_notifier_list');
  chain.register('kvmclock_cpufreq_notifier', (val, cpu) => kvmclock_cpufreq_notifier(K, val, cpu));

  const guestBackwards = b.ghost('guest-clock-backwards');
  const guestAhead = b.ghost('guest-clock-ahead');
  const lastGuest = b.ghost('last-guest-clock', -1);
  const guestRan = b.ghost('guest-ran');
  const refSkew = b.ghost('ref-read-skewed');
  const lastRef = b.ghost('last-ref-read', -1);
  const transitionsDone = b.ghost('transitions-done');

  b.thread('ticker', { cpu: TICKER_CPU, cpus: [TICKER_CPU] }, function* () {
    for (let t = 0; t < clock.maxTime; t++) yield* clock.tick();
  });

  // The ondemand governor's work runs on the policy's first CPU: there for the shared policy.
  b.thread('cpufreq', { cpu: flags.notifierCpu ?? (flags.scenario === 'rapid' ? 0 : 1), cpus: [0, 1] }, function* () {
    for (const t of TRANSITIONS[flags.scenario])
      yield* cpufreq_transition(chain, clock, { old: K.freq_old, new: K.freq_new }, t);
    yield* ghost(transitionsDone, 1);
  });

  // The vCPU: waits for its CPU to be synchronised, enters, reads kvmclock in the guest.
  const entries = 2;
  const reads = [0, 1].map((r) => ({
    value: b.ghost(`read${r + 1}.value`, -1),
    time: b.ghost(`read${r + 1}.time`, -1),
  }));
  if (flags.vcpu) {
    b.thread('vcpu', { cpu: 1, cpus: [0, 1] }, function* () {
      for (let e = 0; e < entries; e++) {
        if (e > 0) yield* migrate('the scheduler moves the vCPU task');
        yield* vcpu_enter_guest(K, function* (cpu) {
          const g = yield* compute_ref_tsc_at(K, cpu);
          const prev = yield* ghost_read(lastGuest);
          if (g.ref < prev) yield* ghost(guestBackwards, 1);
          if (g.ref > REF_TSC_KHZ * g.time) yield* ghost(guestAhead, 1);
          yield* ghost(lastGuest, g.ref);
          yield* ghost(guestRan, 1);
          const slot = reads[e] as (typeof reads)[number];
          yield* ghost(slot.value, g.ref);
          yield* ghost(slot.time, g.time);
        });
      }
    });
  }

  if (flags.scenario === 'hotplug') {
    b.thread('hotplug', { cpu: 1, cpus: [0, 1], stopMachine: true }, function* () {
      yield* cpu_hotplug_begin(K.cpu_hotplug);
      yield* cpu_down(0);
      yield* cpu_hotplug_done(K.cpu_hotplug);
    });
  }

  if (flags.scenario === 'ref-read') {
    b.thread('ref-reader', { cpu: 0, cpus: [0] }, function* () {
      for (let r = 0; r < 2; r++) {
        const g = yield* kvm_get_ref_tsc(K);
        const prev = yield* ghost_read(lastRef);
        if (g.ref < prev || g.ref > REF_TSC_KHZ * g.time) yield* ghost(refSkew, 1);
        yield* ghost(lastRef, g.ref);
      }
    });
  }

  const synced = (s: StateView, c: number): boolean => s.mem((cv[c] as CpuTscVars).tsc_synchronized) === 1;
  b.always(
    'guest-clock-monotonic',
    'the guest clock never goes backwards for the vCPU, across migrations too',
    (s) => s.ghost(guestBackwards) === 0,
  );
  b.always(
    'guest-clock-not-ahead',
    'the guest clock never runs ahead of the reference clock',
    (s) => s.ghost(guestAhead) === 0,
  );
  b.always(
    'ref-read-not-skewed',
    'a read of the reference clock is never skewed (monotonic, not ahead)',
    (s) => s.ghost(refSkew) === 0,
  );
  if (flags.vcpu) {
    b.always(
      'no-entry-unsynchronised',
      'the vCPU is in the guest only on a synchronised CPU (or one about to evict it)',
      (s) => {
        const v = s.thread('vcpu');
        return !v.inGuest || synced(s, v.cpu) || s.ipiPending(v.cpu);
      },
    );
  }
  // Inside take_cpu_down() the dying CPU has left the online mask before CPU_DYING moves the
  // base; nothing else runs then (the hotplug thread is in its stop_machine body, irqs off).
  b.always(
    'base-online',
    'tsc_base_cpu always names an online CPU (outside stop_machine)',
    (s) => s.cpuOnline(s.mem(K.tsc_base_cpu)) || (flags.scenario === 'hotplug' && s.thread('hotplug').irqsDisabled),
  );
  b.always('all-resynchronised', 'at the end, every online CPU is synchronised again', (s) => {
    if (!s.final) return true;
    for (let c = 0; c < KVM_CPUS; c++) if (s.cpuOnline(c) && !synced(s, c)) return false;
    return true;
  });
  if (flags.code === 'patch')
    b.always(
      'resync-never-fails',
      'resync() never returns -1 (which, as posted, leaks the get_cpu())',
      (s) => s.ghost(K.ghosts.leaked) === 0,
    );
  b.sometimes('resync', 'a resynchronisation runs', (s) => s.ghost(K.ghosts.resyncs) === 1);
  b.sometimes('frequency-changed', 'a CPU’s frequency changes', (s) => clock.read(s).rate.some((r) => r !== init));
  if (flags.scenario === 'hotplug')
    b.sometimes(
      'base-taken-down',
      'the base CPU goes down and the base moves',
      (s) => !s.cpuOnline(0) && s.mem(K.tsc_base_cpu) === 1,
    );
  b.sometimes(
    'transitions-done',
    'the cpufreq driver completes its transitions',
    (s) => s.ghost(transitionsDone) === 1,
  );
  if (flags.vcpu) b.sometimes('guest-ran', 'the guest reads its clock', (s) => s.ghost(guestRan) === 1);
}

// #region vcpu_enter_guest
/**
 * The vCPU's way into the guest (the series' "poll tsc_synchronized before entering hardware
 * virtualization"): wait, preemptible, until this CPU is synchronised; then with preemption and
 * interrupts off check again, and enter only if it still is (otherwise this entry is skipped).
 */
function* vcpu_enter_guest(k: Kvm, inGuest: (cpu: number) => Op): Op {
  const first = yield* smp_processor_id();
  yield* wait_until(
    (k.cv[first] as CpuTscVars).tsc_synchronized,
    (v) => v === 1,
    `wait for cpu${first}.tsc_synchronized`,
    {
      end: true,
    },
  );
  yield* preempt_disable();
  const cpu = yield* smp_processor_id();
  yield* WRITE_ONCE(k.vcpu_cpu, cpu);
  yield* local_irq_disable();
  if ((yield* READ_ONCE((k.cv[cpu] as CpuTscVars).tsc_synchronized)) === 1) {
    yield* guest_enter();
    yield* inGuest(cpu);
    yield* guest_exit('VM-exit', { timer: true });
  }
  yield* local_irq_enable();
  yield* preempt_enable();
}
// #endregion vcpu_enter_guest

const PATCH: KernelRef = {
  ref: '<1260850127-9766-16-git-send-email-zamsden@redhat.com>',
  subject: '[PATCH RFC: kvm tsc virtualization 15/20] Fix longstanding races (LKML, 14 Dec 2009; not merged)',
};

const V612: KernelRef = {
  ref: 'v6.12',
  subject: 'arch/x86/kvm/x86.c: __kvmclock_cpufreq_notifier(), tsc_khz_changed(), kvmclock_cpufreq_notifier()',
};

const BASE: TscModelFlags = {
  code: 'patch',
  remoteKhzWrite: false,
  baseAtDownPrepare: false,
  scenario: 'rapid',
  vcpu: false,
};

export const tsc = defineModel<TscModelFlags>({
  name: 'tsc',
  title: 'TSC resynchronisation (kvm x86, 2009 RFC)',
  source: 'src/spec/models/tsc/model.ts',
  memoryModels: ['sc', 'tso'],
  defaultMemoryModel: 'sc',
  cpus: () => 3,
  variants: [
    {
      name: 'before-rapid',
      description: 'before the patch: rapid frequency changes of a shared policy',
      flags: { ...BASE, code: 'before' },
      kernel: [PATCH],
      expect: {
        sc: {
          verdict: 'violated',
          property: 'WARN: smp_call_function_single(1, kvm_sync_tsc) with interrupts disabled',
          states: 374,
        },
        tso: {
          verdict: 'violated',
          property: 'WARN: smp_call_function_single(1, kvm_sync_tsc) with interrupts disabled',
          states: 600,
        },
      },
    },
    {
      name: 'before-rapid-remote',
      description: 'before the patch: rapid changes of a shared policy, notified on the other CPU',
      flags: { ...BASE, code: 'before', notifierCpu: 1 },
      kernel: [PATCH],
      expect: { sc: { verdict: 'holds', states: 218597 }, tso: { verdict: 'holds', states: 344882 } },
    },
    {
      name: 'before-hotplug',
      description: 'before the patch: the base CPU goes down during a frequency change',
      flags: { ...BASE, code: 'before', scenario: 'hotplug' },
      kernel: [PATCH],
      expect: { sc: { verdict: 'holds', states: 8542 }, tso: { verdict: 'holds', states: 16837 } },
    },
    {
      name: 'before-ref-read',
      description: 'before the patch: a resync IPI interrupts a reference-clock read',
      flags: { ...BASE, code: 'before', scenario: 'ref-read' },
      kernel: [PATCH],
      expect: {
        sc: { verdict: 'violated', property: 'ref-read-not-skewed', states: 9413 },
        tso: { verdict: 'violated', property: 'ref-read-not-skewed', states: 10526 },
      },
    },
    {
      name: 'patch-rapid',
      description: 'the patch as posted: rapid frequency changes of a shared policy',
      flags: BASE,
      kernel: [PATCH],
      expect: { sc: { verdict: 'holds', states: 32203 }, tso: { verdict: 'holds', states: 52288 } },
    },
    {
      name: 'patch-hotplug',
      description: 'the patch as posted: the base CPU goes down during a frequency change',
      flags: { ...BASE, scenario: 'hotplug' },
      kernel: [PATCH],
      expect: { sc: { verdict: 'holds', states: 4337 }, tso: { verdict: 'holds', states: 7407 } },
    },
    {
      name: 'patch-ref-read',
      description: 'the patch as posted: reference-clock reads on the base CPU during a resync',
      flags: { ...BASE, scenario: 'ref-read' },
      kernel: [PATCH],
      expect: { sc: { verdict: 'holds', states: 44237 }, tso: { verdict: 'holds', states: 70435 } },
    },
    {
      name: 'rule1-broken',
      description: 'plausible mistake: the patch, but PRECHANGE writes tsc_khz from the notifier’s CPU',
      flags: { ...BASE, remoteKhzWrite: true },
      expect: {
        sc: { verdict: 'violated', property: "rule 1 broken: cpu0's tsc_khz written with interrupts on", states: 11 },
        tso: { verdict: 'violated', property: "rule 1 broken: cpu0's tsc_khz written with interrupts on", states: 17 },
      },
    },
    {
      name: 'rule2-broken',
      description: 'plausible mistake: the patch, but the base moves at CPU_DOWN_PREPARE',
      flags: { ...BASE, baseAtDownPrepare: true, scenario: 'hotplug' },
      expect: { sc: { verdict: 'holds', states: 4457 }, tso: { verdict: 'holds', states: 7786 } },
    },
    {
      name: 'patch-rise-guest',
      description: 'the patch as posted: a vCPU on the CPU that speeds up reads kvmclock',
      flags: { ...BASE, scenario: 'rise', vcpu: true },
      kernel: [PATCH],
      expect: {
        sc: { verdict: 'violated', property: 'guest-clock-not-ahead', states: 57120 },
        tso: { verdict: 'violated', property: 'guest-clock-not-ahead', states: 132565 },
      },
    },
    {
      name: 'patch-fall-guest',
      description: 'the patch as posted: a vCPU on the CPU that slows down reads kvmclock',
      flags: { ...BASE, scenario: 'fall', vcpu: true },
      kernel: [PATCH],
      expect: { sc: { verdict: 'holds', states: 90152 }, tso: { verdict: 'holds', states: 206876 } },
    },
    {
      name: 'today-rise',
      description: 'v6.12: a vCPU on the CPU that speeds up, notified before',
      flags: { ...BASE, code: 'today', scenario: 'rise', vcpu: true },
      kernel: [V612],
      expect: { sc: { verdict: 'holds', states: 50535 }, tso: { verdict: 'holds', states: 79873 } },
    },
    {
      name: 'today-fall',
      description: 'v6.12: a vCPU on the CPU that slows down, notified after',
      flags: { ...BASE, code: 'today', scenario: 'fall', vcpu: true },
      kernel: [V612],
      expect: { sc: { verdict: 'holds', states: 40804 }, tso: { verdict: 'holds', states: 64397 } },
    },
    {
      name: 'today-request-before-store',
      description: 'mutation of v6.12: KVM_REQ_CLOCK_UPDATE set before the new frequency is stored',
      flags: { ...BASE, code: 'today', scenario: 'rise', vcpu: true, requestBeforeStore: true },
      expect: {
        sc: { verdict: 'violated', property: 'guest-clock-not-ahead', states: 11214 },
        tso: { verdict: 'violated', property: 'guest-clock-not-ahead', states: 19137 },
      },
    },
    {
      name: 'today-no-ping',
      description: 'mutation of v6.12: no second IPI after setting the request',
      flags: { ...BASE, code: 'today', scenario: 'rise', vcpu: true, noPing: true },
      expect: {
        sc: { verdict: 'violated', property: 'guest-clock-not-ahead', states: 9729 },
        tso: { verdict: 'violated', property: 'guest-clock-not-ahead', states: 15437 },
      },
    },
    {
      name: 'today-wrong-direction',
      description: 'mutation of v6.12: notified after a rise (and before a fall)',
      flags: { ...BASE, code: 'today', scenario: 'rise', vcpu: true, wrongDirection: true },
      expect: {
        sc: { verdict: 'violated', property: 'guest-clock-not-ahead', states: 3615 },
        tso: { verdict: 'violated', property: 'guest-clock-not-ahead', states: 6679 },
      },
    },
  ],
  setup: (b, flags) => setupTsc(b, flags),
});
