/**
 * Node loader hook for the CLI and benchmarks: applies the model-site instrumentation to model
 * sources before Node strips their types. Loaded with `node --import ./src/cli/register.ts`.
 *
 * The instrumentation needs the TypeScript parser, which costs about a CPU-second to load, so
 * its output is cached under node_modules/.cache/kvmspec/sites, keyed by a hash of the source,
 * its path and the transform's own source: the parser is loaded only for a model file that
 * changed. Node's compile cache (module.enableCompileCache) keeps the type-stripped and
 * compiled modules beside it. A cache that cannot be written only costs time.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, enableCompileCache, registerHooks } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isModelFile } from '../build/model-files.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'kvmspec');
const sitesDir = path.join(cacheDir, 'sites');
const transformFile = path.join(root, 'src', 'build', 'instrument.ts');

enableCompileCache(path.join(cacheDir, 'compile'));

/** Hash of the transform itself: a change to it invalidates every cached file. */
const transformHash = createHash('sha256').update(readFileSync(transformFile)).digest('hex');
let instrument: ((code: string, absFile: string, root: string) => string) | undefined;
let canWrite = true;

function instrumented(source: string, file: string): string {
  const key = createHash('sha256')
    .update(transformHash)
    .update('\0')
    .update(path.relative(root, file))
    .update('\0')
    .update(source)
    .digest('hex');
  const cached = path.join(sitesDir, `${key}.ts`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // Not cached yet.
  }
  instrument ??= (createRequire(import.meta.url)(transformFile) as { instrument: typeof instrument }).instrument;
  const out = (instrument as NonNullable<typeof instrument>)(source, file, root);
  if (canWrite) {
    try {
      mkdirSync(sitesDir, { recursive: true });
      // Written aside and renamed, so that a concurrent run never reads half a file.
      const tmp = `${cached}.${process.pid}.tmp`;
      writeFileSync(tmp, out);
      renameSync(tmp, cached);
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
    if (!isModelFile(file) || result.source === undefined) return result;
    return { ...result, source: instrumented(String(result.source), file) };
  },
});
