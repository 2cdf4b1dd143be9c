/**
 * Vite plugin: Starlight's two tables of contents (the sidebar's and the phone's "On this page")
 * each find the elements to watch with one querySelectorAll of four `:not(:has(heading))`
 * selectors over the whole chapter, about 90 ms at 4× CPU on a long page, at two idle moments
 * after load. Both ask the same question of the same page, so the second asks it of the first's
 * answer: starlight-toc.js (Starlight 0.42) is kept, and its one `document.querySelectorAll(` for
 * `toObserve` goes through a cache keyed by the selector. A Starlight upgrade that changes that
 * line fails the build here.
 */
const TOC_SCRIPT = /@astrojs\/starlight\/dist\/components-internals\/TableOfContents\/starlight-toc\.js$/;
const QUERY = /const toObserve = document\.querySelectorAll\(/;

const CACHE = `const kvmTocTargets = new Map();
const kvmQueryOnce = (selector) => {
\tif (!kvmTocTargets.has(selector)) kvmTocTargets.set(selector, document.querySelectorAll(selector));
\treturn kvmTocTargets.get(selector);
};
`;

export function tocQueryOnce() {
  return {
    name: 'kvmspec-toc-query-once',
    transform(code: string, id: string) {
      if (!TOC_SCRIPT.test(id.split('?')[0] ?? '')) return null;
      const matches = code.match(new RegExp(QUERY.source, 'g'))?.length ?? 0;
      if (matches !== 1) {
        throw new Error(
          `src/build/toc-query-once.ts: expected one "const toObserve = document.querySelectorAll(" in Starlight's starlight-toc.js, found ${matches}; update tocQueryOnce()`,
        );
      }
      return { code: CACHE + code.replace(QUERY, 'const toObserve = kvmQueryOnce('), map: null };
    },
  };
}
