/**
 * The text of every source under src/spec, read at build time (Vite's `?raw` import, so the
 * dev server also reloads an excerpt when its model changes). Used by <ModelSource> and
 * <LiveCheck>; never shipped to the browser.
 */
const FILES = import.meta.glob<string>('/src/spec/**/*.ts', { query: '?raw', import: 'default', eager: true });

/** The source of a file given relative to the repository root, e.g. src/spec/models/sb/model.ts. */
export function sourceText(file: string): string {
  const text = FILES[`/${file.replace(/^\.?\//, '')}`];
  if (text === undefined) {
    throw new Error(`no source file ${file} under src/spec (a model's \`source\` must name its file)`);
  }
  return text;
}

/** The files a model is made of: its main source first, then the other sources in its folder. */
export function modelFiles(mainSource: string): string[] {
  const main = mainSource.replace(/^\.?\//, '');
  const dir = main.slice(0, main.lastIndexOf('/') + 1);
  const others = Object.keys(FILES)
    .map((k) => k.slice(1))
    .filter((f) => f !== main && f.startsWith(dir) && !f.slice(dir.length).includes('/'))
    .sort();
  return [main, ...others];
}
