/**
 * The interactive counterexample viewer: step buttons, keyboard (←/→, Home/End while it has
 * focus), a clickable step column, "next change of X", the current step's pane with the model
 * line that ran, and copy buttons (text for a mailing list, the link, the replay command). All
 * DOM is built from the pure view (trace-view.ts) through toDom.
 */
import { toDom } from './h.ts';
import { traceText } from './trace-text.ts';
import { navStatus, nextChange, renderStepDetail, renderStepTable, renderTraceViewer } from './trace-view.ts';
import type { Trace, TraceMeta } from './types.ts';

export interface TraceControllerOptions {
  readonly host: HTMLElement;
  readonly trace: Trace;
  readonly meta: TraceMeta;
  readonly repoUrl: string;
  readonly step: number;
  /** The property the trace breaks (or a lasso keeps pending), when known. */
  readonly property?: string | undefined;
  readonly propertyDescription?: string | undefined;
  /** The model's source files (path → text), fetched on demand; the pane shows the line that ran. */
  readonly loadSources?: () => Promise<Readonly<Record<string, string>>>;
  /** Called after every step change the reader makes (to update the permalink). */
  readonly onStep?: (step: number) => void;
  /** The absolute permalink of a step, for "Copy link to this step". */
  readonly permalink?: (step: number) => string;
}

