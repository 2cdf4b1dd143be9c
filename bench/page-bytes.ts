/**
 * Where a built page's bytes go: `npm run bench:bytes [-- --only <regexp>] [--json]` (after
 * `npm run build`). Every byte of each HTML file in dist/ is given to the innermost element
 * that belongs to one of the parts below (a live check's counterexample inside the live check,
 * say), and the rest of the page to "prose"; the table prints each part's raw and gzipped
 * bytes (gzip of that part's bytes alone, so the gzip column does not add up to the page's).
 *
 * The parts follow the components: a <LiveCheck> (its embedded configuration, its build-time
 * verdict, its build-time counterexample, the rest: title, settings form, variant note), a
 * <ModelSource> excerpt, a <VariantTable>, a <ModelPlot> (its SVG apart), the <head>, and
 * Starlight's chrome (header, sidebar, tables of contents, footer).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type DefaultTreeAdapterMap, parse } from 'parse5';
import { DIST_DIR, listHtmlFiles, urlPathOf } from '../test/support/dist.ts';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** The parts, most specific first within a component (the innermost match wins anyway). */
const PARTS: readonly { readonly name: string; readonly match: (el: Element) => boolean }[] = [
  { name: 'head (meta, styles, CSP, inline scripts)', match: (el) => el.tagName === 'head' },
  {
    name: 'Starlight chrome (header, sidebar, TOC, footer, pagination)',
    match: (el) =>
      (el.tagName === 'header' && hasClass(el, 'header')) ||
      (el.tagName === 'nav' && hasClass(el, 'sidebar')) ||
      (el.tagName === 'aside' && hasClass(el, 'right-sidebar-container')) ||
      el.tagName === 'footer' ||
      (el.tagName === 'a' && attr(el, 'href') === '#_top'),
  },
  { name: 'LiveCheck: the rest (title, form, variant note)', match: (el) => attr(el, 'data-kvm-live') !== undefined },
  { name: 'LiveCheck: embedded config JSON', match: (el) => attr(el, 'data-kvm-config') !== undefined },
  { name: 'LiveCheck: build-time verdict', match: (el) => attr(el, 'data-kvm-verdict') !== undefined },
  { name: 'LiveCheck: build-time counterexample', match: (el) => attr(el, 'data-kvm-trace') !== undefined },
  { name: 'ModelSource excerpts', match: (el) => attr(el, 'data-kvm-source') !== undefined },
  { name: 'VariantTable', match: (el) => hasClass(el, 'variant-table') },
  { name: 'ModelPlot: the rest', match: (el) => attr(el, 'data-kvm-plot') !== undefined },
  { name: 'ModelPlot: SVG', match: (el) => el.tagName === 'svg' && inside(el, 'data-kvm-plot') },
  { name: 'LitmusTable', match: (el) => hasClass(el, 'kvm-litmus-table') },
];
const PROSE = 'prose and everything else';

function attr(el: Element, name: string): string | undefined {
  return el.attrs.find((a) => a.name === name)?.value;
}
function hasClass(el: Element, cls: string): boolean {
  return (attr(el, 'class') ?? '').split(/\s+/).includes(cls);
}
function inside(el: Element, attribute: string): boolean {
  for (let p: Node | null = el.parentNode; p && 'tagName' in p; p = p.parentNode) {
    if (attr(p as Element, attribute) !== undefined) return true;
  }
  return false;
}

export interface PartBytes {
  readonly part: string;
  readonly count: number;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/** The page's bytes by part (UTF-8 bytes, as served), largest first. */
export function pageBytes(html: string): { total: number; parts: PartBytes[] } {
  const owner: (string | undefined)[] = new Array(html.length);
  const counts = new Map<string, number>();
  const walk = (node: Node): void => {
    if ('tagName' in node) {
      const el = node as Element;
      const part = PARTS.find((p) => p.match(el));
      const loc = el.sourceCodeLocation;
      if (part && loc) {
        counts.set(part.name, (counts.get(part.name) ?? 0) + 1);
        owner.fill(part.name, loc.startOffset, loc.endOffset);
      }
      // A <template>'s content is parsed into a fragment of its own.
      if (el.tagName === 'template') walk((el as DefaultTreeAdapterMap['template']).content);
    }
    if ('childNodes' in node) for (const child of node.childNodes) walk(child);
  };
  walk(parse(html, { sourceCodeLocationInfo: true }));
  const text = new Map<string, string[]>();
  let start = 0;
  for (let i = 1; i <= html.length; i++) {
    if (i === html.length || owner[i] !== owner[start]) {
      const name = owner[start] ?? PROSE;
      const list = text.get(name) ?? [];
      list.push(html.slice(start, i));
      text.set(name, list);
      start = i;
    }
  }
  const parts = [...text].map(([part, chunks]) => {
    const joined = chunks.join('');
    return {
      part,
      count: counts.get(part) ?? 0,
      bytes: Buffer.byteLength(joined),
      gzipBytes: gzipSync(joined, { level: 9 }).length,
    };
  });
  parts.sort((a, b) => b.bytes - a.bytes);
  return { total: Buffer.byteLength(html), parts };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

export function formatPageBytes(path: string, r: ReturnType<typeof pageBytes>): string {
  const width = Math.max(...r.parts.map((p) => p.part.length));
  const lines = r.parts.map(
    (p) =>
      `  ${p.part.padEnd(width)}  ${kb(p.bytes).padStart(9)}  ${((100 * p.bytes) / r.total).toFixed(1).padStart(5)} %` +
      `  ${kb(p.gzipBytes).padStart(9)} gz${p.count ? `  (${p.count}×)` : ''}`,
  );
  return `${path}: ${kb(r.total)}\n${lines.join('\n')}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, only: { type: 'string' } } });
  const only = values.only ? new RegExp(values.only) : undefined;
  const rows = [];
  for (const file of await listHtmlFiles()) {
    const path = urlPathOf(file);
    if (only && !only.test(path)) continue;
    const r = pageBytes(readFileSync(join(DIST_DIR, file), 'utf8'));
    rows.push({ path, ...r });
    if (!values.json) console.log(`${formatPageBytes(path, r)}\n`);
  }
  if (values.json) console.log(JSON.stringify(rows, null, 2));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
