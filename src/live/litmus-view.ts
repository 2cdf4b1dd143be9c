/**
 * The Litmus page's result views as pure functions (h.ts), so the same code renders the
 * build-time results of the preloaded test and the reader's results in the browser.
 */
import { type Child, h, type VNode } from './h.ts';
import type { LitmusPageOutcome, LitmusPageResult } from './litmus-types.ts';

const MODEL_LABEL: Readonly<Record<string, string>> = { sc: 'SC', tso: 'x86-TSO', relaxed: 'relaxed' };
const STATED_LABEL: Readonly<Record<string, string>> = { sc: 'SC', tso: 'x86', relaxed: 'LKMM' };

const ms = (v: number): string => (v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);

function judged(r: LitmusPageResult): Child {
  if (r.stated === undefined) return h('span', { class: 'kvm-litmus-unjudged' }, 'no stated result');
  return r.agrees
    ? h('span', { class: 'kvm-litmus-agrees' }, `${STATED_LABEL[r.memoryModel]}: ${r.stated}, agrees`)
    : h('strong', { class: 'kvm-litmus-disagrees' }, `${STATED_LABEL[r.memoryModel]}: ${r.stated}, disagrees`);
}

function finalStates(r: LitmusPageResult): VNode {
  return h(
    'ul',
    { class: 'kvm-litmus-finals' },
    r.finalStates.map((s) =>
      h(
        'li',
        s.satisfies ? { class: 'kvm-litmus-positive' } : null,
        h(
          'code',
          null,
          Object.entries(s.values)
            .map(([k, v]) => `${k}=${v};`)
            .join(' '),
        ),
        s.satisfies ? h('span', null, ' (satisfies the condition)') : null,
      ),
    ),
  );
}

/** The outcome table: one row per memory model, herd's observation, states, time, judgement. */
export function renderLitmusOutcome(outcome: LitmusPageOutcome): VNode {
  if (!outcome.ok) {
    return h(
      'p',
      { class: 'kvm-litmus-error', role: 'alert', 'data-litmus-error': '' },
      `Line ${outcome.line}, column ${outcome.col}: ${outcome.message}`,
    );
  }
  return h(
    'div',
    { class: 'kvm-litmus-outcome', 'data-litmus-outcome': outcome.name },
    h('p', null, h('code', null, outcome.name), ': ', h('code', null, outcome.condition)),
    h(
      'table',
      null,
      h('caption', null, 'Outcome under each memory model'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'memory model'),
          h('th', { scope: 'col' }, 'observation'),
          h('th', { scope: 'col' }, 'final states'),
          h('th', { scope: 'col' }, 'explored'),
          h('th', { scope: 'col' }, 'stated result'),
        ),
      ),
      h(
        'tbody',
        null,
        outcome.results.map((r) =>
          h(
            'tr',
            { 'data-litmus-model': r.memoryModel },
            h('th', { scope: 'row' }, MODEL_LABEL[r.memoryModel] ?? r.memoryModel),
            h(
              'td',
              { 'data-litmus-observation': '' },
              r.observation === undefined
                ? `no answer (${r.problem ?? 'unknown'})`
                : `${r.observation} ${r.positive}/${r.total}${r.dataRace ? ', Flag data-race' : ''}`,
            ),
            h('td', null, finalStates(r)),
            h('td', null, `${r.states.toLocaleString('en')} states, ${ms(r.ms)}`),
            h('td', null, judged(r)),
          ),
        ),
      ),
    ),
  );
}
