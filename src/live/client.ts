/**
 * Hydrates <LiveCheck> and <ModelPlot> islands (loaded lazily by loader.ts when one scrolls
 * into view or the URL carries a permalink). Everything heavy runs in the checker's worker.
 * Text from the URL, a trace or a worker is only ever set with textContent or through toDom.
 */
import { toDom } from './h.ts';
import { formatLiveHash, type LiveHash, parseLiveHash } from './hash.ts';
import { hydratePlot } from './plot-client.ts';
import { TraceController } from './trace-controller.ts';
import type {
  CheckResult,
  EmbeddedLiveConfig,
  LiveConfig,
  MemoryModelName,
  ModelInfo,
  Params,
  Trace,
  TraceMeta,
} from './types.ts';
import { checkBudget, checkMemoryModel, checkParam, checkVariant, MAX_BUDGET } from './validate.ts';
import { fmtInt, progressLine, renderVariantInfo, renderVerdict } from './views.ts';
import { Cancelled, CheckerWorker, WorkerError } from './worker-client.ts';

const live = new Map<string, LiveCheck>();

function readConfig<T>(el: HTMLElement): T {
  const script = el.querySelector('script[data-kvm-config]');
  if (!script?.textContent) throw new Error('the component has no configuration');
  return JSON.parse(script.textContent) as T;
}

