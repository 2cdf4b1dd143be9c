/**
 * Plain-text rendering of check results and counterexample traces for the `kvmspec` command
 * line: a trace becomes a table with one line per step (step number, CPU, actor, event mark,
 * action, value returned, model source line), with the repeating part of a lasso marked.
 */
import type { CheckResult, LocSpec, StateSnapshot, Trace, TraceStep } from '../spec/engine/index.ts';

/** Pads or truncates to a column. */
function cell(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** What kind of event a step is, when it is not a plain step of a thread. */
export function eventMark(step: TraceStep): string {
  switch (step.kind) {
    case 'interrupt':
      return 'IRQ';
    case 'handler':
      return 'irq handler';
    case 'ipi':
      return `IPI -> cpu${step.target ?? '?'}`;
    case 'guest-enter':
      return 'VM-ENTRY';
    case 'guest-exit':
      return 'VM-EXIT';
    case 'migrate':
      return `migrate -> cpu${step.target ?? '?'}`;
    case 'drain':
      return 'drain';
    case 'stop-begin':
      return 'STOP MACHINE';
    case 'stop-end':
      return 'RESUME MACHINE';
    case 'cpu-down':
      return `cpu${step.target ?? '?'} OFFLINE`;
    case 'cpu-up':
      return `cpu${step.target ?? '?'} ONLINE`;
    default:
      return '';
  }
}

function cpuLabel(step: TraceStep): string {
  return step.cpu >= 0 ? `cpu${step.cpu}` : 'mem';
}

function siteLabel(step: TraceStep): string {
  return step.site ? `${step.site.file}:${step.site.line}` : '';
}

/** The counterexample as a table, one line per step; a lasso's cycle is marked. */
export function formatTrace(trace: Trace, property?: string): string[] {
  const steps = trace.steps;
  const rows = steps.map((st) => ({
    n: String(st.index + 1),
    cpu: cpuLabel(st),
    actor: st.actor,
    mark: eventMark(st),
    text: st.text,
    value: st.result === undefined ? '' : `= ${st.result}`,
    site: siteLabel(st),
  }));
  const head = { n: 'step', cpu: 'cpu', actor: 'actor', mark: 'event', text: 'action', value: 'value', site: 'source' };
  const cols = ['n', 'cpu', 'actor', 'mark', 'text', 'value', 'site'] as const;
  const width: Record<(typeof cols)[number], number> = { n: 0, cpu: 0, actor: 0, mark: 0, text: 0, value: 0, site: 0 };
  for (const r of [head, ...rows]) for (const c of cols) width[c] = Math.max(width[c], r[c].length);
  const line = (r: typeof head): string =>
    `  ${r.n.padStart(width.n)}  ${cols
      .slice(1)
      .map((c) => cell(r[c], width[c]))
      .join('  ')}`.trimEnd();
  const out = [line(head)];
  const cycle = trace.cycleStart;
  const rule = (text: string): string => `  ${'-'.repeat(4)} ${text} ${'-'.repeat(4)}`;
  rows.forEach((r, i) => {
    if (cycle === i) {
      out.push(rule(`cycle starts: steps ${i + 1}-${steps.length} repeat forever`));
    }
    out.push(line(r));
  });
  if (cycle !== undefined) {
    if (cycle >= steps.length) {
      out.push(
        rule(`from here no step is possible${property ? `, and ${property} stays pending` : ''}: the run stops`),
      );
    } else {
      out.push(rule(`back to step ${cycle + 1}`));
    }
  }
  return out;
}

/** Memory, store buffers and ghosts of a state, in one or two lines. */
export function formatState(state: StateSnapshot, locs: readonly LocSpec[]): string[] {
  const name = (loc: number): string => locs[loc]?.name ?? `loc${loc}`;
  const values = state.memory.values
    .map((v) => `${name(v.loc)}=${v.latest}${v.older && v.older.length > 0 ? ` (older: ${v.older.join(', ')})` : ''}`)
    .join('  ');
  const out = [`memory: ${values || '(none)'}`];
  const buffers = (state.memory.buffers ?? [])
    .map((b, t) => (b.length > 0 ? `${state.threads[t]?.name ?? t}: [${b.join(', ')}]` : ''))
    .filter((x) => x !== '');
  if (buffers.length > 0) out.push(`store buffers: ${buffers.join('  ')}`);
  const offline = state.cpus.filter((c) => c.offline).map((c) => `cpu${c.cpu}`);
  if (offline.length > 0) out.push(`offline: ${offline.join('  ')}`);
  const stopped = state.cpus.filter((c) => c.stopped).map((c) => `cpu${c.cpu}`);
  if (stopped.length > 0) out.push(`stopped by stop_machine: ${stopped.join('  ')}`);
  if (state.ghosts.length > 0) out.push(`ghosts: ${state.ghosts.map((g) => `${g.name}=${g.value}`).join('  ')}`);
  return out;
}

export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "holds", "violated (one-sees-the-other)". */
export function expectationText(e: { verdict: string; property?: string } | undefined): string {
  if (!e) return 'none declared';
  return e.property ? `${e.verdict} (${e.property})` : e.verdict;
}

/**
 * Does a result match its variant's declared verdict (and violated property, if declared)?
 * Undefined when there is nothing to compare: no expectation, or an inconclusive run.
 */
export function asExpected(r: CheckResult): boolean | undefined {
  const e = r.expected;
  if (!e || r.verdict === 'inconclusive') return undefined;
  if (r.verdict !== e.verdict) return false;
  return e.property === undefined || r.violation?.property === e.property;
}

/** The comparison with the expectation, in words. */
export function comparisonText(r: CheckResult): string {
  const ok = asExpected(r);
  // None for this memory model, or --param values other than the defaults (check.ts).
  if (!r.expected) return 'no recorded expectation';
  if (ok === undefined) return 'not compared: inconclusive';
  return ok ? 'as expected' : `NOT AS EXPECTED: expected ${expectationText(r.expected)}`;
}
