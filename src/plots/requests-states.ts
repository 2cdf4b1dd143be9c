/**
 * How the state space grows with the number of vCPUs, with and without partial-order
 * reduction: exhaustive checks of the correct x86 protocol, counting distinct states.
 */
import type { ControlValues, PlotDef } from './types.ts';

/** Past this many states a point is reported as "over budget" rather than explored. */
const BUDGET = 400_000;

export interface StatesPoint {
  readonly vcpus: number;
  readonly reduction: string;
  readonly states: number;
  readonly ms: number;
  readonly complete: boolean;
}

export interface StatesData {
  readonly memoryModel: string;
  readonly requesters: number;
  readonly points: readonly StatesPoint[];
}

export const requestsStates: PlotDef<StatesData> = {
  name: 'requests-states',
  model: 'requests',
  title: 'States explored against the number of vCPUs',
  description:
    'Distinct states of an exhaustive check of the correct x86 protocol, against the number of vCPUs, with ' +
    'partial-order reduction and without it.',
  controls: [
    {
      kind: 'select',
      name: 'memoryModel',
      label: 'Memory model',
      options: [
        { value: 'sc', label: 'SC' },
        { value: 'tso', label: 'x86-TSO' },
      ],
      default: 'tso',
    },
    { kind: 'range', name: 'requesters', label: 'Senders', min: 1, max: 2, step: 1, default: 1 },
  ],
  measure(_simulate, values: ControlValues, engine): StatesData {
    const memoryModel = String(values.memoryModel) as 'sc' | 'tso';
    const requesters = Number(values.requesters);
    const points: StatesPoint[] = [];
    for (const vcpus of [1, 2]) {
      for (const reduction of [true, false]) {
        const r = engine.check(engine.model, {
          variant: 'correct-x86',
          memoryModel,
          params: { vcpus, requesters },
          reduction,
          liveness: false,
          maxStates: BUDGET,
        });
        points.push({
          vcpus,
          reduction: reduction ? 'with reduction' : 'without',
          states: r.states,
          ms: r.ms,
          complete: r.verdict !== 'inconclusive',
        });
      }
    }
    return { memoryModel, requesters, points };
  },
  summary(data) {
    const parts = data.points.map(
      (p) =>
        `${p.vcpus} vCPU${p.vcpus > 1 ? 's' : ''} ${p.reduction}: ${p.complete ? '' : 'over '}${p.states.toLocaleString('en')} states`,
    );
    return `correct-x86 under ${data.memoryModel.toUpperCase()}, ${data.requesters} sender(s): ${parts.join('; ')}.`;
  },
  spec(Plot, data) {
    return {
      width: 560,
      height: 280,
      style: { background: 'transparent', fontSize: '12px' },
      ariaLabel: 'Distinct states against vCPUs, with and without reduction',
      ariaDescription: requestsStates.summary(data, {}),
      fx: { label: 'vCPUs →' },
      x: { axis: null, domain: ['with reduction', 'without'] },
      y: { type: 'log', label: '↑ distinct states', grid: true },
      color: { domain: ['with reduction', 'without'], range: ['#2f7ed8', '#adb5bd'], legend: true },
      marks: [
        Plot.barY(data.points, { fx: 'vcpus', x: 'reduction', y: 'states', fill: 'reduction' }),
        Plot.text(data.points, {
          fx: 'vcpus',
          x: 'reduction',
          y: 'states',
          text: (p: StatesPoint) => `${p.complete ? '' : '>'}${p.states.toLocaleString('en')}`,
          dy: -8,
          fill: 'currentColor',
        }),
      ],
    };
  },
};
