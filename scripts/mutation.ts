/**
 * npm run test:mutation [-- TARGET…]        run StrykerJS on each target, one after the other
 * npm run test:mutation -- --summary        print the score per file from the reports on disk
 * npm run test:mutation -- TARGET --lines A-B   mutate only lines A to B of the target's one file
 *
 * A target is a few engine files and the tests run against their mutants
 * (test/mutation-targets.mjs); without arguments every target runs. Each target writes
 * reports/mutation/<target>/mutation.json (and .html, and its incremental file), so a target
 * that finished keeps its score when a later one is stopped. The summary reads those JSON
 * reports: per file, mutants killed, timed out, survived, without coverage, and the score
 * (killed + timed out) / (all but compile and runtime errors), with when the run ended, how
 * long it took, the load average at its start and end and the commit it measured (run.json,
 * written beside the report; "+uncommitted" when src/ or test/ had changes). A target without a
 * report is listed as not measured. Exit 1 when a Stryker run
 * failed, 2 for bad usage.
 *
 * `--lines A-B` is for a file too large to finish in one sitting (explore.ts): Stryker mutates
 * lines A to B only (its `file:A-B` mutate range); run.json records that range. The report then
 * holds those mutants and also those of earlier ranges whose results the incremental file carried
 * over (measured on earlier commits), so the summary names both: the lines the counted mutants
 * come from and the range the last run mutated. A later run of the whole file (or of the next
 * range) tests only what is left or changed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { TARGETS } from '../test/mutation-targets.mjs';

interface Mutant {
  readonly status: string;
  readonly location: { readonly start: { readonly line: number } };
}
interface Report {
  readonly files: Readonly<Record<string, { readonly mutants: readonly Mutant[] }>>;
}
/** What scripts/mutation.ts records beside a target's report when its run ends. */
interface Run {
  readonly finished: string;
  readonly seconds: number;
  readonly commit: string;
  /** 1-minute load average when the run started and when it ended (the machine is shared). */
  readonly loadStart: number;
  readonly loadEnd: number;
  /** With --lines: the lines of the one mutated file this run mutated ("A-B"). */
  readonly lines?: string;
}

const args = process.argv.slice(2);
const names = Object.keys(TARGETS);

function summary(): void {
  const rows: string[][] = [
    ['file', 'killed', 'timeout', 'survived', 'no coverage', 'score', 'measured (end, duration, load, commit)'],
  ];
  for (const name of names) {
    const file = join('reports', 'mutation', name, 'mutation.json');
    if (!existsSync(file)) {
      for (const f of TARGETS[name]?.mutate ?? []) rows.push([f, '', '', '', '', 'not measured', '']);
      continue;
    }
    const runFile = join('reports', 'mutation', name, 'run.json');
    const run = existsSync(runFile) ? (JSON.parse(readFileSync(runFile, 'utf8')) as Run) : undefined;
    const when =
      run === undefined
        ? `report of ${statSync(file).mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC (file time; run not recorded)`
        : `${run.finished.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(run.seconds)} s, load ${run.loadStart.toFixed(1)}-${run.loadEnd.toFixed(1)}, ${run.commit.slice(0, 9)}`;
    const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
    for (const [path, { mutants }] of Object.entries(report.files)) {
      // After runs with --lines, the report holds the mutants of every range whose results the
      // incremental file carried over, not only the last run's range: say which lines the
      // counted mutants come from, and which lines the last run (the one dated here) mutated.
      const mutantLines = mutants.map((m) => m.location.start.line);
      const [from, to] = (run?.lines ?? '0-0').split('-').map(Number) as [number, number];
      const first = Math.min(...mutantLines);
      const last = Math.max(...mutantLines);
      const span =
        run?.lines === undefined || mutantLines.length === 0
          ? ''
          : first >= from && last <= to
            ? `; lines ${run.lines} only`
            : `; mutants of lines ${first}-${last}: the last run (dated) mutated lines ${run.lines}, the others' results were carried over from earlier runs`;
      const count = (s: string) => mutants.filter((m) => m.status === s).length;
      const killed = count('Killed');
      const timeout = count('Timeout');
      const survived = count('Survived');
      const noCoverage = count('NoCoverage');
      const valid = killed + timeout + survived + noCoverage;
      const score = valid === 0 ? 'n/a' : `${((100 * (killed + timeout)) / valid).toFixed(1)}%`;
      rows.push([path, String(killed), String(timeout), String(survived), String(noCoverage), score, when + span]);
    }
  }
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] as number)).join('  '));
}

if (args.includes('--summary')) {
  summary();
  process.exit(0);
}
const linesAt = args.indexOf('--lines');
const lines = linesAt < 0 ? undefined : args[linesAt + 1];
if (linesAt >= 0) args.splice(linesAt, 2);
if (lines !== undefined && !/^\d+-\d+$/.test(lines)) {
  console.error(`--lines wants A-B (line numbers), got ${lines ?? 'nothing'}`);
  process.exit(2);
}
const chosen = args.length === 0 ? names : args;
if (lines !== undefined && chosen.some((n) => TARGETS[n]?.mutate.length !== 1)) {
  console.error('--lines applies to targets that mutate one file');
  process.exit(2);
}
const unknown = chosen.filter((n) => !names.includes(n));
if (unknown.length > 0) {
  console.error(`unknown target(s) ${unknown.join(', ')}; targets: ${names.join(', ')}`);
  process.exit(2);
}
let failed = false;
for (const name of chosen) {
  console.log(`\n== mutation target ${name}: ${(TARGETS[name]?.mutate ?? []).join(', ')}`);
  const began = Date.now();
  const loadStart = loadavg()[0] as number;
  // The commit the sandbox is copied from: taken before the run, as commits may follow during it.
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'test'], { encoding: 'utf8' }).stdout.trim();
  const range = lines === undefined ? [] : ['--mutate', `${TARGETS[name]?.mutate[0]}:${lines}`];
  const r = spawnSync('stryker', ['run', ...range], {
    stdio: 'inherit',
    env: { ...process.env, KVMSPEC_MUTATE: name },
  });
  if (r.status !== 0) {
    console.error(`stryker failed for target ${name} (exit ${r.status ?? r.signal})`);
    failed = true;
    continue;
  }
  const run: Run = {
    finished: new Date().toISOString(),
    seconds: (Date.now() - began) / 1000,
    commit: dirty === '' ? head : `${head}+uncommitted`,
    loadStart,
    loadEnd: loadavg()[0] as number,
    ...(lines === undefined ? {} : { lines }),
  };
  writeFileSync(join('reports', 'mutation', name, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
}
summary();
process.exit(failed ? 1 : 0);
