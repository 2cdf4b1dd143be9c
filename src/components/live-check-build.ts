/**
 * The build-time side of a <LiveCheck>: validates its attributes, runs the check once per build
 * (build-cache.ts), and fails the build unless the checker, the chapter and the variant agree.
 * Shared by LiveCheck.astro and the endpoint that writes each counterexample as a text file
 * (src/pages/kvm-traces/), so both show the same trace. Never shipped to the browser.
 */
import { modelInfo, traceMeta } from '../live/meta.ts';
import type { MemoryModelName, ModelInfo, Params, TraceMeta } from '../live/types.ts';
import { checkBudget, checkMemoryModel, checkVariant, DEFAULT_BUDGET, parseParams } from '../live/validate.ts';
import { type AnyModel, type CheckResult, check } from '../spec/engine/index.ts';
import { findModel } from '../spec/models/index.ts';
import { buildCheck } from './build-cache.ts';

export interface LiveCheckProps {
  readonly model: string;
  readonly variant: string;
  /** What the chapter states; the build fails unless the checker and the variant's `expect` agree. */
  readonly expect: 'holds' | 'violated';
  readonly memoryModel?: string | undefined;
  readonly params?: string | undefined;
  readonly budget?: number | string | undefined;
  readonly id?: string | undefined;
}

export interface BuiltLiveCheck {
  readonly model: AnyModel;
  readonly info: ModelInfo;
  readonly id: string;
  readonly variant: string;
  readonly memoryModel: MemoryModelName;
  /** The parameters the tag sets (the rest keep the model's defaults). */
  readonly params: Params;
  readonly budget: number;
  readonly result: CheckResult;
  readonly meta: TraceMeta;
}

export function buildLiveCheck(props: LiveCheckProps): BuiltLiveCheck {
  const where = `<LiveCheck model="${props.model}" variant="${props.variant}" memoryModel="${props.memoryModel ?? ''}">`;
  const fail = (why: string): never => {
    throw new Error(`${where}: ${why}`);
  };
  let model: AnyModel;
  try {
    model = findModel(props.model);
  } catch (e) {
    return fail((e as Error).message);
  }
  const info = modelInfo(model);
  const variant = checkVariant(info, props.variant ?? '');
  if (!variant.ok) return fail(variant.message);
  const mm = checkMemoryModel(info, props.memoryModel ?? model.defaultMemoryModel);
  if (!mm.ok) return fail(mm.message);
  const params = parseParams(info, props.params);
  if (!params.ok) return fail(`params: ${params.message}`);
  const budget = checkBudget(String(props.budget ?? DEFAULT_BUDGET));
  if (!budget.ok) return fail(budget.message);
  if (props.expect !== 'holds' && props.expect !== 'violated') {
    return fail(
      `the expect attribute is required and must be "holds" or "violated" (got ${JSON.stringify(props.expect)})`,
    );
  }
  const id = props.id ?? `${info.name}-${props.variant}-${mm.value}`;
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) fail(`id "${id}" must be lower-case letters, digits and dashes`);

  const vName = variant.value;
  const mmName = mm.value;
  const result: CheckResult = buildCheck(`${info.name}/${vName}/${mmName}/${JSON.stringify(params.value)}`, () =>
    check(model, { variant: vName, memoryModel: mmName, params: params.value, maxStates: budget.value }),
  );
  const declared = info.variants.find((v) => v.name === vName)?.expect[mmName];
  if (result.verdict !== props.expect) {
    fail(
      `the chapter says "${props.expect}" but the checker finds "${result.verdict}"${result.reason ? ` (${result.reason})` : ''}`,
    );
  }
  if (!declared) return fail(`variant ${vName} declares no expectation for memory model ${mmName}`);
  if (declared.verdict !== props.expect) {
    fail(`the chapter says "${props.expect}" but the variant declares "${declared.verdict}"`);
  }
  if (declared.property && result.violation?.property !== declared.property) {
    fail(`the variant declares property ${declared.property}, the checker breaks ${result.violation?.property}`);
  }
  // The variant records its state count at the model's own parameters (with the checker's
  // defaults, as here); with other parameters there is no count to compare. This is the only run
  // of the larger chapter checks in `npm test` (test/content-checks.test.ts leaves the search to
  // the build), and the browser tests compare the page's own run with this count.
  if (Object.keys(params.value).length === 0 && result.states !== declared.states) {
    fail(
      `the checker explores ${result.states} states, the variant records ${declared.states} (re-record with scripts/record-golden.ts if the change is meant)`,
    );
  }
  if (result.verdict === 'violated' && (result.counterexample?.steps.length ?? 0) === 0) {
    fail('the checker finds a violation but no counterexample to show');
  }
  return {
    model,
    info,
    id,
    variant: vName,
    memoryModel: mmName,
    params: params.value,
    budget: budget.value,
    result,
    meta: traceMeta(model, vName, params.value),
  };
}

/**
 * Where the whole counterexample of a check is served as text, relative to the site's root:
 * `kvm-traces/<model>/<variant>.<memory model>[.<name>=<value>…].txt`, one file per selection
 * (two checks of one selection share it).
 */
export function traceTextPath(c: Pick<BuiltLiveCheck, 'info' | 'variant' | 'memoryModel' | 'params'>): string {
  const params = Object.entries(c.params).map(([k, v]) => `.${k}=${v}`);
  return `kvm-traces/${c.info.name}/${c.variant}.${c.memoryModel}${params.join('')}.txt`;
}
