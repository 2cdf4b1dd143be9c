/**
 * The Content-Security-Policy of the built site: every page carries one <meta http-equiv> whose
 * policy allows scripts only from the site itself and by hash (no 'unsafe-inline', no
 * 'unsafe-eval'), workers only from 'self', and no other origin for anything; and no page
 * breaks it while it loads, runs a live check in its worker, draws a plot or searches (every
 * securitypolicyviolation event and every CSP console message is a failure).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'parse5';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_DIR, listHtmlFiles, urlPathOf } from '../support/dist.ts';
import { openSite, type Site } from './harness.ts';
import { openLive, runInBrowser } from './live-helpers.ts';

const files = await listHtmlFiles();

interface Node {
  nodeName: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
}

/** The content of every CSP <meta> in a built page, and whether each sits in <head>. */
function policies(html: string): { content: string; inHead: boolean }[] {
  const found: { content: string; inHead: boolean }[] = [];
  const walk = (n: Node, inHead: boolean): void => {
    const head = inHead || n.nodeName === 'head';
    if (n.nodeName === 'meta') {
      const attr = (k: string) => n.attrs?.find((a) => a.name === k)?.value;
      if (attr('http-equiv')?.toLowerCase() === 'content-security-policy') {
        found.push({ content: attr('content') ?? '', inHead: head });
      }
    }
    for (const c of n.childNodes ?? []) walk(c, head);
  };
  walk(parse(html) as unknown as Node, false);
  return found;
}

function directives(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), values);
  }
  return out;
}

describe('the Content-Security-Policy in dist/', () => {
  it.each(files)(
    '%s: one policy in <head>: scripts by hash from self, workers from self, no other origin',
    async (file) => {
      const list = policies(await readFile(join(DIST_DIR, file), 'utf8'));
      expect(list).toHaveLength(1);
      const [{ content, inHead }] = list as [{ content: string; inHead: boolean }];
      expect(inHead).toBe(true);
      const d = directives(content);
      const script = d.get('script-src') ?? d.get('default-src');
      expect(script, 'a script-src').toBeDefined();
      expect(script).not.toContain("'unsafe-inline'");
      expect(script).not.toContain("'unsafe-eval'");
      expect(script).not.toContain("'strict-dynamic'");
      for (const v of script ?? [])
        expect(v).toMatch(/^('self'|'wasm-unsafe-eval'|'sha(256|384|512)-[A-Za-z0-9+/=]+')$/);
      expect(d.get('worker-src')).toEqual(["'self'"]);
      expect(d.get('default-src')).toEqual(["'self'"]);
      expect(d.get('object-src')).toEqual(["'none'"]);
      // No third-party origin anywhere: only keywords, hashes and data: images.
      for (const [name, values] of d) {
        for (const v of values) {
          expect(v, `${name} ${v}`).toMatch(/^('[a-z-]+'|'sha(256|384|512)-[A-Za-z0-9+/=]+'|data:)$/);
          if (v === 'data:') expect(name).toBe('img-src');
        }
      }
    },
  );
});

/** Records CSP violations (events and console reports) from the very start of each page. */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const fromConsole: string[] = [];
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) fromConsole.push(`console ${m.type()}: ${m.text()}`);
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => {
      seen.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return async () => {
    const events = await page.evaluate(
      () => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [],
    );
    return [...events, ...fromConsole];
  };
}

describe('no CSP violation in the browser', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it.each(files.map(urlPathOf))('%s loads with no violation', async (path) => {
    const { page, problems } = await site.newPage();
    const violations = await watchCsp(page);
    await page.goto(site.server.origin + path, { waitUntil: 'networkidle' });
    expect(await violations()).toEqual([]);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('a live check runs in its worker, a plot redraws and search answers, with no violation', async () => {
    const { page, problems } = await site.newPage();
    const violations = await watchCsp(page);
    const live = '[data-kvm-live="sb-unfenced-tso"]';
    await openLive(page, site, 'playground/', live);
    const verdict = await runInBrowser(page, live);
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('violated');
    const plot = '[data-kvm-plot="sb-outcome-rate"]';
    await page.locator(plot).scrollIntoViewIfNeeded();
    await page.waitForSelector(`${plot}[data-hydrated] form:not([hidden])`);
    await page.selectOption(`${plot} select[name="variant"]`, 'one-sided');
    await expect
      .poll(() => page.locator(`${plot} [data-kvm-status]`).textContent(), { timeout: 20_000 })
      .toMatch(/^Measured in your browser: sb\/one-sided/);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('dialog', { name: 'Search' }).getByRole('textbox', { name: 'Search' }).fill('cpufreq');
    await page.locator('a.pagefind-ui__result-link').first().waitFor();
    expect(await violations()).toEqual([]);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('the policy is enforced: an injected inline script does not run and is reported', async () => {
    const { page } = await site.newPage();
    const violations = await watchCsp(page);
    await page.goto(site.home, { waitUntil: 'load' });
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true;';
      document.body.append(s);
      return (window as unknown as { __injected?: boolean }).__injected === true;
    });
    expect(ran).toBe(false);
    await expect.poll(async () => (await violations()).length).toBeGreaterThan(0);
    await page.context().close();
  });
});
