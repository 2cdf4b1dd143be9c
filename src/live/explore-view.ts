/**
 * Explore mode's panel as a pure function: the steps enabled in the state the viewer shows,
 * one button each (who, on which CPU, what it does, the model line), which the reader picks to
 * extend the trace by hand; Undo; and what the state breaks, if anything. The buttons carry
 * only an index into the list the worker computed (trace-controller.ts keeps the list).
 */
import { type Child, h, type VNode } from './h.ts';
import { breakable } from './trace-view.ts';
import type { Successors } from './types.ts';

type Enabled = Successors['steps'][number];

const KIND: Partial<Record<Enabled['kind'], string>> = {
  interrupt: 'interrupt',
  handler: 'handler',
  drain: 'store buffer',
  migrate: 'migration',
  ipi: 'IPI',
  'guest-enter': 'guest entry',
  'guest-exit': 'guest exit',
};

/** One enabled step as the list shows it (and a screen reader reads it). */
export function enabledLabel(s: Enabled): string {
  const where = s.cpu >= 0 ? ` on CPU ${s.cpu}` : '';
  const result = s.result !== undefined ? ` → ${s.result}` : '';
  const target = s.target !== undefined && (s.kind === 'ipi' || s.kind === 'migrate') ? ` → CPU ${s.target}` : '';
  return `${s.actor}${where}: ${s.text}${result}${target}`;
}

export type ExploreState =
  | { readonly kind: 'loading'; readonly at: number }
  | { readonly kind: 'error'; readonly at: number; readonly message: string }
  | { readonly kind: 'ready'; readonly successors: Successors };

export function renderExplorePanel(
  state: ExploreState,
  opts: { readonly length: number; readonly canUndo: boolean; readonly repoUrl: string },
): VNode {
  const at = state.kind === 'ready' ? state.successors.at : state.at;
  const where = at === 0 ? 'the initial state' : `step ${at}`;
  const body: Child[] = [];
  if (state.kind === 'loading') body.push(h('p', { class: 'kvm-explore-note' }, 'Finding the enabled steps…'));
  else if (state.kind === 'error') body.push(h('p', { class: 'kvm-explore-note' }, state.message));
  else {
    const { steps, violation } = state.successors;
    if (violation) {
      body.push(
        h(
          'p',
          { class: 'kvm-breaks', 'data-explore-violation': violation.property },
          h('span', { 'aria-hidden': 'true' }, '✗ '),
          `The state after ${where} breaks `,
          h('strong', null, violation.property),
          `: ${violation.description}`,
        ),
      );
    }
    if (!steps.length) {
      body.push(h('p', { class: 'kvm-explore-note' }, 'No step is possible here: the run has ended.'));
    } else {
      body.push(
        h(
          'ol',
          { class: 'kvm-enabled', 'aria-label': `Steps enabled after ${where}` },
          steps.map((s, i) =>
            h(
              'li',
              null,
              h(
                'button',
                {
                  type: 'button',
                  class: 'kvm-enabled-step',
                  'data-choose': i,
                  'aria-keyshortcuts': i < 9 ? String(i + 1) : null,
                  'aria-label': `${i < 9 ? `${i + 1}. ` : ''}${enabledLabel(s)}${s.site ? `, model line ${s.site.line}` : ''}`,
                },
                h(
                  'span',
                  { class: 'kvm-actor' },
                  s.actor,
                  s.cpu >= 0 ? ` · CPU ${s.cpu}` : '',
                  KIND[s.kind] ? ` · ${KIND[s.kind]}` : '',
                ),
                h('code', { class: 'kvm-text' }, breakable(s.text)),
                s.result !== undefined ? h('span', { class: 'kvm-result' }, ` → ${s.result}`) : null,
                s.site
                  ? h('span', { class: 'kvm-enabled-site' }, `${s.site.file.split('/').pop()}:${s.site.line}`)
                  : null,
              ),
            ),
          ),
        ),
      );
    }
  }
  const dropped = opts.length - at;
  return h(
    'section',
    { class: 'kvm-explore', 'data-explore-at': at, 'aria-label': 'Explore by hand' },
    h(
      'div',
      { class: 'kvm-explore-head' },
      h('p', { class: 'kvm-explore-title' }, h('strong', null, 'Explore by hand'), ` · the next step after ${where}`),
      h(
        'button',
        { type: 'button', class: 'kvm-button kvm-button-small', 'data-explore': 'undo', disabled: !opts.canUndo },
        'Undo',
      ),
      h('button', { type: 'button', class: 'kvm-button kvm-button-small', 'data-explore': 'stop' }, 'Stop exploring'),
    ),
    dropped > 0 && state.kind === 'ready' && state.successors.steps.length
      ? h(
          'p',
          { class: 'kvm-explore-note' },
          `Choosing a step here replaces step${dropped > 1 ? `s ${at + 1}–${opts.length}` : ` ${at + 1}`} of this trace (Undo brings ${dropped > 1 ? 'them' : 'it'} back).`,
        )
      : null,
    body,
    h('p', { class: 'kvm-explore-keys' }, 'Keys: 1–9 choose a step, Backspace undoes, ← → move along the trace.'),
  );
}
