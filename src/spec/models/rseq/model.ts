/**
 * rseq and task migration during KVM_RUN: the model behind the rseq chapter.
 *
 * Two threads, as in tools/testing/selftests/kvm/rseq_test.c: `vcpu`, the test's main thread,
 * which runs ioctl(KVM_RUN) and then checks rseq's cpu_id against getcpu() under a seqcount,
 * and `migration`, which moves it between two CPUs with sched_setaffinity(). The kernel code
 * the vCPU task runs (kvm.ts, entry.ts, sched.ts, rseq.ts) is the part under test: which
 * kernel is a variant's `kernel` flag. The properties are the kernel's promise (rseq cpu_id is
 * right whenever the task runs user code) or the selftest's (it catches a broken kernel and
 * never fails on a correct one, and its reader makes progress).
 */
import {
  choose,
  defineModel,
  type Expectation,
  type Ghost,
  ghost,
  ghost_read,
  type KernelRef,
  type ModelBuilder,
  type Op,
  READ_ONCE,
  RESCHEDULE_VECTOR,
  type StateView,
  smp_processor_id,
  WRITE_ONCE,
  wait_until,
} from '../../engine/index.ts';
import { exit_to_user_mode_loop, exit_to_user_mode_prepare, xfer_to_guest_mode_work } from './entry.ts';
import { kvm_vcpu_ioctl_run_enter, VCPU_RUN_RETURNS, vcpu_run } from './kvm.ts';
import { rseq_virt_userspace_exit } from './rseq.ts';
import { type Delay, migration_worker, read_rseq_cpu_and_retry, read_seq_begin, type Selftest } from './rseq_test.ts';
import { FROM_IOCTL, FROM_XFER, FROM_XFER_AFTER_IRQ, type KernelVersion, type Task, tifNames } from './thread_info.ts';

export interface RseqFlags {
  readonly kernel: KernelVersion;
  /** How the migration thread waits between migrations. */
  readonly delay: Delay;
  /** main()'s do-while with the seq_cnt retry (false: getcpu() and cpu_id read once). */
  readonly seqlock: boolean;
  /** The getcpu() system call (since 0fcc102923de, 2022), or 2021's sched_getcpu() through the vDSO. */
  readonly getcpu: 'syscall' | 'vdso';
  /**
   * What is checked: the kernel's promise, the selftest's verdicts, its reader's progress alone,
   * or nothing but witnesses (`stress`: a test that counts failed checks and goes on, for the
   * timed simulations).
   */
  readonly check: 'kernel' | 'selftest' | 'progress' | 'stress';
  /**
   * For `kernel`: every stale return to user space, or only those after KVM cleared a
   * TIF_NOTIFY_RESUME that its own schedule() raised (`need-resched`: Sean Christopherson's
   * common route; the shortest counterexample otherwise takes the rare, direct one), or only
   * those after the reschedule IPI hit the guest and KVM's schedule() after the
   * external-interrupt exit raised the flag (`irq-exit`).
   */
  readonly route: 'any' | 'need-resched' | 'irq-exit';
  /**
   * `forever`: the migration thread never stops and seq_cnt wraps at 4 (the model stays finite);
   * `test-run`: NR_TASK_MIGRATIONS migrations (the `migrations` parameter), seq_cnt exact.
   */
  readonly migrations: 'forever' | 'test-run';
}

// #region vcpu_task
/** Where the vCPU task is: the heads of the loops it runs, kept in the ghost `pc`. */
export const PC = {
  /** main(): top of `for (i = 0; !done; i++)`, about to call vcpu_run() (ioctl(KVM_RUN)). */
  RUN: 0,
  /** main(): top of the do-while that reads getcpu() and rseq's cpu_id. */
  CHECK: 1,
  /** main(): in the do-while, getcpu() has returned (its result in the ghost `cpu`). */
  AFTER_GETCPU: 2,
  /** vcpu_run(): top of its for (;;) loop. */
  VCPU_RUN: 3,
  /** xfer_to_guest_mode_work(): top of its do-while (the flags in the ghost `ti_work`). */
  XFER: 4,
  /** exit_to_user_mode_loop(): top of its while loop (flags in `ti_work`, return point in `ret`). */
  EXIT: 5,
  /** TEST_ASSERT() failed: the test has exited. */
  EXITED: 6,
} as const;

