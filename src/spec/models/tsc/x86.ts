/**
 * arch/x86/kvm/x86.c, the TSC resynchronisation code of Zachary Amsden's December 2009 RFC
 * ("[PATCH RFC: kvm tsc virtualization 15/20] Fix longstanding races", LKML, 14 Dec 2009), in
 * two versions: the code that patch removes ("before": the state after patches 1-14 of the
 * same series, which were never merged either) and the code it adds ("patch"). Today's
 * equivalent, __kvmclock_cpufreq_notifier() and tsc_khz_changed() (v6.12), is in kvmclock.ts.
 *
 * Only patch 15/20 is public (its diff shows what it removes and adds). What it relies on from
 * the earlier patches is reconstructed from how it is used, and marked RECONSTRUCTED below:
 * compute_ref_tsc() (the reference clock from this CPU's offset, measure base and multiplier)
 * and kvm_do_sync_tsc() (bring one CPU in line with the base CPU's reference and mark it
 * synchronised). The model keeps numbers small: a reference rate of REF_TSC_KHZ reference
 * ticks per unit of host time, TSC rates of 1 or 2 per unit, multipliers REF_TSC_KHZ / tsc_khz
 * (exact, so compute_best_multiplier()'s shift is not needed).
 */
import {
  BUG_ON,
  type CallFunction,
  type Clock,
  callFunction,
  cpu_online,
  type Ghost,
  get_online_cpus,
  ghost,
  in_stop_machine,
  irqs_disabled,
  type Loc,
  type ModelBuilder,
  mutex_lock,
  mutex_unlock,
  type Op,
  on_each_cpu,
  preempt_disable,
  preempt_enable,
  put_online_cpus,
  READ_ONCE,
  smp_call_function_single_fn,
  smp_processor_id,
  spin_lock,
  spin_unlock,
  type Work,
  type Workqueues,
  WRITE_ONCE,
} from '../../engine/index.ts';

/** Reference ticks per unit of host time (ref_tsc_khz). */
export const REF_TSC_KHZ = 2;

import { CPUFREQ_POSTCHANGE, CPUFREQ_PRECHANGE } from './cpufreq.ts';

/** struct cpu_tsc_vars, one per CPU. */
export interface CpuTscVars {
  readonly tsc_khz: Loc;
  readonly tsc_offset: Loc;
  readonly tsc_measure_base: Loc;
  readonly tsc_multiplier: Loc;
  readonly tsc_synchronized: Loc;
  readonly last_ref: Loc;
}

export interface TscFlags {
  /** Which code: the RFC's code before patch 15, the patch as posted, or v6.12 (kvmclock.ts). */
  readonly code: 'before' | 'patch' | 'today';
  /** Today's notifier: set KVM_REQ_CLOCK_UPDATE before storing the new frequency (a mutation). */
  readonly requestBeforeStore?: boolean;
  /** Today's notifier: no second IPI ("ping") after setting the request (a mutation). */
  readonly noPing?: boolean;
  /** Today's notifier: update after a rise and before a fall, the wrong way round (a mutation). */
  readonly wrongDirection?: boolean;
  /** Rule 1 broken alone: PRECHANGE writes the target CPU's tsc_khz from the notifier's CPU. */
  readonly remoteKhzWrite: boolean;
  /** Rule 2 broken alone: tsc_base_cpu moves at CPU_DOWN_PREPARE (outside stop_machine). */
  readonly baseAtDownPrepare: boolean;
  /** POSTCHANGE for a CPU that is not the base does not resynchronise it (a mutation). */
  readonly noNonBaseSync?: boolean;
  /**
   * Rule 2's assertion (in the patch: tsc_base_cpu written only under stop_machine) left out,
   * to show what breaking the rule leads to where it is broken (default: asserted).
   */
  readonly noRule2Assertion?: boolean;
  /** The reconstructed CPU_ONLINE does not synchronise the new CPU (a mutation). */
  readonly noOnlineSync?: boolean;
}

