/**
 * The counterexample a page shows before (or without) JavaScript. A short one is the whole
 * mailing-list text (trace-text.ts); a long one is summarised: its title, the last steps before
 * the property breaks (one line each, with their CPU, instead of the padded columns that made
 * rseq's counterexamples 9 KB each), and the same closing lines (what breaks, what is still in
 * a store buffer; the replay command is in the whole text). The whole text is one link away (a static file beside
 * the page, written by src/pages/kvm-traces/), and the browser's viewer replays the whole
 * trace in place. Build-time only.
 */
import { stepText } from '../live/trace-text.ts';
import { laneOf } from '../live/trace-view.ts';
import type { Trace } from '../live/types.ts';

/** Texts up to this many characters are shown whole. */
export const WHOLE_TEXT_MAX = 1200;
/** How many of a long counterexample's last steps the summary shows. */
export const SUMMARY_STEPS = 4;

export interface StaticTrace {
  /** What the page shows. */
  readonly text: string;
  /** Whether that is the whole text (else a summary, with the whole text at the link). */
  readonly whole: boolean;
}

export function staticTraceText(trace: Trace, wholeText: string): StaticTrace {
  if (wholeText.length <= WHOLE_TEXT_MAX) return { text: wholeText, whole: true };
  const lines = wholeText.replace(/\n$/, '').split('\n');
  // The whole text is: title (and params), a blank line, the columns, a blank line, the closing lines.
  const head = lines.slice(0, lines.indexOf(''));
  const closing = lines.slice(lines.lastIndexOf('') + 1);
  const n = trace.steps.length;
  const from = Math.max(0, n - SUMMARY_STEPS);
  const actors = new Map<number, Set<string>>();
  trace.steps.forEach((s, i) => {
    const lane = laneOf(trace, i);
    const set = actors.get(lane) ?? new Set<string>();
    if (s.kind !== 'drain') set.add(s.actor);
    actors.set(lane, set);
  });
  const width = String(n).length + 1;
  const rows = trace.steps.slice(from).map((_, j) => {
    const i = from + j;
    const lane = laneOf(trace, i);
    const mark = trace.cycleStart === i ? '@' : '';
    return `${`${mark}${i + 1}`.padStart(width)}  CPU ${lane}  ${stepText(trace, i, (actors.get(lane)?.size ?? 0) > 1)}`;
  });
  // The replay command is in the whole text (the link); the summary keeps what breaks.
  const text = [
    ...head,
    '',
    ...(from > 0 ? [`${'...'.padStart(width)}  steps 1-${from}: in the whole text (link below)`] : []),
    ...rows,
    '',
    ...closing.filter((l) => !l.startsWith('Replay: ')),
  ].join('\n');
  return { text: `${text}\n`, whole: false };
}