/** Where exit_to_user_mode_loop() returns to user space: after KVM_RUN, after getcpu(), after an interrupt. */
export const RET_KVM_RUN = 1;
export const RET_GETCPU = 2;
export const RET_IRQ = 3;
/** An interrupt taken in user mode in the do-while (only with the vDSO's sched_getcpu()). */
export const RET_IRQ_CHECK = 4;

/** The vCPU thread's own state across the engine's body restarts, and the outcome bookkeeping. */
interface Main {
  readonly pc: Ghost;
  readonly ti_work: Ghost;
  readonly ret: Ghost;
  readonly snapshot: Ghost;
  readonly cpu: Ghost;
  /** The last KVM_RUN returned with a stale rseq cpu_id, and no check has completed since. */
  readonly stale: Ghost;
  /** A check completed without noticing a stale return (the bug went unseen). */
  readonly missed: Ghost;
  /** TEST_ASSERT(rseq_cpu == cpu) fired (for `stress`: the last check failed; the test goes on). */
  readonly failed: Ghost;
  /** The do-while went round again at least once. */
  readonly retried: Ghost;
}

/**
 * The vCPU thread: one step of the selftest's main() and of the kernel code it runs, from one
 * loop head to the next. Every kernel loop is a loop here too, through `pc`: a task may go round
 * xfer_to_guest_mode_work() or exit_to_user_mode_loop() as long as migrations keep coming.
 */
function* vcpu_task(task: Task, t: Selftest, m: Main, f: RseqFlags): Op {
  switch (yield* ghost_read(m.pc)) {
    case PC.RUN: {
      // An interrupt taken in user mode (sched_setaffinity()'s reschedule IPI, which the engine
      // delivers wherever the task has interrupts on) returns through the same exit work as a
      // system call, irqentry_exit_to_user_mode(): this look at the flags stands for it, at the
      // one user-mode point of the loop (the IPI's handler itself changes nothing, see setup).
      const work = yield* exit_to_user_mode_prepare(task, 'irqentry_exit_to_user_mode()');
      yield* ghost(task.user, 0);
      if (work) return yield* to_exit_loop(m, work, RET_IRQ);
      // vcpu_run(vcpu) in the selftest: ioctl(KVM_RUN).
      yield* kvm_vcpu_ioctl_run_enter(task, f.kernel);
      yield* ghost(m.pc, PC.VCPU_RUN);
      return;
    }
    case PC.VCPU_RUN: {
      const r = yield* vcpu_run(task);
      if (r === VCPU_RUN_RETURNS) {
        // kvm_vcpu_ioctl(), after kvm_arch_vcpu_ioctl_run() (2025 rework)
        if (f.kernel === 'rseq-2025') yield* rseq_virt_userspace_exit(task);
        // syscall_exit_to_user_mode()
        const work = yield* exit_to_user_mode_prepare(task, 'ioctl(KVM_RUN): syscall_exit_to_user_mode()');
        if (work) return yield* to_exit_loop(m, work, RET_KVM_RUN);
        return yield* return_to_user(task, m, f, RET_KVM_RUN);
      }
      if (r > 0) {
        yield* ghost(m.ti_work, r);
        yield* ghost(m.pc, PC.XFER);
      }
      return; // r == 0: round vcpu_run()'s loop again
    }
    case PC.XFER: {
      const work = yield* xfer_to_guest_mode_work(task, f.kernel, yield* ghost_read(m.ti_work));
      yield* ghost(m.ti_work, work);
      if (!work) yield* ghost(m.pc, PC.VCPU_RUN); // xfer_to_guest_mode_handle_work() returns 0
      return;
    }
    case PC.EXIT: {
      const ret = yield* ghost_read(m.ret);
      const work = yield* exit_to_user_mode_loop(task, f.kernel, yield* ghost_read(m.ti_work));
      yield* ghost(m.ti_work, work);
      if (work) return;
      yield* ghost(m.ret, 0);
      return yield* return_to_user(task, m, f, ret);
    }
    case PC.CHECK: {
      if (f.getcpu === 'vdso') {
        // No system call in the do-while: a migration reaches main() by an interrupt in user mode.
        const work = yield* exit_to_user_mode_prepare(task, 'irqentry_exit_to_user_mode()');
        if (work) {
          yield* ghost(task.user, 0);
          return yield* to_exit_loop(m, work, RET_IRQ_CHECK);
        }
        const snapshot = f.seqlock ? yield* read_seq_begin(t) : 0;
        const cpu = yield* sched_getcpu_vdso();
        return yield* check_rseq_cpu(task, t, m, f, snapshot, cpu);
      }
      // do { snapshot = atomic_read(&seq_cnt) & ~1; smp_rmb(); sys_getcpu(&cpu, NULL); …
      const snapshot = f.seqlock ? yield* read_seq_begin(t) : 0;
      const cpu = yield* sys_getcpu(task);
      const work = yield* exit_to_user_mode_prepare(task, 'getcpu(): syscall_exit_to_user_mode()');
      if (work) {
        yield* ghost(m.snapshot, snapshot);
        yield* ghost(m.cpu, cpu);
        return yield* to_exit_loop(m, work, RET_GETCPU);
      }
      yield* ghost(task.user, 1);
      return yield* check_rseq_cpu(task, t, m, f, snapshot, cpu);
    }
    case PC.AFTER_GETCPU: {
      const snapshot = yield* ghost_read(m.snapshot);
      const cpu = yield* ghost_read(m.cpu);
      yield* ghost(m.snapshot, 0);
      yield* ghost(m.cpu, 0);
      return yield* check_rseq_cpu(task, t, m, f, snapshot, cpu);
    }
    case PC.EXITED:
      yield* wait_until(t.seq_cnt, () => false, 'exit(): the test has failed', { end: true });
      return;
  }
}

