// @ts-check

import { fileURLToPath } from 'node:url';
import starlight from '@astrojs/starlight';
import { defineConfig } from 'astro/config';
import { cspInlineHashes } from './src/build/csp.ts';
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
  // A Content-Security-Policy <meta> in every page (GitHub Pages cannot send headers): Astro
  // hashes the scripts and styles it emits; nothing else runs, and nothing loads from another
  // origin. 'wasm-unsafe-eval' lets Pagefind compile its WebAssembly (it allows no eval()).
  // Styles allow 'unsafe-inline' for style attributes (Expressive Code, Observable Plot's SVG),
  // which hashes cannot cover; scripts never do. Starlight's inline scripts are hashed after the
  // build (src/build/csp.ts). test/browser/csp.test.ts fails on any violation.
  security: {
    csp: {
      directives: [
        "default-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
      ],
      scriptDirective: { resources: ["'self'", "'wasm-unsafe-eval'"] },
      styleDirective: { resources: ["'self'", "'unsafe-inline'"] },
    },
  },
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
    cspInlineHashes(),
  ],
});
