/**
 * `npm test`: the whole suite, with the parts that do not depend on each other run at the same
 * time, so that CI's 2 cores stay busy. The parts, and what each waits for:
 *
 *   build      astro build into dist/                       starts at once
 *   unit       vitest run --project unit                     starts at once
 *   lint       biome ci .                                    starts at once
 *   browser    vitest run --project browser (tests dist/)    after build
 *   typecheck  astro check (also type-checks every .ts file)  after build
 *
 * Why this order: the build and then the browser tests are the longest chain, and the browser
 * tests spend much of their time waiting on Chromium (page loads, hydration), while the unit
 * tests are CPU-bound; so the chain runs at normal priority and the CPU-bound parts beside it at
 * a lower one (`nice` +5, inherited by their workers), and fill the time the chain waits. The
 * type check waits for the build because `astro build` and `astro check` both rewrite the
 * generated types in .astro/ (content collections), which the type check reads: run together, one could
 * read a file the other is writing.
 *
 * Each part's output is kept and printed whole when it ends, one block per part, so parts never
 * interleave; a line says when each starts and ends, and every minute which are still running. Every part runs even if another fails
 * (except the browser tests, which need a build), so one run reports every failure; the exit
 * code is 1 if any part failed. `npm test -- --serial` runs the parts one after another, in the
 * old order (typecheck, lint, unit, build, browser), stopping at the first failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants, cpus, getPriority, loadavg, setPriority } from 'node:os';

interface Part {
  readonly name: string;
  /** Commands run one after another; the part fails at the first that fails. */
  readonly commands: readonly (readonly string[])[];
  /** Parts that must have passed before this one starts. */
  readonly after: readonly string[];
  /** Run below the normal priority: CPU-bound work beside the build-then-browser chain. */
  readonly background: boolean;
}

const PARTS: readonly Part[] = [
  { name: 'build', commands: [['astro', 'build']], after: [], background: false },
  { name: 'unit', commands: [['vitest', 'run', '--project', 'unit']], after: [], background: true },
  { name: 'lint', commands: [['biome', 'ci', '.']], after: [], background: true },
  { name: 'browser', commands: [['vitest', 'run', '--project', 'browser']], after: ['build'], background: false },
  {
    name: 'typecheck',
    // `astro check` type-checks every file of tsconfig.json's include (.ts as well as .astro:
    // "Result (282 files)", and it reported a probe error added to each of test/, test/support/,
    // scripts/, bench/ and vitest.config.ts), so a `tsc --noEmit` after it checked the same files
    // again: about 26 s of CPU (user + sys) measured at a load average of 21.
    commands: [['astro', 'check']],
    after: ['build'],
    background: true,
  },
];
const SERIAL_ORDER = ['typecheck', 'lint', 'unit', 'build', 'browser'];
/** How much lower (in `nice` steps) background parts run. */
const BACKGROUND_NICENESS = 5;

/** A part's wall time and, where measured, its CPU time (user + system), in seconds. */
type Outcome = { ok: true; seconds: number; cpu?: number } | { ok: false; seconds: number; cpu?: number; why: string };

