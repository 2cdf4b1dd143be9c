import type { Action, Op, Site } from './actions.ts';

/**
 * Attaches a source location to the actions an operation yields, unless a deeper model frame
 * already did. The `instrument` transform (src/build/instrument.ts) wraps every `yield*` in a
 * model file as `yield* $site(file, line, …)`, so a trace step points at the model line a
 * reader sees, in Node and in the browser bundle alike.
 */
export function* $site<R>(file: string, line: number, op: Op<R>): Op<R> {
  let site: Site | undefined;
  let next = op.next();
  while (!next.done) {
    const act: Action = next.value;
    if (act.site === undefined) {
      site ??= { file, line };
      act.site = site;
    }
    next = op.next(yield act);
  }
  return next.value;
}
