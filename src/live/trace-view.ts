/**
 * The counterexample viewer as a pure function of a trace: a swimlane diagram (one lane per
 * CPU, steps in order, IPIs and migrations drawn as arrows between lanes, a liveness cycle as a
 * bracket that loops back), the state after the current step with what changed highlighted, and
 * a table of all steps. Rendered to static HTML at build time and to DOM in the browser (h.ts),
 * so a page reads completely without JavaScript.
 */
import { type Child, h, type VNode } from './h.ts';
import type { Trace, TraceMeta } from './types.ts';

type Snapshot = Trace['initial'];
type Step = Trace['steps'][number];

export interface ViewOptions {
  /** Buttons, focus and a current step (browser); without it, a static reading (build). */
  readonly interactive: boolean;
  /** Current step: 0 is the initial state, k the state after step k. */
  readonly step: number;
  readonly repoUrl: string;
  /** The property the counterexample breaks (a lasso keeps it pending), when known. */
  readonly property?: string;
  /** What the property says, shown with the step that breaks it. */
  readonly propertyDescription?: string;
  /** The lines of a model file (1-based line n is element n - 1), when known, for the source pane. */
  readonly source?: ((file: string) => readonly string[] | undefined) | undefined;
}

// ---- Lanes ---------------------------------------------------------------------------------

/** The lane (CPU) a step is drawn in. A store-buffer drain goes to its thread's CPU. */
export function laneOf(trace: Trace, index: number): number {
  const step = trace.steps[index] as Step;
  if (step.cpu >= 0) return step.cpu;
  const before = index === 0 ? trace.initial : (trace.steps[index - 1] as Step).state;
  const k = step.unit - before.threads.length - before.cpus.length;
  return before.threads[k]?.cpu ?? 0;
}

/**
 * The CPUs drawn as lanes: those a thread is on at some point, a step runs on, or an arrow
 * reaches. A CPU nothing ever happens on gets no lane (it would only take width).
 */
export function usedCpus(trace: Trace, meta: TraceMeta): number[] {
  const used = new Set<number>();
  for (const t of trace.initial.threads) used.add(t.cpu);
  trace.steps.forEach((step, i) => {
    used.add(laneOf(trace, i));
    if (
      step.target !== undefined &&
      (step.kind === 'ipi' || step.kind === 'migrate' || step.kind === 'cpu-down' || step.kind === 'cpu-up')
    )
      used.add(step.target);
    for (const t of step.state.threads) used.add(t.cpu);
  });
  return [...used].filter((c) => c >= 0 && c < Math.max(meta.cpus, 1)).sort((a, b) => a - b);
}

/** The state after step k (0: the initial state). */
export function stateAt(trace: Trace, k: number): Snapshot {
  return k === 0 ? trace.initial : (trace.steps[k - 1] as Step).state;
}

/** Where an arrow goes: an IPI to its target CPU, a migration to the new CPU. */
function arrowOf(step: Step, lane: number): { to: number; kind: 'ipi' | 'migrate' } | undefined {
  if (step.target === undefined || step.target === lane) return undefined;
  if (step.kind === 'ipi') return { to: step.target, kind: 'ipi' };
  if (step.kind === 'migrate') return { to: step.target, kind: 'migrate' };
  return undefined;
}

// ---- Differences between states ----------------------------------------------------------------

export type Section = 'thread' | 'cpu' | 'memory' | 'buffer' | 'ghost';

/** A CPU's hotplug and stop_machine state, for CPUs that have one. */
const cpuState = (c: Snapshot['cpus'][number]): string =>
  c.offline ? 'offline' : c.stopped ? 'stopped (stop_machine)' : 'online';

export interface Change {
  readonly section: Section;
  /** Thread name, CPU number, location or ghost name. */
  readonly key: string;
  readonly field: string;
  readonly before: string;
  readonly after: string;
}

const flags = (t: Snapshot['threads'][number]): string =>
  [t.done ? 'done' : '', t.irqsDisabled ? 'irqs off' : '', t.inGuest ? 'in guest' : ''].filter(Boolean).join(', ') ||
  'running';

const memValue = (v: Snapshot['memory']['values'][number]): string =>
  v.older?.length ? `${v.latest} (older still readable: ${v.older.join(', ')})` : v.latest;

