/**
 * Facts about where the site lives and what it contains, kept in one module so
 * that astro.config.mjs, the GitHub Pages workflow's output and the tests all
 * agree. Change the repository or the Pages path here and nowhere else.
 */
import type { StarlightUserConfig } from '@astrojs/starlight/types';

/** The GitHub repository the site is built from (a placeholder until the project is published). */
export const REPO_URL = 'https://github.com/kvmspec/kvmspec';

/** "Edit page" links point at each page's source file on this branch. */
export const EDIT_BASE_URL = `${REPO_URL}/edit/main/`;

/** Origin of the published site: a GitHub Pages project site lives on the owner's github.io host. */
export const SITE_ORIGIN = 'https://kvmspec.github.io';

/**
 * Path prefix of the published site. A GitHub Pages project site is served
 * from /<repository name>/, so every built URL must carry it. `astro dev`
 * serves at / instead (see astro.config.mjs), which keeps local URLs short.
 */
export const PAGES_BASE = '/kvmspec';

/** One entry per page in the sidebar, in reading order; `slug` is the file name under content/. */
export const PAGES = [
  { slug: 'index', label: 'Introduction' },
  { slug: 'requests', label: 'vCPU requests and kicks' },
  { slug: 'rseq', label: 'rseq and task migration during KVM_RUN' },
  { slug: 'nohz-rcu', label: 'nohz_full and RCU at guest entry/exit' },
  { slug: 'tsc', label: 'TSC resynchronisation' },
  { slug: 'memory-model', label: 'Memory model' },
  { slug: 'litmus', label: 'Litmus tests' },
  { slug: 'playground', label: 'Playground' },
  { slug: 'reference', label: 'Reference' },
] as const satisfies readonly { slug: string; label: string }[];

export const SIDEBAR: NonNullable<StarlightUserConfig['sidebar']> = PAGES.map(({ slug, label }) => ({
  slug,
  label,
}));
