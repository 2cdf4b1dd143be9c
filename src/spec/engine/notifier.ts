/**
 * Notifier chains (kernel/notifier.c): callbacks called one after another, in priority order
 * (higher first; equal priorities in registration order), each told the event and its data,
 * until one returns a value with NOTIFY_STOP_MASK. In the model a chain is a plain list of
 * model functions run by the calling thread, so their steps are the caller's steps.
 */
import type { Op } from './actions.ts';

export const NOTIFY_DONE = 0x0000;
export const NOTIFY_OK = 0x0001;
export const NOTIFY_STOP_MASK = 0x8000;

export type NotifierCall = (val: number, data: number) => Op<number>;

interface Block {
  readonly name: string;
  readonly call: NotifierCall;
  readonly priority: number;
}

export class NotifierChain {
  readonly #blocks: Block[] = [];
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  /** notifier_chain_register(): before blocks of lower priority, after those of equal priority. */
  register(name: string, call: NotifierCall, priority = 0): void {
    if (this.#blocks.some((b) => b.name === name)) throw new Error(`${this.name}: ${name} registered twice`);
    const at = this.#blocks.findIndex((b) => b.priority < priority);
    const block = { name, call, priority };
    if (at < 0) this.#blocks.push(block);
    else this.#blocks.splice(at, 0, block);
  }

  get names(): readonly string[] {
    return this.#blocks.map((b) => b.name);
  }

  /** notifier_call_chain(): returns the last callback's result (NOTIFY_DONE for an empty chain). */
  *call(val: number, data: number): Op<number> {
    let ret = NOTIFY_DONE;
    for (const b of this.#blocks) {
      ret = yield* b.call(val, data);
      if ((ret & NOTIFY_STOP_MASK) !== 0) break;
    }
    return ret;
  }
}
