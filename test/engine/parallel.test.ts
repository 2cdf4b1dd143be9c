/**
 * The parallel search (src/spec/engine/parallel/) gives the sequential search's result: the
 * same verdict, state and transition counts, depth, counterexample (the trace string, so every
 * step), witnesses, budget reasons, restarts and reductions. Helpers run in process here
 * (InProcessTransport), answering in a shuffled order, as threads of different speeds would,
 * and from later tasks as a browser's Web Workers do; src/cli/parallel.ts's worker threads are
 * tested through the command (test/cli/parallel.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { HistoryTable } from '../../src/spec/engine/automaton.ts';
import {
  type CheckRequest,
  type CheckResult,
  check,
  checkAsync,
  InProcessTransport,
  type MemoryModelName,
} from '../../src/spec/engine/index.ts';
import { PARALLEL_FROM } from '../../src/spec/engine/parallel/coordinator.ts';
import { MODELS } from '../../src/spec/models/index.ts';

const model = (name: string) => {
  const m = MODELS.find((x) => x.name === name);
  if (m === undefined) throw new Error(`no model ${name}`);
  return m;
};

/** The result without what may differ: the time, and the parallel search's own report. */
function essence(r: CheckResult) {
  const { ms: _ms, parallel: _p, counterexample, ...rest } = r;
  return { ...rest, trace: counterexample?.encoded, cycleStart: counterexample?.cycleStart };
}

interface Case {
  readonly model: string;
  readonly variant?: string;
  readonly memoryModel?: MemoryModelName;
  readonly req?: Omit<CheckRequest, 'variant' | 'memoryModel' | 'transport'>;
}

const label = (c: Case) =>
  `${c.model}/${c.variant ?? '(first)'} ${c.memoryModel ?? '(default)'}${c.req ? ` ${JSON.stringify(c.req)}` : ''}`;

function request(c: Case): CheckRequest {
  return {
    ...(c.variant !== undefined ? { variant: c.variant } : {}),
    ...(c.memoryModel !== undefined ? { memoryModel: c.memoryModel } : {}),
    ...c.req,
  };
}

/** Each model's first variant under its default memory model (nohz-rcu's has 122,294 states under relaxed: SC and TSO). */
const DEFAULTS: readonly Case[] = [
  { model: 'requests' },
  { model: 'rseq' },
  { model: 'nohz-rcu', memoryModel: 'sc' },
  { model: 'nohz-rcu', memoryModel: 'tso' },
  { model: 'sb' },
  { model: 'tsc' },
];

/**
 * A sample of variants under SC, TSO and relaxed memory, chosen for what the search does on
 * them: violations found under partial-order reduction and then shortened, progress lassos,
 * quotient and ghost restarts (rseq), symmetry, a state budget.
 */
const SAMPLE: readonly Case[] = [
  ...(['sc', 'tso', 'relaxed'] as const).map((mm) => ({
    model: 'requests',
    variant: 'no-vcpu-barrier',
    memoryModel: mm,
  })),
  { model: 'requests', variant: 'correct-x86', memoryModel: 'relaxed' },
  { model: 'requests', variant: 'halt-no-wakeup', memoryModel: 'tso' },
  { model: 'requests', variant: 'halt-no-wakeup', memoryModel: 'relaxed' },
  { model: 'requests', variant: 'request-less-kick', memoryModel: 'tso' },
  // Without symmetry: with it, the liveness graph needs each edge's renaming, which helpers'
  // records do not carry, so that search stays sequential (explore.ts, distribute()).
  { model: 'requests', variant: 'cpu-read-first-2-requesters', memoryModel: 'tso', req: { symmetry: false } },
  {
    model: 'requests',
    variant: 'correct-x86',
    memoryModel: 'tso',
    req: { params: { vcpus: 1, requesters: 2 }, liveness: false },
  },
  { model: 'requests', variant: 'cpu-read-first', memoryModel: 'tso', req: { maxStates: 700 } },
  { model: 'rseq', variant: 'selftest-livelock', memoryModel: 'sc' },
  { model: 'rseq', variant: 'rseq-2025-no-retrigger', memoryModel: 'tso' },
  { model: 'rseq', variant: 'selftest-delay', memoryModel: 'sc' },
  { model: 'nohz-rcu', variant: 'arm64-1b3d546daf85', memoryModel: 'sc' },
  { model: 'nohz-rcu', variant: 'arm64-no-isb', memoryModel: 'relaxed' },
  ...(['sc', 'tso', 'relaxed'] as const).map((mm) => ({ model: 'sb', variant: 'unfenced', memoryModel: mm })),
  // Hotplug with stop_machine, and a violation (the variants without a vCPU or reader are small).
  { model: 'tsc', variant: 'before-hotplug-3cpu', memoryModel: 'relaxed' },
  { model: 'tsc', variant: 'before-ref-read' },
];

