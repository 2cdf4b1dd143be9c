/**
 * Every counterexample a chapter shows, as the plain mailing-list text (trace-text.ts), one
 * static file per check: kvm-traces/<model>/<variant>.<memory model>.txt. A page shows a long
 * counterexample as a summary that links here, so a reader without JavaScript can still read
 * all of it, and the page does not carry every step of every trace.
 *
 * The checks are the chapters' own <LiveCheck expect="violated"> tags (found the way the
 * content tests find them, embeds.ts), run through the same build-time code as the component,
 * so the file is the trace the page summarises.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { findEmbeds } from '../../components/embeds.ts';
import { buildLiveCheck, type LiveCheckProps, traceTextPath } from '../../components/live-check-build.ts';
import { traceText } from '../../live/trace-text.ts';

const CHAPTERS = import.meta.glob<string>('/content/*.{md,mdx}', { query: '?raw', import: 'default', eager: true });

export const getStaticPaths: GetStaticPaths = () => {
  const texts = new Map<string, string>();
  for (const [file, source] of Object.entries(CHAPTERS)) {
    for (const embed of findEmbeds(source, file)) {
      if (embed.component !== 'LiveCheck' || embed.attrs.expect !== 'violated') continue;
      const built = buildLiveCheck(embed.attrs as unknown as LiveCheckProps);
      const trace = built.result.counterexample;
      if (!trace) continue;
      const path = traceTextPath(built).replace(/^kvm-traces\//, '');
      const v = built.result.violation;
      texts.set(path, traceText(trace, built.meta, { property: v?.property, description: v?.description }));
    }
  }
  return [...texts].map(([trace, text]) => ({ params: { trace }, props: { text } }));
};

export const GET: APIRoute = ({ props }) =>
  new Response((props as { text: string }).text, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
