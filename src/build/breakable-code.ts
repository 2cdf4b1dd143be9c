/**
 * Code in prose breaks only between the parts of a name, never inside one (issue 12). Browsers
 * break `vcpu->requests` after its hyphen, as `vcpu-` / `>requests`, and, where a name is wider
 * than its line or table cell, anywhere inside it (overflow-wrap). After the build, this pass
 * gives the inline code and the code blocks of every page's prose a break opportunity (<wbr>)
 * after the joints of kernel names (`->`, `.`, `_`, `::`, `/`, `+` of litmus names, `,`, `(`,
 * `|`) and keeps each `->` in one piece (a `white-space: nowrap` <k-nb>, src/styles/custom.css),
 * so a name wraps as `vcpu->` / `requests`. The text is unchanged: copying code copies what the
 * source says, and search indexes the same words.
 *
 * Astro runs `markdown.rehypePlugins` only with @astrojs/markdown-remark installed, and the
 * code blocks are Expressive Code's HTML, so the pass works on the built pages, as csp.ts does.
 * The live checks' own code (their source excerpts and swimlanes) is left alone: it has its own
 * breaking rules (src/live/trace-view.ts, breakable()).
 * test/browser/reader-identifiers.test.ts measures the breaks on every page at phone and desktop
 * size.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { parse } from 'parse5';
import { type HtmlNode, htmlFiles } from './csp.ts';

/** The element that keeps `->` unbroken (styled in src/styles/custom.css); a custom element, as
 * the source excerpts' <k-l>, is 15 bytes shorter than a classed span on every arrow. */
export const ARROW_ELEMENT = 'k-nb';

/**
 * Where a name may break: right after each match. Only between two parts of a name (a letter or
 * digit, or a closing bracket, on the left; the next part on the right), so `__rcu`, `5.8`,
 * `...`, `foo()` and `a, b` gain nothing.
 */
const JOINTS = new RegExp(
  [
    String.raw`(?<=[\w)\]])->(?=[\w(*&])`,
    String.raw`(?<=\w)::(?=\w)`,
    '(?<=[A-Za-z0-9])_(?=[A-Za-z0-9])',
    String.raw`(?<=[\w)\]])\.(?=[A-Za-z_])`,
    String.raw`(?<=[\w.])\/(?=[\w.<])`,
    String.raw`(?<=\w)\+(?=\w)`,
    String.raw`,(?=[^\s)\]])`,
    String.raw`(?<=\w)\((?=[^\s)])`,
    String.raw`(?<=\w)\|(?=\w)`,
  ].join('|'),
  'g',
);

/** Names shorter than this (in characters) get no break opportunities: they fit any column whole. */
export const LONG_NAME = 20;

interface TextPiece {
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

const escapeText = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * The HTML of one run of text (the text nodes of one code element, in order) with the break
 * opportunities and unbreakable arrows added: one replacement per text node that changes.
 */
function breakRun(pieces: readonly TextPiece[]): { start: number; end: number; html: string }[] {
  const text = pieces.map((p) => p.value).join('');
  const breakAfter = new Set<number>();
  const arrowAt = new Set<number>();
  // A break opportunity is only needed inside a name too long to move whole to the next line of
  // a narrow column; shorter ones wrap whole (and each <wbr> is five bytes of the page's budget).
  const longWords = [...text.matchAll(/\S+/g)]
    .filter((w) => w[0].length >= LONG_NAME)
    .map((w) => [w.index ?? 0, (w.index ?? 0) + w[0].length] as const);
  const inLongWord = (at: number): boolean => longWords.some(([a, b]) => at > a && at < b);
  for (const m of text.matchAll(JOINTS)) {
    const at = m.index ?? 0;
    if (m[0] === '->') arrowAt.add(at);
    // After `->` always: the issue's own example, `vcpu->requests`, must wrap as `vcpu->` / `requests`.
    if (m[0] === '->' || inLongWord(at + m[0].length)) breakAfter.add(at + m[0].length);
  }
  const out: { start: number; end: number; html: string }[] = [];
  let offset = 0;
  for (const piece of pieces) {
    let html = '';
    let changed = false;
    const { value } = piece;
    for (let i = 0; i < value.length; i++) {
      const at = offset + i;
      if (arrowAt.has(at) && value[i + 1] === '>') {
        html += `<${ARROW_ELEMENT}>-&gt;</${ARROW_ELEMENT}>`;
        i++;
        changed = true;
      } else {
        html += escapeText(value[i] as string);
      }
      if (breakAfter.has(offset + i + 1)) {
        html += '<wbr>';
        changed = true;
      }
    }
    offset += value.length;
    if (changed) out.push({ start: piece.start, end: piece.end, html });
  }
  return out;
}

const hasClass = (n: HtmlNode, name: string): boolean =>
  (n.attrs?.find((a) => a.name === 'class')?.value ?? '').split(/\s+/).includes(name);
const hasAttr = (n: HtmlNode, name: string): boolean => n.attrs?.some((a) => a.name === name) ?? false;
/** Code drawn by the live parts (class kvm-…) has its own breaking rules; Astro's scoped classes do not count. */
const isLiveCode = (n: HtmlNode): boolean =>
  (n.attrs?.find((a) => a.name === 'class')?.value ?? '').split(/\s+/).some((c) => c.startsWith('kvm-'));

/** The page with break opportunities between the parts of the names in its prose's code. */
export function breakableCode(html: string): string {
  const doc = parse(html, { sourceCodeLocationInfo: true }) as unknown as HtmlNode;
  const edits: { start: number; end: number; html: string }[] = [];
  const textOf = (n: HtmlNode, into: TextPiece[]): void => {
    if (n.nodeName === '#text') {
      const loc = n.sourceCodeLocation;
      if (loc && n.value !== undefined) into.push({ value: n.value, start: loc.startOffset, end: loc.endOffset });
      return;
    }
    for (const c of n.childNodes ?? []) textOf(c, into);
  };
  const run = (n: HtmlNode): void => {
    const pieces: TextPiece[] = [];
    textOf(n, pieces);
    edits.push(...breakRun(pieces));
  };
  const walk = (n: HtmlNode, prose: boolean, pre: boolean): void => {
    // The live checks and plots draw their own code.
    if (hasAttr(n, 'data-kvm-live') || hasAttr(n, 'data-kvm-plot') || hasClass(n, 'kvm-source')) return;
    const inProse = prose || hasClass(n, 'sl-markdown-content');
    // Inline code; a code block: Expressive Code's lines one by one, or a plain <pre> whole.
    const inline = n.nodeName === 'code' && !pre && !isLiveCode(n);
    const block = hasClass(n, 'ec-line') || (n.nodeName === 'pre' && !hasAttr(n, 'data-language'));
    if (inProse && (inline || block)) {
      run(n);
      return;
    }
    for (const c of n.childNodes ?? []) walk(c, inProse, pre || n.nodeName === 'pre');
  };
  walk(doc, false, false);
  let out = html;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.html + out.slice(e.end);
  return out;
}

export function breakableCodeInPages(): AstroIntegration {
  return {
    name: 'kvmspec:breakable-code',
    hooks: {
      'astro:build:done': async ({ dir, logger }) => {
        const files = await htmlFiles(fileURLToPath(dir));
        let changed = 0;
        for (const f of files) {
          const before = await readFile(f, 'utf8');
          const after = breakableCode(before);
          if (after !== before) {
            changed++;
            await writeFile(f, after);
          }
        }
        logger.info(`break opportunities between the parts of names in the code of ${changed} pages`);
      },
    },
  };
}
