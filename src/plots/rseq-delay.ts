/**
 * Why rseq_test waits between migrations: the timed simulation of the rseq model's stress
 * variants (v5.14, the bug present), swept over the delay between migrations. For each delay:
 * the share of migrations after which KVM_RUN hands user space a stale rseq cpu_id (the bug
 * is hit), the share of those hits that the next migration heals before any check sees them
 * (a false pass), and main()'s throughput (completed checks per microsecond, as a fraction of an
 * undisturbed main()). The delays at which main() completes no more than one KVM_RUN per two
 * migrations, where the test's sanity check would fail the run, are shaded. Measured by
 * `simulate` with the step durations of src/spec/models/rseq/timing.ts, never invented.
 */

import { rseqDurations, type StressRun, stressObserver } from '../spec/models/rseq/timing.ts';
import type { ControlValues, PlotDef, Simulate } from './types.ts';

/** Delays swept, in microseconds (the slider's value is added if it is not among them). */
const SWEEP_US = [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 10];
/** Migrations per simulated run; a point's migrations are split into runs of this many. */
const PER_RUN = 40;

const SERIES = [
  'migrations that hit the bug',
  'migrations after which a check fails',
  'hits healed before any check',
  "main()'s throughput",
] as const;
const COLORS = ['#f08c00', '#c92a2a', '#7048e8', '#2b8a3e'];

export interface RseqDelayPoint {
  readonly delayUs: number;
  readonly migrations: number;
  readonly hits: number;
  /** Hits whose TIF_NOTIFY_RESUME came from the schedule() after an external-interrupt exit. */
  readonly viaIrqExit: number;
  /** Hits by the direct route: TIF_NOTIFY_RESUME already set when KVM first looked. */
  readonly direct: number;
  readonly caught: number;
  readonly missed: number;
  readonly kvmRuns: number;
  readonly ns: number;
  /** hits / migrations */
  readonly hitRate: number;
  /** caught / migrations: the chance that the test fails at a given migration */
  readonly detectRate: number;
  /** missed / hits (0 when there were no hits) */
  readonly missedShare: number;
  /** KVM_RUNs (completed checks) per migration: the sanity check wants more than 0.5. */
  readonly kvmRunsPerMigration: number;
  /** Completed checks per microsecond, relative to main() with no migration to wait for. */
  readonly throughput: number;
}

export interface RseqDelayData {
  readonly variant: string;
  readonly seed: number;
  readonly migrations: number;
  readonly delayUs: number;
  /** main()'s checks per microsecond when nothing migrates it (the throughput's 100%). */
  readonly undisturbedPerUs: number;
  readonly points: readonly RseqDelayPoint[];
}

function measurePoint(simulate: Simulate, variant: string, seed: number, migrations: number, delayUs: number) {
  const runs = Math.max(1, Math.round(migrations / PER_RUN));
  const obs = stressObserver({ migrations: PER_RUN });
  const each: StressRun[] = [];
  simulate({
    variant,
    memoryModel: 'sc',
    // One more migration than counted, so that the run ends at a migration, not at the thread's end.
    params: { migrations: PER_RUN + 1 },
    seed,
    runs,
    maxSteps: 1_000_000,
    duration: rseqDurations(delayUs * 1000),
    stopWhen: obs.stopWhen,
    onRun: (r) => each.push(obs.take(r)),
  });
  const sum = (k: keyof StressRun) => each.reduce((a, r) => a + r[k], 0);
  return {
    migrations: sum('migrations'),
    hits: sum('hits'),
    viaIrqExit: sum('viaIrqExit'),
    direct: sum('direct'),
    caught: sum('caught'),
    missed: sum('missed'),
    kvmRuns: sum('kvmRuns'),
    ns: sum('ns'),
  };
}

/**
 * main() alone: one migration, after which the migration thread is done. The checks completed
 * between the 100th and the 400th, per microsecond (two runs with the same seed share their
 * beginning).
 */
