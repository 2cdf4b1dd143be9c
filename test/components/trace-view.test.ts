import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { toDom, toHtml } from '../../src/live/h.ts';
import { traceMeta } from '../../src/live/meta.ts';
import { traceText } from '../../src/live/trace-text.ts';
import { breakable, diffStates, laneOf, renderTraceViewer, stateAt } from '../../src/live/trace-view.ts';
import type { Trace } from '../../src/live/types.ts';
import { check, instantiate, Machine, type MemoryModelName, snapshot } from '../../src/spec/engine/index.ts';
import { MODELS } from '../../src/spec/models/index.ts';
import { sb } from '../../src/spec/models/sb/model.ts';
import { hotplug, stopGuest } from '../engine/hotplug-models.ts';

const REPO = 'https://github.com/kvmspec/kvmspec';
const result = check(sb, { variant: 'unfenced', memoryModel: 'tso' });
const trace = result.counterexample as Trace;
const meta = traceMeta(sb, 'unfenced', {});

describe('the trace view', () => {
  it('puts each step in its CPU’s lane, store-buffer drains in their thread’s', () => {
    trace.steps.forEach((step, i) => {
      const lane = laneOf(trace, i);
      if (step.kind === 'drain') {
        const owner = step.unit - trace.initial.threads.length - trace.initial.cpus.length;
        expect(lane).toBe(stateAt(trace, i).threads[owner]?.cpu);
      } else expect(lane).toBe(step.cpu);
    });
  });

  it('diffs states field by field, with location names', () => {
    const first = diffStates(stateAt(trace, 0), stateAt(trace, 1), meta);
    // The first TSO store only enters the store buffer.
    expect(first).toEqual([{ section: 'buffer', key: 'P0', field: 'stores', before: 'empty', after: 'x = 1' }]);
    const all = trace.steps.flatMap((_, i) => diffStates(stateAt(trace, i), stateAt(trace, i + 1), meta));
    expect(all.some((c) => c.section === 'memory' && c.key === 'x' && c.after === '1')).toBe(true);
    expect(all.some((c) => c.section === 'ghost' && c.key === '0:r0' && c.after === '0')).toBe(true);
  });

  it('renders statically: the trace as text alone in the viewer box, ending on the breaking step, nothing clickable', () => {
    const text = traceText(trace, meta, { property: 'p' });
    const html = toHtml(
      renderTraceViewer(trace, meta, {
        interactive: false,
        step: trace.steps.length,
        repoUrl: REPO,
        text,
        property: 'p',
      }),
    );
    expect(html).toContain('class="kvm-trace-box kvm-trace-box-text"');
    expect(html).toContain('CPU 0');
    expect(html).toContain('CPU 1');
    for (const s of trace.steps) expect(html).toContain(s.text.replace(/&/g, '&#38;'));
    expect(html).toContain(`After step ${trace.steps.length}: p is violated.`);
    // The step pane comes with the interactive viewer: the text takes the whole box.
    expect(html).not.toContain('kvm-side');
    // The swimlane's static form still has the pane, with the breaking step and its model line.
    const swimlane = toHtml(
      renderTraceViewer(trace, meta, { interactive: false, step: trace.steps.length, repoUrl: REPO, property: 'p' }),
    );
    expect(swimlane).toContain('This step breaks <strong>p</strong>');
    // A step that ran a model line names it (the last step here is a store-buffer drain).
    expect(toHtml(renderTraceViewer(trace, meta, { interactive: false, step: 1, repoUrl: REPO }))).toMatch(
      /model\.ts:\d+/,
    );
    for (const b of html.match(/<button[^>]*>/g) ?? []) expect(b).toContain(' disabled');
    // Without the text, the static view is the swimlane.
    expect(toHtml(renderTraceViewer(trace, meta, { interactive: false, step: 0, repoUrl: REPO }))).toContain(
      'class="kvm-swimlane"',
    );
  });

  it('renders interactively with a current step and its details', () => {
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    const el = toDom(
      renderTraceViewer(trace, meta, { interactive: true, step: 2, repoUrl: REPO }),
      document as unknown as Document,
    ) as Element;
    expect(el.querySelector('.kvm-rowbg.is-current')?.getAttribute('data-step')).toBe('2');
    expect(el.querySelector('.kvm-nav-status')?.textContent).toMatch(/^Step 2 of \d+: P1: WRITE_ONCE\(y, 1\)/);
    expect(el.querySelectorAll('button.kvm-stepnum')).toHaveLength(trace.steps.length + 1);
    expect(el.querySelector('.kvm-detail')?.textContent).toContain('What changed');
  });

  it('draws an IPI as an arrow from the sender’s lane to the target’s', () => {
    const base = trace.steps[0] as Trace['steps'][number];
    const ipi = { ...base, kind: 'ipi' as const, text: 'kick', target: 1 };
    const t: Trace = { ...trace, steps: [ipi, ...trace.steps.slice(1)] };
    const html = toHtml(renderTraceViewer(t, meta, { interactive: false, step: 0, repoUrl: REPO }));
    expect(html).toMatch(/class="kvm-arrow kvm-arrow-ipi to-right"[^>]*grid-column: 2 \/ span 2/);
    expect(html).toContain('→ CPU 1');
  });

  it('shows a lasso’s cycle as a cycle', () => {
    const lasso: Trace = { ...trace, cycleStart: 2 };
    const html = toHtml(renderTraceViewer(lasso, meta, { interactive: false, step: 0, repoUrl: REPO }));
    expect(html).toContain('cycle repeats from step 3');
    expect(html).toContain('class="kvm-cycle"');
    const stutter: Trace = { ...trace, cycleStart: trace.steps.length };
    expect(toHtml(renderTraceViewer(stutter, meta, { interactive: false, step: 0, repoUrl: REPO }))).toContain(
      `stays in the state after step ${trace.steps.length} forever`,
    );
  });

  // A real lasso, from whichever model declares a progress violation (none may, yet).
  const lassoCase = MODELS.flatMap((m) =>
    m.variants.flatMap((v) =>
      Object.entries(v.expect)
        .filter(([, e]) => e?.verdict === 'violated' && e.property !== undefined)
        .filter(([, e]) => instantiate(m, v.name).instance.progress.some((p) => p.name === e?.property))
        .map(([mm]) => ({ model: m, variant: v.name, memoryModel: mm as MemoryModelName })),
    ),
  )[0];
  it.runIf(lassoCase)('draws a real liveness counterexample with its cycle', () => {
    if (!lassoCase) return;
    const r = check(lassoCase.model, { variant: lassoCase.variant, memoryModel: lassoCase.memoryModel });
    const lasso = r.counterexample as Trace;
    expect(lasso.cycleStart).toBeDefined();
    const m = traceMeta(lassoCase.model, lassoCase.variant, r.params);
    const html = toHtml(
      renderTraceViewer(lasso, m, {
        interactive: false,
        step: 0,
        repoUrl: REPO,
        property: r.violation?.property ?? '',
      }),
    );
    expect(html).toContain('class="kvm-cycle"');
    expect(html).toContain(`${r.violation?.property} stays pending`);
  });

  it('shows stop_machine and CPU hotplug: step kinds, stopped and offline CPUs', () => {
    const r = check(stopGuest, { variant: 'kick', memoryModel: 'sc' });
    const t = r.counterexample as Trace;
    const m = traceMeta(stopGuest, 'kick', {});
    const n = t.steps.length;
    expect(t.steps[n - 1]?.kind).toBe('stop-begin');
    expect(diffStates(stateAt(t, n - 1), stateAt(t, n), m)).toContainEqual({
      section: 'cpu',
      key: '1',
      field: 'state',
      before: 'online',
      after: 'stopped (stop_machine)',
    });
    const html = toHtml(renderTraceViewer(t, m, { interactive: false, step: n, repoUrl: REPO }));
    expect(html).toContain('stop_machine: every other CPU stops');
    expect(html).toContain('CPU 1: online → stopped (stop_machine)');
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    const el = toDom(
      renderTraceViewer(t, m, { interactive: true, step: n, repoUrl: REPO }),
      document as unknown as Document,
    ) as Element;
    const heads = [...el.querySelectorAll('.kvm-state-table th[scope="col"]')].map((x) => x.textContent);
    expect(heads).toContain('State');

    // cpu_down(1): CPU 1 goes offline, the task moves to CPU 2.
    const machine = new Machine(instantiate(hotplug, 'down').instance, 'sc');
    const s0 = machine.initial();
    let s1 = s0;
    machine.unitSuccessors(s0, s0.length, 0, (_u, _c, next, len) => {
      s1 = next.slice(0, len);
    });
    const changes = diffStates(snapshot(machine, s0), snapshot(machine, s1), traceMeta(hotplug, 'down', {}));
    expect(changes).toContainEqual({ section: 'cpu', key: '1', field: 'state', before: 'online', after: 'offline' });
    expect(changes).toContainEqual({ section: 'thread', key: 'task', field: 'cpu', before: 'CPU 1', after: 'CPU 2' });
  });

  it('lets code break only after ->, ., _, a comma or (, never inside a name', () => {
    const html = toHtml({ tag: 'code', attrs: {}, children: breakable('set_bit(req, &vcpu->requests)') });
    expect(html).toBe('<code>set_<wbr>bit(<wbr>req, &#38;vcpu-\u2060><wbr>requests)</code>');
    // Nothing to break before a closing parenthesis, or at the end.
    expect(toHtml({ tag: 'code', attrs: {}, children: breakable('f(x.)') })).toBe('<code>f(<wbr>x.)</code>');
  });

  it('escapes whatever a trace says', () => {
    const evil = { ...(trace.steps[0] as Trace['steps'][number]), text: '<script>alert(1)</script>' };
    const t: Trace = { ...trace, steps: [evil, ...trace.steps.slice(1)] };
    const html = toHtml(renderTraceViewer(t, meta, { interactive: false, step: 1, repoUrl: REPO }));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script>alert(1)&#60;/script>');
  });
});