/** 2021's sched_getcpu(): glibc's vDSO getcpu, which reads the CPU number in user space. */
function* sched_getcpu_vdso(): Op<number> {
  yield* choose(1, 'sched_getcpu(): vDSO getcpu');
  return yield* smp_processor_id();
}

/** The getcpu() system call (kernel/sys.c): reports the CPU it runs on. */
function* sys_getcpu(task: Task): Op<number> {
  yield* choose(1, 'getcpu(): cpu = raw_smp_processor_id()');
  yield* ghost(task.user, 0);
  return yield* smp_processor_id();
}

function* to_exit_loop(m: Main, work: number, ret: number): Op {
  yield* ghost(m.ti_work, work);
  yield* ghost(m.ret, ret);
  yield* ghost(m.pc, PC.EXIT);
}

/** Back in user space; after KVM_RUN, note whether rseq's cpu_id is stale (bookkeeping only). */
function* return_to_user(task: Task, m: Main, f: RseqFlags, ret: number): Op {
  yield* ghost(task.user, 1);
  if (ret === RET_KVM_RUN) {
    if (f.check !== 'kernel') {
      const stale = (yield* ghost_read(task.rseq_written)) !== (yield* smp_processor_id());
      yield* ghost(m.stale, stale ? 1 : 0);
    }
    yield* ghost(m.pc, PC.CHECK);
  } else yield* ghost(m.pc, ret === RET_GETCPU ? PC.AFTER_GETCPU : ret === RET_IRQ_CHECK ? PC.CHECK : PC.RUN);
}

/** …rseq_cpu = rseq_current_cpu_raw(); smp_rmb(); } while (snapshot != atomic_read(&seq_cnt)); TEST_ASSERT(rseq_cpu == cpu). */
function* check_rseq_cpu(task: Task, t: Selftest, m: Main, f: RseqFlags, snapshot: number, cpu: number): Op {
  let rseq_cpu: number;
  if (f.seqlock) {
    const [value, retry] = yield* read_rseq_cpu_and_retry(task, t, snapshot);
    if (retry) {
      yield* ghost(m.retried, 1);
      yield* ghost(m.pc, PC.CHECK);
      return;
    }
    rseq_cpu = value;
  } else {
    rseq_cpu = yield* READ_ONCE(task.rseq_cpu_id); // read once, right after getcpu()
  }
  // Bookkeeping: a stale return that this check does not catch went unseen.
  if (f.check !== 'kernel') {
    if (rseq_cpu !== cpu) yield* ghost(m.failed, 1);
    else {
      if (yield* ghost_read(m.stale)) yield* ghost(m.missed, 1);
      if (f.check === 'stress') yield* ghost(m.failed, 0); // only the last check's verdict
    }
    yield* ghost(m.stale, 0);
  }
  // TEST_ASSERT(rseq_cpu == cpu, …) fails: the test exits (as a stress test it only counts).
  if (rseq_cpu !== cpu && f.check !== 'stress') {
    yield* ghost(m.pc, PC.EXITED);
    return;
  }
  if (f.delay === 'until-checked') yield* WRITE_ONCE(t.checked, snapshot);
  yield* ghost(m.pc, PC.RUN); // i++
}
// #endregion vcpu_task

