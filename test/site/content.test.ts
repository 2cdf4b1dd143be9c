/**
 * The sidebar and the content/ folder must agree: every sidebar entry has a
 * page with a title, and every page is reachable from the sidebar. This runs
 * before the build, so a missing or orphaned chapter is reported by name
 * rather than as an Astro build error or a page nobody can navigate to.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PAGES } from '../../src/site-config.ts';

const CONTENT = fileURLToPath(new URL('../../content/', import.meta.url));

/** slug → file name relative to content/, for every .md and .mdx file. */
async function contentFiles(): Promise<Map<string, string>> {
  const files = await readdir(CONTENT, { recursive: true });
  return new Map(
    files
      .map((file) => file.replaceAll('\\', '/'))
      .filter((file) => /\.mdx?$/.test(file))
      .map((file) => [file.replace(/\.mdx?$/, ''), file]),
  );
}

/** The YAML front matter's `title:` line, enough to catch a page without one. */
function frontmatterTitle(source: string): string | undefined {
  const frontmatter = /^---\n([\s\S]*?)\n---/.exec(source)?.[1] ?? '';
  return /^title:\s*(.+)$/m.exec(frontmatter)?.[1]?.trim();
}

describe('content/', () => {
  it('has exactly the pages the sidebar lists', async () => {
    const slugs = [...(await contentFiles()).keys()].sort();
    expect(slugs).toEqual(PAGES.map((page) => page.slug).sort());
  });

  it.each(PAGES.map((page) => page.slug))('the %s page has a title and a body', async (slug) => {
    const file = (await contentFiles()).get(slug);
    expect(file, `content/${slug}.md or .mdx`).toBeDefined();
    const source = await readFile(`${CONTENT}${file}`, 'utf8');
    expect(frontmatterTitle(source)).toBeTruthy();
    expect(source.replace(/^---\n[\s\S]*?\n---/, '').trim()).not.toBe('');
  });
});
