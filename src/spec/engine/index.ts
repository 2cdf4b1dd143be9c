/** The engine's public API: what models, components, the CLI and tests import. */
export * from './actions.ts';
export * from './check.ts';
export * from './clock.ts';
export {
  Exploration,
  type ExploreOptions,
  type ExploreResult,
  type ProgressInfo,
  type RawPath,
  type Violation,
} from './explore.ts';
export * from './irq.ts';
export * from './locks.ts';
export { Machine, ModelError, type StepInfo, type UnitInfo } from './machine.ts';
export type { MemoryPicture } from './memory/system.ts';
export * from './model.ts';
export * from './noinstr.ts';
export * from './notifier.ts';
export { PARALLEL_FROM, ParallelWork } from './parallel/coordinator.ts';
export { Helper } from './parallel/helper.ts';
export { InProcessTransport } from './parallel/in-process.ts';
export type { FromHelper, ReplicaSpec, ToHelper, Transport } from './parallel/protocol.ts';
export * from './primitives.ts';
export { Rng } from './prng.ts';
export * from './rcu.ts';
export * from './simulate.ts';
export { $site } from './site.ts';
export * from './smp.ts';
export * from './successors.ts';
export * from './trace.ts';
export * from './workqueue.ts';
