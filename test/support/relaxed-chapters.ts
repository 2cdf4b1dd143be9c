/**
 * Every chapter model's variants that declare the relaxed memory model, as `[model, variant]`
 * cases for it.each, and the model of a case: the chapter part of the relaxed reductions'
 * cross-checks (relaxed-collect.test.ts, relaxed-quotient.test.ts).
 */
import type { AnyModel } from '../../src/spec/engine/index.ts';
import { MODELS as CHAPTERS } from '../../src/spec/models/index.ts';

export const RELAXED_CHAPTER_CASES: readonly (readonly [string, string])[] = CHAPTERS.filter((m) =>
  m.memoryModels.includes('relaxed'),
).flatMap((m) => m.variants.map((v) => [m.name, v.name] as const));

/** The chapter model named `name`. */
export function chapterModel(name: string): AnyModel {
  const model = CHAPTERS.find((m) => m.name === name);
  if (model === undefined) throw new Error(`no chapter model ${name}`);
  return model;
}
