/** Verdicts, variant descriptions and progress lines, shared by the build and the browser. */
import { h, type VNode } from './h.ts';
import type { CheckResult, ModelInfo, ProgressInfo } from './types.ts';

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en');

export function fmtMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A kernel reference's link: its own URL, else git.kernel.org for a commit or lore for a message. */
export function kernelHref(ref: { ref: string; url?: string }): string {
  if (ref.url) return ref.url;
  return ref.ref.includes('@')
    ? `https://lore.kernel.org/r/${encodeURIComponent(ref.ref)}`
    : `https://git.kernel.org/torvalds/c/${ref.ref}`;
}

/** How a reference reads: a commit by its short id, a list message as such, anything else (a file, a thread) as given. */
export function refLabel(ref: string): string {
  if (/^[0-9a-f]{12,40}$/.test(ref)) return `commit ${ref.slice(0, 12)}`;
  if (/^[^\s@]+@[^\s@]+$/.test(ref)) return 'list message';
  return ref;
}

/**
 * What a page has already said about variants, so a chapter with thirty checks says each thing
 * once (LiveCheck.astro keeps one per page): `described` maps `model/variant` to the anchor of
 * the check that carries that variant's description, `cited` holds the kernel links already
 * shown with their subject line.
 */
export interface SaidOnPage {
  readonly described: Map<string, string>;
  readonly cited: Set<string>;
}

/**
 * A variant's name, description and kernel links. With `said`, a description the page already
 * carries becomes a link to it, and a kernel link already shown keeps its link but not its
 * subject line: the note still names the variant and links the kernel source (a reader without
 * JavaScript sees it), in a fifth of the bytes.
 */
export function renderVariantInfo(info: ModelInfo, variant: string, said?: SaidOnPage, anchor = ''): VNode {
  const v = info.variants.find((x) => x.name === variant);
  if (!v) return h('p', { class: 'kvm-variant-info' }, `No variant ${variant}.`);
  const key = `${info.name}/${v.name}`;
  const describedAt = said?.described.get(key);
  if (said && describedAt === undefined) said.described.set(key, anchor);
  return h(
    'div',
    { class: 'kvm-variant-info' },
    h(
      'p',
      null,
      h('strong', null, v.name),
      ': ',
      describedAt === undefined ? v.description : h('a', { href: describedAt }, 'described above'),
    ),
    v.kernel.length
      ? h(
          'ul',
          { class: 'kvm-kernel-refs' },
          v.kernel.map((k) => {
            const href = kernelHref(k);
            const cited = said?.cited.has(href) ?? false;
            said?.cited.add(href);
            return h('li', null, h('a', { href }, refLabel(k.ref)), cited ? null : ` “${k.subject}”`);
          }),
        )
      : null,
  );
}

export type Origin = 'build' | 'browser';

export function verdictSentence(r: Omit<CheckResult, 'counterexample'>): string {
  if (r.verdict === 'holds') return 'holds: every reachable state satisfies every property';
  if (r.verdict === 'violated') {
    const v = r.violation;
    return v ? `violated: ${v.property} (${v.kind}): ${v.description}` : 'violated';
  }
  return `inconclusive: ${r.reason ?? 'the check stopped before it finished'}`;
}

export function renderVerdict(r: Omit<CheckResult, 'counterexample'>, origin: Origin): VNode {
  const where = origin === 'build' ? 'Computed at build time' : 'Computed in your browser';
  const expected = r.expected;
  const agrees =
    expected && r.verdict !== 'inconclusive'
      ? expected.verdict === r.verdict
        ? 'as the model declares'
        : `the model declares “${expected.verdict}”`
      : null;
  return h(
    'div',
    // The colours and the icon (✓ ✗ ?) come from data-verdict (live.css).
    { class: 'kvm-verdict', 'data-verdict': r.verdict, 'data-origin': origin },
    h(
      'p',
      { class: 'kvm-verdict-line' },
      h('strong', null, `${r.model} / ${r.variant} / ${r.memoryModel}`),
      ' ',
      verdictSentence(r),
    ),
    h(
      'p',
      { class: 'kvm-verdict-stats' },
      `${fmtInt(r.states)} states, ${fmtInt(r.transitions)} transitions, depth ${r.depth}, ${fmtMs(r.ms)}. `,
      `${where}`,
      agrees ? ` (${agrees})` : '',
      '.',
    ),
    r.witnesses.length
      ? h(
          'p',
          { class: 'kvm-witnesses' },
          'Reachable: ',
          r.witnesses.flatMap((w, i) => [i ? ', ' : '', h('code', null, w.name), w.reached ? ' yes' : ' no']),
        )
      : null,
  );
}

export function progressLine(p: ProgressInfo, budget: number): string {
  const phase = p.phase === 'liveness' ? 'Checking progress properties' : 'Exploring';
  return `${phase}: ${fmtInt(p.states)} of at most ${fmtInt(budget)} states, ${fmtInt(p.statesPerSecond)} states/s, depth ${p.depth}, ${fmtMs(p.ms)}`;
}

/** What the settings fields show: a selection and a budget. */
export interface FieldValues {
  readonly variant: string;
  readonly memoryModel: string;
  readonly params: Readonly<Record<string, number>>;
  readonly budget: number;
}

/**
 * The live check's settings (variant, memory model, parameters, budget), each with its error
 * box. Built in the browser the first time the reader opens the settings, so a chapter with
 * twenty checks does not carry twenty forms of variant descriptions in its HTML.
 */
