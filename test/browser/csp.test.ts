/**
 * The Content-Security-Policy of the built site: every page carries one <meta http-equiv> whose
 * policy allows scripts only from the site itself and by hash (no 'unsafe-inline', no
 * 'unsafe-eval'), workers only from 'self', and no other origin for anything; and no page
 * breaks it while it runs a live check in its worker or draws a plot. The harness
 * reports every violation on every page as a problem, so each page's load is checked with the
 * other page-wide checks in every-page.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'parse5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_DIR, listHtmlFiles } from '../support/dist.ts';
import { openSite, POLL, type Site } from './harness.ts';

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

describe('no CSP violation in the browser', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  // The harness reports every CSP violation as a problem on every page (test/browser/harness.ts),
  // and every browser test expects none: each page's load in every-page.test.ts, a live check run
  // in its worker and a plot redrawn in live.test.ts ('runs a bug variant…', 're-measures and
  // redraws the plot…'), search in navigation.test.ts. Here: that the policy is enforced.
  it('the policy is enforced: an injected inline script does not run and is reported', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.home, { waitUntil: 'load' });
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true;';
      document.body.append(s);
      return (window as unknown as { __injected?: boolean }).__injected === true;
    });
    expect(ran).toBe(false);
    await expect
      .poll(() => problems().filter((p) => p.startsWith('CSP violation: script-src')), POLL)
      .not.toHaveLength(0);
    await page.context().close();
  });
});
