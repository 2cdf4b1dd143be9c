/**
 * The interactive counterexample viewer: step buttons, keyboard (←/→, Home/End while it has
 * focus), a clickable step column, "next change of X", the current step's pane with the model
 * line that ran, and copy buttons (text for a mailing list, the link, the replay command). All
 * DOM is built from the pure view (trace-view.ts) through toDom.
 */
import { type ExploreState, renderExplorePanel } from './explore-view.ts';
import { toDom } from './h.ts';
import { traceText } from './trace-text.ts';
import { navStatus, nextChange, renderStepDetail, renderStepTable, renderTraceViewer } from './trace-view.ts';
import type { Successors, Trace, TraceMeta } from './types.ts';

/**
 * Explore mode: the reader picks each next step from the enabled ones. The live check supplies
 * the steps (computed in the worker) and makes the trace a choice leads to (a new viewer).
 */
export interface ExploreHooks {
  /** Open with explore mode on. */
  readonly active: boolean;
  /** Move focus to the list of enabled steps once it is shown (after a choice or an undo). */
  readonly focus?: boolean;
  readonly canUndo: boolean;
  /** The steps enabled after step `at` of this trace. */
  enabled(at: number): Promise<Successors>;
  /** The reader chose the step whose trace is `encoded`, after step `at`. */
  choose(encoded: string, at: number): void;
  undo(): void;
  /** Explore mode was switched on or off (for the permalink). */
  toggle(active: boolean): void;
}

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
  /**
   * Build the table of all steps only when the reader opens it (a chapter with a dozen viewers);
   * without it, at once (the Litmus page's single viewer).
   */
  readonly lazyStepTable?: boolean;
  /** Explore mode, where the live check offers it. */
  readonly explore?: ExploreHooks;
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

const pendingMeasure = new WeakMap<HTMLElement, IntersectionObserver>();

/**
 * Calls `then` with the boxes of `targets` and of `box` (its visible area), read from an
 * IntersectionObserver rather than getBoundingClientRect: the browser computes them with the next
 * frame's layout. A viewer that hydrates while the reader scrolls used to read geometry right
 * after inserting its DOM, which forced a synchronous layout of the whole chapter in the same
 * task (the longest tasks the site benchmark measured). Without IntersectionObserver, nothing
 * scrolls (the box still works, the current row is only not brought into it).
 */
function measureInBox(
  box: HTMLElement,
  targets: readonly HTMLElement[],
  then: (rects: readonly (DOMRectReadOnly | undefined)[], box: DOMRectReadOnly) => void,
): void {
  if (typeof IntersectionObserver === 'undefined') return;
  // Only the latest request for a box counts (two in one frame would both scroll it).
  pendingMeasure.get(box)?.disconnect();
  const io = new IntersectionObserver(
    (entries) => {
      io.disconnect();
      pendingMeasure.delete(box);
      const root = entries[0]?.rootBounds;
      if (!root) return;
      then(
        targets.map((t) => entries.find((e) => e.target === t)?.boundingClientRect),
        root,
      );
    },
    { root: box },
  );
  pendingMeasure.set(box, io);
  for (const t of targets) io.observe(t);
}

export class TraceController {
  readonly trace: Trace;
  readonly root: HTMLElement;
  #step = 0;
  readonly #opts: TraceControllerOptions;
  #lines: Map<string, readonly string[]> | undefined;
  #loading = false;
  #exploring = false;
  #explore: ExploreState | undefined;
  /** Bumped by every request for enabled steps, so only the latest one is shown. */
  #exploreToken = 0;
  #focusChoices: boolean;
  /** The property the trace breaks: given, or (for a trace made by hand) found by the worker. */
  #property: string | undefined;
  #propertyDescription: string | undefined;

  constructor(opts: TraceControllerOptions) {
    this.#opts = opts;
    this.trace = opts.trace;
    this.#property = opts.property;
    this.#propertyDescription = opts.propertyDescription;
    this.#focusChoices = opts.explore?.focus === true;
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
    // The table of all steps is built when it is first opened: most readers never open it, and
    // building it with the viewer made every hydration one long task.
    const steps = this.root.querySelector<HTMLDetailsElement>('details.kvm-steps');
    const fillTable = () => {
      const box = steps?.querySelector('.kvm-table-scroll');
      if (!box || box.childElementCount) return;
      box.append(toDom(renderStepTable(this.trace, opts.meta, opts.repoUrl), document) as Node);
    };
    if (opts.lazyStepTable) steps?.addEventListener('toggle', () => steps.open && fillTable());
    else fillTable();
    if (opts.explore) {
      const bar = this.root.querySelector('.kvm-copy');
      const toggle = toDom(
        {
          tag: 'button',
          attrs: {
            type: 'button',
            class: 'kvm-button kvm-button-small',
            'data-explore': 'toggle',
            'aria-pressed': 'false',
            title: 'Choose each next step yourself, from the steps enabled in the state shown',
          },
          children: ['Explore by hand'],
        },
        document,
      ) as HTMLElement;
      bar?.querySelector('.kvm-copy-status')?.before(toggle);
    }
    this.#exploring = opts.explore?.active === true;
    this.#step = -1;
    this.setStep(step);
    void this.#loadSources();
  }

  /** Explore mode is on. */
  get exploring(): boolean {
    return this.#exploring;
  }

  #setExploring(on: boolean): void {
    if (on === this.#exploring) return;
    this.#exploring = on;
    if (on) this.#refreshExplore();
    else {
      this.#exploreToken++;
      this.#explore = undefined;
      // The Stop button goes away with the panel: keep focus on the viewer.
      this.root.querySelector('.kvm-explore')?.remove();
      this.focusTarget.focus();
    }
    this.#renderToggle();
    this.#opts.explore?.toggle(on);
  }

