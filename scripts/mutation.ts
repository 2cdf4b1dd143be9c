/**
 * npm run test:mutation [-- TARGET…]        run StrykerJS on each target, one after the other
 * npm run test:mutation -- --summary        print the score per file from the reports on disk
 *
 * A target is a few engine files and the tests run against their mutants
 * (test/mutation-targets.mjs); without arguments every target runs. Each target writes
 * reports/mutation/<target>/mutation.json (and .html, and its incremental file), so a target
 * that finished keeps its score when a later one is stopped. The summary reads those JSON
 * reports: per file, mutants killed, timed out, survived, without coverage, and the score
 * (killed + timed out) / (all but compile and runtime errors), with the time each report was
 * written. A target without a report is listed as not measured. Exit 1 when a Stryker run
 * failed, 2 for bad usage.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TARGETS } from '../test/mutation-targets.mjs';

interface Mutant {
  readonly status: string;
}
interface Report {
  readonly files: Readonly<Record<string, { readonly mutants: readonly Mutant[] }>>;
}

const args = process.argv.slice(2);
const names = Object.keys(TARGETS);

function summary(): void {
  const rows: string[][] = [['file', 'killed', 'timeout', 'survived', 'no coverage', 'score', 'measured']];
  for (const name of names) {
    const file = join('reports', 'mutation', name, 'mutation.json');
    if (!existsSync(file)) {
      for (const f of TARGETS[name]?.mutate ?? []) rows.push([f, '', '', '', '', 'not measured', '']);
      continue;
    }
    const when = statSync(file).mtime.toISOString().slice(0, 16).replace('T', ' ');
    const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
    for (const [path, { mutants }] of Object.entries(report.files)) {
      const count = (s: string) => mutants.filter((m) => m.status === s).length;
      const killed = count('Killed');
      const timeout = count('Timeout');
      const survived = count('Survived');
      const noCoverage = count('NoCoverage');
      const valid = killed + timeout + survived + noCoverage;
      const score = valid === 0 ? 'n/a' : `${((100 * (killed + timeout)) / valid).toFixed(1)}%`;
      rows.push([path, String(killed), String(timeout), String(survived), String(noCoverage), score, `${when} UTC`]);
    }
  }
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] as number)).join('  '));
}

if (args.includes('--summary')) {
  summary();
  process.exit(0);
}
const chosen = args.length === 0 ? names : args;
const unknown = chosen.filter((n) => !names.includes(n));
if (unknown.length > 0) {
  console.error(`unknown target(s) ${unknown.join(', ')}; targets: ${names.join(', ')}`);
  process.exit(2);
}
let failed = false;
for (const name of chosen) {
  console.log(`\n== mutation target ${name}: ${(TARGETS[name]?.mutate ?? []).join(', ')}`);
  const r = spawnSync('stryker', ['run'], { stdio: 'inherit', env: { ...process.env, KVMSPEC_MUTATE: name } });
  if (r.status !== 0) {
    console.error(`stryker failed for target ${name} (exit ${r.status ?? r.signal})`);
    failed = true;
  }
}
summary();
process.exit(failed ? 1 : 0);
