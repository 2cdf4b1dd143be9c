/**
 * Prose off the screen is not styled or laid out until the reader comes near it (issue 12).
 * Lighthouse's mobile runs put style and layout of the document first among the main thread's
 * costs on the long chapters: the browser lays the whole chapter out again at every step of
 * parsing it, though a phone shows two screens of it. With `content-visibility: auto` on each
 * block of a chapter's prose (the children of `.sl-markdown-content`; src/styles/custom.css),
 * Chromium skips the blocks away from the screen and renders each when it comes within half a
 * screen of the window, before the live checks' loader (200 px) hydrates it.
 *
 * A skipped block stands in with an estimated height (`contain-intrinsic-block-size`), and
 * the real one replaces it when it renders: the scroll bar's length changes, nothing on screen
 * moves. But a jump to a fragment lands on the heading by estimated heights, and reading upward
 * from there renders the blocks above it at their real height, moving the heading in the page
 * (test/browser/reader.test.ts). So the skipping is on only while the page has never had a
 * fragment: the script below turns it on when the page opens without one, and off for good at
 * the first click on a link with a fragment (before the browser follows it, so the jump lands
 * by real heights) or the first `hashchange` (Back, an address typed). A live-check permalink
 * (`#live=…`) opens with a fragment, so without it. Without JavaScript nothing is skipped.
 *
 * It is one inline script in every page's <head> (csp.ts hashes it, as Starlight's own): it has
 * to run before the body is parsed, and a script file would be a request that holds up the
 * first paint. No element is added to the page (the blocks are the prose's own).
 * test/browser/offscreen-prose.test.ts checks it.
 */

/** The attribute on <html> while prose off the screen is skipped. */
export const SKIM_ATTRIBUTE = 'data-kvm-skim';

/** The head script (kept small: it is in every page's HTML). */
export const SKIM_SCRIPT =
  'location.hash||(d=>{d.toggleAttribute("data-kvm-skim",!0);const o=()=>d.removeAttribute("data-kvm-skim");' +
  'addEventListener("click",e=>e.target.closest?.(\'a[href*="#"]\')&&o(),!0);addEventListener("hashchange",o)})(document.documentElement)';

/** Starlight's `head` entry for it. */
export const skimHead = { tag: 'script', content: SKIM_SCRIPT } as const;