  #renderToggle(): void {
    const b = this.root.querySelector<HTMLElement>('[data-explore="toggle"]');
    b?.setAttribute('aria-pressed', String(this.#exploring));
    if (b) b.textContent = this.#exploring ? 'Exploring by hand' : 'Explore by hand';
  }

  #refreshExplore(): void {
    const hooks = this.#opts.explore;
    if (!hooks || !this.#exploring) return;
    const at = this.#step;
    const token = ++this.#exploreToken;
    this.#renderExplore({ kind: 'loading', at });
    hooks.enabled(at).then(
      (successors) => {
        if (token !== this.#exploreToken) return;
        // A state the trace ends in that breaks a property: the last step is the breaking one.
        if (at === this.length && successors.violation && !this.#property) {
          this.#property = successors.violation.property;
          this.#propertyDescription = successors.violation.description;
          this.#renderDetail();
        }
        this.#renderExplore({ kind: 'ready', successors });
      },
      (e: unknown) => {
        if (token !== this.#exploreToken) return;
        const message = e instanceof Error ? e.message : String(e);
        this.#renderExplore({ kind: 'error', at, message: `The enabled steps could not be computed: ${message}` });
      },
    );
  }

  #renderExplore(state: ExploreState): void {
    this.#explore = state;
    const fresh = toDom(
      renderExplorePanel(state, {
        length: this.length,
        canUndo: this.#opts.explore?.canUndo === true,
        repoUrl: this.#opts.repoUrl,
      }),
      document,
    ) as HTMLElement;
    const old = this.root.querySelector('.kvm-explore');
    // A focused button inside the panel keeps its place in the new one.
    const focused = old?.contains(document.activeElement) ? (document.activeElement as HTMLElement) : undefined;
    const key =
      focused?.dataset.choose !== undefined
        ? `[data-choose="${focused.dataset.choose}"]`
        : focused?.dataset.explore
          ? `[data-explore="${focused.dataset.explore}"]`
          : undefined;
    if (old) old.replaceWith(fresh);
    else this.root.querySelector('.kvm-trace-box')?.after(fresh);
    if (key) (fresh.querySelector<HTMLElement>(key) ?? this.focusTarget).focus();
    if (state.kind === 'ready' && this.#focusChoices) {
      this.#focusChoices = false;
      (
        fresh.querySelector<HTMLElement>('[data-choose]') ??
        fresh.querySelector<HTMLElement>('[data-explore="undo"]:not([disabled])') ??
        this.focusTarget
      ).focus();
    }
  }

  #choose(i: number): void {
    const state = this.#explore;
    if (state?.kind !== 'ready') return;
    const chosen = state.successors.steps[i];
    if (chosen) this.#opts.explore?.choose(chosen.encoded, state.successors.at);
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
        ...(this.#property ? { property: this.#property } : {}),
        ...(this.#propertyDescription ? { propertyDescription: this.#propertyDescription } : {}),
        ...(this.#opts.explore ? { claimsBreak: this.#property !== undefined } : {}),
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
      measureInBox(pane, [line], ([l], p) => {
        if (!l) return;
        if (l.bottom > p.bottom) pane.scrollTop += l.bottom - p.bottom + 8;
        else if (l.top < p.top) pane.scrollTop -= p.top - l.top + 8;
      });
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
    this.#refreshExplore();
    if (byReader) this.#opts.onStep?.(step);
  }

  #status(text: string): void {
    const status = this.root.querySelector('.kvm-nav-status');
    if (status) status.textContent = text;
  }

  /** Scrolls the swimlane's own box (never the page) so the current row is in it. */
  #reveal(row: HTMLElement): void {
    const box = row.closest<HTMLElement>('.kvm-swimlane-scroll');
    if (!box) return;
    const corner = box.querySelector<HTMLElement>('.kvm-corner');
    measureInBox(box, corner ? [row, corner] : [row], ([r, c], b) => {
      if (!r) return;
      const head = c?.height ?? 0;
      if (r.top < b.top + head || r.bottom > b.bottom) {
        box.scrollTop += r.top - b.top - head - (b.height - head - r.height) / 2;
      }
    });
  }

  async #copy(what: string): Promise<void> {
    const status = this.root.querySelector<HTMLElement>('.kvm-copy-status');
    const text =
      what === 'text'
        ? traceText(this.trace, this.#opts.meta, {
            property: this.#property,
            description: this.#propertyDescription,
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
    const choose = target.closest<HTMLElement>('[data-choose]')?.dataset.choose;
    if (choose !== undefined) {
      this.#choose(Number(choose));
      return;
    }
    const explore = target.closest<HTMLButtonElement>('[data-explore]');
    if (explore && !explore.disabled) {
      const what = explore.dataset.explore;
      if (what === 'toggle') this.#setExploring(!this.#exploring);
      else if (what === 'stop') this.#setExploring(false);
      else if (what === 'undo') this.#opts.explore?.undo();
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
    if (this.#exploring && /^[1-9]$/.test(e.key)) {
      e.preventDefault();
      this.#choose(Number(e.key) - 1);
      return;
    }
    if (this.#exploring && e.key === 'Backspace' && this.#opts.explore?.canUndo) {
      e.preventDefault();
      this.#opts.explore.undo();
      return;
    }
    const action = { ArrowLeft: 'prev', ArrowRight: 'next', Home: 'first', End: 'last' }[e.key];
    if (!action) return;
    e.preventDefault();
    this.#go(action);
  }
}
