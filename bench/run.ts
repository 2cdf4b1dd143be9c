/**
 * Checker benchmarks: `npm run bench [-- --json] [-- --only <regexp>]`.
 *
 * First the headline (HEADLINE below): the requests model in the configurations of issue 16,
 * states counting the safety search and the liveness graph. Then time to verdict and states
 * per second for every variant of every model (under its
 * default memory model) and for the calibration ring (bench/ring.ts: N-CPU store buffering
 * under TSO, N = 2..7, with and without smp_mb(), with no reduction, partial-order reduction,
 * symmetry reduction (the ring's rotations) and both), and `kvmspec litmus` on a folder of 100
 * small litmus tests (the corpus, src/spec/litmus/tests, repeated under distinct names) under
 * all three memory models: in process, and as a command (bin/kvmspec, Node start-up included);
 * and, to compare the two LKMM checkers, the same folder under relaxed alone (operational) and
 * under the axiomatic checker (src/spec/litmus/axiomatic; its "states" are candidate executions).
 * Each benchmark runs once to warm up the JIT; then a run that took under SMALL_MS is repeated
 * seven times, a longer one twice, one over LONG_MS not at all. The best run is reported (`ms`, `statesPerSecond`), with
 * the median beside it: shared 2-core machines are noisy, and a single run of a few tens of
 * milliseconds can take twice as long as the next.
 *
 * Run with the pinned Node and the model-site loader hook (the npm script does both).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { main as kvmspec } from '../src/cli/kvmspec.ts';
import { check, Exploration, type ModelInstance } from '../src/spec/engine/index.ts';
import { checkAxiomatic } from '../src/spec/litmus/axiomatic/check.ts';
import { loadLitmus } from '../src/spec/litmus/judge.ts';
import { LitmusError } from '../src/spec/litmus/parse.ts';
import { MODELS } from '../src/spec/models/index.ts';
import { parallelBench } from './parallel.ts';
import { ring } from './ring.ts';

const SMALL_MS = 2000;
/** Generous: the largest ring (N = 7 without reduction) has a few hundred thousand states. */
const MAX_STATES = 50_000_000;

export interface BenchResult {
  readonly name: string;
  readonly states: number;
  readonly ms: number;
  readonly statesPerSecond: number;
  readonly verdict: string;
  readonly transitions: number;
  readonly runs: number;
  readonly medianMs: number;
}

interface Run {
  readonly states: number;
  readonly transitions: number;
  readonly ms: number;
  readonly verdict: string;
}

interface Bench {
  readonly name: string;
  readonly run: () => Run;
}

/** Which reductions a ring benchmark uses: none, partial-order, symmetry (rotation), or both. */
const REDUCTIONS = [
  { label: 'none', reduction: false, symmetry: false },
  { label: 'por', reduction: true, symmetry: false },
  { label: 'symmetry', reduction: false, symmetry: true },
  { label: 'por+symmetry', reduction: true, symmetry: true },
] as const;

function ringBench(n: number, mb: boolean, how: (typeof REDUCTIONS)[number]): Bench {
  const name = `ring N=${n} ${mb ? 'mb' : 'no-mb'} ${how.label} (tso)`;
  return {
    name,
    run: () => {
      const inst: ModelInstance = ring(n, mb);
      const t0 = performance.now();
      const r = new Exploration(inst, {
        memoryModel: 'tso',
        reduction: how.reduction,
        symmetry: how.symmetry,
        maxStates: MAX_STATES,
      }).run();
      const ms = performance.now() - t0;
      if (!r) throw new Error(`${name}: run() returned nothing`);
      return { states: r.states, transitions: r.transitions, ms, verdict: r.verdict };
    },
  };
}

/**
 * The headline: the requests chapter's model in the configurations of issue 16 (TSO, and 2x2
 * under relaxed memory too; correct-x86, whole check including liveness), with thread states numbered by future
 * behaviour (the default, see src/spec/engine/quotient.ts) and by history (as before it).
 */
