import { check } from './src/spec/engine/index.ts';
import { tsc } from './src/spec/models/tsc/model.ts';
const r = check(tsc, { variant: process.argv[2], memoryModel: (process.argv[3] ?? 'sc') as 'sc' });
console.log(r.verdict, r.violation?.property, r.states);
for (const s of r.counterexample?.steps ?? []) console.log(s.index, s.actor, `cpu${s.cpu}`, s.text, s.result ?? '');
