/**
 * Shared set-up for every browser test: Debian's Chromium driven by
 * playwright-core, against the built site served from dist/ on 127.0.0.1.
 *
 * Usage in a test file under test/browser/:
 *
 *   const site = await openSite();          // in beforeAll
 *   const { page, problems } = await site.newPage();
 *   await page.goto(site.url('tsc/'));
 *   expect(problems()).toEqual([]);
 *   await site.close();                      // in afterAll
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { PAGES_BASE } from '../../src/site-config.ts';
import { DIST_DIR, requireDist } from '../support/dist.ts';
import { type StaticServer, serveStatic } from '../support/static-server.ts';

/** Debian's chromium package. playwright-core never downloads a browser, so it must be installed. */
/**
 * Options for `expect.poll` in browser tests: a guard against hangs, not a timing assertion.
 * Vitest's default (1 s) is shorter than one `evaluate` round trip takes on a loaded CI machine:
 * the search test's focus check failed that way although the focus was right (2026-12-03,
 * reproduced with the CPU slowed 20×).
 */
export const POLL = { timeout: 30_000 } as const;

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless, and with every background service off: this machine has no network
 * beyond package registries, and Chromium's own update, sync and
 * safe-browsing traffic would otherwise show up as failed requests. The
 * sandbox needs privileges tests run without (CI runs as root).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches Chromium, or fails with the command that installs it: a missing browser is never a skip. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} not found. The browser tests need Debian's Chromium; install it with:\n` +
        '  sudo apt-get update && sudo apt-get install -y chromium',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A page plus everything that went wrong on it since it was opened. */
export interface CheckedPage {
  page: Page;
  /**
   * Console errors, uncaught exceptions, Content-Security-Policy violations, failed requests,
   * HTTP errors and requests to any host other than the local server (those are also blocked).
   */
  problems(): string[];
}

export interface Site {
  /** The served home page, e.g. http://127.0.0.1:41234/kvmspec/ */
  readonly home: string;
  /** Absolute URL of a page given relative to the site root, e.g. url('tsc/'). */
  url(path: string): string;
  readonly browser: Browser;
  readonly server: StaticServer;
  newPage(options?: BrowserContextOptions): Promise<CheckedPage>;
  close(): Promise<void>;
}

export interface OpenSiteOptions {
  /** Folder to serve; the built site unless a test brings its own pages. */
  root?: string;
  /** Path prefix to serve it under; the site's GitHub Pages base by default. */
  base?: string;
}

/** Serves dist/ (or `root`) and launches Chromium; call once per test file in beforeAll. */
export async function openSite({ root = DIST_DIR, base = PAGES_BASE }: OpenSiteOptions = {}): Promise<Site> {
  if (root === DIST_DIR) requireDist();
  const browser = await launchChromium();
  const server = await serveStatic({ root, base });
  const local = new URL(server.origin);

  const newPage = async (options: BrowserContextOptions = {}): Promise<CheckedPage> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
    const found: string[] = [];
    await context.route('**/*', (route) => {
      const target = new URL(route.request().url());
      if (target.host === local.host) return route.continue();
      found.push(`request left localhost: ${target.href}`);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    // Every Content-Security-Policy violation is a problem on every page, from its first byte: the
    // page reports it through a binding (an init script and a binding run outside the page's CSP).
    await page.exposeBinding('__kvmCspViolation', (_source, text: string) => {
      found.push(`CSP violation: ${text}`);
    });
    await page.addInitScript(() => {
      const report = (window as unknown as { __kvmCspViolation: (text: string) => void }).__kvmCspViolation;
      document.addEventListener('securitypolicyviolation', (e) => {
        report(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    page.on('console', (message) => {
      if (message.type() === 'error') found.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => found.push(`uncaught exception: ${error.message}`));
    page.on('requestfailed', (request) => {
      const error = request.failure()?.errorText ?? 'unknown error';
      // Off-site requests are already reported above, as what they are. net::ERR_ABORTED is the
      // browser cancelling its own request (a load superseded by a navigation, as when Enter
      // follows a link while a large page is still arriving): no server failed. Server errors
      // still show up as HTTP >= 400 below, and unreachable files as other network errors.
      if (new URL(request.url()).host === local.host && error !== 'net::ERR_ABORTED') {
        found.push(`request failed: ${request.url()} (${error})`);
      }
    });
    page.on('response', (response) => {
      if (response.status() >= 400) found.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    return { page, problems: () => [...found] };
  };

  return {
    home: server.url,
    url: (path) => new URL(path.replace(/^\//, ''), server.url).href,
    browser,
    server,
    newPage,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
