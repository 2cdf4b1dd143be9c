/**
 * What the live components exchange: between the build (Astro frontmatter), the page's client
 * code and the checker's Web Worker. Type-only imports of the engine, so the client bundle never
 * pulls the engine in (it runs in the worker).
 */
import type {
  CheckResult,
  Expectation,
  KernelRef,
  MemoryModelName,
  ParamSpec,
  ProgressInfo,
  Successors,
  Trace,
  TraceHeader,
} from '../spec/engine/index.ts';

import type { LitmusPageOutcome } from './litmus-types.ts';

export type { CheckResult, MemoryModelName, ProgressInfo, Successors, Trace, TraceHeader };

/** A model as the reader's controls see it: names, descriptions, expectations. */
export interface ModelInfo {
  readonly name: string;
  readonly title: string;
  readonly source: string;
  readonly memoryModels: readonly MemoryModelName[];
  readonly defaultMemoryModel: MemoryModelName;
  readonly variants: readonly {
    readonly name: string;
    readonly description: string;
    readonly kernel: readonly KernelRef[];
    readonly expect: Partial<Record<MemoryModelName, Expectation>>;
  }[];
  readonly params: readonly ParamSpec[];
}

/** Names the trace viewer needs that a trace does not carry (memory locations by index). */
export interface TraceMeta {
  readonly locs: readonly string[];
  readonly threads: readonly string[];
  readonly cpus: number;
}

export type Params = Readonly<Record<string, number>>;

/**
 * A check result as a page embeds it: a counterexample only as its encoded string and length
 * (the browser replays it in the worker when it shows it), so a page carries a few hundred
 * bytes per check instead of every state of every step.
 */
export type EmbeddedResult = Omit<CheckResult, 'counterexample'> & {
  readonly trace?: { readonly encoded: string; readonly steps: number };
};

/**
 * What the client needs to hydrate a <LiveCheck>. The page embeds less ({@link EmbeddedLiveConfig});
 * the client fills in the rest.
 */
export interface LiveConfig {
  readonly id: string;
  readonly model: ModelInfo;
  readonly repoUrl: string;
  readonly variant: string;
  readonly memoryModel: MemoryModelName;
  /** Every parameter of the model, defaults included (as the result has them). */
  readonly params: Params;
  readonly budget: number;
  /**
   * What the client needs of the result computed at build time: the page shows its verdict
   * (the client keeps that markup and shows it again when the reader returns to the default),
   * and its counterexample is replayed from the encoded trace.
   */
  readonly result: BuildResult;
  /** Where the model's source files are (JSON: path → text), fetched when a trace is shown. */
  readonly sourcesUrl: string;
}

/** The build-time result as a page embeds it: the verdict, what breaks, and the trace to replay. */
export type BuildResult = Pick<EmbeddedResult, 'verdict' | 'violation' | 'trace'>;

/**
 * A <LiveCheck>'s configuration as the page embeds it (a chapter has thirty): the model by name
 * (its ModelInfo is one static JSON file per model, fetched once), only the parameters the
 * chapter sets (the client fills in the model's defaults), the budget only when it is not the
 * default, and the build-time result without what the page's markup says already (its
 * statistics and witnesses are in the verdict the page shows). The repository and the file
 * URLs are the site's.
 */
export type EmbeddedLiveConfig = Omit<
  LiveConfig,
  'model' | 'repoUrl' | 'sourcesUrl' | 'budget' | 'params' | 'result'
> & {
  readonly model: string;
  /** The parameters the chapter sets; absent when it sets none. */
  readonly params?: Params;
  readonly budget?: number;
  /** The build-time result, compacted (embedded-config.ts). */
  readonly result: {
    readonly verdict: BuildResult['verdict'];
    /** Without its description when an earlier check of the page wrote it (embedded-config.ts). */
    readonly violation?: Omit<NonNullable<BuildResult['violation']>, 'description'> & { readonly description?: string };
    /** The encoded trace, or only what follows its head (`tail`) when the head is the check's own selection. */
    readonly trace?: { readonly encoded?: string; readonly tail?: string; readonly steps: number };
  };
};

export type ToWorker =
  | {
      readonly type: 'check';
      readonly id: number;
      readonly model: string;
      readonly variant: string;
      readonly memoryModel: MemoryModelName;
      readonly params: Params;
      readonly maxStates: number;
    }
  | { readonly type: 'replay'; readonly id: number; readonly encoded: string }
  /** The steps enabled after the first `at` steps of a trace (explore mode). */
  | {
      readonly type: 'successors';
      readonly id: number;
      /** The trace, or (to start from the initial state) the model, variant, memory model and parameters. */
      readonly from: string | TraceHeader;
      readonly at: number;
    }
  | { readonly type: 'litmus'; readonly id: number; readonly source: string; readonly maxStates: number }
  | {
      readonly type: 'plot';
      readonly id: number;
      readonly plot: string;
      readonly values: Readonly<Record<string, string | number>>;
    };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly id: number; readonly progress: ProgressInfo }
  | { readonly type: 'result'; readonly id: number; readonly result: CheckResult; readonly meta: TraceMeta }
  | { readonly type: 'trace'; readonly id: number; readonly trace: Trace; readonly meta: TraceMeta }
  | { readonly type: 'successors'; readonly id: number; readonly successors: Successors }
  | { readonly type: 'plot-data'; readonly id: number; readonly data: unknown }
  | { readonly type: 'litmus-result'; readonly id: number; readonly outcome: LitmusPageOutcome }
  | {
      readonly type: 'error';
      readonly id: number;
      /** trace: a permalink that does not replay; input: a rejected parameter; internal: a bug. */
      readonly kind: 'trace' | 'input' | 'internal';
      readonly message: string;
    };
