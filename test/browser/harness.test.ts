/**
 * The harness's problem detection is what makes the page tests mean
 * something, so it is tested on a page that does every wrong thing on purpose.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSite, POLL, type Site } from './harness.ts';

const BAD_PAGE = `<!doctype html><html lang="en"><head><title>bad</title></head><body><h1>bad</h1>
<script>
  console.error('deliberate console error');
  fetch('https://example.invalid/tracker.js').catch(() => {});
  fetch('missing.js').then((r) => r.text()).catch(() => {});
  setTimeout(() => { throw new Error('deliberate exception'); });
</script></body></html>`;

/** A page whose own policy forbids its inline script: the violation must be reported. */
const CSP_PAGE = `<!doctype html><html lang="en"><head><title>csp</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'">
</head><body><h1>csp</h1><script>window.ran = true;</script></body></html>`;

describe('test harness', () => {
  let root: string;
  let site: Site;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kvmspec-harness-'));
    await writeFile(join(root, 'index.html'), '<!doctype html><html lang="en"><title>ok</title><h1>ok</h1></html>');
    await writeFile(join(root, 'bad.html'), BAD_PAGE);
    await writeFile(join(root, 'csp.html'), CSP_PAGE);
    site = await openSite({ root, base: '/kvmspec' });
  });
  afterAll(async () => {
    await site?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('reports nothing for a clean page', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.home, { waitUntil: 'networkidle' });
    expect(problems()).toEqual([]);
  });

  it('reports console errors, exceptions, HTTP errors and blocks requests leaving localhost', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.url('bad.html'), { waitUntil: 'networkidle' });
    expect(problems()).toEqual(
      expect.arrayContaining([
        'console error: deliberate console error',
        'uncaught exception: deliberate exception',
        'request left localhost: https://example.invalid/tracker.js',
        `HTTP 404: ${site.url('missing.js')}`,
      ]),
    );
  });

  it('reports a Content-Security-Policy violation, and the blocked script did not run', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.url('csp.html'), { waitUntil: 'networkidle' });
    expect(await page.evaluate(() => (window as unknown as { ran?: boolean }).ran)).toBeUndefined();
    await expect.poll(() => problems().filter((p) => p.startsWith('CSP violation: script-src')), POLL).toHaveLength(1);
  });
});
