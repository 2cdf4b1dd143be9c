/**
 * A plot is a pure description: controls the reader can move, a measurement that runs the
 * model's simulation (in Node at build time, in the checker's worker in the browser), and a
 * function from the measured data to an Observable Plot spec. No DOM here: the caller renders
 * the spec (with linkedom at build time, with the page's document in the browser).
 */
import type * as PlotLib from '@observablehq/plot';
import type { AnyModel, CheckRequest, CheckResult, SimSummary, SimulateOptions } from '../spec/engine/index.ts';

export type PlotModule = typeof PlotLib;
export type PlotSpec = PlotLib.PlotOptions;

/** `simulate` bound to the plot's model. */
export type Simulate = (opts: SimulateOptions) => SimSummary;

/**
 * The engine, handed to `measure` by whoever runs it (the build in Node, the checker's worker in
 * the browser). A plot that takes the engine from here rather than importing it keeps the
 * engine out of the page's own bundle: the page only needs the plot's `spec`.
 */
export interface PlotEngine {
  /** The plot's model. */
  readonly model: AnyModel;
  readonly check: (model: AnyModel, req?: CheckRequest) => CheckResult;
  readonly simulate: (model: AnyModel, opts: SimulateOptions) => SimSummary;
}

export interface SelectControl {
  readonly kind: 'select';
  readonly name: string;
  readonly label: string;
  /** Fixed options, or 'variants': the variants of the plot's model (filled in at build time). */
  readonly options: readonly { readonly value: string; readonly label: string }[] | 'variants';
  readonly default: string;
}

export interface NumberControl {
  /** range: a slider; number: a text field for a whole number. */
  readonly kind: 'range' | 'number';
  readonly name: string;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly default: number;
}

export type Control = SelectControl | NumberControl;

export type ControlValues = Readonly<Record<string, string | number>>;

export interface PlotDef<Data = unknown> {
  readonly name: string;
  readonly model: string;
  readonly title: string;
  /** What the plot shows, in one or two sentences (also its accessible description). */
  readonly description: string;
  readonly controls: readonly Control[];
  /** Runs the simulations for one setting of the controls; the result must be structured-cloneable. */
  measure(simulate: Simulate, values: ControlValues, engine: PlotEngine): Data;
  /** One sentence stating the measured numbers (shown under the plot, and read without the SVG). */
  summary(data: Data, values: ControlValues): string;
  /** The Plot spec for measured data: a pure function (Plot is passed in, so no DOM is touched). */
  spec(Plot: PlotModule, data: Data, values: ControlValues): PlotSpec;
}
