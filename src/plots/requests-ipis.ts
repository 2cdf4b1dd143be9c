/**
 * IPIs per request with and without the EXITING_GUEST_MODE optimisation. Random runs of the
 * requests model (uniform scheduler, TSO) in which every sender makes its request of every vCPU
 * and kicks it: with the IN_GUEST_MODE→EXITING_GUEST_MODE cmpxchg only the first kicker of a
 * running vCPU sends an IPI; without it (Paolo Bonzini's 2017 observation that on arm64 the mode
 * check is only an optimisation) every kicker that sees IN_GUEST_MODE does.
 */
import type { ControlValues, PlotDef } from './types.ts';

const VCPUS = [1, 2, 3] as const;
const REQUESTERS = [1, 2, 3, 4] as const;
const VARIANTS = [
  { variant: 'correct-arm64', label: 'with EXITING_GUEST_MODE (cmpxchg)' },
  { variant: 'no-exiting-mode', label: 'without (smp_mb + READ_ONCE)' },
] as const;

export interface IpiPoint {
  readonly kick: string;
  readonly vcpus: number;
  readonly requesters: number;
  readonly ipisPerRequest: number;
}

export interface IpiData {
  readonly runs: number;
  readonly seed: number;
  readonly points: readonly IpiPoint[];
}

export const requestsIpis: PlotDef<IpiData> = {
  name: 'requests-ipis',
  model: 'requests',
  title: 'IPIs sent per request, with and without EXITING_GUEST_MODE',
  description:
    'Mean number of IPIs per request in random runs of the requests model (TSO, uniform scheduler), against the ' +
    'number of senders, one panel per number of vCPUs, for the kick with and without the EXITING_GUEST_MODE cmpxchg.',
  controls: [
    { kind: 'range', name: 'runs', label: 'Random runs per point', min: 20, max: 1000, step: 20, default: 100 },
    { kind: 'number', name: 'seed', label: 'Seed', min: 1, max: 999_999, step: 1, default: 1 },
  ],
  measure(simulate, values: ControlValues): IpiData {
    const runs = Number(values.runs);
    const seed = Number(values.seed);
    const points: IpiPoint[] = [];
    for (const { variant, label } of VARIANTS) {
      for (const vcpus of VCPUS) {
        for (const requesters of REQUESTERS) {
          const s = simulate({ variant, memoryModel: 'tso', params: { vcpus, requesters }, seed, runs });
          points.push({ kick: label, vcpus, requesters, ipisPerRequest: s.meanIpis / (vcpus * requesters) });
        }
      }
    }
    return { runs, seed, points };
  },
  summary(data) {
    const at = (kick: string) =>
      data.points.find((p) => p.kick === kick && p.vcpus === 1 && p.requesters === 4)?.ipisPerRequest ?? 0;
    const [a, b] = VARIANTS.map((v) => at(v.label));
    return (
      `${data.runs} runs per point, seed ${data.seed}: with one vCPU and four senders, ` +
      `${(a ?? 0).toFixed(2)} IPIs per request with EXITING_GUEST_MODE and ${(b ?? 0).toFixed(2)} without.`
    );
  },
  spec(Plot, data) {
    return {
      width: 680,
      height: 300,
      style: { background: 'transparent', fontSize: '12px' },
      ariaLabel: 'IPIs per request against senders, per vCPU count',
      ariaDescription: requestsIpis.summary(data, {}),
      fx: { label: 'vCPUs →' },
      x: { label: 'senders →', ticks: [...REQUESTERS] },
      y: { label: '↑ IPIs per request', grid: true },
      color: { domain: VARIANTS.map((v) => v.label), range: ['#2f7ed8', '#d9480f'], legend: true },
      marks: [
        Plot.ruleY([0]),
        Plot.line(data.points, { fx: 'vcpus', x: 'requesters', y: 'ipisPerRequest', stroke: 'kick', strokeWidth: 2 }),
        Plot.dot(data.points, { fx: 'vcpus', x: 'requesters', y: 'ipisPerRequest', fill: 'kick', r: 3 }),
      ],
    };
  },
};
