/**
 * Node loader hook for the CLI and benchmarks: applies the model-site instrumentation to model
 * sources before Node strips their types. Loaded with `node --import ./src/cli/register.ts`.
 */
import { registerHooks } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { instrument, isModelFile } from '../build/instrument.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

registerHooks({
  load(url, context, nextLoad) {
    const result = nextLoad(url, context);
    if (!url.startsWith('file:')) return result;
    const file = fileURLToPath(url);
    if (!isModelFile(file) || result.source === undefined) return result;
    return { ...result, source: instrument(String(result.source), file, root) };
  },
});
