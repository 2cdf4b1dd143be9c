/**
 * How often each race of the 2009 code shows up in random runs, against how often the
 * frequency changes. Each run has one frequency change (two for race 1), and the thread that
 * races with it (the reference reader for race 3, the hotplug thread for race 2) starts at a
 * moment drawn uniformly from a window of the
 * chosen length: a longer window is a change that is rarer relative to that thread's work.
 * For race 1 the racing thread is the cpufreq driver itself: its WARN is on its own path.
 * Timed scheduling (every step takes 0.5 to 1.5 units, seeded; a kworker's step the chosen
 * factor times as long, for work that waits to be scheduled), one line per variant, the
 * patch's line beside the 2009 code's for races 3 and 2. A run breaks a property when it
 * breaks a safety property (an invariant or assertion), or, for race 2, a liveness one: it
 * quiesces with a CPU still unsynchronised, the run the exhaustive check reports as a
 * violation of eventually-resynchronised (simulate()'s `liveness`). Measured by `simulate`,
 * never invented.
 */
import type { ControlValues, PlotDef } from './types.ts';

const SERIES = [
  { variant: 'before-ref-read', label: 'race 3, 2009 code', racer: 'ref-reader' },
  { variant: 'patch-ref-read', label: 'race 3, the patch', racer: 'ref-reader' },
  { variant: 'before-rapid', label: 'race 1, 2009 code', racer: 'cpufreq' },
  { variant: 'before-hotplug-shared', label: 'race 2, 2009 code (a CPU left unsynchronised)', racer: 'hotplug' },
  { variant: 'patch-hotplug-shared', label: 'race 2, the patch', racer: 'hotplug' },
] as const;
/** Window lengths (in steps of the other threads) in which the racing thread starts. */
const WINDOWS = [0, 5, 10, 20, 40, 80, 160] as const;

export interface RaceRateData {
  readonly seed: number;
  readonly runs: number;
  /** How many times longer a kworker's step takes than another thread's. */
  readonly kworker: number;
  readonly points: readonly { readonly series: string; readonly window: number; readonly rate: number }[];
}

export const tscRaceRate: PlotDef<RaceRateData> = {
  name: 'tsc-race-rate',
  model: 'tsc',
  title: 'How often each race shows up',
  description:
    'The fraction of random runs that break a property, one line per race, against the length of the window ' +
    'in which the racing thread starts (a longer window: a frequency change that is rarer relative to that work). ' +
    'For race 2 the property is a liveness one: the run ends with a CPU never resynchronised.',
  controls: [
    { kind: 'range', name: 'runs', label: 'Random runs per point', min: 50, max: 1000, step: 50, default: 200 },
    {
      kind: 'range',
      name: 'kworker',
      label: 'How much longer a kworker’s step takes (deferred work)',
      min: 1,
      max: 8,
      step: 1,
      default: 4,
    },
    { kind: 'number', name: 'seed', label: 'Seed', min: 1, max: 999_999, step: 1, default: 1 },
  ],
  measure(simulate, values: ControlValues): RaceRateData {
    const runs = Number(values.runs);
    const seed = Number(values.seed);
    const kworker = Number(values.kworker);
    const points: { series: string; window: number; rate: number }[] = [];
    const sum = (counts: Readonly<Record<string, number>>): number => Object.values(counts).reduce((a, b) => a + b, 0);
    for (const s of SERIES) {
      for (const window of WINDOWS) {
        const summary = simulate({
          variant: s.variant,
          memoryModel: 'sc',
          seed,
          runs,
          duration: (step, rng) => (step.actor.startsWith('kworker/') ? kworker : 1) * (0.5 + rng.next()),
          start: (actor, rng) => (actor === s.racer ? rng.next() * window : 0),
        });
        // A run stops at its first safety violation, and only a run that quiesces is judged
        // for liveness, so no run is in both counts.
        const broken = sum(summary.violations) + sum(summary.liveness);
        points.push({ series: s.label, window, rate: broken / summary.runs });
      }
    }
    return { seed, runs, kworker, points };
  },
  summary(data) {
    const parts = SERIES.map((s) => {
      const rates = data.points.filter((p) => p.series === s.label).map((p) => `${(100 * p.rate).toFixed(1)}%`);
      return `${s.label}: ${rates.join(', ')}`;
    });
    return `${data.runs.toLocaleString('en')} runs per point, seed ${data.seed}, kworker steps ${data.kworker}× longer, windows ${WINDOWS.join(', ')}. ${parts.join('; ')}.`;
  },
  spec(Plot, data) {
    const labels = SERIES.map((s) => s.label);
    return {
      width: 560,
      height: 330,
      marginBottom: 44,
      style: { background: 'transparent', fontSize: '13px' },
      ariaLabel: 'How often each race of the 2009 TSC code breaks a property in random runs',
      ariaDescription: labels
        .map(
          (l) =>
            `${l}: ${data.points
              .filter((p) => p.series === l)
              .map((p) => `${(100 * p.rate).toFixed(1)}% at ${p.window}`)
              .join(', ')}`,
        )
        .join('; '),
      x: { label: 'window in which the racing thread starts →', labelOffset: 38, grid: true },
      y: {
        label: '↑ runs that break a property (race 2: end with a CPU unsynchronised)',
        domain: [0, 1],
        tickFormat: '.0%',
        grid: true,
      },
      color: { domain: labels, range: ['#c92a2a', '#2b8a3e', '#d9480f', '#2f7ed8', '#7048e8'], legend: true },
      marks: [
        Plot.ruleY([0]),
        Plot.line(data.points, { x: 'window', y: 'rate', stroke: 'series', strokeWidth: 2 }),
        Plot.dot(data.points, { x: 'window', y: 'rate', fill: 'series', r: 3 }),
      ],
    };
  },
};