/** Everything the functions below share: the per-CPU variables and the globals of x86.c. */
export interface Kvm {
  readonly flags: TscFlags;
  readonly ncpus: number;
  readonly clock: Clock;
  readonly cv: readonly CpuTscVars[];
  readonly tsc_base_cpu: Loc;
  /** The new frequency of the transition in progress (struct cpufreq_freqs, as rate index+1). */
  readonly freq_new: Loc;
  readonly freq_old: Loc;
  readonly work_scheduled: Loc;
  readonly kvm_tsc_lock: Loc;
  readonly resync_lock: Loc;
  readonly cpu_hotplug: Loc;
  /** vcpu->cpu of the one vCPU (-1: not loaded). */
  readonly vcpu_cpu: Loc;
  readonly wq: Workqueues;
  readonly ghosts: { readonly resyncs: Ghost; readonly leaked: Ghost };
  readonly fn: {
    evict: CallFunction;
    evict_freq: CallFunction;
    resync_ipi: CallFunction;
    sync: CallFunction;
  };
  readonly work: { resync: Work; resync_user: Work };
}

const cvOf = (k: Kvm, cpu: number): CpuTscVars => {
  const cv = k.cv[cpu];
  if (!cv) throw new Error(`no cpu_tsc_vars for CPU ${cpu}`);
  return cv;
};

/** khz as a rate index of the clock (tsc_khz stores the rate itself). */
const multiplierFor = (khz: number): number => REF_TSC_KHZ / khz;

// #region compute_ref_tsc
/**
 * RECONSTRUCTED (defined in an earlier, unpublished patch of the series): this CPU's view of the
 * reference clock, offset + (tsc - measure_base) * multiplier, read field by field as C does.
 */
export function* compute_ref_tsc(k: Kvm, cpu: number): Op<number> {
  return (yield* compute_ref_tsc_at(k, cpu)).ref;
}

/** compute_ref_tsc(), and the host time at its rdtsc (for the properties). */
export function* compute_ref_tsc_at(k: Kvm, cpu: number): Op<{ ref: number; time: number }> {
  const cv = cvOf(k, cpu);
  const base = yield* READ_ONCE(cv.tsc_measure_base);
  const now = yield* k.clock.rdtsc_at(cpu);
  const offset = yield* READ_ONCE(cv.tsc_offset);
  const mult = yield* READ_ONCE(cv.tsc_multiplier);
  return { ref: offset + (now.tsc - base) * mult, time: now.time };
}

/** RECONSTRUCTED: kvm_get_ref_tsc(), compute_ref_tsc() on this CPU with preemption off. */
export function* kvm_get_ref_tsc(k: Kvm): Op<{ ref: number; time: number }> {
  yield* preempt_disable();
  const cpu = yield* smp_processor_id();
  const ref = yield* compute_ref_tsc_at(k, cpu);
  yield* preempt_enable();
  return ref;
}
// #endregion compute_ref_tsc

// #region kvm_do_sync_tsc
/**
 * RECONSTRUCTED: the IPI kvm_do_sync_tsc() sends. On `cpu`: read the base CPU's reference at
 * this instant (the series measured it with a rendezvous of the two CPUs; the model reads the
 * base's variables and TSC directly), re-base this CPU on it, mark it synchronised.
 */
function* sync_to_base(k: Kvm, cpu: number): Op {
  const base = yield* READ_ONCE(k.tsc_base_cpu);
  const ref = yield* compute_ref_tsc(k, base);
  const cv = cvOf(k, cpu);
  const khz = yield* READ_ONCE(cv.tsc_khz);
  yield* WRITE_ONCE(cv.tsc_measure_base, yield* k.clock.rdtsc(cpu));
  yield* WRITE_ONCE(cv.tsc_offset, ref);
  yield* WRITE_ONCE(cv.tsc_multiplier, multiplierFor(khz));
  yield* WRITE_ONCE(cv.tsc_synchronized, 1);
}

/** RECONSTRUCTED: synchronise `cpu` with the base CPU, on `cpu`, waiting for it. */
export function* kvm_do_sync_tsc(k: Kvm, cpu: number): Op {
  yield* smp_call_function_single_fn(cpu, k.fn.sync, true);
}
// #endregion kvm_do_sync_tsc

/** Rule 1 as an assertion: a CPU's tsc_khz is written only on that CPU. */
function* set_tsc_khz(k: Kvm, cpu: number, khz: number): Op {
  const me = yield* smp_processor_id();
  yield* BUG_ON(me !== cpu, `rule 1 broken: cpu${me} writes cpu${cpu}'s tsc_khz`);
  yield* BUG_ON(!(yield* irqs_disabled()), `rule 1 broken: cpu${cpu}'s tsc_khz written with interrupts on`);
  yield* WRITE_ONCE(cvOf(k, cpu).tsc_khz, khz);
}

// ---- Before the patch ---------------------------------------------------------------------

