/**
 * `npm run litmus:catalogue -- DIR [--json] [--max-ms N] [--max-candidates N] [--only REGEXP]`
 *
 * Runs a directory of herd7 C litmus tests that come with herd's own results (`NAME.litmus`
 * beside `NAME.litmus.expected`, as herdtools7's catalogue/linux/tests keeps them) through both
 * of the project's LKMM checkers, the operational relaxed model (`kvmspec litmus
 * --memory-model relaxed`) and the axiomatic checker (`--checker axiomatic`), and compares each
 * answer with herd's: the Observation (Never, Sometimes, Always), the set of final states, and
 * the data-race flag. Prints one line per test, then per checker how many agree, disagree and
 * cannot be checked, with the disagreements grouped by class (herd's answer, ours, whether the
 * states or the flag differ) and the reasons a test cannot be checked grouped by message.
 *
 * The catalogue is not part of the project: fetch herdtools7 and point the script at it. Exit
 * 0 when no expressible test disagrees, 1 when one does, 2 on bad usage.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkAxiomatic } from '../src/spec/litmus/axiomatic/check.ts';
import { type CompiledLitmus, checkLitmus, type FinalState } from '../src/spec/litmus/compile.ts';
import { loadLitmus } from '../src/spec/litmus/judge.ts';
import { LitmusError } from '../src/spec/litmus/parse.ts';

/** herd's answer, from a `.litmus.expected` file. */
export interface HerdExpected {
  readonly observation: 'Never' | 'Sometimes' | 'Always';
  /** Each final state as sorted `name=value` pairs joined by `; ` (herd's `[x]` written `x`). */
  readonly states: readonly string[];
  readonly flags: readonly string[];
}

/** Parses herd7's output for one test (the `.expected` format). */
export function parseExpected(text: string): HerdExpected {
  const lines = text.split('\n').map((l) => l.trim());
  const statesAt = lines.findIndex((l) => /^States \d+$/.test(l));
  const obs = lines.map((l) => /^Observation \S+ (Never|Sometimes|Always) \d+ \d+$/.exec(l)).find((m) => m !== null);
  if (statesAt < 0 || !obs) throw new Error('not a herd7 result: no "States" or "Observation" line');
  const count = Number(lines[statesAt]?.split(' ')[1]);
  const states = lines.slice(statesAt + 1, statesAt + 1 + count).map(normaliseHerdState);
  const flags = lines.filter((l) => l.startsWith('Flag ')).map((l) => l.slice(5).trim());
  return { observation: obs[1] as HerdExpected['observation'], states: states.sort(), flags };
}

function normaliseHerdState(line: string): string {
  return line
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => p.replace(/^\[(.+)\]=/, '$1='))
    .sort()
    .join('; ');
}

const ourState = (s: FinalState): string =>
  Object.entries(s.values)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join('; ');

type Outcome =
  | { readonly k: 'agree' }
  | { readonly k: 'disagree'; readonly cls: string; readonly detail: string }
  | { readonly k: 'cannot'; readonly reason: string };

interface Answer {
  readonly observation?: string;
  readonly finalStates: readonly FinalState[];
  readonly dataRace: boolean;
}

function compare(herd: HerdExpected, ours: Answer): Outcome {
  const states = ours.finalStates.map(ourState).sort();
  const sameObs = ours.observation === herd.observation;
  const sameStates = states.join('\n') === herd.states.join('\n');
  const herdRace = herd.flags.includes('data-race');
  const sameRace = herdRace === ours.dataRace;
  if (sameObs && sameStates && sameRace) return { k: 'agree' };
  const parts = [`herd ${herd.observation}, ours ${ours.observation ?? 'none'}`];
  if (!sameStates) {
    const missing = herd.states.filter((s) => !states.includes(s));
    const extra = states.filter((s) => !herd.states.includes(s));
    parts.push(`${missing.length} state(s) only herd reaches, ${extra.length} only ours`);
  }
  if (!sameRace)
    parts.push(herdRace ? 'herd flags a data race, ours does not' : 'ours flags a data race, herd does not');
  const missing = herd.states.filter((s) => !states.includes(s));
  const extra = states.filter((s) => !herd.states.includes(s));
  const detail = [...missing.map((s) => `    herd only: ${s}`), ...extra.map((s) => `    ours only: ${s}`)].join('\n');
  return { k: 'disagree', cls: parts.join('; '), detail };
}

/** The message of an error without the test-specific place, for grouping. */
const reasonClass = (e: unknown): string => {
  if (e instanceof LitmusError) return e.detail.replace(/\b(P\d+|[a-z_]\w*\d+)\b/g, '…');
  return e instanceof Error ? e.message : String(e);
};

function litmusFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...litmusFiles(p));
    else if (name.endsWith('.litmus')) out.push(p);
  }
  return out;
}