/** Ghost names in creation order: simulations read them by id through ghostHandle(). */
const GHOSTS = [
  'pc',
  'ti_work',
  'ret',
  'snapshot',
  'cpu',
  'user mode',
  'rseq cpu_id written',
  'NOTIFY_RESUME raised by schedule() in',
  'KVM cleared NOTIFY_RESUME from',
  'stale return unchecked',
  'stale return missed',
  'TEST_ASSERT failed',
  'do-while retried',
  'last VM exit: external interrupt',
] as const;
export type GhostName = (typeof GHOSTS)[number];

/** A handle on one of the model's ghosts, for a simulation's stopWhen/observer. */
export function ghostHandle(name: GhostName): Ghost {
  return { id: GHOSTS.indexOf(name), name };
}

function setup(b: ModelBuilder, f: RseqFlags, nrMigrations: number): void {
  const g = (name: GhostName, init = 0): Ghost => {
    const h = b.ghost(name, init);
    if (h.id !== GHOSTS.indexOf(name)) throw new Error(`rseq model: ghost ${name} created out of order`);
    return h;
  };
  const m0 = { pc: g('pc', PC.RUN), ti_work: g('ti_work'), ret: g('ret'), snapshot: g('snapshot'), cpu: g('cpu') };
  const user = g('user mode', 1);
  const rseq_written = g('rseq cpu_id written', 0);
  const notify_from = g('NOTIFY_RESUME raised by schedule() in');
  const kvm_cleared = g('KVM cleared NOTIFY_RESUME from');
  const m: Main = {
    ...m0,
    stale: g('stale return unchecked'),
    missed: g('stale return missed'),
    failed: g('TEST_ASSERT failed'),
    retried: g('do-while retried'),
  };
  const irq_exit = g('last VM exit: external interrupt');
  const task: Task = {
    ti_flags: b.loc('ti->flags', 0, tifNames),
    rseq_cpu_id: b.loc('__rseq.cpu_id', 0),
    rseq_event: b.loc('t->rseq.event.sched_switch', 0),
    migration_pending: b.loc('p->migration_pending', 0),
    cpu: b.loc('p->cpu', 0),
    rseq_written,
    user,
    notify_from,
    kvm_cleared,
    irq_exit,
    trackRoute: f.check === 'kernel' || f.check === 'stress',
  };
  const t: Selftest = {
    seq_cnt: b.loc('seq_cnt', 0),
    seqMod: f.migrations === 'forever' ? 4 : 0,
    checked: b.loc('last checked seq_cnt', 0),
  };

  // sysvec_reschedule_ipi() → scheduler_ipi() (arch/x86/kernel/smp.c, kernel/sched/core.c): it
  // folds TIF_NEED_RESCHED into the preempt count, which only a CONFIG_PREEMPTION kernel's
  // preempt_enable() reads (this one is CONFIG_PREEMPT_VOLUNTARY), and returns, its CPU not being
  // idle. No handler steps, then: the IPI matters by where it lands, as a VM exit in the guest
  // (kvm.ts) or the exit work of an interrupt in user mode (vcpu_task).
  b.interrupt(RESCHEDULE_VECTOR, 'reschedule IPI (scheduler_ipi())');
  // The vCPU task starts on CPU 0 with rseq registered (cpu_id 0); it may run on CPUs 0 and 1.
  b.thread('vcpu', { cpu: 0, loop: true, cpus: [0, 1] }, () => vcpu_task(task, t, m, f));
  if (f.migrations === 'forever') {
    b.thread('migration', { cpu: 2, loop: true, cpus: [2] }, () => migration_worker(task, t, f.delay));
  } else {
    b.thread('migration', { cpu: 2, cpus: [2] }, function* () {
      for (let i = 0; i < nrMigrations; i++) yield* migration_worker(task, t, f.delay);
    });
  }

  properties(b, f, task, m);
}

