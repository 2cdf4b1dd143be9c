/**
 * Fuzzed inputs (fast-check): everything a reader or a user types or pastes, from random
 * strings and from valid inputs with parts replaced. For each input:
 * - no exception escapes except the documented one (TraceError from the trace decoder; the
 *   permalink parser, the form validators and the CLI's main() throw nothing);
 * - nothing reports success for input that was not checked: a trace is accepted only when it
 *   replays and re-encodes to itself (after the canonical spelling of its steps), a permalink
 *   only when every value matches its pattern, the CLI exits 0 or 1 only after a real check or
 *   replay, and never 4 ("the model is broken") for bad input;
 * - the message names the problem (non-empty, no "undefined", "NaN" or "[object").
 * Hangs: every decoder here is bounded by its input (length limits are checked first); the
 * test timeout is the guard.
 *
 * The .litmus reader is fuzzed through what the Litmus page runs on the reader's text
 * (src/live/litmus-worker.ts, checkLitmusText: parse, compile, check under each memory model,
 * find witnesses), which the CLI's `kvmspec litmus` shares up to the checks (judge.ts).
 *
 * Runs per property: KVMSPEC_FUZZ_RUNS (default below, sized for CI); seed: fixed in the suite,
 * KVMSPEC_PROPERTY_SEED=random for a fresh one (test/support/property-params.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/kvmspec.ts';
import { formatLiveHash, type LiveHash, parseLiveHash } from '../../src/live/hash.ts';
import { checkLitmusText, MAX_LITMUS_CHARS } from '../../src/live/litmus-worker.ts';
import type { ModelInfo } from '../../src/live/types.ts';
import {
  checkBudget,
  checkMemoryModel,
  checkParam,
  checkVariant,
  MAX_BUDGET,
  parseParams,
  parseWhole,
} from '../../src/live/validate.ts';
import { checkControls } from '../../src/plots/controls.ts';
import { PLOTS } from '../../src/plots/index.ts';
import {
  type AnyModel,
  check,
  decodeTrace,
  replayEncoded,
  type Trace,
  TraceError,
} from '../../src/spec/engine/index.ts';
import { CORPUS_SOURCES } from '../../src/spec/litmus/corpus.ts';
import { MODELS } from '../../src/spec/models/index.ts';
import { deadlock, kick, props, ring } from '../engine/models.ts';
import { propertyParams } from '../support/property-params.ts';

const DEFAULT_RUNS = 300;
const params = propertyParams('KVMSPEC_FUZZ_RUNS', DEFAULT_RUNS);
const RUNS = params.numRuns;
const timeout = Math.max(30_000, RUNS * 100);

/** A message fit for a reader: says something, and nothing leaked from a missing value. */
function expectReadable(message: string): void {
  expect(message.trim().length).toBeGreaterThan(10);
  expect(message).not.toMatch(/undefined|NaN|\[object /);
}

/** Models the trace fuzzer replays against: the small test models (fast) and the sb model. */
const TRACE_MODELS: readonly AnyModel[] = [kick, deadlock, props, ring, ...MODELS.filter((m) => m.name === 'sb')];

const traces: Trace[] = [
  check(kick, { variant: 'kick', memoryModel: 'tso' }).counterexample as Trace,
  check(deadlock, { variant: 'wait-first' }).counterexample as Trace,
  check(props, { variant: 'bug-on', memoryModel: 'relaxed' }).counterexample as Trace,
];

/** Characters traces are made of, plus a few that they never contain. */
const traceChars = fc.constantFrom(...'t1/abcdeknopqrsuvwxyz0123456789-.:=,_ %#?&\u00e9\u0000'.split(''));
const traceLike = fc.string({ unit: traceChars, maxLength: 120 });

/** A valid trace with one of its eight parts replaced, or its steps shuffled, truncated or extended. */
const mutatedTrace = fc
  .record({
    base: fc.constantFrom(...traces.map((t) => t.encoded)),
    part: fc.integer({ min: 0, max: 7 }),
    replacement: fc.oneof(
      traceLike,
      fc.constantFrom('-', '', 'sc', 'tso', 'relaxed', 'n=3', 'n=99999', 'zzz', '0:0', 'deadbeef', 'test-kick', 'kick'),
      fc
        .array(fc.tuple(fc.nat(40), fc.nat(3)), { maxLength: 30 })
        .map((steps) =>
          steps.map(([u, c]) => (c === 0 ? u.toString(36) : `${u.toString(36)}:${c.toString(36)}`)).join('.'),
        ),
    ),
  })
  .map(({ base, part, replacement }) => {
    const parts = base.split('/');
    parts[part] = replacement;
    return parts.join('/');
  });

/** The canonical spelling of a step list (unit, or unit:choice for a choice other than 0). */
function canonical(text: string): string {
  const d = decodeTrace(text);
  return text
    .split('/')
    .map((p, i) =>
      i === 5 && p !== '-'
        ? d.path.steps
            .map(({ unit, choice }) =>
              choice === 0 ? unit.toString(36) : `${unit.toString(36)}:${choice.toString(36)}`,
            )
            .join('.')
        : p,
    )
    .join('/');
}

describe('fuzzed trace strings (decodeTrace, replayEncoded)', () => {
  it(
    'random strings and damaged traces: a TraceError that says why, or a trace that is exactly the input',
    () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 200 }), traceLike, mutatedTrace), (text) => {
          let result: Trace | undefined;
          try {
            result = replayEncoded(TRACE_MODELS, text);
          } catch (e) {
            expect(e).toBeInstanceOf(TraceError);
            expectReadable((e as Error).message);
            return;
          }
          // Accepted: it must be a real trace, the one it re-encodes to.
          expect(result.encoded).toBe(canonical(text));
          expect(replayEncoded(TRACE_MODELS, result.encoded).steps.length).toBe(result.steps.length);
        }),
        params,
      );
    },
    timeout,
  );

  it('a trace past the length limit is rejected before it is parsed', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 20_001, maxLength: 25_000, unit: traceChars }), (text) => {
        expect(() => decodeTrace(text)).toThrow(/too long/);
      }),
      { ...params, numRuns: Math.min(RUNS, 20) },
    );
  });
});

