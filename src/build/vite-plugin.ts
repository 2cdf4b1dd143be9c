/** Vite plugin applying the model-site instrumentation (see instrument.ts) to model sources. */
import { instrument, isModelFile } from './instrument.ts';

export function modelSites(root: string) {
  return {
    name: 'kvmspec-model-sites',
    enforce: 'pre' as const,
    transform(code: string, id: string) {
      if (!isModelFile(id)) return null;
      return { code: instrument(code, id.split('?')[0] as string, root), map: null };
    },
  };
}
