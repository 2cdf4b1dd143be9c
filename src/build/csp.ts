/**
 * Completes the Content-Security-Policy <meta> that Astro's `security.csp` writes into every
 * built page. Astro hashes the scripts it bundles, but not the `is:inline` scripts of
 * Starlight's components (the theme provider, the search dialog, the sidebar's state), so under
 * a policy without 'unsafe-inline' the browser blocks them. After the build, this integration
 * hashes every inline script of each page, exactly as the browser will (SHA-256 of the text
 * between the tags), adds the hashes to `script-src`, and moves the <meta> to the top of
 * <head>: a policy given by <meta> applies only to what follows it, and Starlight's theme
 * script comes before the place Astro puts it.
 *
 * This allows only the inline scripts the build itself wrote; anything injected into a page
 * later has no hash and does not run (test/browser/csp.test.ts checks both).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { parse } from 'parse5';

interface Location {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly startTag?: { readonly startOffset: number; readonly endOffset: number };
  readonly endTag?: { readonly startOffset: number; readonly endOffset: number };
}

export interface HtmlNode {
  readonly nodeName: string;
  /** A text node's text, decoded. */
  readonly value?: string;
  readonly attrs?: readonly { readonly name: string; readonly value: string }[];
  readonly childNodes?: readonly HtmlNode[];
  readonly content?: HtmlNode;
  readonly sourceCodeLocation?: Location;
}

const attr = (n: HtmlNode, name: string): string | undefined => n.attrs?.find((a) => a.name === name)?.value;

/**
 * Whether the browser runs a <script> element (and so checks it against script-src): classic and
 * module scripts, import maps and speculation rules. Any other type (the live checks'
 * `application/json` configuration) is a data block, which is never run, so it needs no hash
 * (HTML, "prepare the script element"; CSP applies to scripts that run).
 */
function runsAsScript(n: HtmlNode): boolean {
  const type = attr(n, 'type')?.trim().toLowerCase();
  if (type === undefined || type === '') return true;
  if (type === 'module' || type === 'importmap' || type === 'speculationrules') return true;
  return /^(text|application)\/(x-)?(javascript|ecmascript)$|^text\/(jscript|livescript)$/.test(type);
}

/** The page with every inline script's hash in its policy and the policy first in <head>. */
export function completePolicy(html: string): string {
  const doc = parse(html, { sourceCodeLocationInfo: true }) as unknown as HtmlNode;
  const scripts: string[] = [];
  let meta: HtmlNode | undefined;
  let charset: HtmlNode | undefined;
  let head: HtmlNode | undefined;
  const walk = (n: HtmlNode): void => {
    if (n.nodeName === 'head') head = n;
    if (n.nodeName === 'meta' && attr(n, 'http-equiv')?.toLowerCase() === 'content-security-policy') meta = n;
    if (n.nodeName === 'meta' && attr(n, 'charset') !== undefined) charset = n;
    const loc = n.sourceCodeLocation;
    if (n.nodeName === 'script' && attr(n, 'src') === undefined && runsAsScript(n) && loc?.startTag && loc.endTag) {
      scripts.push(html.slice(loc.startTag.endOffset, loc.endTag.startOffset));
    }
    for (const c of n.childNodes ?? []) walk(c);
    if (n.content) walk(n.content);
  };
  walk(doc);
  const metaLoc = meta?.sourceCodeLocation;
  if (!meta || !metaLoc || !head?.sourceCodeLocation?.startTag) return html;
  const policy = attr(meta, 'content') ?? '';
  const hashes = [
    ...new Set(scripts.map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`)),
  ];
  const missing = hashes.filter((h) => !policy.includes(h));
  const completed = policy
    .split(';')
    .map((d) => (d.trim().startsWith('script-src ') ? `${d.trimEnd()} ${missing.join(' ')}` : d))
    .join(';');
  const tag = `<meta http-equiv="content-security-policy" content="${completed.replaceAll('"', '&quot;')}">`;
  // Remove the old <meta>, then insert the new one after <meta charset> (or at the top of <head>).
  const without = html.slice(0, metaLoc.startOffset) + html.slice(metaLoc.endOffset);
  const at = charset?.sourceCodeLocation?.endOffset ?? head.sourceCodeLocation.startTag.endOffset;
  const insertAt = at > metaLoc.startOffset ? at - (metaLoc.endOffset - metaLoc.startOffset) : at;
  return without.slice(0, insertAt) + tag + without.slice(insertAt);
}

export async function htmlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await htmlFiles(p)));
    else if (e.name.endsWith('.html')) out.push(p);
  }
  return out;
}

export function cspInlineHashes(): AstroIntegration {
  return {
    name: 'kvmspec:csp-inline-hashes',
    hooks: {
      'astro:build:done': async ({ dir, logger }) => {
        const files = await htmlFiles(fileURLToPath(dir));
        for (const f of files) await writeFile(f, completePolicy(await readFile(f, 'utf8')));
        logger.info(`hashed the inline scripts of ${files.length} pages into their Content-Security-Policy`);
      },
    },
  };
}
