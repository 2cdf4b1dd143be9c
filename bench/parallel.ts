/**
 * The parallel search's speed-up (issue 16, item 3): chapter models checked with one search
 * (--workers 1) and with worker threads (src/cli/parallel.ts), side by side in one run, the
 * results checked equal. Part of `npm run bench` (select with `--only parallel`).
 *
 * On a shared machine wall time says little, so each run reports CPU time too: the main
 * thread's (the explorer: store, numbering, ample sets, liveness graph), and the helpers' (the
 * process's CPU time less the main thread's), with the load average before and after. "ideal"
 * is the wall time the run would take on idle cores: the longest of the main thread's CPU time,
 * the helpers' spread over the cores, and the whole CPU time spread over the cores. Each
 * configuration runs once to warm up (and to start the workers), then BEST_OF times.
 */
import { availableParallelism, loadavg } from 'node:os';
import { NodeTransport } from '../src/cli/parallel.ts';
import { type CheckRequest, type CheckResult, check } from '../src/spec/engine/index.ts';
import { MODELS } from '../src/spec/models/index.ts';

interface Config {
  readonly name: string;
  readonly model: string;
  readonly req: CheckRequest;
}

const CONFIGS: readonly Config[] = [
  {
    name: 'requests/correct-x86 2x1 (tso), with liveness',
    model: 'requests',
    req: { variant: 'correct-x86', memoryModel: 'tso', params: { vcpus: 2, requesters: 1 } },
  },
  { name: 'rseq/rseq-2025 (tso)', model: 'rseq', req: { variant: 'rseq-2025', memoryModel: 'tso' } },
  {
    name: 'nohz-rcu/arm64-8cfe148a7136 (relaxed), reduced',
    model: 'nohz-rcu',
    req: { variant: 'arm64-8cfe148a7136', memoryModel: 'relaxed' },
  },
];
const BEST_OF = 2;

export interface ParallelResult {
  readonly name: string;
  readonly workers: number;
  readonly verdict: string;
  readonly states: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly mainCpuMs: number;
  readonly helpersCpuMs: number;
  readonly idealMs: number;
  readonly load: readonly number[];
}

const ms = (u: { user: number; system: number }): number => (u.user + u.system) / 1000;

function once(c: Config, transport: NodeTransport | undefined): { r: CheckResult; m: Omit<ParallelResult, 'name'> } {
  const m = MODELS.find((x) => x.name === c.model);
  if (m === undefined) throw new Error(`no model ${c.model}`);
  const load = loadavg().map((x) => Math.round(x * 10) / 10);
  const cpu0 = process.cpuUsage();
  const main0 = process.threadCpuUsage();
  const t0 = performance.now();
  const r = check(m, { ...c.req, ...(transport ? { transport } : {}) });
  const wallMs = performance.now() - t0;
  const cpuMs = ms(process.cpuUsage(cpu0));
  const mainCpuMs = ms(process.threadCpuUsage(main0));
  const helpersCpuMs = transport ? Math.max(0, cpuMs - mainCpuMs) : 0;
  const cores = availableParallelism();
  const workers = transport?.helpers ?? 1;
  const idealMs = Math.max(mainCpuMs, helpersCpuMs / Math.min(cores, workers), cpuMs / cores);
  return {
    r,
    m: { workers, verdict: r.verdict, states: r.states, wallMs, cpuMs, mainCpuMs, helpersCpuMs, idealMs, load },
  };
}

function best(c: Config, transport: NodeTransport | undefined): { r: CheckResult; m: ParallelResult } {
  once(c, transport);
  let out: { r: CheckResult; m: Omit<ParallelResult, 'name'> } | undefined;
  for (let i = 0; i < BEST_OF; i++) {
    const x = once(c, transport);
    if (out === undefined || x.m.wallMs < out.m.wallMs) out = x;
  }
  const o = out as { r: CheckResult; m: Omit<ParallelResult, 'name'> };
  return { r: o.r, m: { name: c.name, ...o.m } };
}

const same = (a: CheckResult, b: CheckResult): boolean =>
  a.verdict === b.verdict &&
  a.states === b.states &&
  a.transitions === b.transitions &&
  a.counterexample?.encoded === b.counterexample?.encoded;

/** Runs the comparison; prints a table (or returns the rows for --json). */
export function parallelBench(
  only: RegExp | undefined,
  json: boolean,
  workers = availableParallelism(),
): ParallelResult[] {
  const configs = CONFIGS.filter((c) => only === undefined || only.test(`parallel ${c.name}`));
  if (configs.length === 0) return [];
  const transport = new NodeTransport(Math.max(2, workers));
  const rows: ParallelResult[] = [];
  const w = Math.max(...configs.map((c) => c.name.length));
  if (!json) {
    process.stdout.write(
      `\nParallel search (kvmspec check --workers), ${availableParallelism()} cores, CPU times in ms\n` +
        `${'configuration'.padEnd(w)}  workers  ${'states'.padStart(9)} ${'wall'.padStart(8)} ${'cpu'.padStart(8)} ${'main'.padStart(8)} ${'helpers'.padStart(8)} ${'ideal'.padStart(8)}  speed-up wall/ideal  load\n`,
    );
  }
  try {
    for (const c of configs) {
      const seq = best(c, undefined);
      const par = best(c, transport);
      if (!same(seq.r, par.r))
        throw new Error(`${c.name}: the parallel search's result differs from the sequential one`);
      rows.push(seq.m, par.m);
      if (!json) {
        for (const m of [seq.m, par.m]) {
          const up =
            m === par.m
              ? `${(seq.m.wallMs / par.m.wallMs).toFixed(2)}x / ${(seq.m.idealMs / par.m.idealMs).toFixed(2)}x`
              : '';
          process.stdout.write(
            `${m.name.padEnd(w)}  ${String(m.workers).padStart(7)}  ${m.states.toLocaleString('en-US').padStart(9)} ${m.wallMs.toFixed(0).padStart(8)} ${m.cpuMs.toFixed(0).padStart(8)} ${m.mainCpuMs.toFixed(0).padStart(8)} ${m.helpersCpuMs.toFixed(0).padStart(8)} ${m.idealMs.toFixed(0).padStart(8)}  ${up.padEnd(19)} ${m.load.join(' ')}\n`,
          );
        }
      }
    }
  } finally {
    void transport.close();
  }
  return rows;
}
