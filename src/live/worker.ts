/// <reference lib="webworker" />
/**
 * The checker's Web Worker: every check, replay and simulation a page asks for runs here, so
 * the page never freezes. Cancelling a check terminates the worker (the client starts a fresh
 * one), so no cancel message is needed. Every failure is reported back, never swallowed.
 */

import { checkControls } from '../plots/controls.ts';
import { findPlot } from '../plots/index.ts';
import {
  check,
  checkAsync,
  emptyTrace,
  replayEncoded,
  simulate,
  successorsOf,
  TraceError,
} from '../spec/engine/index.ts';
import { findModel, MODELS } from '../spec/models/index.ts';
import { checkLitmusText } from './litmus-worker.ts';
import { traceMeta } from './meta.ts';
import type { FromWorker, ToWorker } from './types.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker) => scope.postMessage(m);

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'check': {
      const model = findModel(msg.model);
      const result = await checkAsync(model, {
        variant: msg.variant,
        memoryModel: msg.memoryModel,
        params: msg.params,
        maxStates: msg.maxStates,
        progressIntervalMs: 150,
        onProgress: (progress) => post({ type: 'progress', id: msg.id, progress }),
      });
      post({ type: 'result', id: msg.id, result, meta: traceMeta(model, result.variant, result.params) });
      return;
    }
    case 'replay': {
      const trace = replayEncoded(MODELS, msg.encoded);
      post({ type: 'trace', id: msg.id, trace, meta: traceMeta(findModel(trace.model), trace.variant, trace.params) });
      return;
    }
    case 'successors':
      post({
        type: 'successors',
        id: msg.id,
        successors: successorsOf(MODELS, typeof msg.from === 'string' ? msg.from : emptyTrace(msg.from), msg.at),
      });
      return;
    case 'litmus':
      post({ type: 'litmus-result', id: msg.id, outcome: checkLitmusText(msg.source, msg.maxStates) });
      return;
    case 'plot': {
      const plot = findPlot(msg.plot);
      const model = findModel(plot.model);
      const checked = checkControls(
        plot.controls,
        msg.values,
        model.variants.map((v) => v.name),
      );
      if (!checked.ok) throw new RangeError(Object.values(checked.errors).join(' '));
      const data = plot.measure((opts) => simulate(model, opts), checked.values, { model, check, simulate });
      post({ type: 'plot-data', id: msg.id, data });
      return;
    }
  }
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  handle(msg).catch((e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    const kind = e instanceof TraceError ? 'trace' : e instanceof RangeError ? 'input' : 'internal';
    post({ type: 'error', id: msg.id, kind, message });
  });
};

post({ type: 'ready' });
