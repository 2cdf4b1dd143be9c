/**
 * The public face of the engine: check a model's variant under a memory model and get a
 * verdict, counts, timings and a readable counterexample. Synchronous `check` for Node;
 * `checkAsync` runs in slices and yields to the event loop between them, so a Web Worker can
 * receive a cancel message while it runs.
 */
import { Exploration, type ExploreOptions, type ExploreResult } from './explore.ts';
import { Machine } from './machine.ts';
import { type Expectation, instantiate, type MemoryModelName, type ModelDef } from './model.ts';
import { ParallelWork } from './parallel/coordinator.ts';
import type { Transport } from './parallel/protocol.ts';
import { checksum, decodeTrace, replay, type Trace, TraceError } from './trace.ts';

/** What to check: the variant, memory model and parameters, plus the explorer's options. */
export interface CheckRequest extends Omit<ExploreOptions, 'memoryModel'> {
  readonly variant?: string;
  readonly memoryModel?: MemoryModelName;
  readonly params?: Readonly<Record<string, number>>;
  /**
   * Expand states in parallel on these helpers (parallel/): same result as without, sooner on
   * several cores. A transport that cannot block (a browser's) works with checkAsync only.
   */
  readonly transport?: Transport;
}

/** The explorer's result for one model, variant, memory model and parameters, with the path replayed. */
export interface CheckResult extends Omit<ExploreResult, 'path'> {
  readonly model: string;
  readonly variant: string;
  readonly memoryModel: MemoryModelName;
  readonly params: Readonly<Record<string, number>>;
  readonly counterexample?: Trace;
  /** What the variant declares for this memory model, if anything. */
  readonly expected?: Expectation;
  /** With a transport: how many helpers expanded how many states in how many batches. */
  readonly parallel?: {
    readonly helpers: number;
    /** States sent to the helpers, in how many batches, and how many of those they left to the explorer. */
    readonly states: number;
    readonly batches: number;
    readonly left: number;
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds models with different flag types.
export type AnyModel = ModelDef<any>;

function prepare(model: AnyModel, req: CheckRequest) {
  const variant = req.variant ?? (model.variants[0]?.name as string);
  const memoryModel = req.memoryModel ?? model.defaultMemoryModel;
  if (!model.memoryModels.includes(memoryModel)) {
    throw new RangeError(
      `model ${model.name} does not support memory model ${memoryModel} (supported: ${model.memoryModels.join(', ')})`,
    );
  }
  if (req.maxStates !== undefined && (!Number.isInteger(req.maxStates) || req.maxStates < 1)) {
    throw new RangeError(`maxStates must be a positive integer, got ${req.maxStates}`);
  }
  const { variant: spec, instance, params } = instantiate(model, variant, req.params ?? {});
  const opts: ExploreOptions = {
    memoryModel,
    ...(req.maxStates !== undefined ? { maxStates: req.maxStates } : {}),
    ...(req.maxMs !== undefined ? { maxMs: req.maxMs } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    ...(req.progressIntervalMs !== undefined ? { progressIntervalMs: req.progressIntervalMs } : {}),
    ...(req.reduction !== undefined ? { reduction: req.reduction } : {}),
    ...(req.liveness !== undefined ? { liveness: req.liveness } : {}),
    ...(req.symmetry !== undefined ? { symmetry: req.symmetry } : {}),
    ...(req.quotient !== undefined ? { quotient: req.quotient } : {}),
    ...(req.unobservedGhosts !== undefined ? { unobservedGhosts: req.unobservedGhosts } : {}),
    ...(req.oneGraph !== undefined ? { oneGraph: req.oneGraph } : {}),
    ...(req.relaxedCollect !== undefined ? { relaxedCollect: req.relaxedCollect } : {}),
    ...(req.stateStore !== undefined ? { stateStore: req.stateStore } : {}),
  };
  const exploration = new Exploration(instance, opts);
  let work: ParallelWork | undefined;
  if (req.transport !== undefined && req.transport.helpers > 0) {
    const {
      maxStates: _m,
      maxMs: _t,
      signal: _s,
      onProgress: _p,
      progressIntervalMs: _i,
      memoryModel: _mm,
      ...options
    } = opts;
    work = new ParallelWork(
      req.transport,
      { model: model.name, variant, params, memoryModel, options },
      exploration.machine,
    );
    if (!exploration.distribute(work)) {
      work.end();
      work = undefined;
    }
  }
  // Recorded expectations (and their state counts) are for the default parameters only.
  const defaults = instantiate(model, variant, {}).params;
  const atDefaults = Object.keys(params).every((k) => params[k] === defaults[k]);
  const expected = atDefaults ? spec.expect[memoryModel] : undefined;
  const header = { model: model.name, variant, memoryModel, params };
  return { exploration, expected, header, work };
}

function finish(
  exploration: Exploration,
  r: ExploreResult,
  header: { model: string; variant: string; memoryModel: MemoryModelName; params: Record<string, number> },
  expected: Expectation | undefined,
  work?: ParallelWork,
): CheckResult {
  work?.end();
  // Replay on a fresh machine, exactly as a permalink would be replayed.
  const fresh = new Machine(exploration.machine.inst, header.memoryModel);
  const counterexample = r.path ? replay(fresh, header, r.path) : undefined;
  const { path: _path, ...result } = r;
  return {
    ...header,
    ...result,
    ...(counterexample ? { counterexample } : {}),
    ...(expected ? { expected } : {}),
    ...(work
      ? { parallel: { helpers: work.helpers, states: work.statesSent, batches: work.batches, left: work.statesLeft } }
      : {}),
  };
}

export function check(model: AnyModel, req: CheckRequest = {}): CheckResult {
  if (req.transport !== undefined && !req.transport.blocking) {
    throw new RangeError('check: this transport cannot block; use checkAsync');
  }
  const { exploration, expected, header, work } = prepare(model, req);
  try {
    const r = exploration.run() as ExploreResult;
    return finish(exploration, r, header, expected, work);
  } finally {
    work?.end();
  }
}

export async function checkAsync(model: AnyModel, req: CheckRequest = {}, sliceMs = 40): Promise<CheckResult> {
  const { exploration, expected, header, work } = prepare(model, req);
  try {
    for (;;) {
      const r = exploration.run(performance.now() + sliceMs);
      if (r) return finish(exploration, r, header, expected, work);
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    work?.end();
  }
}

/** Replays an encoded trace against the current model; throws TraceError with a clear reason. */
export function replayEncoded(models: readonly AnyModel[], text: string): Trace {
  const { header, path, checksum: sum } = decodeTrace(text);
  const model = models.find((m) => m.name === header.model);
  if (!model) throw new TraceError(`the trace is for model ${header.model}, which does not exist`);
  if (!model.variants.some((v) => v.name === header.variant)) {
    throw new TraceError(`model ${model.name} has no variant ${header.variant} any more`);
  }
  if (!model.memoryModels.includes(header.memoryModel)) {
    throw new TraceError(`model ${model.name} does not support memory model ${header.memoryModel}`);
  }
  let instance: ReturnType<typeof instantiate>['instance'];
  try {
    instance = instantiate(model, header.variant, header.params).instance;
  } catch (e) {
    throw new TraceError(`the trace's parameters are not valid: ${(e as Error).message}`);
  }
  const trace = replay(new Machine(instance, header.memoryModel), header, path);
  if (checksum(trace.steps) !== sum) {
    throw new TraceError(
      'the trace replays, but its steps now mean something else: the trace was altered, or the model changed since it was made',
    );
  }
  return trace;
}
