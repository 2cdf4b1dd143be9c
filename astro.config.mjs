// @ts-check

import { fileURLToPath } from 'node:url';
import starlight from '@astrojs/starlight';
import { defineConfig } from 'astro/config';
import { modelSites } from './src/build/vite-plugin.ts';
import { EDIT_BASE_URL, PAGES_BASE, REPO_URL, SIDEBAR, SITE_ORIGIN } from './src/site-config.ts';

// `astro dev` sets NODE_ENV=development before it loads this file (`astro build`
// and `astro check` set production). The dev server answers at / so the URL it
// prints is the site's home page; built pages carry the GitHub Pages prefix.
const base = process.env.NODE_ENV === 'development' ? '/' : PAGES_BASE;

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  site: SITE_ORIGIN,
  // Model steps carry their source line (src/build/instrument.ts): in pages and in the checker's Web Worker.
  vite: { plugins: [modelSites(root)], worker: { format: 'es', plugins: () => [modelSites(root)] } },
  base,
  integrations: [
    starlight({
      title: 'kvmspec',
      description:
        'A literate, executable specification of Linux KVM concurrency mechanisms: vCPU requests, rseq, nohz_full/RCU and TSC resynchronisation.',
      social: [{ icon: 'github', label: 'Source on GitHub', href: REPO_URL }],
      editLink: { baseUrl: EDIT_BASE_URL },
      sidebar: SIDEBAR,
      disable404Route: true,
      customCss: ['./src/styles/custom.css'],
      // Without JavaScript, controls that need it are hidden (the live checks' forms and step
      // buttons, search, the theme picker) and notes say so, instead of leaving them dead.
      head: [
        {
          tag: 'noscript',
          content:
            '<style>[data-kvm-js],site-search,starlight-theme-select{display:none!important}.kvm-nojs-note{display:block!important}</style>',
        },
      ],
      // Long lines wrap instead of scrolling sideways: a scrolling code block cannot be reached by
      // keyboard (axe: scrollable-region-focusable).
      expressiveCode: { defaultProps: { wrap: true } },
    }),
  ],
});