function measureUndisturbed(simulate: Simulate, variant: string, seed: number): number {
  const timeAt = (checks: number): number => {
    const obs = stressObserver({ checks });
    let time = 0;
    simulate({
      variant,
      memoryModel: 'sc',
      params: { migrations: 1 },
      seed,
      runs: 1,
      maxSteps: 1_000_000,
      duration: rseqDurations(0),
      stopWhen: obs.stopWhen,
      onRun: (r) => {
        time = r.time;
      },
    });
    return time;
  };
  return (300 * 1000) / (timeAt(400) - timeAt(100));
}

export const rseqDelay: PlotDef<RseqDelayData> = {
  name: 'rseq-delay',
  model: 'rseq',
  title: 'What the delay between migrations buys rseq_test',
  description:
    'Timed simulation of rseq_test on v5.14 (the bug present), per delay between migrations: the share of ' +
    'migrations after which KVM_RUN returns a stale rseq cpu_id to user space, the share of those hits that the ' +
    "next migration heals before any check sees them, and main()'s throughput as a fraction of main() with nothing " +
    'migrating it. Shaded: delays at which main() completes at most one KVM_RUN per two migrations, so that the ' +
    "test's sanity check fails the run.",
  controls: [
    {
      kind: 'select',
      name: 'variant',
      label: 'The test',
      options: [
        { value: 'selftest-stress', label: 'getcpu() system call (rseq_test since 2022)' },
        { value: 'selftest-2021-stress', label: 'sched_getcpu() in the vDSO (rseq_test in 2021)' },
      ],
      default: 'selftest-stress',
    },
    {
      kind: 'range',
      name: 'delay',
      label: 'Delay between migrations (ns)',
      min: 0,
      max: 10000,
      step: 250,
      default: 1000,
    },
    { kind: 'range', name: 'migrations', label: 'Migrations per delay', min: 200, max: 4000, step: 200, default: 400 },
    { kind: 'number', name: 'seed', label: 'Seed', min: 1, max: 999_999, step: 1, default: 1 },
  ],
  measure(simulate, values: ControlValues): RseqDelayData {
    const variant = String(values.variant);
    const seed = Number(values.seed);
    const migrations = Number(values.migrations);
    const delayUs = Number(values.delay) / 1000;
    const undisturbedPerUs = measureUndisturbed(simulate, variant, seed);
    const delays = [...new Set([...SWEEP_US, delayUs])].sort((a, b) => a - b);
    const points = delays.map((d): RseqDelayPoint => {
      const p = measurePoint(simulate, variant, seed, migrations, d);
      const perUs = p.ns > 0 ? (p.kvmRuns * 1000) / p.ns : 0;
      return {
        delayUs: d,
        ...p,
        hitRate: p.migrations ? p.hits / p.migrations : 0,
        detectRate: p.migrations ? p.caught / p.migrations : 0,
        missedShare: p.hits ? p.missed / p.hits : 0,
        kvmRunsPerMigration: p.migrations ? p.kvmRuns / p.migrations : 0,
        throughput: undisturbedPerUs > 0 ? perUs / undisturbedPerUs : 0,
      };
    });
    return { variant, seed, migrations, delayUs, undisturbedPerUs, points };
  },
  summary(data) {
    const pct = (x: number) => `${Math.round(100 * x)}%`;
    const at = data.points.find((p) => p.delayUs === data.delayUs) as RseqDelayPoint;
    const zero = data.points[0] as RseqDelayPoint;
    const routes = (p: RseqDelayPoint) =>
      p.hits ? ` (${pct(p.viaIrqExit / p.hits)} of the hits after the reschedule IPI exited the guest)` : '';
    const say = (p: RseqDelayPoint) =>
      `${pct(p.hitRate)} of migrations hit the bug${routes(p)} and ${pct(p.detectRate)} end in a failed check ` +
      `(${pct(p.missedShare)} of the hits are healed unseen); main() completes ${p.kvmRunsPerMigration.toFixed(2)} ` +
      `KVM_RUNs per migration, ${pct(p.throughput)} of its undisturbed rate`;
    const test =
      data.variant === 'selftest-2021-stress'
        ? 'rseq_test as in 2021 (vDSO sched_getcpu())'
        : 'rseq_test (getcpu() system call)';
    return (
      `${test} on v5.14, ${data.migrations.toLocaleString('en')} simulated migrations per delay, seed ${data.seed}. ` +
      `At ${data.delayUs} µs, ${say(at)}. With no delay, ${say(zero)}.`
    );
  },
  spec(Plot, data) {
    // The x axis is in nanoseconds, the slider's unit (the data and the summary are in µs).
    const ns = (us: number) => Math.round(us * 1000);
    const rows = data.points.flatMap((p) => [
      { delay: ns(p.delayUs), series: SERIES[0], value: p.hitRate },
      { delay: ns(p.delayUs), series: SERIES[1], value: p.detectRate },
      { delay: ns(p.delayUs), series: SERIES[2], value: p.missedShare },
      { delay: ns(p.delayUs), series: SERIES[3], value: p.throughput },
    ]);
    const at = data.points.find((p) => p.delayUs === data.delayUs) as RseqDelayPoint;
    const marked = rows.filter((r) => r.delay === ns(data.delayUs));
    const max = Math.max(...data.points.map((p) => p.delayUs));
    // Shade the delays up to where main() first completes more than one KVM_RUN per two
    // migrations (interpolated between the two swept delays around the crossing).
    const firstOk = data.points.findIndex((p) => p.kvmRunsPerMigration > 0.5);
    let edge = 0;
    if (firstOk > 0) {
      const a = data.points[firstOk - 1] as RseqDelayPoint;
      const b = data.points[firstOk] as RseqDelayPoint;
      edge =
        a.delayUs +
        ((0.5 - a.kvmRunsPerMigration) / (b.kvmRunsPerMigration - a.kvmRunsPerMigration)) * (b.delayUs - a.delayUs);
    } else if (firstOk < 0) edge = max;
    const band = edge > 0 ? [{ x1: 0, x2: ns(edge) }] : [];
    const pct = (x: number) => `${Math.round(100 * x)}%`;
    return {
      width: 620,
      height: 380,
      marginLeft: 48,
      marginRight: 24,
      marginBottom: 44,
      style: { background: 'transparent', fontSize: '13px' },
      ariaLabel: 'rseq_test on v5.14: outcomes against the delay between migrations',
      ariaDescription:
        `At ${data.delayUs} µs: ${pct(at.hitRate)} of migrations hit the bug, ${pct(at.detectRate)} end in a failed ` +
        `check, ${pct(at.missedShare)} of hits go unseen, main() runs at ${pct(at.throughput)} of its undisturbed rate. ` +
        `The test's sanity check fails below about ${edge.toFixed(2)} µs.`,
      x: {
        type: 'sqrt',
        label: 'delay between migrations (ns, square-root scale) →',
        labelAnchor: 'center',
        labelOffset: 38,
        domain: [0, ns(max)],
        ticks: [0, 250, 500, 1000, 2000, 4000, 6000, 8000, 10000].filter((t) => t <= ns(max)),
        tickFormat: (t: number) => t.toLocaleString('en'),
        grid: true,
      },
      y: { label: '↑ share', domain: [0, 1], tickFormat: '.0%', grid: true },
      color: { domain: [...SERIES], range: COLORS, legend: true },
      marks: [
        Plot.rectX(band, { x1: 'x1', x2: 'x2', y1: 0, y2: 1, fill: 'currentColor', fillOpacity: 0.1 }),
        Plot.text(band, {
          x: 'x2',
          y: 1,
          text: () => '← sanity check fails',
          textAnchor: 'start',
          dx: 4,
          dy: 8,
          fill: 'currentColor',
        }),
        Plot.ruleY([0]),
        Plot.ruleX([ns(data.delayUs)], { stroke: 'currentColor', strokeDasharray: '3,3' }),
        Plot.line(rows, { x: 'delay', y: 'value', stroke: 'series', strokeWidth: 2 }),
        Plot.dot(marked, { x: 'delay', y: 'value', fill: 'series', r: 4 }),
      ],
    };
  },
};
