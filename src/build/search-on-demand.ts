/**
 * Vite plugin: Starlight's search script builds Pagefind's UI when the reader first shows an
 * intent to search, not at load (src/live/search-on-demand.ts says why). Starlight's Search
 * component (0.42: 488 lines of markup, script and style) stays in use unchanged but for one
 * call: the `window.addEventListener('DOMContentLoaded', build)` that schedules the build becomes
 * `whenSearchWanted(this, build)`. Overriding the component instead would mean copying all of it,
 * since its script cannot be left out of a wrapper. A Starlight upgrade that changes that line
 * fails the build here rather than silently building at load again.
 */
import { fileURLToPath } from 'node:url';

const SEARCH_SCRIPT = /@astrojs\/starlight\/dist\/components\/Search\.astro\?astro&type=script/;
const SCHEDULE = /window\.addEventListener\(\s*(['"])DOMContentLoaded\1\s*,/;
const RUNTIME = fileURLToPath(new URL('../live/search-on-demand.ts', import.meta.url));

export function searchOnDemand() {
  return {
    name: 'kvmspec-search-on-demand',
    transform(code: string, id: string) {
      if (!SEARCH_SCRIPT.test(id)) return null;
      const matches = code.match(new RegExp(SCHEDULE.source, 'g'))?.length ?? 0;
      if (matches !== 1) {
        throw new Error(
          `src/build/search-on-demand.ts: expected one window.addEventListener('DOMContentLoaded', …) in Starlight's Search script, found ${matches}; update searchOnDemand()`,
        );
      }
      return {
        code: `import { whenSearchWanted } from ${JSON.stringify(RUNTIME)};\n${code.replace(SCHEDULE, 'whenSearchWanted(this,')}`,
        map: null,
      };
    },
  };
}