function must<T extends Element>(el: Element, selector: string): T {
  const found = el.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The page's shared block for a model: its description (JSON) and its highlighted sources. */
function modelStore(name: string): HTMLElement | undefined {
  return [...document.querySelectorAll<HTMLElement>('[data-kvm-sources]')].find((s) => s.dataset.kvmSources === name);
}

function modelInfo(name: string): ModelInfo {
  const json = modelStore(name)?.querySelector('script[data-kvm-model]')?.textContent;
  if (!json) throw new Error(`the page does not describe model ${name}`);
  return JSON.parse(json) as ModelInfo;
}

class LiveCheck {
  readonly el: HTMLElement;
  readonly config: LiveConfig;
  readonly #worker = new CheckerWorker();
  readonly #form: HTMLFormElement;
  readonly #message: HTMLElement;
  readonly #verdict: HTMLElement;
  readonly #traceHost: HTMLElement;
  readonly #progress: HTMLElement;
  readonly #more: HTMLElement;
  readonly #sources: HTMLElement;
  #viewer: TraceController | undefined;
  /** What the hash should say about the current selection and trace. */
  #shown: { variant: string; memoryModel: MemoryModelName; trace?: string } | undefined;

  constructor(el: HTMLElement) {
    this.el = el;
    const embedded = readConfig<EmbeddedLiveConfig>(el);
    this.config = { ...embedded, model: modelInfo(embedded.model) };
    this.#form = must(el, 'form[data-kvm-form]');
    this.#message = must(el, '[data-kvm-message]');
    this.#verdict = must(el, '[data-kvm-verdict]');
    this.#traceHost = must(el, '[data-kvm-trace]');
    this.#progress = must(el, '[data-kvm-progress]');
    this.#more = must(el, '[data-kvm-more]');
    this.#sources = must(el, '[data-kvm-source-host]');
    this.#form.hidden = false;
    el.querySelector('[data-kvm-static-note]')?.setAttribute('hidden', '');
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.run();
    });
    this.#field('variant')?.addEventListener('change', () => this.#onVariant());
    for (const input of this.#form.querySelectorAll('input, select')) {
      input.addEventListener('input', () => this.#clearError((input as HTMLInputElement).name));
    }
    must<HTMLButtonElement>(el, '[data-kvm-cancel]').addEventListener('click', () => this.cancel());
    this.#more.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-budget]');
      if (!b) return;
      this.#field('budget')!.value = b.dataset.budget ?? '';
      this.run();
    });
    this.showDefault();
  }

  #field(name: string): HTMLInputElement | HTMLSelectElement | null {
    return this.#form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`);
  }

  #onVariant(): void {
    const variant = this.#field('variant')?.value ?? '';
    const info = this.el.querySelector('[data-kvm-variant-info]');
    const v = checkVariant(this.config.model, variant);
    if (info && v.ok) info.replaceChildren(toDom(renderVariantInfo(this.config.model, v.value), document)!);
  }

  #setError(name: string, message: string): void {
    const field = this.#field(name);
    const box = this.#form.querySelector<HTMLElement>(`[data-error-for="${name}"]`);
    field?.setAttribute('aria-invalid', 'true');
    if (box) {
      box.textContent = message;
      box.hidden = false;
    }
  }

  #clearError(name: string): void {
    this.#field(name)?.removeAttribute('aria-invalid');
    const box = this.#form.querySelector<HTMLElement>(`[data-error-for="${name}"]`);
    if (box) {
      box.textContent = '';
      box.hidden = true;
    }
  }

  message(text: string, kind: 'error' | 'info' = 'error'): void {
    this.#message.textContent = text;
    this.#message.dataset.kind = kind;
    this.#message.hidden = text === '';
  }

  /** Reads and validates every control; shows a message next to each bad one. */
  #readForm(): { variant: string; memoryModel: MemoryModelName; params: Params; budget: number } | undefined {
    const info = this.config.model;
    let good = true;
    const variant = checkVariant(info, this.#field('variant')?.value ?? this.config.variant);
    if (!variant.ok) {
      this.#setError('variant', variant.message);
      good = false;
    }
    const memoryModel = checkMemoryModel(info, this.#field('memoryModel')?.value ?? this.config.memoryModel);
    if (!memoryModel.ok) {
      this.#setError('memoryModel', memoryModel.message);
      good = false;
    }
    const params: Record<string, number> = {};
    for (const p of info.params) {
      const r = checkParam(info, p.name, this.#field(`param-${p.name}`)?.value ?? String(p.default));
      if (r.ok) params[p.name] = r.value;
      else {
        this.#setError(`param-${p.name}`, r.message);
        good = false;
      }
    }
    const budget = checkBudget(this.#field('budget')?.value ?? '');
    if (!budget.ok) {
      this.#setError('budget', budget.message);
      good = false;
    }
    if (!good || !variant.ok || !memoryModel.ok || !budget.ok) return undefined;
    return { variant: variant.value, memoryModel: memoryModel.value, params, budget: budget.value };
  }

  #running(on: boolean): void {
    must<HTMLButtonElement>(this.el, '[data-kvm-run]').disabled = on;
    const cancel = must<HTMLButtonElement>(this.el, '[data-kvm-cancel]');
    cancel.hidden = !on;
    if (!on && document.activeElement === cancel) must<HTMLButtonElement>(this.el, '[data-kvm-run]').focus();
    this.#progress.hidden = !on;
    this.el.toggleAttribute('data-running', on);
  }

  async run(): Promise<void> {
    this.message('');
    this.#more.hidden = true;
    const req = this.#readForm();
    if (!req) {
      this.message('Fix the highlighted setting first; nothing was run.');
      return;
    }
    this.#running(true);
    const bar = must<HTMLProgressElement>(this.#progress, 'progress');
    const text = must<HTMLElement>(this.#progress, '[data-kvm-progress-text]');
    bar.max = req.budget;
    bar.value = 0;
    text.textContent = 'Starting the checker…';
    try {
      const reply = await this.#worker.request(
        {
          type: 'check',
          model: this.config.model.name,
          variant: req.variant,
          memoryModel: req.memoryModel,
          params: req.params,
          maxStates: req.budget,
        },
        (p) => {
          bar.value = Math.min(req.budget, p.states);
          text.textContent = progressLine(p, req.budget);
        },
      );
      if (reply.type !== 'result') throw new Error(`unexpected reply ${reply.type}`);
      this.#showResult(reply.result, reply.meta, 'browser', req.budget);
      this.#writeHash();
    } catch (e) {
      if (e instanceof Cancelled) this.message(`Cancelled. ${text.textContent ?? ''}`.trim(), 'info');
      else if (e instanceof WorkerError && e.kind === 'input') this.message(`The checker refused: ${e.message}`);
      else this.message(`The check failed: ${errorText(e)}`);
    } finally {
      this.#running(false);
    }
  }

  cancel(): void {
    this.#worker.cancel();
  }

  #showResult(r: CheckResult, meta: TraceMeta, origin: 'build' | 'browser', budget: number, step?: number): void {
    this.#verdict.replaceChildren(toDom(renderVerdict(r, origin), document)!);
    if (r.verdict === 'inconclusive') {
      const bigger = Math.min(MAX_BUDGET, budget * 10);
      this.#more.hidden = false;
      if (bigger > budget) {
        const b = must<HTMLButtonElement>(this.#more, 'button[data-budget]');
        b.dataset.budget = String(bigger);
        b.textContent = `Continue with a budget of ${fmtInt(bigger)} states`;
        b.hidden = false;
        must<HTMLElement>(this.#more, '[data-kvm-more-text]').textContent =
          'The state budget ran out before the checker finished, so this is not a verdict.';
      } else {
        must<HTMLButtonElement>(this.#more, 'button[data-budget]').hidden = true;
        must<HTMLElement>(this.#more, '[data-kvm-more-text]').textContent =
          `The budget is already the most a browser tab may use (${fmtInt(MAX_BUDGET)} states); ` +
          'run this check with the command-line tool instead.';
      }
    }
    this.#shown = { variant: r.variant, memoryModel: r.memoryModel };
    if (r.counterexample) {
      this.#showTrace(r.counterexample, meta, step ?? r.counterexample.steps.length, r.violation?.property);
    } else {
      this.#viewer = undefined;
      this.#traceHost.replaceChildren();
      this.#markNothing();
    }
  }

  #markNothing(): void {
    for (const old of this.#sources.querySelectorAll('.kvm-current-line')) old.classList.remove('kvm-current-line');
    this.#sources.hidden = true;
  }

  /** Copies the model's highlighted sources (rendered once per page, hidden) next to this check. */
  #showSources(): void {
    this.#sources.hidden = false;
    if (this.#sources.childElementCount) return;
    for (const panel of modelStore(this.config.model.name)?.querySelectorAll(':scope > details') ?? []) {
      const copy = panel.cloneNode(true) as HTMLElement;
      for (const x of copy.querySelectorAll('link, script')) x.remove();
      this.#sources.append(copy);
    }
  }

  #showTrace(trace: Trace, meta: TraceMeta, step: number, property?: string): void {
    this.#showSources();
    this.#shown = { variant: trace.variant, memoryModel: trace.memoryModel, trace: trace.encoded };
    this.#viewer = new TraceController({
      host: this.#traceHost,
      trace,
      meta,
      repoUrl: this.config.repoUrl,
      step,
      property,
      sources: this.#sources,
      permalink: (k) => this.#hash(k),
      onStep: () => this.#writeHash(),
    });
  }

  #hash(step?: number): string {
    const s = this.#shown;
    const h: LiveHash = {
      live: this.config.id,
      model: this.config.model.name,
      ...(s ? { variant: s.variant, mm: s.memoryModel } : {}),
      ...(s?.trace ? { trace: s.trace, step: step ?? this.#viewer?.step ?? 0 } : {}),
    };
    return formatLiveHash(h);
  }

  #writeHash(): void {
    // Only the live check the reader is using writes the fragment; replaceState keeps Back usable.
    if (!this.#shown) return;
    const hash = this.#hash();
    if (location.hash !== hash) history.replaceState(history.state, '', hash);
  }

  /** The build-time result, as the page showed it without JavaScript. */
  showDefault(): void {
    const c = this.config;
    this.#select('variant', c.variant);
    this.#select('memoryModel', c.memoryModel);
    this.#onVariant();
    this.#showResult(c.result, c.meta, 'build', c.budget);
  }

  #select(name: string, value: string): void {
    const f = this.#field(name);
    if (f) f.value = value;
  }

  /** The step a link asks for, or the last one (with a note when the link asks for too much). */
  #linkedStep(step: number | undefined, n: number): number {
    if (step === undefined) return n;
    if (step <= n) return step;
    this.message(`The link asks for step ${step}, but the trace has ${n} steps; showing the last one.`, 'info');
    return n;
  }

  /** Restores a permalink; on any problem, says what and shows the default view. */
  async restore(h: LiveHash): Promise<void> {
    const info = this.config.model;
    const fail = (why: string) => {
      this.showDefault();
      this.message(`This link could not be restored: ${why} Showing the default example instead.`);
    };
    this.message('');
    if (h.model !== undefined && h.model !== info.name) return fail(`it is for model “${h.model}”, not ${info.name}.`);
    if (h.variant !== undefined && !checkVariant(info, h.variant).ok) {
      return fail(`model ${info.name} has no variant “${h.variant}”.`);
    }
    if (h.mm !== undefined && !checkMemoryModel(info, h.mm).ok) {
      return fail(`model ${info.name} is not checked under “${h.mm}”.`);
    }
    if (h.variant !== undefined) this.#select('variant', h.variant);
    if (h.mm !== undefined) this.#select('memoryModel', h.mm);
    this.#onVariant();
    if (h.trace === undefined) return;
    if (this.#viewer && this.#viewer.trace.encoded === h.trace) {
      this.#viewer.setStep(this.#linkedStep(h.step, this.#viewer.length));
      this.el.scrollIntoView({ block: 'start' });
      return;
    }
    let reply: Awaited<ReturnType<CheckerWorker['request']>>;
    try {
      reply = await this.#worker.request({ type: 'replay', encoded: h.trace });
    } catch (e) {
      if (e instanceof Cancelled) return;
      return fail(
        e instanceof WorkerError && e.kind === 'trace' ? `${e.message}.` : `the replay failed: ${errorText(e)}.`,
      );
    }
    if (reply.type !== 'trace') return fail('the checker gave an unexpected answer.');
    const t = reply.trace;
    if (t.model !== info.name) return fail(`its trace is for model “${t.model}”, not ${info.name}.`);
    if ((h.variant !== undefined && h.variant !== t.variant) || (h.mm !== undefined && h.mm !== t.memoryModel)) {
      return fail('its trace is for a different variant or memory model than the link names.');
    }
    this.#select('variant', t.variant);
    this.#select('memoryModel', t.memoryModel);
    for (const [name, value] of Object.entries(t.params)) this.#select(`param-${name}`, String(value));
    this.#onVariant();
    this.#more.hidden = true;
    const n = t.steps.length;
    const step = this.#linkedStep(h.step, n);
    this.#verdict.replaceChildren(
      toDom(
        {
          tag: 'div',
          attrs: { class: 'kvm-verdict kvm-verdict-restored', 'data-verdict': 'restored' },
          children: [
            {
              tag: 'p',
              attrs: { class: 'kvm-verdict-line' },
              children: [
                `Counterexample from a link: ${t.model} / ${t.variant} / ${t.memoryModel}, ${n} steps, `,
                'replayed in your browser against the current model. Run the check for the full verdict.',
              ],
            },
          ],
        },
        document,
      )!,
    );
    this.#showTrace(t, reply.meta, step);
    this.el.scrollIntoView({ block: 'start' });
  }
}

