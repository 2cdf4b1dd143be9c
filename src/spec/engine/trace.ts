/**
 * Counterexample traces: what a reader sees (one entry per step, with the state after it), and
 * a short string form that replays deterministically.
 *
 * The string form names the model, variant, memory model and parameters, lists the transitions
 * as (unit, choice) pairs, and ends with a checksum of the steps' descriptions. Replaying
 * regenerates each state's successors and takes the recorded one, so a trace never depends on
 * internal numbering; if the model changed so that a step is no longer possible, or does
 * something else, replay fails with an error that says which step diverged.
 */
import type { Site } from './actions.ts';
import type { RawPath } from './explore.ts';
import type { Machine, StepInfo } from './machine.ts';
import type { MemoryPicture } from './memory/system.ts';
import type { MemoryModelName } from './model.ts';

export interface StateSnapshot {
  readonly threads: readonly {
    readonly name: string;
    readonly cpu: number;
    readonly done: boolean;
    readonly irqsDisabled: boolean;
    readonly inGuest: boolean;
    readonly next: string;
    readonly nextSite?: Site;
  }[];
  readonly cpus: readonly {
    readonly cpu: number;
    readonly pending: readonly string[];
    readonly handler?: string;
    /** Present (true) only for an offline CPU. */
    readonly offline?: boolean;
    /** Present (true) only for a CPU spinning in stop_machine while another runs the body. */
    readonly stopped?: boolean;
  }[];
  readonly memory: MemoryPicture;
  readonly ghosts: readonly { readonly name: string; readonly value: number }[];
}

export interface TraceStep extends StepInfo {
  readonly index: number;
  readonly state: StateSnapshot;
}

export interface TraceHeader {
  readonly model: string;
  readonly variant: string;
  readonly memoryModel: MemoryModelName;
  readonly params: Readonly<Record<string, number>>;
}

export interface Trace extends TraceHeader {
  readonly initial: StateSnapshot;
  readonly steps: readonly TraceStep[];
  /** For a lasso: the step index where the repeating cycle begins (steps.length: it stops). */
  readonly cycleStart?: number;
  readonly encoded: string;
}

export class TraceError extends Error {}

export function snapshot(machine: Machine, s: Int32Array): StateSnapshot {
  return {
    threads: machine.threadViews(s).map((t, i) => {
      const site = machine.nextAction(s, i).site;
      return site ? { ...t, nextSite: site } : t;
    }),
    cpus: machine.cpuViews(s),
    memory: machine.memoryPicture(s),
    ghosts: machine.ghostValues(s),
  };
}

/** Replays a path from the initial state, describing every step; throws TraceError on mismatch. */
export function replay(machine: Machine, header: TraceHeader, path: RawPath): Trace {
  let s = machine.initial();
  const initial = snapshot(machine, s);
  const steps: TraceStep[] = [];
  /** The state before each step and after the last, for checking a lasso's loop. */
  const states: Int32Array[] = [s];
  path.steps.forEach(({ unit, choice }, index) => {
    if (!Number.isInteger(unit) || unit < 0 || unit >= machine.units.length) {
      throw new TraceError(`step ${index + 1}: there is no unit ${unit} in this model`);
    }
    let next: Int32Array | undefined;
    machine.unitSuccessors(s, s.length, unit, (_u, c, st, len) => {
      if (c === choice && next === undefined) next = st.slice(0, len);
    });
    if (next === undefined) {
      const who = machine.units[unit]?.name ?? String(unit);
      throw new TraceError(
        `step ${index + 1}: ${who} cannot take that step here; the trace does not match this version of the model`,
      );
    }
    const info = machine.describeStep(s, unit, choice, next);
    steps.push({ ...info, index, state: snapshot(machine, next) });
    s = next;
    if (path.cycleStart !== undefined) states.push(s);
  });
  // A lasso's loop is a claim about the run, and is checked like its steps: the state after the
  // last step must be the state where the cycle begins (or, for a run that stops, one from
  // which no step is possible). Otherwise a safety trace with a marker added would replay as
  // a progress counterexample that nobody found.
  const start = path.cycleStart;
  if (start !== undefined) {
    if (!Number.isInteger(start) || start < 0 || start > path.steps.length) {
      throw new TraceError(`the cycle marker ${start} is not a step of this ${path.steps.length}-step trace`);
    }
    if (start === path.steps.length) {
      if (machine.successors(s, s.length, () => {}) > 0) {
        throw new TraceError(`the trace claims the run stops after step ${start}, but a step is still possible there`);
      }
    } else if (!sameState(states[start] as Int32Array, s)) {
      throw new TraceError(
        `the trace claims a cycle from step ${start + 1}, but the run does not return to the state where it begins`,
      );
    }
  }
  const base = { ...header, initial, steps };
  const trace = path.cycleStart === undefined ? base : { ...base, cycleStart: path.cycleStart };
  return { ...trace, encoded: encodeTrace(header, path, checksum(steps)) };
}

