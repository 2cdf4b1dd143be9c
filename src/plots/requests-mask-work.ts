/**
 * Work done by kvm_make_vcpus_request_mask() walking every vCPU (before ae0946cd3601) versus
 * only the bitmap's set bits (since): the two loops of src/spec/models/requests/request_mask.ts
 * run on random bitmaps, counting vCPUs visited plus bitmap words read.
 */
import { KVM_MAX_VCPUS, maskLoopCost } from '../spec/models/requests/request_mask.ts';
import type { ControlValues, PlotDef } from './types.ts';

const SIZES = [1, 4, 16, 64, 256, 1024] as const;

export interface MaskPoint {
  readonly loop: string;
  readonly vcpus: number;
  readonly work: number;
}

export interface MaskData {
  readonly density: number;
  readonly seed: number;
  readonly points: readonly MaskPoint[];
}

const OLD = 'every vCPU + test_bit (before ae0946cd3601)';
const NEW = 'for_each_set_bit (since ae0946cd3601)';

export const requestsMaskWork: PlotDef<MaskData> = {
  name: 'requests-mask-work',
  model: 'requests',
  title: 'kvm_make_vcpus_request_mask(): every vCPU or only the set bits',
  description:
    'Work per call (vCPUs visited plus bitmap words read) of the loop that visits every vCPU and tests its bit, ' +
    `and of the loop over the bitmap's set bits (scanning ${KVM_MAX_VCPUS} bits), against VM size, for the chosen ` +
    'fraction of vCPUs in the bitmap.',
  controls: [
    { kind: 'range', name: 'density', label: 'vCPUs in the bitmap (%)', min: 1, max: 100, step: 1, default: 10 },
    { kind: 'number', name: 'seed', label: 'Seed', min: 1, max: 999_999, step: 1, default: 1 },
  ],
  measure(_simulate, values: ControlValues): MaskData {
    const density = Number(values.density) / 100;
    const seed = Number(values.seed);
    const points: MaskPoint[] = [];
    for (const vcpus of SIZES) {
      const c = maskLoopCost(vcpus, density, 200, seed);
      points.push({ loop: OLD, vcpus, work: c.everyVcpu.vcpusVisited + c.everyVcpu.wordsRead });
      points.push({ loop: NEW, vcpus, work: c.setBits.vcpusVisited + c.setBits.wordsRead });
    }
    return { density: Number(values.density), seed, points };
  },
  summary(data) {
    const w = (loop: string, n: number) => data.points.find((p) => p.loop === loop && p.vcpus === n)?.work ?? 0;
    return (
      `With ${data.density}% of the vCPUs in the bitmap: at 16 vCPUs ${w(OLD, 16).toFixed(0)} vs ` +
      `${w(NEW, 16).toFixed(0)} units of work; at 1024 vCPUs ${w(OLD, 1024).toFixed(0)} vs ${w(NEW, 1024).toFixed(0)} ` +
      `(old loop vs set bits; 200 random bitmaps per point, seed ${data.seed}).`
    );
  },
  spec(Plot, data) {
    return {
      width: 640,
      height: 300,
      style: { background: 'transparent', fontSize: '12px' },
      ariaLabel: 'Work per call of the two request-mask loops against VM size',
      ariaDescription: requestsMaskWork.summary(data, {}),
      x: { type: 'log', label: 'vCPUs in the VM →', ticks: [...SIZES] },
      y: { type: 'log', label: '↑ vCPUs visited + words read', grid: true },
      color: { domain: [OLD, NEW], range: ['#d9480f', '#2f7ed8'], legend: true },
      marks: [
        Plot.line(data.points, { x: 'vcpus', y: 'work', stroke: 'loop', strokeWidth: 2 }),
        Plot.dot(data.points, { x: 'vcpus', y: 'work', fill: 'loop', r: 3 }),
      ],
    };
  },
};