// #region properties
function properties(b: ModelBuilder, f: RseqFlags, task: Task, m: Main): void {
  const fixed = f.kernel !== 'v5.14' && f.kernel !== 'rseq-2025-no-retrigger';
  if (f.check === 'kernel') {
    // rseq's cpu_id as the task itself reads it: its own last write, which under x86-TSO may
    // still sit in its store buffer (s.mem() shows memory), hence the ghost copy.
    const stale = (s: StateView) => s.ghost(task.user) === 1 && s.ghost(task.rseq_written) !== s.thread('vcpu').cpu;
    if (f.route === 'any') {
      b.always(
        'rseq-cpu-id',
        'whenever the vCPU task runs user code, rseq cpu_id is the CPU it runs on',
        (s) => !stale(s),
      );
    } else if (f.route === 'irq-exit') {
      b.always(
        'rseq-cpu-id-irq-exit',
        'no return to user space with a stale rseq cpu_id after KVM cleared a TIF_NOTIFY_RESUME raised by the schedule() that followed an external-interrupt exit',
        (s) => !(stale(s) && s.ghost(task.kvm_cleared) === FROM_XFER_AFTER_IRQ),
      );
    } else {
      b.always(
        'rseq-cpu-id-need-resched',
        'no return to user space with a stale rseq cpu_id after KVM cleared a TIF_NOTIFY_RESUME raised by its own schedule()',
        (s) => !(stale(s) && s.ghost(task.kvm_cleared) === FROM_XFER),
      );
    }
    b.sometimes(
      'migrates-in-kvm',
      'schedule() in xfer_to_guest_mode_work() moves the task',
      (s) => s.ghost(task.notify_from) === FROM_XFER,
    );
    b.sometimes(
      'kvm-clears-common',
      'KVM clears a TIF_NOTIFY_RESUME that its own schedule() raised',
      (s) => s.ghost(task.kvm_cleared) === FROM_XFER,
    );
    b.sometimes(
      'migrates-after-irq-exit',
      'the reschedule IPI exits the guest and schedule() in xfer_to_guest_mode_work() moves the task',
      (s) => s.ghost(task.notify_from) === FROM_XFER_AFTER_IRQ,
    );
    b.sometimes(
      'kvm-clears-after-irq-exit',
      'KVM clears a TIF_NOTIFY_RESUME that its schedule() after an external-interrupt exit raised',
      (s) => s.ghost(task.kvm_cleared) === FROM_XFER_AFTER_IRQ,
    );
    b.sometimes(
      'kvm-clears-direct',
      'KVM finds TIF_NOTIFY_RESUME already set when it first looks, and clears it',
      (s) => s.ghost(task.kvm_cleared) === FROM_IOCTL,
    );
    return;
  }
  if (f.check === 'selftest' || f.check === 'progress') {
    if (f.check === 'progress') {
      // No safety property here: seq_cnt wraps at 4, which can only make a pass succeed that
      // should have retried, so a lasso in which the do-while never completes is still a real one.
    } else if (fixed) {
      b.always(
        'no-false-failure',
        "on a correct kernel, the test's TEST_ASSERT(rseq_cpu == cpu) never fires",
        (s) => s.ghost(m.failed) === 0,
      );
    } else {
      b.always(
        'no-missed-bug',
        'every KVM_RUN that returns with a stale rseq cpu_id is caught by the check after it',
        (s) => s.ghost(m.missed) === 0,
      );
    }
    b.eventually('reader-progress', "main()'s do-while eventually completes", (s) => {
      const pc = s.ghost(m.pc);
      const ret = s.ghost(m.ret);
      return (
        pc === PC.CHECK || pc === PC.AFTER_GETCPU || (pc === PC.EXIT && (ret === RET_GETCPU || ret === RET_IRQ_CHECK))
      );
    });
  }
  if (!fixed) b.sometimes('test-detects-bug', 'the test catches a stale rseq cpu_id', (s) => s.ghost(m.failed) === 1);
  if (f.check === 'stress') {
    b.sometimes(
      'bug-missed',
      'a KVM_RUN returns with a stale cpu_id and the check after it does not notice',
      (s) => s.ghost(m.missed) === 1,
    );
  }
  if (f.seqlock) {
    b.sometimes('do-while-retries', "main()'s do-while goes round again", (s) => s.ghost(m.retried) === 1);
  }
}
// #endregion properties

