/**
 * A counterexample as plain text for a mailing list: one column per CPU, one line per step, in
 * the shape kernel developers draw interleavings in their replies
 *
 *        CPU 0 (vcpu)                      CPU 1 (sender)
 *        --------------------------------  --------------------------------
 *    1                                     - smp_wmb()
 *    2   - READ_ONCE(vcpu->requests) -> 0
 *
 * with the value each load returned. ASCII only (a mail client may mangle anything else), no
 * line wider than it must be. Shared by the site's "Copy as text" button and the CLI's
 * `--format text`, so both print the same thing. Pure: no DOM, no Node API.
 */
import { laneOf, stateAt, usedCpus } from './trace-view.ts';
import type { Trace, TraceMeta } from './types.ts';

type Step = Trace['steps'][number];

export interface TextOptions {
  /** The property the counterexample breaks (or keeps pending, for a lasso). */
  readonly property?: string | undefined;
  readonly description?: string | undefined;
}

const KIND_PREFIX: Partial<Record<Step['kind'], string>> = {
  interrupt: 'interrupt: ',
  handler: 'handler: ',
  drain: '',
  migrate: 'migrate: ',
  ipi: 'IPI: ',
  'guest-enter': '',
  'guest-exit': '',
};

/** Replaces the few non-ASCII characters model texts use, so a mail client keeps the columns. */
export function ascii(text: string): string {
  return text
    .replace(/→/g, '->')
    .replace(/←/g, '<-')
    .replace(/[–—]/g, '-')
    .replace(/[“”]/g, '"')
    .replace(/[‘’]/g, "'")
    .replace(/…/g, '...')
    .replace(/[^\x20-\x7e]/g, '?');
}

export function stepText(trace: Trace, i: number, multiActor: boolean): string {
  const step = trace.steps[i] as Step;
  const who = multiActor && step.kind !== 'drain' ? `${step.actor}: ` : '';
  const result = step.result !== undefined ? ` -> ${step.result}` : '';
  const target =
    step.target !== undefined && (step.kind === 'ipi' || step.kind === 'migrate' || step.kind === 'cpu-down')
      ? ` (-> CPU ${step.target})`
      : '';
  return ascii(`- ${who}${KIND_PREFIX[step.kind] ?? ''}${step.text}${result}${target}`);
}

/** The text of a counterexample: a title line, the columns, and the property it breaks. */
export function traceText(trace: Trace, meta: TraceMeta, opts: TextOptions = {}): string {
  const cpus = usedCpus(trace, meta);
  const lanes = trace.steps.map((_, i) => laneOf(trace, i));
  const actorsOn = new Map<number, Set<string>>();
  trace.steps.forEach((s, i) => {
    const set = actorsOn.get(lanes[i] as number) ?? new Set<string>();
    if (s.kind !== 'drain') set.add(s.actor);
    actorsOn.set(lanes[i] as number, set);
  });
  const heads = cpus.map((c) => {
    const here = trace.initial.threads.filter((t) => t.cpu === c).map((t) => t.name);
    return ascii(`CPU ${c}${here.length ? ` (${here.join(', ')})` : ''}`);
  });
  const cells = trace.steps.map((_, i) => stepText(trace, i, (actorsOn.get(lanes[i] as number)?.size ?? 0) > 1));
  const width = cpus.map((c, j) =>
    Math.max((heads[j] as string).length, 12, ...cells.filter((_, i) => lanes[i] === c).map((t) => t.length)),
  );
  const num = String(trace.steps.length).length + 2;
  const row = (k: string, cols: readonly string[]) =>
    `${k.padStart(num - 2)}  ${cols.map((t, j) => (j === cols.length - 1 ? t : t.padEnd(width[j] as number))).join('  ')}`.trimEnd();
  const lines: string[] = [];
  lines.push(ascii(`${trace.model} / ${trace.variant} under ${trace.memoryModel}: ${trace.steps.length} steps`));
  const params = Object.entries(trace.params);
  if (params.length) lines.push(`params: ${params.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  lines.push('');
  lines.push(row('', heads));
  lines.push(
    row(
      '',
      width.map((w) => '-'.repeat(w)),
    ),
  );
  trace.steps.forEach((_, i) => {
    const cols = cpus.map((c) => (lanes[i] === c ? (cells[i] as string) : ''));
    const mark = trace.cycleStart === i ? '@' : '';
    lines.push(row(`${mark}${i + 1}`, cols));
  });
  lines.push('');
  if (trace.cycleStart !== undefined) {
    lines.push(
      trace.cycleStart < trace.steps.length
        ? `Steps ${trace.cycleStart + 1}-${trace.steps.length} (from @) repeat forever${opts.property ? `, and ${opts.property} stays pending` : ''}.`
        : `The last state repeats forever${opts.property ? `, and ${opts.property} stays pending` : ''}.`,
    );
  } else if (opts.property) {
    lines.push(
      ascii(
        `After step ${trace.steps.length}: ${opts.property} is violated${opts.description ? ` (${opts.description})` : ''}.`,
      ),
    );
  }
  const last = stateAt(trace, trace.steps.length);
  const buffered = (last.memory.buffers ?? []).flatMap((b, i) =>
    b.length ? [`${meta.threads[i] ?? `thread ${i}`}: ${b.join(', ')}`] : [],
  );
  if (buffered.length) lines.push(ascii(`Still in store buffers: ${buffered.join('; ')}.`));
  lines.push(`Replay: kvmspec replay '${trace.encoded}'`);
  return `${lines.join('\n')}\n`;
}
