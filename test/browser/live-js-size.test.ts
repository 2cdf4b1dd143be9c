/**
 * How much JavaScript each built page ships, gzipped, measured in Chromium on dist/: what a page
 * loads up front, split between Starlight's own (search, theme, table of contents, code-block
 * copy buttons, inline theme scripts) and ours (the live components' loader), and, on the
 * playground, what ours loads lazily: the client code when a live example comes into view, the
 * checker's worker on the first run, Observable Plot when a plot control moves.
 *
 * Budgets: a page with live examples loads at most 60 KB of our JS (gzipped) before the reader
 * interacts, counting the client code loaded when an example scrolls into view but not the
 * worker or Plot; a page without live examples loads none of ours.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES_BASE } from '../../src/site-config.ts';
import { DIST_DIR, listHtmlFiles, urlPathOf } from '../support/dist.ts';
import { openSite, type Site } from './harness.ts';

const BUDGET = 60 * 1024;
/** Our chunks loaded on demand (src/live/client.ts, src/live/worker.ts). */
const OUR_LAZY = /\/_astro\/(client\.|worker-)[^/]*\.js$/;
/** Our components' <script> entries, as Astro names their bundles. */
const OUR_ENTRY = /\/_astro\/(LiveCheck|ModelPlot|ModelSource)\.astro_astro_type_script_[^/]*\.js$/;

const gz = (text: string | Buffer): number => gzipSync(text, { level: 9 }).length;
const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

function distFile(url: string): string {
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

function recordScripts(page: Page): string[] {
  const urls: string[] = [];
  page.on('response', (r) => {
    if (r.request().resourceType() === 'script' && r.ok()) urls.push(r.url());
  });
  return urls;
}

const size = (urls: Iterable<string>): number => [...urls].reduce((n, u) => n + gz(readFileSync(distFile(u))), 0);

interface PageJs {
  path: string;
  live: boolean;
  starlight: number;
  inline: number;
  ours: number;
  files: { ours: string[]; starlight: string[] };
}

async function measure(site: Site, path: string): Promise<{ js: PageJs; page: Page; loaded: string[] }> {
  const { page } = await site.newPage({ viewport: { width: 1280, height: 800 } });
  const loaded = recordScripts(page);
  await page.goto(site.server.origin + path, { waitUntil: 'networkidle' });
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
    js: {
      path,
      live,
      starlight: size(starlightFiles),
      inline: inline.reduce((n, s) => n + gz(s), 0),
      ours: size(ours),
      files: { ours, starlight: starlightFiles },
    },
    page,
    loaded,
  };
}

const name = (u: string) => u.replace(/^.*\/_astro\//, '');

describe('JavaScript shipped per page (gzipped)', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('every page: Starlight’s own, and ours only where there are live examples', async () => {
    const rows: PageJs[] = [];
    for (const file of await listHtmlFiles()) {
      const { js, page } = await measure(site, urlPathOf(file));
      rows.push(js);
      await page.context().close();
    }
    console.log(
      [
        'page | Starlight files | Starlight inline | ours up front',
        ...rows.map((r) => `${r.path} | ${kb(r.starlight)} | ${kb(r.inline)} | ${kb(r.ours)}`),
      ].join('\n'),
    );
    for (const r of rows) {
      if (!r.live) expect(r.ours, `${r.path} has no live example`).toBe(0);
      else expect(r.ours, r.path).toBeLessThanOrEqual(BUDGET);
    }
  });

  it('the playground: up front, on scroll, on the first run, on moving a plot control', async () => {
    const { js, page, loaded } = await measure(site, `${PAGES_BASE}/playground/`);
    const before = new Set(loaded);
    const since = (mark: Set<string>) => [...new Set(loaded)].filter((u) => !mark.has(u));

    await page.locator('[data-kvm-live]').first().scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-kvm-live][data-hydrated]');
    await page.waitForLoadState('networkidle');
    const onView = since(before);
    const afterView = new Set(loaded);

    await page.locator('[data-kvm-live] [data-kvm-run]').first().click();
    await page.waitForSelector('[data-kvm-live] [data-origin="browser"]');
    const onRun = since(afterView);
    const afterRun = new Set(loaded);

    await page.locator('[data-kvm-plot]').scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-kvm-plot][data-hydrated]');
    await page.fill('[data-kvm-plot] input[name="seed"]', '2');
    await page.waitForFunction(() =>
      document.querySelector('[data-kvm-plot] [data-kvm-status]')?.textContent?.startsWith('Measured in your browser'),
    );
    const onPlot = since(afterRun);
    await page.context().close();

    const list = (urls: string[]) => urls.map((u) => `${name(u)} ${kb(gz(readFileSync(distFile(u))))}`).join(', ');
    console.log(
      [
        `playground, Starlight's own: ${kb(js.starlight)} in files (${js.files.starlight.map(name).join(', ')}) + ${kb(js.inline)} inline`,
        `playground, ours up front: ${kb(js.ours)} (${list(js.files.ours)})`,
        `  when a live example comes into view: ${kb(size(onView))} (${list(onView)})`,
        `  on the first run (the checker's worker): ${kb(size(onRun))} (${list(onRun)})`,
        `  when a plot control moves (Observable Plot): ${kb(size(onPlot))} (${list(onPlot)})`,
        `  before any interaction, ours in all: ${kb(js.ours + size(onView))} (budget ${kb(BUDGET)})`,
      ].join('\n'),
    );
    expect(js.ours + size(onView)).toBeLessThanOrEqual(BUDGET);
    expect(onView.length, 'the client code loads lazily, when an example comes into view').toBeGreaterThan(0);
    expect(
      onRun.some((u) => /worker/.test(u)),
      'the worker loads on the first run',
    ).toBe(true);
    expect(onPlot.length, 'Plot loads only when a plot control moves').toBeGreaterThan(0);
  });
});