const list = (xs: readonly string[]): string => (xs.length ? xs.join(', ') : 'empty');

function locName(meta: TraceMeta, loc: number): string {
  return meta.locs[loc] ?? `loc${loc}`;
}

/** What differs between two states, field by field. */
export function diffStates(a: Snapshot, b: Snapshot, meta: TraceMeta): Change[] {
  const out: Change[] = [];
  const push = (section: Section, key: string, field: string, before: string, after: string) => {
    if (before !== after) out.push({ section, key, field, before, after });
  };
  b.threads.forEach((t, i) => {
    const p = a.threads[i];
    if (!p) return;
    push('thread', t.name, 'cpu', `CPU ${p.cpu}`, `CPU ${t.cpu}`);
    push('thread', t.name, 'mode', flags(p), flags(t));
  });
  b.cpus.forEach((c, i) => {
    const p = a.cpus[i];
    if (!p) return;
    push('cpu', String(c.cpu), 'pending', list(p.pending), list(c.pending));
    push('cpu', String(c.cpu), 'handler', p.handler ?? 'none', c.handler ?? 'none');
    push('cpu', String(c.cpu), 'state', cpuState(p), cpuState(c));
  });
  b.memory.values.forEach((v, i) => {
    const p = a.memory.values[i];
    if (p) push('memory', locName(meta, v.loc), 'value', memValue(p), memValue(v));
  });
  (b.memory.buffers ?? []).forEach((buf, i) => {
    const p = a.memory.buffers?.[i] ?? [];
    push('buffer', meta.threads[i] ?? `thread ${i}`, 'stores', list(p), list(buf));
  });
  b.ghosts.forEach((g, i) => {
    const p = a.ghosts[i];
    if (p) push('ghost', g.name, 'value', String(p.value), String(g.value));
  });
  return out;
}

function describeChange(c: Change): string {
  switch (c.section) {
    case 'thread':
      return c.field === 'cpu' ? `${c.key} moves to ${c.after}` : `${c.key}: ${c.before} → ${c.after}`;
    case 'cpu':
      if (c.field === 'state') return `CPU ${c.key}: ${c.before} → ${c.after}`;
      return c.field === 'pending'
        ? `CPU ${c.key} pending interrupts: ${c.before} → ${c.after}`
        : `CPU ${c.key} handler: ${c.before} → ${c.after}`;
    case 'memory':
      return `memory ${c.key}: ${c.before} → ${c.after}`;
    case 'buffer':
      return `store buffer of ${c.key}: ${c.before} → ${c.after}`;
    case 'ghost':
      return `${c.key}: ${c.before} → ${c.after}`;
  }
}

// ---- Text of steps -------------------------------------------------------------------------------

const KIND_LABEL: Record<Step['kind'], string> = {
  step: '',
  interrupt: 'interrupt',
  handler: 'handler',
  drain: 'store buffer',
  migrate: 'migration',
  ipi: 'IPI',
  'guest-enter': 'guest entry',
  'guest-exit': 'guest exit',
  'stop-begin': 'stop_machine: every other CPU stops',
  'stop-end': 'stop_machine ends',
  'cpu-down': 'CPU goes offline',
  'cpu-up': 'CPU comes online',
};

/**
 * Keeps `->` (and `-` before a letter inside an identifier-like token) from being a line-break
 * opportunity, so `vcpu->requests` never wraps as `vcpu-` / `>requests`.
 */
export function noBreak(text: string): string {
  return text.replace(/->/g, '-\u2060>');
}

/**
 * Code text for a narrow lane: breaks allowed only after `->`, `.`, `_`, `,` and `(`
 * (a <wbr> there) and at spaces, never inside a name; the cell's style forbids breaking
 * anywhere else (live.css), so `vcpu->requests` wraps as `vcpu->` / `requests` or not at all.
 */
export function breakable(text: string): Child[] {
  const out: Child[] = [];
  const joined = noBreak(text);
  let last = 0;
  for (const m of joined.matchAll(/(?:-\u2060>|[._,(])(?=[^\s)\],;])/g)) {
    const end = (m.index ?? 0) + m[0].length;
    out.push(joined.slice(last, end), h('wbr'));
    last = end;
  }
  out.push(joined.slice(last));
  return out;
}

