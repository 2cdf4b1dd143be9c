/**
 * Exploring by hand (successors.ts): the steps enabled after a prefix of a trace, each with a
 * trace that replays; following a counterexample step by step offers each of its steps and
 * ends on the property it breaks.
 */
import { describe, expect, it } from 'vitest';
import { check, replayEncoded, successorsOf, TraceError } from '../../src/spec/engine/index.ts';
import { MODELS } from '../../src/spec/models/index.ts';
import { sb } from '../../src/spec/models/sb/model.ts';

/** The trace of no steps of sb/unfenced under `mm` (its checksum is FNV-1a's offset basis). */
const empty = (mm: string) => `t1/sb/unfenced/${mm}/-/-/-/811c9dc5`;

describe('successorsOf', () => {
  it('offers every thread at the start, and each offered step replays as a one-step trace', () => {
    const r = successorsOf(MODELS, empty('sc'));
    expect(r.at).toBe(0);
    expect(r.violation).toBeUndefined();
    expect(r.steps.map((s) => `${s.actor}: ${s.text}`)).toEqual(['P0: WRITE_ONCE(x, 1)', 'P1: WRITE_ONCE(y, 1)']);
    for (const s of r.steps) {
      const t = replayEncoded(MODELS, s.encoded);
      expect(t.steps.length).toBe(1);
      expect(t.steps[0]?.text).toBe(s.text);
      expect(s.site?.file).toBe('src/spec/models/sb/model.ts');
    }
    expect(r.prefix).toBe(empty('sc'));
  });

  it('following the checker’s counterexample offers each of its steps and ends on its property', () => {
    const c = check(sb, { variant: 'unfenced', memoryModel: 'tso' });
    const trace = c.counterexample;
    if (!trace) throw new Error('expected a counterexample');
    let encoded = empty('tso');
    for (const step of trace.steps) {
      const r = successorsOf(MODELS, encoded);
      expect(r.violation).toBeUndefined();
      const next = r.steps.find((s) => s.unit === step.unit && s.choice === step.choice);
      expect(next?.text).toBe(step.text);
      encoded = (next as { encoded: string }).encoded;
    }
    expect(encoded).toBe(trace.encoded);
    const end = successorsOf(MODELS, encoded);
    expect(end.violation?.property).toBe(c.violation?.property);
    // At an earlier step of the same trace, the prefix and its steps are the trace's.
    const mid = successorsOf(MODELS, trace.encoded, 1);
    expect(replayEncoded(MODELS, mid.prefix).steps.map((s) => s.text)).toEqual([trace.steps[0]?.text]);
  });

  it('under TSO a buffered store offers its drain; a finished run offers nothing and breaks nothing under SC', () => {
    const first = successorsOf(MODELS, empty('tso')).steps[0];
    const afterStore = successorsOf(MODELS, first?.encoded ?? '');
    expect(afterStore.steps.some((s) => s.kind === 'drain' && s.text.includes('x = 1'))).toBe(true);
    let encoded = empty('sc');
    for (;;) {
      const r = successorsOf(MODELS, encoded);
      if (!r.steps.length) {
        expect(r.violation).toBeUndefined();
        break;
      }
      encoded = (r.steps[0] as { encoded: string }).encoded;
    }
    expect(replayEncoded(MODELS, encoded).steps.length).toBeGreaterThan(3);
  });

  it('refuses a step that is not in the trace, and a tampered trace', () => {
    expect(() => successorsOf(MODELS, empty('sc'), 1)).toThrow(TraceError);
    expect(() => successorsOf(MODELS, 't1/sb/unfenced/sc/-/0/-/00000000')).toThrow(TraceError);
  });
});
