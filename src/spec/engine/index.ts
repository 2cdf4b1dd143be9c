/** The engine's public API: what models, components, the CLI and tests import. */
export * from './actions.ts';
export * from './check.ts';
export {
  Exploration,
  type ExploreOptions,
  type ExploreResult,
  type ProgressInfo,
  type RawPath,
  type Violation,
} from './explore.ts';
export * from './irq.ts';
export { Machine, ModelError, type StepInfo, type UnitInfo } from './machine.ts';
export type { MemoryPicture } from './memory/system.ts';
export * from './model.ts';
export * from './primitives.ts';
export { Rng } from './prng.ts';
export * from './rcu.ts';
export * from './simulate.ts';
export { $site } from './site.ts';
export * from './trace.ts';
