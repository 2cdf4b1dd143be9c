/**
 * The syntax colours of each model's source files, as token runs per line (highlight.ts
 * highlightRuns): path → one string per line of the whole file. A page's <ModelSource> excerpts
 * are plain text until they come near the screen; the browser then fetches this file once per
 * model and colours them (src/live/highlight-runs.ts).
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { highlightRuns } from '../../components/highlight.ts';
import { modelFiles, sourceText } from '../../components/model-files.ts';
import { MODELS } from '../../spec/models/index.ts';

export const getStaticPaths: GetStaticPaths = () => MODELS.map((m) => ({ params: { model: m.name } }));

export const GET: APIRoute = ({ params }) => {
  const model = MODELS.find((m) => m.name === params.model);
  if (!model) return new Response('no such model', { status: 404 });
  const files = Object.fromEntries(
    modelFiles(model.source).map((f) => [f, highlightRuns(sourceText(f).replace(/\r\n/g, '\n').replace(/\n$/, ''))]),
  );
  return new Response(JSON.stringify(files), { headers: { 'Content-Type': 'application/json' } });
};
