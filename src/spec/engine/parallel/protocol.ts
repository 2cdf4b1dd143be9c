/**
 * The messages between an explorer in charge of a parallel search (coordinator.ts) and its
 * helpers (helper.ts), and the transport that carries them. The engine knows no threads: the CLI
 * implements Transport with Node's worker_threads (src/cli/parallel.ts), the site with Web Workers,
 * and the tests in process (in-process.ts). Everything sent is plain data and Int32Arrays whose
 * buffers are transferred, not copied, so nothing needs SharedArrayBuffer.
 */
import type { MemoryModelName } from '../model.ts';
import type { TableUpdate } from './numbering.ts';
import type { Phase, RestartCause } from './work.ts';

/** The explorer options a helper's replica needs to expand states as the explorer in charge does. */
export interface ReplicaOptions {
  readonly reduction?: boolean;
  readonly liveness?: boolean;
  readonly symmetry?: boolean;
  readonly quotient?: boolean;
  readonly unobservedGhosts?: boolean;
  readonly oneGraph?: boolean;
}

/** What to replicate: a model of the helper's registry, by name, instantiated as the check does. */
export interface ReplicaSpec {
  readonly model: string;
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  readonly memoryModel: MemoryModelName;
  readonly options: ReplicaOptions;
}

export type ToHelper =
  | ({ readonly type: 'init'; readonly session: number } & ReplicaSpec)
  /**
   * The search starts again (explore.ts restarts): the replica takes the explorer's history
   * numbers so far (numbering.ts), then does the same.
   */
  | {
      readonly type: 'restart';
      readonly session: number;
      readonly cause: RestartCause;
      readonly updates: readonly TableUpdate[];
    }
  /** Expand these states (`states` packs each as [len, words…]), after taking the new history numbers. */
  | {
      readonly type: 'work';
      readonly session: number;
      readonly batch: number;
      readonly phase: Phase;
      readonly states: Int32Array;
      readonly updates: readonly TableUpdate[];
    }
  /** History numbers the explorer gave since the last message (numbering.ts). */
  | { readonly type: 'numbers'; readonly session: number; readonly updates: readonly TableUpdate[] }
  | { readonly type: 'end'; readonly session: number };

export type FromHelper =
  /** The records of a batch's states (work.ts), record k starting at offsets[k]. */
  | {
      readonly type: 'done';
      readonly session: number;
      readonly batch: number;
      readonly records: Int32Array;
      readonly offsets: Int32Array;
    }
  | { readonly type: 'fail'; readonly session: number; readonly message: string };

export interface Transport {
  /** How many helpers there are (numbered 0..helpers - 1). */
  readonly helpers: number;
  /** Whether wait() can block: false in a browser's event loop (then only checkAsync works). */
  readonly blocking: boolean;
  post(helper: number, message: ToHelper, transfer: readonly ArrayBuffer[]): void;
  /** A message that has arrived, or undefined; never waits. */
  poll(): FromHelper | undefined;
  /** Waits until a message may have arrived, at most `ms`; does nothing if it cannot block. */
  wait(ms: number): void;
  /**
   * At how many states to start the helpers and to hand out work (coordinator.ts START_FROM and
   * PARALLEL_FROM by default): what starting a helper and a message cost is the transport's.
   */
  readonly startFrom?: number;
  readonly parallelFrom?: number;
}