const HEADLINE: readonly { vcpus: number; requesters: number; memoryModel?: 'tso' | 'relaxed' }[] = [
  { vcpus: 2, requesters: 1 },
  { vcpus: 1, requesters: 3 },
  { vcpus: 3, requesters: 1 },
  { vcpus: 2, requesters: 2 },
  // Under relaxed memory thread states are always histories (quotient.ts): one run. 2x1 is
  // exhaustive (3,874,860 states), so its states/s is the relaxed memory's per-state figure.
  { vcpus: 2, requesters: 1, memoryModel: 'relaxed' },
  { vcpus: 2, requesters: 2, memoryModel: 'relaxed' },
];
/** The budget of the measurements: a configuration past it is reported inconclusive. */
const HEADLINE_MAX_STATES = 5_000_000;

function headlineBenches(): Bench[] {
  const requests = MODELS.find((m) => m.name === 'requests');
  if (requests === undefined) return [];
  return HEADLINE.flatMap(({ vcpus, requesters, memoryModel = 'tso' as const }) =>
    (memoryModel === 'tso' ? [true, false] : [true]).map((quotient) => ({
      name: `requests/correct-x86 ${vcpus}x${requesters} (${memoryModel})${quotient ? '' : ' by-history'}`,
      run: () => {
        const t0 = performance.now();
        const r = check(requests, {
          variant: 'correct-x86',
          memoryModel,
          params: { vcpus, requesters },
          quotient,
          maxStates: HEADLINE_MAX_STATES,
        });
        const ms = performance.now() - t0;
        return {
          // One graph (explore.ts, oneGraph): the liveness graph is the only one.
          states: r.oneGraph ? r.states : r.states + (r.livenessStates ?? 0),
          transitions: r.transitions,
          ms,
          verdict: r.verdict,
        };
      },
    })),
  );
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const LITMUS_TESTS = 100;

/**
 * A temporary folder of LITMUS_TESTS .litmus files: the corpus, repeated under distinct file
 * names; with `axiomsOnly`, only the tests the axiomatic checker can express (since lock.cat,
 * RCU and plain accesses are in the axioms, every corpus test), so that the two LKMM checkers
 * are timed on the same tests.
 */
function litmusFolder(axiomsOnly = false): string {
  const src = path.join(ROOT, 'src/spec/litmus/tests');
  const files = readdirSync(src)
    .filter((f) => f.endsWith('.litmus'))
    .filter((f) => {
      if (!axiomsOnly) return true;
      try {
        checkAxiomatic(loadLitmus(readFileSync(path.join(src, f), 'utf8'), f));
        return true;
      } catch (e) {
        if (e instanceof LitmusError) return false;
        throw e;
      }
    });
  const dir = mkdtempSync(path.join(tmpdir(), 'kvmspec-bench-litmus-'));
  for (let i = 0; i < LITMUS_TESTS; i++) {
    const f = files[i % files.length] as string;
    copyFileSync(path.join(src, f), path.join(dir, `${String(i).padStart(3, '0')}-${f}`));
  }
  return dir;
}

/** The exit code of `kvmspec litmus` as a verdict: every stated result agrees (0), or some disagree (1). */
const litmusVerdict = (code: number | null): string =>
  code === 0 ? 'as stated' : code === 1 ? 'disagrees' : `exit ${code}`;

/**
 * Four threads, eight writes to x (the initial one included): 630 coherence orders that keep
 * each thread's writes in program order, times 8 writes P3's read can read from, so 5,040
 * candidate executions for the axiomatic checker.
 */
const EIGHT_WRITES = `C W8
{}
P0(int *x) { WRITE_ONCE(*x, 1); WRITE_ONCE(*x, 2); }
P1(int *x) { WRITE_ONCE(*x, 3); WRITE_ONCE(*x, 4); }
P2(int *x) { WRITE_ONCE(*x, 5); WRITE_ONCE(*x, 6); }
P3(int *x) { int r0; WRITE_ONCE(*x, 7); r0 = READ_ONCE(*x); }
exists (x=1 /\\ 3:r0=7)
`;

function litmusBenches(dir: string, axiomsDir: string): Bench[] {
  const json = (out: string): number =>
    (JSON.parse(out) as { results: { states?: number; candidates?: number }[] }[]).reduce(
      (sum, t) => sum + t.results.reduce((s, r) => s + (r.states ?? r.candidates ?? 0), 0),
      0,
    );
  /** In process, with extra arguments (the relaxed-only and axiomatic runs compare the two LKMM checkers). */
  const inProcess = (name: string, extra: readonly string[], target = axiomsDir): Bench => ({
    name,
    run: () => {
      let out = '';
      const t0 = performance.now();
      const code = kvmspec(['litmus', target, '--json', ...extra], {
        out: (t) => {
          out += t;
        },
        err: () => {},
        progress: false,
      });
      const ms = performance.now() - t0;
      return { states: json(out), transitions: 0, ms, verdict: litmusVerdict(code) };
    },
  });
  // Where the axioms grow fastest: eight writes to one location (multinomially many coherence orders).
  const eightWrites = path.join(axiomsDir, '..', `${path.basename(axiomsDir)}-W8.litmus`);
  writeFileSync(eightWrites, EIGHT_WRITES);
  return [
    inProcess(
      'kvmspec litmus, eight writes to one location, relaxed only (operational)',
      ['--memory-model', 'relaxed'],
      eightWrites,
    ),
    inProcess(
      'kvmspec litmus, eight writes to one location, LKMM axioms (axiomatic)',
      ['--checker', 'axiomatic'],
      eightWrites,
    ),
    inProcess(`kvmspec litmus, ${LITMUS_TESTS} axiom-expressible tests, relaxed only (operational, in process)`, [
      '--memory-model',
      'relaxed',
    ]),
    // "states" of this one are candidate executions.
    inProcess(`kvmspec litmus, ${LITMUS_TESTS} axiom-expressible tests, LKMM axioms (axiomatic, in process)`, [
      '--checker',
      'axiomatic',
    ]),
    {
      name: `kvmspec litmus, ${LITMUS_TESTS} tests x 3 memory models (in process)`,
      run: () => {
        let out = '';
        const t0 = performance.now();
        const code = kvmspec(['litmus', dir, '--json'], {
          out: (t) => {
            out += t;
          },
          err: () => {},
          progress: false,
        });
        const ms = performance.now() - t0;
        return { states: json(out), transitions: 0, ms, verdict: litmusVerdict(code) };
      },
    },
    {
      name: `kvmspec litmus, ${LITMUS_TESTS} tests x 3 memory models (bin/kvmspec)`,
      run: () => {
        const t0 = performance.now();
        const r = spawnSync(path.join(ROOT, 'bin/kvmspec'), ['litmus', dir, '--json'], {
          encoding: 'utf8',
          maxBuffer: 1 << 28,
        });
        const ms = performance.now() - t0;
        return { states: json(r.stdout), transitions: 0, ms, verdict: litmusVerdict(r.status) };
      },
    },
  ];
}

function benches(litmusDir: string, axiomsDir: string): Bench[] {
  const out: Bench[] = headlineBenches();
  for (const model of MODELS) {
    for (const v of model.variants) {
      out.push({
        name: `${model.name}/${v.name} (${model.defaultMemoryModel})`,
        run: () => {
          const t0 = performance.now();
          const r = check(model, { variant: v.name, maxStates: MAX_STATES });
          const ms = performance.now() - t0;
          return { states: r.states, transitions: r.transitions, ms, verdict: r.verdict };
        },
      });
    }
  }
  for (let n = 2; n <= 7; n++) {
    for (const mb of [false, true]) for (const how of REDUCTIONS) out.push(ringBench(n, mb, how));
  }
  out.push(...litmusBenches(litmusDir, axiomsDir));
  return out;
}

/** A run longer than this is not repeated (nor warmed up: its first run is the measurement). */
const LONG_MS = 20_000;

function measure(b: Bench): BenchResult {
  const warm = b.run();
  const runs = warm.ms < SMALL_MS ? 7 : warm.ms < LONG_MS ? 2 : 0;
  const all: Run[] = runs === 0 ? [warm] : [];
  for (let i = 0; i < runs; i++) all.push(b.run());
  all.sort((x, y) => x.ms - y.ms);
  const r = all[0] as Run;
  const median = all[Math.floor(all.length / 2)] as Run;
  return {
    name: b.name,
    states: r.states,
    ms: Math.round(r.ms * 100) / 100,
    statesPerSecond: r.ms > 0 ? Math.round((r.states * 1000) / r.ms) : 0,
    verdict: r.verdict,
    transitions: r.transitions,
    runs: runs + 1,
    medianMs: Math.round(median.ms * 100) / 100,
  };
}

function main(): void {
  const { values } = parseArgs({
    options: { json: { type: 'boolean' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run bench [-- --json] [-- --only <regexp>]\n' +
        'Times every model variant, the N-CPU store-buffering ring and kvmspec litmus on\n' +
        '100 litmus tests, then the parallel search against the sequential one (bench/parallel.ts,\n' +
        'names "parallel …"); --json prints { "benches": [{ "name", "states", "ms",\n' +
        '"statesPerSecond", "verdict", "transitions", "runs", "medianMs" }], "parallel": [{ "name",\n' +
        '"workers", "verdict", "states", "wallMs", "cpuMs", "mainCpuMs", "helpersCpuMs", "idealMs", "load" }] }\n' +
        '(ms and statesPerSecond: the best timed run; medianMs: the median one).\n',
    );
    return;
  }
  const only = values.only === undefined ? undefined : new RegExp(values.only);
  const litmusDir = litmusFolder();
  const axiomsDir = litmusFolder(true);
  try {
    const benches = run(values.json === true, only, litmusDir, axiomsDir);
    const parallel = parallelBench(only, values.json === true);
    if (values.json) process.stdout.write(`${JSON.stringify({ benches, parallel }, null, 2)}\n`);
  } finally {
    rmSync(litmusDir, { recursive: true, force: true });
    rmSync(axiomsDir, { recursive: true, force: true });
    rmSync(`${axiomsDir}-W8.litmus`, { force: true });
  }
}

function run(json: boolean, only: RegExp | undefined, litmusDir: string, axiomsDir: string): BenchResult[] {
  const values = { json };
  const selected = benches(litmusDir, axiomsDir).filter((b) => only === undefined || only.test(b.name));
  const results: BenchResult[] = [];
  const nameW = Math.max(...selected.map((b) => b.name.length), 4);
  if (!values.json && selected.length > 0) {
    process.stdout.write(
      `${'name'.padEnd(nameW)}  ${'verdict'.padEnd(12)} ${'states'.padStart(10)} ${'best ms'.padStart(10)} ${'states/s'.padStart(12)} ${'median ms'.padStart(10)}\n`,
    );
  }
  for (const b of selected) {
    const r = measure(b);
    results.push(r);
    if (!values.json) {
      process.stdout.write(
        `${r.name.padEnd(nameW)}  ${r.verdict.padEnd(12)} ${r.states.toLocaleString('en-US').padStart(10)} ${r.ms
          .toFixed(1)
          .padStart(
            10,
          )} ${r.statesPerSecond.toLocaleString('en-US').padStart(12)} ${r.medianMs.toFixed(1).padStart(10)}\n`,
      );
    }
  }
  return results;
}

main();
