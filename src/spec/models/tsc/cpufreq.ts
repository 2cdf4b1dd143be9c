/**
 * drivers/cpufreq (v2.6.32): a frequency transition as a driver performs it. The driver calls
 * cpufreq_notify_transition(&freqs, CPUFREQ_PRECHANGE) once per CPU of the policy (freqs.cpu =
 * each CPU in turn, e.g. acpi-cpufreq's acpi_cpufreq_target()), changes the hardware, then
 * calls CPUFREQ_POSTCHANGE once per CPU. For a policy shared by the base CPU and another one
 * the callouts therefore come as {PRE|BASE}, {PRE|NON-BASE}, change, {POST|BASE}, {POST|NON-BASE}.
 * cpufreq_notify_transition() runs the transition notifier chain (srcu_notifier_call_chain()),
 * here with KVM's notifier as its only member.
 */
import { type Clock, type Loc, type NotifierChain, type Op, WRITE_ONCE } from '../../engine/index.ts';

export const CPUFREQ_PRECHANGE = 0;
export const CPUFREQ_POSTCHANGE = 1;

export interface Transition {
  /** The CPUs of the policy, in the order the driver notifies them. */
  readonly cpus: readonly number[];
  /** The old and new rate indexes of the clock (the frequencies). */
  readonly from: number;
  readonly rate: number;
}

// #region cpufreq_transition
/** One transition: PRECHANGE for each CPU, the hardware change, POSTCHANGE for each CPU. */
export function* cpufreq_transition(
  chain: NotifierChain,
  clock: Clock,
  freqs: { readonly old: Loc; readonly new: Loc },
  t: Transition,
): Op {
  // freqs.old and freqs.new, as the notifiers read them (rates, as tsc_khz stores them).
  yield* WRITE_ONCE(freqs.old, clock.rates[t.from] as number);
  yield* WRITE_ONCE(freqs.new, clock.rates[t.rate] as number);
  for (const cpu of t.cpus) yield* chain.call(CPUFREQ_PRECHANGE, cpu);
  for (const cpu of t.cpus)
    yield* clock.set_rate(cpu, t.rate, `cpu${cpu}'s frequency changes (the driver writes the MSR)`);
  for (const cpu of t.cpus) yield* chain.call(CPUFREQ_POSTCHANGE, cpu);
}
// #endregion cpufreq_transition
