/**
 * A one-variant model for engine tests: `cpus` CPUs, every memory model, and what `setup`
 * declares. When `setup` returns a function, a property that is always true records that
 * function's value at each final state the search visits, and `run` returns those outcomes
 * (sorted, distinct) with the check's result (crosscheck.ts collects final outcomes the same way).
 */
import {
  type CheckRequest,
  type CheckResult,
  check,
  defineModel,
  type MemoryModelName,
  type ModelBuilder,
  type StateView,
} from '../../src/spec/engine/index.ts';

export const MEMORY_MODELS: readonly MemoryModelName[] = ['sc', 'tso', 'relaxed'];

export function tinyModel(
  name: string,
  cpus: number,
  setup: (b: ModelBuilder) => ((s: StateView) => string) | undefined,
) {
  let seen = new Set<string>();
  const model = defineModel<Record<string, never>>({
    name: `test-${name}`,
    title: name,
    source: 'test/support/tiny-model.ts',
    memoryModels: MEMORY_MODELS,
    defaultMemoryModel: 'sc',
    cpus: () => cpus,
    variants: [{ name: 'only', description: name, flags: {}, expect: {} }],
    setup(b) {
      const outcome = setup(b);
      if (outcome) {
        b.always('record', 'records each final outcome (always true)', (s) => {
          if (s.final) seen.add(outcome(s));
          return true;
        });
      }
    },
  });
  return {
    model,
    run(memoryModel: MemoryModelName, req: Omit<CheckRequest, 'memoryModel'> = {}) {
      seen = new Set<string>();
      const result: CheckResult = check(model, { ...req, memoryModel });
      return { result, outcomes: [...seen].sort() };
    },
  };
}

/** Whether the `sometimes` property `name` was reached (an error if the model has none). */
export function witnessed(r: CheckResult, name: string): boolean {
  const w = r.witnesses.find((x) => x.name === name);
  if (w === undefined) throw new Error(`no witness ${name}`);
  return w.reached;
}