/** Hydrates one island; safe to call more than once. */
export function hydrate(el: HTMLElement): void {
  if (el.dataset.hydrated !== undefined) return;
  el.dataset.hydrated = '';
  try {
    if (el.dataset.kvmLive !== undefined) {
      const c = new LiveCheck(el);
      live.set(c.config.id, c);
    } else if (el.dataset.kvmPlot !== undefined) hydratePlot(el);
  } catch (e) {
    const box = el.querySelector<HTMLElement>('[data-kvm-message]');
    if (box) {
      box.textContent = `The live part of this example could not start: ${errorText(e)}`;
      box.hidden = false;
    }
  }
}

/** Applies the URL fragment if it is a live-check permalink (see hash.ts). */
export function applyHash(): void {
  const r = parseLiveHash(location.hash);
  if (!r.ours) return;
  const checks = [...live.values()];
  const first = checks[0];
  if (!first) return;
  if (!r.ok) {
    first.showDefault();
    first.message(`This link could not be restored: ${r.message} Showing the default example instead.`);
    first.el.scrollIntoView({ block: 'start' });
    return;
  }
  const h = r.value;
  const traceModel = h.trace?.split('/')[1];
  const owner = h.live
    ? live.get(h.live)
    : (checks.find((c) => c.config.model.name === (h.model ?? traceModel)) ?? first);
  if (!owner) {
    first.showDefault();
    first.message(
      `This link could not be restored: it points to a live check (“${h.live}”) that is not on this page. Showing the default example instead.`,
    );
    first.el.scrollIntoView({ block: 'start' });
    return;
  }
  void owner.restore(h);
}
