/**
 * A tiny element tree with two back ends, so the same view code renders the static HTML at build
 * time (toHtml, escaped) and the live DOM in the browser (toDom, through createElement,
 * setAttribute and text nodes only — never innerHTML). Text that came from a URL, a trace or a
 * model therefore can never become markup.
 */

export type Child = VNode | string | number | null | undefined | false;
export type Attrs = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface VNode {
  readonly tag: string;
  readonly attrs: Attrs;
  readonly children: readonly Child[];
}

export function h(tag: string, attrs: Attrs | null = null, ...children: (Child | readonly Child[])[]): VNode {
  if (!/^[a-z][a-z0-9-]*$/.test(tag)) throw new Error(`bad tag name ${tag}`);
  return { tag, attrs: attrs ?? {}, children: children.flat() };
}

const VOID = new Set(['br', 'hr', 'img', 'input', 'meta', 'link', 'wbr', 'col']);
const ATTR_NAME = /^[a-z][a-z0-9-]*$/;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Text content escaped as HTML's serialisation needs it: `&` and `<` (a `>` or a quote in text
 * starts nothing). A chapter's counterexamples and excerpts carry hundreds of `->` and `'`,
 * 5 bytes each as character references.
 */
export function escapeText(text: string): string {
  return text.replace(/[&<]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A double-quoted attribute value escaped: `&` and `"` (and `<`, harmless but kept out). */
export function escapeAttr(text: string): string {
  return text.replace(/[&<"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function attrEntries(attrs: Attrs): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    // Event handlers are never rendered from data: behaviour is attached by the client code.
    if (!ATTR_NAME.test(name) || name.startsWith('on')) throw new Error(`refusing attribute ${name}`);
    out.push([name, value === true ? '' : String(value)]);
  }
  return out;
}

/** Serialises to HTML with every text and attribute value escaped (escapeText, escapeAttr). */
export function toHtml(node: Child): string {
  if (node === null || node === undefined || node === false) return '';
  if (typeof node === 'string' || typeof node === 'number') return escapeText(String(node));
  const attrs = attrEntries(node.attrs)
    .map(([k, v]) => (v === '' ? ` ${k}` : ` ${k}="${escapeAttr(v)}"`))
    .join('');
  if (VOID.has(node.tag)) return `<${node.tag}${attrs}>`;
  return `<${node.tag}${attrs}>${node.children.map(toHtml).join('')}</${node.tag}>`;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds DOM nodes; text becomes text nodes, so nothing is ever parsed as markup. */
export function toDom(node: Child, doc: Document, svg = false): Node | null {
  if (node === null || node === undefined || node === false) return null;
  if (typeof node === 'string' || typeof node === 'number') return doc.createTextNode(String(node));
  const inSvg = svg || node.tag === 'svg';
  const el = inSvg ? doc.createElementNS(SVG_NS, node.tag) : doc.createElement(node.tag);
  for (const [k, v] of attrEntries(node.attrs)) el.setAttribute(k, v);
  for (const child of node.children) {
    const c = toDom(child, doc, inSvg);
    if (c) el.appendChild(c);
  }
  return el;
}