export function renderFields(info: ModelInfo, prefix: string, v: FieldValues): VNode[] {
  const f = (name: string) => `${prefix}-${name}`;
  const error = (name: string, field: string) =>
    h('p', { class: 'kvm-field-error', id: f(`${name}-error`), 'data-error-for': field, hidden: true });
  const fields: VNode[] = [
    h(
      'div',
      { class: 'kvm-field kvm-field-wide' },
      h('label', { for: f('variant') }, 'Variant'),
      h(
        'select',
        { id: f('variant'), name: 'variant', 'aria-describedby': f('variant-error') },
        info.variants.map((x) =>
          h('option', { value: x.name, selected: x.name === v.variant }, `${x.name}: ${x.description}`),
        ),
      ),
      error('variant', 'variant'),
    ),
  ];
  if (info.memoryModels.length > 1) {
    fields.push(
      h(
        'div',
        { class: 'kvm-field' },
        h('label', { for: f('mm') }, 'Memory model'),
        h(
          'select',
          { id: f('mm'), name: 'memoryModel', 'aria-describedby': f('mm-error') },
          info.memoryModels.map((m) => h('option', { value: m, selected: m === v.memoryModel }, m)),
        ),
        error('mm', 'memoryModel'),
      ),
    );
  }
  for (const p of info.params) {
    const id = f(`param-${p.name}`);
    const value = v.params[p.name] ?? p.default;
    const described = `${id}-hint ${id}-error`;
    fields.push(
      h(
        'div',
        { class: 'kvm-field' },
        h('label', { for: id }, p.name),
        p.min === 0 && p.max === 1
          ? h(
              'select',
              { id, name: `param-${p.name}`, 'aria-describedby': described },
              h('option', { value: '0', selected: value === 0 }, '0 (off)'),
              h('option', { value: '1', selected: value === 1 }, '1 (on)'),
            )
          : h('input', {
              id,
              name: `param-${p.name}`,
              type: 'text',
              inputmode: 'numeric',
              autocomplete: 'off',
              value: String(value),
              'aria-describedby': described,
            }),
        h('p', { class: 'kvm-field-hint', id: `${id}-hint` }, `${p.description} (${p.min}–${p.max})`),
        error(`param-${p.name}`, `param-${p.name}`),
      ),
    );
  }
  fields.push(
    h(
      'div',
      { class: 'kvm-field' },
      h('label', { for: f('budget') }, 'State budget'),
      h('input', {
        id: f('budget'),
        name: 'budget',
        type: 'text',
        inputmode: 'numeric',
        autocomplete: 'off',
        value: String(v.budget),
        'aria-describedby': f('budget-error'),
      }),
      error('budget', 'budget'),
    ),
  );
  return fields;
}

/** The settings disclosure's label: the selection, every parameter with its value. */
export function settingsSummary(
  info: ModelInfo,
  s: { readonly variant: string; readonly memoryModel: string; readonly params: Readonly<Record<string, number>> },
): string {
  const params = info.params.map((p) => `, ${p.name}=${s.params[p.name] ?? p.default}`).join('');
  return `Settings: ${s.variant}, ${s.memoryModel}${params}`;
}

export const MM_LABEL: Readonly<Record<string, string>> = { sc: 'SC', tso: 'x86-TSO', relaxed: 'relaxed (LKMM-like)' };

/**
 * One variant under every memory model, side by side: a column per memory model with its
 * verdict (the property a counterexample breaks), its state count, and a button that shows that
 * result, its counterexample included, in the live check above. Columns not checked yet say so.
 */
export function renderCompare(
  info: ModelInfo,
  s: { readonly variant: string; readonly params: Readonly<Record<string, number>> },
  results: readonly (Omit<CheckResult, 'counterexample'> | undefined)[],
  shown: string | undefined,
): VNode {
  const params = info.params.map((p) => `, ${p.name}=${s.params[p.name] ?? p.default}`).join('');
  return h(
    'section',
    { class: 'kvm-compare', 'aria-label': `${s.variant} under each memory model` },
    h(
      'div',
      { class: 'kvm-explore-head' },
      h(
        'p',
        { class: 'kvm-explore-title' },
        h('strong', null, 'Compared'),
        ` · ${info.name} / ${s.variant}${params} under each memory model`,
      ),
      h('button', { type: 'button', class: 'kvm-button kvm-button-small', 'data-compare-close': '' }, 'Close'),
    ),
    h(
      'div',
      { class: 'kvm-compare-cols' },
      info.memoryModels.map((mm, i) => {
        const r = results[i];
        const verdict = r?.verdict;
        return h(
          'div',
          {
            class: `kvm-compare-col${verdict ? ` kvm-verdict-${verdict}` : ''}${shown === mm ? ' is-shown' : ''}`,
            'data-compare-mm': mm,
            'data-verdict': verdict ?? 'pending',
          },
          h('p', { class: 'kvm-compare-mm' }, MM_LABEL[mm] ?? mm),
          r
            ? h(
                'p',
                { class: 'kvm-compare-verdict' },
                h('span', { 'aria-hidden': 'true' }, verdict === 'holds' ? '✓ ' : verdict === 'violated' ? '✗ ' : '? '),
                verdict === 'violated' && r.violation
                  ? ['violated: ', h('code', null, r.violation.property)]
                  : (verdict ?? ''),
              )
            : h('p', { class: 'kvm-compare-verdict' }, 'not checked yet'),
          r ? h('p', { class: 'kvm-compare-stats' }, `${fmtInt(r.states)} states, ${fmtMs(r.ms)}`) : null,
          r && verdict !== 'inconclusive'
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'kvm-button kvm-button-small',
                  'data-compare-show': i,
                  'aria-pressed': shown === mm ? 'true' : 'false',
                },
                verdict === 'violated' ? 'Show the counterexample' : 'Show this result',
              )
            : null,
        );
      }),
    ),
  );
}
