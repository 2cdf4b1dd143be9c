/**
 * The source files of each model as JSON (path → text), one static file per model, fetched by
 * the trace viewer when it first shows the model line a step ran. Pages no longer carry a copy
 * of every model source next to each live check.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { modelFiles, sourceText } from '../../components/model-files.ts';
import { MODELS } from '../../spec/models/index.ts';

export const getStaticPaths: GetStaticPaths = () => MODELS.map((m) => ({ params: { model: m.name } }));

export const GET: APIRoute = ({ params }) => {
  const model = MODELS.find((m) => m.name === params.model);
  if (!model) return new Response('no such model', { status: 404 });
  const files = Object.fromEntries(modelFiles(model.source).map((f) => [f, sourceText(f)]));
  return new Response(JSON.stringify(files), { headers: { 'Content-Type': 'application/json' } });
};
