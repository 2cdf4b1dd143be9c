/**
 * Every internal link and #anchor in the built HTML resolves: the target file
 * exists in dist/ under the site's base path, and the fragment names an id (or
 * a named anchor) on the target page. External links are not fetched: this
 * machine, like CI, has no network, and they are not ours to keep alive.
 * It needs no browser; it lives in the browser project because it needs dist/.
 */
import { readFile, stat } from 'node:fs/promises';
import { type DefaultTreeAdapterMap, parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { PAGES_BASE, SITE_ORIGIN } from '../../src/site-config.ts';
import { DIST_DIR, listHtmlFiles, urlPathOf } from '../support/dist.ts';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** Attributes that point at another page or a file the page needs. */
const LINK_ATTRIBUTES: Readonly<Record<string, string>> = {
  a: 'href',
  area: 'href',
  link: 'href',
  script: 'src',
  img: 'src',
  source: 'src',
  iframe: 'src',
};

function* elements(node: Node): Generator<Element> {
  if ('tagName' in node) yield node;
  if ('childNodes' in node) for (const child of node.childNodes) yield* elements(child);
  // <template> keeps its children in a separate document fragment.
  if ('content' in node) yield* elements(node.content);
}

function attribute(element: Element, name: string): string | undefined {
  return element.attrs.find((attr) => attr.name === name)?.value;
}

interface ParsedPage {
  ids: Set<string>;
  links: { tag: string; value: string }[];
}

async function parsePage(file: string): Promise<ParsedPage> {
  const document = parse(await readFile(`${DIST_DIR}${file}`, 'utf8'));
  const ids = new Set<string>();
  const links: ParsedPage['links'] = [];
  for (const element of elements(document)) {
    const id = attribute(element, 'id');
    if (id !== undefined) ids.add(id);
    const name = element.tagName === 'a' ? attribute(element, 'name') : undefined;
    if (name !== undefined) ids.add(name);
    const linkAttribute = LINK_ATTRIBUTES[element.tagName];
    const value = linkAttribute ? attribute(element, linkAttribute) : undefined;
    if (value !== undefined) links.push({ tag: element.tagName, value });
  }
  return { ids, links };
}

/**
 * The dist/ file a URL path is served from, the way GitHub Pages maps it:
 * '/kvmspec/tsc/' → 'tsc/index.html', '/kvmspec/tsc' → 'tsc/index.html' (after
 * its redirect), '/kvmspec/favicon.svg' → 'favicon.svg'. Null when the path is
 * outside the base or nothing is there.
 */
async function fileFor(pathname: string): Promise<string | null> {
  if (pathname !== PAGES_BASE && !pathname.startsWith(`${PAGES_BASE}/`)) return null;
  const inSite = decodeURIComponent(pathname.slice(PAGES_BASE.length)).replace(/^\//, '');
  for (const candidate of inSite === '' || inSite.endsWith('/')
    ? [`${inSite}index.html`]
    : [inSite, `${inSite}/index.html`]) {
    const found = await stat(`${DIST_DIR}${candidate}`).catch(() => null);
    if (found?.isFile()) return candidate;
  }
  return null;
}

describe('links in dist/', () => {
  it('every internal link and #anchor resolves', async () => {
    const files = await listHtmlFiles();
    const parsed = new Map<string, ParsedPage>();
    for (const file of files) parsed.set(file, await parsePage(file));

    const broken: string[] = [];
    let checked = 0;
    for (const [file, { links }] of parsed) {
      const pageUrl = new URL(urlPathOf(file), SITE_ORIGIN);
      for (const { tag, value } of links) {
        const target = new URL(value, pageUrl);
        // Links to other sites (the repository, "Edit page") are not ours to check offline.
        if (target.origin !== SITE_ORIGIN) continue;
        checked++;
        const where = `${file}: <${tag}> ${value}`;
        const targetFile = await fileFor(target.pathname);
        if (targetFile === null) {
          broken.push(`${where} → ${target.pathname} is not in dist/`);
          continue;
        }
        const fragment = decodeURIComponent(target.hash.slice(1));
        if (fragment === '' || !targetFile.endsWith('.html')) continue;
        const targetPage = parsed.get(targetFile) ?? (await parsePage(targetFile));
        // A plot's settings link (src/live/plot-hash.ts: #plot=NAME&values=…) is no anchor: it
        // must name a plot that is on the target page, whose figure has the id kvm-plot-NAME.
        const plot = /^(?:[^&]*&)*plot=([^&]*)/.exec(fragment)?.[1];
        const id = plot === undefined ? fragment : `kvm-plot-${plot}`;
        if (!targetPage.ids.has(id)) broken.push(`${where} → no id "${id}" in ${targetFile}`);
      }
    }

    expect(broken).toEqual([]);
    // Guards against a vacuous pass (e.g. a parser change that finds no links at all).
    expect(checked).toBeGreaterThan(files.length * 5);
  });
});
