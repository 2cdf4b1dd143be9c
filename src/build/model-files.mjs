// @ts-check
/**
 * Which files get the model-site instrumentation (instrument.ts). Plain JavaScript, apart from
 * the transform, so that the CLI's loader hook (src/cli/register.mjs) can decide without
 * loading the TypeScript parser or Node's type stripper.
 */
export const SITE_MODULE = 'src/spec/engine/site.ts';

/**
 * Model sources: everything under src/spec except the engine itself.
 * @param {string} file
 * @returns {boolean}
 */
export function isModelFile(file) {
  const f = /** @type {string} */ (file.replaceAll('\\', '/').split('?')[0]);
  return /\/src\/spec\/(?!engine\/)[^?]*\.ts$/.test(f) && !f.endsWith('.d.ts');
}
