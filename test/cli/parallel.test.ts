/**
 * `kvmspec check --workers`: the command with worker threads (src/cli/parallel.ts) gives the
 * sequential command's result: verdict, counts and the counterexample's trace string. Child
 * processes, as a user runs the command (the engine's side is test/engine/parallel.test.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/kvmspec.ts';
import { kvmspec } from '../support/cli-process.ts';

vi.setConfig({ testTimeout: 120_000 });

interface Json {
  verdict: string;
  states: number;
  transitions: number;
  depth: number;
  violation?: { property: string };
  counterexample?: { trace: string };
  parallel?: { helpers: number; states: number };
}

describe('kvmspec check --workers', () => {
  it('two worker threads give the sequential verdict, counts and shortest counterexample', async () => {
    // 11,130 states under TSO without symmetry: past the threshold at which helpers are started
    // and given work. (With symmetry the liveness graph needs each edge's renaming, which the
    // helpers' records do not carry, so the search stays sequential: explore.ts, distribute().)
    const args = [
      ...['check', 'requests', '--variant', 'cpu-read-first-2-requesters', '--memory-model', 'tso'],
      ...['--no-symmetry', '--json'],
    ];
    const [one, two] = await Promise.all([kvmspec(...args, '--workers', '1'), kvmspec(...args, '--workers', '2')]);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    const a = JSON.parse(one.stdout) as Json;
    const b = JSON.parse(two.stdout) as Json;
    expect(a.parallel).toBeUndefined();
    expect(b.parallel?.helpers).toBe(2);
    expect(b.parallel?.states ?? 0).toBeGreaterThan(0);
    const pick = (r: Json) => [
      r.verdict,
      r.states,
      r.transitions,
      r.depth,
      r.violation?.property,
      r.counterexample?.trace,
    ];
    expect(pick(b)).toEqual(pick(a));
  });

  it('--workers takes a positive integer', () => {
    let err = '';
    const code = main(['check', 'sb', '--workers', '0'], { out: () => {}, err: (t) => (err += t), progress: false });
    expect(code).toBe(2);
    expect(err).toMatch(/--workers must be a positive integer, got "0"/);
  });
});
