/**
 * Re-records the state counts of every model's `expect` (the golden counts, test/engine/golden.test.ts)
 * after an engine or model change that moves them: `node --import ./src/cli/register.mjs
 * scripts/record-golden.ts [--only <model regexp>] [--memory-model sc|tso|relaxed] [--dry-run]`.
 * Each case is checked as the golden test checks it (defaults: reduction, symmetry, quotient,
 * unobserved ghosts); a count is rewritten in place in the model's source, and a changed verdict
 * or violated property is never rewritten: it is listed and the script exits 1, for a human to
 * explain or fix.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { check, type MemoryModelName } from '../src/spec/engine/index.ts';
import { MODELS } from '../src/spec/models/index.ts';

const { values } = parseArgs({
  options: { only: { type: 'string' }, 'memory-model': { type: 'string' }, 'dry-run': { type: 'boolean' } },
});
const ROOT = fileURLToPath(new URL('../', import.meta.url));
let verdictChanges = 0;

/** The source span of variant `name`'s object literal, from its `name:` to the next variant's. */
function variantSpan(src: string, name: string): [number, number] {
  const at = src.indexOf(`name: '${name}',`);
  if (at < 0) throw new Error(`variant ${name} not found in its model's source`);
  const next = src.indexOf('\n    {\n', at);
  return [at, next < 0 ? src.length : next];
}

/** Replaces memory model `mm`'s count in the span: `mm: helper(..., N, ...)` or `mm: { ..., states: N }`. */
function replaceCount(span: string, mm: MemoryModelName, states: number): string {
  const key = new RegExp(`\\b${mm}: `);
  const k = span.search(key);
  if (k < 0) throw new Error(`no ${mm} expectation`);
  const start = k + mm.length + 2;
  if (span[start] === '{') {
    const end = span.indexOf('}', start);
    const body = span.slice(start, end).replace(/states: [\d_]+/, `states: ${states}`);
    return span.slice(0, start) + body + span.slice(end);
  }
  const open = span.indexOf('(', start);
  const close = span.indexOf(')', open);
  const args = span
    .slice(open + 1, close)
    .split(',')
    .map((a) => (/^\s*[\d_]+\s*$/.test(a) ? a.replace(/[\d_]+/, String(states)) : a));
  return `${span.slice(0, open + 1)}${args.join(',')}${span.slice(close)}`;
}

for (const model of MODELS) {
  if (values.only !== undefined && !new RegExp(values.only).test(model.name)) continue;
  const file = `${ROOT}${model.source}`;
  let src = readFileSync(file, 'utf8');
  for (const v of model.variants) {
    for (const mm of model.memoryModels) {
      if (values['memory-model'] !== undefined && mm !== values['memory-model']) continue;
      const expected = v.expect[mm];
      if (expected === undefined) continue;
      const r = check(model, { variant: v.name, memoryModel: mm });
      const line = `${model.name}/${v.name} ${mm}: ${expected.states} -> ${r.states} ${r.verdict}${r.violation ? ` (${r.violation.property})` : ''}`;
      if (
        r.verdict !== expected.verdict ||
        (expected.verdict === 'violated' && r.violation?.property !== expected.property)
      ) {
        verdictChanges++;
        console.log(
          `VERDICT CHANGED ${line}, expected ${expected.verdict}${expected.property ? ` (${expected.property})` : ''}`,
        );
        continue;
      }
      if (r.states === expected.states) continue;
      console.log(line);
      const [a, b] = variantSpan(src, v.name);
      src = src.slice(0, a) + replaceCount(src.slice(a, b), mm, r.states) + src.slice(b);
    }
  }
  if (!values['dry-run']) writeFileSync(file, src);
}
process.exit(verdictChanges > 0 ? 1 : 0);
