/**
 * scripts/litmus-catalogue.ts: herd7's `.expected` results parsed, and a directory of tests
 * compared with them under both LKMM checkers: agreement, each kind of disagreement (outcome,
 * final states, data-race flag), tests the engine cannot express, and the exit code. The herd
 * results below are written for these tests here (herd's format, LKMM's answers), not copied.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main, parseExpected } from '../../scripts/litmus-catalogue.ts';

const CORPUS = fileURLToPath(new URL('../../src/spec/litmus/tests/', import.meta.url));

/** herd7's output for a test, in its format. */
const herd = (name: string, obs: string, states: readonly string[], flags: readonly string[] = []): string =>
  [
    `Test ${name} Allowed`,
    `States ${states.length}`,
    ...states,
    obs === 'Never' ? 'No' : 'Ok',
    'Witnesses',
    'Positive: 1 Negative: 3',
    ...flags.map((f) => `Flag ${f}`),
    'Condition exists (0:r0=0 /\\ 1:r0=0)',
    `Observation ${name} ${obs} 1 3`,
    'Hash=0',
    '',
  ].join('\n');

const SB_STATES = ['0:r0=0; 1:r0=0;', '0:r0=0; 1:r0=1;', '0:r0=1; 1:r0=0;', '0:r0=1; 1:r0=1;'];

const dir = mkdtempSync(path.join(tmpdir(), 'kvmspec-catalogue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(name: string, source: string, expected?: string): void {
  writeFileSync(path.join(dir, `${name}.litmus`), source);
  if (expected !== undefined) writeFileSync(path.join(dir, `${name}.litmus.expected`), expected);
}

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(
    argv,
    (t) => out.push(t),
    (t) => err.push(t),
  );
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('parseExpected', () => {
  it("reads herd's Observation, its states (with [x] written x, pairs sorted) and its flags", () => {
    const r = parseExpected(herd('T', 'Sometimes', ['1:r0=1; [x]=2;', '[x]=1; 1:r0=0;'], ['data-race']));
    expect(r).toEqual({ observation: 'Sometimes', states: ['1:r0=0; x=1', '1:r0=1; x=2'], flags: ['data-race'] });
  });

  it('rejects text that is not herd output', () => {
    expect(() => parseExpected('Test T Allowed\nNo\n')).toThrow(/not a herd7 result/);
  });
});

describe('npm run litmus:catalogue', () => {
  const sb = readFileSync(path.join(CORPUS, 'SB+poonceonces.litmus'), 'utf8');
  put('SB-agrees', sb, herd('SB+poonceonces', 'Sometimes', SB_STATES));
  // herd's answer is LKMM's; these three state something else, to be found as disagreements.
  put('SB-wrong-observation', sb, herd('SB+poonceonces', 'Never', SB_STATES.slice(1)));
  put('SB-wrong-flag', sb, herd('SB+poonceonces', 'Sometimes', SB_STATES, ['data-race']));
  put('SB-missing-state', sb, herd('SB+poonceonces', 'Sometimes', SB_STATES.slice(0, 3)));
  put(
    'callback',
    'C callback\n{}\nP0(int *x) { call_rcu(x, 0); }\nexists (x=0)\n',
    herd('callback', 'Always', ['[x]=0;']),
  );
  put('no-expected', sb);

  it('counts agreement, classes the disagreements and names what cannot be checked (exit 1)', () => {
    const r = run(dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('5 tests with herd results (1 .litmus without .expected skipped)');
    for (const checker of ['relaxed (operational)', 'axiomatic']) {
      expect(r.stdout).toContain(`${checker}: 1 agree, 3 disagree, 1 cannot be checked`);
    }
    expect(r.stdout).toContain('disagree (1): herd Never, ours Sometimes; 0 state(s) only herd reaches, 1 only ours');
    expect(r.stdout).toContain('disagree (1): herd Sometimes, ours Sometimes; herd flags a data race, ours does not');
    expect(r.stdout).toContain(
      'disagree (1): herd Sometimes, ours Sometimes; 0 state(s) only herd reaches, 1 only ours',
    );
    expect(r.stdout).toContain('ours only: 0:r0=1; 1:r0=1');
    expect(r.stdout).toMatch(/cannot \(1\): not expressible: call_rcu\(\): /);
  });

  it('exits 0 when every test agrees, and --json gives the counts', () => {
    const r = run(dir, '--only', '^SB-agrees', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { tests: number; axiomatic: { counts: Record<string, number> } };
    expect(j.tests).toBe(1);
    expect(j.axiomatic.counts).toEqual({ agree: 1, disagree: 0, cannot: 0 });
  });

  it('usage: a directory is required (exit 2)', () => {
    const r = run(path.join(dir, 'nowhere'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^usage: npm run litmus:catalogue -- DIR/);
  });
});