function stepSummary(step: Step): string {
  const target =
    step.target !== undefined && (step.kind === 'ipi' || step.kind === 'cpu-down' || step.kind === 'cpu-up')
      ? ` → CPU ${step.target}`
      : '';
  return `${step.actor}: ${step.text}${step.result !== undefined ? ` → ${step.result}` : ''}${target}`;
}

function siteLink(step: Step | undefined, repoUrl: string, file = true): Child {
  if (!step?.site) return null;
  const { file: f, line } = step.site;
  const name = f.split('/').pop() ?? f;
  return h(
    'a',
    { href: `${repoUrl}/blob/main/${f}#L${line}`, class: 'kvm-site', 'data-line': line, 'data-file': f },
    file ? `${name}:${line}` : `line ${line}`,
  );
}

// ---- The swimlane diagram ------------------------------------------------------------------------

function laneHeads(trace: Trace, cpus: readonly number[]): VNode[] {
  return cpus.map((c, i) => {
    const here = trace.initial.threads.filter((t) => t.cpu === c).map((t) => t.name);
    return h(
      'div',
      { class: 'kvm-lane-head', style: `grid-column: ${i + 2}` },
      h('span', { class: 'kvm-lane-cpu' }, `CPU ${c}`),
      here.length ? h('span', { class: 'kvm-lane-threads' }, here.join(', ')) : null,
    );
  });
}

/**
 * Under TSO (or any model with store buffers) the stores still buffered on a lane's threads
 * after a step, drawn inside the step's cell: a store that has not reached memory is usually
 * the whole bug, so it belongs in the picture, not in a table further down.
 */
function bufferNote(trace: Trace, meta: TraceMeta, i: number, lane: number): Child {
  const after = stateAt(trace, i + 1);
  const before = stateAt(trace, i);
  const buffers = after.memory.buffers;
  if (!buffers) return null;
  const notes: string[] = [];
  buffers.forEach((buf, t) => {
    const thread = after.threads[t];
    if (!thread || thread.cpu !== lane) return;
    const was = before.memory.buffers?.[t] ?? [];
    if (buf.length === 0 && was.length === 0) return;
    notes.push(`${meta.threads[t] ?? `thread ${t}`}: ${buf.length ? buf.join(', ') : 'empty'}`);
  });
  if (!notes.length) return null;
  return h(
    'span',
    { class: 'kvm-sb', title: 'Stores still in the store buffer, oldest first' },
    `buffered ${notes.join('; ')}`,
  );
}

