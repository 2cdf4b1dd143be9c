/**
 * One search per selection and options in a Vitest worker: the unit project runs with
 * `isolate: false` (vitest.config.ts), so the files a worker runs share this module, and a
 * test file that needs the result of a search another file of the same worker has already run
 * (the golden test's default check of a variant, say, which a model's own tests read the
 * counterexample of) gets that result instead of searching again. Results live only in this
 * process, for this run: nothing is written or read back across runs.
 *
 * The key is everything that decides the result: the model (by identity: two models with the
 * same name are not the same model), the variant, the memory model, the parameters and every
 * explorer option, with the checker's defaults filled in so that `{}` and
 * `{ reduction: true }` are one search. Requests with a callback, a signal or a transport are
 * not cached (they are about how the search runs, and a shared result would skip them). A test
 * that patches the engine (tsc-relaxed.test.ts patches the relaxed model's interrupt entry)
 * must call `check` itself: a result found under the patch must not be shared.
 */
import { type AnyModel, type CheckRequest, type CheckResult, check } from '../../src/spec/engine/index.ts';

/** The explorer's defaults (explore.ts ExploreOptions, check.ts prepare). */
const DEFAULTS = {
  maxStates: 5_000_000,
  reduction: true,
  liveness: true,
  symmetry: true,
  quotient: true,
  unobservedGhosts: true,
  oneGraph: true,
  relaxedCollect: 'accessors',
} as const;

const results = new WeakMap<AnyModel, Map<string, CheckResult>>();

/** The request as a key: defaults filled in, parameters sorted, nothing left out. */
function keyOf(model: AnyModel, req: CheckRequest): string | undefined {
  if (req.onProgress || req.signal || req.transport || req.maxMs !== undefined) return undefined;
  const { variant, memoryModel, params, progressIntervalMs: _interval, ...options } = req;
  const known = new Set<string>([...Object.keys(DEFAULTS)]);
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  // An option this module does not know might change the result: refuse to share rather than guess.
  if (unknown.length > 0) throw new Error(`checkOnce: unknown option ${unknown.join(', ')}; add it to DEFAULTS`);
  const filled = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  return JSON.stringify([
    variant ?? model.variants[0]?.name,
    memoryModel ?? model.defaultMemoryModel,
    Object.entries(params ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    Object.entries(filled).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);
}

/** `check(model, req)`, searched once per worker for the same model and request. */
export function checkOnce(model: AnyModel, req: CheckRequest = {}): CheckResult {
  const key = keyOf(model, req);
  if (key === undefined) return check(model, req);
  let forModel = results.get(model);
  if (!forModel) {
    forModel = new Map();
    results.set(model, forModel);
  }
  let r = forModel.get(key);
  if (!r) {
    r = check(model, req);
    forModel.set(key, r);
  }
  return r;
}