const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)}s`;
const say = (text: string): void => {
  process.stdout.write(`==> [${elapsed()}] ${text}\n`);
};
const running = new Set<ChildProcess>();
/** Names of the parts running now, and how often to list them. */
const active = new Set<string>();
const HEARTBEAT_MS = 60_000;

/**
 * CPU time (user + system, seconds) of one command and every process it started and waited for,
 * as the kernel counts it for a parent: each command runs under a `bash` that reports its
 * children's times (the `times` builtin) on a pipe of its own once the command ends. On a shared
 * machine the wall time mostly measures the other load; this is the part's own cost.
 */
interface Cpu {
  user: number;
  system: number;
}
const MEASURE_CPU = process.platform !== 'win32';
/** Bash's `times` prints its own times, then its children's: `0m1.250s 0m0.110s` per line. */
function parseTimes(text: string): Cpu | undefined {
  const lines = text.trim().split('\n');
  const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines[1]?.trim() ?? '');
  if (!m) return undefined;
  const [, um, us, sm, ss] = m.map(Number) as [number, number, number, number, number];
  return { user: um * 60 + us, system: sm * 60 + ss };
}

/**
 * Runs one command with its output collected into `out` and its CPU time added to `cpu`;
 * resolves to its exit code or signal.
 */
function run(command: readonly string[], background: boolean, out: Buffer[], cpu: Cpu): Promise<string | null> {
  return new Promise((resolve) => {
    const [file, ...args] = (
      MEASURE_CPU ? ['bash', '-c', '"$@"; status=$?; times >&3; exit $status', 'bash', ...command] : command
    ) as [string, ...string[]];
    // Its own process group, so that an interrupt can stop it with everything it started.
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe', MEASURE_CPU ? 'pipe' : 'ignore'],
      detached: true,
      env: process.env,
    });
    const times: Buffer[] = [];
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (chunk: Buffer) => times.push(chunk));
    running.add(child);
    if (background && child.pid !== undefined) {
      try {
        const niceness = Math.min(getPriority(child.pid) + BACKGROUND_NICENESS, constants.priority.PRIORITY_LOW);
        setPriority(child.pid, niceness);
      } catch {
        // Priority is an optimisation: without it the part still runs, only less politely.
      }
    }
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => out.push(chunk));
    child.on('error', (error) => {
      out.push(Buffer.from(`\ncould not start ${file}: ${error.message}\n`));
      running.delete(child);
      resolve('not started');
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      const used = parseTimes(Buffer.concat(times).toString());
      if (used) {
        cpu.user += used.user;
        cpu.system += used.system;
      }
      resolve(code === 0 ? null : signal ? `killed by ${signal}` : `exit code ${code}`);
    });
  });
}

async function runPart(part: Part): Promise<Outcome> {
  const t0 = performance.now();
  const out: Buffer[] = [];
  const cpu: Cpu = { user: 0, system: 0 };
  say(`${part.name}: started (${part.commands.map((c) => c.join(' ')).join(', then ')})`);
  active.add(part.name);
  let why: string | null = null;
  for (const command of part.commands) {
    why = await run(command, part.background, out, cpu);
    if (why !== null) {
      why = `${command.join(' ')}: ${why}`;
      break;
    }
  }
  active.delete(part.name);
  const seconds = (performance.now() - t0) / 1000;
  const verdict = why === null ? 'passed' : `FAILED (${why})`;
  const cpuSeconds = MEASURE_CPU ? cpu.user + cpu.system : undefined;
  const took = `${seconds.toFixed(0)} s${cpuSeconds === undefined ? '' : ` (CPU ${cpuSeconds.toFixed(0)} s)`}`;
  process.stdout.write(`\n${'='.repeat(30)} ${part.name}: output ${'='.repeat(30)}\n`);
  process.stdout.write(Buffer.concat(out));
  process.stdout.write(`${'='.repeat(30)} ${part.name}: ${verdict} in ${took} ${'='.repeat(30)}\n`);
  say(`${part.name}: ${verdict} in ${took}\n`);
  const measured = cpuSeconds === undefined ? {} : { cpu: cpuSeconds };
  return why === null ? { ok: true, seconds, ...measured } : { ok: false, seconds, ...measured, why };
}

async function concurrent(): Promise<Map<string, Outcome | 'skipped'>> {
  const results = new Map<string, Outcome | 'skipped'>();
  const done = new Map<string, Promise<Outcome | 'skipped'>>();
  const start = (part: Part): Promise<Outcome | 'skipped'> => {
    const existing = done.get(part.name);
    if (existing) return existing;
    const promise = (async () => {
      const prerequisites = await Promise.all(
        part.after.map((name) => start(PARTS.find((p) => p.name === name) as Part)),
      );
      const failed = part.after.filter((_, i) => prerequisites[i] === 'skipped' || !(prerequisites[i] as Outcome).ok);
      if (failed.length > 0) {
        say(`${part.name}: skipped, because ${failed.join(' and ')} did not pass`);
        return 'skipped' as const;
      }
      return runPart(part);
    })();
    done.set(part.name, promise);
    return promise;
  };
  await Promise.all(PARTS.map(start));
  for (const part of PARTS) results.set(part.name, (await done.get(part.name)) as Outcome | 'skipped');
  return results;
}

async function serial(): Promise<Map<string, Outcome | 'skipped'>> {
  const results = new Map<string, Outcome | 'skipped'>();
  let failed = false;
  for (const name of SERIAL_ORDER) {
    const part = PARTS.find((p) => p.name === name) as Part;
    if (failed) {
      results.set(name, 'skipped');
      continue;
    }
    const outcome = await runPart({ ...part, background: false });
    results.set(name, outcome);
    failed = !outcome.ok;
  }
  return results;
}

function stopAll(signal: NodeJS.Signals): void {
  for (const child of running) {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    say(`${signal}: stopping every part`);
    stopAll(signal);
    process.exit(130);
  });
}

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--serial');
if (unknown.length > 0) {
  process.stderr.write(`npm test: unknown argument ${unknown.join(' ')} (the only option is --serial)\n`);
  process.exit(2);
}
const isSerial = args.includes('--serial');
say(
  `npm test: ${isSerial ? 'serial' : 'concurrent'} run on ${cpus().length} CPUs, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
// Output is printed per part when it ends, so say every minute what is still running.
const heartbeat = setInterval(() => {
  if (active.size > 0) say(`running: ${[...active].join(', ')}`);
}, HEARTBEAT_MS);
const results = isSerial ? await serial() : await concurrent();
clearInterval(heartbeat);

const rows = [...results].map(([name, r]) =>
  r === 'skipped'
    ? `  ${name.padEnd(10)} skipped`
    : `  ${name.padEnd(10)} ${r.ok ? 'passed' : 'FAILED'}  ${`${r.seconds.toFixed(0)} s`.padStart(6)}${r.cpu === undefined ? '' : `  CPU ${r.cpu.toFixed(0)} s`}`,
);
const failed = [...results.values()].some((r) => r === 'skipped' || !r.ok);
const totalCpu = [...results.values()].reduce((sum, r) => sum + (r === 'skipped' ? 0 : (r.cpu ?? 0)), 0);
say(
  `npm test: ${failed ? 'FAILED' : 'passed'} in ${elapsed()} (wall)${MEASURE_CPU ? `, CPU ${totalCpu.toFixed(0)} s (every part)` : ''}, load average now ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
process.stdout.write(`${rows.join('\n')}\n`);
process.exit(failed ? 1 : 0);
