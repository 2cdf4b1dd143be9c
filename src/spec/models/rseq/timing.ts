/**
 * The selftest as a stress test: how long each step of the model takes, for the timed
 * simulation (src/spec/engine/simulate.ts), and what one simulated test run is counted as.
 *
 * The durations are assumptions, not measurements: round numbers of the right order for an
 * x86 host (a system call costs a few hundred nanoseconds, a VM entry and exit with an I/O exit
 * about a microsecond, a migration a few microseconds). Each is drawn uniformly between half and
 * one and a half times its value, so that no two threads stay in lock step. An IPI is pending on
 * its target the moment it is sent, and taking an interrupt costs the interrupted thread no time
 * (the interrupt is a step of its CPU, not of the thread). What the plots
 * show is how the outcomes change with the delay between migrations under these assumptions,
 * not figures for any real machine.
 */
import type { Rng, RunResult, SimStep, StateView } from '../../engine/index.ts';
import { ghostHandle, PC } from './model.ts';
import { FROM_IOCTL, FROM_XFER_AFTER_IRQ } from './thread_info.ts';

// #region durations
/** Nanoseconds from a vCPU-thread step to its next step, by the step's text (first match). */
const VCPU: readonly (readonly [string, number])[] = [
  ['irqentry_exit_to_user_mode()', 100], // main(): the loop, then the ioctl() system call entry
  ['mutex_lock_killable()', 600], // kvm_vcpu_ioctl(), vcpu_load(), kvm_arch_vcpu_ioctl_run(), vcpu_enter_guest()
  ['local_irq_disable()', 50],
  ['kvm_vcpu_exit_request()', 100],
  ['VM-entry', 250], // VM entry and the guest up to GUEST_SYNC's port I/O: an IPI landing now exits the VM for it
  ['VM-exit', 250], // the exit (I/O or external interrupt) back to the host
  ['local_irq_enable()', 150], // the I/O exit's way back out of vcpu_run() and kvm_vcpu_ioctl()
  ['ioctl(KVM_RUN): syscall_exit_to_user_mode()', 100], // back to user space, get_ucall()
  ['getcpu(): cpu =', 100], // the getcpu() system call
  ['getcpu(): syscall_exit_to_user_mode()', 50],
  ['sched_getcpu(): vDSO', 20],
  ['smp_mb()', 20], // schedule(): the run-queue lock
  ['READ_ONCE(p->migration_pending)', 20],
  ['clear_bit(TIF_NEED_RESCHED', 300], // context switch to the stopper
  ['set_bit(TIF_NOTIFY_RESUME', 50], // rseq_preempt() in the switch, rseq_migrate() in the move
  ['migration_cpu_stop()', 1000], // the task is queued on its other CPU and runs there again
  ['WRITE_ONCE(p->migration_pending, 0)', 50],
];

/** The migration thread's steps; its smp_wmb()s are told apart by the step before them. */
const MIGRATION: readonly (readonly [string, number])[] = [
  ['atomic_inc(&seq_cnt)', 20],
  ['smp_wmb() after atomic_inc', 400], // sched_setaffinity(): system call entry, checks, task_rq_lock(), affine_move_task()
  ['WRITE_ONCE(p->migration_pending, 1)', 20],
  ['smp_wmb() after WRITE_ONCE', 20],
  ['READ_ONCE(p->cpu)', 20],
  ['test_bit(TIF_NEED_RESCHED', 20], // resched_curr(): test_tsk_need_resched()
  ['fetch_or(&ti->flags', 50], // set_nr_and_not_polling()
  ['smp_send_reschedule', 50], // the IPI is pending on the target as soon as it is sent (no delivery latency)
  ['wait_for_completion', 800], // woken once the task has moved; back to user space
  ['smp_wmb() after wait_for_completion', 20],
];

/** Any other step (flag reads, rseq writes, barriers in user space). */
const DEFAULT_NS = 20;
// #endregion durations

/**
 * The step durations for a migration thread that waits `delayNs` between migrations (its
 * usleep() step: the whole time between its two increments of seq_cnt, whatever usleep() is
 * asked for). Stateful only to tell the migration thread's barriers apart.
 */
