/**
 * Stress testing against exhaustive checking, for the lost kick of the `no-vcpu-barrier`
 * variant under x86-TSO. Random runs measure how often one run hits the bad interleaving:
 * with a uniform random scheduler, and with a timed one in which the guest runs for a while
 * between exits and the sender arrives at a random moment. The chance that n runs find the bug
 * at least once is then 1 − (1 − p)^n; the exhaustive check finds the bug with certainty. Both
 * rates are properties of the model and its scheduler, not of any machine (no hardware rate is
 * shown: we have no source for one that applies to this code).
 */
import type { ControlValues, PlotDef } from './types.ts';

const VARIANT = 'no-vcpu-barrier';

export interface StressData {
  readonly runs: number;
  readonly seed: number;
  readonly guestNs: number;
  readonly uniform: { readonly hits: number; readonly runs: number };
  readonly timed: { readonly hits: number; readonly runs: number };
  readonly exhaustive: { readonly states: number; readonly ms: number; readonly found: boolean };
  readonly curves: readonly { readonly scheduler: string; readonly n: number; readonly p: number }[];
}

const NS = [1, 3, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8] as const;

export const requestsStress: PlotDef<StressData> = {
  name: 'requests-stress',
  model: 'requests',
  title: 'Finding the lost kick: random runs against the exhaustive check',
  description:
    'Chance that n random runs of the no-vcpu-barrier variant (TSO) hit the lost kick at least once, from the ' +
    'measured per-run rate of a uniform and of a timed scheduler of the model; the exhaustive check finds it every ' +
    'time.',
  controls: [
    {
      kind: 'range',
      name: 'guestNs',
      label: 'Time in the guest between exits (ns)',
      min: 100,
      max: 5000,
      step: 100,
      default: 1000,
    },
    {
      kind: 'range',
      name: 'runs',
      label: 'Random runs per scheduler',
      min: 1000,
      max: 50_000,
      step: 1000,
      default: 10_000,
    },
    { kind: 'number', name: 'seed', label: 'Seed', min: 1, max: 999_999, step: 1, default: 1 },
  ],
  measure(simulate, values: ControlValues, engine): StressData {
    const runs = Number(values.runs);
    const seed = Number(values.seed);
    const guestNs = Number(values.guestNs);
    const uniform = simulate({ variant: VARIANT, memoryModel: 'tso', seed, runs });
    // Timed: 1 time unit ≈ 1 ns. Host steps take about a nanosecond, a store-buffer drain
    // tens, the guest runs guestNs between exits, the sender arrives at a random moment.
    const timed = simulate({
      variant: VARIANT,
      memoryModel: 'tso',
      params: { timer: 1 },
      seed,
      runs,
      maxSteps: 400,
      start: (actor, rng) => (actor === 'sender' ? rng.next() * 4 * guestNs : 0),
      duration: (step, rng) => {
        if (step.text === 'VM-entry') return 1 + rng.exp(guestNs);
        if (step.kind === -1) return 1 + rng.exp(20);
        return 1 + rng.exp(1);
      },
      stopWhen: (v) => v.thread('sender').done && !v.thread('vcpu').inGuest,
    });
    const ex = engine.check(engine.model, { variant: VARIANT, memoryModel: 'tso' });
    const hits = (s: typeof uniform) => s.violations['no-lost-request'] ?? 0;
    const rates = [
      { scheduler: 'uniform random scheduler', p: hits(uniform) / runs },
      { scheduler: `timed, ${guestNs} ns in the guest`, p: hits(timed) / runs },
    ];
    const curves = rates.flatMap(({ scheduler, p }) => NS.map((n) => ({ scheduler, n, p: 1 - (1 - p) ** n })));
    return {
      runs,
      seed,
      guestNs,
      uniform: { hits: hits(uniform), runs },
      timed: { hits: hits(timed), runs },
      exhaustive: { states: ex.states, ms: ex.ms, found: ex.verdict === 'violated' },
      curves,
    };
  },
  summary(d) {
    const pct = (h: number, n: number) => `${h} of ${n.toLocaleString('en')} runs (${((100 * h) / n).toFixed(3)}%)`;
    return (
      `Uniform scheduler: ${pct(d.uniform.hits, d.uniform.runs)}; timed with ${d.guestNs} ns in the guest: ` +
      `${pct(d.timed.hits, d.timed.runs)}. ` +
      `The exhaustive check ${d.exhaustive.found ? 'finds it every time' : 'does not find it'}, after ` +
      `${d.exhaustive.states.toLocaleString('en')} states (seed ${d.seed}).`
    );
  },
  spec(Plot, d) {
    const domain = [...new Set(d.curves.map((c) => c.scheduler))];
    return {
      width: 680,
      height: 320,
      marginRight: 20,
      style: { background: 'transparent', fontSize: '12px' },
      ariaLabel: 'Chance of finding the lost kick against the number of random runs',
      ariaDescription: requestsStress.summary(d, {}),
      x: { type: 'log', label: 'random runs →', domain: [1, 1e8] },
      y: { label: '↑ chance of at least one hit', domain: [0, 1], percent: true, grid: true },
      color: {
        domain: [...domain, 'exhaustive check'],
        range: ['#2f7ed8', '#d9480f', '#868e96', '#2b8a3e'],
        legend: true,
      },
      marks: [
        Plot.ruleY([1], { stroke: '#2b8a3e', strokeWidth: 3 }),
        Plot.text([{ x: 1, y: 1 }], {
          x: 'x',
          y: 'y',
          text: () => `exhaustive check: certain, ${d.exhaustive.states.toLocaleString('en')} states`,
          dy: 10,
          textAnchor: 'start',
          fill: 'currentColor',
        }),
        Plot.line(d.curves, { x: 'n', y: 'p', stroke: 'scheduler', strokeWidth: 2 }),
      ],
    };
  },
};
