import { describe, expect, it } from 'vitest';
import { findEmbeds } from '../../src/components/embeds.ts';

describe('finding embedded components in a chapter', () => {
  it('reads string and literal attributes, with line numbers', () => {
    const src =
      'x\n\n<LiveCheck model="sb" variant=\'fenced\' expect="holds" />\n<ModelSource model="sb" mark={[3, 4]} />';
    expect(findEmbeds(src, 'c.mdx')).toEqual([
      {
        component: 'LiveCheck',
        file: 'c.mdx',
        line: 3,
        attrs: { model: 'sb', variant: 'fenced', expect: 'holds' },
        problems: [],
      },
      { component: 'ModelSource', file: 'c.mdx', line: 4, attrs: { model: 'sb', mark: [3, 4] }, problems: [] },
    ]);
  });

  it('skips code fences and inline code', () => {
    const src = '```mdx\n<LiveCheck model="x" />\n```\nUse `<ModelPlot plot="y" />` like this.';
    expect(findEmbeds(src, 'c.mdx')).toEqual([]);
  });

  it('reports what it cannot check', () => {
    const [e] = findEmbeds('<LiveCheck model={name} expect>', 'c.mdx');
    expect(e?.problems).toEqual([
      'attribute model={name} is an expression the tests cannot check: use a literal',
      'attribute expect has no value',
      'the tag must be self-closing (<… />)',
    ]);
  });
});
