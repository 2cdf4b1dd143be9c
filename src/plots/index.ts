/** Every plot a chapter can embed with <ModelPlot plot="…" />, by name. */
import { sbOutcomeRate } from './sb-outcome-rate.ts';
import type { PlotDef } from './types.ts';

export const PLOTS: readonly PlotDef[] = [sbOutcomeRate];

export function findPlot(name: string): PlotDef {
  const p = PLOTS.find((x) => x.name === name);
  if (!p) throw new RangeError(`unknown plot ${name} (plots: ${PLOTS.map((x) => x.name).join(', ')})`);
  return p;
}
