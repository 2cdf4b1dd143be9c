/**
 * Colours a <ModelSource> excerpt in the browser. The page carries each excerpt as plain lines
 * (<k-l>, one per line, `->` kept whole in <t-a>); the token runs of the model's files come from
 * one static file per model (src/pages/kvm-highlight/, made at build time by highlight.ts with
 * TypeScript's scanner), so the colours are the build's, and the page is spared about a thousand
 * token elements. Only element and text nodes are made (no markup is parsed). A line whose runs
 * do not add up to its text is left plain.
 */

export type Runs = Readonly<Record<string, readonly string[]>>;

const CLASSES = new Set(['k', 's', 'c', 'n', 'f', 't', 'l']);

/** The text of `text` from `from` for `n` units as nodes, `->` inside <t-a> as the build has it. */
function pieces(doc: Document, text: string): Node[] {
  const out: Node[] = [];
  const parts = text.split('->');
  parts.forEach((p, i) => {
    if (i > 0) {
      const a = doc.createElement('t-a');
      a.textContent = '->';
      out.push(a);
    }
    if (p) out.push(doc.createTextNode(p));
  });
  return out;
}

/**
 * The line's nodes, coloured by `runs` (the whole file line's runs; the excerpt's line may have
 * lost its first `cut` characters of indentation), or undefined when they do not fit the text.
 */
export function colourLine(doc: Document, text: string, runs: string): Node[] | undefined {
  const tokens = runs === '' ? [] : runs.split(' ');
  const lengths = tokens.map((t) => Number(CLASSES.has(t[0] ?? '') ? t.slice(1) : t));
  const total = lengths.reduce((a, b) => a + b, 0);
  const cut = total - text.length;
  if (cut < 0 || lengths.some((n) => !Number.isInteger(n) || n <= 0)) return undefined;
  const out: Node[] = [];
  let at = -cut;
  tokens.forEach((t, i) => {
    const n = lengths[i] as number;
    const from = Math.max(0, at);
    const to = at + n;
    at = to;
    if (to <= 0) return;
    const part = text.slice(from, to);
    const cls = CLASSES.has(t[0] ?? '') ? (t[0] as string) : '';
    if (!cls) out.push(...pieces(doc, part));
    else {
      const el = doc.createElement(`t-${cls}`);
      el.append(...pieces(doc, part));
      out.push(el);
    }
  });
  // The cut must have removed only the indentation the excerpt drops.
  return out.map((n) => n.textContent).join('') === text ? out : undefined;
}

/** Colours every line of one excerpt (a `figure.kvm-source`) from its file's runs. */
export function colourExcerpt(figure: HTMLElement, runs: Runs): void {
  const file = figure.dataset.kvmSource ?? '';
  const first = Number(figure.dataset.kvmStart);
  const lines = runs[file];
  if (!lines || !Number.isInteger(first)) return;
  figure.querySelectorAll('k-l').forEach((line, i) => {
    const r = lines[first - 1 + i];
    const text = line.textContent ?? '';
    if (r === undefined || text.trim() === '') return;
    const nodes = colourLine(figure.ownerDocument, text, r);
    if (nodes) line.replaceChildren(...nodes);
  });
  figure.dataset.kvmColoured = '';
}
