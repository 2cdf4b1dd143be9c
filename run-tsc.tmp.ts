import { check } from './src/spec/engine/index.ts';
import { tsc } from './src/spec/models/tsc/model.ts';
const only = process.argv[2];
for (const v of tsc.variants) for (const mm of tsc.memoryModels) {
  if (only && !v.name.startsWith(only)) continue;
  if (process.argv[3] && mm !== process.argv[3]) continue;
  const t0 = Date.now();
  try { const r = check(tsc, { variant: v.name, memoryModel: mm }); console.log(v.name, mm, r.verdict, r.violation?.property ?? '', r.states, `${Date.now()-t0}ms`, r.counterexample ? r.counterexample.steps?.length : ''); }
  catch (e) { console.log(v.name, mm, "ERROR", (e as Error).stack?.split("\n").slice(0,8).join("\n")); }
}
