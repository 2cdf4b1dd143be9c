/**
 * The `kvmspec` command line as a user runs it: a child process on the pinned Node with the
 * loader hook, checked for exit codes, one-line usage errors, text and JSON output.
 */
import { describe, expect, it, vi } from 'vitest';
import { MODELS } from '../../src/spec/models/index.ts';
import { exec, kvmspec, ROOT, type Run } from '../support/cli-process.ts';

// Each test starts Node once or a few times; on a loaded 2-core machine that takes seconds.
vi.setConfig({ testTimeout: 120_000 });

function json(r: Run): unknown {
  return JSON.parse(r.stdout);
}

/** A usage error: exit 2, nothing on stdout, exactly one line on stderr matching `pattern`. */
function expectUsageError(r: Run, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^kvmspec[ :]/);
  expect(lines[0]).toMatch(pattern);
}

describe('kvmspec list', () => {
  it('--json has the documented shape', async () => {
    const r = await kvmspec('list', '--json');
    expect(r.code).toBe(0);
    const list = json(r) as {
      model: string;
      memoryModels: string[];
      variants: { name: string; expected: string; description: string }[];
    }[];
    expect(list.map((m) => m.model)).toEqual(MODELS.map((m) => m.name));
    for (const [i, m] of list.entries()) {
      const def = MODELS[i];
      if (!def) throw new Error('model count');
      expect(m.memoryModels).toEqual(def.memoryModels);
      expect(m.variants.map((v) => v.name)).toEqual(def.variants.map((v) => v.name));
      for (const v of m.variants) {
        expect(['holds', 'violated']).toContain(v.expected);
        expect(typeof v.description).toBe('string');
        const spec = def.variants.find((x) => x.name === v.name);
        expect(v.expected).toBe(spec?.expect[def.defaultMemoryModel]?.verdict);
      }
    }
    const sb = list.find((m) => m.model === 'sb');
    expect(sb?.variants.find((v) => v.name === 'unfenced')?.expected).toBe('violated');
    expect(sb?.variants.find((v) => v.name === 'fenced')?.expected).toBe('holds');
  });

  it('text lists models, variants with expected verdicts, and memory models', async () => {
    const r = await kvmspec('list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sb: Store buffering$/m);
    expect(r.stdout).toMatch(/unfenced\s+sc:holds\s+tso:violated\s+relaxed:violated/);
    expect(r.stdout).toMatch(/Memory models:\n {2}sc .*\n {2}tso .*\n {2}relaxed /);
  });

  it('rejects arguments and unknown options', async () => {
    expectUsageError(await kvmspec('list', 'sb'), /list: unexpected argument "sb"/);
    expectUsageError(await kvmspec('list', '--frob'), /list: unknown option --frob \(options: --json, --help\)/);
  });
});

describe('kvmspec check, one variant', () => {
  it('holds: exit 0', async () => {
    const r = await kvmspec('check', 'sb', '--variant', 'fenced');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sb \/ fenced under tso: HOLDS$/m);
    expect(r.stdout).toMatch(/\d+ states, \d+ transitions, depth \d+, [\d.]+ m?s/);
    expect(r.stdout).toMatch(/expected: holds - as expected/);
  });

  it('violated: exit 1, with the counterexample as a per-CPU table and the trace string', async () => {
    const r = await kvmspec('check', 'sb', '--variant', 'unfenced');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^sb \/ unfenced under tso: VIOLATED$/m);
    expect(r.stdout).toMatch(/invariant one-sees-the-other/);
    expect(r.stdout).toMatch(/step\s+cpu\s+actor\s+event\s+action\s+value\s+source/);
    expect(r.stdout).toMatch(/^\s+1\s+cpu0\s+P0\s+WRITE_ONCE\(x, 1\)\s+src\/spec\/models\/sb\/model\.ts:\d+$/m);
    expect(r.stdout).toMatch(/READ_ONCE\(y\)\s+= 0\s+src\/spec\/models\/sb\/model\.ts:\d+/);
    expect(r.stdout).toMatch(/mem\s+store buffer of P0\s+drain/);
    expect(r.stdout).toMatch(/^Trace: t1\/sb\/unfenced\/tso\/\S+$/m);
  });

  it('--json has the documented shape', async () => {
    const r = await kvmspec('check', 'sb', '--variant', 'unfenced', '--memory-model', 'relaxed', '--json');
    expect(r.code).toBe(1);
    const out = json(r) as Record<string, unknown> & {
      counterexample: { steps: Record<string, unknown>[]; trace: string };
    };
    expect(out).toMatchObject({ model: 'sb', variant: 'unfenced', memoryModel: 'relaxed', verdict: 'violated' });
    expect(typeof out.states).toBe('number');
    expect(typeof out.ms).toBe('number');
    expect(out.counterexample.steps.length).toBeGreaterThan(0);
    for (const s of out.counterexample.steps) {
      expect(s).toHaveProperty('actor');
      expect(s).toHaveProperty('cpu');
      expect(s).toHaveProperty('text');
      expect(s).toHaveProperty('kind');
    }
    expect(out.counterexample.trace).toMatch(/^t1\/sb\/unfenced\/relaxed\//);
  });

  it('--json without a violation has no counterexample', async () => {
    const r = await kvmspec('check', 'sb', '--variant', 'fenced', '--json');
    expect(r.code).toBe(0);
    const out = json(r) as Record<string, unknown>;
    expect(out).toMatchObject({ model: 'sb', variant: 'fenced', memoryModel: 'tso', verdict: 'holds' });
    expect(out).not.toHaveProperty('counterexample');
  });

  it('inconclusive: exit 3', async () => {
    const r = await kvmspec('check', 'sb', '--variant', 'fenced', '--max-states', '3', '--json');
    expect(r.code).toBe(3);
    const out = json(r) as { verdict: string; reason: string };
    expect(out.verdict).toBe('inconclusive');
    expect(out.reason).toMatch(/states/);
  });

  it('--no-reduction explores at least as many states', async () => {
    const a = json(await kvmspec('check', 'sb', '--variant', 'fenced', '--json')) as { states: number };
    const b = json(await kvmspec('check', 'sb', '--variant', 'fenced', '--no-reduction', '--json')) as {
      states: number;
    };
    expect(b.states).toBeGreaterThanOrEqual(a.states);
  });

  it('says which symmetry it used, and --no-symmetry stores every state', async () => {
    const args = ['check', 'requests', '--variant', 'kvm-x86-pi', '--param', 'requesters=2'];
    const text = await kvmspec(...args);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}symmetry: requesters: any permutation of 2 members \(2 renamings\)$/m);
    const a = json(await kvmspec(...args, '--json')) as { states: number; symmetry: string };
    const b = json(await kvmspec(...args, '--no-symmetry', '--json')) as { states: number; symmetry: string };
    expect(b.symmetry).toBe('off (by option)');
    expect(b.states).toBeGreaterThan(a.states);
  });

  it('numbers thread states by future behaviour, and --no-quotient by history, with the same verdict', async () => {
    const args = ['check', 'requests', '--variant', 'correct-x86', '--memory-model', 'tso', '--param', 'vcpus=2'];
    const a = json(await kvmspec(...args, '--json')) as { verdict: string; states: number; automata?: object };
    const b = json(await kvmspec(...args, '--no-quotient', '--json')) as {
      verdict: string;
      states: number;
      automata?: object;
    };
    expect(a.verdict).toBe('holds');
    expect(b.verdict).toBe('holds');
    expect(a.automata).toBeDefined();
    expect(b.automata).toBeUndefined();
    expect(b.states).toBeGreaterThan(a.states);
  });
});