export function renderSwimlane(trace: Trace, meta: TraceMeta, opts: ViewOptions): VNode {
  const cpus = usedCpus(trace, meta);
  const lanes = cpus.length;
  /** Grid column of a CPU's lane (column 1 holds the step numbers). */
  const col = (cpu: number) => Math.max(0, cpus.indexOf(cpu)) + 2;
  const cyc = trace.cycleStart;
  const cycleCol = lanes + 2;
  const items: Child[] = [];
  const row = (k: number) => k + 2; // header is row 1, the initial state row 2, step k row k + 2
  for (let i = 0; i < lanes; i++) {
    items.push(
      h('div', {
        class: 'kvm-lifeline',
        'aria-hidden': 'true',
        style: `grid-column: ${i + 2}; grid-row: 2 / ${row(trace.steps.length) + 1}`,
      }),
    );
  }
  items.push(h('div', { class: 'kvm-corner', style: 'grid-column: 1' }, 'Step'));
  items.push(...laneHeads(trace, cpus));
  if (cyc !== undefined) {
    items.push(h('div', { class: 'kvm-lane-head kvm-cycle-head', style: `grid-column: ${cycleCol}` }, ''));
  }
  const numCell = (k: number, label: string) =>
    opts.interactive
      ? h(
          'button',
          {
            type: 'button',
            class: 'kvm-stepnum',
            'data-step': k,
            'aria-label': `Go to step ${k}${k === 0 ? ', the initial state' : ''}`,
            style: `grid-row: ${row(k)}`,
          },
          label,
        )
      : h('div', { class: 'kvm-stepnum', style: `grid-row: ${row(k)}` }, label);

  const current = (k: number) => (opts.interactive && k === opts.step ? ' is-current' : '');
  items.push(
    h('div', {
      class: `kvm-rowbg${current(0)}`,
      'data-step': 0,
      'aria-hidden': 'true',
      style: `grid-row: ${row(0)}`,
    }),
  );
  items.push(numCell(0, '0'));
  items.push(
    h(
      'div',
      { class: 'kvm-cell kvm-initial', style: `grid-row: ${row(0)}; grid-column: 2 / ${lanes + 2}` },
      'initial state',
    ),
  );

  trace.steps.forEach((step, i) => {
    const k = i + 1;
    const lane = laneOf(trace, i);
    const arrow = arrowOf(step, lane);
    items.push(
      h('div', {
        class: `kvm-rowbg${current(k)}${cyc !== undefined && i >= cyc ? ' in-cycle' : ''}`,
        'data-step': k,
        'aria-hidden': 'true',
        style: `grid-row: ${row(k)}`,
      }),
    );
    items.push(numCell(k, String(k)));
    if (arrow) {
      const from = col(lane);
      const to = col(arrow.to);
      const span = Math.abs(to - from) + 1;
      items.push(
        h('div', {
          class: `kvm-arrow kvm-arrow-${arrow.kind} ${to > from ? 'to-right' : 'to-left'}`,
          'aria-hidden': 'true',
          style: `grid-row: ${row(k)}; grid-column: ${Math.min(from, to)} / span ${span}; --kvm-span: ${span}`,
        }),
      );
    }
    const kind = KIND_LABEL[step.kind];
    items.push(
      h(
        'div',
        {
          class: `kvm-cell kvm-kind-${step.kind}${arrow ? ' has-arrow' : ''}`,
          style: `grid-row: ${row(k)}; grid-column: ${col(lane)}`,
        },
        h('span', { class: 'kvm-actor' }, step.actor, kind ? h('span', { class: 'kvm-kind' }, ` · ${kind}`) : null),
        h('code', { class: 'kvm-text' }, opts.interactive ? breakable(step.text) : noBreak(step.text)),
        step.result !== undefined ? h('span', { class: 'kvm-result' }, ` → ${step.result}`) : null,
        arrow ? h('span', { class: 'kvm-target' }, ` → CPU ${arrow.to}`) : null,
        bufferNote(trace, meta, i, lane),
      ),
    );
  });

  if (cyc !== undefined) {
    const n = trace.steps.length;
    // A stutter (the run stops and stays) loops on its last state: the bracket spans that row.
    const from = Math.min(cyc + 1, n);
    const pending = opts.property ? `${opts.property} stays pending` : 'the property stays pending';
    items.push(
      h(
        'div',
        {
          class: 'kvm-cycle',
          style: `grid-column: ${cycleCol}; grid-row: ${row(from)} / ${row(n) + 1}`,
          title: cyc < n ? `steps ${cyc + 1}–${n} repeat forever` : 'the last state repeats forever',
        },
        h('span', { class: 'kvm-cycle-arrow', 'aria-hidden': 'true' }, '↺'),
      ),
    );
    items.push(
      h(
        'div',
        { class: 'kvm-cell kvm-cycle-note', style: `grid-row: ${row(n) + 1}; grid-column: 1 / -1` },
        cyc < n
          ? `↺ cycle repeats from step ${cyc + 1}: steps ${cyc + 1}–${n} run again forever, and ${pending}`
          : `↺ the run stays in the state after step ${n} forever (nothing else ever happens), and ${pending}`,
      ),
    );
  }

  const columns = `2.5rem repeat(${lanes}, minmax(7.5rem, 1fr))${cyc !== undefined ? ' 1.75rem' : ''}`;
  return h(
    'div',
    {
      class: 'kvm-swimlane-scroll',
      role: 'region',
      'aria-label': 'Swimlane diagram of the counterexample',
      tabindex: opts.interactive ? null : 0,
    },
    h(
      'div',
      {
        class: 'kvm-swimlane',
        style: `grid-template-columns: ${columns}; --kvm-lanes: ${lanes}`,
      },
      items,
    ),
  );
}

// ---- The state after a step --------------------------------------------------------------------

function isChanged(changes: readonly Change[], section: Section, key: string, field: string): boolean {
  return changes.some((c) => c.section === section && c.key === key && c.field === field);
}

function cell(text: Child, changed: boolean, code = false): VNode {
  const inner = code ? h('code', null, text) : text;
  return h(
    'td',
    changed ? { class: 'kvm-changed' } : null,
    inner,
    changed ? h('span', { class: 'sr-only' }, ' (changed)') : null,
  );
}

