/**
 * Permalinks: the URL fragment that records a live check's selection and, for a
 * counterexample, the trace and the step being looked at.
 *
 *   #live=<id>&model=<model>&variant=<variant>&mm=<memory model>&params=<a:1,b:2>&trace=<encoded trace>&step=<k>
 *
 * - live: the id of the <LiveCheck> on the page that owns the fragment (its element id is
 *   `kvm-live-<id>`); without it, the first live check of the trace's model takes it.
 * - trace: the engine's encoded trace (`t1/model/variant/…`, see src/spec/engine/trace.ts),
 *   percent-encoded; it names model, variant, memory model and parameters again, and replaying
 *   it re-derives every step, so a tampered or stale trace is rejected, never trusted.
 * - step: 0 is the initial state, k the state after the k-th step.
 * - explore: 1 reopens the viewer in explore mode (the reader picks each next step by hand);
 *   an explored trace is an ordinary trace, replayed and verified like any other.
 * - params: the model's parameters (name:value, comma-separated), for a link without a trace
 *   (a trace names its own); a link without a trace is checked again when opened.
 * Only fragments with a `live=` or `trace=` key are ours; `#some-heading` anchors are left alone.
 * Every value is checked against a strict pattern; nothing from the URL is ever parsed as HTML
 * or run.
 */

export interface LiveHash {
  readonly live?: string;
  readonly model?: string;
  readonly variant?: string;
  readonly mm?: string;
  readonly params?: Readonly<Record<string, number>>;
  readonly trace?: string;
  readonly step?: number;
  readonly explore?: boolean;
}

export type HashResult =
  | { readonly ours: false }
  | { readonly ours: true; readonly ok: true; readonly value: LiveHash }
  | { readonly ours: true; readonly ok: false; readonly message: string };

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_LENGTH = 24_000;

/** Is this fragment (with or without its leading #) one of ours? */
export function isLiveHash(hash: string): boolean {
  return /^#?(?:[^&]*&)*(?:live|trace)=/.test(hash);
}

export function parseLiveHash(hash: string): HashResult {
  if (!isLiveHash(hash)) return { ours: false };
  const fail = (message: string): HashResult => ({ ours: true, ok: false, message });
  if (hash.length > MAX_LENGTH) return fail('The link is too long to be a kvmspec permalink.');
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(hash.replace(/^#/, ''));
  } catch {
    return fail('The link’s fragment could not be read.');
  }
  const out: { -readonly [K in keyof LiveHash]: LiveHash[K] } = {};
  for (const key of ['live', 'model', 'variant', 'mm'] as const) {
    const values = params.getAll(key);
    if (values.length > 1) return fail(`The link names “${key}” twice.`);
    const v = values[0];
    if (v === undefined) continue;
    if (!NAME.test(v)) return fail(`The link’s “${key}” is not a valid name.`);
    out[key] = v;
  }
  const given = params.getAll('params');
  if (given.length > 1) return fail('The link names “params” twice.');
  if (given[0] !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,31}:-?\d{1,9}(,[A-Za-z][A-Za-z0-9_]{0,31}:-?\d{1,9}){0,15}$/.test(given[0])) {
      return fail('The link’s “params” is not a list of name:number.');
    }
    const values: Record<string, number> = {};
    for (const part of given[0].split(',')) {
      const [name, value] = part.split(':') as [string, string];
      values[name] = Number(value);
    }
    out.params = values;
  }
  const traces = params.getAll('trace');
  if (traces.length > 1) return fail('The link carries two traces.');
  if (traces[0] !== undefined) {
    if (!/^[A-Za-z0-9/.:=,-]{1,20000}$/.test(traces[0])) {
      return fail('The link’s trace contains characters no kvmspec trace has.');
    }
    if (/^t\d+\//.test(traces[0]) && !/\/[0-9a-f]{8}$/.test(traces[0])) {
      return fail('The link’s trace is cut short (it does not end in its checksum); copy the whole link again.');
    }
    out.trace = traces[0];
  }
  const steps = params.getAll('step');
  if (steps.length > 1) return fail('The link names “step” twice.');
  if (steps[0] !== undefined) {
    if (!/^\d{1,5}$/.test(steps[0])) return fail('The link’s step is not a step number.');
    out.step = Number(steps[0]);
  }
  if (out.step !== undefined && out.trace === undefined) return fail('The link names a step but carries no trace.');
  const explore = params.getAll('explore');
  if (explore.length > 1) return fail('The link names “explore” twice.');
  if (explore[0] !== undefined) {
    if (explore[0] !== '1') return fail('The link’s “explore” is not 1.');
    if (out.trace === undefined) return fail('The link asks for explore mode but carries no trace.');
    out.explore = true;
  }
  return { ours: true, ok: true, value: out };
}

export function formatLiveHash(h: LiveHash): string {
  const parts: string[] = [];
  for (const key of ['live', 'model', 'variant', 'mm'] as const) {
    const v = h[key];
    if (v !== undefined) parts.push(`${key}=${encodeURIComponent(v)}`);
  }
  const params = Object.entries(h.params ?? {});
  if (params.length) parts.push(`params=${params.map(([k, v]) => `${k}:${v}`).join(',')}`);
  if (h.trace !== undefined) parts.push(`trace=${encodeURIComponent(h.trace)}`);
  if (h.step !== undefined) parts.push(`step=${h.step}`);
  if (h.explore) parts.push('explore=1');
  return `#${parts.join('&')}`;
}
