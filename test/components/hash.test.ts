import { describe, expect, it } from 'vitest';
import { formatLiveHash, isLiveHash, parseLiveHash } from '../../src/live/hash.ts';

const TRACE = 't1/sb/unfenced/tso/-/0.1.0.1.4.5/-/1cbf4a97';

describe('permalink fragments', () => {
  it('round-trips', () => {
    const h = { live: 'sb-unfenced-tso', model: 'sb', variant: 'unfenced', mm: 'tso', trace: TRACE, step: 3 };
    const text = formatLiveHash(h);
    expect(text).toBe(
      '#live=sb-unfenced-tso&model=sb&variant=unfenced&mm=tso&trace=t1%2Fsb%2Funfenced%2Ftso%2F-%2F0.1.0.1.4.5%2F-%2F1cbf4a97&step=3',
    );
    expect(parseLiveHash(text)).toEqual({ ours: true, ok: true, value: h });
  });

  it('round-trips explore mode, which needs a trace', () => {
    const h = { live: 'sb-unfenced-tso', trace: TRACE, step: 2, explore: true };
    const text = formatLiveHash(h);
    expect(text).toMatch(/&step=2&explore=1$/);
    expect(parseLiveHash(text)).toEqual({ ours: true, ok: true, value: h });
    expect(formatLiveHash({ ...h, explore: false })).not.toMatch(/explore/);
  });

  it('leaves heading anchors alone', () => {
    expect(isLiveHash('#a-live-check')).toBe(false);
    expect(parseLiveHash('#a-live-check')).toEqual({ ours: false });
    expect(parseLiveHash('')).toEqual({ ours: false });
    expect(isLiveHash('#step=1&trace=x')).toBe(true);
  });

  it.each([
    ['#live=<script>', /not a valid name/],
    ['#live=a&live=b', /twice/],
    ['#trace=t1/sb&trace=t1/sb', /two traces/],
    ['#trace=%3Cimg%20src%3Dx%3E', /characters no kvmspec trace has/],
    [`#trace=${TRACE}&step=-1`, /not a step number/],
    [`#trace=${TRACE}&step=1e3`, /not a step number/],
    ['#live=x&step=2', /names a step but carries no trace/],
    [`#trace=${'a'.repeat(30000)}`, /too long/],
    [`#trace=${TRACE}&explore=yes`, /“explore” is not 1/],
    [`#trace=${TRACE}&explore=1&explore=1`, /“explore” twice/],
    ['#live=x&explore=1', /explore mode but carries no trace/],
  ])('rejects %s with a message', (hash, message) => {
    const r = parseLiveHash(hash);
    expect(r.ours).toBe(true);
    if (r.ours && !r.ok) expect(r.message).toMatch(message);
    else throw new Error('accepted');
  });
});
