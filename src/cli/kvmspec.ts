/**
 * The `kvmspec` command line: list the models, check a model's variants under a memory model
 * and print counterexamples as per-CPU step tables, replay a trace string.
 *
 * Run through bin/kvmspec (`npx kvmspec …`), which starts the pinned Node with the model-site
 * loader hook (src/cli/register.mjs) so that trace steps carry their model source lines.
 *
 * Exit codes: 0 holds (or every variant as expected), 1 violated (or some variant not as
 * expected), 2 bad usage, 3 inconclusive, 4 the model itself is broken (ModelError, …).
 */
import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { traceMeta } from '../live/meta.ts';
import { traceText } from '../live/trace-text.ts';
import {
  type AnyModel,
  type CheckResult,
  check,
  instantiate,
  MEMORY_MODELS,
  type MemoryModelName,
  PARALLEL_FROM,
  type ProgressInfo,
  replayEncoded,
  type Trace,
  TraceError,
} from '../spec/engine/index.ts';
import { MODELS } from '../spec/models/index.ts';
import {
  asExpected,
  comparisonText,
  expectationText,
  formatCount,
  formatMs,
  formatState,
  formatTrace,
} from './format.ts';
import { litmusCommand, litmusHelp } from './litmus.ts';
import { defaultWorkers, NodeTransport } from './parallel.ts';

export const EXIT = { holds: 0, violated: 1, usage: 2, inconclusive: 3, error: 4 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Progress display on stderr: only when stderr is a terminal. */
  readonly progress: boolean;
  /** The models to offer (default: the registry, src/spec/models/index.ts); tests pass their own. */
  readonly models?: readonly AnyModel[];
  /**
   * `check`'s --workers when none is given: the command passes defaultWorkers() (1 today, see
   * src/cli/parallel.ts); callers in process (tests, the bench) leave it unset, which is 1 too.
   */
  readonly workers?: number;
}

interface Ctx extends Io {
  readonly models: readonly AnyModel[];
}

/** A usage error: one line on stderr, exit 2. The message starts with "<command>: " or ": ". */
export class UsageError extends Error {}

const MEMORY_MODEL_NOTES: Record<MemoryModelName, string> = {
  sc: 'sequential consistency: one memory, every access immediately visible',
  tso: 'x86-TSO: FIFO store buffer per CPU; atomics and smp_mb() drain it',
  relaxed: 'ARMv8-like, view-based; barriers follow the Linux-kernel memory model (LKMM)',
};

const COMMANDS = ['list', 'check', 'replay', 'litmus', 'help'] as const;

const MAIN_HELP = `Usage: kvmspec <command> [options]

Commands:
  list                 the models, their variants and expected verdicts, and the memory models
  check <model>        check a model's variants exhaustively; print counterexamples
  replay <trace>       replay a trace string (printed by check) against the current models
  litmus <file|dir>…   check C litmus tests (herd7 format) under each memory model
  help [command]       this text, or a command's help

Options:
  -h, --help           help (also after a command: kvmspec check --help)
  -V, --version        the version

Exit codes: 0 holds / as expected, 1 violated / not as expected, 2 bad usage,
3 inconclusive (state or time budget), 4 the model is broken (error in model code).`;

function listHelp(): string {
  return `Usage: kvmspec list [--json]

Lists every model with its memory models and, for each variant, the expected verdict under
each memory model (* marks the model's default), then the memory models.

Options:
  --json       machine-readable: [{ "model", "title", "memoryModels", "defaultMemoryModel",
               "variants": [{ "name", "expected", "description", "expectedByMemoryModel" }] }]
               where "expected" is the verdict under the default memory model.
  -h, --help   this text`;
}

