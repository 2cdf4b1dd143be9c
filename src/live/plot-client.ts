/**
 * A <ModelPlot> in the browser: when the reader moves a control, the values are validated, the
 * simulation runs in the checker's worker, and the plot is drawn again with Observable Plot
 * (loaded only then). The build-time SVG stays until a new one is ready.
 */
import { checkControls } from '../plots/controls.ts';
import type { Control, ControlValues, PlotDef } from '../plots/types.ts';
import { tidyPlot } from './plot-dom.ts';
import { Cancelled, CheckerWorker } from './worker-client.ts';

export interface PlotConfig {
  readonly plot: string;
  readonly controls: readonly Control[];
  readonly variants: readonly string[];
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

export function hydratePlot(el: HTMLElement): void {
  const script = el.querySelector('script[data-kvm-config]');
  if (!script?.textContent) throw new Error('the plot has no configuration');
  const config = JSON.parse(script.textContent) as PlotConfig;
  const form = el.querySelector<HTMLFormElement>('form[data-kvm-form]');
  const svg = el.querySelector<HTMLElement>('[data-kvm-svg]');
  const status = el.querySelector<HTMLElement>('[data-kvm-status]');
  const message = el.querySelector<HTMLElement>('[data-kvm-message]');
  if (!form || !svg || !status || !message) throw new Error('the plot is missing parts');
  form.hidden = false;
  const worker = new CheckerWorker();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  /** The values last sent to the worker: a slider fires input and change for one move. */
  let lastKey = JSON.stringify(config.values);

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
    const checked = checkControls(config.controls, read(), config.variants);
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
    el.setAttribute('aria-busy', 'true');
    status.textContent = 'Simulating in your browser…';
    try {
      const reply = await worker.request({ type: 'plot', plot: config.plot, values: checked.values });
      if (reply.type !== 'plot-data') throw new Error(`unexpected reply ${reply.type}`);
      const [Plot, def] = await Promise.all([import('@observablehq/plot'), loadPlot(config.plot)]);
      if (mine !== generation) return;
      const figure = Plot.plot(def.spec(Plot, reply.data, checked.values));
      tidyPlot(figure);
      svg.replaceChildren(figure);
      status.textContent = `Measured in your browser: ${def.summary(reply.data, checked.values)}`;
    } catch (e) {
      if (e instanceof Cancelled || mine !== generation) return;
      lastKey = '';
      status.textContent = '';
      say(`The simulation failed: ${errorText(e)}`);
    } finally {
      if (mine === generation) el.removeAttribute('aria-busy');
    }
  };

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
