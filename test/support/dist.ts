/**
 * Where the built site is and which pages it has. Tests discover pages from
 * dist/ itself rather than from a hand-kept list, so a new chapter is tested
 * the moment it is built.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PAGES_BASE } from '../../src/site-config.ts';

export const DIST_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));

/** Throws a message that says what to do when the site has not been built. */
export function requireDist(): void {
  if (!existsSync(`${DIST_DIR}index.html`)) {
    throw new Error(`${DIST_DIR}index.html is missing: build the site first with \`npm run build\`.`);
  }
}

/** Every HTML file in dist/, as a path relative to dist/ with forward slashes, sorted. */
export async function listHtmlFiles(): Promise<string[]> {
  requireDist();
  const entries = await readdir(DIST_DIR, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.html'))
    .map((entry) => `${entry.parentPath}/${entry.name}`.slice(DIST_DIR.length).replaceAll('\\', '/').replace(/^\//, ''))
    .sort();
}

/**
 * The URL path a reader uses for a built file, base included:
 * 'index.html' → '/kvmspec/', 'tsc/index.html' → '/kvmspec/tsc/', '404.html' → '/kvmspec/404.html'.
 */
export function urlPathOf(htmlFile: string): string {
  const path =
    htmlFile === 'index.html' || htmlFile.endsWith('/index.html') ? htmlFile.slice(0, -'index.html'.length) : htmlFile;
  return `${PAGES_BASE}/${path}`;
}
