/**
 * The rseq model: every variant records a verdict under each memory model it declares (which
 * the golden test or the build checks); the counterexamples the chapter describes take the routes it
 * says they take; the livelock is a real lasso; and the plot's measurements are reproducible by
 * seed and say what the chapter reads from them.
 */
import { describe, expect, it } from 'vitest';
import { renderPlot } from '../../src/components/plot-render.ts';
import { defaults } from '../../src/plots/controls.ts';
import { findPlot } from '../../src/plots/index.ts';
import type { RseqDelayData } from '../../src/plots/rseq-delay.ts';
import { rseqDelay } from '../../src/plots/rseq-delay.ts';
import { type CheckResult, check, type MemoryModelName, simulate, type Trace } from '../../src/spec/engine/index.ts';
import { MODELS } from '../../src/spec/models/index.ts';
import { ghostHandle, PC, rseq } from '../../src/spec/models/rseq/model.ts';
import { rseqDurations, type StressRun, stressObserver } from '../../src/spec/models/rseq/timing.ts';
import { chapterStates } from '../support/chapter-claims.ts';
import { checkOnce } from '../support/check-once.ts';
import { goldenChecks, goldenLeavesToBuild } from '../support/golden-budget.ts';

/** Shared with golden.test.ts and the other files of a worker (check-once.ts). */
function run(variant: string, memoryModel: MemoryModelName = 'tso'): CheckResult {
  return checkOnce(rseq, { variant, memoryModel });
}

const ghostAt = (trace: Trace, step: number, name: string): number =>
  (trace.steps[step]?.state.ghosts.find((g) => g.name === name)?.value ?? Number.NaN) as number;
const texts = (trace: Trace): string[] => trace.steps.map((s) => s.text);