function table(caption: string, head: readonly string[], rows: readonly VNode[]): VNode {
  return h(
    'table',
    { class: 'kvm-state-table' },
    h('caption', null, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        head.map((x) => h('th', { scope: 'col' }, x)),
      ),
    ),
    h('tbody', null, rows),
  );
}

export function renderState(s: Snapshot, changes: readonly Change[], meta: TraceMeta): VNode {
  const tables: VNode[] = [];
  tables.push(
    table(
      'Threads',
      ['Thread', 'CPU', 'Mode', 'Next'],
      s.threads.map((t) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, t.name),
          cell(String(t.cpu), isChanged(changes, 'thread', t.name, 'cpu')),
          cell(flags(t), isChanged(changes, 'thread', t.name, 'mode')),
          cell(t.next, false, t.next !== 'done'),
        ),
      ),
    ),
  );
  tables.push(
    table(
      'Memory',
      ['Location', 'Value'],
      s.memory.values.map((v) => {
        const name = locName(meta, v.loc);
        return h(
          'tr',
          null,
          h('th', { scope: 'row' }, h('code', null, name)),
          cell(memValue(v), isChanged(changes, 'memory', name, 'value')),
        );
      }),
    ),
  );
  if (s.memory.buffers) {
    tables.push(
      table(
        'Store buffers (oldest first)',
        ['Thread', 'Buffered stores'],
        s.memory.buffers.map((b, i) => {
          const name = meta.threads[i] ?? `thread ${i}`;
          return h(
            'tr',
            null,
            h('th', { scope: 'row' }, name),
            cell(list(b), isChanged(changes, 'buffer', name, 'stores')),
          );
        }),
      ),
    );
  }
  const busy = s.cpus.some((c) => c.pending.length || c.handler) || changes.some((c) => c.section === 'cpu');
  // CPU hotplug and stop_machine add a column, only where they happen.
  const hotplug =
    s.cpus.some((c) => c.offline || c.stopped) || changes.some((c) => c.section === 'cpu' && c.field === 'state');
  if (busy) {
    tables.push(
      table(
        'Interrupts',
        hotplug ? ['CPU', 'State', 'Pending', 'Handler running'] : ['CPU', 'Pending', 'Handler running'],
        s.cpus.map((c) =>
          h(
            'tr',
            null,
            h('th', { scope: 'row' }, `CPU ${c.cpu}`),
            hotplug ? cell(cpuState(c), isChanged(changes, 'cpu', String(c.cpu), 'state')) : null,
            cell(list(c.pending), isChanged(changes, 'cpu', String(c.cpu), 'pending')),
            cell(c.handler ?? 'none', isChanged(changes, 'cpu', String(c.cpu), 'handler')),
          ),
        ),
      ),
    );
  }
  if (s.ghosts.length) {
    tables.push(
      table(
        'Ghost variables',
        ['Name', 'Value'],
        s.ghosts.map((g) =>
          h(
            'tr',
            null,
            h('th', { scope: 'row' }, h('code', null, g.name)),
            cell(String(g.value), isChanged(changes, 'ghost', g.name, 'value')),
          ),
        ),
      ),
    );
  }
  return h('div', { class: 'kvm-state' }, tables);
}

/** Lines of source shown around the line that ran: a fixed count, so the pane never changes height. */
export const SOURCE_WINDOW = 7;

/** The model source around the line a step ran, that line marked; a fixed-height window. */
export function renderSourceWindow(
  step: Step | undefined,
  repoUrl: string,
  source: ViewOptions['source'],
  live = true,
): VNode | null {
  const site = step?.site;
  if (!site) return null;
  const lines = source?.(site.file);
  const half = Math.floor(SOURCE_WINDOW / 2);
  const first = lines ? Math.max(1, Math.min(site.line - half, lines.length - SOURCE_WINDOW + 1)) : site.line;
  const last = lines ? Math.min(lines.length, first + SOURCE_WINDOW - 1) : site.line;
  const body: VNode[] = [];
  if (lines) {
    for (let n = first; n <= last; n++) {
      const current = n === site.line;
      body.push(
        h(
          'span',
          { class: `kvm-src-line${current ? ' is-current' : ''}`, 'data-line': n },
          h('span', { class: 'kvm-src-num', 'aria-hidden': 'true' }, String(n)),
          h(
            'span',
            null,
            current ? h('span', { class: 'sr-only' }, `line ${n}, the line that ran: `) : null,
            lines[n - 1] ?? '',
          ),
        ),
      );
    }
  }
  return h(
    'figure',
    { class: 'kvm-src', 'data-file': site.file, 'data-line': site.line },
    h('figcaption', { class: 'kvm-detail-site' }, 'Model source ', siteLink(step, repoUrl)),
    lines || live
      ? h(
          'pre',
          { class: 'kvm-src-lines' },
          lines ? body : h('span', { class: 'kvm-src-loading' }, 'Loading the model source…'),
        )
      : null,
  );
}

