/**
 * How much JavaScript a built page ships, gzipped, measured in Chromium on dist/: what a page
 * loads up front, split between Starlight's own (search, theme, table of contents, code-block
 * copy buttons, inline theme scripts) and ours (the live components' loader).
 *
 * Budget: a page with live examples loads at most 60 KB of our JS (gzipped) before the reader
 * interacts, counting the client code loaded when an example scrolls into view but not the
 * worker or Plot; a page without live examples loads none of ours.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { PAGES_BASE } from '../../src/site-config.ts';
import { DIST_DIR } from '../support/dist.ts';
import type { Site } from './harness.ts';

export const BUDGET = 60 * 1024;
/** Our chunks loaded on demand (src/live/client.ts, src/live/worker.ts). */
export const OUR_LAZY = /\/_astro\/(client\.|worker-)[^/]*\.js$/;
/** Our components' <script> entries, as Astro names their bundles. */
const OUR_ENTRY = /\/_astro\/(LiveCheck|ModelPlot|ModelSource)\.astro_astro_type_script_[^/]*\.js$/;

export const gz = (text: string | Buffer): number => gzipSync(text, { level: 9 }).length;
export const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

export function distFile(url: string): string {
  const path = new URL(url).pathname.slice(PAGES_BASE.length + 1);
  return `${DIST_DIR}${decodeURIComponent(path)}`;
}

/** The chunks a bundle imports statically (`import … from "./x.js"`, `import "./x.js"`), transitively. */
function closure(urls: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const visit = (url: string) => {
    if (seen.has(url)) return;
    seen.add(url);
    const code = readFileSync(distFile(url), 'utf8');
    for (const m of code.matchAll(/(?:^|[;\s}])import\s*(?:[^'"`;]*?from\s*)?["']([^"']+\.js)["']/g)) {
      visit(new URL(m[1] as string, url).href);
    }
  };
  for (const u of urls) visit(u);
  return seen;
}

export function recordScripts(page: Page): string[] {
  const urls: string[] = [];
  page.on('response', (r) => {
    if (r.request().resourceType() === 'script' && r.ok()) urls.push(r.url());
  });
  return urls;
}

export const size = (urls: Iterable<string>): number =>
  [...urls].reduce((n, u) => n + gz(readFileSync(distFile(u))), 0);

export interface PageJs {
  path: string;
  live: boolean;
  starlight: number;
  inline: number;
  ours: number;
  files: { ours: string[]; starlight: string[] };
}

/**
 * What the page already loaded in `page` ships: `loaded` are the script URLs recorded (with
 * recordScripts) since before it was opened, and the page must have reached network idle.
 */
export async function measureLoaded(page: Page, path: string, loaded: string[]): Promise<PageJs> {
  const inline: string[] = await page.evaluate(() =>
    [...document.scripts]
      .filter((s) => !s.src && (s.type === '' || s.type === 'module' || s.type === 'text/javascript'))
      .map((s) => s.textContent ?? ''),
  );
  const live = (await page.locator('[data-kvm-live], [data-kvm-plot]').count()) > 0;
  const srcs: string[] = await page.evaluate(() => [...document.scripts].filter((s) => s.src).map((s) => s.src));
  const oursEntries = srcs.filter((s) => OUR_ENTRY.test(s));
  const theirs = closure(srcs.filter((s) => !OUR_ENTRY.test(s)));
  const ours = [...closure(oursEntries)].filter((u) => !theirs.has(u));
  // Everything else the page loads without interaction is Starlight's, including what its scripts
  // import dynamically (Pagefind's UI); our client chunk, if an example happened to be in view, is ours.
  const starlightFiles = [...new Set(loaded)].filter((u) => !ours.includes(u) && !OUR_LAZY.test(u));
  return {
    path,
    live,
    starlight: size(starlightFiles),
    inline: inline.reduce((n, s) => n + gz(s), 0),
    ours: size(ours),
    files: { ours, starlight: starlightFiles },
  };
}

/** Opens `path` in a new page and measures it. */
export async function measure(site: Site, path: string): Promise<{ js: PageJs; page: Page; loaded: string[] }> {
  const { page } = await site.newPage({ viewport: { width: 1280, height: 800 } });
  const loaded = recordScripts(page);
  await page.goto(site.server.origin + path, { waitUntil: 'networkidle' });
  return { js: await measureLoaded(page, path, loaded), page, loaded };
}

export const jsTable = (rows: PageJs[]): string =>
  [
    'page | Starlight files | Starlight inline | ours up front',
    ...rows.map((r) => `${r.path} | ${kb(r.starlight)} | ${kb(r.inline)} | ${kb(r.ours)}`),
  ].join('\n');
