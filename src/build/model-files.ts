/**
 * Which files get the model-site instrumentation (instrument.ts). Kept apart from the
 * transform so that the CLI's loader hook can decide without loading the TypeScript parser.
 */
export const SITE_MODULE = 'src/spec/engine/site.ts';

/** Model sources: everything under src/spec except the engine itself. */
export function isModelFile(file: string): boolean {
  const f = file.replaceAll('\\', '/').split('?')[0] as string;
  return /\/src\/spec\/(?!engine\/)[^?]*\.ts$/.test(f) && !f.endsWith('.d.ts');
}
