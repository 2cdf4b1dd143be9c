/**
 * `kvmspec litmus --checker axiomatic|both`: the axiomatic LKMM checker from the command line
 * (one Observation line per test, judged against `Result:`), the relaxed-versus-axioms
 * cross-check of `both` (a difference is a disagreement: exit 1), JSON, and usage errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const dir = mkdtempSync(path.join(tmpdir(), 'kvmspec-litmus-ax-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** S with smp_wmb() and a control dependency: LKMM Never (both checkers agree). */
const S_CTRL = `C S+fencewmbonceonce+ctrlonce
(*
 * Result: Never
 *)
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*x, 2);
	smp_wmb();
	WRITE_ONCE(*y, 1);
}
P1(int *x, int *y)
{
	int r0;
	r0 = READ_ONCE(*y);
	if (r0)
		WRITE_ONCE(*x, 1);
}
exists (x=2 /\\ 1:r0=1)
`;

/**
 * SB with a store between the atomic and smp_mb__after_atomic(): LKMM Sometimes (the barrier
 * orders only what is at or before the RMW), the relaxed model Never, where it is stronger than
 * LKMM on purpose (memory/relaxed.ts): the two checkers differ.
 */
const SB_AFTER_ATOMIC = `C SB+atomic-then-store+mb__after_atomic
(*
 * Result: Sometimes
 *)
{}
P0(int *x, int *y, atomic_t *z0)
{
	int r0;
	atomic_inc(z0);
	WRITE_ONCE(*x, 1);
	smp_mb__after_atomic();
	r0 = READ_ONCE(*y);
}
P1(int *x, int *y, atomic_t *z1)
{
	int r0;
	atomic_inc(z1);
	WRITE_ONCE(*y, 1);
	smp_mb__after_atomic();
	r0 = READ_ONCE(*x);
}
exists (0:r0=0 /\\ 1:r0=0)
`;

