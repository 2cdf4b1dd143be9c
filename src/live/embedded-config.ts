/**
 * The compact form in which a page embeds its live checks' build-time results (a chapter has
 * thirty of them), shared by the build (LiveCheck.astro) and the page's client code (client.ts):
 *
 * - a violated property's description is written once per page, in the first check that
 *   needs it; the others name it by `kind/property` and the client finds it there;
 * - a counterexample's encoded trace is written without its head (`t1/model/variant/mm/params/`),
 *   which the client rebuilds from the check's own selection, when the head is exactly that.
 *
 * No engine import: the client bundle must not pull the engine in.
 */
import type { BuildResult, EmbeddedLiveConfig, Params } from './types.ts';

/** The selection a check's trace head names (`params`: every parameter, in the model's order). */
interface Selection {
  readonly model: string;
  readonly variant: string;
  readonly memoryModel: string;
  readonly params: Params;
}

/** How a page names a violated property's description: one key per kind and property. */
export const descriptionKey = (v: { readonly kind: string; readonly property: string }): string =>
  `${v.kind}/${v.property}`;

/** The encoded trace's head for a selection (trace.ts encodeTrace): every parameter, in the given order. */
export function traceHead({ model, variant, memoryModel, params }: Selection): string {
  const p = Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `t1/${model}/${variant}/${memoryModel}/${p || '-'}/`;
}

/**
 * The build-time result as the page embeds it. `described` is the page's set of description
 * keys written so far (the first check of a page with a given property writes its description;
 * a second description under the same key is written in full). `params` are all the
 * parameters, in the model's order (as the client rebuilds them).
 */
export function embedResult(
  result: BuildResult,
  selection: Selection,
  described: Map<string, string>,
): EmbeddedLiveConfig['result'] {
  const v = result.violation;
  let violation: EmbeddedLiveConfig['result']['violation'];
  if (v) {
    const key = descriptionKey(v);
    const known = described.get(key);
    if (known === v.description) violation = { kind: v.kind, property: v.property };
    else {
      if (known === undefined) described.set(key, v.description);
      violation = v;
    }
  }
  const t = result.trace;
  const head = traceHead(selection);
  const trace = t
    ? t.encoded.startsWith(head)
      ? { tail: t.encoded.slice(head.length), steps: t.steps }
      : { encoded: t.encoded, steps: t.steps }
    : undefined;
  return { verdict: result.verdict, ...(violation ? { violation } : {}), ...(trace ? { trace } : {}) };
}

/**
 * The build-time result back in full. `params`: every parameter, in the model's order;
 * `description(key)`: the description another check of the page wrote (undefined if none did).
 */
export function expandResult(
  embedded: EmbeddedLiveConfig['result'],
  selection: Selection,
  description: (key: string) => string | undefined,
): BuildResult {
  const v = embedded.violation;
  const violation = v
    ? {
        kind: v.kind,
        property: v.property,
        description: v.description ?? description(descriptionKey(v)) ?? v.property,
      }
    : undefined;
  const t = embedded.trace;
  const encoded = t ? (t.encoded ?? traceHead(selection) + (t.tail ?? '')) : undefined;
  return {
    verdict: embedded.verdict,
    ...(violation ? { violation } : {}),
    ...(t && encoded ? { trace: { encoded, steps: t.steps } } : {}),
  };
}