export function rseqDurations(delayNs: number): (step: SimStep, rng: Rng) => number {
  let last = '';
  const lookup = (table: readonly (readonly [string, number])[], text: string) =>
    table.find(([t]) => text.startsWith(t))?.[1] ?? DEFAULT_NS;
  return (step, rng) => {
    const jitter = 0.5 + rng.next();
    if (step.actor === 'migration') {
      let text = step.text;
      if (text === 'smp_wmb()') text = `smp_wmb() after ${last.slice(0, last.indexOf('('))}`;
      last = step.text;
      if (text.startsWith('usleep')) return delayNs * jitter;
      return lookup(MIGRATION, text) * jitter;
    }
    if (step.actor !== 'vcpu') return DEFAULT_NS * jitter; // store-buffer drains, interrupts
    return lookup(VCPU, step.text) * jitter;
  };
}

/** What one simulated run of a stress variant amounted to. */
export interface StressRun {
  /** Migrations completed. */
  readonly migrations: number;
  /** Checks completed: the test's `i`, its count of KVM_RUNs. */
  readonly kvmRuns: number;
  /** Migrations after which a KVM_RUN returned to user space with a stale rseq cpu_id. */
  readonly hits: number;
  /**
   * Hits by route, from the TIF_NOTIFY_RESUME that KVM cleared: raised by the schedule() after an
   * external-interrupt exit (the reschedule IPI landed in the guest), or already set when KVM
   * first looked (the direct route); the rest came by KVM's schedule() after kvm_vcpu_exit_request()
   * saw TIF_NEED_RESCHED.
   */
  readonly viaIrqExit: number;
  readonly direct: number;
  /** Of those, the ones where a check after the stale return failed (the real test stops there). */
  readonly caught: number;
  /** The ones that the next migration healed before any check noticed (a false pass). */
  readonly missed: number;
  /** Simulated nanoseconds. */
  readonly ns: number;
}

/**
 * Watches the states of a run of a stress variant (simulate()'s stopWhen hook) and ends the run
 * once `until.migrations` migrations or `until.checks` checks have completed. A *hit* is a stale cpu_id seen by user space
 * after KVM_RUN; it lasts until the next migration updates rseq again, and it is *caught* if a
 * check fails meanwhile, *missed* otherwise.
 */
export function stressObserver(until: { readonly migrations?: number; readonly checks?: number }): {
  stopWhen: (s: StateView) => boolean;
  take: (r: RunResult) => StressRun;
} {
  const pc = ghostHandle('pc');
  const stale = ghostHandle('stale return unchecked');
  const failed = ghostHandle('TEST_ASSERT failed');
  const cleared = ghostHandle('KVM cleared NOTIFY_RESUME from');
  let prev: { pc: number; cpu: number; stale: number; failed: number } | undefined;
  let hit: 'none' | 'unseen' | 'caught' = 'none';
  const zero = { migrations: 0, kvmRuns: 0, hits: 0, viaIrqExit: 0, direct: 0, caught: 0, missed: 0 };
  let n = { ...zero };
  const close = () => {
    if (hit === 'caught') n.caught++;
    else if (hit === 'unseen') n.missed++;
    hit = 'none';
  };
  return {
    stopWhen(s) {
      const now = { pc: s.ghost(pc), cpu: s.thread('vcpu').cpu, stale: s.ghost(stale), failed: s.ghost(failed) };
      if (prev) {
        if (now.cpu !== prev.cpu) {
          n.migrations++;
          close(); // the migration's own NOTIFY_RESUME updates rseq (unless it hits again)
        }
        if (now.stale && !prev.stale && hit === 'none') {
          n.hits++;
          const from = s.ghost(cleared);
          if (from === FROM_XFER_AFTER_IRQ) n.viaIrqExit++;
          else if (from === FROM_IOCTL) n.direct++;
          hit = 'unseen';
        }
        if (now.failed && !prev.failed && hit !== 'none') hit = 'caught';
        // i++: main() is back at the top of its loop straight from its do-while.
        if (now.pc === PC.RUN && (prev.pc === PC.CHECK || prev.pc === PC.AFTER_GETCPU)) n.kvmRuns++;
      }
      prev = now;
      return (
        n.migrations >= (until.migrations ?? Number.POSITIVE_INFINITY) ||
        n.kvmRuns >= (until.checks ?? Number.POSITIVE_INFINITY)
      );
    },
    take(r) {
      close();
      const run: StressRun = { ...n, ns: r.time };
      prev = undefined;
      n = { ...zero };
      return run;
    },
  };
}