// #region before_resync
/** Before: evict() does nothing; the IPI only kicks the CPU out of guest mode. */
function* evict_before(): Op {}

/** Before: resync(), run on the base CPU in an IPI (or directly, irqs off, when already there). */
function* resync_before(k: Kvm, cpu: number, inIrq: boolean): Op {
  const cv = cvOf(k, cpu);
  yield* ghost(k.ghosts.resyncs, 1);
  const tsc = yield* compute_ref_tsc(k, cpu);
  const khz = yield* READ_ONCE(cv.tsc_khz);
  yield* WRITE_ONCE(cv.tsc_measure_base, yield* k.clock.rdtsc(cpu));
  yield* WRITE_ONCE(cv.tsc_offset, tsc);
  yield* WRITE_ONCE(cv.tsc_multiplier, multiplierFor(khz));
  yield* WRITE_ONCE(cv.tsc_synchronized, 1);
  // Then, get everybody else on board.
  if ((yield* READ_ONCE(k.work_scheduled)) === 0) {
    yield* WRITE_ONCE(k.work_scheduled, 1);
    // execute_in_process_context(resync_user, &resync_work): from an IPI schedule_work(); but
    // not in_interrupt() (called directly, interrupts off, on this CPU): run it right here.
    if (inIrq) yield* k.wq.queue_work_on(cpu, k.work.resync_user);
    else yield* resync_user(k);
  }
}

/** Before: resync_user(), the work item. */
function* resync_user(k: Kvm): Op<number> {
  yield* WRITE_ONCE(k.work_scheduled, 0);
  for (let cpu = 0; cpu < k.ncpus; cpu++) {
    if (!(yield* cpu_online(cpu))) continue;
    if (cpu !== (yield* READ_ONCE(k.tsc_base_cpu))) yield* kvm_do_sync_tsc(k, cpu);
  }
  return 0;
}
// #endregion before_resync

// ---- The patch -----------------------------------------------------------------------------

// #region evict
/** evict(data): in an IPI, interrupts off. Record the reference, maybe take the new frequency, mark unsynchronised. */
function* evict(k: Kvm, cpu: number, withFreq: boolean): Op {
  const cv = cvOf(k, cpu);
  yield* BUG_ON(!(yield* irqs_disabled()), 'WARN_ON(!irqs_disabled()) in evict()');
  yield* WRITE_ONCE(cv.last_ref, yield* compute_ref_tsc(k, cpu));
  if (withFreq) yield* set_tsc_khz(k, cpu, yield* READ_ONCE(k.freq_new));
  yield* WRITE_ONCE(cv.tsc_synchronized, 0);
}
// #endregion evict

// #region resync
/** resync(): in a kworker of the base CPU. -1 when this is not (or no longer) the base CPU. */
function* resync(k: Kvm): Op<number> {
  const cpu = yield* smp_processor_id_after_get_cpu();
  if (cpu !== (yield* READ_ONCE(k.tsc_base_cpu))) {
    // As posted: returns without put_cpu(); the preemption count leaks (see the chapter).
    yield* ghost(k.ghosts.leaked, 1);
    return -1;
  }
  yield* ghost(k.ghosts.resyncs, 1);
  yield* on_each_cpu(k.fn.evict, true);
  let tsc = 0;
  for (let c = 0; c < k.ncpus; c++) {
    if (!(yield* cpu_online(c))) continue;
    const ref = yield* READ_ONCE(cvOf(k, c).last_ref);
    if (ref > tsc) tsc = ref;
  }
  const cv = cvOf(k, cpu);
  yield* WRITE_ONCE(cv.tsc_measure_base, yield* k.clock.rdtsc(cpu));
  yield* WRITE_ONCE(cv.tsc_offset, tsc);
  yield* WRITE_ONCE(cv.tsc_multiplier, multiplierFor(yield* READ_ONCE(cv.tsc_khz)));
  yield* WRITE_ONCE(cv.tsc_synchronized, 1);
  for (let c = 0; c < k.ncpus; c++) {
    if (yield* cpu_online(c)) yield* kvm_do_sync_tsc(k, c);
  }
  // Rule 2 as an assertion: the base cannot have moved inside this get_cpu() section.
  const still = yield* READ_ONCE(k.tsc_base_cpu);
  yield* BUG_ON(still !== cpu, `rule 2 broken: tsc_base_cpu moved from cpu${cpu} to cpu${still} inside resync()`);
  yield* preempt_enable(); // put_cpu()
  return 0;
}

