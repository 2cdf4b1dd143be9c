/**
 * Every model case that declares a symmetry, checked with and without symmetry reduction:
 * `node --import ./src/cli/register.mjs scripts/symmetry-audit.ts [--only <model regexp>]
 * [--max <params value>] [--max-states N]`.
 *
 * The cases: each model's variants under each memory model, at the default parameters and with
 * one parameter at a time set to each value of its range (up to --max, default 3), kept when
 * the instance declares a symmetry. Each is checked with and without symmetry, both with
 * `oneGraph: false` (a reduced safety search, then the liveness graph) and with one graph of
 * safety and liveness (the default), symmetry reducing the liveness graph in both (explore.ts,
 * Liveness: fair cycles on the lifted quotient); each pair must agree on the verdict, the
 * violated property and, for safety, the length of the shortest counterexample (a lasso is
 * not a shortest run, so only its verdict and property are compared). A declaration the checker refuses (ModelError) is a finding too. Prints one
 * line per case and a summary; exits 1 on any disagreement or refusal. Cases where symmetry is
 * not applied (relaxed memory) print the checker's reason and are not run.
 */
import { parseArgs } from 'node:util';
import { type CheckResult, check, instantiate, type MemoryModelName } from '../src/spec/engine/index.ts';
import { MODELS } from '../src/spec/models/index.ts';

const { values } = parseArgs({
  options: { only: { type: 'string' }, max: { type: 'string' }, 'max-states': { type: 'string' } },
});
const maxValue = Number(values.max ?? 3);
const maxStates = Number(values['max-states'] ?? 400_000);
if (!Number.isInteger(maxValue) || !Number.isInteger(maxStates) || maxStates < 1) {
  console.error('--max and --max-states take integers');
  process.exit(2);
}

const describe = (r: CheckResult): string =>
  r.verdict === 'violated'
    ? `violated ${r.violation?.property} in ${r.counterexample?.steps.length} steps`
    : r.verdict === 'inconclusive'
      ? `inconclusive (${r.reason ?? ''})`
      : 'holds';

let cases = 0;
let findings = 0;
let inconclusive = 0;
for (const model of MODELS) {
  if (values.only !== undefined && !new RegExp(values.only).test(model.name)) continue;
  const paramSets: Record<string, number>[] = [{}];
  for (const p of model.params ?? []) {
    for (let v = p.min; v <= Math.min(p.max, maxValue); v++) if (v !== p.default) paramSets.push({ [p.name]: v });
  }
  for (const variant of model.variants) {
    for (const params of paramSets) {
      if (instantiate(model, variant.name, params).instance.symmetry === undefined) continue;
      for (const memoryModel of model.memoryModels as readonly MemoryModelName[]) {
        for (const oneGraph of [false, true]) {
          const label = `${model.name}/${variant.name} ${JSON.stringify(params)} ${memoryModel}${oneGraph ? ' one graph' : ''}`;
          const req = { variant: variant.name, memoryModel, params, oneGraph, maxStates };
          let sym: CheckResult;
          try {
            // Where the reduction is not applied (relaxed memory), one state tells why.
            const note = check(model, { ...req, maxStates: 1 }).symmetry;
            if (note === undefined || !/renamings\)/.test(note)) {
              console.log(`not applied ${label}: ${note}`);
              break;
            }
            sym = check(model, req);
          } catch (e) {
            findings++;
            console.log(`REFUSED ${label}: ${(e as Error).message}`);
            continue;
          }
          cases++;
          const full = check(model, { ...req, symmetry: false });
          const same =
            sym.verdict === full.verdict &&
            sym.violation?.property === full.violation?.property &&
            (sym.violation?.kind === 'progress' ||
              sym.counterexample?.steps.length === full.counterexample?.steps.length);
          if (sym.verdict === 'inconclusive' || full.verdict === 'inconclusive') inconclusive++;
          else if (!same) findings++;
          console.log(
            `${same ? 'same' : 'DIFFERENT'} ${label}: reduced ${describe(sym)} (${sym.states} states), ` +
              `unreduced ${describe(full)} (${full.states} states)`,
          );
        }
      }
    }
  }
}
console.log(
  `\n${cases} cases, ${findings} disagreements or refusals, ${inconclusive} inconclusive at ${maxStates} states`,
);
process.exit(findings > 0 ? 1 : 0);
