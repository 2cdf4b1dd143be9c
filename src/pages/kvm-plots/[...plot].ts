/**
 * The chart of every plot a chapter shows, as an SVG file (kvm-plots/<plot>.svg): the page
 * shows it as an image, so its markup is not part of the page's HTML (plot-render.ts
 * splitPlotImage). The plots are the chapters' own <ModelPlot> tags (found as the content tests
 * find them, embeds.ts), drawn by the same build-time code as the component.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { findEmbeds } from '../../components/embeds.ts';
import { builtPlot, parsePlotValues, plotImagePath, splitPlotImage } from '../../components/plot-render.ts';

const CHAPTERS = import.meta.glob<string>('/content/*.{md,mdx}', { query: '?raw', import: 'default', eager: true });

export const getStaticPaths: GetStaticPaths = () => {
  const images = new Map<string, string>();
  for (const [file, source] of Object.entries(CHAPTERS)) {
    for (const embed of findEmbeds(source, file)) {
      if (embed.component !== 'ModelPlot') continue;
      const plot = String(embed.attrs.plot);
      const values = embed.attrs.values;
      const given = parsePlotValues(typeof values === 'string' ? values : undefined);
      const path = plotImagePath(plot, given);
      const { image } = splitPlotImage(builtPlot(plot, given).svg, path);
      if (image) images.set(path.replace(/^kvm-plots\//, ''), image);
    }
  }
  return [...images].map(([plot, image]) => ({ params: { plot }, props: { image } }));
};

export const GET: APIRoute = ({ props }) =>
  new Response((props as { image: string }).image, { headers: { 'Content-Type': 'image/svg+xml' } });
