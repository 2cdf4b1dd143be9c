/**
 * Excerpts of model sources by region marker:
 *
 *   // #region sb-threads
 *   …the lines shown…
 *   // #endregion sb-threads
 *
 * Pure string functions (no file system), used by <ModelSource> at build time and by the
 * content tests, so a chapter that names a missing region fails both.
 */

export interface Excerpt {
  /** The excerpt's lines, common indentation removed (line numbers are unchanged). */
  readonly code: string;
  /** 1-based line number, in the real file, of the excerpt's first line. */
  readonly startLine: number;
  /** 1-based line number of its last line. */
  readonly endLine: number;
}

const START = /^\s*\/\/\s*#region\s+([A-Za-z0-9_-]+)\s*$/;
const END = /^\s*\/\/\s*#endregion\s+([A-Za-z0-9_-]+)\s*$/;

/** Every region name in a source, in order of appearance. */
export function listRegions(source: string): string[] {
  const names: string[] = [];
  for (const line of source.split('\n')) {
    const m = START.exec(line);
    if (m) names.push(m[1] as string);
  }
  return names;
}

function dedent(lines: readonly string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut));
}

/**
 * The lines between `// #region name` and `// #endregion name` (markers excluded), or the whole
 * file without a region. Throws an Error naming the file and the regions it does have.
 */
export function extractRegion(source: string, file: string, region?: string): Excerpt {
  const lines = source.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  if (region === undefined) return { code: lines.join('\n'), startLine: 1, endLine: lines.length };
  const starts = lines.flatMap((l, i) => (START.exec(l)?.[1] === region ? [i] : []));
  const ends = lines.flatMap((l, i) => (END.exec(l)?.[1] === region ? [i] : []));
  const known = listRegions(source);
  if (starts.length === 0) {
    throw new Error(
      `${file} has no region "${region}" (regions: ${known.length ? known.join(', ') : 'none'}); ` +
        `mark one with "// #region ${region}" … "// #endregion ${region}"`,
    );
  }
  if (starts.length > 1) throw new Error(`${file} has ${starts.length} regions named "${region}"`);
  const start = starts[0] as number;
  const end = ends.find((e) => e > start);
  if (end === undefined) throw new Error(`${file}: region "${region}" has no "// #endregion ${region}"`);
  if (end === start + 1) throw new Error(`${file}: region "${region}" is empty`);
  const body = dedent(lines.slice(start + 1, end));
  return { code: body.join('\n'), startLine: start + 2, endLine: end };
}