/** get_cpu(): preempt_disable(); smp_processor_id(). */
function* smp_processor_id_after_get_cpu(): Op<number> {
  yield* preempt_disable();
  return yield* smp_processor_id();
}

/**
 * resync_all(): under resync_lock, run resync() on the base CPU's kworker until it succeeds, as
 * posted: `while (work_on_cpu(tsc_base_cpu, resync, NULL) != 0);`, with no bound. Whether the
 * loop ends is the liveness property eventually-resynchronised (under weak fairness).
 */
export function* resync_all(k: Kvm): Op {
  yield* mutex_lock(k.resync_lock);
  for (;;) {
    const base = yield* READ_ONCE(k.tsc_base_cpu);
    if ((yield* k.wq.work_on_cpu(base, k.work.resync)) === 0) break;
  }
  yield* mutex_unlock(k.resync_lock);
}
// #endregion resync

// #region kvm_timer_init
/**
 * The end of kvm_timer_init() as the patch leaves it, after the per-CPU tsc_khz are set: the
 * base is the CPU this runs on, then resync_all(), with no get_online_cpus() (module load is
 * not kept away from CPU hotplug). The rest of kvm_timer_init() (the cpufreq and hotplug
 * notifier registrations) is outside the diff; the model assumes the hotplug notifier is
 * registered by then, so that a base taken down moves.
 */
export function* kvm_timer_init(k: Kvm): Op {
  yield* preempt_disable(); // get_cpu()
  yield* WRITE_ONCE(k.tsc_base_cpu, yield* smp_processor_id());
  yield* preempt_enable(); // put_cpu()
  yield* resync_all(k);
}
// #endregion kvm_timer_init

// ---- The cpufreq notifier ------------------------------------------------------------------

// #region kvmclock_cpufreq_notifier
/** kvmclock_cpufreq_notifier(nb, val, freq) for a transition of `freqCpu` to rate `newKhz`. */
export function* kvmclock_cpufreq_notifier(k: Kvm, val: number, freqCpu: number): Op<number> {
  const cv = cvOf(k, freqCpu);
  if (val === CPUFREQ_PRECHANGE) {
    if (k.flags.code === 'before') {
      yield* get_online_cpus(k.cpu_hotplug);
      yield* WRITE_ONCE(cv.tsc_synchronized, 0);
      const me = yield* smp_processor_id();
      const vcpuCpu = yield* READ_ONCE(k.vcpu_cpu);
      if (vcpuCpu === freqCpu && vcpuCpu !== me) yield* smp_call_function_single_fn(freqCpu, k.fn.evict, true);
      yield* spin_lock(k.kvm_tsc_lock);
      yield* WRITE_ONCE(cv.tsc_khz, yield* READ_ONCE(k.freq_new));
      yield* spin_unlock(k.kvm_tsc_lock);
      return 0;
    }
    if (k.flags.remoteKhzWrite) {
      // Rule 1 broken: store the frequency from here, then evict without it.
      yield* set_tsc_khz(k, freqCpu, yield* READ_ONCE(k.freq_new));
      yield* smp_call_function_single_fn(freqCpu, k.fn.evict, true);
    } else {
      yield* smp_call_function_single_fn(freqCpu, k.fn.evict_freq, true);
    }
    return 0;
  }
  if (val === CPUFREQ_POSTCHANGE) {
    if (k.flags.code === 'patch') yield* get_online_cpus(k.cpu_hotplug);
    const base = yield* READ_ONCE(k.tsc_base_cpu);
    if (freqCpu === base) {
      if (k.flags.code === 'before') yield* smp_call_function_single_fn(freqCpu, k.fn.resync_ipi, true);
      else yield* resync_all(k);
    } else if (!k.flags.noNonBaseSync && (yield* READ_ONCE(cvOf(k, base).tsc_synchronized)) === 1) {
      // Can't do this if base is not yet updated.
      yield* kvm_do_sync_tsc(k, freqCpu);
    }
    yield* put_online_cpus(k.cpu_hotplug);
  }
  return 0;
}
// #endregion kvmclock_cpufreq_notifier

// ---- CPU hotplug -----------------------------------------------------------------------------

