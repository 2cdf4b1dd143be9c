/**
 * A helper of a parallel `kvmspec check` (src/cli/parallel.ts): answers the explorer's batches
 * on its port with src/spec/engine/parallel/helper.ts, and bumps the shared counter after each
 * answer so that the explorer, blocked in Atomics.wait, wakes up.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import type { FromHelper, ToHelper } from '../spec/engine/parallel/protocol.ts';

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

function send(message: FromHelper, transfer: readonly ArrayBuffer[]): void {
  port.postMessage(message, transfer as ArrayBuffer[]);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

try {
  const [{ Helper }, { MODELS }] = await Promise.all([
    import('../spec/engine/parallel/helper.ts'),
    import('../spec/models/index.ts'),
  ]);
  const helper = new Helper(MODELS);
  port.on('message', (m: ToHelper) => {
    const reply = helper.handle(m);
    if (reply !== undefined) send(reply.message, reply.transfer);
  });
} catch (e) {
  send({ type: 'fail', session: 0, message: `could not start: ${(e as Error).message}` }, []);
}
