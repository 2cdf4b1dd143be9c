/**
 * The CLI's logic in process, with test models: comparison with expected verdicts (exit 1 when
 * a variant does not give its declared verdict) and how traces with interrupts, IPIs, guest
 * entry/exit and lassos are printed.
 */
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/kvmspec.ts';
import { type AnyModel, defineModel, READ_ONCE, WRITE_ONCE } from '../../src/spec/engine/index.ts';
import { MODELS } from '../../src/spec/models/index.ts';
import { fairness, kick } from '../engine/models.ts';

function run(models: readonly AnyModel[], ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), progress: false, models });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** SB without barriers under SC, with one variant that wrongly expects a violation. */
const wrong = defineModel<Record<string, never>>({
  name: 'wrong',
  title: 'A model with a wrong expectation (test)',
  source: 'test/cli/main.test.ts',
  memoryModels: ['sc', 'tso'],
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'right', description: 'expects holds', flags: {}, expect: { sc: { verdict: 'holds', states: 13 } } },
    {
      name: 'wrong',
      description: 'expects a violation that SC cannot give',
      flags: {},
      expect: { sc: { verdict: 'violated', property: 'one-sees-the-other', states: 13 } },
    },
  ],
  setup(b) {
    const x = b.loc('x');
    const y = b.loc('y');
    b.thread('P0', { cpu: 0 }, function* () {
      yield* WRITE_ONCE(x, 1);
      yield* READ_ONCE(y);
    });
    b.thread('P1', { cpu: 1 }, function* () {
      yield* WRITE_ONCE(y, 1);
      yield* READ_ONCE(x);
    });
    b.always('one-sees-the-other', 'never broken here', () => true);
  },
});

