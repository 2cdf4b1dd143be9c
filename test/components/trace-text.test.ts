import { describe, expect, it } from 'vitest';
import { traceMeta } from '../../src/live/meta.ts';
import { traceText } from '../../src/live/trace-text.ts';
import { laneOf } from '../../src/live/trace-view.ts';
import { check } from '../../src/spec/engine/index.ts';
import { requests } from '../../src/spec/models/requests/model.ts';
import { sb } from '../../src/spec/models/sb/model.ts';

describe('a counterexample as mailing-list text', () => {
  const r = check(sb, { variant: 'unfenced', memoryModel: 'tso' });
  const trace = r.counterexample;
  if (!trace) throw new Error('no counterexample');
  const meta = traceMeta(sb, 'unfenced', {});
  const text = traceText(trace, meta, { property: r.violation?.property, description: r.violation?.description });
  const lines = text.split('\n');

  it('has one column per CPU and one line per step, each step in its CPU’s column', () => {
    const head = lines.findIndex((l) => /CPU 0 \(P0\)\s+CPU 1 \(P1\)/.test(l));
    expect(head).toBeGreaterThan(0);
    const col1 = (lines[head] as string).indexOf('CPU 1');
    trace.steps.forEach((step, i) => {
      const line = lines[head + 2 + i] as string;
      expect(line.trimStart().startsWith(String(i + 1))).toBe(true);
      const at = line.indexOf('- ');
      expect(at >= col1, `step ${i + 1} column`).toBe(laneOf(trace, i) === 1);
      expect(line).toContain(step.text.replace(/→/g, '->'));
      if (step.result !== undefined) expect(line).toContain(`-> ${step.result}`);
    });
  });

  it('names the property, the stores still buffered and the replay command; ASCII only', () => {
    expect(text).toContain(`${r.violation?.property} is violated`);
    expect(text).toContain(`Replay: kvmspec replay '${trace.encoded}'`);
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true);
  });

  it('shows the values loads returned in the requests lost-kick trace', () => {
    const k = check(requests, { variant: 'no-vcpu-barrier', memoryModel: 'tso' });
    const t = k.counterexample;
    if (!t) throw new Error('no counterexample');
    const out = traceText(t, traceMeta(requests, 'no-vcpu-barrier', t.params), { property: k.violation?.property });
    expect(out).toContain('READ_ONCE(vcpu->requests) -> 0');
    expect(out).toContain('Still in store buffers: vcpu: vcpu->mode = IN_GUEST_MODE.');
  });
});
