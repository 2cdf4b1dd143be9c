/**
 * The page's side of the checker worker: one request at a time per component, progress
 * callbacks, and cancel by terminating the worker (a fresh one starts with the next request).
 * A worker that fails to load or crashes rejects the pending request with its message.
 */
import type { FromWorker, ProgressInfo, ToWorker } from './types.ts';

type Reply = Exclude<FromWorker, { type: 'ready' } | { type: 'progress' } | { type: 'error' }>;

export class WorkerError extends Error {
  readonly kind: 'trace' | 'input' | 'internal' | 'crash';
  constructor(kind: WorkerError['kind'], message: string) {
    super(message);
    this.kind = kind;
  }
}

export class Cancelled extends Error {}

/** Distributes ToWorker without its id: the handle numbers requests. */
type Request = ToWorker extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

export class CheckerWorker {
  #worker: Worker | undefined;
  #next = 1;
  #pending:
    | {
        id: number;
        resolve: (r: Reply) => void;
        reject: (e: Error) => void;
        onProgress?: ((p: ProgressInfo) => void) | undefined;
      }
    | undefined;

  #start(): Worker {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'kvmspec-checker' });
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const msg = event.data;
      const p = this.#pending;
      if (msg.type === 'ready' || !p || msg.id !== p.id) return;
      if (msg.type === 'progress') {
        p.onProgress?.(msg.progress);
        return;
      }
      this.#pending = undefined;
      if (msg.type === 'error') p.reject(new WorkerError(msg.kind, msg.message));
      else p.resolve(msg);
    };
    const crash = (message: string) => {
      const p = this.#pending;
      this.#pending = undefined;
      this.#worker?.terminate();
      this.#worker = undefined;
      p?.reject(new WorkerError('crash', message));
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      crash(`the checker's worker failed: ${event.message || 'it could not be loaded'}`);
    };
    worker.onmessageerror = () => crash('the checker sent a message the page could not read');
    return worker;
  }

  get busy(): boolean {
    return this.#pending !== undefined;
  }

  request(msg: Request, onProgress?: (p: ProgressInfo) => void): Promise<Reply> {
    if (this.#pending) this.cancel();
    this.#worker ??= this.#start();
    const id = this.#next++;
    const worker = this.#worker;
    return new Promise<Reply>((resolve, reject) => {
      this.#pending = { id, resolve, reject, onProgress };
      worker.postMessage({ ...msg, id } as ToWorker);
    });
  }

  /** Stops whatever runs now: the worker is terminated and the pending request rejects with Cancelled. */
  cancel(): void {
    const p = this.#pending;
    this.#pending = undefined;
    this.#worker?.terminate();
    this.#worker = undefined;
    p?.reject(new Cancelled('cancelled'));
  }
}
