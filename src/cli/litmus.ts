/**
 * `kvmspec litmus FILE|DIR…`: checks C litmus tests (herd7's format, src/spec/litmus/parse.ts)
 * under sc, tso and relaxed, prints herd-style Observation lines, and judges each answer
 * against the test's stated `Result:` (see src/spec/litmus/judge.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MEMORY_MODELS, type MemoryModelName } from '../spec/engine/model.ts';
import { type AxiomaticCheck, checkAxiomatic } from '../spec/litmus/axiomatic/check.ts';
import type { CompiledLitmus, FinalState } from '../spec/litmus/compile.ts';
import {
  flagLine,
  type JudgedResult,
  judgeLitmus,
  loadLitmus,
  observationLine,
  stateLine,
} from '../spec/litmus/judge.ts';
import { LitmusError } from '../spec/litmus/parse.ts';
import { formatMs } from './format.ts';
import { EXIT, type Io, parse, UsageError } from './kvmspec.ts';

export function litmusHelp(): string {
  return `Usage: kvmspec litmus <file|dir>… [options]

Checks C litmus tests (herd7's format, the subset of the kernel's tools/memory-model tests)
under each memory model and prints, per test and memory model, herd's Observation line:
"Observation NAME Never|Sometimes|Always k/n", where k of the n distinct final states (over the
registers and locations the condition mentions) satisfy the condition; then the states explored
and the time. A directory means every *.litmus file under it, in name order.

A "Result: Never|Sometimes|Always" line in the test's header comment is LKMM's result and
judges the relaxed model; "Result (tso): …" and "Result (sc): …" lines judge the other two.
A construct the engine cannot express (RCU callbacks, sleeping locks…) is an error naming it and its
line:col; it is never approximated.

Plain C accesses (r = *x, *x = v) are checked for data races: "Flag data-race" after an
Observation line says some execution (ending in a final state that passes the filter) has a
plain access racing with another CPU's conflicting access, as herd7 prints for LKMM. A
"Flag: data-race" or "Flag: none" header line states LKMM's flag and judges the relaxed model
and the axioms.

Checkers: the operational memory models (the default) explore the test's interleavings under
each memory model; --checker axiomatic instead enumerates its candidate executions (po, rf, co)
and keeps those linux-kernel.cat's axioms allow, as herd7 does (LKMM only); --checker both
runs the two and reports, per test, whether relaxed and the axioms give the same final states
and data-race flag (a difference counts as a disagreement).

Options:
  --checker <c>         operational (default) | axiomatic | both
  --memory-model <mm>   only this memory model (${MEMORY_MODELS.join(' | ')}): one Observation line per test
  --states              also list each final state (* marks those satisfying the condition)
  --max-states <n>      stop a check as inconclusive after n distinct states (default 5000000)
  --no-reduction        explore every interleaving (no partial-order reduction)
  --json                print a JSON array, one object per test
  -h, --help            this text

Exit codes: 0 every stated result agrees, 1 some answer disagrees with a stated result,
2 bad usage or a test that cannot be read or expressed (every such test is reported),
3 some check ran out of its budget, 4 the engine gave no answer (an unexpected deadlock).`;
}

/** The .litmus files named by the arguments, in a stable order; a missing path is a usage error. */
export function litmusFiles(args: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.litmus')) out.push(p);
    }
  };
  for (const a of args) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(a);
    } catch {
      throw new UsageError(`litmus: no such file or directory: ${a}`);
    }
    if (st.isDirectory()) {
      const before = out.length;
      walk(a);
      if (out.length === before) throw new UsageError(`litmus: no .litmus files under ${a}`);
    } else out.push(a);
  }
  return out;
}

const verdictText = (r: JudgedResult, mm: MemoryModelName): string => {
  if (r.stated === undefined) return '';
  const who = mm === 'relaxed' ? 'LKMM' : mm === 'tso' ? 'x86' : 'SC';
  const race = r.statedRace === undefined ? '' : r.statedRace ? ', flags a data race' : ', no data race';
  return r.agrees ? `  ${who}: ${r.stated}${race}, agrees` : `  ${who}: ${r.stated}${race}, DISAGREES`;
};

/** The axiomatic answer judged against LKMM's stated Result and its `Flag:` line. */
interface JudgedAxiomatic extends AxiomaticCheck {
  readonly stated?: string;
  /** Whether the test states that LKMM flags a data race (`Flag:` line), if it does. */
  readonly statedRace?: boolean;
  readonly agrees: boolean;
}

function judgeAxiomatic(test: CompiledLitmus): JudgedAxiomatic {
  const r = checkAxiomatic(test);
  const stated = test.ast.results.lkmm;
  const statedRace = test.ast.results.dataRace;
  return {
    ...r,
    ...(stated === undefined ? {} : { stated }),
    ...(statedRace === undefined ? {} : { statedRace }),
    agrees:
      (stated === undefined || r.observation === stated) && (statedRace === undefined || r.dataRace === statedRace),
  };
}

const statesKey = (states: readonly FinalState[]): string =>
  states
    .map((s) => `${stateLine(s.values)}${s.satisfies ? ' *' : ''}`)
    .sort()
    .join('\n');

