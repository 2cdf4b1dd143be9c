/**
 * The Litmus page's pure parts: the permalink codec (strict decoding) and what the worker
 * answers for a test text (outcomes, witnesses whose steps point at the test's lines, errors
 * with line:col).
 */
import { describe, expect, it } from 'vitest';
import { decodeLitmusHash, encodeLitmusHash, MAX_TEXT_BYTES } from '../../src/live/litmus-permalink.ts';
import { checkLitmusText } from '../../src/live/litmus-worker.ts';
import { CORPUS } from '../../src/spec/litmus/corpus.ts';

const SB = CORPUS.find((t) => t.ast.name === 'SB+poonceonces')?.ast.source as string;

describe('litmus permalink', () => {
  it('round-trips a test text', async () => {
    const frag = await encodeLitmusHash(SB);
    expect(frag).toMatch(/^litmus=[A-Za-z0-9_-]+$/);
    expect(frag.length).toBeLessThan(SB.length);
    await expect(decodeLitmusHash(`#${frag}`)).resolves.toEqual({ ok: true, text: SB });
  });

  it('rejects what a permalink never is', async () => {
    const bad = async (hash: string) => {
      const d = await decodeLitmusHash(hash);
      return d.ok ? 'accepted' : d.message;
    };
    await expect(bad('#other=1')).resolves.toMatch(/does not carry a litmus test/);
    await expect(bad('#litmus=')).resolves.toMatch(/empty/);
    await expect(bad('#litmus=ab+/')).resolves.toMatch(/characters a permalink never has/);
    await expect(bad('#litmus=AAAAAAAA')).resolves.toMatch(/damaged/);
    await expect(bad(`#${await encodeLitmusHash('C T\u0001')}`)).resolves.toMatch(/control characters/);
    // A small link that inflates beyond the cap.
    await expect(bad(`#${await encodeLitmusHash(' '.repeat(MAX_TEXT_BYTES + 1))}`)).resolves.toMatch(/longer than/);
  });
});

describe('checkLitmusText (the worker)', () => {
  it('answers under three models, with witnesses at the test lines where the outcome is reachable', () => {
    const out = checkLitmusText(SB, 100_000);
    if (!out.ok) throw new Error(out.message);
    expect(out.results.map((r) => [r.memoryModel, r.observation, r.agrees, r.witness !== undefined])).toEqual([
      ['sc', 'Never', true, false],
      ['tso', 'Sometimes', true, true],
      ['relaxed', 'Sometimes', true, true],
    ]);
    const trace = out.results[2]?.witness?.trace;
    const lines = SB.split('\n');
    for (const step of trace?.steps ?? []) {
      if (!step.site) continue;
      expect(step.site.file).toBe('litmus');
      expect(lines[step.site.line - 1]).toMatch(/WRITE_ONCE|READ_ONCE/);
    }
    expect(trace?.steps.some((s) => s.site !== undefined)).toBe(true);
  });

  it('passes the data-race flag on (a plain store racing with a plain load)', () => {
    const racy = SB.replace('WRITE_ONCE(*x, 1);', '*x = 1;').replace('r0 = READ_ONCE(*x);', 'r0 = *x;');
    const outcome = checkLitmusText(racy, 10_000);
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.results.map((r) => r.dataRace)).toEqual([true, true, true]);
  });

  it('reports an error with its line and column, and refuses an oversized text', () => {
    expect(checkLitmusText(SB.replace('WRITE_ONCE(*x, 1);', 'mutex_lock(x);'), 1000)).toMatchObject({
      ok: false,
      message: 'mutex_lock(): sleeping locks are not in the litmus language (LKMM models none)',
    });
    expect(checkLitmusText('x'.repeat(20_001), 1000)).toMatchObject({ ok: false, line: 1, col: 1 });
  });
});
