/**
 * Each model's description for the live checks (variants, memory models, parameters and what
 * each variant declares), one static JSON file per model. A chapter's live checks fetch it once
 * when the first of them hydrates, instead of the page carrying it (14 KB on the requests page).
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { modelInfo } from '../../live/meta.ts';
import { MODELS } from '../../spec/models/index.ts';

export const getStaticPaths: GetStaticPaths = () => MODELS.map((m) => ({ params: { model: m.name } }));

export const GET: APIRoute = ({ params }) => {
  const model = MODELS.find((m) => m.name === params.model);
  if (!model) return new Response('no such model', { status: 404 });
  return new Response(JSON.stringify(modelInfo(model)), { headers: { 'Content-Type': 'application/json' } });
};