/** Does step k (1-based) break the property? The last step of a safety counterexample does. */
function breaksAt(trace: Trace, k: number): boolean {
  return trace.cycleStart === undefined && k === trace.steps.length && k > 0;
}

/**
 * The pane beside the swimlane: the current step, the property it breaks (on the breaking step),
 * the model source line that ran, what changed, and the whole state on demand.
 */
export function renderStepDetail(
  trace: Trace,
  meta: TraceMeta,
  k: number,
  repoUrl: string,
  opts: Pick<ViewOptions, 'property' | 'propertyDescription' | 'source'> & {
    readonly wholeState?: boolean;
    /** Draw the source window (false: only the link to the line, when no source will come). */
    readonly sourceLines?: boolean;
    /**
     * Whether the last step breaks the property. By default a safety trace's last step does
     * (a counterexample ends there); a trace made by hand breaks one only where the engine says.
     */
    readonly claimsBreak?: boolean;
  } = {},
): VNode {
  const n = trace.steps.length;
  const step = k === 0 ? undefined : (trace.steps[k - 1] as Step);
  const changes = k === 0 ? [] : diffStates(stateAt(trace, k - 1), stateAt(trace, k), meta);
  const title = step
    ? h(
        'p',
        { class: 'kvm-detail-title' },
        h('strong', null, `Step ${k} of ${n}`),
        ` · CPU ${laneOf(trace, k - 1)} · `,
        h('code', null, noBreak(stepSummary(step))),
      )
    : h('p', { class: 'kvm-detail-title' }, h('strong', null, 'Initial state'), ` · ${n} steps follow`);
  const cyc = trace.cycleStart;
  const verdict =
    breaksAt(trace, k) && opts.claimsBreak !== false
      ? h(
          'p',
          { class: 'kvm-breaks' },
          h('span', { 'aria-hidden': 'true' }, '✗ '),
          'This step breaks ',
          h('strong', null, opts.property ?? 'the property'),
          opts.propertyDescription ? `: ${opts.propertyDescription}` : '',
        )
      : cyc !== undefined && k > cyc
        ? h(
            'p',
            { class: 'kvm-breaks' },
            h('span', { 'aria-hidden': 'true' }, '↺ '),
            cyc < n ? `In the cycle (steps ${cyc + 1}–${n} repeat forever): ` : 'The run stays here forever: ',
            h('strong', null, opts.property ?? 'the property'),
            ' stays pending',
            opts.propertyDescription ? ` (${opts.propertyDescription})` : '',
          )
        : null;
  return h(
    'div',
    { class: 'kvm-detail', 'data-step': k },
    title,
    verdict,
    k > 0
      ? h(
          'div',
          { class: 'kvm-changes' },
          h('p', { class: 'kvm-changes-title' }, 'What changed'),
          changes.length
            ? h(
                'ul',
                null,
                changes.map((c) => h('li', null, describeChange(c))),
              )
            : h('p', null, 'Nothing visible in the state (the thread moved on to its next statement).'),
        )
      : null,
    renderSourceWindow(step, repoUrl, opts.source, opts.sourceLines ?? opts.wholeState !== false),
    opts.wholeState === false
      ? null
      : h(
          'details',
          { class: 'kvm-whole-state' },
          h('summary', null, k === 0 ? 'The whole initial state' : `The whole state after step ${k}`),
          renderState(stateAt(trace, k), changes, meta),
        ),
  );
}

/** A thing whose changes the reader can jump between: `section:key` as in {@link Change}. */
export interface Watchable {
  readonly id: string;
  readonly label: string;
}

