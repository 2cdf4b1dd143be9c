/**
 * Hydrates <LiveCheck> and <ModelPlot> islands (loaded lazily by loader.ts when one scrolls
 * into view or the URL carries a permalink). Everything heavy runs in the checker's worker.
 * Text from the URL, a trace or a worker is only ever set with textContent or through toDom.
 */

import { REPO_URL } from '../site-config.ts';
import { descriptionKey, expandResult } from './embedded-config.ts';
import { h, toDom, type VNode } from './h.ts';
import { formatLiveHash, type LiveHash, parseLiveHash } from './hash.ts';
import { hydratePlot } from './plot-client.ts';

export { applyPlotHash } from './plot-client.ts';

import { TraceController } from './trace-controller.ts';
import type {
  CheckResult,
  EmbeddedLiveConfig,
  LiveConfig,
  MemoryModelName,
  ModelInfo,
  Params,
  Successors,
  Trace,
  TraceHeader,
  TraceMeta,
} from './types.ts';
import { checkBudget, checkMemoryModel, checkParam, checkVariant, DEFAULT_BUDGET, MAX_BUDGET } from './validate.ts';
import {
  fmtInt,
  MM_LABEL,
  progressLine,
  renderCompare,
  renderFields,
  renderVariantInfo,
  renderVerdict,
  settingsSummary,
} from './views.ts';
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

/** The site's root URL without its final slash ('/kvmspec' on the Pages build, '' in dev). */
const SITE_BASE = import.meta.env.BASE_URL.replace(/\/$/, '');

/** Each model's description (variants, memory models, parameters), one static file per model, fetched once. */
const infos = new Map<string, Promise<ModelInfo>>();
function modelInfo(name: string): Promise<ModelInfo> {
  let p = infos.get(name);
  if (!p) {
    p = fetch(`${SITE_BASE}/kvm-models/${encodeURIComponent(name)}.json`).then((r) => {
      if (!r.ok) throw new Error(`the description of model ${name} could not be loaded (HTTP ${r.status})`);
      return r.json() as Promise<ModelInfo>;
    });
    p.catch(() => infos.delete(name));
    infos.set(name, p);
  }
  return p;
}

/** A live check's embedded configuration; its id is the section's data-kvm-live (the build writes it once). */
function readLiveConfig(el: HTMLElement): EmbeddedLiveConfig {
  return { ...readConfig<Omit<EmbeddedLiveConfig, 'id'>>(el), id: el.dataset.kvmLive ?? '' };
}

/** A violated property's description that a check of the page (of the same model) carries (embedded-config.ts). */
function pageDescription(model: string, key: string): string | undefined {
  for (const el of document.querySelectorAll<HTMLElement>('[data-kvm-live]')) {
    try {
      const c = readLiveConfig(el);
      const v = c.result.violation;
      if (c.model === model && v?.description !== undefined && descriptionKey(v) === key) return v.description;
    } catch {
      // a check whose configuration does not parse says so itself
    }
  }
  return undefined;
}

/** The page's embedded configuration, completed with what the page leaves out. */
async function liveConfig(el: HTMLElement): Promise<LiveConfig> {
  const e = readLiveConfig(el);
  const info = await modelInfo(e.model);
  // Every parameter, in the model's order (selections are compared by their JSON).
  const params = Object.fromEntries(info.params.map((p) => [p.name, e.params?.[p.name] ?? p.default]));
  return {
    ...e,
    model: info,
    repoUrl: REPO_URL,
    sourcesUrl: `${SITE_BASE}/kvm-sources/${encodeURIComponent(info.name)}.json`,
    params,
    budget: e.budget ?? DEFAULT_BUDGET,
    result: expandResult(
      e.result,
      { model: info.name, variant: e.variant, memoryModel: e.memoryModel, params },
      (key) => pageDescription(e.model, key),
    ),
  };
}

/** Where a live check says what went wrong (the build leaves it out: it is hidden until then). */
const messageBox = (): VNode => h('p', { class: 'kvm-message', 'data-kvm-message': '', role: 'alert', hidden: true });

/** An element the build leaves out (hidden until a run needs it), made and put in place once. */
function part(
  el: HTMLElement,
  selector: string,
  make: () => HTMLElement,
  place: (node: HTMLElement) => void,
): HTMLElement {
  const found = el.querySelector<HTMLElement>(selector);
  if (found) return found;
  const node = make();
  place(node);
  return node;
}

/**
 * One worker for the page's replays of embedded counterexamples, one replay at a time (a
 * CheckerWorker cancels a pending request when it gets another, so they queue here).
 */
const replayer = new CheckerWorker();
let replays: Promise<unknown> = Promise.resolve();
function replay(encoded: string): Promise<{ trace: Trace; meta: TraceMeta }> {
  const next = replays.then(async () => {
    const reply = await replayer.request({ type: 'replay', encoded });
    if (reply.type !== 'trace') throw new Error(`unexpected reply ${reply.type}`);
    return { trace: reply.trace, meta: reply.meta };
  });
  replays = next.catch(() => undefined);
  return next;
}

/** The steps enabled after step `at` of a trace (or in the initial state of a selection), on the replay queue. */
function successors(from: string | TraceHeader, at: number): Promise<Successors> {
  const next = replays.then(async () => {
    const reply = await replayer.request({ type: 'successors', from, at });
    if (reply.type !== 'successors') throw new Error(`unexpected reply ${reply.type}`);
    return reply.successors;
  });
  replays = next.catch(() => undefined);
  return next;
}