describe('the parallel search gives the sequential result', () => {
  /** The sample's sequential results, for the last test. */
  const seen: CheckResult[] = [];
  for (const c of [...DEFAULTS, ...SAMPLE]) {
    it(label(c), () => {
      const m = model(c.model);
      const sequential = check(m, request(c));
      if (SAMPLE.includes(c)) seen.push(sequential);
      const transport = new InProcessTransport(MODELS, { helpers: 2, shuffle: 0x5eed });
      const parallel = check(m, { ...request(c), transport });
      expect(essence(parallel)).toEqual(essence(sequential));
      // The helpers did expand states (a search under PARALLEL_FROM states never starts them).
      if (sequential.states >= PARALLEL_FROM) expect(parallel.parallel?.states ?? 0).toBeGreaterThan(0);
    });
  }

  it('exercises restarts, symmetry, reduction and lassos (else the sample above misses its point)', () => {
    expect(seen).toHaveLength(SAMPLE.length);
    expect(seen.some((r) => (r.automata?.restarts ?? 0) > 0)).toBe(true);
    expect(seen.some((r) => (r.ghosts?.restarts ?? 0) > 0)).toBe(true);
    expect(seen.some((r) => r.symmetry !== undefined && !r.symmetry.startsWith('not used'))).toBe(true);
    expect(seen.some((r) => r.shortestSearchStates !== undefined)).toBe(true);
    expect(seen.some((r) => r.counterexample?.cycleStart !== undefined)).toBe(true);
    expect(seen.some((r) => r.verdict === 'inconclusive')).toBe(true);
  });
});

describe('helpers that answer from later tasks (as Web Workers do)', () => {
  for (const c of [SAMPLE[0], SAMPLE[5], SAMPLE[11]] as Case[]) {
    it(label(c), async () => {
      const m = model(c.model);
      const sequential = check(m, request(c));
      const transport = new InProcessTransport(MODELS, { helpers: 3, blocking: false, shuffle: 7 });
      const parallel = await checkAsync(m, { ...request(c), transport });
      expect(essence(parallel)).toEqual(essence(sequential));
      expect(parallel.parallel?.states ?? 0).toBeGreaterThan(0);
    });
  }

  it('a transport that cannot block is refused by the synchronous check', () => {
    const transport = new InProcessTransport(MODELS, { blocking: false });
    expect(() => check(model('sb'), { transport })).toThrow(/checkAsync/);
  });

  it('cancel stops a parallel search as it stops a sequential one', async () => {
    const controller = new AbortController();
    const transport = new InProcessTransport(MODELS, { helpers: 2, blocking: false });
    const r = await checkAsync(
      model('requests'),
      {
        variant: 'cpu-read-first-2-requesters',
        memoryModel: 'tso',
        transport,
        signal: controller.signal,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.states > 1000) controller.abort();
        },
      },
      5,
    );
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/^cancelled after \d+ states/);
  });
});

describe('the transport and the numbering', () => {
  it('a helper that cannot build the replica fails the search loudly', () => {
    const transport = new InProcessTransport([], { helpers: 1 });
    expect(() => check(model('requests'), { variant: 'correct-x86', transport })).toThrow(
      /a helper failed: no model requests here/,
    );
  });

  it('history numbers out of step are an error, never a guess', () => {
    const table = new HistoryTable();
    table.extend(1, [[0], [1]]);
    expect(table.size).toBe(3);
    expect(() => table.extend(2, [[2]])).toThrow(/out of step/);
    table.frozen = true;
    expect(table.intern([1])).toBe(2);
    expect(() => table.intern([5])).toThrow(/not numbered here/);
    expect(table.missed).toBe(true);
  });

  it('the default thresholds keep a small search sequential: no helper is even started', () => {
    const transport = new InProcessTransport(MODELS, { helpers: 2, startFrom: 200, parallelFrom: 2000 });
    const r = check(model('sb'), { transport });
    expect(r.parallel).toEqual({ helpers: 2, states: 0, batches: 0, left: 0 });
    expect(transport.posted).toBe(0);
  });
});
