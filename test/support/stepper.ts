/**
 * Step-level helpers for the engine's behaviour tests (describe-, threads- and
 * hotplug-behaviour): a one-variant model, a cursor that steps a machine's units by name with
 * the choice numbers the machine itself emits (a successor's position in the list is not its
 * choice: numbering by position described wait steps wrongly under relaxed), and the message of
 * what a call throws.
 */
import {
  type AnyModel,
  defineModel,
  instantiate,
  Machine,
  type MemoryModelName,
  type ModelBuilder,
  type StepInfo,
} from '../../src/spec/engine/index.ts';

/** A model with one variant, `cpus` CPUs and what `setup` declares, for `memoryModels` (the first is its default). */
export function oneVariantModel(
  name: string,
  cpus: number,
  setup: (b: ModelBuilder) => void,
  memoryModels: readonly MemoryModelName[] = ['sc'],
): AnyModel {
  return defineModel<Record<string, never>>({
    name,
    title: `${name} (test)`,
    source: 'test/support/stepper.ts',
    memoryModels,
    defaultMemoryModel: memoryModels[0] ?? 'sc',
    cpus: () => cpus,
    variants: [{ name: 'only', description: 'the only variant', flags: {}, expect: {} }],
    setup,
  });
}

/** One successor of a unit's step: the choice the machine gave it and the state it leads to. */
export interface Emitted {
  readonly choice: number;
  readonly next: Int32Array;
}

/** A machine for `model` under `mm` and a cursor on its initial state that steps units by name. */
export function stepper(model: AnyModel, mm: MemoryModelName = 'sc') {
  const m = new Machine(instantiate(model, 'only').instance, mm);
  let s = m.initial();
  const unit = (name: string): number => {
    const u = m.units.findIndex((x) => x.name === name);
    if (u < 0) throw new Error(`no unit ${name} (units: ${m.units.map((x) => x.name).join(', ')})`);
    return u;
  };
  /** Every successor of the unit's next step in the current state, in the order the machine emits them. */
  const emitted = (name: string): Emitted[] => {
    const out: Emitted[] = [];
    m.unitSuccessors(s, s.length, unit(name), (_u, choice, st, len) => {
      out.push({ choice, next: st.slice(0, len) });
    });
    return out;
  };
  return {
    m,
    emitted,
    /** The states the unit's step may lead to. */
    successors: (name: string): Int32Array[] => emitted(name).map((e) => e.next),
    /** How many successors the unit's step has (0: it cannot step now). */
    enabled: (name: string): number => emitted(name).length,
    /** The descriptions of every successor of the unit's step. */
    options: (name: string): StepInfo[] =>
      emitted(name).map(({ choice, next }) => m.describeStep(s, unit(name), choice, next)),
    /** Takes the unit's k-th successor and describes that step. */
    step(name: string, k = 0): StepInfo {
      const succ = emitted(name)[k];
      if (succ === undefined) throw new Error(`${name} cannot step (successor ${k})`);
      const info = m.describeStep(s, unit(name), succ.choice, succ.next);
      s = succ.next;
      return info;
    },
    get state(): Int32Array {
      return s;
    },
    set state(next: Int32Array) {
      s = next;
    },
  };
}

/** The message of what `fn` throws, or undefined if it returns. */
export function message(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}
