/** Every plot a chapter can embed with <ModelPlot plot="…" />, by name. */
import { nohzRcuAccounting } from './nohz-rcu-accounting.ts';
import { nohzRcuUnwatched } from './nohz-rcu-unwatched.ts';
import { requestsIpis } from './requests-ipis.ts';
import { requestsMaskWork } from './requests-mask-work.ts';
import { requestsStates } from './requests-states.ts';
import { requestsStress } from './requests-stress.ts';
import { rseqDelay } from './rseq-delay.ts';
import { sbOutcomeRate } from './sb-outcome-rate.ts';
import { tscGuestClock } from './tsc-guest-clock.ts';
import type { PlotDef } from './types.ts';

export const PLOTS: readonly PlotDef[] = [
  sbOutcomeRate,
  requestsIpis,
  requestsMaskWork,
  requestsStates,
  requestsStress,
  rseqDelay,
  nohzRcuUnwatched,
  nohzRcuAccounting,
  tscGuestClock,
];

export function findPlot(name: string): PlotDef {
  const p = PLOTS.find((x) => x.name === name);
  if (!p) throw new RangeError(`unknown plot ${name} (plots: ${PLOTS.map((x) => x.name).join(', ')})`);
  return p;
}