/** Writes text to the clipboard; false when the browser refuses (no permission, no secure context). */
async function writeClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export class TraceController {
  readonly trace: Trace;
  readonly root: HTMLElement;
  #step = 0;
  readonly #opts: TraceControllerOptions;
  #lines: Map<string, readonly string[]> | undefined;
  #loading = false;

  constructor(opts: TraceControllerOptions) {
    this.#opts = opts;
    this.trace = opts.trace;
    const step = Math.max(0, Math.min(opts.trace.steps.length, opts.step));
    const view = renderTraceViewer(opts.trace, opts.meta, {
      interactive: true,
      step,
      repoUrl: opts.repoUrl,
      ...(opts.property ? { property: opts.property } : {}),
      ...(opts.propertyDescription ? { propertyDescription: opts.propertyDescription } : {}),
    });
    this.root = toDom(view, document) as HTMLElement;
    opts.host.replaceChildren(this.root);
    this.root.addEventListener('click', (e) => this.#click(e));
    this.root.addEventListener('keydown', (e) => this.#key(e));
    this.root
      .querySelector('details.kvm-steps .kvm-table-scroll')
      ?.append(toDom(renderStepTable(this.trace, opts.meta, opts.repoUrl), document) as Node);
    this.#step = -1;
    this.setStep(step);
    void this.#loadSources();
  }

  get step(): number {
    return this.#step;
  }

  get length(): number {
    return this.trace.steps.length;
  }

  /** The box that takes keyboard focus. */
  get focusTarget(): HTMLElement {
    return this.root.querySelector<HTMLElement>('.kvm-trace-box') ?? this.root;
  }

  async #loadSources(): Promise<void> {
    if (this.#lines || this.#loading || !this.#opts.loadSources) return;
    this.#loading = true;
    try {
      const files = await this.#opts.loadSources();
      this.#lines = new Map(Object.entries(files).map(([f, text]) => [f, text.replace(/\n$/, '').split('\n')]));
    } catch {
      this.#lines = new Map();
    }
    this.#loading = false;
    this.#renderDetail();
  }

  #renderDetail(): void {
    const detail = this.root.querySelector('.kvm-detail');
    const lines = this.#lines;
    const fresh = toDom(
      renderStepDetail(this.trace, this.#opts.meta, this.#step, this.#opts.repoUrl, {
        ...(this.#opts.property ? { property: this.#opts.property } : {}),
        ...(this.#opts.propertyDescription ? { propertyDescription: this.#opts.propertyDescription } : {}),
        source: lines ? (f) => lines.get(f) : undefined,
        sourceLines: this.#opts.loadSources !== undefined,
      }),
      document,
    ) as HTMLElement | null;
    if (!detail || !fresh) return;
    const open = detail.querySelector<HTMLDetailsElement>('details.kvm-whole-state')?.open ?? false;
    const whole = fresh.querySelector<HTMLDetailsElement>('details.kvm-whole-state');
    if (whole) whole.open = open;
    if (lines && !lines.size) {
      fresh
        .querySelector('.kvm-src-loading')
        ?.replaceChildren('The model source could not be loaded; follow the link.');
    }
    detail.replaceWith(fresh);
    // Keep the line that ran in the pane's view (the pane scrolls, never the page).
    const pane = fresh.closest<HTMLElement>('.kvm-side');
    const line = fresh.querySelector<HTMLElement>('.kvm-src-line.is-current');
    if (pane && line) {
      const l = line.getBoundingClientRect();
      const p = pane.getBoundingClientRect();
      if (l.bottom > p.bottom) pane.scrollTop += l.bottom - p.bottom + 8;
      else if (l.top < p.top) pane.scrollTop -= p.top - l.top + 8;
    }
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
    let current: HTMLElement | undefined;
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('.kvm-stepnum')) {
      if (Number(b.dataset.step) === step) {
        b.setAttribute('aria-current', 'step');
        current = b;
      } else b.removeAttribute('aria-current');
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
      if (disabled && document.activeElement === b) this.focusTarget.focus();
      b.disabled = disabled;
    }
    this.#status(navStatus(this.trace, step));
    this.#renderDetail();
    if (current) this.#reveal(current);
    if (byReader) this.#opts.onStep?.(step);
  }

  #status(text: string): void {
    const status = this.root.querySelector('.kvm-nav-status');
    if (status) status.textContent = text;
  }

  /** Scrolls the swimlane's own box (never the page) so the current row is in it. */
  #reveal(row: HTMLElement): void {
    const box = row.closest<HTMLElement>('.kvm-swimlane-scroll');
    if (!box || box.scrollHeight <= box.clientHeight) return;
    const r = row.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    const head = box.querySelector('.kvm-corner')?.getBoundingClientRect().height ?? 0;
    if (r.top < b.top + head || r.bottom > b.bottom) {
      box.scrollTop += r.top - b.top - head - (box.clientHeight - head - r.height) / 2;
    }
  }

  async #copy(what: string): Promise<void> {
    const status = this.root.querySelector<HTMLElement>('.kvm-copy-status');
    const text =
      what === 'text'
        ? traceText(this.trace, this.#opts.meta, {
            property: this.#opts.property,
            description: this.#opts.propertyDescription,
          })
        : what === 'link'
          ? (this.#opts.permalink?.(this.#step) ?? location.href)
          : `kvmspec replay '${this.trace.encoded}'`;
    const label = what === 'text' ? 'The counterexample as text' : what === 'link' ? 'The link' : 'The replay command';
    const ok = await writeClipboard(text);
    if (status)
      status.textContent = ok
        ? `${label} is copied.`
        : `Could not copy (the browser refused). ${label}: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
  }

  #click(e: MouseEvent): void {
    const target = e.target as HTMLElement;
    const num = target.closest<HTMLElement>('.kvm-stepnum');
    if (num?.dataset.step !== undefined) {
      this.setStep(Number(num.dataset.step), true);
      return;
    }
    const copy = target.closest<HTMLElement>('[data-copy]')?.dataset.copy;
    if (copy) {
      void this.#copy(copy);
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
    else if (action === 'next-change') {
      const select = this.root.querySelector<HTMLSelectElement>('select[data-watch]');
      if (!select) return;
      const label = select.selectedOptions[0]?.textContent ?? select.value;
      const k = nextChange(this.trace, this.#opts.meta, this.#step, select.value);
      if (k === undefined) this.#status(`No change of ${label} after step ${this.#step}.`);
      else this.setStep(k, true);
    }
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