// #region kvm_x86_cpu_hotplug
/** The base moves to the first other online CPU (the loop of kvm_x86_cpu_hotplug()). */
function* move_base(k: Kvm, cpu: number, lock: boolean): Op {
  if ((yield* READ_ONCE(k.tsc_base_cpu)) !== cpu) return;
  if (lock) yield* spin_lock(k.kvm_tsc_lock);
  let next = cpu;
  for (let c = 0; c < k.ncpus; c++) {
    if (c !== cpu && (yield* cpu_online(c))) {
      next = c;
      break;
    }
  }
  yield* set_tsc_base_cpu(k, next);
  if (lock) yield* spin_unlock(k.kvm_tsc_lock);
}

/**
 * Rule 2 as an assertion, in the patch: once set, tsc_base_cpu changes only inside
 * stop_machine (in_stop_machine(): CPU_DYING runs in take_cpu_down()'s), so no get_cpu()
 * section can see it change. kvm_timer_init()'s first write, which sets it to its own CPU
 * under get_cpu() before anything reads it, is not a change and is not asserted.
 */
function* set_tsc_base_cpu(k: Kvm, cpu: number): Op {
  if (k.flags.code === 'patch' && !k.flags.noRule2Assertion)
    yield* BUG_ON(!(yield* in_stop_machine()), `rule 2 broken: tsc_base_cpu set to cpu${cpu} outside stop_machine`);
  yield* WRITE_ONCE(k.tsc_base_cpu, cpu);
}

/**
 * kvm_x86_cpu_hotplug() as hotplug callbacks: CPU_DOWN_PREPARE (teardown), CPU_DYING,
 * CPU_UP_CANCELED (canceled: mark unsynchronised, in both versions, which share that case) and
 * CPU_ONLINE (startup, RECONSTRUCTED: the case is outside the patch's diff; the model gives it
 * what the patch's POSTCHANGE does for a CPU that is not the base, sync it if the base is
 * synchronised). CPU_UP_PREPARE has no case in the part of the switch the diff shows.
 */
export function registerHotplug(b: ModelBuilder, k: Kvm): void {
  const baseAtDownPrepare = k.flags.code === 'before' || k.flags.baseAtDownPrepare;
  b.hotplug('kvm_x86_cpu_hotplug', {
    *teardown(cpu: number) {
      // CPU_DOWN_PREPARE
      if (baseAtDownPrepare) yield* move_base(k, cpu, k.flags.code === 'before');
      if (k.flags.code === 'patch') yield* WRITE_ONCE(cvOf(k, cpu).tsc_synchronized, 0);
    },
    *dying(cpu: number) {
      // CPU_DYING, under stop_machine on the dying CPU
      if (!baseAtDownPrepare) yield* move_base(k, cpu, false);
      if (k.flags.code === 'before') yield* WRITE_ONCE(cvOf(k, cpu).tsc_synchronized, 0);
    },
    *canceled(cpu: number) {
      // CPU_UP_CANCELED
      yield* WRITE_ONCE(cvOf(k, cpu).tsc_synchronized, 0);
    },
    *startup(cpu: number) {
      // CPU_ONLINE (RECONSTRUCTED)
      if (k.flags.noOnlineSync) return;
      const base = yield* READ_ONCE(k.tsc_base_cpu);
      if ((yield* READ_ONCE(cvOf(k, base).tsc_synchronized)) === 1) yield* kvm_do_sync_tsc(k, cpu);
    },
  });
}
// #endregion kvm_x86_cpu_hotplug

/** Declares the IPI functions and work items, for `k` once it exists. */
export function declareFunctions(
  b: ModelBuilder,
  wq: Workqueues,
  kvm: () => Kvm,
  ncpus: number,
): { fn: Kvm['fn']; work: Kvm['work'] } {
  return {
    fn: {
      evict: callFunction(
        b,
        2,
        'evict',
        function* (cpu) {
          if (kvm().flags.code === 'before') yield* evict_before();
          else yield* evict(kvm(), cpu, false);
        },
        ncpus,
      ),
      evict_freq: callFunction(b, 3, 'evict(freq)', (cpu) => evict(kvm(), cpu, true), ncpus),
      resync_ipi: callFunction(b, 4, 'resync', (cpu, inIrq) => resync_before(kvm(), cpu, inIrq), ncpus),
      sync: callFunction(b, 5, 'kvm_sync_tsc', (cpu) => sync_to_base(kvm(), cpu), ncpus),
    },
    work: {
      resync: wq.work('resync', () => resync(kvm())),
      resync_user: wq.work('resync_user', () => resync_user(kvm())),
    },
  };
}
