/**
 * What the main thread's long tasks are made of, from a Chromium performance trace (the
 * DevTools timeline and its sampling JavaScript profiler): for every task over a threshold,
 * its length, the browser work inside it (style, layout, paint, parsing, garbage collection)
 * and the JavaScript functions that took most of it (self time from the profiler's samples,
 * by function and source location). Used by `npm run bench:site -- --long-tasks`.
 */
import type { Browser, Page } from 'playwright-core';

const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'disabled-by-default-v8.cpu_profiler',
  'toplevel',
];

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly id?: string;
  readonly args?: {
    readonly name?: string;
    readonly data?: {
      readonly startTime?: number;
      readonly cpuProfile?: {
        readonly nodes?: readonly {
          readonly id: number;
          readonly callFrame: {
            readonly functionName: string;
            readonly url: string;
            readonly lineNumber: number;
            readonly columnNumber: number;
          };
        }[];
        readonly samples?: readonly number[];
      };
      readonly timeDeltas?: readonly number[];
    };
  };
}

export interface TaskBreakdown {
  readonly ms: number;
  /** Browser work by kind, ms (nested work counted once, at its outermost kind). */
  readonly work: Readonly<Record<string, number>>;
  /** JavaScript self time by function, ms, largest first. */
  readonly functions: readonly { readonly fn: string; readonly ms: number }[];
}

const WORK: Record<string, string> = {
  UpdateLayoutTree: 'style',
  Layout: 'layout',
  Paint: 'paint',
  PrePaint: 'paint',
  Layerize: 'paint',
  ParseHTML: 'parse HTML',
  ParseAuthorStyleSheet: 'parse CSS',
  MinorGC: 'GC',
  MajorGC: 'GC',
  'V8.GC_SCAVENGER': 'GC',
  'V8.GC_MARK_COMPACTOR': 'GC',
  EvaluateScript: 'script',
  'v8.compile': 'compile',
  'v8.compileModule': 'compile',
  FunctionCall: 'script',
  RunMicrotasks: 'script',
  HitTest: 'hit test',
  IntersectionObserverController: 'intersection',
};

/** Runs `action` with tracing on and breaks down every main-thread task longer than `overMs`. */
export async function longTaskBreakdown(
  browser: Browser,
  page: Page,
  action: () => Promise<void>,
  overMs = 200,
): Promise<TaskBreakdown[]> {
  await browser.startTracing(page, { categories: CATEGORIES });
  let buffer: Buffer;
  try {
    await action();
  } finally {
    buffer = await browser.stopTracing();
  }
  const events = (JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return [];
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid);
  const tasks = onMain
    .filter((e) => e.name === 'RunTask' && e.ph === 'X' && (e.dur ?? 0) > overMs * 1000)
    .sort((a, b) => a.ts - b.ts);

  // The profiler's samples, with their times (µs, the trace's clock), on the main thread.
  const samples: { ts: number; fn: string }[] = [];
  const frames = new Map<number, string>();
  let clock = 0;
  // A profile per thread (the page's workers have their own): only the main thread's, by its id.
  const ids = new Set(
    events.filter((e) => e.name === 'Profile' && e.pid === main.pid && e.tid === main.tid).map((e) => e.id),
  );
  const chunks = events.filter(
    (e) => e.pid === main.pid && (e.name === 'Profile' || e.name === 'ProfileChunk') && ids.has(e.id),
  );
  for (const c of chunks.sort((a, b) => a.ts - b.ts)) {
    const data = c.args?.data;
    if (c.name === 'Profile') {
      clock = data?.startTime ?? c.ts;
      continue;
    }
    for (const n of data?.cpuProfile?.nodes ?? []) {
      const f = n.callFrame;
      const where = f.url ? ` ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}:${f.columnNumber + 1}` : '';
      frames.set(n.id, `${f.functionName || '(anonymous)'}${where}`);
    }
    const sampled = data?.cpuProfile?.samples ?? [];
    const deltas = data?.timeDeltas ?? [];
    sampled.forEach((id, i) => {
      clock += deltas[i] ?? 0;
      samples.push({ ts: clock, fn: frames.get(id) ?? `node ${id}` });
    });
  }
  // Sample i stands for the time until sample i + 1.
  samples.sort((a, b) => a.ts - b.ts);

  return tasks.map((task) => {
    const end = task.ts + (task.dur ?? 0);
    const work: Record<string, number> = {};
    let coveredUntil = 0;
    for (const e of onMain) {
      if (e.ph !== 'X' || e.ts < task.ts || e.ts >= end || e === task) continue;
      const kind = WORK[e.name];
      if (!kind || e.ts < coveredUntil) continue;
      work[kind] = (work[kind] ?? 0) + (e.dur ?? 0) / 1000;
      coveredUntil = e.ts + (e.dur ?? 0);
    }
    const byFn = new Map<string, number>();
    for (let i = 0; i < samples.length - 1; i++) {
      const s = samples[i] as { ts: number; fn: string };
      if (s.ts < task.ts || s.ts >= end) continue;
      const next = samples[i + 1] as { ts: number };
      if (/^\((idle|program|garbage collector)\)/.test(s.fn)) continue;
      byFn.set(s.fn, (byFn.get(s.fn) ?? 0) + (Math.min(next.ts, end) - s.ts) / 1000);
    }
    const functions = [...byFn]
      .map(([fn, ms]) => ({ fn, ms: Math.round(ms) }))
      .filter((f) => f.ms > 0)
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8);
    return {
      ms: Math.round((task.dur ?? 0) / 1000),
      work: Object.fromEntries(Object.entries(work).map(([k, v]) => [k, Math.round(v)])),
      functions,
    };
  });
}
