/**
 * Permalinks to a plot's settings:
 *
 *   #plot=<plot name>&values=<name:value,name:value>
 *
 * Written when the reader's settings have been measured and drawn; opening the link scrolls to
 * the plot, puts the values in its form and measures them again (values are never trusted: the
 * plot's own control checks, src/plots/controls.ts, validate them, and a bad one is reported in
 * the plot). Only fragments with a `plot=` key are these; live-check links (hash.ts) and heading
 * anchors are left alone.
 */

export interface PlotHash {
  readonly plot: string;
  readonly values: Readonly<Record<string, string>>;
}

export type PlotHashResult =
  | { readonly ours: false }
  | { readonly ours: true; readonly ok: true; readonly value: PlotHash }
  | { readonly ours: true; readonly ok: false; readonly plot?: string; readonly message: string };

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const VALUES =
  /^[A-Za-z][A-Za-z0-9]{0,31}:[a-z0-9][a-z0-9.-]{0,63}(,[A-Za-z][A-Za-z0-9]{0,31}:[a-z0-9][a-z0-9.-]{0,63}){0,15}$/;

export function isPlotHash(hash: string): boolean {
  return /^#?(?:[^&]*&)*plot=/.test(hash);
}

export function parsePlotHash(hash: string): PlotHashResult {
  if (!isPlotHash(hash)) return { ours: false };
  if (hash.length > 2000) return { ours: true, ok: false, message: 'The link is too long to be a plot’s link.' };
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const plots = params.getAll('plot');
  const plot = plots[0] ?? '';
  if (plots.length > 1) return { ours: true, ok: false, message: 'The link names “plot” twice.' };
  if (!NAME.test(plot)) return { ours: true, ok: false, message: 'The link’s “plot” is not a valid name.' };
  const given = params.getAll('values');
  if (given.length > 1) return { ours: true, ok: false, plot, message: 'The link names “values” twice.' };
  const values: Record<string, string> = {};
  if (given[0] !== undefined) {
    if (!VALUES.test(given[0])) {
      return { ours: true, ok: false, plot, message: 'The link’s “values” is not a list of name:value.' };
    }
    for (const part of given[0].split(',')) {
      const [name, value] = part.split(':') as [string, string];
      if (name in values) return { ours: true, ok: false, plot, message: `The link sets “${name}” twice.` };
      values[name] = value;
    }
  }
  for (const key of params.keys()) {
    if (key !== 'plot' && key !== 'values') {
      return { ours: true, ok: false, plot, message: `The link has a key “${key}” no plot link has.` };
    }
  }
  return { ours: true, ok: true, value: { plot, values } };
}

export function formatPlotHash(h: PlotHash): string {
  const values = Object.entries(h.values)
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
  return `#plot=${encodeURIComponent(h.plot)}${values ? `&values=${values}` : ''}`;
}
