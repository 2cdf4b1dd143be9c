/**
 * How often a device interrupt runs while RCU is not watching, per ordering of guest exit:
 * timed simulations of the nohz-rcu model (nohz_full variants, SC: the verdicts do not depend on the memory model), the device IRQ arriving at an
 * exponentially distributed time after the vCPU starts its pass, swept over the IRQ rate. With
 * the IRQ window inside the EQS (arm64 before 8cfe148a7136, or guest_state_exit_irqoff() after
 * the window), every IRQ that arrives while the guest runs is taken in the window with RCU not
 * watching; with the fixed orders, none is. Measured by `simulate`, never invented.
 */
import { nohzDurations } from '../spec/models/nohz-rcu/timing.ts';
import type { ControlValues, PlotDef } from './types.ts';

const RATES_PER_US = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5];
export const UNWATCHED_ORDERINGS = [
  { variant: 'arm64-1b3d546daf85', label: 'arm64 before 8cfe148a7136' },
  { variant: 'context-exit-after-window', label: 'context exit after the window (mistake)' },
  { variant: 'arm64-8cfe148a7136', label: 'arm64 since 8cfe148a7136' },
  { variant: 'x86-b2d2af7e5df3', label: 'x86 since b2d2af7e5df3' },
] as const;
const COLORS = ['#c92a2a', '#f08c00', '#2f7ed8', '#2b8a3e'];

export interface UnwatchedPoint {
  readonly ordering: string;
  readonly ratePerUs: number;
  readonly unwatched: number;
  readonly useAfterFree: number;
}

export interface UnwatchedData {
  readonly runs: number;
  readonly seed: number;
  readonly guestUs: number;
  readonly points: readonly UnwatchedPoint[];
}

export const nohzRcuUnwatched: PlotDef<UnwatchedData> = {
  name: 'nohz-rcu-unwatched',
  model: 'nohz-rcu',
  title: 'Device interrupts handled while RCU is not watching',
  description:
    'Share of timed simulated runs (nohz_full, sequential consistency) in which the device interrupt handler runs while RCU ' +
    'is not watching the CPU, against the device IRQ rate, one line per ordering of the guest exit.',
  controls: [
    { kind: 'range', name: 'runs', label: 'Simulated runs per point', min: 50, max: 2000, step: 50, default: 100 },
    { kind: 'range', name: 'guestUs', label: 'Guest run (µs)', min: 1, max: 50, step: 1, default: 10 },
    { kind: 'number', name: 'seed', label: 'Seed', min: 1, max: 999_999, step: 1, default: 1 },
  ],
  measure(simulate, values: ControlValues): UnwatchedData {
    const runs = Number(values.runs);
    const seed = Number(values.seed);
    const guestUs = Number(values.guestUs);
    const points: UnwatchedPoint[] = [];
    for (const { variant, label } of UNWATCHED_ORDERINGS) {
      for (const ratePerUs of RATES_PER_US) {
        let unwatched = 0;
        let useAfterFree = 0;
        simulate({
          variant,
          memoryModel: 'sc',
          seed,
          runs,
          duration: nohzDurations(guestUs),
          // The device raises its IRQ after an exponential delay; the updater and the tick start
          // anywhere in the first two guest runs' worth of time.
          start: (actor, rng) => {
            if (actor === 'device-IRQ-source') return -Math.log(1 - rng.next()) / ratePerUs;
            if (actor === 'updater' || actor === 'timer-tick-source') return rng.next() * 2 * guestUs;
            return 0;
          },
          onRun: (r) => {
            if (r.ghosts.device_irq_while_rcu_not_watching === 1) unwatched++;
            if (r.ghosts.use_after_free === 1) useAfterFree++;
          },
        });
        points.push({ ordering: label, ratePerUs, unwatched: unwatched / runs, useAfterFree: useAfterFree / runs });
      }
    }
    return { runs, seed, guestUs, points };
  },
  summary(data) {
    const at = (label: string) => data.points.find((p) => p.ordering === label && p.ratePerUs === 0.1);
    const old = at(UNWATCHED_ORDERINGS[0].label);
    const fixed = at(UNWATCHED_ORDERINGS[2].label);
    const pct = (x: number | undefined) => `${((x ?? 0) * 100).toFixed(1)}%`;
    return (
      `${data.runs} runs per point, seed ${data.seed}, guest runs ${data.guestUs} µs: at 0.1 IRQs/µs the device ` +
      `interrupt ran with RCU not watching in ${pct(old?.unwatched)} of runs before 8cfe148a7136 ` +
      `(a use-after-free in ${pct(old?.useAfterFree)}) and in ${pct(fixed?.unwatched)} since.`
    );
  },
  spec(Plot, data) {
    return {
      width: 680,
      height: 320,
      style: { background: 'transparent', fontSize: '12px' },
      ariaLabel: 'Share of runs with the device IRQ handled while RCU is not watching, against the IRQ rate',
      ariaDescription: nohzRcuUnwatched.summary(data, {}),
      x: { type: 'log', label: 'device IRQ rate (per µs) →' },
      y: { label: '↑ runs with the IRQ handled while RCU is not watching', domain: [0, 1], grid: true, percent: true },
      color: { domain: UNWATCHED_ORDERINGS.map((o) => o.label), range: COLORS, legend: true },
      marks: [
        Plot.ruleY([0]),
        Plot.line(data.points, { x: 'ratePerUs', y: 'unwatched', stroke: 'ordering', strokeWidth: 2 }),
        Plot.dot(data.points, { x: 'ratePerUs', y: 'unwatched', fill: 'ordering', r: 3 }),
      ],
    };
  },
};