describe('rseq model', () => {
  it('is registered', () => {
    expect(MODELS).toContain(rseq);
    expect(rseq.memoryModels).toEqual(['sc', 'tso']);
  });

  // Every variant's declared verdict, property and state count under SC and TSO: golden.test.ts
  // (which also asserts that a holding search reached every `sometimes` witness), or, for the
  // three largest holding ones (rseq-2025, fix-8646e53633f3, v5-15 under TSO), the build's run
  // of the chapter's <LiveCheck> (golden-budget.ts goldenLeavesToBuild). Searching each here
  // as well ran every rseq case a second time.
  it('every variant records a verdict under SC and TSO, checked by the golden test or the build', () => {
    for (const v of rseq.variants)
      for (const mm of rseq.memoryModels) {
        expect(v.expect[mm], `${v.name} ${mm}`).toBeDefined();
        expect(goldenChecks(v, mm), `${v.name} ${mm}: within the golden test's budget`).toBe(true);
        if (goldenLeavesToBuild('rseq', v, mm)) expect(chapterStates('rseq', v.name, mm)).toContain('holds');
      }
  });

  it('the same verdicts under SC and x86-TSO', () => {
    for (const v of rseq.variants) expect(v.expect.sc?.verdict, v.name).toBe(v.expect.tso?.verdict);
  });

  it('before the fix, the shortest counterexample takes the direct route: migrated at the ioctl entry', () => {
    const trace = run('v5-14').counterexample as Trace;
    const t = texts(trace);
    const atEntry = t.findIndex((x) => x.startsWith('mutex_lock_killable() → might_resched()'));
    expect(trace.steps[atEntry]?.result).toBe('NEED_RESCHED');
    expect(t.some((x) => x.startsWith('migration_cpu_stop()'))).toBe(true);
    expect(ghostAt(trace, trace.steps.length - 1, 'KVM cleared NOTIFY_RESUME from')).toBe(2);
  });

  it('the common route: KVM sees NEED_RESCHED, its own schedule() migrates the task, and the next pass clears NOTIFY_RESUME', () => {
    const trace = run('v5-14-need-resched').counterexample as Trace;
    const t = texts(trace);
    const exitRequest = t.findIndex((x) => x.startsWith('kvm_vcpu_exit_request()'));
    expect(trace.steps[exitRequest]?.result).toBe('NEED_RESCHED');
    const moved = t.findIndex((x) => x.startsWith('migration_cpu_stop()'));
    expect(trace.steps[moved]?.site?.file).toBe('src/spec/models/rseq/sched.ts');
    const cleared = t.findIndex((x, i) => i > moved && x.startsWith('clear_bit(TIF_NOTIFY_RESUME'));
    expect(cleared).toBeGreaterThan(moved);
    expect(t.slice(cleared).some((x) => x.startsWith('WRITE_ONCE(__rseq.cpu_id'))).toBe(false);
    expect(ghostAt(trace, trace.steps.length - 1, 'KVM cleared NOTIFY_RESUME from')).toBe(1);
  });

  it('the third route: the reschedule IPI lands in the guest, the VM exits for it, and the schedule() back in vcpu_run() migrates the task', () => {
    const trace = run('v5-14-irq-exit').counterexample as Trace;
    const t = texts(trace);
    const ipi = t.findIndex((x) => x.startsWith('smp_send_reschedule('));
    const entry = t.findIndex((x) => x.startsWith('VM-entry'));
    const exit = t.findIndex((x) => x.startsWith('VM-exit'));
    // The guest was entered before the IPI was sent, and exited for it.
    expect(entry).toBeGreaterThanOrEqual(0);
    expect(entry).toBeLessThan(ipi);
    expect(exit).toBeGreaterThan(ipi);
    expect(trace.steps[exit]?.result).toBe('external interrupt');
    // No flag was set when KVM last looked before the entry: the IPI is the only way out.
    const lastLook = t.slice(0, entry).lastIndexOf('kvm_vcpu_exit_request(): READ_ONCE(ti->flags)');
    expect(trace.steps[lastLook]?.result).toBe('0');
    const pending = t.findIndex((x, i) => i > exit && x.startsWith('__xfer_to_guest_mode_work_pending()'));
    expect(trace.steps[pending]?.result).toBe('NEED_RESCHED');
    const moved = t.findIndex((x) => x.startsWith('migration_cpu_stop()'));
    expect(moved).toBeGreaterThan(pending);
    // The task returns to user space after a second entry, which exits for GUEST_SYNC.
    expect(trace.steps.filter((s) => s.text.startsWith('VM-exit')).map((s) => s.result)).toEqual([
      'external interrupt',
      "the guest's own exit",
    ]);
    expect(ghostAt(trace, trace.steps.length - 1, 'KVM cleared NOTIFY_RESUME from')).toBe(4);
  });

  it('every context switch away from the task raises TIF_NOTIFY_RESUME (rseq_preempt), and v5.14 raises it again in set_task_cpu() (rseq_migrate)', () => {
    const trace = run('v5-14-need-resched').counterexample as Trace;
    const sites = trace.steps
      .filter((s) => s.text.startsWith('set_bit(TIF_NOTIFY_RESUME'))
      .map((s) => s.site?.line ?? 0);
    expect(sites.length).toBe(2);
    expect(new Set(sites).size).toBe(2);
    const rework = run('rseq-2025-no-retrigger').counterexample as Trace;
    expect(rework.steps.filter((s) => s.text.startsWith('set_bit(TIF_NOTIFY_RESUME')).length).toBe(1);
  });

  it('the selftest as written misses the bug: a second migration heals rseq before the check completes', () => {
    const trace = run('selftest').counterexample as Trace;
    const t = texts(trace);
    expect(t.filter((x) => x.startsWith('migration_cpu_stop()')).length).toBe(2);
    const last = trace.steps.length - 1;
    expect(ghostAt(trace, last, 'stale return missed')).toBe(1);
    expect(ghostAt(trace, last, 'TEST_ASSERT failed')).toBe(0);
  });

  it('without the seqcount the test fails on a fixed kernel', () => {
    const trace = run('selftest-no-seqlock').counterexample as Trace;
    expect(ghostAt(trace, trace.steps.length - 1, 'TEST_ASSERT failed')).toBe(1);
  });

  it('the livelock is a lasso with a non-empty cycle in which main() never completes its do-while', () => {
    const r = run('selftest-livelock');
    const trace = r.counterexample as Trace;
    expect(r.violation?.kind).toBe('progress');
    const start = trace.cycleStart as number;
    expect(start).toBeGreaterThanOrEqual(0);
    expect(start).toBeLessThan(trace.steps.length);
    const cycle = trace.steps.slice(start);
    expect(cycle.length).toBeGreaterThan(0);
    const actors = new Set(cycle.map((s) => s.actor));
    expect(actors.has('vcpu') && actors.has('migration')).toBe(true);
    for (const s of cycle) {
      const pc = s.state.ghosts.find((g) => g.name === 'pc')?.value;
      expect([PC.CHECK, PC.AFTER_GETCPU, PC.EXIT]).toContain(pc);
    }
    expect(cycle.some((s) => s.text.startsWith('atomic_read(&seq_cnt)'))).toBe(true);
    expect(cycle.filter((s) => s.text.startsWith('migration_cpu_stop()')).length).toBeGreaterThan(0);
  });

  it('ghost handles read the ghosts the model creates', () => {
    let seen = false;
    simulate(rseq, {
      variant: 'selftest-stress',
      seed: 1,
      runs: 1,
      maxSteps: 5,
      stopWhen: (s) => {
        seen = s.ghost(ghostHandle('pc')) === PC.RUN && s.ghost(ghostHandle('user mode')) === 1;
        return true;
      },
    });
    expect(seen).toBe(true);
  });
});

