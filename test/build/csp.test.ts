/**
 * src/build/csp.ts: every inline script of a page gets its hash in the policy, nothing else
 * changes in the page, and the policy moves to the top of <head> (a <meta> policy applies only
 * to what follows it).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { completePolicy } from '../../src/build/csp.ts';

const sha = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
const page = (head: string, body = '') =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"/>${head}</head><body>${body}</body></html>`;
const POLICY = `<meta http-equiv="content-security-policy" content="default-src 'self'; script-src 'self' 'sha256-known='; style-src 'self' ;">`;

describe('completePolicy', () => {
  it('adds the hash of each inline script, once, and leaves external scripts alone', () => {
    const a = "\n\twindow.x = 'é';\n";
    const out = completePolicy(
      page(
        `<script>${a}</script>${POLICY}`,
        `<script>${a}</script><script type="module">b()</script><script src="/x.js"></script>`,
      ),
    );
    const policy = /content="([^"]*)"/.exec(out)?.[1] ?? '';
    expect(policy).toContain(`script-src 'self' 'sha256-known=' ${sha(a)} ${sha('b()')}`);
    expect(policy.split(sha(a)).length).toBe(2);
    expect(policy).toMatch(/style-src 'self' ;$/);
    expect(out).toContain('<script src="/x.js"></script>');
  });

  it('moves the policy before the first script of <head>, right after <meta charset>', () => {
    const out = completePolicy(page(`<script>early()</script><title>t</title>${POLICY}`));
    expect(out.indexOf('content-security-policy')).toBeLessThan(out.indexOf('early()'));
    expect(out.indexOf('<meta charset="utf-8"/>')).toBeLessThan(out.indexOf('content-security-policy'));
    expect(out.match(/content-security-policy/g)).toHaveLength(1);
    expect(out.replace(/<meta http-equiv[^>]*>/, '')).toBe(page('<script>early()</script><title>t</title>'));
  });

  it('leaves a page without a policy as it is', () => {
    const html = page('<script>x()</script>');
    expect(completePolicy(html)).toBe(html);
  });
});