describe('check against expectations', () => {
  it('exit 1 when some variant does not give its expected verdict', () => {
    const r = run([wrong], 'check', 'wrong');
    expect(r.code).toBe(EXIT.violated);
    expect(r.stdout).toMatch(/^right\s+holds.*as expected$/m);
    expect(r.stdout).toMatch(/^wrong\s+holds.*NOT AS EXPECTED: expected violated \(one-sees-the-other\)$/m);
    expect(r.stdout).toMatch(/1 of 2 variants as expected/);
  });

  it('a variant without an expectation for the memory model does not count against', () => {
    const r = run([wrong], 'check', 'wrong', '--memory-model', 'tso');
    expect(r.code).toBe(EXIT.holds);
    expect(r.stdout).toMatch(/no recorded expectation/);
    expect(r.stdout).toMatch(/2 with no recorded expectation to compare \(none under tso/);
  });

  it('other --param values than the defaults: nothing to compare, not a mismatch', () => {
    const r = run(MODELS, 'check', 'rseq', '--param', 'migrations=1');
    // The exit code compares expectations only (0: no variant differs from one), as without --param.
    expect(r.code).toBe(EXIT.holds);
    const rseq = MODELS.find((m) => m.name === 'rseq');
    const n = rseq?.variants.length ?? 0;
    expect(r.stdout).toMatch(
      new RegExp(`rseq under tso: 0 of ${n} variants as expected; ${n} with no recorded expectation to compare`),
    );
    expect(r.stdout).not.toMatch(/NOT AS EXPECTED/);
  });

  it('one variant: the exit code is the verdict, the text says it is not as expected', () => {
    const r = run([wrong], 'check', 'wrong', '--variant', 'wrong');
    expect(r.code).toBe(EXIT.holds);
    expect(r.stdout).toMatch(/expected: violated \(one-sees-the-other\) - NOT AS EXPECTED/);
  });

  it('a memory model the model does not declare is a usage error', () => {
    const r = run([wrong], 'check', 'wrong', '--memory-model', 'relaxed');
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toBe('kvmspec check: model wrong does not support memory model relaxed (supported: sc, tso)');
  });
});

describe('--relaxed-collect', () => {
  it('checks under the rule given, with the same verdict and no fewer states than the default', () => {
    const args = ['check', 'sb', '--variant', 'unfenced', '--memory-model', 'relaxed', '--json'];
    const states = (r: { stdout: string }) => (JSON.parse(r.stdout) as { states: number }).states;
    const byDefault = run(MODELS, ...args);
    const everyView = run(MODELS, ...args, '--relaxed-collect', 'every-view');
    expect(everyView.code).toBe(byDefault.code);
    expect(states(everyView)).toBeGreaterThanOrEqual(states(byDefault));
  });

  it('an unknown rule, or another memory model, is a usage error', () => {
    const bad = run(MODELS, 'check', 'sb', '--memory-model', 'relaxed', '--relaxed-collect', 'all');
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toBe(
      'kvmspec check: unknown --relaxed-collect rule "all" (rules: accessors, readers, every-view)',
    );
    const tso = run(MODELS, 'check', 'sb', '--memory-model', 'tso', '--relaxed-collect', 'readers');
    expect(tso.code).toBe(EXIT.usage);
    expect(tso.stderr).toBe('kvmspec check: --relaxed-collect applies under --memory-model relaxed only, not tso');
  });
});

describe('--state-store', () => {
  it('gives the same result with either store, and refuses another', () => {
    const args = ['check', 'sb', '--variant', 'unfenced', '--memory-model', 'tso', '--json'];
    const result = (r: { stdout: string }) => {
      const { verdict, states, transitions } = JSON.parse(r.stdout) as Record<string, unknown>;
      return { verdict, states, transitions };
    };
    const tree = run(MODELS, ...args, '--state-store', 'tree');
    const packed = run(MODELS, ...args, '--state-store', 'packed');
    expect(tree.code).toBe(EXIT.violated);
    expect(result(tree)).toEqual(result(packed));
    const bad = run(MODELS, 'check', 'sb', '--state-store', 'zip');
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toBe('kvmspec check: unknown --state-store "zip" (tree, packed)');
  });
});

describe('trace printing', () => {
  it('marks IPIs, guest entry and exit, interrupts and handler steps', () => {
    const r = run([kick], 'check', 'test-kick', '--variant', 'kick');
    expect(r.code).toBe(EXIT.violated);
    expect(r.stdout).toMatch(/cpu0\s+sender\s+IPI -> cpu1\s+smp_send_reschedule\(1\)/);
    expect(r.stdout).toMatch(/cpu1\s+vcpu\s+VM-ENTRY\s+VM-entry/);
    expect(r.stdout).toMatch(/cpu1\s+vcpu\s+VM-EXIT\s+VM-exit \(interrupt\)/);
    expect(r.stdout).toMatch(/cpu1\s+cpu1\s+IRQ\s+interrupt taken: reschedule/);
    expect(r.stdout).toMatch(/cpu1\s+reschedule@cpu1\s+irq handler\s+READ_ONCE\(req\)/);
    expect(r.stdout).toMatch(/READ_ONCE\(req\)\s+= 1/);
    expect(r.stdout).toMatch(/^ {2}ghosts: seen=1$/m);
  });

  it('marks where a lasso cycle starts and where it returns', () => {
    const r = run([fairness], 'check', 'test-fairness', '--variant', 'retry', '--memory-model', 'sc');
    expect(r.code).toBe(EXIT.violated);
    expect(r.stdout).toMatch(/progress done: the thread eventually finishes its job/);
    expect(r.stdout).toMatch(/Counterexample, \d+ steps \(a lasso\):/);
    expect(r.stdout).toMatch(/---- cycle starts: steps 1-\d+ repeat forever ----/);
    expect(r.stdout).toMatch(/---- back to step 1 ----/);
    const lines = r.stdout.split('\n');
    const start = lines.findIndex((l) => l.includes('cycle starts'));
    const back = lines.findIndex((l) => l.includes('back to step'));
    expect(start).toBeGreaterThan(0);
    expect(back).toBeGreaterThan(start + 1);
  });

  it('JSON carries the cycle start', () => {
    const r = run([fairness], 'check', 'test-fairness', '--variant', 'coin', '--memory-model', 'sc', '--json');
    const out = JSON.parse(r.stdout) as { counterexample: { cycleStart: number; steps: unknown[] } };
    expect(out.counterexample.cycleStart).toBe(0);
    expect(out.counterexample.steps.length).toBeGreaterThan(0);
  });
});

describe('usage errors: one line naming the valid choices, exit 2', () => {
  const models = MODELS.map((m) => m.name).join(', ');
  it.each([
    [['check', 'nosuch'], `kvmspec check: unknown model "nosuch" (models: ${models})`],
    [
      ['check', 'sb', '--variant', 'nosuch'],
      'kvmspec check: model sb has no variant "nosuch" (variants: fenced, unfenced, one-sided)',
    ],
    [
      ['check', 'sb', '--memory-model', 'arm'],
      'kvmspec check: unknown memory model "arm" (memory models: sc, tso, relaxed)',
    ],
    [
      ['check', 'sb', '--frobnicate'],
      'kvmspec check: unknown option --frobnicate (options: --variant, --memory-model, --max-states, --max-ms, --param, --no-reduction, --no-symmetry, --no-quotient, --store-all-ghosts, --two-graphs, --no-liveness, --state-store, --relaxed-collect, --workers, --json, --format, --help)',
    ],
    [
      ['check', 'sb', '-x'],
      'kvmspec check: unknown option -x (options: --variant, --memory-model, --max-states, --max-ms, --param, --no-reduction, --no-symmetry, --no-quotient, --store-all-ghosts, --two-graphs, --no-liveness, --state-store, --relaxed-collect, --workers, --json, --format, --help)',
    ],
    [['check', 'sb', '--max-states', 'lots'], 'kvmspec check: --max-states must be a positive integer, got "lots"'],
    [['check', 'sb', '--max-states=-5'], 'kvmspec check: --max-states must be a positive integer, got "-5"'],
    [['check', 'sb', '--max-states', '-5'], 'kvmspec check: --max-states needs a value'],
    [['check', 'sb', '--max-states', '0'], 'kvmspec check: --max-states must be a positive integer, got "0"'],
    [['check', 'sb', '--max-states', '1e6'], 'kvmspec check: --max-states must be a positive integer, got "1e6"'],
    [['check', 'sb', '--max-states', '2.5'], 'kvmspec check: --max-states must be a positive integer, got "2.5"'],
    [['check', 'sb', '--max-ms', 'soon'], 'kvmspec check: --max-ms must be a positive integer, got "soon"'],
    [['check', 'sb', '--variant'], 'kvmspec check: --variant needs a value'],
    [['check', 'sb', '--json=yes'], 'kvmspec check: --json takes no value'],
    [['check', 'sb', '--param', 'n=3'], 'kvmspec check: model sb has no parameter n (parameters: none)'],
    [['check', 'sb', '--param', 'oops'], 'kvmspec check: --param takes name=integer, got "oops"'],
    [
      ['check', 'requests', '--param', 'vcpus=9'],
      'kvmspec check: parameter vcpus must be an integer from 1 to 3, got 9',
    ],
    [['check'], `kvmspec check: which model? (models: ${models})`],
    [['check', 'sb', 'sb'], `kvmspec check: one model at a time, got 2 arguments (models: ${models})`],
    [['list', 'x'], 'kvmspec list: unexpected argument "x"'],
    [['replay'], 'kvmspec replay: give exactly one trace string (t1/model/variant/…), quoted'],
    [['replay', 'nonsense'], 'kvmspec replay: not a kvmspec trace (expected t1/model/variant/…)'],
    [['help', 'frob'], 'kvmspec help: unknown command "frob" (commands: list, check, replay, litmus, help)'],
    [['frobnicate'], 'kvmspec: unknown command "frobnicate" (commands: list, check, replay, litmus, help)'],
    [
      ['--frobnicate'],
      'kvmspec: unknown option --frobnicate (options: --help, --version; commands: list, check, replay, litmus, help)',
    ],
  ])('kvmspec %j', (args, message) => {
    const r = run(MODELS, ...args);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(message);
  });
});

describe('replay', () => {
  it.each([
    ['garbage', 'kvmspec replay: not a kvmspec trace (expected t1/model/variant/…)'],
    ['t1/nosuch/v/sc/-/0/-/00000000', 'kvmspec replay: the trace is for model nosuch, which does not exist'],
    ['t1/sb/nosuch/sc/-/0/-/00000000', 'kvmspec replay: model sb has no variant nosuch any more'],
    ['t1/sb/unfenced/arm/-/0/-/00000000', 'kvmspec replay: unknown memory model "arm" in trace'],
    [
      't1/sb/unfenced/tso/-/0.1/-/00000000',
      'kvmspec replay: the trace replays, but its steps now mean something else: the trace was altered, or the model changed since it was made',
    ],
    ['t1/sb/unfenced/tso/-/z.z/-/00000000', 'kvmspec replay: step 1: there is no unit 35 in this model'],
  ])('a bad trace %s: exit 2 with the reason', (text, message) => {
    const r = run(MODELS, 'replay', text);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toBe(message);
  });

  it('a good trace replays, in text and JSON', () => {
    const checked = JSON.parse(run(MODELS, 'check', 'sb', '--variant', 'unfenced', '--json').stdout) as {
      counterexample: { trace: string; steps: unknown[] };
    };
    const trace = checked.counterexample.trace;
    const r = run(MODELS, 'replay', trace);
    expect(r.code).toBe(EXIT.holds);
    expect(r.stdout).toMatch(/^sb \/ unfenced under tso: the trace replays$/m);
    expect(r.stdout).toContain(`Trace: ${trace}`);
    const j = JSON.parse(run(MODELS, 'replay', trace, '--json').stdout) as { trace: string; steps: unknown[] };
    expect(j.trace).toBe(trace);
    expect(j.steps).toEqual(checked.counterexample.steps);
  });
});

describe('help', () => {
  it.each([
    [['--help'], /^Usage: kvmspec <command>/],
    [['-h'], /^Usage: kvmspec <command>/],
    [['help'], /^Usage: kvmspec <command>/],
    [['list', '--help'], /^Usage: kvmspec list \[--json\]/],
    [['check', '--help'], /^Usage: kvmspec check <model>[\s\S]*Exit codes, all variants/],
    [['check', '-h'], /^Usage: kvmspec check <model>/],
    [['help', 'check'], /^Usage: kvmspec check <model>/],
    [['help', 'list'], /^Usage: kvmspec list/],
    [['help', 'replay'], /^Usage: kvmspec replay <trace>/],
    [['replay', '--help'], /^Usage: kvmspec replay <trace>/],
  ])('kvmspec %j', (args, pattern) => {
    const r = run(MODELS, ...args);
    expect(r.code).toBe(EXIT.holds);
    expect(r.stdout).toMatch(pattern);
    expect(r.stderr).toBe('');
  });

  it('lists the models in check --help', () => {
    expect(run(MODELS, 'check', '--help').stdout).toMatch(
      new RegExp(`Models: ${MODELS.map((m) => m.name).join(', ')}`),
    );
  });
});