describe('rseq timed simulation', () => {
  const measure = (variant: string, delayNs: number, seed = 1, migrations = 120): StressRun => {
    const obs = stressObserver({ migrations: 40 });
    const each: StressRun[] = [];
    simulate(rseq, {
      variant,
      memoryModel: 'sc',
      params: { migrations: 41 },
      seed,
      runs: migrations / 40,
      maxSteps: 1_000_000,
      duration: rseqDurations(delayNs),
      stopWhen: obs.stopWhen,
      onRun: (r) => each.push(obs.take(r)),
    });
    const sum = (k: keyof StressRun) => each.reduce((a, r) => a + r[k], 0);
    return {
      migrations: sum('migrations'),
      kvmRuns: sum('kvmRuns'),
      hits: sum('hits'),
      viaIrqExit: sum('viaIrqExit'),
      direct: sum('direct'),
      caught: sum('caught'),
      missed: sum('missed'),
      ns: sum('ns'),
    };
  };

  it('is deterministic by seed', () => {
    expect(measure('selftest-stress', 1000, 7)).toEqual(measure('selftest-stress', 1000, 7));
    expect(measure('selftest-stress', 1000, 7)).not.toEqual(measure('selftest-stress', 1000, 8));
  });

  it('every hit is either caught or missed, and counts add up', () => {
    const m = measure('selftest-stress', 500);
    expect(m.migrations).toBe(120);
    expect(m.caught + m.missed).toBe(m.hits);
  });

  it('with no delay main() starves and every hit is missed; with 10 µs every hit is caught', () => {
    const none = measure('selftest-stress', 0);
    expect(none.kvmRuns / none.migrations).toBeLessThan(0.1);
    expect(none.caught).toBe(0);
    const long = measure('selftest-stress', 10_000);
    expect(long.hits).toBeGreaterThan(0);
    expect(long.missed).toBe(0);
    expect(long.kvmRuns / long.migrations).toBeGreaterThan(2);
  });
});