function axiomaticJson(r: JudgedAxiomatic) {
  return {
    checker: 'axiomatic',
    memoryModel: 'lkmm',
    observation: r.observation ?? null,
    positive: r.positive,
    total: r.total,
    validated: r.validated ?? null,
    dataRace: r.dataRace,
    stated: r.stated ?? null,
    statedDataRace: r.statedRace ?? null,
    agrees: r.agrees,
    candidates: r.candidates,
    consistent: r.consistent,
    refutedBy: r.refutedBy,
    ms: Math.round(r.ms * 100) / 100,
    finalStates: r.finalStates,
  };
}

function resultJson(r: JudgedResult) {
  return {
    memoryModel: r.memoryModel,
    observation: r.observation ?? null,
    positive: r.positive,
    total: r.total,
    validated: r.validated ?? null,
    dataRace: r.dataRace,
    stated: r.stated ?? null,
    statedDataRace: r.statedRace ?? null,
    agrees: r.agrees,
    states: r.states,
    ms: Math.round(r.ms * 100) / 100,
    finalStates: r.finalStates,
    ...(r.problem ? { problem: { kind: r.problem.kind, message: r.problem.message } } : {}),
  };
}

export function litmusCommand(args: string[], io: Io): number {
  const { values, positionals } = parse('litmus', {
    args,
    allowPositionals: true,
    options: {
      'memory-model': { type: 'string' },
      checker: { type: 'string' },
      states: { type: 'boolean' },
      'max-states': { type: 'string' },
      'no-reduction': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(litmusHelp());
    return EXIT.holds;
  }
  if (positionals.length === 0) throw new UsageError('litmus: name at least one .litmus file or directory');
  const mmText = values['memory-model'];
  if (mmText !== undefined && !(MEMORY_MODELS as readonly string[]).includes(mmText)) {
    throw new UsageError(
      `litmus: unknown memory model ${JSON.stringify(mmText)} (memory models: ${MEMORY_MODELS.join(', ')})`,
    );
  }
  const checker = values.checker ?? 'operational';
  if (checker !== 'operational' && checker !== 'axiomatic' && checker !== 'both') {
    throw new UsageError(`litmus: unknown checker ${JSON.stringify(checker)} (checkers: operational, axiomatic, both)`);
  }
  if (checker !== 'operational' && mmText !== undefined && mmText !== 'relaxed') {
    throw new UsageError(
      `litmus: --checker ${checker} checks LKMM only: --memory-model ${mmText} has no axiomatic counterpart (use relaxed)`,
    );
  }
  const models: readonly MemoryModelName[] =
    checker === 'axiomatic' ? [] : mmText === undefined ? MEMORY_MODELS : [mmText as MemoryModelName];
  const maxText = values['max-states'];
  const maxStates = maxText === undefined ? undefined : Number(maxText.replaceAll('_', ''));
  if (
    maxStates !== undefined &&
    (!Number.isSafeInteger(maxStates) || maxStates < 1 || !/^[\d_]+$/.test(maxText ?? ''))
  ) {
    throw new UsageError(`litmus: --max-states must be a positive integer, got ${JSON.stringify(maxText)}`);
  }
  const files = litmusFiles(positionals);

  let parseErrors = 0;
  let disagreements = 0;
  let inconclusive = 0;
  let noAnswer = 0;
  let axiomsCannotCount = 0;
  const json: unknown[] = [];
  const started = performance.now();
  for (const file of files) {
    let test: CompiledLitmus;
    try {
      test = loadLitmus(readFileSync(file, 'utf8'), file);
    } catch (e) {
      if (!(e instanceof LitmusError)) throw e;
      parseErrors++;
      io.err(`kvmspec litmus: ${e.message}`);
      if (values.json) json.push({ file, error: { line: e.pos.line, col: e.pos.col, message: e.detail } });
      continue;
    }
    let judged: ReturnType<typeof judgeLitmus>;
    let axiomatic: JudgedAxiomatic | undefined;
    let axiomsCannot: string | undefined;
    try {
      judged = judgeLitmus(test, models, {
        reduction: !values['no-reduction'],
        ...(maxStates === undefined ? {} : { maxStates }),
      });
      if (checker === 'axiomatic') axiomatic = judgeAxiomatic(test);
      else if (checker === 'both') {
        // With both, a test the axioms cannot express yet (spinlocks, plain accesses) keeps its
        // operational answers and says why the axioms gave none.
        try {
          axiomatic = judgeAxiomatic(test);
        } catch (e) {
          if (!(e instanceof LitmusError)) throw e;
          axiomsCannot = e.detail;
          axiomsCannotCount++;
        }
      }
    } catch (e) {
      // A runtime error of the test (a dereference of a non-address…), with its place.
      if (!(e instanceof LitmusError)) throw e;
      parseErrors++;
      io.err(`kvmspec litmus: ${e.message}`);
      if (values.json) json.push({ file, error: { line: e.pos.line, col: e.pos.col, message: e.detail } });
      continue;
    }
    for (const r of judged.results) {
      if (!r.agrees && !r.problem) disagreements++;
      if (r.problem?.kind === 'inconclusive') inconclusive++;
      else if (r.problem) noAnswer++;
    }
    if (axiomatic && !axiomatic.agrees) disagreements++;
    // --checker both: the operational relaxed model and the axioms must give the same final states.
    const relaxed = judged.results.find((r) => r.memoryModel === 'relaxed');
    const crossCheck =
      axiomatic && relaxed && !relaxed.problem
        ? statesKey(axiomatic.finalStates) === statesKey(relaxed.finalStates) &&
          axiomatic.observation === relaxed.observation &&
          axiomatic.dataRace === relaxed.dataRace
        : undefined;
    if (crossCheck === false) disagreements++;
    if (values.json) {
      json.push({
        name: test.ast.name,
        file,
        condition: `${test.ast.quantifier} ${test.ast.conditionText}`,
        results: [...judged.results.map(resultJson), ...(axiomatic ? [axiomaticJson(axiomatic)] : [])],
        ...(crossCheck === undefined ? {} : { relaxedMatchesAxioms: crossCheck }),
        ...(axiomsCannot === undefined ? {} : { axiomsCannotExpress: axiomsCannot }),
      });
      continue;
    }
    const single = models.length + (checker === 'operational' ? 0 : 1) === 1;
    if (!single) io.out(`Test ${test.ast.name} ${test.ast.quantifier} ${test.ast.conditionText}`);
    for (const r of judged.results) {
      const prefix = single ? '' : `  ${`${r.memoryModel}:`.padEnd(9)}`;
      const cost = `  [${r.states.toLocaleString('en')} states, ${formatMs(r.ms)}]`;
      if (r.problem) {
        io.out(
          `${prefix}${observationLine(test, r)}  ${r.problem.kind}: ${r.problem.message}${cost}${verdictText(r, r.memoryModel)}`,
        );
      } else io.out(`${prefix}${observationLine(test, r)}${cost}${verdictText(r, r.memoryModel)}`);
      const flag = flagLine(r);
      if (flag !== undefined) io.out(`${prefix}${flag}`);
      if (values.states) {
        for (const s of r.finalStates) io.out(`${prefix}  ${s.satisfies ? '*' : ' '} ${stateLine(s.values)}`);
      }
    }
    if (axiomsCannot !== undefined) io.out(`  ${'axioms:'.padEnd(9)}cannot check: ${axiomsCannot}`);
    if (axiomatic) {
      const prefix = single ? '' : `  ${'axioms:'.padEnd(9)}`;
      const cost = `  [${axiomatic.candidates.toLocaleString('en')} candidates, ${axiomatic.consistent.toLocaleString('en')} consistent, ${formatMs(axiomatic.ms)}]`;
      const race =
        axiomatic.statedRace === undefined ? '' : axiomatic.statedRace ? ', flags a data race' : ', no data race';
      const verdict =
        axiomatic.stated === undefined && axiomatic.statedRace === undefined
          ? ''
          : `  LKMM: ${axiomatic.stated ?? 'no Result'}${race}, ${axiomatic.agrees ? 'agrees' : 'DISAGREES'}`;
      io.out(
        `${prefix}Observation ${test.ast.name} ${axiomatic.observation} ${axiomatic.positive}/${axiomatic.total}${cost}${verdict}`,
      );
      if (axiomatic.dataRace) io.out(`${prefix}Flag data-race`);
      if (values.states) {
        for (const s of axiomatic.finalStates) io.out(`${prefix}  ${s.satisfies ? '*' : ' '} ${stateLine(s.values)}`);
      }
      if (crossCheck !== undefined) {
        io.out(
          crossCheck
            ? '  relaxed and the axioms give the same final states and data-race flag'
            : '  relaxed and the axioms DIFFER (run with --states to see the final states of each, and the Flag lines)',
        );
      }
    }
  }
  if (values.json) io.out(JSON.stringify(json, null, 2));
  else {
    const checked = files.length - parseErrors;
    const under = [...models, ...(checker === 'operational' ? [] : ['the LKMM axioms'])].join(', ');
    const parts = [`${checked} test${checked === 1 ? '' : 's'} checked under ${under}`];
    parts.push(
      disagreements === 0 ? 'every stated result agrees' : `${disagreements} answer(s) disagree with the stated result`,
    );
    if (parseErrors > 0) parts.push(`${parseErrors} test(s) could not be read or expressed`);
    if (axiomsCannotCount > 0) parts.push(`${axiomsCannotCount} test(s) the axioms cannot express yet`);
    if (noAnswer > 0) parts.push(`${noAnswer} check(s) gave no answer`);
    if (inconclusive > 0) parts.push(`${inconclusive} check(s) inconclusive`);
    io.out(`${parts.join('; ')} (${formatMs(performance.now() - started)})`);
  }
  if (parseErrors > 0) return EXIT.usage;
  if (noAnswer > 0) return EXIT.error;
  if (disagreements > 0) return EXIT.violated;
  if (inconclusive > 0) return EXIT.inconclusive;
  return EXIT.holds;
}