describe('fuzzed permalinks (parseLiveHash)', () => {
  const name = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
  const hashValue = fc.oneof(
    name,
    fc.string({ maxLength: 30 }),
    fc.constantFrom('%', '%zz', '%E9', '\u0000', '<script>'),
  );
  const hashLike = fc
    .array(fc.tuple(fc.constantFrom('live', 'model', 'variant', 'mm', 'trace', 'step', 'x', ''), hashValue), {
      maxLength: 8,
    })
    .map((kvs) => `#${kvs.map(([k, v]) => (k === '' ? v : `${k}=${v}`)).join('&')}`);

  it(
    'never throws; accepts only values that match their patterns; a rejection names the problem',
    () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 300 }), hashLike), (hash) => {
          const r = parseLiveHash(hash);
          if (!r.ours) return;
          if (!r.ok) {
            expectReadable(r.message);
            return;
          }
          const v = r.value;
          for (const key of ['live', 'model', 'variant', 'mm'] as const) {
            if (v[key] !== undefined) expect(v[key]).toMatch(/^[a-z0-9][a-z0-9-]{0,63}$/);
          }
          if (v.trace !== undefined) expect(v.trace).toMatch(/^[A-Za-z0-9/.:=,-]{1,20000}$/);
          if (v.step !== undefined) {
            expect(Number.isInteger(v.step) && v.step >= 0).toBe(true);
            expect(v.trace).toBeDefined();
          }
        }),
        params,
      );
    },
    timeout,
  );

  it('format then parse gives back the same permalink', () => {
    const valid: fc.Arbitrary<LiveHash> = fc
      .record(
        {
          live: name,
          model: name,
          variant: name,
          mm: fc.constantFrom('sc', 'tso', 'relaxed'),
          trace: fc.constantFrom(...traces.map((t) => t.encoded)),
          step: fc.nat(99_999),
        },
        { requiredKeys: ['trace'] },
      )
      .map((h) => h as LiveHash);
    fc.assert(
      fc.property(valid, (h) => {
        const r = parseLiveHash(formatLiveHash(h));
        expect(r).toEqual({ ours: true, ok: true, value: h });
      }),
      params,
    );
  });
});

