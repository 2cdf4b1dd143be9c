/** Validation of a plot's control values, before anything runs (in the page and in the worker). */
import type { Control, ControlValues } from './types.ts';

export type ControlCheck =
  | { readonly ok: true; readonly values: ControlValues }
  | { readonly ok: false; readonly errors: Readonly<Record<string, string>> };

/** The allowed values of a select control (its options, or the model's variants given by the caller). */
export function optionValues(control: Control, variants: readonly string[]): readonly string[] {
  if (control.kind !== 'select') return [];
  return control.options === 'variants' ? variants : control.options.map((o) => o.value);
}

export function defaults(controls: readonly Control[]): ControlValues {
  return Object.fromEntries(controls.map((c) => [c.name, c.default]));
}

/** Checks every value (strings as typed by a reader, or numbers); fills in defaults for missing ones. */
export function checkControls(
  controls: readonly Control[],
  given: Readonly<Record<string, string | number | undefined>>,
  variants: readonly string[],
): ControlCheck {
  const values: Record<string, string | number> = {};
  const errors: Record<string, string> = {};
  for (const c of controls) {
    const raw = given[c.name] ?? c.default;
    if (c.kind === 'select') {
      const allowed = optionValues(c, variants);
      if (typeof raw === 'string' && allowed.includes(raw)) values[c.name] = raw;
      else errors[c.name] = `${c.label}: choose one of ${allowed.join(', ')}.`;
      continue;
    }
    const text = String(raw).trim();
    const n = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(n) || n < c.min || n > c.max) {
      errors[c.name] =
        `${c.label} must be a whole number from ${c.min.toLocaleString('en')} to ${c.max.toLocaleString('en')}.`;
    } else if ((n - c.min) % c.step !== 0) {
      errors[c.name] = `${c.label} must be a multiple of ${c.step} (from ${c.min}).`;
    } else values[c.name] = n;
  }
  for (const k of Object.keys(given)) if (!controls.some((c) => c.name === k)) errors[k] = `unknown control ${k}`;
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, values };
}