function sameState(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** FNV-1a over the steps' actors, texts and results: detects a model that changed meaning. */
export function checksum(steps: readonly StepInfo[]): string {
  let h = 0x811c9dc5;
  for (const st of steps) {
    const text = `${st.actor}|${st.text}|${st.result ?? ''};`;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function encodeTrace(header: TraceHeader, path: RawPath, sum: string): string {
  const params = Object.entries(header.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const steps = path.steps.map(({ unit, choice }) =>
    choice === 0 ? unit.toString(36) : `${unit.toString(36)}:${choice.toString(36)}`,
  );
  const cycle = path.cycleStart === undefined ? '-' : path.cycleStart.toString(36);
  return [
    't1',
    header.model,
    header.variant,
    header.memoryModel,
    params || '-',
    steps.join('.') || '-',
    cycle,
    sum,
  ].join('/');
}

/** The trace of no steps (the initial state) of a model, variant, memory model and parameters. */
export function emptyTrace(header: TraceHeader): string {
  return encodeTrace(header, { steps: [] }, checksum([]));
}

export interface DecodedTrace {
  readonly header: TraceHeader;
  readonly path: RawPath;
  readonly checksum: string;
}

/** Parses the string form strictly; throws TraceError with a message fit for a reader. */
export function decodeTrace(text: string): DecodedTrace {
  if (text.length > 20000) throw new TraceError('the trace is too long to be one of ours');
  const parts = text.split('/');
  if (parts.length !== 8 || parts[0] !== 't1')
    throw new TraceError('not a kvmspec trace (expected t1/model/variant/…)');
  const [, model, variant, mm, params, steps, cycle, sum] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!NAME.test(model)) throw new TraceError('malformed model name in trace');
  if (!NAME.test(variant)) throw new TraceError('malformed variant name in trace');
  if (mm !== 'sc' && mm !== 'tso' && mm !== 'relaxed')
    throw new TraceError(`unknown memory model ${JSON.stringify(mm.slice(0, 20))} in trace`);
  const parsedParams: Record<string, number> = {};
  if (params !== '-') {
    for (const kv of params.split(',')) {
      const m = /^([a-z][a-zA-Z0-9]{0,31})=(\d{1,4})$/.exec(kv);
      if (!m) throw new TraceError('malformed parameters in trace');
      parsedParams[m[1] as string] = Number(m[2]);
    }
  }
  const parsedSteps: { unit: number; choice: number }[] = [];
  if (steps !== '-') {
    for (const st of steps.split('.')) {
      const m = /^([0-9a-z]{1,3})(?::([0-9a-z]{1,3}))?$/.exec(st);
      if (!m) throw new TraceError('malformed step list in trace');
      parsedSteps.push({ unit: Number.parseInt(m[1] as string, 36), choice: m[2] ? Number.parseInt(m[2], 36) : 0 });
    }
  }
  let cycleStart: number | undefined;
  if (cycle !== '-') {
    if (!/^[0-9a-z]{1,4}$/.test(cycle)) throw new TraceError('malformed cycle marker in trace');
    cycleStart = Number.parseInt(cycle, 36);
    if (cycleStart > parsedSteps.length) throw new TraceError('cycle marker beyond the end of the trace');
  }
  if (!/^[0-9a-f]{8}$/.test(sum)) throw new TraceError('malformed checksum in trace');
  const path = cycleStart === undefined ? { steps: parsedSteps } : { steps: parsedSteps, cycleStart };
  return { header: { model, variant, memoryModel: mm, params: parsedParams }, path, checksum: sum };
}
