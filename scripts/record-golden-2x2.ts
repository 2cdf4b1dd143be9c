/**
 * Records test/engine/golden-requests-2x2.json: every requests variant with two vCPUs and two
 * requesters, under the memory models given (`--mm sc,tso`), each within a time budget
 * (`--max-ms`, default 600000): `node --import ./src/cli/register.mjs scripts/record-golden-2x2.ts
 * [--mm sc,tso,relaxed] [--only <variant regexp>] [--max-ms N] [--skip-recorded]`. A case already in the file is
 * replaced; a case that ends inconclusive is not recorded (the file lists only verdicts), but
 * printed. `npm run test:golden` checks every recorded case (golden.test.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { check, type MemoryModelName } from '../src/spec/engine/index.ts';
import { MODELS } from '../src/spec/models/index.ts';

export interface Golden2x2Case {
  readonly variant: string;
  readonly memoryModel: MemoryModelName;
  /** Other parameters than the file's (kept as they are: this script records 2x2 only). */
  readonly params?: Readonly<Record<string, number>>;
  readonly verdict: 'holds' | 'violated';
  readonly property?: string;
  readonly states: number;
  /** false: recorded without symmetry reduction; new cases are recorded with it (the default). */
  readonly symmetry?: false;
}

const { values } = parseArgs({
  options: {
    mm: { type: 'string' },
    only: { type: 'string' },
    'max-ms': { type: 'string' },
    'skip-recorded': { type: 'boolean' },
  },
});
const FILE = fileURLToPath(new URL('../test/engine/golden-requests-2x2.json', import.meta.url));
const requests = MODELS.find((m) => m.name === 'requests');
if (requests === undefined) throw new Error('no requests model');
const params = { vcpus: 2, requesters: 2 };
const cases: Golden2x2Case[] = existsSync(FILE)
  ? (JSON.parse(readFileSync(FILE, 'utf8')) as { cases: Golden2x2Case[] }).cases
  : [];
const maxMs = Number(values['max-ms'] ?? 600_000);
for (const mm of (values.mm ?? 'sc,tso').split(',') as MemoryModelName[]) {
  for (const v of requests.variants) {
    if (values.only !== undefined && !new RegExp(values.only).test(v.name)) continue;
    if (values['skip-recorded'] && cases.some((c) => c.variant === v.name && c.memoryModel === mm)) continue;
    const t0 = performance.now();
    const r = check(requests, { variant: v.name, memoryModel: mm, params, maxMs, maxStates: 50_000_000 });
    const ms = Math.round(performance.now() - t0);
    console.log(
      `${v.name} ${mm}: ${r.verdict}${r.violation ? ` (${r.violation.property})` : ''} ${r.states} states, ${ms} ms${r.reason ? `, ${r.reason}` : ''}`,
    );
    if (r.verdict === 'inconclusive') continue;
    const entry: Golden2x2Case = {
      variant: v.name,
      memoryModel: mm,
      verdict: r.verdict,
      ...(r.violation ? { property: r.violation.property } : {}),
      states: r.states,
    };
    console.log(`  peak RSS so far ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
    const at = cases.findIndex((c) => c.variant === v.name && c.memoryModel === mm && c.params === undefined);
    if (at >= 0) cases[at] = entry;
    else cases.push(entry);
    writeFileSync(FILE, `${JSON.stringify({ params, cases }, null, 2)}\n`);
  }
}