/** The model sources a page's traces show, fetched once per model file set. */
const sources = new Map<string, Promise<Readonly<Record<string, string>>>>();
function loadSources(url: string): Promise<Readonly<Record<string, string>>> {
  let p = sources.get(url);
  if (!p) {
    p = fetch(url).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json() as Promise<Record<string, string>>;
    });
    p.catch(() => sources.delete(url));
    sources.set(url, p);
  }
  return p;
}

/**
 * Swapping a static counterexample for the interactive viewer builds a few thousand elements.
 * On a chapter with a dozen of them, scrolling used to swap several in one task: now each waits
 * until the reader's screen is near it, then for its turn and an idle moment, so one swap runs
 * per task (bench:site measures the long tasks while scrolling).
 */
let turns: Promise<void> = Promise.resolve();
function inTurn(job: () => Promise<void>): Promise<void> {
  const next = turns.then(job);
  turns = next.catch(() => undefined);
  return next;
}

/** Resolves at the browser's next idle moment (or after a second at the latest). */
function idle(): Promise<void> {
  return new Promise((resolve) => {
    if ('requestIdleCallback' in window) requestIdleCallback(() => resolve(), { timeout: 1000 });
    else setTimeout(resolve, 0);
  });
}

/** Resolves when the element comes within a screen of the viewport. */
function near(el: Element): Promise<void> {
  return new Promise((resolve) => {
    if (!('IntersectionObserver' in window)) return resolve();
    const io = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        io.disconnect();
        resolve();
      },
      { rootMargin: '100% 0px' },
    );
    io.observe(el);
  });
}

interface Selection {
  readonly variant: string;
  readonly memoryModel: string;
  readonly params: Params;
}

const sameSelection = (a: Selection, b: Selection): boolean =>
  a.variant === b.variant && a.memoryModel === b.memoryModel && JSON.stringify(a.params) === JSON.stringify(b.params);

class LiveCheck {
  readonly el: HTMLElement;
  readonly config: LiveConfig;
  readonly #worker = new CheckerWorker();
  readonly #form: HTMLFormElement;
  readonly #message: HTMLElement;
  readonly #verdict: HTMLElement;
  readonly #buildVerdict: readonly Node[];
  /** The build's note on its own variant, which may point at another check's (views.ts SaidOnPage). */
  readonly #buildVariantInfo: readonly Node[];
  readonly #result: HTMLElement;
  readonly #stale: HTMLElement;
  readonly #traceHost: HTMLElement;
  readonly #progress: HTMLElement;
  readonly #more: HTMLElement;
  readonly #run: HTMLButtonElement;
  readonly #cancel: HTMLButtonElement;
  #viewer: TraceController | undefined;
  #busy = false;
  /** Bumped whenever what is shown changes, so a late replay cannot overwrite a newer result. */
  #generation = 0;
  /** The selection the verdict on screen is the verdict of, and its trace. */
  #shown: (Selection & { trace?: string }) | undefined;
  /** Explore mode's undo stack: the trace and step shown before each step the reader chose. */
  #history: { encoded: string; step: number }[] = [];
  readonly #exploreStart: HTMLButtonElement;
  /** The comparison of the selection under every memory model, while it is open. */
  #compared:
    | {
        readonly variant: string;
        readonly params: Params;
        readonly budget: number;
        readonly results: ({ r: CheckResult; meta: TraceMeta } | undefined)[];
        shown?: string;
      }
    | undefined;
  #compareBox: HTMLElement | undefined;
  /** The compared memory models' counterexamples, one viewer each (kept across re-renders of the columns). */
  #compareViewers: HTMLElement | undefined;