const commit = (id: string, subject: string): KernelRef => ({
  ref: id,
  subject,
  url: `https://github.com/torvalds/linux/commit/${id}`,
});
const BUG = commit('72c3c0fe54a3', 'x86/kvm: Use generic xfer to guest work function');
const FIX = commit('8646e53633f3', 'KVM: rseq: Update rseq when processing NOTIFY_RESUME on xfer to KVM guest');
const CLEANUP = commit('a68de80f61f6', 'entry: rseq: Call rseq_handle_notify_resume() in tracehook_notify_resume()');
const TEST = commit('61e52f1630f5', 'KVM: selftests: Add a test for KVM_RUN+rseq to detect task migration bugs');
const THREAD: KernelRef = {
  ref: 'YSgpy8iXXXUQ+b/k@google.com',
  subject: 'Re: [PATCH v2 4/5] KVM: selftests: Add a test for KVM_RUN+rseq to detect task migration bugs',
  url: 'https://lore.kernel.org/all/YSgpy8iXXXUQ%2Bb%2Fk@google.com/',
};
const REWORK: KernelRef = {
  ref: 'tip core/rseq, 2025',
  subject: 'rseq, virt: Retrigger RSEQ after vcpu_run()',
};

const BASE: RseqFlags = {
  kernel: 'v5.14',
  delay: 'none',
  seqlock: true,
  getcpu: 'syscall',
  check: 'kernel',
  route: 'any',
  migrations: 'forever',
};
const TEST_AS_WRITTEN: RseqFlags = { ...BASE, delay: 'usleep', check: 'selftest', migrations: 'test-run' };

const holds = (states: number): Expectation => ({ verdict: 'holds', states });
const violated = (property: string, states: number): Expectation => ({ verdict: 'violated', property, states });