/** The command; `out` and `err` receive its output (process.stdout and stderr from the command line). */
export function main(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'max-ms': { type: 'string', default: '60000' },
      'max-candidates': { type: 'string', default: '300000' },
      only: { type: 'string' },
    },
  });
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1 || !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    err('usage: npm run litmus:catalogue -- DIR [--json] [--max-ms N] [--max-candidates N] [--only REGEXP]\n');
    return 2;
  }
  const maxMs = Number(values['max-ms']);
  const maxCandidates = Number(values['max-candidates']);
  const only = values.only === undefined ? undefined : new RegExp(values.only);
  const files = litmusFiles(dir).filter((f) => only === undefined || only.test(path.basename(f)));
  const rows: { file: string; operational: Outcome; axiomatic: Outcome; ms: { op: number; ax: number } }[] = [];
  let noExpected = 0;
  for (const file of files) {
    let expectedText: string;
    try {
      expectedText = readFileSync(`${file}.expected`, 'utf8');
    } catch {
      noExpected++;
      continue;
    }
    const herd = parseExpected(expectedText);
    let test: CompiledLitmus | undefined;
    let compileError: Outcome | undefined;
    try {
      test = loadLitmus(readFileSync(file, 'utf8'), file);
    } catch (e) {
      compileError = { k: 'cannot', reason: `not expressible: ${reasonClass(e)}` };
    }
    let operational: Outcome = compileError ?? { k: 'agree' };
    let axiomatic: Outcome = compileError ?? { k: 'agree' };
    const ms = { op: 0, ax: 0 };
    if (test) {
      const t0 = performance.now();
      try {
        const op = checkLitmus(test, 'relaxed', { maxMs });
        operational = op.problem
          ? { k: 'cannot', reason: `operational ${op.problem.kind}: ${op.problem.message.replace(/\d+/g, 'N')}` }
          : compare(herd, op);
      } catch (e) {
        operational = { k: 'cannot', reason: `operational: ${reasonClass(e)}` };
      }
      ms.op = performance.now() - t0;
      const t1 = performance.now();
      try {
        axiomatic = compare(herd, checkAxiomatic(test, { maxCandidates }));
      } catch (e) {
        axiomatic = { k: 'cannot', reason: `axiomatic: ${reasonClass(e)}` };
      }
      ms.ax = performance.now() - t1;
    }
    rows.push({ file: path.relative(dir, file), operational, axiomatic, ms });
    if (!values.json) {
      const show = (o: Outcome): string => (o.k === 'agree' ? 'agree' : o.k === 'cannot' ? 'cannot' : 'DISAGREE');
      out(
        `${path.relative(dir, file).padEnd(56)} relaxed ${show(operational).padEnd(8)} axioms ${show(axiomatic).padEnd(8)} (${Math.round(ms.op)} ms, ${Math.round(ms.ax)} ms)\n`,
      );
    }
  }
  const summary = (pick: (r: (typeof rows)[number]) => Outcome) => {
    const counts = { agree: 0, disagree: 0, cannot: 0 };
    const classes = new Map<string, string[]>();
    const reasons = new Map<string, string[]>();
    for (const r of rows) {
      const o = pick(r);
      if (o.k === 'agree') counts.agree++;
      else if (o.k === 'disagree') {
        counts.disagree++;
        classes.set(o.cls, [...(classes.get(o.cls) ?? []), `${r.file}\n${o.detail}`]);
      } else {
        counts.cannot++;
        reasons.set(o.reason, [...(reasons.get(o.reason) ?? []), r.file]);
      }
    }
    return { counts, classes: Object.fromEntries(classes), reasons: Object.fromEntries(reasons) };
  };
  const result = {
    directory: dir,
    tests: rows.length,
    withoutExpected: noExpected,
    operational: summary((r) => r.operational),
    axiomatic: summary((r) => r.axiomatic),
  };
  if (values.json) out(`${JSON.stringify(result, null, 2)}\n`);
  else {
    out(
      `\n${rows.length} tests with herd results${noExpected ? ` (${noExpected} .litmus without .expected skipped)` : ''}\n`,
    );
    for (const [name, s] of [
      ['relaxed (operational)', result.operational],
      ['axiomatic', result.axiomatic],
    ] as const) {
      out(`\n${name}: ${s.counts.agree} agree, ${s.counts.disagree} disagree, ${s.counts.cannot} cannot be checked\n`);
      for (const [cls, tests] of Object.entries(s.classes)) {
        out(`  disagree (${tests.length}): ${cls}\n`);
        for (const t of tests) out(`    ${t}\n`);
      }
      for (const [reason, tests] of Object.entries(s.reasons)) {
        out(`  cannot (${tests.length}): ${reason}\n    ${tests.join('\n    ')}\n`);
      }
    }
  }
  return result.operational.counts.disagree + result.axiomatic.counts.disagree > 0 ? 1 : 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