function watchLabel(c: Change): string {
  switch (c.section) {
    case 'thread':
      return c.field === 'cpu' ? `thread ${c.key}: its CPU` : `thread ${c.key}: running, IRQs, guest mode`;
    case 'cpu':
      return `CPU ${c.key}: ${c.field === 'pending' ? 'pending interrupts' : c.field}`;
    case 'memory':
      return `memory: ${c.key}`;
    case 'buffer':
      return `store buffer of ${c.key}`;
    case 'ghost':
      return c.key;
  }
}

const watchId = (c: Change): string => `${c.section}:${c.key}:${c.field}`;

/** Everything that changes somewhere in the trace, in order of first change. */
export function watchables(trace: Trace, meta: TraceMeta): Watchable[] {
  const seen = new Map<string, string>();
  for (let k = 1; k <= trace.steps.length; k++) {
    for (const c of diffStates(stateAt(trace, k - 1), stateAt(trace, k), meta)) {
      if (!seen.has(watchId(c))) seen.set(watchId(c), watchLabel(c));
    }
  }
  return [...seen].map(([id, label]) => ({ id, label }));
}

/** The first step after `from` that changes the watched thing, or undefined. */
export function nextChange(trace: Trace, meta: TraceMeta, from: number, id: string): number | undefined {
  for (let k = from + 1; k <= trace.steps.length; k++) {
    if (diffStates(stateAt(trace, k - 1), stateAt(trace, k), meta).some((c) => watchId(c) === id)) return k;
  }
  return undefined;
}

/** Every step as a table row: the reading of the trace that needs no script at all. */
export function renderStepTable(trace: Trace, meta: TraceMeta, repoUrl: string): VNode {
  return h(
    'table',
    { class: 'kvm-steps-table' },
    h('caption', null, `The counterexample step by step (${trace.steps.length} steps)`),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['#', 'CPU', 'Who', 'Action', 'Source', 'What changed'].map((x) => h('th', { scope: 'col' }, x)),
      ),
    ),
    h(
      'tbody',
      null,
      trace.steps.map((step, i) => {
        const changes = diffStates(stateAt(trace, i), stateAt(trace, i + 1), meta);
        const inCycle = trace.cycleStart !== undefined && i >= trace.cycleStart;
        return h(
          'tr',
          { class: inCycle ? 'in-cycle' : null },
          h('th', { scope: 'row' }, String(i + 1), inCycle && i === trace.cycleStart ? ' ↺' : ''),
          h('td', null, String(laneOf(trace, i))),
          h('td', null, step.actor),
          h(
            'td',
            null,
            h('code', null, step.text),
            step.result !== undefined ? ` → ${step.result}` : '',
            step.kind === 'ipi' && step.target !== undefined ? ` → CPU ${step.target}` : '',
          ),
          h('td', null, siteLink(step, repoUrl) ?? '—'),
          h('td', null, changes.length ? changes.map(describeChange).join('; ') : '—'),
        );
      }),
    ),
    trace.cycleStart !== undefined
      ? h(
          'tfoot',
          null,
          h(
            'tr',
            null,
            h(
              'td',
              { colspan: 6 },
              trace.cycleStart < trace.steps.length
                ? `↺ The cycle repeats from step ${trace.cycleStart + 1} forever.`
                : '↺ The run stays in the last state forever.',
            ),
          ),
        )
      : null,
  );
}

export function navStatus(trace: Trace, k: number): string {
  const n = trace.steps.length;
  if (k === 0) return `Initial state (step 0 of ${n})`;
  return `Step ${k} of ${n}: ${stepSummary(trace.steps[k - 1] as Step)}`;
}

function navButton(action: string, label: string, icon: string, disabled: boolean): VNode {
  return h(
    'button',
    { type: 'button', class: 'kvm-nav-button', 'data-nav': action, 'aria-label': label, title: label, disabled },
    h('span', { 'aria-hidden': 'true' }, icon),
  );
}

/**
 * The viewer: a box whose height depends only on the trace's length (set at build time), with
 * the step controls on top, the swimlane on one side and the current step's pane (property,
 * source line, what changed) on the other, or pinned under it on a phone. The build renders
 * the same box with the counterexample as text in the swimlane's place (readable without
 * JavaScript, a few hundred bytes instead of a diagram); the browser swaps the swimlane in
 * without moving anything on the page.
 */
