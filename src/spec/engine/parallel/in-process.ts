/**
 * A transport whose helpers run in the same thread (parallel/protocol.ts): the tests' way to
 * check the protocol and the parallel search's results without threads. Messages are copied as a
 * worker's would be (structuredClone), and answered only when the explorer waits (blocking), or
 * from a later task (non-blocking, as a Web Worker's answer arrives in a browser); `shuffle`
 * answers the pending batches in a seeded random order, as helpers of different speeds would.
 */
import type { AnyModel } from '../check.ts';
import { Rng } from '../prng.ts';
import { Helper } from './helper.ts';
import type { FromHelper, ToHelper, Transport } from './protocol.ts';

export interface InProcessOptions {
  readonly helpers?: number;
  /** Answer in wait() (true, the default) or from a setTimeout task, as a browser would. */
  readonly blocking?: boolean;
  /** Seed for answering pending requests in random order across helpers. */
  readonly shuffle?: number;
  /** Transport.startFrom and parallelFrom (default 0: helpers here cost nothing to start). */
  readonly startFrom?: number;
  readonly parallelFrom?: number;
}

export class InProcessTransport implements Transport {
  readonly helpers: number;
  readonly blocking: boolean;
  readonly startFrom: number;
  readonly parallelFrom: number;
  readonly #helpers: Helper[];
  /** Requests not yet handled, per helper (each helper handles its own in order). */
  readonly #inbox: ToHelper[][];
  readonly #outbox: FromHelper[] = [];
  readonly #rng: Rng | undefined;
  #scheduled = false;
  /** Messages sent to helpers, for the tests. */
  posted = 0;

  constructor(models: readonly AnyModel[], options: InProcessOptions = {}) {
    this.helpers = options.helpers ?? 2;
    this.blocking = options.blocking ?? true;
    this.startFrom = options.startFrom ?? 0;
    this.parallelFrom = options.parallelFrom ?? 0;
    this.#helpers = Array.from({ length: this.helpers }, () => new Helper(models));
    this.#inbox = Array.from({ length: this.helpers }, () => []);
    this.#rng = options.shuffle === undefined ? undefined : new Rng(options.shuffle);
  }

  post(helper: number, message: ToHelper, _transfer: readonly ArrayBuffer[]): void {
    (this.#inbox[helper] as ToHelper[]).push(structuredClone(message));
    this.posted++;
    if (!this.blocking && !this.#scheduled) {
      this.#scheduled = true;
      setTimeout(() => {
        this.#scheduled = false;
        while (this.#step()) {}
      }, 0);
    }
  }

  poll(): FromHelper | undefined {
    // Blocking: helpers make progress whenever the explorer looks for answers, as threads would.
    if (this.blocking && this.#outbox.length === 0) this.#step();
    return this.#outbox.shift();
  }

  wait(_ms: number): void {
    if (this.blocking) this.#step();
  }

  /** Lets one helper (the next, or a random one) handle its oldest request; false if none is pending. */
  #step(): boolean {
    const busy = this.#inbox.map((q, h) => (q.length > 0 ? h : -1)).filter((h) => h >= 0);
    if (busy.length === 0) return false;
    const h = this.#rng === undefined ? (busy[0] as number) : (busy[this.#rng.int(busy.length)] as number);
    const m = (this.#inbox[h] as ToHelper[]).shift() as ToHelper;
    const reply = (this.#helpers[h] as Helper).handle(m);
    if (reply !== undefined) this.#outbox.push(structuredClone(reply.message));
    return true;
  }
}
