/**
 * `kvmspec litmus`: herd-style output, judging of stated results, --memory-model, --json,
 * --states, and the exit codes (0 agrees, 1 disagrees, 2 bad usage or unreadable test,
 * 4 no answer). In process for speed, plus one run as a child process.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/kvmspec.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS = path.join(ROOT, 'src/spec/litmus/tests');

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(['litmus', ...argv], { out: (t) => out.push(t), err: (t) => err.push(t), progress: false });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const dir = mkdtempSync(path.join(tmpdir(), 'kvmspec-litmus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const mp = (result: string) => `C MP-test
(*
 * Result: ${result}
 *)
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*x, 1);
	WRITE_ONCE(*y, 1);
}
P1(int *x, int *y)
{
	int r0;
	int r1;
	r0 = READ_ONCE(*y);
	r1 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 1:r1=0)
`;

describe('kvmspec litmus', () => {
  it('prints an Observation line per memory model, with states and time, and judges Result: (exit 0)', () => {
    const r = run(path.join(CORPUS, 'SB+poonceonces.litmus'));
    expect(r.code).toBe(EXIT.holds);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Test SB+poonceonces exists (0:r0=0 /\\ 1:r0=0)');
    expect(lines[1]).toMatch(
      /^ {2}sc: {6}Observation SB\+poonceonces Never 0\/3 {2}\[13 states, [\d.]+ m?s\] {2}SC: Never, agrees$/,
    );
    expect(lines[2]).toMatch(/^ {2}tso: {5}Observation SB\+poonceonces Sometimes 1\/4 .*x86: Sometimes, agrees$/);
    expect(lines[3]).toMatch(/^ {2}relaxed: Observation SB\+poonceonces Sometimes 1\/4 .*LKMM: Sometimes, agrees$/);
    expect(lines[4]).toMatch(/^1 test checked under sc, tso, relaxed; every stated result agrees/);
  });

  it('exits 1 when an answer disagrees with the stated result', () => {
    const r = run(file('wrong.litmus', mp('Never')), '--memory-model', 'relaxed');
    expect(r.code).toBe(EXIT.violated);
    expect(r.stdout.split('\n')[0]).toMatch(/^Observation MP-test Sometimes 1\/4 .*LKMM: Never, DISAGREES$/);
    expect(r.stdout).toMatch(/1 answer\(s\) disagree with the stated result/);
  });

  it('with --memory-model prints one Observation line per test, for a whole directory', () => {
    const r = run(CORPUS, '--memory-model', 'sc');
    const lines = r.stdout.split('\n');
    const observations = lines.filter((l) => l.startsWith('Observation '));
    expect(observations.length).toBe(lines.length - 1);
    expect(observations.length).toBeGreaterThanOrEqual(30);
    expect(r.code).toBe(EXIT.holds);
  });

  it('lists final states with --states', () => {
    const r = run(file('ok.litmus', mp('Sometimes')), '--memory-model', 'tso', '--states');
    expect(r.stdout).toContain('    1:r0=0; 1:r1=0;');
    expect(r.code).toBe(EXIT.holds);
    const relaxed = run(file('ok.litmus', mp('Sometimes')), '--memory-model', 'relaxed', '--states');
    expect(relaxed.stdout).toContain('  * 1:r0=1; 1:r1=0;');
  });

  it('prints JSON with --json', () => {
    const r = run(file('ok.litmus', mp('Sometimes')), '--json');
    const data = JSON.parse(r.stdout) as {
      name: string;
      condition: string;
      results: { memoryModel: string; observation: string; positive: number; total: number; agrees: boolean }[];
    }[];
    expect(data).toHaveLength(1);
    expect(data[0]?.name).toBe('MP-test');
    expect(data[0]?.condition).toBe('exists (1:r0=1 /\\ 1:r1=0)');
    expect(data[0]?.results.map((x) => [x.memoryModel, x.observation, x.positive, x.total])).toEqual([
      ['sc', 'Never', 0, 3],
      ['tso', 'Never', 0, 3],
      ['relaxed', 'Sometimes', 1, 4],
    ]);
    // Only relaxed is judged (there is no Result (tso) or (sc) line): it agrees; the others are unjudged.
    expect(data[0]?.results.map((x) => x.agrees)).toEqual([true, true, true]);
  });

  it('reports a test it cannot express with file:line:col, checks the others, and exits 2', () => {
    const bad = file('set/a-lock.litmus', 'C lock\n{}\nP0(int *x)\n{\n\tmutex_lock(x);\n}\nexists (x=0)\n');
    file('set/b-ok.litmus', mp('Sometimes'));
    const r = run(path.join(dir, 'set'), '--memory-model', 'relaxed');
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toBe(
      `kvmspec litmus: ${bad}:5:2: mutex_lock(): sleeping locks are not in the litmus language (LKMM models none)`,
    );
    expect(r.stdout).toMatch(/^Observation MP-test Sometimes 1\/4/);
    expect(r.stdout).toMatch(/1 test\(s\) could not be read or expressed/);
    const json = JSON.parse(run(bad, '--json').stdout) as { error: { line: number; col: number; message: string } }[];
    expect(json[0]?.error).toEqual({
      line: 5,
      col: 2,
      message: 'mutex_lock(): sleeping locks are not in the litmus language (LKMM models none)',
    });
  });

  it('prints "Flag data-race" for a racy test, in --json too, and judges a Flag: line', () => {
    const racy = (flag: string) => `C MP-plain
(*
 * Result: Sometimes
 * Flag: ${flag}
 *)
{}
P0(int *x, int *y)
{
	*x = 1;
	WRITE_ONCE(*y, 1);
}
P1(int *x, int *y)
{
	int r0;
	int r1 = 2;
	r0 = READ_ONCE(*y);
	if (r0)
		r1 = *x;
}
exists (1:r0=1 /\\ 1:r1=0)
`;
    const agreeing = file('race/racy.litmus', racy('data-race'));
    const r = run(agreeing, '--memory-model', 'relaxed');
    expect(r.code).toBe(EXIT.holds);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^Observation MP-plain Sometimes 1\/\d+ .*LKMM: Sometimes, flags a data race, agrees$/),
      'Flag data-race',
    ]);
    // Under SC the plain load runs only after P0 has finished: no race, no flag line.
    expect(run(agreeing, '--memory-model', 'sc').stdout).not.toMatch(/Flag/);
    const json = JSON.parse(run(agreeing, '--json').stdout) as {
      results: { memoryModel: string; dataRace: boolean; statedDataRace: boolean | null }[];
    }[];
    expect(json[0]?.results.map((x) => [x.memoryModel, x.dataRace, x.statedDataRace])).toEqual([
      ['sc', false, null],
      ['tso', false, null],
      ['relaxed', true, true],
    ]);
    const wrong = run(file('race/wrong.litmus', racy('none')), '--memory-model', 'relaxed');
    expect(wrong.code).toBe(EXIT.violated);
    expect(wrong.stdout).toMatch(/LKMM: Sometimes, no data race, DISAGREES/);
  });

  it('rejects bad usage with one line and exit 2', () => {
    for (const [args, pattern] of [
      [[], /^kvmspec litmus: name at least one \.litmus file or directory$/],
      [['/no/such/file.litmus'], /^kvmspec litmus: no such file or directory: \/no\/such\/file\.litmus$/],
      [
        [CORPUS, '--memory-model', 'arm'],
        /^kvmspec litmus: unknown memory model "arm" \(memory models: sc, tso, relaxed\)$/,
      ],
      [[CORPUS, '--max-states', 'lots'], /^kvmspec litmus: --max-states must be a positive integer/],
      [[CORPUS, '--frob'], /^kvmspec litmus: unknown option --frob/],
      [[dir.replace(/$/, '/empty-dir-that-does-not-exist')], /no such file or directory/],
    ] as const) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(EXIT.usage);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(pattern);
    }
    mkdirSync(path.join(dir, 'empty'), { recursive: true });
    expect(run(path.join(dir, 'empty')).stderr).toMatch(/^kvmspec litmus: no \.litmus files under /);
  });

  it('has help', () => {
    expect(run('--help').stdout).toMatch(/^Usage: kvmspec litmus <file\|dir>… \[options\]/);
    const out: string[] = [];
    main(['help', 'litmus'], { out: (t) => out.push(t), err: () => {}, progress: false });
    expect(out.join('\n')).toMatch(/^Usage: kvmspec litmus/);
  });

  it('runs as a command (bin/kvmspec) with the same exit code', () => {
    const r = spawnSync(path.join(ROOT, 'bin/kvmspec'), ['litmus', file('wrong.litmus', mp('Never'))], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(EXIT.violated);
    expect(r.stdout).toMatch(/relaxed: Observation MP-test Sometimes 1\/4 .*LKMM: Never, DISAGREES/);
  });
});