describe('kvmspec check, every variant', () => {
  it('exit 0 when every variant gives its expected verdict, one line each', async () => {
    const r = await kvmspec('check', 'sb');
    expect(r.code).toBe(0);
    const sb = MODELS.find((m) => m.name === 'sb');
    for (const v of sb?.variants ?? []) expect(r.stdout).toMatch(new RegExp(`^${v.name}\\s+\\S+.*as expected$`, 'm'));
    expect(r.stdout).toMatch(/sb under tso: 3 of 3 variants as expected/);
  });

  it('under another memory model too', async () => {
    const r = await kvmspec('check', 'sb', '--memory-model', 'sc');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^unfenced\s+holds/m);
  });

  it('--json: one result per variant', async () => {
    const r = await kvmspec('check', 'sb', '--json');
    expect(r.code).toBe(0);
    const out = json(r) as { model: string; memoryModel: string; asExpected: boolean; results: { variant: string }[] };
    expect(out.model).toBe('sb');
    expect(out.memoryModel).toBe('tso');
    expect(out.asExpected).toBe(true);
    expect(out.results.map((x) => x.variant)).toEqual(['fenced', 'unfenced', 'one-sided']);
  });

  it('exit 3 when a run is inconclusive', async () => {
    expect((await kvmspec('check', 'sb', '--max-states', '2')).code).toBe(3);
  });
});

