/**
 * A chapter's model excerpts are plain text in its HTML and coloured in the browser from the
 * build's token runs (issue 12, weight): for every <ModelSource> in content/, the browser's
 * colouring (highlight-runs.ts, applied to the plain line the page carries) must give exactly the
 * elements the build's highlighter gives that excerpt.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { highlightLines, highlightRuns, plainLine } from '../../src/components/highlight.ts';
import { colourExcerpt, colourLine } from '../../src/live/highlight-runs.ts';
import { extractRegion } from '../../src/live/source.ts';
import { findModel } from '../../src/spec/models/index.ts';

const attr = (tag: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
const uses = readdirSync('content')
  .filter((f) => f.endsWith('.mdx'))
  .flatMap((f) =>
    (readFileSync(`content/${f}`, 'utf8').match(/<ModelSource\b[^>]*>/g) ?? []).map((tag) => ({ f, tag })),
  );

const read = (file: string) => readFileSync(file, 'utf8').replace(/\r\n/g, '\n').replace(/\n$/, '');

describe('excerpts coloured in the browser', () => {
  it('finds the excerpts', () => {
    expect(uses.length).toBeGreaterThan(40);
  });

  it.each(uses.map((u) => [`${u.f}: ${u.tag}`, u.tag]))('%s: the same tokens as the build', (_, tag) => {
    const model = attr(tag, 'model') as string;
    const file = attr(tag, 'file') ?? findModel(model).source;
    const region = attr(tag, 'region');
    const source = read(file);
    const excerpt = extractRegion(source, file, region);
    const runs = highlightRuns(source);
    const built = highlightLines(excerpt.code);
    const plain = excerpt.code.split('\n');
    const html = plain.map((l) => `<k-l>${plainLine(l) || ' '}</k-l>`).join('');
    const { document } = parseHTML(
      `<!doctype html><html><body><figure class="kvm-source" data-kvm-source="${file}" data-kvm-start="${excerpt.startLine}"><pre><code>${html}</code></pre></figure></body></html>`,
    );
    const figure = document.querySelector('figure') as unknown as HTMLElement;
    colourExcerpt(figure, { [file]: runs });
    const expected = parseHTML(
      `<!doctype html><html><body><code>${built.map((l) => `<k-l>${l || ' '}</k-l>`).join('')}</code></body></html>`,
    ).document.querySelector('code')?.innerHTML;
    expect(figure.querySelector('code')?.innerHTML).toBe(expected);
    expect(figure.dataset.kvmColoured).toBe('');
  });

  it('leaves a line plain when the runs do not fit it', () => {
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    expect(colourLine(document as unknown as Document, 'abc', 'k2')).toBeUndefined();
    expect(colourLine(document as unknown as Document, 'abc', 'k2 x1')).toBeUndefined();
    const ok = colourLine(document as unknown as Document, 'if (a->b)', 'k2 7');
    expect(ok?.map((n) => (n as Element).outerHTML ?? n.textContent).join('')).toBe(
      '<t-k>if</t-k> (a<t-a>-&gt;</t-a>b)',
    );
  });
});