export function renderTraceViewer(trace: Trace, meta: TraceMeta, opts: ViewOptions & { text?: string }): VNode {
  const n = trace.steps.length;
  const k = Math.max(0, Math.min(n, opts.step));
  const live = opts.interactive;
  const watch = watchables(trace, meta);
  // The controls appear when the viewer hydrates, inside the box, so they move nothing.
  const nav = !live
    ? null
    : h(
        'div',
        { class: 'kvm-nav' },
        navButton('first', 'First step (Home)', '«', !live || k === 0),
        navButton('prev', 'Previous step (←)', '‹', !live || k === 0),
        navButton('next', 'Next step (→)', '›', !live || k === n),
        navButton('last', 'Last step (End)', '»', !live || k === n),
        h(
          'span',
          { class: 'kvm-watch' },
          h(
            'select',
            { 'data-watch': '', 'aria-label': 'What to follow', disabled: !live || watch.length === 0 },
            // The build leaves the list empty (the control is inert until the viewer hydrates).
            live ? watch.map((w) => h('option', { value: w.id }, w.label)) : null,
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'kvm-button kvm-button-small',
              'data-nav': 'next-change',
              disabled: !live || !watch.length,
            },
            'Next change',
          ),
        ),
        // Read out on every step; the pane beside the swimlane shows the same line, so it is not drawn twice.
        h('output', { class: 'kvm-nav-status sr-only', 'aria-live': 'polite' }, navStatus(trace, k)),
      );
  // The copy buttons and the table of steps need JavaScript: the build leaves them out and keeps
  // their place (.kvm-trace-foot, of the same height in live.css), 600 bytes of each counterexample.
  const copy = !live
    ? null
    : h(
        'div',
        { class: 'kvm-copy', 'data-kvm-js': '' },
        h(
          'button',
          { type: 'button', class: 'kvm-button kvm-button-small', 'data-copy': 'text', disabled: !live },
          'Copy as text',
        ),
        h(
          'button',
          { type: 'button', class: 'kvm-button kvm-button-small', 'data-copy': 'link', disabled: !live },
          'Copy link to this step',
        ),
        h(
          'button',
          { type: 'button', class: 'kvm-button kvm-button-small', 'data-copy': 'replay', disabled: !live },
          'Copy replay command',
        ),
        h('span', { class: 'kvm-copy-status', role: 'status' }, ''),
      );
  // The build's static reading is the trace as text, which ends with the step that breaks the
  // property; it takes the whole box (the step pane comes with the interactive viewer).
  const textOnly = !live && opts.text !== undefined;
  const lanes =
    live || opts.text === undefined
      ? renderSwimlane(trace, meta, { ...opts, step: k })
      : h(
          'div',
          { class: 'kvm-swimlane-scroll', role: 'region', 'aria-label': 'The counterexample as text', tabindex: 0 },
          h('pre', { class: 'kvm-trace-text' }, opts.text ?? ''),
        );
  return h(
    'div',
    {
      class: 'kvm-trace',
      'data-interactive': live ? '' : null,
      'data-cycle': trace.cycleStart ?? null,
      style: `--kvm-rows: ${Math.min(n + 1, 12)}`,
    },
    h(
      'div',
      {
        class: textOnly ? 'kvm-trace-box kvm-trace-box-text' : 'kvm-trace-box',
        tabindex: live ? 0 : null,
        role: live ? 'group' : null,
        'aria-label': live
          ? 'Counterexample viewer: use the Left and Right arrow keys, Home and End to step through it'
          : null,
      },
      nav,
      h('div', { class: 'kvm-lanes' }, lanes),
      textOnly
        ? null
        : h(
            'div',
            { class: 'kvm-side', role: 'region', 'aria-label': 'The current step', tabindex: 0 },
            renderStepDetail(trace, meta, k, opts.repoUrl, { ...opts, wholeState: live }),
          ),
    ),
    copy,
    live
      ? h(
          'details',
          { class: 'kvm-steps', 'data-kvm-js': '' },
          h('summary', null, 'All steps as a table'),
          h('div', { class: 'kvm-table-scroll', role: 'region', 'aria-label': 'Steps table', tabindex: 0 }),
        )
      : h('div', { class: 'kvm-trace-foot', 'data-kvm-js': '', 'aria-hidden': 'true' }),
  );
}
