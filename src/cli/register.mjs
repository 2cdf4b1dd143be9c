// @ts-check
/**
 * Node loader hook for the CLI and benchmarks: applies the model-site instrumentation to model
 * sources before Node strips their types. Loaded with `node --import ./src/cli/register.mjs`.
 * JavaScript, not TypeScript: loading it must not load Node's type stripper (see below).
 *
 * The instrumentation needs the TypeScript parser, which costs about a CPU-second to load, and
 * Node's own type stripping loads a WebAssembly compiler on the first .ts file (a few hundred
 * milliseconds more). So every project .ts file is instrumented (if a model file) and stripped
 * once, and the JavaScript cached under node_modules/.cache/kvmspec/js, keyed by a hash of the
 * source, its path, the transform's own source and the Node version: neither is loaded again
 * until a file changes. Node's compile cache (module.enableCompileCache) keeps the compiled
 * code beside it. Stripping only blanks the types, so line numbers stay as in the source. A
 * cache that cannot be written only costs time.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire, enableCompileCache, registerHooks, stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isModelFile } from '../build/model-files.mjs';
import { writeFileAtomic } from './write-atomic.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'kvmspec');
const jsDir = path.join(cacheDir, 'js');
const transformFile = path.join(root, 'src', 'build', 'instrument.ts');

enableCompileCache(path.join(cacheDir, 'compile'));

/** Hash of the transform itself: a change to it invalidates every cached file. */
const transformHash = createHash('sha256').update(readFileSync(transformFile)).digest('hex');
/** @type {((code: string, absFile: string, root: string) => string) | undefined} */
let instrument;
let canWrite = true;

/** The JavaScript Node runs for project TypeScript file `file`: instrumented, types stripped. */
/**
 * @param {string} source
 * @param {string} file
 * @returns {string}
 */
function compiled(source, file) {
  const key = createHash('sha256')
    .update(transformHash)
    .update('\0')
    .update(process.version)
    .update('\0')
    .update(path.relative(root, file))
    .update('\0')
    .update(source)
    .digest('hex');
  const cached = path.join(jsDir, `${key}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // Not cached yet.
  }
  let ts = source;
  if (isModelFile(file)) {
    instrument ??= createRequire(import.meta.url)(transformFile).instrument;
    ts = /** @type {NonNullable<typeof instrument>} */ (instrument)(source, file, root);
  }
  // The same stripping Node would do; its "experimental" warning would only confuse a CLI user.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  let out;
  try {
    out = stripTypeScriptTypes(ts, { mode: 'strip' });
  } finally {
    process.emitWarning = emitWarning;
  }
  if (canWrite) {
    try {
      mkdirSync(jsDir, { recursive: true });
      // Written aside and renamed, so that a concurrent run or thread never reads half a file.
      writeFileAtomic(cached, out);
    } catch {
      canWrite = false;
    }
  }
  return out;
}

registerHooks({
  load(url, context, nextLoad) {
    const result = nextLoad(url, context);
    if (!url.startsWith('file:')) return result;
    const file = fileURLToPath(url);
    if (result.format !== 'module-typescript' || result.source === undefined) return result;
    if (!file.startsWith(root + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`)) return result;
    return { ...result, format: 'module', source: compiled(String(result.source), file) };
  },
});