describe('rseq-delay plot', () => {
  it('is registered for the rseq model', () => {
    expect(findPlot('rseq-delay').model).toBe('rseq');
  });

  it('measures the same data for the same seed, and other data for another seed', () => {
    const values = { delay: '1000', migrations: '200', seed: '3' };
    const a = renderPlot('rseq-delay', values);
    const b = renderPlot('rseq-delay', values);
    expect(b.data).toEqual(a.data);
    expect(b.svg).toBe(a.svg);
    const c = renderPlot('rseq-delay', { ...values, seed: '4' });
    expect(c.data).not.toEqual(a.data);
  });

  it('adds the slider delay to the sweep and reports it in the summary', () => {
    const r = renderPlot('rseq-delay', { delay: '1250', migrations: '200' });
    const data = r.data as RseqDelayData;
    expect(data.points.map((p) => p.delayUs)).toContain(1.25);
    expect(r.summary).toContain('At 1.25 µs');
    expect(data.undisturbedPerUs).toBeGreaterThan(0);
    for (const p of data.points) {
      for (const v of [p.hitRate, p.detectRate, p.missedShare, p.throughput]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('the figures the chapter quotes from the rseq-delay plot (defaults, seed 1)', () => {
  // content/rseq.mdx describes the build-time measurement in prose; these are those sentences.
  const values = defaults(rseqDelay.controls);
  const data = rseqDelay.measure((o) => simulate(rseq, o), values, { model: rseq, check, simulate });
  const at = (us: number) => {
    const p = data.points.find((x) => x.delayUs === us);
    if (!p) throw new Error(`no point at ${us} µs`);
    return p;
  };

  it('without a delay the reader is starved and the few hits all heal unseen', () => {
    expect(at(0).throughput).toBeLessThan(0.05);
    expect(at(0).hitRate).toBeGreaterThan(0.005);
    expect(at(0).hitRate).toBeLessThan(0.05);
    expect(at(0).missedShare).toBe(1);
  });

  it('a quarter to half a microsecond restarts KVM_RUN and the hits: nine in ten, then four in ten, still healed', () => {
    for (const us of [0.25, 0.5]) {
      expect(at(us).kvmRunsPerMigration).toBeGreaterThan(0);
      expect(at(us).hitRate).toBeGreaterThan(at(0).hitRate);
    }
    expect(at(0.25).missedShare).toBeGreaterThan(0.85);
    expect(at(0.5).missedShare).toBeGreaterThan(0.35);
    expect(at(0.5).missedShare).toBeLessThan(0.5);
  });

  it('from 1.5 µs hardly a hit goes unseen (none from 2 µs), about one migration in four or five fails the check', () => {
    for (const p of data.points.filter((x) => x.delayUs >= 1.5)) {
      expect(p.missedShare).toBeLessThan(0.02);
      if (p.delayUs >= 2) expect(p.missedShare).toBe(0);
      expect(p.detectRate).toBeGreaterThan(0.18);
      expect(p.detectRate).toBeLessThan(0.3);
    }
  });

  it('from 1 µs, two to three fifths of the hits come after the reschedule IPI exited the guest; none by the direct route', () => {
    for (const p of data.points.filter((x) => x.delayUs >= 1)) {
      expect(p.viaIrqExit / p.hits).toBeGreaterThan(0.35);
      expect(p.viaIrqExit / p.hits).toBeLessThan(0.6);
    }
    for (const p of data.points) expect(p.direct).toBe(0);
  });

  it('undisturbed, a KVM_RUN and check loop takes about 1.9 µs', () => {
    expect(1 / data.undisturbedPerUs).toBeGreaterThan(1.7);
    expect(1 / data.undisturbedPerUs).toBeLessThan(2.1);
  });

  it("the reader's throughput climbs from about 40% at 1 µs towards 80% at 10 µs", () => {
    expect(at(1).throughput).toBeGreaterThan(0.3);
    expect(at(1).throughput).toBeLessThan(0.5);
    expect(at(10).throughput).toBeGreaterThan(0.7);
    expect(at(10).throughput).toBeLessThan(0.9);
  });
});
