/**
 * Guest time as the tick measures it, per ordering of guest exit: timed simulations of the
 * nohz-rcu model with tick-based accounting (no context tracking on the vCPU's CPU). One tick
 * per run at a uniformly random phase of a tick period; the tick handler charges the tick to
 * the guest if PF_VCPU is set when it runs. Tick sampling is then an unbiased estimate of guest
 * time: guest ticks × period ≈ the time the guest really ran, when the tick that hits the guest
 * is handled with PF_VCPU still set. x86 between 87fa7f3e98a1 and 160457140187 cleared PF_VCPU
 * before the IRQ window, so the estimate is zero whatever the guest does (bugzilla 209831).
 * Measured by `simulate`, never invented.
 */
import { nohzDurations } from '../spec/models/nohz-rcu/timing.ts';
import type { ControlValues, PlotDef } from './types.ts';

/** Guest run lengths swept, as a share of the tick period. */
const GUEST_SHARES = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85];
export const ACCOUNTING_ORDERINGS = [
  { variant: 'x86-87fa7f3e98a1', label: 'x86 87fa7f3e98a1 (v5.9–v5.12)' },
  { variant: 'x86-160457140187', label: 'x86 160457140187 (v5.13–v5.16)' },
  { variant: 'x86-b2d2af7e5df3-no-nohz', label: 'x86 since b2d2af7e5df3' },
  { variant: 'arm64-1b3d546daf85-no-nohz', label: 'arm64 before 8cfe148a7136' },
  { variant: 'arm64-8cfe148a7136-no-nohz', label: 'arm64 since 8cfe148a7136' },
  { variant: 'arm64-no-isb', label: 'arm64 without isb() (mistake)' },
] as const;
const COLORS = ['#c92a2a', '#2f7ed8', '#1c7ed6', '#f08c00', '#2b8a3e', '#7048e8'];

export interface AccountingPoint {
  readonly ordering: string;
  /** Guest run per pass, in µs. */
  readonly trueGuestUs: number;
  /** Ticks charged to the guest × tick period / runs. */
  readonly measuredGuestUs: number;
}

export interface AccountingData {
  readonly runs: number;
  readonly seed: number;
  readonly tickUs: number;
  readonly points: readonly AccountingPoint[];
}

export const nohzRcuAccounting: PlotDef<AccountingData> = {
  name: 'nohz-rcu-accounting',
  model: 'nohz-rcu',
  title: 'Guest time measured by ticks against true guest time',
  description:
    'Timed simulated runs with tick-based accounting: guest time estimated from the ticks charged to the guest ' +
    '(ticks × period per run) against the time the guest really ran, one line per ordering of the guest exit.',
  controls: [
    { kind: 'range', name: 'runs', label: 'Simulated runs per point', min: 50, max: 2000, step: 50, default: 200 },
    { kind: 'number', name: 'seed', label: 'Seed', min: 1, max: 999_999, step: 1, default: 1 },
  ],
  measure(simulate, values: ControlValues): AccountingData {
    const runs = Number(values.runs);
    const seed = Number(values.seed);
    const tickUs = 10;
    const points: AccountingPoint[] = [];
    for (const { variant, label } of ACCOUNTING_ORDERINGS) {
      for (const share of GUEST_SHARES) {
        const guestUs = share * tickUs;
        let guestTicks = 0;
        simulate({
          variant,
          memoryModel: 'sc',
          seed,
          runs,
          duration: nohzDurations(guestUs),
          start: (actor, rng) => {
            if (actor === 'timer-tick-source') return rng.next() * tickUs;
            // The device IRQ and the updater stay out of the way: after the tick period.
            if (actor === 'device-IRQ-source' || actor === 'updater') return 2 * tickUs;
            return 0;
          },
          onRun: (r) => {
            if (r.ghosts.tick_charged === 1) guestTicks++;
          },
        });
        points.push({ ordering: label, trueGuestUs: guestUs, measuredGuestUs: (guestTicks * tickUs) / runs });
      }
    }
    return { runs, seed, tickUs, points };
  },
  summary(data) {
    const last = GUEST_SHARES[GUEST_SHARES.length - 1] as number;
    const at = (label: string) =>
      data.points.find((p) => p.ordering === label && p.trueGuestUs === last * data.tickUs)?.measuredGuestUs ?? 0;
    const us = (x: number) => `${x.toFixed(1)} µs`;
    return (
      `${data.runs} runs per point, seed ${data.seed}, a ${data.tickUs} µs tick: for ${us(last * data.tickUs)} of ` +
      `guest time per pass the ticks measure ${us(at(ACCOUNTING_ORDERINGS[0].label))} on x86 after 87fa7f3e98a1, ` +
      `${us(at(ACCOUNTING_ORDERINGS[1].label))} after 160457140187 and ` +
      `${us(at(ACCOUNTING_ORDERINGS[4].label))} on arm64 since 8cfe148a7136.`
    );
  },
  spec(Plot, data) {
    const max = data.tickUs;
    return {
      width: 680,
      height: 340,
      style: { background: 'transparent', fontSize: '12px' },
      ariaLabel: 'Guest time measured by ticks against true guest time, per ordering',
      ariaDescription: nohzRcuAccounting.summary(data, {}),
      x: { label: 'true guest time per pass (µs) →', domain: [0, max] },
      y: { label: '↑ guest time measured by ticks (µs)', domain: [0, max], grid: true },
      color: { domain: ACCOUNTING_ORDERINGS.map((o) => o.label), range: COLORS, legend: true },
      marks: [
        Plot.line(
          [
            { x: 0, y: 0 },
            { x: max, y: max },
          ],
          { x: 'x', y: 'y', stroke: 'currentColor', strokeDasharray: '3,3', strokeOpacity: 0.5 },
        ),
        Plot.line(data.points, { x: 'trueGuestUs', y: 'measuredGuestUs', stroke: 'ordering', strokeWidth: 2 }),
        Plot.dot(data.points, { x: 'trueGuestUs', y: 'measuredGuestUs', fill: 'ordering', r: 3 }),
      ],
    };
  },
};
