/**
 * The components embedded in the chapters (content/**\/*.mdx), and the verdicts their
 * <LiveCheck>s state. The build runs every such check once and fails unless the checker agrees
 * (src/components/live-check-build.ts; test/content-checks.test.ts checks the tags themselves);
 * a model's own tests ask `chapterStates` instead of searching a selection a second time, so
 * that each exhaustive check runs once per `npm test`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Embed, findEmbeds } from '../../src/components/embeds.ts';
import { findModel } from '../../src/spec/models/index.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONTENT = `${ROOT}content/`;

/** Every embedded component of every chapter, in file order. */
export const EMBEDS: readonly Embed[] = readdirSync(CONTENT, { recursive: true })
  .map((f) => String(f).replaceAll('\\', '/'))
  .filter((f) => /\.mdx?$/.test(f))
  .sort()
  .flatMap((f) => findEmbeds(readFileSync(`${CONTENT}${f}`, 'utf8'), `content/${f}`));

const str = (e: Embed, name: string): string | undefined => {
  const v = e.attrs[name];
  return typeof v === 'string' ? v : undefined;
};
/** `a=1, b=2` as a canonical string (sorted, no spaces), for comparing selections. */
const canonical = (params: string | Record<string, number> | undefined): string =>
  (typeof params === 'string'
    ? params
        .split(',')
        .map((p) => p.replace(/\s+/g, ''))
        .filter((p) => p !== '')
    : Object.entries(params ?? {}).map(([k, v]) => `${k}=${v}`)
  )
    .sort()
    .join(',');

/**
 * What the chapters state for this selection: the `expect` of every <LiveCheck> that shows it
 * with no budget of its own (none if no chapter shows it).
 */
export function chapterStates(
  model: string,
  variant: string,
  memoryModel: string,
  params: Record<string, number> = {},
): string[] {
  return EMBEDS.filter(
    (e) =>
      e.component === 'LiveCheck' &&
      str(e, 'model') === model &&
      str(e, 'variant') === variant &&
      (str(e, 'memoryModel') ?? findModel(model).defaultMemoryModel) === memoryModel &&
      str(e, 'budget') === undefined &&
      canonical(str(e, 'params')) === canonical(params),
  ).map((e) => str(e, 'expect') ?? '');
}
