/**
 * Site weight and smoothness: `npm run bench:site [-- --json] [-- --only <regexp>]` (after
 * `npm run build`). For every built page, in Debian's Chromium on dist/ (served under the Pages
 * prefix), it records:
 *
 * - the HTML's size (raw and gzipped) and its element count before any JavaScript runs (the
 *   page loaded with JavaScript off);
 * - the element count after scrolling to the bottom with JavaScript on (every live check and
 *   plot hydrated on the way);
 * - the long tasks (> 50 ms on the main thread) while scrolling through the page with the CPU
 *   slowed 4× (CDP Emulation.setCPUThrottlingRate): their count, total and longest;
 * - Lighthouse's mobile performance and accessibility scores, when the `lighthouse` package can
 *   be imported: it is not a dependency of the project (114 packages); install it in a folder of
 *   its own (`npm install lighthouse` there) and pass `-- --lighthouse <that folder>`. It drives
 *   the same Chromium (CHROME_PATH) and needs no network. Without it, the scores are reported
 *   as not measured.
 *
 * These are figures, not assertions: the goals (≤ 200 KB of HTML, no long task over
 * 200 ms while scrolling with a 4× slower CPU, Lighthouse ≥ 95 / 100) are printed beside them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { CHROMIUM_ARGS, CHROMIUM_PATH, openSite, type Site } from '../test/browser/harness.ts';
import { DIST_DIR, listHtmlFiles, urlPathOf } from '../test/support/dist.ts';

interface PageFigures {
  readonly path: string;
  readonly htmlBytes: number;
  readonly htmlGzipBytes: number;
  readonly elementsBeforeJs: number;
  readonly elementsAfterScroll: number;
  readonly longTasks: number;
  readonly longTaskMs: number;
  readonly longestTaskMs: number;
  readonly lighthouse?: { readonly performance: number; readonly accessibility: number } | string;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function elementsWithoutJs(site: Site, url: string): Promise<number> {
  const { page } = await site.newPage({ javaScriptEnabled: false });
  await page.goto(url, { waitUntil: 'load' });
  const n = await page.evaluate(() => document.getElementsByTagName('*').length);
  await page.context().close();
  return n;
}

/** Scrolls from top to bottom in window-sized wheel steps with the CPU slowed 4×. */
async function scrollThrough(site: Site, url: string) {
  const { page } = await site.newPage({ viewport: { width: 412, height: 823 }, isMobile: true, hasTouch: true });
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.evaluate(() => {
    (window as unknown as { __longTasks: number[] }).__longTasks = [];
  });
  for (let i = 0; i < 400; i++) {
    const done = await page.evaluate(() => {
      window.scrollBy(0, window.innerHeight * 0.8);
      return window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
    });
    await page.waitForTimeout(120);
    if (done) break;
  }
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1000);
  const tasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
  const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await page.context().close();
  return {
    elements,
    longTasks: tasks.length,
    longTaskMs: tasks.reduce((a, b) => a + b, 0),
    longestTaskMs: Math.max(0, ...tasks),
  };
}

type LighthouseRun = (
  url: string,
  flags: Record<string, unknown>,
) => Promise<{ lhr: { categories: Record<string, { score: number | null }> } } | undefined>;

/** The part of chrome-launcher (a dependency of lighthouse) used here. */
interface Launcher {
  launch(opts: { chromePath: string; chromeFlags: string[] }): Promise<{ port: number; kill(): void }>;
}

async function loadLighthouse(dir: string | undefined): Promise<{ run: LighthouseRun; launch: Launcher } | string> {
  try {
    // Optional, and not a dependency: from the project's node_modules, or from --lighthouse DIR
    // (a folder where `npm install lighthouse` was run).
    const resolve = (name: string) =>
      dir ? pathToFileURL(createRequire(join(resolvePath(dir), 'package.json')).resolve(name)).href : name;
    const lh = (await import(resolve('lighthouse'))) as { default: LighthouseRun };
    const launch = (await import(resolve('chrome-launcher'))) as Launcher;
    return { run: lh.default, launch };
  } catch (e) {
    return `not measured: the lighthouse package could not be imported (${(e as Error).message.split('\n')[0]})`;
  }
}

async function lighthouseScores(
  lh: Exclude<Awaited<ReturnType<typeof loadLighthouse>>, string>,
  url: string,
): Promise<PageFigures['lighthouse']> {
  process.env.CHROME_PATH = CHROMIUM_PATH;
  const chrome = await lh.launch.launch({
    chromePath: CHROMIUM_PATH,
    chromeFlags: CHROMIUM_ARGS.filter((a) => a !== '--headless').concat(['--headless=new']),
  });
  try {
    const result = await lh.run(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility'],
      formFactor: 'mobile',
    });
    const cats = result?.lhr.categories;
    if (!cats) return 'no result';
    return {
      performance: Math.round((cats.performance?.score ?? 0) * 100),
      accessibility: Math.round((cats.accessibility?.score ?? 0) * 100),
    };
  } catch (e) {
    return `failed: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    chrome.kill();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      lighthouse: { type: 'string' },
    },
  });
  const only = values.only ? new RegExp(values.only) : undefined;
  const site = await openSite();
  const lh = await loadLighthouse(values.lighthouse);
  const rows: PageFigures[] = [];
  try {
    for (const file of await listHtmlFiles()) {
      const path = urlPathOf(file);
      if (only && !only.test(path)) continue;
      const url = site.server.origin + path;
      const html = readFileSync(join(DIST_DIR, file));
      const scrolled = await scrollThrough(site, url);
      const row: PageFigures = {
        path,
        htmlBytes: html.length,
        htmlGzipBytes: gzipSync(html, { level: 9 }).length,
        elementsBeforeJs: await elementsWithoutJs(site, url),
        elementsAfterScroll: scrolled.elements,
        longTasks: scrolled.longTasks,
        longTaskMs: Math.round(scrolled.longTaskMs),
        longestTaskMs: Math.round(scrolled.longestTaskMs),
        lighthouse: typeof lh === 'string' ? lh : await lighthouseScores(lh, url),
      };
      rows.push(row);
      if (!values.json) {
        const score =
          typeof row.lighthouse === 'object'
            ? `Lighthouse mobile: performance ${row.lighthouse.performance}, accessibility ${row.lighthouse.accessibility}`
            : `Lighthouse: ${row.lighthouse}`;
        console.log(
          `${path}\n  HTML ${kb(row.htmlBytes)} (${kb(row.htmlGzipBytes)} gzipped), ${row.elementsBeforeJs} elements before JS, ` +
            `${row.elementsAfterScroll} after scrolling through\n` +
            `  4× slower CPU, scrolling: ${row.longTasks} long tasks, ${row.longTaskMs} ms in all, longest ${row.longestTaskMs} ms\n  ${score}`,
        );
      }
    }
  } finally {
    await site.close();
  }
  if (values.json) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log(
      '\nGoals (issue 12): ≤ 200 KB of HTML before JavaScript; no long task over 200 ms while scrolling with a 4× slower CPU; Lighthouse mobile ≥ 95 performance, 100 accessibility.',
    );
  }
}

await main();