function checkHelp(models: readonly AnyModel[]): string {
  return `Usage: kvmspec check <model> [options]

Explores every state of <model> (breadth first, so a counterexample is a shortest one) and
prints the verdict, the number of states, the time and, for a violation, the counterexample as
a table of steps with the trace string to replay it.

Without --variant every variant of the model is checked under the chosen memory model, one
line each, and compared with the verdict (and violated property) the variant declares.

Options:
  --variant <name>         check only this variant
  --memory-model <mm>      ${MEMORY_MODELS.join(' | ')} (default: the model's default)
  --max-states <n>         stop with "inconclusive" after n distinct states (default 5000000)
  --max-ms <n>             stop with "inconclusive" after n milliseconds
  --param <name=value>     set a model parameter (repeatable)
  --no-reduction           explore every interleaving (no partial-order reduction)
  --no-symmetry            store every state, not one per class of symmetric states
  --no-quotient            number thread states by history, not by future behaviour
  --relaxed-collect <rule> relaxed only: which views keep a location's old writes: accessors
                           (default: the threads that access it), readers (every live
                           thread), every-view (the rule before; same verdicts, more states)
  --store-all-ghosts       keep every ghost in the states, even those nothing reads
  --two-graphs             with "eventually" properties: check safety first on a reduced graph,
                           then build the liveness graph (default: both on one unreduced graph)
  --no-liveness            skip the "eventually" (progress) properties
  --state-store <how>      tree (each state a tree of pairs shared with the others: less
                           memory, default under relaxed) | packed (each state's words packed
                           into bytes: faster, default under sc and tso); same results
  --workers <n>            expand states on n worker threads (default 1, the sequential
                           search: 2 workers are slower on most models today). Same verdicts, state counts and shortest
                           counterexamples; a search under ${formatCount(PARALLEL_FROM)} states never starts them
  --json                   print a JSON object instead of text
  --format text            with --variant: the counterexample as a mailing-list interleaving
                           (one column per CPU, one line per step), as the site copies it
  -h, --help               this text

Exit codes, one variant: 0 holds, 1 violated, 3 inconclusive.
Exit codes, all variants: 0 every variant gives its expected verdict, 1 some variant gives a
different verdict (or violates a different property), 3 none differs but some run was
inconclusive. Always 2 for bad usage and 4 for an error in the model code.

Models: ${models.map((m) => m.name).join(', ')}`;
}

function replayHelp(): string {
  return `Usage: kvmspec replay <trace> [--json]

Replays a trace string (t1/model/variant/memory-model/…, as printed by kvmspec check and the
site) against the current models and prints its steps. Fails with exit 2 and the reason when
the string is malformed or the model changed so that the trace no longer means the same.

Options:
  --json          print the trace as JSON
  --format text   print it as a mailing-list interleaving (one column per CPU, one line per step)
  -h, --help      this text`;
}

