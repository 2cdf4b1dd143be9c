// @ts-check

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import starlight from '@astrojs/starlight';
import { defineConfig } from 'astro/config';
import { breakableCodeInPages } from './src/build/breakable-code.ts';
import { cspInlineHashes } from './src/build/csp.ts';
import { skimHead } from './src/build/offscreen-prose.ts';
import { searchOnDemand } from './src/build/search-on-demand.ts';
import { tocQueryOnce } from './src/build/toc-query-once.ts';
import { modelSites } from './src/build/vite-plugin.ts';
import { EDIT_BASE_URL, PAGES_BASE, REPO_URL, SIDEBAR, SITE_ORIGIN } from './src/site-config.ts';

// `astro dev` sets NODE_ENV=development before it loads this file (`astro build`
// and `astro check` set production). The dev server answers at / so the URL it
// prints is the site's home page; built pages carry the GitHub Pages prefix.
const base = process.env.NODE_ENV === 'development' ? '/' : PAGES_BASE;

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Starlight picks the theme with an inline script (the reader's choice, else the OS's); without
 * JavaScript the page stays in its built-in dark theme even when the OS prefers light. The
 * <noscript> stylesheet (noScriptStyle) gives those readers the OS's choice: Starlight's own light-theme
 * variables (read from its stylesheet, so they follow Starlight upgrades) under
 * prefers-color-scheme: light, and the light colours of the source excerpts (live.css).
 */
function lightThemeWithoutJs() {
  // The package exports no stylesheet path; its entry point is dist/index.js, beside dist/style/.
  const entry = fileURLToPath(import.meta.resolve('@astrojs/starlight'));
  const props = readFileSync(join(dirname(entry), 'style/props.css'), 'utf8');
  const light = /:root\[data-theme='light'\],\s*\[data-theme='light'\] ::backdrop\s*\{([^}]*)\}/.exec(props)?.[1];
  if (!light?.includes('--sl-color-white')) {
    throw new Error(
      "astro.config.mjs: Starlight's light-theme variables were not found in @astrojs/starlight/dist/style/props.css; update lightThemeWithoutJs()",
    );
  }
  const compact = light
    .replace(/\/\*[^*]*\*\//g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const tokens = readFileSync(join(root, 'src/components/live.css'), 'utf8');
  const lightTokens = /\.kvm-source \{([^}]*)\}/.exec(tokens)?.[1]?.match(/--kvm-t-[a-z]: #[0-9a-f]+;/g);
  if (!lightTokens?.length) throw new Error('astro.config.mjs: no --kvm-t-* colours in src/components/live.css');
  return (
    `@media (prefers-color-scheme: light){:root{${compact} color-scheme: light}` +
    `html:root[data-theme] .kvm-source{${lightTokens.join('')}}}`
  );
}

/** What a reader without JavaScript gets (the <noscript> stylesheet of every page). */
const NOSCRIPT_CSS = 'kvm-noscript.css';
const noScriptHref = `${base.replace(/\/$/, '')}/${NOSCRIPT_CSS}`;
const noScriptCss = () =>
  '[data-kvm-js],site-search,starlight-theme-select{display:none!important}' +
  // One note per page for every live check (a paragraph in each was 3.6 KB of a chapter).
  '.kvm-live>.kvm-live-title::after{content:"Running it again, with other settings, and stepping through it need JavaScript.";display:block;font-weight:400}' +
  lightThemeWithoutJs();

/** Writes the <noscript> stylesheet beside the built pages, and serves it in `astro dev`. */
function noScriptStyle() {
  /** @type {import('astro').AstroIntegration} */
  const integration = {
    name: 'kvmspec:noscript-style',
    hooks: {
      'astro:server:setup': ({ server }) => {
        server.middlewares.use((req, res, next) => {
          if (req.url?.split('?')[0] !== noScriptHref) return next();
          res.setHeader('Content-Type', 'text/css; charset=utf-8');
          res.end(noScriptCss());
        });
      },
      'astro:build:done': ({ dir }) => {
        writeFileSync(new URL(NOSCRIPT_CSS, dir), noScriptCss());
      },
    },
  };
  return integration;
}

export default defineConfig({
  site: SITE_ORIGIN,
  // Model steps carry their source line (src/build/instrument.ts): in pages and in the checker's Web Worker.
  // Pagefind's search UI is built when the reader goes to search, not at load (search-on-demand.ts);
  // the two tables of contents share one query for the elements they watch (toc-query-once.ts).
  vite: {
    plugins: [modelSites(root), searchOnDemand(), tocQueryOnce()],
    worker: { format: 'es', plugins: () => [modelSites(root)] },
  },
  base,
  // Starlight turns on Astro's prefetch of every link. Its script rescans all links of the page
  // whenever a node with a link is added, which every hydrating live check and plot does: on a
  // chapter that was a long task per hydration. Pages are prefetched by nobody then, and a click
  // loads the page as any static site does.
  prefetch: false,
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
      // Plot's legend style with the site's (src/plots/legend.css): one cached file, not a <style> per plot page.
      customCss: ['./src/styles/custom.css', './src/plots/legend.css'],
      // The tables of contents without their entries' repeated attributes (compact-toc.ts).
      components: {
        TableOfContents: './src/components/overrides/TableOfContents.astro',
        MobileTableOfContents: './src/components/overrides/MobileTableOfContents.astro',
      },
      // Without JavaScript, controls that need it are hidden (the live checks' forms and step
      // buttons, search, the theme picker) and notes say so, instead of leaving them dead; the
      // theme follows the OS (lightThemeWithoutJs).
      // The style is a file of its own (noScriptStyle below): inline it was 2.6 KB of every page,
      // and a browser running JavaScript never fetches it.
      head: [
        {
          tag: 'noscript',
          content: `<link rel="stylesheet" href="${noScriptHref}">`,
        },
        // Prose off the screen is skipped while the page has had no fragment (offscreen-prose.ts).
        skimHead,
      ],
      // Long lines wrap instead of scrolling sideways: a scrolling code block cannot be reached by
      // keyboard (axe: scrollable-region-focusable).
      expressiveCode: { defaultProps: { wrap: true } },
    }),
    // Code in prose breaks between the parts of a name, never inside one (breakable-code.ts).
    breakableCodeInPages(),
    cspInlineHashes(),
    noScriptStyle(),
  ],
});
