/**
 * The interactive counterexample viewer: step buttons, keyboard (←/→, Home/End while it has
 * focus), a clickable step column, the state panel, and the model line that ran marked in the
 * source excerpt. All DOM is built from the pure view (trace-view.ts) through toDom.
 */
import { toDom } from './h.ts';
import { navStatus, renderStepDetail, renderTraceViewer } from './trace-view.ts';
import type { Trace, TraceMeta } from './types.ts';

export interface TraceControllerOptions {
  readonly host: HTMLElement;
  readonly trace: Trace;
  readonly meta: TraceMeta;
  readonly repoUrl: string;
  readonly step: number;
  /** The property a lasso keeps pending, when known. */
  readonly property?: string | undefined;
  /** Where the <ModelSource> figures are (one per model file) in which to mark the line that ran. */
  readonly sources?: HTMLElement | null;
  /** Called after every step change the reader makes (to update the permalink). */
  readonly onStep?: (step: number) => void;
  /** The permalink for a step, for the "Link to this step" anchor. */
  readonly permalink?: (step: number) => string;
}

export class TraceController {
  readonly trace: Trace;
  readonly root: HTMLElement;
  #step = 0;
  readonly #opts: TraceControllerOptions;
  /** Source panels this viewer opened to show a line, closed again when the line moves on. */
  readonly #opened = new Set<HTMLDetailsElement>();

  constructor(opts: TraceControllerOptions) {
    this.#opts = opts;
    this.trace = opts.trace;
    const step = Math.max(0, Math.min(opts.trace.steps.length, opts.step));
    const view = renderTraceViewer(opts.trace, opts.meta, {
      interactive: true,
      step,
      repoUrl: opts.repoUrl,
      ...(opts.property ? { property: opts.property } : {}),
    });
    this.root = toDom(view, document) as HTMLElement;
    opts.host.replaceChildren(this.root);
    this.root.addEventListener('click', (e) => this.#click(e));
    this.root.addEventListener('keydown', (e) => this.#key(e));
    this.#step = -1;
    this.setStep(step);
  }

  get step(): number {
    return this.#step;
  }

  get length(): number {
    return this.trace.steps.length;
  }

  /** Shows step k (clamped); `byReader` reports the change through onStep. */
  setStep(k: number, byReader = false): void {
    const n = this.trace.steps.length;
    const step = Math.max(0, Math.min(n, k));
    if (step === this.#step) return;
    this.#step = step;
    for (const bg of this.root.querySelectorAll<HTMLElement>('.kvm-rowbg')) {
      bg.classList.toggle('is-current', Number(bg.dataset.step) === step);
    }
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('.kvm-stepnum')) {
      if (Number(b.dataset.step) === step) b.setAttribute('aria-current', 'step');
      else b.removeAttribute('aria-current');
    }
    const nav = (name: string) => this.root.querySelector<HTMLButtonElement>(`[data-nav="${name}"]`);
    for (const [name, disabled] of [
      ['first', step === 0],
      ['prev', step === 0],
      ['next', step === n],
      ['last', step === n],
    ] as const) {
      const b = nav(name);
      if (!b) continue;
      // A focused button that becomes disabled would drop focus to <body>: keep it on the viewer.
      if (disabled && document.activeElement === b) this.root.focus();
      b.disabled = disabled;
    }
    const status = this.root.querySelector('.kvm-nav-status');
    if (status) status.textContent = navStatus(this.trace, step);
    const detail = this.root.querySelector('.kvm-detail');
    const fresh = toDom(renderStepDetail(this.trace, this.#opts.meta, step, this.#opts.repoUrl), document);
    if (detail && fresh) detail.replaceWith(fresh);
    const link = this.root.querySelector<HTMLAnchorElement>('[data-permalink]');
    if (link && this.#opts.permalink) link.href = this.#opts.permalink(step);
    this.#markSource(step);
    if (byReader) this.#opts.onStep?.(step);
  }

  #markSource(k: number): void {
    const root = this.#opts.sources;
    if (!root) return;
    for (const old of root.querySelectorAll('.kvm-current-line')) old.classList.remove('kvm-current-line');
    const site = k > 0 ? this.trace.steps[k - 1]?.site : undefined;
    if (!site) return;
    const fig = [...root.querySelectorAll<HTMLElement>('[data-kvm-source]')].find(
      (x) => x.dataset.kvmSource === site.file,
    );
    const panel = fig?.closest('details') ?? null;
    for (const p of this.#opened) {
      if (p === panel) continue;
      p.open = false;
      this.#opened.delete(p);
    }
    if (!fig) return;
    if (panel && !panel.open) {
      panel.open = true;
      this.#opened.add(panel);
    }
    const first = Number(fig.dataset.kvmStart ?? '1');
    const line = fig.querySelectorAll<HTMLElement>('.ec-line')[site.line - first];
    if (!line) return;
    line.classList.add('kvm-current-line');
    // Scroll only the excerpt's own box, never the page.
    const box = line.closest<HTMLElement>('.kvm-source-scroll');
    if (box && box.scrollHeight > box.clientHeight) {
      const r = line.getBoundingClientRect();
      const b = box.getBoundingClientRect();
      box.scrollTop += r.top - b.top - (box.clientHeight - r.height) / 2;
    }
  }

  #click(e: MouseEvent): void {
    const target = e.target as HTMLElement;
    const num = target.closest<HTMLElement>('.kvm-stepnum');
    if (num?.dataset.step !== undefined) {
      this.setStep(Number(num.dataset.step), true);
      return;
    }
    const nav = target.closest<HTMLElement>('[data-nav]')?.dataset.nav;
    if (nav) this.#go(nav);
  }

  #go(action: string): void {
    const n = this.trace.steps.length;
    if (action === 'first') this.setStep(0, true);
    else if (action === 'prev') this.setStep(this.#step - 1, true);
    else if (action === 'next') this.setStep(this.#step + 1, true);
    else if (action === 'last') this.setStep(n, true);
  }

  #key(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target as HTMLElement;
    if (t.closest('input, select, textarea, summary')) return;
    const action = { ArrowLeft: 'prev', ArrowRight: 'next', Home: 'first', End: 'last' }[e.key];
    if (!action) return;
    e.preventDefault();
    this.#go(action);
  }
}
