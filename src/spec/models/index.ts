/** Every model the site, the CLI and the tests know, by name. */
import type { AnyModel } from '../engine/check.ts';
import { nohzRcu } from './nohz-rcu/model.ts';
import { requests } from './requests/model.ts';
import { rseq } from './rseq/model.ts';
import { sb } from './sb/model.ts';
import { tsc } from './tsc/model.ts';

export const MODELS: readonly AnyModel[] = [requests, rseq, nohzRcu, sb, tsc];

export function findModel(name: string): AnyModel {
  const m = MODELS.find((x) => x.name === name);
  if (!m) throw new RangeError(`unknown model ${name} (models: ${MODELS.map((x) => x.name).join(', ')})`);
  return m;
}
