/**
 * The calibration ring under Spin, side by side with kvmspec: `npm run bench:spin`.
 *
 * bench/spin/ring.pml is the ring of bench/ring.ts in Promela (TSO store buffers as one
 * pending-store bit per CPU, since each CPU stores once). For each N it builds Spin's verifier
 * without partial-order reduction (-DNOREDUCE, like kvmspec's `none`) and with it, runs it,
 * then times kvmspec on the same ring right after, so that both see the same machine: on a
 * shared 2-core machine speed drifts from minute to minute, and only figures measured side by
 * side compare. The two checkers count states differently (Spin stores every process's program
 * counter, and its init and drain processes interleave), so compare states per second and time
 * to verdict, not state counts.
 *
 * Needs `spin` and a C compiler (Debian: apt-get install spin gcc); says so when they are missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Exploration } from '../src/spec/engine/index.ts';
import { ring } from './ring.ts';

interface Row {
  readonly checker: string;
  readonly n: number;
  readonly reduction: string;
  readonly states: number;
  readonly ms: number;
  readonly statesPerSecond: number;
}

function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function spinRun(dir: string, n: number, reduce: boolean): Row {
  const model = resolve(import.meta.dirname, 'spin/ring.pml');
  execFileSync('spin', ['-a', `-DN=${n}`, '-DMB', model], { cwd: dir, stdio: 'ignore' });
  const flags = ['-O2', '-DSAFETY', ...(reduce ? [] : ['-DNOREDUCE']), '-o', 'pan', 'pan.c'];
  execFileSync('cc', flags, { cwd: dir, stdio: 'ignore' });
  const out = execFileSync(join(dir, 'pan'), ['-m1000000'], { cwd: dir, encoding: 'utf8' });
  const states = Number(/(\d+) states, stored/.exec(out)?.[1]);
  const seconds = Number(/elapsed time ([\d.e+-]+) seconds/.exec(out)?.[1]);
  if (!/errors: 0/.test(out) || !Number.isFinite(states) || !Number.isFinite(seconds)) {
    throw new Error(`could not read Spin's output:\n${out}`);
  }
  const ms = seconds * 1000;
  return {
    checker: 'spin 6 (pan)',
    n,
    reduction: reduce ? 'por' : 'none',
    states,
    ms,
    statesPerSecond: Math.round((states * 1000) / ms),
  };
}

function kvmspecRun(n: number, reduce: boolean): Row {
  const run = () => {
    const t0 = performance.now();
    const r = new Exploration(ring(n, true), { memoryModel: 'tso', reduction: reduce, symmetry: false }).run();
    return { states: r?.states ?? 0, ms: performance.now() - t0 };
  };
  run(); // warm up the JIT, as Spin's verifier is compiled ahead of time
  let best = run();
  for (let i = 0; i < 4; i++) {
    const r = run();
    if (r.ms < best.ms) best = r;
  }
  return {
    checker: 'kvmspec',
    n,
    reduction: reduce ? 'por' : 'none',
    states: best.states,
    ms: Math.round(best.ms * 10) / 10,
    statesPerSecond: Math.round((best.states * 1000) / best.ms),
  };
}

function main(): void {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, n: { type: 'string' } }, strict: true });
  for (const cmd of ['spin', 'cc']) {
    if (!have(cmd)) {
      process.stderr.write(`bench:spin needs ${cmd} (Debian: apt-get install spin gcc)\n`);
      process.exit(2);
    }
  }
  const sizes = values.n === undefined ? [5, 6, 7] : [Number(values.n)];
  const dir = mkdtempSync(join(tmpdir(), 'kvmspec-spin-'));
  const rows: Row[] = [];
  try {
    for (const n of sizes) {
      for (const reduce of [false, true]) {
        rows.push(spinRun(dir, n, reduce), kvmspecRun(n, reduce));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${'checker'.padEnd(14)} ${'N'.padStart(2)} ${'reduction'.padEnd(9)} ${'states'.padStart(10)} ${'ms'.padStart(9)} ${'states/s'.padStart(11)}\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `${r.checker.padEnd(14)} ${String(r.n).padStart(2)} ${r.reduction.padEnd(9)} ${r.states
        .toLocaleString('en-US')
        .padStart(10)} ${r.ms.toFixed(1).padStart(9)} ${r.statesPerSecond.toLocaleString('en-US').padStart(11)}\n`,
    );
  }
}

main();
