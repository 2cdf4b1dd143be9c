/**
 * The parallel search's transport under Node (src/spec/engine/parallel/protocol.ts): one
 * worker_threads Worker per helper, each running src/cli/check-worker.ts, started when the
 * first batch is sent (a small search never starts them). The explorer blocks between answers
 * (Atomics.wait on a counter the workers bump after each answer, then receiveMessageOnPort),
 * so `kvmspec check` stays synchronous; messages are plain data with transferred buffers.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { FromHelper, ToHelper, Transport } from '../spec/engine/parallel/protocol.ts';

/**
 * The default --workers: 1, the sequential search, until the parallel search is faster. Two
 * workers measured 0.45x (requests 2x1 TSO), 0.55x (rseq TSO) and 1.24x (nohz-rcu relaxed) of
 * the sequential search's speed (content/reference.md, "Parallel search"), so a default of one
 * helper per core would make most checks slower.
 */
export const defaultWorkers = (): number => 1;

export class NodeTransport implements Transport {
  readonly helpers: number;
  readonly blocking = true;
  readonly #signal = new Int32Array(new SharedArrayBuffer(4));
  #seen = 0;
  readonly #workers: (Worker | undefined)[];
  readonly #ports: (MessagePort | undefined)[];
  #next = 0;

  constructor(helpers: number) {
    this.helpers = helpers;
    this.#workers = new Array<Worker | undefined>(helpers).fill(undefined);
    this.#ports = new Array<MessagePort | undefined>(helpers).fill(undefined);
  }

  /** Whether any worker was started. */
  get started(): boolean {
    return this.#workers.some((w) => w !== undefined);
  }

  #port(h: number): MessagePort {
    const known = this.#ports[h];
    if (known !== undefined) return known;
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./check-worker.ts', import.meta.url), {
      workerData: { port: port2, signal: this.#signal },
      transferList: [port2],
      // The loader hook (src/cli/register.mjs) comes with the parent's execArgv; no stdin.
      stdin: false,
    });
    // Not keeping the process alive: the CLI exits when its work is done.
    worker.unref();
    port1.unref();
    this.#workers[h] = worker;
    this.#ports[h] = port1;
    return port1;
  }

  post(helper: number, message: ToHelper, transfer: readonly ArrayBuffer[]): void {
    this.#port(helper).postMessage(message, transfer as ArrayBuffer[]);
  }

  poll(): FromHelper | undefined {
    for (let k = 0; k < this.helpers; k++) {
      const h = (this.#next + k) % this.helpers;
      const port = this.#ports[h];
      if (port === undefined) continue;
      const m = receiveMessageOnPort(port);
      if (m !== undefined) {
        this.#next = (h + 1) % this.helpers;
        return m.message as FromHelper;
      }
    }
    return undefined;
  }

  wait(ms: number): void {
    if (Atomics.load(this.#signal, 0) === this.#seen) Atomics.wait(this.#signal, 0, this.#seen, ms);
    this.#seen = Atomics.load(this.#signal, 0);
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w?.terminate()));
    for (const p of this.#ports) p?.close();
  }
}