describe('fuzzed form fields (src/live/validate.ts, src/plots/controls.ts)', () => {
  const info: ModelInfo = {
    name: 'ring',
    title: 'Ring',
    source: 'bench/ring.ts',
    memoryModels: ['sc', 'tso'],
    defaultMemoryModel: 'tso',
    variants: [{ name: 'no-mb', description: '', kernel: [], expect: {} }],
    params: [{ name: 'n', description: 'CPUs', min: 2, max: 6, default: 3 }],
  };
  const typed = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.integer().map(String),
    fc.bigInt({ min: 0n, max: 10n ** 20n }).map((n) => n.toLocaleString('en')),
    fc.constantFrom('', ' ', '1e6', '0x10', '1_000', "1'000", '-1', '+3', '3.0', '٣', '１２', '\u00a05'),
  );

  it(
    'every validator returns a value in range or a message; none throws',
    () => {
      fc.assert(
        fc.property(typed, typed, (text, other) => {
          const budget = checkBudget(text);
          if (budget.ok)
            expect(Number.isInteger(budget.value) && budget.value >= 1 && budget.value <= MAX_BUDGET).toBe(true);
          else expectReadable(budget.message);
          const n = checkParam(info, 'n', text);
          if (n.ok) expect(n.value >= 2 && n.value <= 6 && Number.isInteger(n.value)).toBe(true);
          else expectReadable(n.message);
          const unknown = checkParam(info, other, text);
          if (other !== 'n') expect(unknown.ok).toBe(false);
          const p = parseParams(info, `${other}=${text}`);
          if (p.ok) expect(Object.keys(p.value).every((k) => k === 'n')).toBe(true);
          else expectReadable(p.message);
          const v = checkVariant(info, text);
          expect(v.ok).toBe(text === 'no-mb');
          const mm = checkMemoryModel(info, text);
          expect(mm.ok).toBe(text === 'sc' || text === 'tso');
          const whole = parseWhole(text);
          if (whole !== undefined) expect(Number.isSafeInteger(whole) && whole >= 0).toBe(true);
        }),
        params,
      );
    },
    timeout,
  );

  it(
    "every plot's controls: accepted values are in range, rejected ones say which control",
    () => {
      for (const plot of PLOTS) {
        const names = plot.controls.map((c) => c.name);
        const given = fc.dictionary(
          fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })),
          fc.oneof(typed, fc.integer()),
          {
            maxKeys: names.length + 1,
          },
        );
        fc.assert(
          fc.property(given, (values) => {
            const r = checkControls(plot.controls, values, ['a-variant']);
            if (r.ok) {
              for (const c of plot.controls) {
                const v = r.values[c.name];
                if (c.kind === 'select') expect(typeof v).toBe('string');
                else expect(typeof v === 'number' && v >= c.min && v <= c.max).toBe(true);
              }
            } else {
              for (const [k, message] of Object.entries(r.errors)) {
                expect(k.length > 0 || message.length > 0).toBe(true);
                expectReadable(message);
              }
            }
          }),
          { ...params, numRuns: Math.max(1, Math.floor(RUNS / PLOTS.length)) },
        );
      }
    },
    timeout,
  );
});

describe('fuzzed command lines (kvmspec main)', () => {
  const CLI_MODELS: readonly AnyModel[] = [kick, deadlock, props];
  const word = fc.oneof(
    fc.constantFrom(
      'list',
      'check',
      'replay',
      'help',
      '--help',
      '-h',
      '--version',
      '--json',
      '--variant',
      '--memory-model',
      '--max-states',
      '--max-ms',
      '--param',
      '--no-reduction',
      '--no-symmetry',
      '--no-liveness',
      'test-kick',
      'test-deadlock',
      'test-props',
      'kick',
      'wait-first',
      'bug-on',
      'sc',
      'tso',
      'relaxed',
      'n=3',
      '0',
      '1',
      '-1',
      '99999999999999999999',
      '--',
      '-',
      '--variant=kick',
      '--max-states=5',
    ),
    fc.constantFrom(...traces.map((t) => t.encoded)),
    mutatedTrace,
    fc.string({ maxLength: 12 }),
  );

  it(
    'an exit code from the table, a message that names the problem, success only after a check',
    () => {
      fc.assert(
        fc.property(fc.array(word, { maxLength: 6 }), (argv) => {
          const out: string[] = [];
          const err: string[] = [];
          const code = main(argv, {
            out: (t) => out.push(t),
            err: (t) => err.push(t),
            progress: false,
            models: CLI_MODELS,
          });
          const stdout = out.join('\n');
          expect(Object.values(EXIT)).toContain(code);
          expect(code, `no input makes the CLI say the model is broken: ${err.join('\n')}`).not.toBe(EXIT.error);
          if (code === EXIT.usage) {
            expect(err.length, 'a usage error says something on stderr').toBeGreaterThan(0);
            expect(err.join('\n')).toMatch(/^(kvmspec|Usage: kvmspec)/);
            if (argv.length > 0) expectReadable(err.join('\n'));
            expect(stdout, 'nothing claims a verdict after a usage error').not.toMatch(
              /HOLDS|VIOLATED|as expected|replays/,
            );
          }
          const command = argv.find((a) => !a.startsWith('-'));
          const helpOrVersion = argv.some((a) => ['-h', '--help', '-V', '--version'].includes(a)) || command === 'help';
          if ((code === EXIT.holds || code === EXIT.violated) && !helpOrVersion && command !== 'list') {
            // Exit 0 or 1 from check or replay: a verdict or a replayed trace was printed.
            expect(stdout).toMatch(/HOLDS|VIOLATED|as expected|the trace replays|"verdict"|"trace"|"results"/);
          }
        }),
        params,
      );
    },
    timeout,
  );
});

