/**
 * Validation of everything a reader can set, before anything runs. Each function returns a
 * message fit to show next to the control, or the parsed value.
 */
import type { MemoryModelName, ModelInfo, Params } from './types.ts';

/** The largest state budget a page may ask for (the state store lives in the tab's memory). */
export const MAX_BUDGET = 5_000_000;
export const DEFAULT_BUDGET = 1_000_000;

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(message: string): Checked<T> => ({ ok: false, message });

/** Parses a whole number written by a reader: digits only (thousands separators allowed). */
export function parseWhole(text: string): number | undefined {
  const t = text.trim().replace(/[\s,_']/g, '');
  if (!/^\d{1,10}$/.test(t)) return undefined;
  return Number(t);
}

export function checkVariant(info: ModelInfo, name: string): Checked<string> {
  return info.variants.some((v) => v.name === name)
    ? ok(name)
    : bad(`Model ${info.name} has no variant “${name.slice(0, 40)}”; pick one from the list.`);
}

export function checkMemoryModel(info: ModelInfo, name: string): Checked<MemoryModelName> {
  return (info.memoryModels as readonly string[]).includes(name)
    ? ok(name as MemoryModelName)
    : bad(`Model ${info.name} is checked under ${info.memoryModels.join(', ')} only.`);
}

export function checkBudget(text: string): Checked<number> {
  const n = parseWhole(text);
  if (n === undefined) return bad('The state budget must be a whole number, such as 1000000.');
  if (n < 1) return bad('The state budget must be at least 1 state.');
  if (n > MAX_BUDGET) {
    return bad(`The state budget can be at most ${MAX_BUDGET.toLocaleString('en')} states in a browser tab.`);
  }
  return ok(n);
}

export function checkParam(info: ModelInfo, name: string, text: string): Checked<number> {
  const spec = info.params.find((p) => p.name === name);
  if (!spec) return bad(`Model ${info.name} has no parameter ${name}.`);
  const n = parseWhole(text);
  if (n === undefined || n < spec.min || n > spec.max) {
    return bad(`${spec.name} must be a whole number from ${spec.min} to ${spec.max}.`);
  }
  return ok(n);
}

/** Parses the `params` attribute form `name=value,name=value` against the model's parameters. */
export function parseParams(info: ModelInfo, text: string | undefined): Checked<Params> {
  const out: Record<string, number> = {};
  if (text === undefined || text.trim() === '') return ok(out);
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(\S+)\s*$/.exec(part);
    if (!m) return bad(`malformed parameter “${part}” (expected name=value)`);
    const r = checkParam(info, m[1] as string, m[2] as string);
    if (!r.ok) return r;
    out[m[1] as string] = r.value;
  }
  return ok(out);
}