describe('kvmspec litmus --checker', () => {
  it('axiomatic: one Observation line per test, with candidates, judged against Result:', () => {
    const r = run(
      path.join(CORPUS, 'SB+fencembonceonces.litmus'),
      path.join(CORPUS, 'MP+poonceonces.litmus'),
      '--checker',
      'axiomatic',
    );
    expect(r.code).toBe(EXIT.holds);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^Observation SB\+fencembonceonces Never 0\/3 {2}\[4 candidates, 3 consistent, .+\] {2}LKMM: Never, agrees$/,
    );
    expect(lines[1]).toMatch(
      /^Observation MP\+poonceonces Sometimes 1\/4 {2}\[4 candidates, 4 consistent, .+\] {2}LKMM: Sometimes, agrees$/,
    );
    expect(lines[2]).toMatch(/^2 tests checked under the LKMM axioms; every stated result agrees/);
  });

  it('axiomatic: a wrong stated result is a disagreement (exit 1)', () => {
    const f = path.join(dir, 'wrong.litmus');
    writeFileSync(f, S_CTRL.replace('Result: Never', 'Result: Sometimes'));
    const r = run(f, '--checker', 'axiomatic');
    expect(r.code).toBe(EXIT.violated);
    expect(r.stdout).toMatch(/Observation S\+fencewmbonceonce\+ctrlonce Never 0\/2 .* LKMM: Sometimes, DISAGREES/);
  });

  it('both: reports whether relaxed and the axioms give the same final states', () => {
    const same = run(path.join(CORPUS, 'WRC+pooncerelease+fencermbonceonce+Once.litmus'), '--checker', 'both');
    expect(same.code).toBe(EXIT.holds);
    expect(same.stdout).toMatch(/ {2}axioms: {2}Observation WRC\+pooncerelease\+fencermbonceonce\+Once Never/);
    expect(same.stdout).toContain('relaxed and the axioms give the same final states');

    const f = path.join(dir, 'sb-after-atomic.litmus');
    writeFileSync(f, SB_AFTER_ATOMIC);
    const differ = run(f, '--checker', 'both', '--memory-model', 'relaxed', '--states');
    expect(differ.code).toBe(EXIT.violated);
    expect(differ.stdout).toContain('relaxed and the axioms DIFFER');
    expect(differ.stdout).toMatch(/relaxed: Observation SB\+atomic-then-store\+mb__after_atomic Never .*DISAGREES/);
    expect(differ.stdout).toMatch(
      /axioms: {2}Observation SB\+atomic-then-store\+mb__after_atomic Sometimes 1\/4 .*agrees/,
    );
  });

  it('both: a test too large for the axioms keeps its operational answer and says why (exit 0)', () => {
    // 65 stores to one location: more values than the axiomatic checker's domain allows (64).
    const stores = Array.from({ length: 65 }, (_, i) => `\tWRITE_ONCE(*x, ${i + 1});`).join('\n');
    const f = path.join(dir, 'many-values.litmus');
    writeFileSync(f, `C many-values\n(*\n * Result: Always\n *)\n{}\nP0(int *x)\n{\n${stores}\n}\nexists (x=65)\n`);
    const r = run(f, '--checker', 'both', '--memory-model', 'relaxed');
    expect(r.code).toBe(EXIT.holds);
    expect(r.stdout).toMatch(/relaxed: Observation many-values Always .*LKMM: Always, agrees/);
    expect(r.stdout).toContain('axioms:  cannot check: location x can hold more than 64 values');
    expect(r.stdout).toContain('1 test(s) the axioms cannot express yet');
    const only = run(f, '--checker', 'axiomatic');
    expect(only.code).toBe(EXIT.usage);
    expect(only.stderr).toMatch(/many-values\.litmus:\d+:\d+: location x can hold more than 64 values/);
  });

  it('axiomatic: spinlocks, RCU and plain accesses are checked (lock.cat, the rcu axiom, data races)', () => {
    const r = run(
      path.join(CORPUS, 'MP+polocks.litmus'),
      path.join(CORPUS, 'RCU+sync+read.litmus'),
      path.join(CORPUS, 'dep+plain.litmus'),
      '--checker',
      'both',
      '--memory-model',
      'relaxed',
    );
    expect(r.code).toBe(EXIT.holds);
    expect(r.stdout).toMatch(/axioms: {2}Observation MP\+polocks Never .*LKMM: Never, agrees/);
    expect(r.stdout).toMatch(/axioms: {2}Observation RCU\+sync\+read Never .*LKMM: Never, agrees/);
    expect(r.stdout).toMatch(/axioms: {2}Observation dep\+plain Never .*LKMM: Never, no data race, agrees/);
    expect(r.stdout).not.toContain('cannot express');
  });

  it("axiomatic: a Flag: line is judged, and herd's Flag data-race printed (exit 1 when it disagrees)", () => {
    const racy = (flag: string) => `C WR+once+ctrl-plain
(*
 * Result: Sometimes
 * Flag: ${flag}
 *)
{}
P0(int *x)
{
	WRITE_ONCE(*x, 1);
}
P1(int *x)
{
	int r0;
	int r1;
	r0 = READ_ONCE(*x);
	if (r0)
		r1 = *x;
}
exists (1:r0=1 /\\ 1:r1=1)
`;
    const right = path.join(dir, 'flag-right.litmus');
    const wrong = path.join(dir, 'flag-wrong.litmus');
    writeFileSync(right, racy('data-race'));
    writeFileSync(wrong, racy('none'));
    const ok = run(right, '--checker', 'axiomatic');
    expect(ok.code).toBe(EXIT.holds);
    expect(ok.stdout).toMatch(
      /^Observation WR\+once\+ctrl-plain Sometimes 1\/2 .*LKMM: Sometimes, flags a data race, agrees$/m,
    );
    expect(ok.stdout).toMatch(/^Flag data-race$/m);
    const bad = run(wrong, '--checker', 'axiomatic');
    expect(bad.code).toBe(EXIT.violated);
    expect(bad.stdout).toMatch(/LKMM: Sometimes, no data race, DISAGREES/);
    // both: the relaxed model and the axioms agree on the flag too (the cross-check compares it).
    const both = run(right, '--checker', 'both', '--memory-model', 'relaxed');
    expect(both.code).toBe(EXIT.holds);
    expect(both.stdout).toContain('relaxed and the axioms give the same final states and data-race flag');
    const [j] = JSON.parse(run(wrong, '--checker', 'axiomatic', '--json').stdout) as {
      results: { dataRace: boolean; statedDataRace: boolean | null; agrees: boolean }[];
    }[];
    expect(j?.results[0]).toMatchObject({ dataRace: true, statedDataRace: false, agrees: false });
  });

  it('both --json: an axiomatic result beside the operational ones and the cross-check', () => {
    const r = run(path.join(CORPUS, 'LB+poonceonces.litmus'), '--checker', 'both', '--json');
    expect(r.code).toBe(EXIT.holds);
    const [t] = JSON.parse(r.stdout) as {
      results: { checker?: string; memoryModel: string; observation: string; candidates?: number }[];
      relaxedMatchesAxioms: boolean;
    }[];
    expect(t?.results.map((x) => x.memoryModel)).toEqual(['sc', 'tso', 'relaxed', 'lkmm']);
    const ax = t?.results[3];
    expect(ax?.checker).toBe('axiomatic');
    expect(ax?.observation).toBe('Sometimes');
    expect(ax?.candidates).toBe(4);
    expect(t?.relaxedMatchesAxioms).toBe(true);
  });

  it('usage errors: an unknown checker, and the axioms with a memory model other than relaxed', () => {
    const sb = path.join(CORPUS, 'SB+poonceonces.litmus');
    for (const [args, pattern] of [
      [
        [sb, '--checker', 'herd'],
        /^kvmspec litmus: unknown checker "herd" \(checkers: operational, axiomatic, both\)$/,
      ],
      [[sb, '--checker', 'axiomatic', '--memory-model', 'tso'], /--checker axiomatic checks LKMM only/],
    ] as const) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(EXIT.usage);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(pattern);
    }
  });
});