describe('fuzzed litmus tests (the Litmus page and kvmspec litmus: parseLitmus, compileLitmus, checks)', () => {
  /** Pieces of C litmus syntax, to insert into or put in place of a slice of a valid test. */
  const litmusToken = fc.constantFrom(
    '{',
    '}',
    '(',
    ')',
    ';',
    ',',
    '*',
    '&',
    '=',
    '==',
    '/\\',
    '\\/',
    '~',
    '0:r0',
    '1:r1=1',
    'r0',
    'x',
    'P0(int *x)',
    'P9',
    'int r0;',
    'READ_ONCE(*x)',
    'WRITE_ONCE(*x, 1);',
    'smp_mb();',
    'xchg(x, 1)',
    'spin_lock(s);',
    'rcu_read_lock();',
    'if (r0)',
    'else',
    'while (1)',
    'exists',
    '~exists',
    'forall',
    'filter',
    'locations [x]',
    '(*',
    '*)',
    '/*',
    'Result: Never',
    'Result: Maybe',
    'Flag data-race',
    '4194304',
    '99999999999999999999',
    '-1',
    '\u0000',
    '\u00e9',
    '\n',
  );
  const mutatedLitmus = fc
    .record({
      base: fc.constantFrom(...CORPUS_SOURCES.map((c) => c.source)),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          cut: fc.nat(12),
          insert: fc.oneof(litmusToken, fc.constant(''), fc.string({ maxLength: 4 })),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    })
    .map(({ base, edits }) =>
      edits.reduce((text, e) => {
        const i = e.at % (text.length + 1);
        return text.slice(0, i) + e.insert + text.slice(i + e.cut);
      }, base),
    );
  /** Enough for every corpus test under every memory model; a damaged test past it is inconclusive. */
  const LITMUS_STATES = 5_000;

  it(
    'a message with a place in the text, or a checked result that claims nothing it did not find',
    () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutatedLitmus), (text) => {
          const outcome = checkLitmusText(text, LITMUS_STATES);
          if (!outcome.ok) {
            expectReadable(outcome.message);
            expect(outcome.line, outcome.message).toBeGreaterThanOrEqual(1);
            expect(outcome.line, outcome.message).toBeLessThanOrEqual(text.split('\n').length);
            expect(outcome.col, outcome.message).toBeGreaterThanOrEqual(1);
            return;
          }
          expect(outcome.results.map((r) => r.memoryModel)).toEqual(['sc', 'tso', 'relaxed']);
          for (const r of outcome.results) {
            if (r.problem !== undefined) {
              // No answer: no observation, no witness, and it disagrees with any stated result.
              expectReadable(r.problem);
              expect(r.observation, r.problem).toBeUndefined();
              expect(r.witness).toBeUndefined();
              expect(r.agrees).toBe(false);
              continue;
            }
            expect(r.finalStates.length).toBe(r.total);
            expect(r.finalStates.filter((f) => f.satisfies).length).toBe(r.positive);
            const expected = r.positive === 0 ? 'Never' : r.positive === r.total ? 'Always' : 'Sometimes';
            expect(r.observation).toBe(expected);
            // (A stated data-race flag that differs also disagrees.)
            if (r.agrees) expect([undefined, r.observation]).toContain(r.stated);
            // A witness exactly when some final state satisfies the condition.
            expect(r.witness !== undefined, r.memoryModel).toBe(r.positive > 0);
          }
        }),
        { ...params, numRuns: Math.max(1, Math.floor(RUNS / 10)) },
      );
    },
    timeout,
  );

  it('a test longer than the page accepts is refused before it is parsed', () => {
    const outcome = checkLitmusText(`C long\n(*${'x'.repeat(MAX_LITMUS_CHARS)}*)\n`, LITMUS_STATES);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.message).toMatch(/longer than/);
  });
});
