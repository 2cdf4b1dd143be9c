/**
 * What the shortest-counterexample search costs (explore.ts: after a violation found under
 * partial-order reduction, an unreduced breadth-first search bounded by its length), on every
 * golden case whose expected verdict is a safety violation:
 *
 *   node --import ./src/cli/register.mjs bench/shortest.ts
 *
 * Prints per case the reduced search's states, the second search's states ('-' when it was not
 * needed), the counterexample's length and the time, then the totals.
 */
import { check } from '../src/spec/engine/index.ts';
import { MODELS } from '../src/spec/models/index.ts';

let cases = 0;
let searched = 0;
let reducedStates = 0;
let extraStates = 0;
let ms = 0;
console.log(['model', 'variant', 'memory', 'property', 'states', 'second search', 'length', 'ms'].join('\t'));
for (const m of MODELS) {
  for (const v of m.variants) {
    for (const mm of m.memoryModels) {
      if (v.expect[mm]?.verdict !== 'violated') continue;
      const t0 = performance.now();
      const r = check(m, { variant: v.name, memoryModel: mm, liveness: false });
      const t = performance.now() - t0;
      if (r.verdict !== 'violated' || r.violation?.kind === 'witness') continue;
      cases++;
      reducedStates += r.states;
      ms += t;
      if (r.shortestSearchStates !== undefined) {
        searched++;
        extraStates += r.shortestSearchStates;
      }
      const row = [m.name, v.name, mm, r.violation?.property, r.states, r.shortestSearchStates ?? '-'];
      console.log([...row, r.counterexample?.steps.length, Math.round(t), r.notShortest ?? ''].join('\t'));
    }
  }
}
console.log(
  `${cases} violated safety checks; second search in ${searched}: ${extraStates} states ` +
    `against ${reducedStates} for the reduced searches; ${Math.round(ms)} ms in all`,
);