/** Turns node:util parseArgs errors into one line that names the valid choices. */
export function parse<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    const err = e as Error & { code?: string };
    const valid = Object.entries(config.options ?? {})
      .map(([name]) => `--${name}`)
      .join(', ');
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const opt = /'([^']+)'/.exec(err.message)?.[1] ?? err.message;
      throw new UsageError(`${command}: unknown option ${opt} (options: ${valid})`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const opt = /'(--?[a-zA-Z-]+)/.exec(err.message)?.[1] ?? 'an option';
      const takes = (config.options as Record<string, { type: string }> | undefined)?.[opt.replace(/^-+/, '')];
      throw new UsageError(
        takes?.type === 'boolean' ? `${command}: ${opt} takes no value` : `${command}: ${opt} needs a value`,
      );
    }
    if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const arg = /'([^']*)'/.exec(err.message)?.[1] ?? '';
      throw new UsageError(`${command}: unexpected argument ${JSON.stringify(arg)}`);
    }
    throw new UsageError(`${command}: ${err.message}`);
  }
}

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const clean = text.replaceAll('_', '');
  const n = /^\d+$/.test(clean) ? Number(clean) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`check: ${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return n;
}

function findModel(models: readonly AnyModel[], name: string): AnyModel {
  const m = models.find((x) => x.name === name);
  if (!m) {
    throw new UsageError(
      `check: unknown model ${JSON.stringify(name)} (models: ${models.map((x) => x.name).join(', ')})`,
    );
  }
  return m;
}

function memoryModel(model: AnyModel, text: string | undefined): MemoryModelName {
  if (text === undefined) return model.defaultMemoryModel;
  if (!(MEMORY_MODELS as readonly string[]).includes(text)) {
    throw new UsageError(
      `check: unknown memory model ${JSON.stringify(text)} (memory models: ${MEMORY_MODELS.join(', ')})`,
    );
  }
  const mm = text as MemoryModelName;
  if (!model.memoryModels.includes(mm)) {
    throw new UsageError(
      `check: model ${model.name} does not support memory model ${mm} (supported: ${model.memoryModels.join(', ')})`,
    );
  }
  return mm;
}

function params(model: AnyModel, given: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  const known = (model.params ?? []).map((p) => p.name);
  for (const kv of given) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(-?\d+)$/.exec(kv);
    if (!m) throw new UsageError(`check: --param takes name=integer, got ${JSON.stringify(kv)}`);
    const [, name, value] = m as unknown as [string, string, string];
    const spec = model.params?.find((p) => p.name === name);
    if (!spec) {
      throw new UsageError(
        `check: model ${model.name} has no parameter ${name} (parameters: ${known.join(', ') || 'none'})`,
      );
    }
    const v = Number(value);
    if (v < spec.min || v > spec.max) {
      throw new UsageError(`check: parameter ${name} must be an integer from ${spec.min} to ${spec.max}, got ${v}`);
    }
    out[name] = v;
  }
  return out;
}

// ---- list ---------------------------------------------------------------------------------------

export interface ListedModel {
  readonly model: string;
  readonly title: string;
  readonly memoryModels: readonly MemoryModelName[];
  readonly defaultMemoryModel: MemoryModelName;
  readonly params: readonly { name: string; description: string; min: number; max: number; default: number }[];
  readonly variants: readonly {
    readonly name: string;
    readonly expected: 'holds' | 'violated' | null;
    readonly description: string;
    readonly expectedByMemoryModel: Partial<Record<MemoryModelName, 'holds' | 'violated'>>;
  }[];
}

export function listModels(models: readonly AnyModel[] = MODELS): ListedModel[] {
  return models.map((m) => ({
    model: m.name,
    title: m.title,
    memoryModels: m.memoryModels,
    defaultMemoryModel: m.defaultMemoryModel,
    params: (m.params ?? []).map((p) => ({ ...p })),
    variants: m.variants.map((v) => {
      const byMm: Partial<Record<MemoryModelName, 'holds' | 'violated'>> = {};
      for (const mm of m.memoryModels) {
        const e = v.expect[mm];
        if (e) byMm[mm] = e.verdict;
      }
      return {
        name: v.name,
        expected: v.expect[m.defaultMemoryModel]?.verdict ?? null,
        description: v.description,
        expectedByMemoryModel: byMm,
      };
    }),
  }));
}

function list(args: string[], io: Ctx): number {
  const { values } = parse('list', {
    args,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) {
    io.out(listHelp());
    return EXIT.holds;
  }
  const models = listModels(io.models);
  if (values.json) {
    io.out(JSON.stringify(models, null, 2));
    return EXIT.holds;
  }
  for (const m of models) {
    io.out(`${m.model}: ${m.title}`);
    const mms = m.memoryModels.map((mm) => (mm === m.defaultMemoryModel ? `${mm}*` : mm));
    io.out(`  memory models: ${mms.join(', ')}`);
    for (const p of m.params) {
      io.out(`  parameter ${p.name} (${p.min}..${p.max}, default ${p.default}): ${p.description}`);
    }
    const nameW = Math.max(...m.variants.map((v) => v.name.length));
    const verdictW = Math.max(...m.memoryModels.map((mm) => `${mm}:violated`.length));
    for (const v of m.variants) {
      const verdicts = m.memoryModels
        .map((mm) => `${mm}:${v.expectedByMemoryModel[mm] ?? '-'}`.padEnd(verdictW))
        .join(' ');
      io.out(`  ${v.name.padEnd(nameW)}  ${verdicts}  ${v.description}`);
    }
    io.out('');
  }
  io.out('Memory models:');
  for (const mm of MEMORY_MODELS) io.out(`  ${mm.padEnd(8)} ${MEMORY_MODEL_NOTES[mm]}`);
  return EXIT.holds;
}

// ---- check --------------------------------------------------------------------------------------

function verdictExit(verdict: CheckResult['verdict']): number {
  return verdict === 'holds' ? EXIT.holds : verdict === 'violated' ? EXIT.violated : EXIT.inconclusive;
}

/** The JSON form of one result: the CheckResult itself, with its time rounded and its trace compacted. */
function resultJson(r: CheckResult) {
  const { counterexample, ms, ...rest } = r;
  const ok = asExpected(r);
  return {
    ...rest,
    ms: Math.round(ms * 1000) / 1000,
    ...(ok !== undefined ? { asExpected: ok } : {}),
    ...(counterexample ? { counterexample: traceJson(counterexample) } : {}),
  };
}

function traceJson(t: Trace) {
  return {
    steps: t.steps,
    ...(t.cycleStart !== undefined ? { cycleStart: t.cycleStart } : {}),
    trace: t.encoded,
  };
}

function progressLine(p: ProgressInfo): string {
  return `  ${p.phase}: ${formatCount(p.states)} states, depth ${p.depth}, ${formatMs(p.ms)}, ${formatCount(
    Math.round(p.statesPerSecond),
  )} states/s`;
}

/** `--format`: the step table (default) or the mailing-list interleaving the site's "Copy as text" gives. */
function outputFormat(command: string, format: string | undefined, json: boolean | undefined): 'table' | 'text' {
  if (format !== undefined && format !== 'table' && format !== 'text') {
    throw new UsageError(`${command}: --format must be table or text (got ${format})`);
  }
  if (format === 'text' && json) throw new UsageError(`${command}: --format text and --json exclude each other`);
  return format ?? 'table';
}

function mailText(model: AnyModel, trace: Trace, violation?: { property: string; description: string }): string {
  return traceText(trace, traceMeta(model, trace.variant, trace.params), {
    property: violation?.property,
    description: violation?.description,
  }).trimEnd();
}

function printTrace(io: Ctx, model: AnyModel, trace: Trace, property?: string): void {
  const { instance } = instantiate(model, trace.variant, trace.params);
  io.out('');
  io.out(`Counterexample, ${trace.steps.length} steps${trace.cycleStart === undefined ? '' : ' (a lasso)'}:`);
  for (const l of formatTrace(trace, property)) io.out(l);
  const last = trace.steps[trace.steps.length - 1]?.state ?? trace.initial;
  io.out('');
  io.out(`State after step ${trace.steps.length}:`);
  for (const l of formatState(last, instance.locs)) io.out(`  ${l}`);
  io.out('');
  io.out(`Trace: ${trace.encoded}`);
  io.out(`  (replay with: kvmspec replay '${trace.encoded}')`);
}

function printResult(io: Ctx, model: AnyModel, r: CheckResult): void {
  const title = `${r.model} / ${r.variant} under ${r.memoryModel}`;
  const params = Object.entries(r.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  io.out(`${title}${params ? ` (${params})` : ''}: ${r.verdict.toUpperCase()}`);
  if (r.violation) io.out(`  ${r.violation.kind} ${r.violation.property}: ${r.violation.description}`);
  if (r.reason) io.out(`  ${r.reason}`);
  io.out(
    `  ${formatCount(r.states)} states, ${formatCount(r.transitions)} transitions, depth ${r.depth}` +
      `${
        r.livenessStates === undefined
          ? ''
          : r.oneGraph === true
            ? ' (safety and liveness on one graph)'
            : `, ${formatCount(r.livenessStates)} states in the liveness graph`
      }, ${formatMs(r.ms)}`,
  );
  if (r.symmetry !== undefined) io.out(`  symmetry: ${r.symmetry}`);
  if (r.parallel !== undefined)
    io.out(
      r.parallel.batches === 0
        ? `  workers: ${r.parallel.helpers}, not started (under ${formatCount(PARALLEL_FROM)} states at a time)`
        : `  workers: ${r.parallel.helpers}, sent ${formatCount(r.parallel.states)} states in ${formatCount(r.parallel.batches)} batches (${formatCount(r.parallel.left)} left to the explorer)`,
    );
  if (r.automata !== undefined && r.automata.histories > 0)
    io.out(
      `  thread states: ${formatCount(r.automata.histories)} histories unfolded into ${formatCount(r.automata.classes)} by future behaviour`,
    );
  if (r.ghosts !== undefined && r.ghosts.unstored > 0)
    io.out(
      `  ghosts: ${r.ghosts.unstored} of ${r.ghosts.of} read by nothing, left out of the states` +
        (r.ghosts.restarts > 0 ? ` (${r.ghosts.restarts} restarts when one was read)` : ''),
    );
  if (r.untracked !== undefined && r.untracked.pairs > 0)
    io.out(
      `  relaxed views: ${r.untracked.pairs} of ${r.untracked.of} thread-location pairs never accessed, keeping no write` +
        (r.untracked.restarts > 0 ? ` (${r.untracked.restarts} restarts when one was accessed)` : ''),
    );
  if (r.witnesses.length > 0 && r.verdict === 'holds') {
    io.out(`  witnesses: ${r.witnesses.map((w) => `${w.name} ${w.reached ? 'reached' : 'not reached'}`).join(', ')}`);
  }
  const ok = asExpected(r);
  io.out(
    `  expected: ${expectationText(r.expected)}${ok === undefined ? (r.expected ? ' (not compared: inconclusive)' : '') : ok ? ' - as expected' : ' - NOT AS EXPECTED'}`,
  );
  if (r.counterexample) printTrace(io, model, r.counterexample, r.violation?.property);
}

type RelaxedCollect = 'accessors' | 'readers' | 'every-view';
const COLLECT_RULES: readonly RelaxedCollect[] = ['accessors', 'readers', 'every-view'];

/** --relaxed-collect's rule (ExploreOptions.relaxedCollect), checked: a known rule, under relaxed only. */
function collectRule(given: string | undefined, mm: MemoryModelName): RelaxedCollect | undefined {
  if (given === undefined) return undefined;
  const rule = COLLECT_RULES.find((r) => r === given);
  if (rule === undefined) {
    throw new UsageError(
      `check: unknown --relaxed-collect rule ${JSON.stringify(given)} (rules: ${COLLECT_RULES.join(', ')})`,
    );
  }
  if (mm !== 'relaxed')
    throw new UsageError(`check: --relaxed-collect applies under --memory-model relaxed only, not ${mm}`);
  return rule;
}

function checkCommand(args: string[], io: Ctx): number {
  const { values, positionals } = parse('check', {
    args,
    options: {
      variant: { type: 'string' },
      'memory-model': { type: 'string' },
      'max-states': { type: 'string' },
      'max-ms': { type: 'string' },
      param: { type: 'string', multiple: true },
      'no-reduction': { type: 'boolean' },
      'no-symmetry': { type: 'boolean' },
      'no-quotient': { type: 'boolean' },
      'store-all-ghosts': { type: 'boolean' },
      'two-graphs': { type: 'boolean' },
      'no-liveness': { type: 'boolean' },
      'state-store': { type: 'string' },
      'relaxed-collect': { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(checkHelp(io.models));
    return EXIT.holds;
  }
  const format = outputFormat('check', values.format, values.json);
  const names = io.models.map((m) => m.name).join(', ');
  if (positionals.length === 0) throw new UsageError(`check: which model? (models: ${names})`);
  if (positionals.length > 1) {
    throw new UsageError(`check: one model at a time, got ${positionals.length} arguments (models: ${names})`);
  }
  const model = findModel(io.models, positionals[0] as string);
  if (values.variant !== undefined && !model.variants.some((v) => v.name === values.variant)) {
    throw new UsageError(
      `check: model ${model.name} has no variant ${JSON.stringify(values.variant)} (variants: ${model.variants
        .map((v) => v.name)
        .join(', ')})`,
    );
  }
  const mm = memoryModel(model, values['memory-model']);
  const stateStore = values['state-store'];
  if (stateStore !== undefined && stateStore !== 'tree' && stateStore !== 'packed')
    throw new UsageError(`check: unknown --state-store ${JSON.stringify(stateStore)} (tree, packed)`);
  const relaxedCollect = collectRule(values['relaxed-collect'], mm);
  const maxStates = positiveInt('--max-states', values['max-states']);
  const maxMs = positiveInt('--max-ms', values['max-ms']);
  const given = params(model, values.param ?? []);
  const variants = values.variant !== undefined ? [values.variant] : model.variants.map((v) => v.name);
  const single = values.variant !== undefined;
  const workers = positiveInt('--workers', values.workers) ?? io.workers ?? 1;
  // One set of worker threads for every variant, started only when a search is large enough.
  const transport = workers > 1 ? new NodeTransport(workers) : undefined;
  try {
    return checkVariants(io, model, variants, single, values, format, {
      mm,
      maxStates,
      maxMs,
      given,
      transport,
      relaxedCollect,
      stateStore,
    });
  } finally {
    void transport?.close();
  }
}

function checkVariants(
  io: Ctx,
  model: AnyModel,
  variants: readonly string[],
  single: boolean,
  values: {
    readonly 'no-reduction'?: boolean;
    readonly 'no-symmetry'?: boolean;
    readonly 'no-quotient'?: boolean;
    readonly 'store-all-ghosts'?: boolean;
    readonly 'two-graphs'?: boolean;
    readonly 'no-liveness'?: boolean;
    readonly 'state-store'?: string;
    readonly json?: boolean;
  },
  format: 'table' | 'text',
  run: {
    mm: MemoryModelName;
    maxStates: number | undefined;
    maxMs: number | undefined;
    given: Record<string, number>;
    transport: NodeTransport | undefined;
    relaxedCollect: RelaxedCollect | undefined;
    stateStore: 'tree' | 'packed' | undefined;
  },
): number {
  const { mm, maxStates, maxMs, given, transport, relaxedCollect, stateStore } = run;

  const results: CheckResult[] = [];
  for (const variant of variants) {
    let shown = false;
    const r = check(model, {
      variant,
      memoryModel: mm,
      params: given,
      ...(maxStates !== undefined ? { maxStates } : {}),
      ...(maxMs !== undefined ? { maxMs } : {}),
      reduction: !values['no-reduction'],
      symmetry: !values['no-symmetry'],
      quotient: !values['no-quotient'],
      unobservedGhosts: !values['store-all-ghosts'],
      oneGraph: !values['two-graphs'],
      liveness: !values['no-liveness'],
      ...(stateStore !== undefined ? { stateStore } : {}),
      ...(relaxedCollect !== undefined ? { relaxedCollect } : {}),
      ...(transport !== undefined ? { transport } : {}),
      ...(io.progress
        ? {
            progressIntervalMs: 250,
            onProgress: (p: ProgressInfo) => {
              shown = true;
              io.err(`\r\x1b[K${variant}${progressLine(p)}`);
            },
          }
        : {}),
    });
    if (shown) io.err('\r\x1b[K');
    results.push(r);
    if (!single && !values.json) {
      const mark = r.reason ? `${comparisonText(r)} (${r.reason})` : comparisonText(r);
      const what = r.violation ? ` (${r.violation.property})` : '';
      const nameW = Math.max(...variants.map((v) => v.length));
      io.out(
        `${variant.padEnd(nameW)}  ${`${r.verdict}${what}`.padEnd(36)} ${formatCount(r.states).padStart(11)} states ${formatMs(r.ms).padStart(9)}  ${mark}`,
      );
    }
  }

  if (single) {
    const r = results[0] as CheckResult;
    if (values.json) io.out(JSON.stringify(resultJson(r), null, 2));
    else if (format === 'text' && r.counterexample) io.out(mailText(model, r.counterexample, r.violation));
    else printResult(io, model, r);
    return verdictExit(r.verdict);
  }
  const mismatch = results.some((r) => asExpected(r) === false);
  const inconclusive = results.some((r) => r.verdict === 'inconclusive');
  const allOk = !mismatch && !inconclusive;
  if (values.json) {
    io.out(
      JSON.stringify(
        { model: model.name, memoryModel: mm, asExpected: allOk, results: results.map(resultJson) },
        null,
        2,
      ),
    );
  } else {
    const good = results.filter((r) => asExpected(r) === true).length;
    // Expectations are recorded at the model's default parameters only (check.ts): with other
    // --param values there is nothing to compare, which is not a mismatch.
    const unrecorded = results.filter((r) => r.expected === undefined).length;
    io.out(
      `${model.name} under ${mm}: ${good} of ${results.length} variants as expected` +
        `${unrecorded > 0 ? `; ${unrecorded} with no recorded expectation to compare (none under ${mm}, or --param values other than the defaults)` : ''}` +
        `${inconclusive ? '; some runs were inconclusive (raise --max-states or --max-ms)' : ''}` +
        `${allOk ? '' : mismatch ? '. Run with --variant <name> for a counterexample.' : ''}`,
    );
  }
  return mismatch ? EXIT.violated : inconclusive ? EXIT.inconclusive : EXIT.holds;
}

// ---- replay -------------------------------------------------------------------------------------

function replayCommand(args: string[], io: Ctx): number {
  const { values, positionals } = parse('replay', {
    args,
    options: { json: { type: 'boolean' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(replayHelp());
    return EXIT.holds;
  }
  const format = outputFormat('replay', values.format, values.json);
  if (positionals.length !== 1) {
    throw new UsageError('replay: give exactly one trace string (t1/model/variant/…), quoted');
  }
  let trace: Trace;
  try {
    trace = replayEncoded(io.models, (positionals[0] as string).trim());
  } catch (e) {
    if (e instanceof TraceError) throw new UsageError(`replay: ${e.message}`);
    throw e;
  }
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          model: trace.model,
          variant: trace.variant,
          memoryModel: trace.memoryModel,
          params: trace.params,
          initial: trace.initial,
          ...traceJson(trace),
        },
        null,
        2,
      ),
    );
    return EXIT.holds;
  }
  const model = io.models.find((m) => m.name === trace.model) as AnyModel;
  if (format === 'text') {
    io.out(mailText(model, trace));
    return EXIT.holds;
  }
  io.out(`${trace.model} / ${trace.variant} under ${trace.memoryModel}: the trace replays`);
  printTrace(io, model, trace);
  return EXIT.holds;
}

// ---- main ---------------------------------------------------------------------------------------

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the CLI on `argv` (without node and script); returns the exit code. */
export function main(argv: readonly string[], options: Io): number {
  const io: Ctx = { ...options, models: options.models ?? MODELS };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.err(MAIN_HELP);
        return EXIT.usage;
      case '-h':
      case '--help':
        io.out(MAIN_HELP);
        return EXIT.holds;
      case '-V':
      case '--version':
        io.out(version());
        return EXIT.holds;
      case 'help': {
        const topic = rest[0];
        if (topic === undefined) io.out(MAIN_HELP);
        else if (topic === 'list') io.out(listHelp());
        else if (topic === 'check') io.out(checkHelp(io.models));
        else if (topic === 'replay') io.out(replayHelp());
        else if (topic === 'litmus') io.out(litmusHelp());
        else throw new UsageError(`help: unknown command ${JSON.stringify(topic)} (commands: ${COMMANDS.join(', ')})`);
        return EXIT.holds;
      }
      case 'list':
        return list(rest, io);
      case 'check':
        return checkCommand(rest, io);
      case 'replay':
        return replayCommand(rest, io);
      case 'litmus':
        return litmusCommand(rest, io);
      default:
        throw new UsageError(
          command.startsWith('-')
            ? `: unknown option ${command} (options: --help, --version; commands: ${COMMANDS.join(', ')})`
            : `: unknown command ${JSON.stringify(command)} (commands: ${COMMANDS.join(', ')})`,
        );
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`kvmspec${e.message.startsWith(':') ? '' : ' '}${e.message}`);
      return EXIT.usage;
    }
    // Anything else is a fault in a model (ModelError, a non-deterministic model…) or the engine.
    io.err(`kvmspec: error: ${(e as Error).message}`);
    if (process.env.KVMSPEC_DEBUG) io.err(String((e as Error).stack));
    return EXIT.error;
  }
}

if (import.meta.main) {
  // `kvmspec check … | head`: a closed pipe ends the output, not with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  const io: Io = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(text.startsWith('\r') ? text : `${text}\n`),
    progress: process.stderr.isTTY === true,
    workers: defaultWorkers(),
  };
  process.exitCode = main(process.argv.slice(2), io);
}
