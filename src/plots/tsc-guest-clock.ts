/**
 * The guest clock against host time: every kvmclock reading of the vCPU in random runs of one
 * tsc variant (its two guest entries around one frequency change, possibly on two CPUs), next
 * to the same for today's code (v6.12, a rise, notified before). The host's reference clock
 * is the line y = 2t; a reading above it is a guest clock running ahead of the host, and a
 * second reading below the first is time going backwards. Measured by `simulate` (the uniform
 * random scheduler, seeded), never invented.
 */
import type { ControlValues, PlotDef } from './types.ts';

const REF_PER_TICK = 2;
const FIXED = 'today-rise';
const BROKEN = [
  { value: 'patch-rise-guest', label: 'the 2009 patch, a rise' },
  { value: 'patch-fall-guest', label: 'the 2009 patch, a fall' },
  { value: 'today-wrong-direction', label: 'v6.12 notified after a rise (mutation)' },
  { value: 'today-no-ping', label: 'v6.12 without the ping (mutation)' },
  { value: 'today-request-before-store', label: 'v6.12 request before store (mutation)' },
] as const;

export interface GuestReading {
  readonly series: string;
  readonly time: number;
  readonly value: number;
  /** Which of the vCPU's two guest entries. */
  readonly read: number;
  readonly count: number;
}

export interface GuestClockData {
  readonly variant: string;
  readonly seed: number;
  readonly runs: number;
  readonly readings: readonly GuestReading[];
  readonly totals: readonly {
    readonly series: string;
    readonly reads: number;
    readonly ahead: number;
    readonly backwards: number;
  }[];
}

export const tscGuestClock: PlotDef<GuestClockData> = {
  name: 'tsc-guest-clock',
  model: 'tsc',
  title: 'The guest clock against host time',
  description:
    'Each kvmclock reading of the vCPU in random runs, as host time (x) and guest clock (y), for the chosen ' +
    'variant and for today’s code; the line is the host reference clock. Points above it run ahead.',
  controls: [
    {
      kind: 'select',
      name: 'variant',
      label: 'Variant',
      options: BROKEN.map((b) => ({ ...b })),
      default: 'patch-rise-guest',
    },
    { kind: 'range', name: 'runs', label: 'Random runs', min: 50, max: 2000, step: 50, default: 400 },
    {
      kind: 'range',
      name: 'tick',
      label: 'Kernel steps per tick of host time',
      min: 1,
      max: 200,
      step: 1,
      default: 40,
    },
    { kind: 'number', name: 'seed', label: 'Seed', min: 1, max: 999_999, step: 1, default: 1 },
  ],
  measure(simulate, values: ControlValues): GuestClockData {
    const variant = String(values.variant);
    const runs = Number(values.runs);
    const seed = Number(values.seed);
    const tickLength = Number(values.tick);
    const counts = new Map<string, GuestReading>();
    const totals: GuestClockData['totals'][number][] = [];
    for (const v of [variant, FIXED]) {
      const series = v === FIXED ? `${FIXED} (v6.12)` : variant;
      let reads = 0;
      let ahead = 0;
      let backwards = 0;
      simulate({
        variant: v,
        memoryModel: 'sc',
        seed,
        runs,
        maxSteps: 5000,
        // Timed scheduling: a tick of host time lasts `tickLength` kernel steps (each step takes
        // 1 to 2 units, drawn by the seeded generator), so the kernel's steps spread across it.
        duration: (step, rng) => (step.actor === 'ticker' ? tickLength : 1 + rng.int(2)),
        onRun: (r) => {
          const seen: number[] = [];
          for (const k of [1, 2]) {
            const value = r.ghosts[`read${k}.value`] ?? -1;
            const time = r.ghosts[`read${k}.time`] ?? -1;
            if (value < 0 || time < 0) continue;
            reads++;
            if (value > REF_PER_TICK * time) ahead++;
            if (seen.some((x) => value < x)) backwards++;
            seen.push(value);
            const key = `${series}/${k}/${time}/${value}`;
            const old = counts.get(key);
            counts.set(key, { series, time, value, read: k, count: (old?.count ?? 0) + 1 });
          }
        },
      });
      totals.push({ series, reads, ahead, backwards });
    }
    return { variant, seed, runs, readings: [...counts.values()], totals };
  },
  summary(data) {
    const parts = data.totals.map(
      (t) =>
        `${t.series}: ${t.reads.toLocaleString('en')} readings, ${t.ahead.toLocaleString('en')} ahead of the host, ` +
        `${t.backwards.toLocaleString('en')} backwards`,
    );
    return `${data.runs.toLocaleString('en')} random runs each, seed ${data.seed}. ${parts.join('; ')}.`;
  },
  spec(Plot, data) {
    const maxT = Math.max(2, ...data.readings.map((r) => r.time));
    const maxV = Math.max(REF_PER_TICK * maxT, ...data.readings.map((r) => r.value));
    const series = data.totals.map((t) => t.series);
    return {
      width: 560,
      height: 340,
      marginBottom: 44,
      style: { background: 'transparent', fontSize: '13px' },
      ariaLabel: `Guest clock readings against host time for tsc/${data.variant} and today's code`,
      ariaDescription: data.totals
        .map((t) => `${t.series}: ${t.reads} readings, ${t.ahead} ahead of the host, ${t.backwards} backwards`)
        .join('; '),
      x: { label: 'host time (ticks) →', domain: [0, maxT], ticks: maxT, labelOffset: 36 },
      y: { label: '↑ guest clock (reference ticks)', domain: [0, maxV + 1], grid: true },
      r: { range: [3, 12] },
      color: { domain: series, range: ['#c92a2a', '#2b8a3e'], legend: true },
      marks: [
        Plot.line(
          [
            { time: 0, value: 0 },
            { time: maxT, value: REF_PER_TICK * maxT },
          ],
          { x: 'time', y: 'value', stroke: 'currentColor', strokeDasharray: '4 3' },
        ),
        ...series.map((name, k) =>
          Plot.dot(
            data.readings.filter((d) => d.series === name),
            {
              x: 'time',
              y: 'value',
              r: 'count',
              fill: 'series',
              fillOpacity: 0.6,
              // The two series side by side at each tick.
              dx: k === 0 ? -6 : 6,
              title: (d: GuestReading) =>
                `${d.series}, read ${d.read}: t=${d.time}, guest ${d.value} (${d.count} runs)`,
            },
          ),
        ),
      ],
    };
  },
};
