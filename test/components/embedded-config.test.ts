/**
 * The compact embedding of a live check's build-time result (src/live/embedded-config.ts): what
 * the page carries expands back to exactly the result the build computed, a property's
 * description is written once per page, and a trace whose head is not the check's own
 * selection is kept whole.
 */
import { describe, expect, it } from 'vitest';
import { embedResult, expandResult, traceHead } from '../../src/live/embedded-config.ts';
import { check } from '../../src/spec/engine/index.ts';
import { requests } from '../../src/spec/models/requests/model.ts';

const allParams = Object.fromEntries((requests.params ?? []).map((p) => [p.name, p.default]));
const built = (variant: string, memoryModel: 'sc' | 'tso' | 'relaxed') => {
  const r = check(requests, { variant, memoryModel });
  const t = r.counterexample;
  return {
    selection: { model: 'requests', variant, memoryModel, params: allParams },
    result: {
      verdict: r.verdict,
      ...(r.violation ? { violation: r.violation } : {}),
      ...(t ? { trace: { encoded: t.encoded, steps: t.steps.length } } : {}),
    },
  };
};

describe('a live check embedded compactly', () => {
  it('expands back to the build-time result, the description coming from the first check of the page', () => {
    const a = built('no-vcpu-barrier', 'tso');
    const b = built('no-vcpu-barrier', 'relaxed');
    expect(a.result.violation?.property).toBe(b.result.violation?.property);
    const described = new Map<string, string>();
    const ea = embedResult(a.result, a.selection, described);
    const eb = embedResult(b.result, b.selection, described);
    expect(ea.violation?.description).toBe(a.result.violation?.description);
    expect(eb.violation).toEqual({ kind: b.result.violation?.kind, property: b.result.violation?.property });
    expect(ea.trace?.encoded).toBeUndefined();
    expect(
      a.result.trace?.encoded.startsWith(
        traceHead({ model: 'requests', variant: 'no-vcpu-barrier', memoryModel: 'tso', params: allParams }),
      ),
    ).toBe(true);
    const page = [ea, eb];
    const lookup = (key: string) =>
      page.map((e) => e.violation).find((v) => v?.description !== undefined && `${v.kind}/${v.property}` === key)
        ?.description;
    expect(expandResult(ea, a.selection, lookup)).toEqual(a.result);
    expect(expandResult(eb, b.selection, lookup)).toEqual(b.result);
    // Shorter than the plain JSON by the description and the trace's head.
    expect(JSON.stringify(eb).length).toBeLessThan(JSON.stringify(b.result).length - 100);
  });

  it('keeps a trace whole when its head is not the selection the client would rebuild', () => {
    const a = built('no-vcpu-barrier', 'tso');
    const other = { ...a.selection, params: { ...allParams, vcpus: 2 } };
    const e = embedResult(a.result, other, new Map());
    expect(e.trace).toEqual(a.result.trace);
    expect(expandResult(e, other, () => undefined)).toEqual(a.result);
  });

  it('writes a second description under the same key in full', () => {
    const a = built('no-vcpu-barrier', 'tso');
    const v = a.result.violation;
    if (!v) throw new Error('no violation');
    const described = new Map([[`${v.kind}/${v.property}`, 'another text']]);
    expect(embedResult(a.result, a.selection, described).violation).toEqual(v);
  });

  it('leaves a result that holds as it is', () => {
    const h = built('correct-x86', 'tso');
    expect(embedResult(h.result, h.selection, new Map())).toEqual({ verdict: 'holds' });
  });
});
