/**
 * How often does a blind stress test hit the SB outcome (both CPUs read 0)? Random runs of the
 * sb model under the uniform scheduler, one line per memory model: the running fraction of runs
 * that end with r0 = r1 = 0, against the number of runs so far. Measured by `simulate`, never
 * invented: the same seed gives the same curve in Node and in the browser.
 */
import type { ControlValues, PlotDef } from './types.ts';

const MEMORY_MODELS = ['sc', 'tso', 'relaxed'] as const;
/** Points per line: enough for a smooth curve, few enough to keep the SVG small. */
const POINTS = 60;

export interface SbOutcomeData {
  readonly variant: string;
  readonly seed: number;
  readonly runs: number;
  readonly points: readonly { readonly memoryModel: string; readonly runs: number; readonly rate: number }[];
  readonly totals: readonly { readonly memoryModel: string; readonly outcomes: number; readonly runs: number }[];
}

export const sbOutcomeRate: PlotDef<SbOutcomeData> = {
  name: 'sb-outcome-rate',
  model: 'sb',
  title: 'How often random runs end in the SB outcome',
  description:
    'The running fraction of random runs (uniform scheduler) of the chosen sb variant that end with both CPUs ' +
    'reading 0, one line per memory model, against the number of runs so far.',
  controls: [
    { kind: 'select', name: 'variant', label: 'Variant', options: 'variants', default: 'unfenced' },
    { kind: 'range', name: 'runs', label: 'Random runs', min: 100, max: 5000, step: 100, default: 1000 },
    { kind: 'number', name: 'seed', label: 'Seed', min: 1, max: 999_999, step: 1, default: 1 },
  ],
  measure(simulate, values: ControlValues): SbOutcomeData {
    const variant = String(values.variant);
    const runs = Number(values.runs);
    const seed = Number(values.seed);
    const every = Math.max(1, Math.floor(runs / POINTS));
    const points: { memoryModel: string; runs: number; rate: number }[] = [];
    const totals: { memoryModel: string; outcomes: number; runs: number }[] = [];
    for (const memoryModel of MEMORY_MODELS) {
      let done = 0;
      let outcomes = 0;
      simulate({
        variant,
        memoryModel,
        seed,
        runs,
        onRun: (r) => {
          done++;
          // The SB outcome: both loads missed the other CPU's store (r0 = r1 = 0).
          if (r.ghosts['0:r0'] === 0 && r.ghosts['1:r0'] === 0) outcomes++;
          if (done % every === 0 || done === runs) points.push({ memoryModel, runs: done, rate: outcomes / done });
        },
      });
      totals.push({ memoryModel, outcomes, runs });
    }
    return { variant, seed, runs, points, totals };
  },
  summary(data) {
    const parts = data.totals.map(
      (t) =>
        `${t.memoryModel} ${((100 * t.outcomes) / t.runs).toFixed(1)}% (${t.outcomes.toLocaleString('en')} of ${t.runs.toLocaleString('en')})`,
    );
    return `sb/${data.variant}, ${data.runs.toLocaleString('en')} runs per memory model, seed ${data.seed}: ${parts.join(', ')}.`;
  },
  spec(Plot, data) {
    const top = Math.max(0.1, ...data.points.map((p) => p.rate)) * 1.15;
    const last = data.totals.map((t) => ({
      memoryModel: t.memoryModel,
      runs: t.runs,
      rate: t.outcomes / t.runs,
      label: `${t.memoryModel} ${(100 * (t.outcomes / t.runs)).toFixed(1)}%`,
    }));
    return {
      width: 560,
      height: 330,
      marginRight: 108,
      marginBottom: 44,
      style: { background: 'transparent', fontSize: '13px' },
      ariaLabel: `SB outcome rate for sb/${data.variant}`,
      ariaDescription: `Fraction of ${data.runs} random runs (seed ${data.seed}) of sb/${data.variant} ending with r0 = r1 = 0: ${last.map((l) => l.label).join(', ')}.`,
      x: { label: 'random runs so far →', labelAnchor: 'center', labelOffset: 38, domain: [0, data.runs], grid: true },
      y: { label: '↑ runs ending with r0 = r1 = 0', domain: [0, Math.min(1, top)], tickFormat: '.0%', grid: true },
      color: { domain: [...MEMORY_MODELS], range: ['#2f7ed8', '#d9480f', '#2b8a3e'], legend: true },
      marks: [
        Plot.ruleY([0]),
        Plot.line(data.points, { x: 'runs', y: 'rate', stroke: 'memoryModel', strokeWidth: 2 }),
        Plot.text(last, { x: 'runs', y: 'rate', text: 'label', dx: 6, textAnchor: 'start', fill: 'currentColor' }),
      ],
    };
  },
};