export const rseq = defineModel<RseqFlags>({
  name: 'rseq',
  title: 'rseq and task migration during KVM_RUN',
  source: 'src/spec/models/rseq/model.ts',
  memoryModels: ['sc', 'tso'],
  defaultMemoryModel: 'tso',
  cpus: () => 3,
  variants: [
    {
      name: 'v5-14',
      description: "before the fix: KVM's xfer work clears TIF_NOTIFY_RESUME and never tells rseq",
      flags: BASE,
      kernel: [BUG, FIX],
      expect: { sc: violated('rseq-cpu-id', 928), tso: violated('rseq-cpu-id', 1190) },
    },
    {
      name: 'v5-14-need-resched',
      description: "before the fix, the common route: KVM's own schedule() migrates the task and raises the flag",
      flags: { ...BASE, route: 'need-resched' },
      kernel: [BUG, THREAD],
      expect: { sc: violated('rseq-cpu-id-need-resched', 1026), tso: violated('rseq-cpu-id-need-resched', 1318) },
    },
    {
      name: 'v5-14-irq-exit',
      description:
        'before the fix, the third route: the reschedule IPI exits the guest, and the schedule() after the exit migrates the task',
      flags: { ...BASE, route: 'irq-exit' },
      kernel: [BUG, THREAD],
      expect: { sc: violated('rseq-cpu-id-irq-exit', 1582), tso: violated('rseq-cpu-id-irq-exit', 2070) },
    },
    {
      name: 'fix-8646e53633f3',
      description: 'the fix: rseq_handle_notify_resume(NULL, NULL) after tracehook_notify_resume(NULL)',
      flags: { ...BASE, kernel: 'fix-8646e53633f3' },
      kernel: [FIX],
      expect: { sc: holds(12490), tso: holds(27869) },
    },
    {
      name: 'v5-15',
      description: 'v5.15: the rseq update moved into tracehook_notify_resume() itself (a68de80f61f6)',
      flags: { ...BASE, kernel: 'v5.15' },
      kernel: [FIX, CLEANUP],
      expect: { sc: holds(12490), tso: holds(27869) },
    },
    {
      name: 'rseq-2025',
      description: '2025 rework: no update with regs == NULL; rseq_virt_userspace_exit() re-raises the flag',
      flags: { ...BASE, kernel: 'rseq-2025' },
      kernel: [REWORK],
      expect: { sc: holds(36112), tso: holds(81967) },
    },
    {
      name: 'rseq-2025-no-retrigger',
      description: 'the 2025 rework without rseq_virt_userspace_exit() (hypothetical): the bug is back',
      flags: { ...BASE, kernel: 'rseq-2025-no-retrigger' },
      kernel: [REWORK],
      expect: { sc: violated('rseq-cpu-id', 943), tso: violated('rseq-cpu-id', 1254) },
    },
    {
      name: 'selftest',
      description: 'rseq_test on v5.14, usleep() delay: untimed, the check can miss the bug',
      flags: TEST_AS_WRITTEN,
      kernel: [TEST, THREAD],
      expect: { sc: violated('no-missed-bug', 10347), tso: violated('no-missed-bug', 17052) },
    },
    {
      name: 'selftest-delay',
      description: 'rseq_test on v5.14 with a delay always long enough: every stale return is caught',
      flags: { ...TEST_AS_WRITTEN, delay: 'until-checked', migrations: 'forever' },
      kernel: [TEST, THREAD],
      expect: { sc: holds(1199), tso: holds(2697) },
    },
    {
      name: 'selftest-fixed',
      description: 'rseq_test on v5.15, usleep() delay: never fails on the fixed kernel',
      flags: { ...TEST_AS_WRITTEN, kernel: 'v5.15' },
      kernel: [TEST, THREAD],
      expect: { sc: holds(7400), tso: holds(13027) },
    },
    {
      name: 'selftest-livelock',
      description: "rseq_test on v5.15, back-to-back migrations forever: main()'s do-while can retry forever",
      flags: { ...TEST_AS_WRITTEN, kernel: 'v5.15', check: 'progress', migrations: 'forever' },
      kernel: [TEST, THREAD],
      expect: { sc: violated('reader-progress', 14164), tso: violated('reader-progress', 29524) },
    },
    {
      name: 'selftest-fixed-delay',
      description: 'rseq_test on v5.15 with a delay always long enough: never fails, always progresses',
      flags: { ...TEST_AS_WRITTEN, kernel: 'v5.15', delay: 'until-checked', migrations: 'forever' },
      kernel: [TEST, THREAD],
      expect: { sc: holds(1000), tso: holds(2507) },
    },
    {
      name: 'selftest-no-seqlock',
      description: 'rseq_test on v5.15 without the seq_cnt retry: fails on a correct kernel',
      flags: { ...TEST_AS_WRITTEN, kernel: 'v5.15', seqlock: false },
      kernel: [TEST],
      expect: { sc: violated('no-false-failure', 709), tso: violated('no-false-failure', 968) },
    },
    {
      name: 'selftest-2021-stress',
      description: 'the 2021 rseq_test (sched_getcpu() in the vDSO) on v5.14 as a stress test that counts failures',
      flags: { ...TEST_AS_WRITTEN, check: 'stress', getcpu: 'vdso' },
      kernel: [TEST, THREAD],
      expect: { sc: holds(19205), tso: holds(25645) },
    },
    {
      name: 'selftest-stress',
      description: 'rseq_test on v5.14 as a stress test that counts failed checks and goes on (for the simulations)',
      flags: { ...TEST_AS_WRITTEN, check: 'stress' },
      kernel: [TEST, THREAD],
      expect: { sc: holds(20975), tso: holds(28435) },
    },
  ],
  params: [
    {
      name: 'migrations',
      description: 'NR_TASK_MIGRATIONS, for the variants that model one test run (the others migrate forever)',
      min: 1,
      max: 400,
      default: 2,
    },
  ],
  setup: (b, f, p) => setup(b, f, p.migrations as number),
});
