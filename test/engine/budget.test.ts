/**
 * Budgets and cancellation: a run cut short by its state or time budget, or cancelled through
 * an AbortSignal, is `inconclusive` (with the reason), never `holds`.
 */
import { describe, expect, it } from 'vitest';
import { check, checkAsync, type ProgressInfo } from '../../src/spec/engine/index.ts';
import { ring } from './models.ts';

describe('state budget', () => {
  const full = check(ring, { variant: 'mb', params: { n: 4 } });

  it('the unbudgeted run holds', () => {
    expect(full.verdict).toBe('holds');
    expect(full.states).toBeGreaterThan(100);
  });

  it.each([1, 2, 10, 100])('maxStates %i: inconclusive, and the reason names the states', (maxStates) => {
    const r = check(ring, { variant: 'mb', params: { n: 4 }, maxStates });
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/state budget exhausted after \d+ states/);
    expect(r.violation).toBeUndefined();
    expect(r.counterexample).toBeUndefined();
  });

  it('one state short of the whole space is inconclusive; exactly enough holds', () => {
    const short = check(ring, { variant: 'mb', params: { n: 4 }, maxStates: full.states - 1 });
    expect(short.verdict).toBe('inconclusive');
    expect(short.reason).toMatch(/states/);
    const enough = check(ring, { variant: 'mb', params: { n: 4 }, maxStates: full.states });
    expect(enough.verdict).toBe('holds');
    expect(enough.states).toBe(full.states);
  });

  it('never says holds for any budget below the size of the state space', () => {
    for (let maxStates = 1; maxStates < full.states; maxStates += 37) {
      expect(check(ring, { variant: 'mb', params: { n: 4 }, maxStates }).verdict).toBe('inconclusive');
    }
  });

  it('rejects a budget that is not a positive integer', () => {
    expect(() => check(ring, { variant: 'mb', maxStates: 0 })).toThrow(RangeError);
    expect(() => check(ring, { variant: 'mb', maxStates: 1.5 })).toThrow(/positive integer/);
  });
});

describe('time budget', () => {
  it('a run longer than maxMs is inconclusive, with the budget in the reason', () => {
    const r = check(ring, { variant: 'no-mb', params: { n: 7 }, reduction: false, maxMs: 1 });
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/time budget of 1 ms exhausted/);
  });
});

describe('cancellation', () => {
  it('aborting from onProgress stops the run: inconclusive, cancelled', () => {
    const controller = new AbortController();
    const seen: ProgressInfo[] = [];
    const r = check(ring, {
      variant: 'mb',
      params: { n: 6 },
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        seen.push(p);
        controller.abort();
      },
    });
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/cancelled/);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]?.phase).toBe('safety');
    const whole = check(ring, { variant: 'mb', params: { n: 6 } });
    expect(r.states).toBeLessThan(whole.states);
  });

  it('a signal aborted before the run starts cancels it at once', () => {
    const r = check(ring, { variant: 'mb', params: { n: 4 }, signal: AbortSignal.abort() });
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/cancelled/);
  });

  it('checkAsync yields to the event loop, so a timer can cancel it', async () => {
    const controller = new AbortController();
    let fired = false;
    setTimeout(() => {
      fired = true;
      controller.abort();
    }, 20);
    const r = await checkAsync(
      ring,
      { variant: 'no-mb', params: { n: 7 }, reduction: false, signal: controller.signal },
      10,
    );
    expect(fired).toBe(true);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/cancelled/);
  });

  it('checkAsync without cancellation gives the same result as check', async () => {
    const a = await checkAsync(ring, { variant: 'no-mb', params: { n: 4 } }, 1);
    const b = check(ring, { variant: 'no-mb', params: { n: 4 } });
    expect(a.verdict).toBe('violated');
    expect(a.verdict).toBe(b.verdict);
    expect(a.states).toBe(b.states);
    expect(a.counterexample?.encoded).toBe(b.counterexample?.encoded);
  });
});
