/**
 * A <ModelPlot> in the browser: when the reader moves a control, the values are validated, the
 * simulation runs in the checker's worker, and the plot is drawn again with Observable Plot
 * (loaded only then). The build-time SVG stays until a new one is ready; Cancel stops the
 * simulation and puts the settings back to those of the plot shown. A drawn plot's settings go
 * into the URL (plot-hash.ts), and such a link restores them.
 */
import { checkControls } from '../plots/controls.ts';
import type { Control, ControlValues, PlotDef } from '../plots/types.ts';
import { tidyPlot } from './plot-dom.ts';
import { formatPlotHash, parsePlotHash } from './plot-hash.ts';
import { Cancelled, CheckerWorker } from './worker-client.ts';

export interface PlotConfig {
  readonly plot: string;
  readonly controls: readonly Control[];
  readonly values: ControlValues;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Each plot's module on its own (src/plots/<name>.ts), so the page loads only the one it draws. */
const PLOT_MODULES = import.meta.glob<Record<string, unknown>>([
  '../plots/*.ts',
  '!../plots/index.ts',
  '!../plots/types.ts',
  '!../plots/controls.ts',
]);

async function loadPlot(name: string): Promise<PlotDef> {
  const load = PLOT_MODULES[`../plots/${name}.ts`];
  const mod = load ? await load() : undefined;
  const def = Object.values(mod ?? {}).find(
    (x): x is PlotDef => typeof x === 'object' && x !== null && (x as PlotDef).name === name,
  );
  if (!def) throw new Error(`no plot ${name} (its module must be src/plots/${name}.ts)`);
  return def;
}

interface PlotHandle {
  /** Puts a link's values in the form and measures them (or says, in the plot, why not). */
  restore(values: Readonly<Record<string, string>>): void;
  refuse(why: string): void;
}

const plots = new Map<string, PlotHandle>();

/**
 * The build's chart is an image beside the page (its markup is not in the HTML): it is put
 * inline, where it follows the page's theme (an image inherits no colour). It is the site's
 * own file, of the same origin; if it cannot be fetched or parsed, the image stays.
 */
async function inlineChart(box: HTMLElement): Promise<void> {
  const img = box.querySelector<HTMLImageElement>('img[data-kvm-plot-img]');
  if (!img) return;
  try {
    const r = await fetch(img.src);
    if (!r.ok) return;
    const doc = new DOMParser().parseFromString(await r.text(), 'image/svg+xml');
    const svg = doc.documentElement;
    if (svg.nodeName !== 'svg' || doc.querySelector('parsererror')) return;
    svg.querySelector('style[data-kvm-image-theme]')?.remove();
    // A redraw may have replaced the image meanwhile.
    if (img.isConnected) img.replaceWith(document.importNode(svg, true));
  } catch {
    // The image is the same chart: nothing is lost.
  }
}

export function hydratePlot(el: HTMLElement): void {
  const script = el.querySelector('script[data-kvm-config]');
  if (!script?.textContent) throw new Error('the plot has no configuration');
  const config = JSON.parse(script.textContent) as PlotConfig;
  const form = el.querySelector<HTMLFormElement>('form[data-kvm-form]');
  const svg = el.querySelector<HTMLElement>('[data-kvm-svg]');
  const status = el.querySelector<HTMLElement>('[data-kvm-status]');
  const message = el.querySelector<HTMLElement>('[data-kvm-message]');
  const cancel = el.querySelector<HTMLButtonElement>('[data-kvm-plot-cancel]');
  const link = el.querySelector<HTMLAnchorElement>('a[data-kvm-plot-link]');
  if (!form || !svg || !status || !message) throw new Error('the plot is missing parts');
  void inlineChart(svg);
  // The model's variants, for a control that picks one: the options the build wrote in its select.
  const pick = config.controls.find((c) => c.kind === 'select' && c.options === 'variants');
  const variants = pick
    ? [...form.querySelectorAll<HTMLOptionElement>(`select[name="${pick.name}"] option`)].map((o) => o.value)
    : [];
  form.hidden = false;
  const worker = new CheckerWorker();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  /** The values last sent to the worker: a slider fires input and change for one move. */
  let lastKey = JSON.stringify(config.values);
  /** The values of the plot on screen (the build's until the reader's first redraw). */
  let shown: ControlValues = config.values;
  const hashOf = (values: ControlValues) =>
    formatPlotHash({
      plot: config.plot,
      values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])),
    });
  if (link) link.href = hashOf(shown);

  const busy = (on: boolean) => {
    if (on) el.setAttribute('aria-busy', 'true');
    else el.removeAttribute('aria-busy');
    if (cancel) {
      // Focus stays in the form when Cancel hides under it.
      if (!on && document.activeElement === cancel) form.querySelector<HTMLElement>('input, select')?.focus();
      cancel.hidden = !on;
    }
  };

  const setForm = (values: Readonly<Record<string, string | number>>) => {
    for (const c of config.controls) {
      const f = form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${c.name}"]`);
      const v = values[c.name];
      if (f && v !== undefined) f.value = String(v);
      const out = form.querySelector<HTMLOutputElement>(`output[data-for="${c.name}"]`);
      if (out && f) out.textContent = Number(f.value).toLocaleString('en');
    }
  };

  const say = (text: string) => {
    message.textContent = text;
    message.hidden = text === '';
  };

  const read = (): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const c of config.controls) {
      const f = form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${c.name}"]`);
      if (f) out[c.name] = f.value;
    }
    return out;
  };

  const showErrors = (errors: Readonly<Record<string, string>>) => {
    for (const c of config.controls) {
      const f = form.querySelector(`[name="${c.name}"]`);
      const box = form.querySelector<HTMLElement>(`[data-error-for="${c.name}"]`);
      const err = errors[c.name];
      if (err) f?.setAttribute('aria-invalid', 'true');
      else f?.removeAttribute('aria-invalid');
      if (box) {
        box.textContent = err ?? '';
        box.hidden = !err;
      }
    }
  };

  const update = async () => {
    say('');
    for (const c of config.controls) {
      const out = form.querySelector<HTMLOutputElement>(`output[data-for="${c.name}"]`);
      const f = form.querySelector<HTMLInputElement>(`[name="${c.name}"]`);
      if (out && f) out.textContent = Number(f.value).toLocaleString('en');
    }
    const checked = checkControls(config.controls, read(), variants);
    showErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) {
      lastKey = '';
      status.textContent = 'Nothing was run: fix the highlighted setting.';
      return;
    }
    const key = JSON.stringify(checked.values);
    if (key === lastKey) return;
    lastKey = key;
    const mine = ++generation;
    busy(true);
    status.textContent = 'Simulating in your browser…';
    try {
      const reply = await worker.request({ type: 'plot', plot: config.plot, values: checked.values });
      if (reply.type !== 'plot-data') throw new Error(`unexpected reply ${reply.type}`);
      const [Plot, def] = await Promise.all([import('@observablehq/plot'), loadPlot(config.plot)]);
      if (mine !== generation) return;
      const figure = Plot.plot(def.spec(Plot, reply.data, checked.values));
      tidyPlot(figure);
      svg.replaceChildren(figure);
      shown = checked.values;
      status.textContent = `Measured in your browser: ${def.summary(reply.data, checked.values)}`;
      const hash = hashOf(shown);
      if (link) link.href = hash;
      if (location.hash !== hash) history.replaceState(history.state, '', hash);
    } catch (e) {
      if (mine !== generation) return;
      if (e instanceof Cancelled) {
        // The plot on screen is the measurement of `shown`: the form says so again.
        setForm(shown);
        showErrors({});
        lastKey = JSON.stringify(shown);
        status.textContent = 'Cancelled: the settings are back to those of the plot shown.';
        return;
      }
      lastKey = '';
      status.textContent = '';
      say(`The simulation failed: ${errorText(e)}`);
    } finally {
      if (mine === generation) busy(false);
    }
  };

  cancel?.addEventListener('click', () => {
    clearTimeout(timer);
    worker.cancel();
  });

  plots.set(config.plot, {
    restore(values) {
      el.scrollIntoView({ block: 'start' });
      const checked = checkControls(config.controls, values, variants);
      if (!checked.ok) {
        this.refuse(Object.values(checked.errors).join(' '));
        return;
      }
      setForm(checked.values);
      void update();
    },
    refuse(why) {
      el.scrollIntoView({ block: 'start' });
      say(`This link could not be restored: ${why} The plot shows its measurement from the build.`);
    },
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void update();
  });
  form.addEventListener('change', () => void update());
  form.addEventListener('input', (e) => {
    const t = e.target as HTMLInputElement;
    const out = form.querySelector<HTMLOutputElement>(`output[data-for="${t.name}"]`);
    if (out && t.type === 'range') out.textContent = Number(t.value).toLocaleString('en');
    clearTimeout(timer);
    timer = setTimeout(() => void update(), 300);
  });
}

/** Applies the URL fragment if it is a plot link (plot-hash.ts); the plot must be hydrated. */
export function applyPlotHash(): void {
  const r = parsePlotHash(location.hash);
  if (!r.ours) return;
  if (r.ok) {
    const handle = plots.get(r.value.plot);
    if (handle) handle.restore(r.value.values);
    else [...plots.values()][0]?.refuse(`it names a plot (“${r.value.plot}”) that is not on this page.`);
    return;
  }
  const handle = r.plot !== undefined ? plots.get(r.plot) : [...plots.values()][0];
  handle?.refuse(r.message);
}