  constructor(el: HTMLElement, config: LiveConfig) {
    this.el = el;
    this.config = config;
    this.#form = must(el, 'form[data-kvm-form]');
    this.#verdict = must(el, '[data-kvm-verdict]');
    // A live region from hydration on, before any run can change it (the build leaves the three
    // attributes out of thirty checks: without JavaScript the verdict never changes).
    this.#verdict.setAttribute('role', 'status');
    this.#verdict.setAttribute('aria-live', 'polite');
    this.#verdict.setAttribute('aria-atomic', 'true');
    // The build-time verdict as the page shows it, kept to show again (the page does not embed
    // its statistics a second time for the client to redraw it).
    this.#buildVerdict = [...this.#verdict.childNodes].map((n) => n.cloneNode(true));
    this.#buildVariantInfo = [...(el.querySelector('[data-kvm-variant-info]')?.childNodes ?? [])].map((n) =>
      n.cloneNode(true),
    );
    this.#result = must(el, '[data-kvm-result]');
    this.#traceHost = must(el, '[data-kvm-trace]');
    // Hidden until a run needs them, so the build leaves them out and they are made here.
    const make = (node: VNode) => () => toDom(node, document) as HTMLElement;
    this.#message = part(el, '[data-kvm-message]', make(messageBox()), (n) => this.#result.before(n));
    this.#progress = part(
      el,
      '[data-kvm-progress]',
      make(
        h(
          'div',
          { class: 'kvm-progress', 'data-kvm-progress': '', hidden: true },
          h('progress', { max: 1, value: 0, 'aria-label': 'States explored' }),
          h('p', { 'data-kvm-progress-text': '', 'aria-live': 'polite' }),
        ),
      ),
      (n) => this.#message.before(n),
    );
    this.#stale = part(
      el,
      '[data-kvm-stale]',
      make(h('p', { class: 'kvm-stale', 'data-kvm-stale': '', hidden: true })),
      (n) => this.#message.after(n),
    );
    this.#more = part(
      el,
      '[data-kvm-more]',
      make(
        h(
          'div',
          { class: 'kvm-more', 'data-kvm-more': '', hidden: true },
          h('p', { 'data-kvm-more-text': '' }),
          h('button', { type: 'button', class: 'kvm-button', 'data-budget': '', hidden: true }, 'Run again'),
        ),
      ),
      (n) => this.#verdict.after(n),
    );
    // The build leaves the Run button's row out (it needs JavaScript; live.css keeps its place).
    const actions = part(
      el,
      '.kvm-actions',
      make(
        h(
          'div',
          { class: 'kvm-actions' },
          h('button', { type: 'submit', class: 'kvm-button kvm-button-primary', 'data-kvm-run': '' }, 'Run check'),
        ),
      ),
      (n) => this.#form.append(n),
    );
    this.#run = must<HTMLButtonElement>(actions, '[data-kvm-run]');
    this.#cancel = part(
      el,
      '[data-kvm-cancel]',
      make(h('button', { type: 'button', class: 'kvm-button', 'data-kvm-cancel': '', hidden: true }, 'Cancel')),
      (n) => this.#run.after(n),
    ) as HTMLButtonElement;
    // Exploring from the initial state, for a result without a counterexample (a counterexample's
    // viewer has its own "Explore by hand"). Made here: the build leaves it out of thirty checks.
    this.#exploreStart = toDom(
      h(
        'button',
        {
          type: 'button',
          class: 'kvm-button',
          'data-kvm-explore': '',
          'aria-label': 'Explore by hand',
          title: 'Choose each step yourself, from the initial state',
          hidden: true,
        },
        // Short labels: the row keeps the height it had before hydration, even on a phone.
        'Explore',
      ),
      document,
    ) as HTMLButtonElement;
    this.#cancel.after(this.#exploreStart);
    this.#exploreStart.addEventListener('click', () => void this.#exploreFromStart());
    if (config.model.memoryModels.length > 1) {
      const compare = toDom(
        h(
          'button',
          {
            type: 'button',
            class: 'kvm-button',
            'data-kvm-compare': '',
            'aria-label': 'Compare memory models',
            title: 'Check this variant under every memory model and show the verdicts side by side',
          },
          'Compare',
        ),
        document,
      ) as HTMLButtonElement;
      this.#exploreStart.after(compare);
      compare.addEventListener('click', () => void this.compare());
    }
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run();
    });
    const settings = this.el.querySelector<HTMLDetailsElement>('details[data-kvm-settings]');
    settings?.addEventListener('toggle', () => {
      if (settings.open) this.#ensureFields();
    });
    if (settings?.open) this.#ensureFields();
    // Focus moves to Run before Cancel hides, so the keyboard user stays in the form.
    this.#cancel.addEventListener('click', () => {
      this.#run.focus();
      this.cancel();
    });
    this.#more.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-budget]');
      if (!b) return;
      this.#field('budget')!.value = b.dataset.budget ?? '';
      this.#run.focus();
      void this.run();
    });
    void this.showDefault(true);
  }

  /** Builds the settings fields (once), showing the selection on screen. */
  #ensureFields(open = false): void {
    const settings = this.el.querySelector<HTMLDetailsElement>('details[data-kvm-settings]');
    if (open && settings) settings.open = true;
    if (!settings) return;
    // Made here, the first time (the build leaves the empty box out of every check).
    const box = part(
      this.el,
      '[data-kvm-fields]',
      () => toDom(h('div', { class: 'kvm-fields', 'data-kvm-fields': '' }), document) as HTMLElement,
      (n) => settings.append(n),
    );
    if (box.childElementCount) return;
    const s = this.#shown ?? this.config;
    const fields = renderFields(this.config.model, `kvm-${this.config.id}`, {
      variant: s.variant,
      memoryModel: s.memoryModel,
      params: { ...this.config.params, ...s.params },
      budget: this.config.budget,
    });
    box.replaceChildren(...fields.map((f) => toDom(f, document) as Node));
    this.#field('variant')?.addEventListener('change', () => this.#onVariant());
    for (const input of box.querySelectorAll('input, select')) {
      input.addEventListener('input', () => {
        this.#clearError((input as HTMLInputElement).name);
        this.#checkStale();
      });
      input.addEventListener('change', () => this.#checkStale());
    }
  }

  #field(name: string): HTMLInputElement | HTMLSelectElement | null {
    return this.#form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`);
  }

  #onVariant(): void {
    const variant = this.#field('variant')?.value ?? '';
    const info = this.el.querySelector('[data-kvm-variant-info]');
    const v = checkVariant(this.config.model, variant);
    if (!info || !v.ok) return;
    // The build's variant keeps the build's note (a short one says where the page describes it:
    // redrawn in full, the check would grow on hydration); another variant gets its whole note.
    // The box is the description's own (the build writes its children only, not a second wrapper).
    if (v.value === this.config.variant && this.#buildVariantInfo.length)
      info.replaceChildren(...this.#buildVariantInfo.map((n) => n.cloneNode(true)));
    else info.replaceChildren(...toDom(renderVariantInfo(this.config.model, v.value), document)!.childNodes);
  }

  /** What the form says now, as far as it parses (unparsable parameters count as a change). */
  #formSelection(): Selection {
    const params: Record<string, number> = {};
    for (const p of this.config.model.params) {
      const raw = this.#field(`param-${p.name}`)?.value ?? String(p.default);
      params[p.name] = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      if (!this.#field(`param-${p.name}`))
        params[p.name] = this.#shown?.params[p.name] ?? this.config.params[p.name] ?? p.default;
    }
    return {
      variant: this.#field('variant')?.value ?? this.#shown?.variant ?? this.config.variant,
      memoryModel: this.#field('memoryModel')?.value ?? this.#shown?.memoryModel ?? this.config.memoryModel,
      params,
    };
  }

  /**
   * A verdict on screen is always the verdict of the selection on screen: when the form says
   * something else, the result is set aside (not lost: select it again and it is back) and a
   * note says the new selection has not been checked.
   */
  #checkStale(): void {
    const shown = this.#shown;
    const now = this.#formSelection();
    const stale = !shown || !sameSelection(shown, now);
    const summary = this.el.querySelector('details[data-kvm-settings] > summary');
    if (summary) summary.textContent = settingsSummary(this.config.model, now);
    this.#result.hidden = stale;
    this.#stale.hidden = !stale;
    if (stale) {
      this.#stale.textContent = `Not checked yet: ${this.config.model.name} / ${now.variant} / ${now.memoryModel} has not been run${
        shown
          ? ` (the result shown before was for ${shown.variant} / ${shown.memoryModel}; select it again to see it)`
          : ''
      }. Press “Run check”.`;
    }
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

  /** Brings the check, and its message, into view (a permalink's target). */
  reveal(): void {
    this.el.scrollIntoView({ block: 'start' });
  }

  /** Reads and validates every control; shows a message next to each bad one. */
  #readForm(): { variant: string; memoryModel: MemoryModelName; params: Params; budget: number } | undefined {
    const info = this.config.model;
    let good = true;
    const variant = checkVariant(info, this.#field('variant')?.value ?? this.#shown?.variant ?? this.config.variant);
    if (!variant.ok) {
      this.#setError('variant', variant.message);
      good = false;
    }
    const memoryModel = checkMemoryModel(
      info,
      this.#field('memoryModel')?.value ?? this.#shown?.memoryModel ?? this.config.memoryModel,
    );
    if (!memoryModel.ok) {
      this.#setError('memoryModel', memoryModel.message);
      good = false;
    }
    const params: Record<string, number> = {};
    for (const p of info.params) {
      const r = checkParam(
        info,
        p.name,
        this.#field(`param-${p.name}`)?.value ??
          String(this.#shown?.params[p.name] ?? this.config.params[p.name] ?? p.default),
      );
      if (r.ok) params[p.name] = r.value;
      else {
        this.#setError(`param-${p.name}`, r.message);
        good = false;
      }
    }
    const budget = checkBudget(this.#field('budget')?.value ?? String(this.config.budget));
    if (!budget.ok) {
      this.#setError('budget', budget.message);
      good = false;
    }
    if (!good || !variant.ok || !memoryModel.ok || !budget.ok) return undefined;
    return { variant: variant.value, memoryModel: memoryModel.value, params, budget: budget.value };
  }

  #running(on: boolean): void {
    this.#busy = on;
    // Run stays focusable while a check runs (a disabled button would drop focus to <body>).
    this.#run.setAttribute('aria-disabled', String(on));
    if (!on && document.activeElement === this.#cancel) this.#run.focus();
    this.#cancel.hidden = !on;
    this.#progress.hidden = !on;
    this.el.toggleAttribute('data-running', on);
  }

  async run(): Promise<void> {
    if (this.#busy) return;
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
    // Drawn against a scale that grows with the run, not against the budget: a big budget
    // would leave the bar empty for most of a run that finishes far below it.
    bar.removeAttribute('value');
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
          bar.max = Math.min(req.budget, Math.max(1000, 2 ** Math.ceil(Math.log2(p.states + 1))));
          bar.value = Math.min(bar.max, p.states);
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
      this.#checkStale();
    }
  }

  cancel(): void {
    this.#worker.cancel();
  }

  /** Checks the form's variant and parameters under every memory model, one after another. */
  async compare(): Promise<void> {
    if (this.#busy) return;
    this.message('');
    const req = this.#readForm();
    if (!req) {
      this.message('Fix the highlighted setting first; nothing was run.');
      return;
    }
    const mms = this.config.model.memoryModels;
    const compared = {
      variant: req.variant,
      params: req.params,
      budget: req.budget,
      results: mms.map((): { r: CheckResult; meta: TraceMeta } | undefined => undefined),
    };
    this.#compared = compared;
    this.#compareViewers = toDom(
      h(
        'div',
        { class: 'kvm-compare-viewers', 'data-compare-viewers': '' },
        mms.map((mm) =>
          h(
            'section',
            { class: 'kvm-compare-viewer', 'data-compare-viewer': mm, 'aria-label': `${req.variant} under ${mm}` },
            h('p', { class: 'kvm-compare-viewer-head' }, h('strong', null, MM_LABEL[mm] ?? mm), ': not checked yet'),
          ),
        ),
      ),
      document,
    ) as HTMLElement;
    this.#renderCompare();
    this.#running(true);
    const text = must<HTMLElement>(this.#progress, '[data-kvm-progress-text]');
    const bar = must<HTMLProgressElement>(this.#progress, 'progress');
    try {
      for (const [i, mm] of mms.entries()) {
        bar.removeAttribute('value');
        text.textContent = `Comparing: ${mm} (${i + 1} of ${mms.length})…`;
        const reply = await this.#worker.request(
          {
            type: 'check',
            model: this.config.model.name,
            variant: req.variant,
            memoryModel: mm,
            params: req.params,
            maxStates: req.budget,
          },
          (p) => {
            text.textContent = `Comparing: ${mm} (${i + 1} of ${mms.length}). ${progressLine(p, req.budget)}`;
          },
        );
        if (reply.type !== 'result') throw new Error(`unexpected reply ${reply.type}`);
        if (this.#compared !== compared) return;
        compared.results[i] = { r: reply.result, meta: reply.meta };
        this.#renderCompare();
        this.#compareViewer(mm, reply.result, reply.meta);
      }
    } catch (e) {
      if (e instanceof Cancelled)
        this.message('Comparison cancelled; the memory models checked so far are shown.', 'info');
      else this.message(`The comparison failed: ${errorText(e)}`);
    } finally {
      this.#running(false);
    }
  }

  /**
   * One memory model's result in the comparison, beside the others: its counterexample in a
   * viewer of its own (side by side on a wide screen, stacked on a phone: live.css), or what it
   * found instead.
   */
  #compareViewer(mm: string, r: CheckResult, meta: TraceMeta): void {
    const slot = this.#compareViewers?.querySelector<HTMLElement>(`[data-compare-viewer="${mm}"]`);
    if (!slot) return;
    const label = MM_LABEL[mm] ?? mm;
    const head = h(
      'p',
      { class: 'kvm-compare-viewer-head' },
      h('strong', null, label),
      r.verdict === 'violated' && r.violation
        ? [': violated: ', h('code', null, r.violation.property)]
        : r.verdict === 'holds'
          ? ': holds, so there is no counterexample: every reachable state satisfies every property'
          : `: ${r.verdict}${r.reason ? ` (${r.reason})` : ''}`,
    );
    slot.replaceChildren(toDom(head, document) as Node);
    slot.dataset.verdict = r.verdict;
    const trace = r.counterexample;
    if (!trace) return;
    const host = document.createElement('div');
    host.className = 'kvm-trace-host';
    slot.append(host);
    const shown: LiveHash = {
      live: this.config.id,
      model: this.config.model.name,
      variant: trace.variant,
      mm: trace.memoryModel,
    };
    new TraceController({
      host,
      trace,
      meta,
      repoUrl: this.config.repoUrl,
      step: trace.steps.length,
      property: r.violation?.property,
      propertyDescription: r.violation?.description,
      loadSources: () => loadSources(this.config.sourcesUrl),
      permalink: (k) =>
        `${location.origin}${location.pathname}${formatLiveHash({ ...shown, trace: trace.encoded, step: k })}`,
      lazyStepTable: true,
    });
  }

  #renderCompare(): void {
    const c = this.#compared;
    if (!c) {
      this.#compareBox?.remove();
      this.#compareBox = undefined;
      this.#compareViewers = undefined;
      return;
    }
    const fresh = toDom(
      renderCompare(
        this.config.model,
        c,
        c.results.map((x) => x?.r),
        c.shown,
      ),
      document,
    ) as HTMLElement;
    const focused = this.#compareBox?.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).dataset.compareShow
      : undefined;
    // The viewers move into the new box as they are (their controllers keep working).
    if (this.#compareViewers) fresh.append(this.#compareViewers);
    if (this.#compareBox) this.#compareBox.replaceWith(fresh);
    else this.#result.after(fresh);
    this.#compareBox = fresh;
    if (focused !== undefined) fresh.querySelector<HTMLElement>(`[data-compare-show="${focused}"]`)?.focus();
    fresh.addEventListener('click', (e) => {
      const t = e.target as HTMLElement;
      if (t.closest('[data-compare-close]')) {
        this.#compared = undefined;
        this.#renderCompare();
        this.#run.focus();
        return;
      }
      const show = t.closest<HTMLElement>('[data-compare-show]')?.dataset.compareShow;
      if (show !== undefined) this.#showCompared(Number(show));
    });
  }

  /** Shows one column's result (its counterexample too) in the live check, and the form says so. */
  #showCompared(i: number): void {
    const c = this.#compared;
    const x = c?.results[i];
    if (!c || !x) return;
    this.#ensureFields(true);
    this.#select('variant', x.r.variant);
    this.#select('memoryModel', x.r.memoryModel);
    for (const [name, value] of Object.entries(x.r.params)) this.#select(`param-${name}`, String(value));
    this.#onVariant();
    this.message('');
    this.#showResult(x.r, x.meta, 'browser', c.budget);
    this.#writeHash();
    c.shown = x.r.memoryModel;
    this.#renderCompare();
  }

  #showVerdict(r: CheckResult, origin: 'build' | 'browser', budget: number): void {
    this.#verdict.replaceChildren(toDom(renderVerdict(r, origin), document)!);
    this.#more.hidden = r.verdict !== 'inconclusive';
    if (r.verdict === 'inconclusive') {
      const bigger = Math.min(MAX_BUDGET, budget * 10);
      const b = must<HTMLButtonElement>(this.#more, 'button[data-budget]');
      const note = must<HTMLElement>(this.#more, '[data-kvm-more-text]');
      if (bigger > budget) {
        b.dataset.budget = String(bigger);
        b.textContent = `Run again with a budget of ${fmtInt(bigger)} states`;
        b.hidden = false;
        note.textContent =
          'The state budget ran out before the checker finished, so this is not a verdict. ' +
          'A new run starts from the beginning (the states explored so far are not kept).';
      } else {
        b.hidden = true;
        note.textContent =
          `The budget is already the most a browser tab may use (${fmtInt(MAX_BUDGET)} states); ` +
          'run this check with the command-line tool instead.';
      }
    }
    this.#shown = { variant: r.variant, memoryModel: r.memoryModel, params: r.params };
  }

  #showResult(r: CheckResult, meta: TraceMeta, origin: 'build' | 'browser', budget: number, step?: number): void {
    this.#generation++;
    this.#history = [];
    this.#showVerdict(r, origin, budget);
    if (r.counterexample) {
      this.#showTrace(r.counterexample, meta, step ?? r.counterexample.steps.length, r.violation);
    } else {
      this.#viewer = undefined;
      this.#traceHost.replaceChildren();
      this.#exploreStart.hidden = r.verdict === 'inconclusive';
    }
    this.#checkStale();
  }

  #showTrace(
    trace: Trace,
    meta: TraceMeta,
    step: number,
    violation?: CheckResult['violation'],
    explore: { active: boolean; focus?: boolean } = { active: false },
  ): void {
    this.#shown = {
      variant: trace.variant,
      memoryModel: trace.memoryModel,
      params: trace.params,
      trace: trace.encoded,
    };
    this.#viewer = new TraceController({
      host: this.#traceHost,
      trace,
      meta,
      repoUrl: this.config.repoUrl,
      step,
      property: violation?.property,
      propertyDescription: violation?.description,
      loadSources: () => loadSources(this.config.sourcesUrl),
      permalink: (k) => `${location.origin}${location.pathname}${this.#hash(k)}`,
      onStep: () => this.#writeHash(),
      lazyStepTable: true,
      explore: {
        active: explore.active,
        ...(explore.focus ? { focus: true } : {}),
        canUndo: this.#history.length > 0,
        enabled: (at) => successors(trace.encoded, at),
        choose: (encoded, at) => {
          this.#history.push({ encoded: trace.encoded, step: at });
          void this.#openExplored(encoded, undefined);
        },
        undo: () => {
          const last = this.#history.pop();
          if (last) void this.#openExplored(last.encoded, last.step);
        },
        toggle: () => this.#writeHash(),
      },
    });
    this.#exploreStart.hidden = true;
  }

  /** Shows a trace the reader made by hand (or went back to), in explore mode, at `step` (default: its end). */
  async #openExplored(encoded: string, step: number | undefined): Promise<void> {
    const generation = ++this.#generation;
    const focus = this.el.contains(document.activeElement);
    let replayed: { trace: Trace; meta: TraceMeta };
    try {
      replayed = await replay(encoded);
    } catch (e) {
      if (e instanceof Cancelled || generation !== this.#generation) return;
      this.message(`The explored trace could not be replayed: ${errorText(e)}`);
      return;
    }
    if (generation !== this.#generation) return;
    const { trace, meta } = replayed;
    this.#showTrace(trace, meta, step ?? trace.steps.length, undefined, { active: true, focus });
    this.#writeHash();
  }

  /** Explore mode from the initial state of the selection shown (a result with no counterexample). */
  async #exploreFromStart(): Promise<void> {
    const s = this.#shown;
    if (!s) return;
    this.message('');
    try {
      const start = await successors(
        {
          model: this.config.model.name,
          variant: s.variant,
          memoryModel: s.memoryModel as MemoryModelName,
          params: s.params,
        },
        0,
      );
      this.#history = [];
      await this.#openExplored(start.prefix, 0);
    } catch (e) {
      if (!(e instanceof Cancelled)) this.message(`Explore mode could not start: ${errorText(e)}`);
    }
  }

  #hash(step?: number): string {
    const s = this.#shown;
    const h: LiveHash = {
      live: this.config.id,
      model: this.config.model.name,
      ...(s ? { variant: s.variant, mm: s.memoryModel } : {}),
      ...(s && !s.trace && Object.keys(s.params).length ? { params: s.params } : {}),
      ...(s?.trace ? { trace: s.trace, step: step ?? this.#viewer?.step ?? 0 } : {}),
      ...(s?.trace && this.#viewer?.exploring ? { explore: true } : {}),
    };
    return formatLiveHash(h);
  }

  #writeHash(): void {
    // Only the live check the reader is using writes the fragment; replaceState keeps Back usable.
    if (!this.#shown) return;
    const hash = this.#hash();
    if (location.hash !== hash) history.replaceState(history.state, '', hash);
  }

  /**
   * The build-time result, as the page showed it without JavaScript. Its counterexample is
   * replayed in the worker and swapped in for the static text, in a box of the same size.
   */
  showDefault(whenNear = false): Promise<void> {
    const c = this.config;
    this.#select('variant', c.variant);
    this.#select('memoryModel', c.memoryModel);
    for (const [name, value] of Object.entries(c.params)) this.#select(`param-${name}`, String(value));
    this.#onVariant();
    const generation = ++this.#generation;
    this.#verdict.replaceChildren(...this.#buildVerdict.map((n) => n.cloneNode(true)));
    // The build fails on an inconclusive check, so the build's verdict never offers a bigger budget.
    this.#more.hidden = true;
    this.#shown = { variant: c.variant, memoryModel: c.memoryModel, params: c.params };
    this.#checkStale();
    const embedded = c.result.trace;
    this.#history = [];
    if (!embedded) {
      this.#viewer = undefined;
      this.#traceHost.replaceChildren();
      this.#exploreStart.hidden = false;
      return Promise.resolve();
    }
    this.#shown = { ...(this.#shown as Selection), trace: embedded.encoded };
    if (this.#viewer?.trace.encoded === embedded.encoded) {
      this.#viewer.setStep(embedded.steps);
      return Promise.resolve();
    }
    // On hydration, the static counterexample stays until the reader comes near it (it fills a
    // box of the same size, so the swap moves nothing).
    return (whenNear ? near(this.#traceHost) : Promise.resolve())
      .then(() =>
        inTurn(async () => {
          if (generation !== this.#generation) return;
          const { trace, meta } = await replay(embedded.encoded);
          await idle();
          if (generation !== this.#generation) return;
          this.#showTrace(trace, meta, trace.steps.length, c.result.violation);
        }),
      )
      .catch((e: unknown) => {
        if (generation !== this.#generation || e instanceof Cancelled) return;
        this.message(`The counterexample could not be replayed in your browser: ${errorText(e)}`);
      });
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

  /** Says why a link was refused, here, with the check in view. */
  refuse(why: string): void {
    void this.showDefault();
    this.message(`This link could not be restored: ${why} Showing the default example instead.`);
    this.reveal();
  }

  /** Restores a permalink; on any problem, says what, shows the default view, and brings the check into view. */
  async restore(h: LiveHash): Promise<void> {
    const info = this.config.model;
    this.message('');
    if (h.model !== undefined && h.model !== info.name)
      return this.refuse(`it is for model “${h.model}”, not ${info.name}.`);
    if (h.variant !== undefined && !checkVariant(info, h.variant).ok) {
      return this.refuse(`model ${info.name} has no variant “${h.variant}”.`);
    }
    if (h.mm !== undefined && !checkMemoryModel(info, h.mm).ok) {
      return this.refuse(`model ${info.name} is not checked under “${h.mm}”.`);
    }
    for (const [name, value] of Object.entries(h.params ?? {})) {
      const r = checkParam(info, name, String(value));
      if (!r.ok) return this.refuse(r.message);
    }
    if (h.trace === undefined) {
      // A link to a selection (a "holds", say): its verdict is never taken from the URL; the
      // selection is checked again here, unless it is the one the page was built with.
      const wanted: Selection = {
        variant: h.variant ?? this.config.variant,
        memoryModel: h.mm ?? this.config.memoryModel,
        params: { ...this.config.params, ...(h.params ?? {}) },
      };
      this.reveal();
      if (sameSelection(wanted, this.config)) {
        await this.showDefault();
        return;
      }
      this.#ensureFields(true);
      this.#select('variant', wanted.variant);
      this.#select('memoryModel', wanted.memoryModel);
      for (const [name, value] of Object.entries(wanted.params)) this.#select(`param-${name}`, String(value));
      this.#onVariant();
      this.#checkStale();
      await this.run();
      return;
    }
    if (this.#viewer && this.#viewer.trace.encoded === h.trace) {
      this.#viewer.setStep(this.#linkedStep(h.step, this.#viewer.length));
      this.reveal();
      return;
    }
    const generation = ++this.#generation;
    let replayed: { trace: Trace; meta: TraceMeta };
    try {
      replayed = await replay(h.trace);
    } catch (e) {
      if (e instanceof Cancelled || generation !== this.#generation) return;
      return this.refuse(
        e instanceof WorkerError && e.kind === 'trace' ? `${e.message}.` : `the replay failed: ${errorText(e)}.`,
      );
    }
    if (generation !== this.#generation) return;
    const { trace: t, meta } = replayed;
    if (t.model !== info.name) return this.refuse(`its trace is for model “${t.model}”, not ${info.name}.`);
    if ((h.variant !== undefined && h.variant !== t.variant) || (h.mm !== undefined && h.mm !== t.memoryModel)) {
      return this.refuse('its trace is for a different variant or memory model than the link names.');
    }
    if (t.variant !== this.config.variant || t.memoryModel !== this.config.memoryModel) this.#ensureFields(true);
    this.#select('variant', t.variant);
    this.#select('memoryModel', t.memoryModel);
    for (const [name, value] of Object.entries(t.params)) this.#select(`param-${name}`, String(value));
    this.#onVariant();
    this.#more.hidden = true;
    const n = t.steps.length;
    const step = this.#linkedStep(h.step, n);
    // What the state the trace ends in breaks, asked of the engine: a trace made by hand need not
    // end in a violation, and a link's word for it is never taken.
    let end: Successors | undefined;
    try {
      end = await successors(t.encoded, n);
    } catch {
      end = undefined;
    }
    if (generation !== this.#generation) return;
    const lasso = t.cycleStart !== undefined;
    const breaks = lasso
      ? 'it ends in a cycle that repeats forever'
      : end?.violation
        ? `it breaks ${end.violation.property} after step ${n}`
        : end
          ? 'it breaks no property where it ends'
          : 'whether it breaks a property could not be computed';
    this.#history = [];
    this.#verdict.replaceChildren(
      toDom(
        {
          tag: 'div',
          attrs: { class: 'kvm-verdict', 'data-verdict': 'restored' },
          children: [
            {
              tag: 'p',
              attrs: { class: 'kvm-verdict-line' },
              children: [
                `${lasso || end?.violation ? 'Counterexample' : 'Trace'} from a link: ${t.model} / ${t.variant} / ${t.memoryModel}, ${n} steps, `,
                `replayed in your browser against the current model; ${breaks}. Run the check for the full verdict.`,
              ],
            },
          ],
        },
        document,
      )!,
    );
    this.#showTrace(t, meta, step, end?.violation, { active: h.explore === true });
    this.#checkStale();
    this.reveal();
  }
}

/** Hydrates one island; safe to call more than once (the first call's promise is kept). */
const hydrating = new WeakMap<HTMLElement, Promise<void>>();
export function hydrate(el: HTMLElement): Promise<void> {
  let p = hydrating.get(el);
  if (!p) {
    // data-hydrated says the island is ready (its configuration and model are loaded).
    p = start(el).finally(() => {
      el.dataset.hydrated = '';
    });
    hydrating.set(el, p);
  }
  return p;
}

async function start(el: HTMLElement): Promise<void> {
  try {
    if (el.dataset.kvmLive !== undefined) {
      const c = new LiveCheck(el, await liveConfig(el));
      live.set(c.config.id, c);
    } else if (el.dataset.kvmPlot !== undefined) hydratePlot(el);
  } catch (e) {
    // A live check's box may not be made yet (it is made on demand); a plot's is in the page.
    const box =
      el.querySelector<HTMLElement>('[data-kvm-message]') ??
      part(
        el,
        '[data-kvm-message]',
        () => toDom(messageBox(), document) as HTMLElement,
        (n) => {
          const result = el.querySelector('[data-kvm-result]');
          if (result) result.before(n);
          else el.append(n);
        },
      );
    box.textContent = `The live part of this example could not start: ${errorText(e)}`;
    box.hidden = false;
  }
}

/**
 * Turns each cell of a <VariantTable> into a link that opens that variant under that memory
 * model in a live check of the model on the page: one with that very selection when there is
 * one (its build-time counterexample shows at once), else one of the same variant, else the
 * first; the link is an ordinary permalink without a trace, so the check runs when opened.
 */
export async function linkVariantTable(table: HTMLElement): Promise<void> {
  const model = table.querySelector('caption code')?.textContent ?? '';
  if (!model || table.dataset.kvmLinked !== undefined) return;
  table.dataset.kvmLinked = '';
  let mms: readonly string[];
  try {
    mms = (await modelInfo(model)).memoryModels;
  } catch {
    return;
  }
  const checks = [...document.querySelectorAll<HTMLElement>('[data-kvm-live]')].flatMap((el) => {
    try {
      const c = readLiveConfig(el);
      return c.model === model ? [{ id: c.id, variant: c.variant, mm: c.memoryModel, params: c.params ?? {} }] : [];
    } catch {
      return [];
    }
  });
  if (!checks.length) return;
  for (const row of table.querySelectorAll('tbody tr')) {
    const variant = row.querySelector('th code')?.textContent ?? '';
    row.querySelectorAll('td').forEach((td, i) => {
      const mm = mms[i];
      if (!mm || !td.textContent?.trim() || td.textContent.trim() === '—') return;
      const owner =
        checks.find((c) => c.variant === variant && c.mm === mm) ??
        checks.find((c) => c.variant === variant) ??
        checks[0];
      if (!owner) return;
      // The owner's own parameters, so the check of the selection the page was built with is not run again.
      const hash = formatLiveHash({
        live: owner.id,
        model,
        variant,
        mm,
        ...(Object.keys(owner.params).length ? { params: owner.params } : {}),
      });
      const a = document.createElement('a');
      a.href = hash;
      a.className = 'kvm-cell-link';
      a.dataset.kvmCell = `${variant}/${mm}`;
      a.setAttribute(
        'aria-label',
        `${variant} under ${mm}: ${td.textContent.replace(/\s+/g, ' ').trim()}; open it in the live check`,
      );
      a.append(...td.childNodes);
      td.append(a);
      // The same link twice changes no fragment, so no hashchange: route it by hand.
      a.addEventListener('click', () => {
        if (location.hash === hash) queueMicrotask(() => dispatchEvent(new HashChangeEvent('hashchange')));
      });
    });
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
    // A link that names its check gets its message there, even when the rest does not parse.
    const named = /(?:^#|&)live=([a-z0-9-]{1,64})(?:&|$)/.exec(location.hash)?.[1];
    (live.get(named ?? '') ?? first).refuse(r.message);
    return;
  }
  const h = r.value;
  const traceModel = h.trace?.split('/')[1];
  const owner = h.live
    ? live.get(h.live)
    : (checks.find((c) => c.config.model.name === (h.model ?? traceModel)) ?? first);
  if (!owner) {
    first.refuse(`it points to a live check (“${h.live}”) that is not on this page.`);
    return;
  }
  void owner.restore(h);
}
