/**
 * The Litmus page in the browser (src/components/LitmusEditor.astro): an editor with line
 * numbers and an error marker, a menu of the project's tests, Check in the checker's Web Worker
 * under the three memory models, the outcome table, a witness execution in the trace viewer, and
 * a permalink that carries the compressed test text (litmus-permalink.ts).
 */
import { toDom } from './h.ts';
import { decodeLitmusHash, encodeLitmusHash, isLitmusHash } from './litmus-permalink.ts';
import type { LitmusPageOutcome, LitmusPageResult } from './litmus-types.ts';
import { renderLitmusOutcome } from './litmus-view.ts';
import { TraceController } from './trace-controller.ts';
import { Cancelled, CheckerWorker } from './worker-client.ts';

const MAX_STATES = 500_000;
const MODEL_LABEL: Readonly<Record<string, string>> = { sc: 'SC', tso: 'x86-TSO', relaxed: 'relaxed' };

function must<T extends Element>(root: ParentNode, selector: string): T {
  const el = root.querySelector<T>(selector);
  if (!el) throw new Error(`the Litmus editor is missing ${selector}`);
  return el;
}

function setup(root: HTMLElement): void {
  const text = must<HTMLTextAreaElement>(root, '[data-litmus-text]');
  const gutter = must<HTMLElement>(root, '[data-litmus-gutter]');
  const menu = must<HTMLSelectElement>(root, '[data-litmus-menu]');
  const checkButton = must<HTMLButtonElement>(root, '[data-litmus-check]');
  const cancelButton = must<HTMLButtonElement>(root, '[data-litmus-cancel]');
  const status = must<HTMLElement>(root, '[data-litmus-status]');
  const outcomeHost = must<HTMLElement>(root, '[data-litmus-results]');
  const witnessBox = must<HTMLElement>(root, '[data-litmus-witness]');
  const witnessPicker = must<HTMLElement>(root, '[data-litmus-witness-models]');
  const witnessHost = must<HTMLElement>(root, '[data-litmus-trace]');
  const permalink = must<HTMLAnchorElement>(root, '[data-litmus-permalink]');
  const corpus = JSON.parse(must(root, '[data-litmus-corpus]').textContent ?? '[]') as {
    name: string;
    source: string;
  }[];
  const repoUrl = root.dataset.litmusRepo ?? '';
  const worker = new CheckerWorker();
  let errorLine: number | undefined;

  const renderGutter = (): void => {
    const lines = text.value.split('\n').length;
    const items: HTMLElement[] = [];
    for (let i = 1; i <= lines; i++) {
      const span = document.createElement('span');
      span.textContent = String(i);
      if (i === errorLine) {
        span.className = 'kvm-litmus-error-line';
        span.title = 'the error is on this line';
      }
      items.push(span);
    }
    gutter.replaceChildren(...items);
    gutter.scrollTop = text.scrollTop;
  };

  const markError = (line: number | undefined): void => {
    errorLine = line;
    if (line === undefined) text.removeAttribute('aria-invalid');
    else text.setAttribute('aria-invalid', 'true');
    renderGutter();
  };

  /** Selects line `line` of the editor (a witness step's source line, an error's line). */
  const selectLine = (line: number, col = 1): void => {
    const lines = text.value.split('\n');
    let at = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) at += (lines[i] as string).length + 1;
    const len = (lines[line - 1] ?? '').length;
    text.focus();
    text.setSelectionRange(at + Math.min(col - 1, len), at + len);
  };

  const updatePermalink = async (): Promise<void> => {
    const frag = await encodeLitmusHash(text.value);
    const url = `${location.pathname}${location.search}#${frag}`;
    permalink.href = url;
    permalink.hidden = false;
    history.replaceState(history.state, '', url);
  };

  const showWitness = (r: LitmusPageResult): void => {
    if (!r.witness) return;
    const controller = new TraceController({
      host: witnessHost,
      trace: r.witness.trace,
      meta: r.witness.meta,
      repoUrl,
      step: r.witness.trace.steps.length,
    });
    // Steps point at lines of the test being edited, not of a repository file: link them to the editor.
    const retarget = (): void => {
      for (const a of controller.root.querySelectorAll<HTMLAnchorElement>('a.kvm-site')) {
        a.href = '#';
        a.title = 'show this line in the editor';
      }
    };
    retarget();
    new MutationObserver(retarget).observe(controller.root, { childList: true, subtree: true });
    for (const b of witnessPicker.querySelectorAll<HTMLButtonElement>('button')) {
      b.setAttribute('aria-pressed', String(b.dataset.model === r.memoryModel));
    }
  };

  witnessHost.addEventListener('click', (e) => {
    const a = (e.target as Element).closest<HTMLAnchorElement>('a.kvm-site');
    if (!a) return;
    e.preventDefault();
    const line = Number(a.dataset.line);
    if (Number.isInteger(line) && line > 0) selectLine(line);
  });

  const showOutcome = (outcome: LitmusPageOutcome): void => {
    outcomeHost.replaceChildren(toDom(renderLitmusOutcome(outcome), document) as Node);
    witnessPicker.replaceChildren();
    witnessHost.replaceChildren();
    witnessBox.hidden = true;
    if (!outcome.ok) {
      markError(outcome.line);
      status.textContent = `The test has an error on line ${outcome.line}: ${outcome.message}`;
      return;
    }
    markError(undefined);
    const witnessed = outcome.results.filter((r) => r.witness);
    status.textContent = `Checked ${outcome.name} under ${outcome.results.length} memory models.`;
    if (witnessed.length === 0) return;
    witnessBox.hidden = false;
    for (const r of witnessed) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'kvm-button';
      b.dataset.model = r.memoryModel;
      b.textContent = `Witness under ${MODEL_LABEL[r.memoryModel] ?? r.memoryModel}`;
      b.addEventListener('click', () => showWitness(r));
      witnessPicker.append(b);
    }
    showWitness(witnessed.find((r) => r.memoryModel === 'relaxed') ?? (witnessed[0] as LitmusPageResult));
  };

  const run = async (): Promise<void> => {
    checkButton.disabled = true;
    cancelButton.hidden = false;
    status.textContent = 'Checking under SC, x86-TSO and relaxed…';
    try {
      const reply = await worker.request({ type: 'litmus', source: text.value, maxStates: MAX_STATES });
      if (reply.type !== 'litmus-result') throw new Error(`unexpected reply ${reply.type}`);
      showOutcome(reply.outcome);
      await updatePermalink();
    } catch (e) {
      status.textContent =
        e instanceof Cancelled ? 'Check cancelled.' : `The check failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      checkButton.disabled = false;
      cancelButton.hidden = true;
    }
  };

  const load = (source: string): void => {
    text.value = source;
    markError(undefined);
    outcomeHost.replaceChildren();
    witnessBox.hidden = true;
    permalink.hidden = true;
  };

  text.addEventListener('input', () => {
    markError(undefined);
    permalink.hidden = true;
  });
  text.addEventListener('scroll', () => {
    gutter.scrollTop = text.scrollTop;
  });
  menu.addEventListener('change', () => {
    const test = corpus.find((t) => t.name === menu.value);
    if (test) {
      load(test.source);
      status.textContent = `Loaded ${test.name}; press Check.`;
    }
  });
  checkButton.addEventListener('click', () => void run());
  cancelButton.addEventListener('click', () => worker.cancel());
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void run();
    }
  });

  checkButton.disabled = false;
  renderGutter();
  if (isLitmusHash(location.hash)) {
    void decodeLitmusHash(location.hash).then((d) => {
      if (!d.ok) {
        status.textContent = `The link's test could not be restored: ${d.message}. Showing ${menu.value} instead.`;
        return;
      }
      load(d.text);
      const known = corpus.find((t) => t.source === d.text);
      menu.value = known ? known.name : '';
      void run();
    });
  }
}

for (const root of document.querySelectorAll<HTMLElement>('[data-litmus-editor]')) {
  try {
    setup(root);
  } catch (e) {
    const status = root.querySelector('[data-litmus-status]');
    if (status) status.textContent = `The editor could not start: ${e instanceof Error ? e.message : String(e)}`;
  }
}
