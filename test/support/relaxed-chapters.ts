/**
 * Every chapter model's variants that declare the relaxed memory model, as `[model, variant]`
 * cases for it.each, and the model of a case: the chapter part of the relaxed reductions'
 * cross-checks (relaxed-collect.test.ts, relaxed-quotient.test.ts).
 */
import { expect } from 'vitest';
import { type AnyModel, type CheckResult, check } from '../../src/spec/engine/index.ts';
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

/** The budget of the chapter part of the relaxed cross-checks: states of the finer search. */
export const RELAXED_CHAPTER_STATES = 10_000;

/**
 * Could the finer search of a cross-check (every view pinning; thread states numbered by
 * history) finish within RELAXED_CHAPTER_STATES? Not if the default search, which is the
 * coarser side of both and never has more states, records more than that: such a case is not
 * searched at all, instead of being searched up to the budget and then dropped as inconclusive.
 * A variant with no recorded relaxed count is searched.
 */
export function withinBudget(name: string, variant: string): boolean {
  const recorded = chapterVariant(name, variant).expect.relaxed?.states;
  return recorded === undefined || recorded <= RELAXED_CHAPTER_STATES;
}

/** The variant named `variant` of the chapter model named `name`. */
export function chapterVariant(name: string, variant: string): AnyModel['variants'][number] {
  const v = chapterModel(name).variants.find((x) => x.name === variant);
  if (v === undefined) throw new Error(`chapter model ${name} has no variant ${variant}`);
  return v;
}

/**
 * The relaxed-collect cross-check of one chapter variant (relaxed-collect.test.ts): the search
 * with 'every-view' collection (the rule before), within RELAXED_CHAPTER_STATES, must give the
 * default search's verdict, property and shortest counterexample, in as many states or more.
 * `reduced` is the default search (relaxedCollect 'accessors'), passed in so that the golden
 * test, which has it already, compares it without searching it again in another worker.
 */
export function expectSameAsEveryView(model: AnyModel, variant: string, reduced: CheckResult): void {
  const base = check(model, {
    variant,
    memoryModel: 'relaxed',
    relaxedCollect: 'every-view',
    maxStates: RELAXED_CHAPTER_STATES,
  });
  // A run past the budget has no verdict to compare.
  if (base.verdict === 'inconclusive') return;
  expect(reduced.verdict).toBe(base.verdict);
  expect(reduced.violation?.property).toBe(base.violation?.property);
  expect(reduced.counterexample?.steps.length).toBe(base.counterexample?.steps.length);
  if (base.verdict === 'holds') expect(reduced.states).toBeLessThanOrEqual(base.states);
}

/**
 * The relaxed-quotient cross-check of one chapter variant (relaxed-quotient.test.ts): the search
 * with thread states numbered by history (`quotient: false`), within RELAXED_CHAPTER_STATES,
 * must give the default search's verdict, property and shortest counterexample, in as many
 * states or more. `classes` is the default search (quotient on), passed in so that the golden
 * test, which has it already, compares it without searching it again in another worker.
 */
export function expectSameAsHistories(model: AnyModel, variant: string, classes: CheckResult): void {
  const histories = check(model, {
    variant,
    memoryModel: 'relaxed',
    quotient: false,
    maxStates: RELAXED_CHAPTER_STATES,
  });
  // A run past the budget has no verdict to compare.
  if (histories.verdict === 'inconclusive') return;
  expect(classes.verdict).toBe(histories.verdict);
  expect(classes.violation?.property).toBe(histories.violation?.property);
  // Safety counterexamples are shortest in both; a lasso is only some fair cycle.
  if (histories.counterexample?.cycleStart === undefined)
    expect(classes.counterexample?.steps.length).toBe(histories.counterexample?.steps.length);
  if (histories.verdict === 'holds') expect(classes.states).toBeLessThanOrEqual(histories.states);
}