describe('kvmspec check: usage errors are one line and exit 2', () => {
  // The full table of usage errors runs in process (test/cli/main.test.ts); these check that
  // the process prints the one line on stderr and exits 2.
  const models = MODELS.map((m) => m.name).join(', ');
  it.each([
    [['check', 'nosuch'], new RegExp(`unknown model "nosuch" \\(models: ${models}\\)`)],
    [
      ['check', 'sb', '--variant', 'nosuch'],
      /model sb has no variant "nosuch" \(variants: fenced, unfenced, one-sided\)/,
    ],
    [['check', 'sb', '--memory-model', 'arm'], /unknown memory model "arm" \(memory models: sc, tso, relaxed\)/],
    [['check', 'sb', '--frobnicate'], /unknown option --frobnicate \(options: --variant, --memory-model, .*--json/],
    [['check', 'sb', '--max-states', 'lots'], /--max-states must be a positive integer, got "lots"/],
    [['frobnicate'], /unknown command "frobnicate" \(commands: list, check, replay, litmus, help\)/],
  ])('kvmspec %j', async (args, pattern) => {
    expectUsageError(await kvmspec(...args), pattern);
  });

  it('no command: the usage on stderr, exit 2', async () => {
    const r = await kvmspec();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage: kvmspec <command>/);
  });
});

describe('kvmspec replay', () => {
  it('replays a trace printed by check', async () => {
    const trace = (
      json(await kvmspec('check', 'sb', '--variant', 'unfenced', '--json')) as { counterexample: { trace: string } }
    ).counterexample.trace;
    const r = await kvmspec('replay', trace);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sb \/ unfenced under tso: the trace replays$/m);
    expect(r.stdout).toMatch(/WRITE_ONCE\(x, 1\)/);
    expect(r.stdout).toContain(`Trace: ${trace}`);
    const j = await kvmspec('replay', trace, '--json');
    expect(j.code).toBe(0);
    expect((json(j) as { steps: unknown[]; trace: string }).trace).toBe(trace);
  });

  it('a bad trace: exit 2 with the reason (more cases in main.test.ts)', async () => {
    expectUsageError(
      await kvmspec('replay', 't1/sb/unfenced/tso/-/0.1/-/00000000'),
      /replay: the trace replays, but its steps now mean something else/,
    );
  });
});

describe('help', () => {
  it('--help prints the usage on stdout, exit 0 (every command: main.test.ts)', async () => {
    const r = await kvmspec('check', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: kvmspec check <model>[\s\S]*Exit codes, all variants: 0 every variant/);
    expect(r.stderr).toBe('');
  });

  it('--version prints the package version', async () => {
    const r = await kvmspec('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('bin/kvmspec launcher', () => {
  it('runs the CLI on the pinned Node from any directory', async () => {
    const r = await exec(`${ROOT}bin/kvmspec`, ['check', 'sb', '--variant', 'unfenced', '--json'], '/');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { counterexample: { steps: { site?: { file: string } }[] } };
    // The loader hook is active: steps carry their model source line.
    expect(out.counterexample.steps[0]?.site?.file).toBe('src/spec/models/sb/model.ts');
  });
});
