import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractRegion, listRegions } from '../../src/live/source.ts';

const FILE = 'src/spec/models/sb/model.ts';
const source = readFileSync(new URL(`../../${FILE}`, import.meta.url), 'utf8');
const lines = source.split('\n');

describe('model source regions', () => {
  it('lists the regions of the sb model', () => {
    expect(listRegions(source)).toEqual(expect.arrayContaining(['sb-threads', 'sb-properties']));
  });

  it('excerpts a region with the line numbers of the real file', () => {
    const e = extractRegion(source, FILE, 'sb-threads');
    expect(lines[e.startLine - 2]).toMatch(/#region sb-threads/);
    expect(lines[e.endLine]).toMatch(/#endregion sb-threads/);
    const got = e.code.split('\n');
    expect(got).toHaveLength(e.endLine - e.startLine + 1);
    // Same text as the file, line for line, with the common indentation removed.
    got.forEach((line, i) => {
      expect(lines[e.startLine - 1 + i]?.trim()).toBe(line.trim());
    });
    expect(got[0]).toMatch(/^b\.thread/);
  });

  it('gives the whole file without a region', () => {
    const e = extractRegion(source, FILE);
    expect(e.startLine).toBe(1);
    expect(e.code).toBe(source.replace(/\n$/, ''));
  });

  it('fails with a message naming the file and the regions it has', () => {
    expect(() => extractRegion(source, FILE, 'no-such-region')).toThrow(
      /src\/spec\/models\/sb\/model\.ts has no region "no-such-region" \(regions: sb-threads, sb-properties/,
    );
  });

  it('rejects unterminated, empty and duplicated regions', () => {
    expect(() => extractRegion('// #region a\nx\n', 'f.ts', 'a')).toThrow(/no "\/\/ #endregion a"/);
    expect(() => extractRegion('// #region a\n// #endregion a\n', 'f.ts', 'a')).toThrow(/empty/);
    expect(() =>
      extractRegion('// #region a\nx\n// #endregion a\n// #region a\ny\n// #endregion a', 'f.ts', 'a'),
    ).toThrow(/2 regions named "a"/);
  });
});
