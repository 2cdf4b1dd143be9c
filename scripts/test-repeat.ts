/**
 * npm run test:repeat -- N [--browser] [vitest filters…]
 *
 * Runs the unit tests (and with --browser the browser tests too, which need `npm run build`
 * first) N times, each run a fresh Vitest process, and reports every test whose result was not
 * the same in all runs (passed in some, failed or skipped in others), with the runs it failed
 * in and the first failure message. Also prints each run's duration. Exit 1 when some test
 * changed result or failed in every run, 0 when every test passed every time, 2 for bad usage.
 *
 * Extra arguments go to Vitest (e.g. a test file), so one suspect file can be repeated alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface AssertionResult {
  readonly fullName: string;
  readonly status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled';
  readonly failureMessages?: readonly string[];
}
interface FileResult {
  readonly name: string;
  readonly status: string;
  readonly message?: string;
  readonly assertionResults: readonly AssertionResult[];
}
interface JsonReport {
  readonly testResults: readonly FileResult[];
}

const args = process.argv.slice(2);
const browser = args.includes('--browser');
const rest = args.filter((a) => a !== '--browser');
const n = Number(rest[0]);
if (!Number.isInteger(n) || n < 1 || n > 1000) {
  console.error('usage: npm run test:repeat -- N [--browser] [vitest filters…]   (N: how many runs, 1 to 1000)');
  process.exit(2);
}
const filters = rest.slice(1);
const projects = browser ? ['--project', 'unit', '--project', 'browser'] : ['--project', 'unit'];

const dir = mkdtempSync(join(tmpdir(), 'kvmspec-repeat-'));
/** Per test ("file > name"), its status in each run. */
const results = new Map<string, string[]>();
const messages = new Map<string, string>();
const durations: number[] = [];
try {
  for (let run = 0; run < n; run++) {
    const out = join(dir, `run-${run}.json`);
    const t0 = performance.now();
    const child = spawnSync(
      join('node_modules', '.bin', 'vitest'),
      ['run', ...projects, '--reporter=json', `--outputFile=${out}`, '--reporter=dot', ...filters],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const seconds = (performance.now() - t0) / 1000;
    durations.push(seconds);
    let report: JsonReport;
    try {
      report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
    } catch {
      console.error(`run ${run + 1}: Vitest wrote no report (exit ${child.status ?? child.signal}); stopping`);
      process.exit(1);
    }
    let failed = 0;
    let total = 0;
    for (const file of report.testResults) {
      const rel = file.name.replace(`${process.cwd()}/`, '');
      // A file that failed to load has no tests: count it as one failed entry.
      const tests =
        file.assertionResults.length > 0
          ? file.assertionResults
          : [{ fullName: '(file)', status: 'failed' as const, failureMessages: [file.message ?? ''] }];
      for (const t of tests) {
        const key = `${rel} > ${t.fullName}`;
        const seen = results.get(key) ?? Array.from({ length: run }, () => 'absent');
        seen.push(t.status);
        results.set(key, seen);
        total++;
        if (t.status === 'failed') {
          failed++;
          if (!messages.has(key)) messages.set(key, (t.failureMessages?.[0] ?? '').split('\n')[0] ?? '');
        }
      }
    }
    for (const seen of results.values()) if (seen.length === run) seen.push('absent');
    console.log(`run ${run + 1}/${n}: ${total} tests, ${failed} failed, ${seconds.toFixed(1)} s`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const changed = [...results].filter(([, s]) => new Set(s).size > 1);
const alwaysFailed = [...results].filter(([, s]) => s.every((x) => x === 'failed'));
console.log('');
console.log(
  `${n} runs of ${browser ? 'the unit and browser tests' : 'the unit tests'}; ` +
    `durations ${durations.map((d) => `${d.toFixed(1)} s`).join(', ')}`,
);
if (changed.length === 0) console.log(`No test changed result across the ${n} runs.`);
else {
  console.log(`${changed.length} test(s) changed result:`);
  for (const [key, seen] of changed) {
    const runs = seen.flatMap((s, i) => (s === 'passed' ? [] : [`${i + 1}:${s}`])).join(' ');
    console.log(`  ${key}\n    not passed in runs ${runs}${messages.has(key) ? `\n    ${messages.get(key)}` : ''}`);
  }
}
if (alwaysFailed.length > 0) {
  console.log(`${alwaysFailed.length} test(s) failed in every run:`);
  for (const [key] of alwaysFailed) console.log(`  ${key}${messages.has(key) ? `: ${messages.get(key)}` : ''}`);
}
process.exit(changed.length > 0 || alwaysFailed.length > 0 ? 1 : 0);
