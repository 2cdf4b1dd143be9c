/**
 * Engine-side helpers shared by the build (component frontmatter) and the checker's worker:
 * they import the engine, so the page's client code must not import this module.
 */
import { type AnyModel, instantiate } from '../spec/engine/index.ts';
import type { ModelInfo, Params, TraceMeta } from './types.ts';

export function modelInfo(model: AnyModel): ModelInfo {
  return {
    name: model.name,
    title: model.title,
    source: model.source,
    memoryModels: [...model.memoryModels],
    defaultMemoryModel: model.defaultMemoryModel,
    variants: model.variants.map((v) => ({
      name: v.name,
      description: v.description,
      kernel: [...(v.kernel ?? [])],
      expect: v.expect,
    })),
    params: [...(model.params ?? [])],
  };
}

export function traceMeta(model: AnyModel, variant: string, params: Params): TraceMeta {
  const { instance } = instantiate(model, variant, params);
  return {
    locs: instance.locs.map((l) => l.name),
    threads: instance.threads.map((t) => t.name),
    cpus: instance.cpus,
  };
}
