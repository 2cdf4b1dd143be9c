/**
 * What the Litmus page (src/live/litmus-editor.ts) and the checker's worker exchange about a
 * litmus test. Type-only imports, so the page's bundle never pulls the parser or the engine in.
 */
import type { MemoryModelName, Trace } from '../spec/engine/index.ts';
import type { Observation } from '../spec/litmus/parse.ts';
import type { TraceMeta } from './types.ts';

export interface LitmusPageResult {
  readonly memoryModel: MemoryModelName;
  readonly observation?: Observation;
  readonly positive: number;
  readonly total: number;
  /** herd's "Flag data-race": some execution has a plain access that races. */
  readonly dataRace: boolean;
  readonly stated?: Observation;
  readonly agrees: boolean;
  readonly states: number;
  readonly ms: number;
  readonly finalStates: readonly { readonly values: Readonly<Record<string, string>>; readonly satisfies: boolean }[];
  readonly problem?: string;
  /** A shortest execution reaching a final state that satisfies the condition, when one exists. */
  readonly witness?: { readonly trace: Trace; readonly meta: TraceMeta };
}

export type LitmusPageOutcome =
  | {
      readonly ok: true;
      readonly name: string;
      readonly condition: string;
      readonly results: readonly LitmusPageResult[];
    }
  | { readonly ok: false; readonly line: number; readonly col: number; readonly message: string };
