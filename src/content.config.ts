import { defineCollection } from 'astro:content';
import { docsSchema } from '@astrojs/starlight/schema';
import { glob } from 'astro/loaders';

// The chapters live in the top-level content/ folder rather than Starlight's
// default src/content/docs/, so that the prose is easy to find beside the
// engine code in src/ and each page's "Edit page" link points at content/<slug>.md.
export const collections = {
  docs: defineCollection({
    loader: glob({ base: './content', pattern: '**/*.{md,mdx}' }),
    schema: docsSchema(),
  }),
};
