/**
 * Observable Plot labels its marks with aria-label on <g> elements, which may not carry one
 * (axe: aria-prohibited-attr). The chart is one image, described by its own aria-label and
 * aria-description and by the summary printed under it, so: the main <svg> becomes role="img",
 * the marks lose their labels, and the legend's colour swatches are hidden from assistive
 * technology (their text stays). Works on linkedom's DOM at build time and the page's DOM.
 */
export function tidyPlot(root: Element): void {
  const svgs = root.tagName.toLowerCase() === 'svg' ? [root] : [...root.querySelectorAll('svg')];
  for (const svg of svgs) {
    if (svg.hasAttribute('aria-label')) svg.setAttribute('role', 'img');
    else svg.setAttribute('aria-hidden', 'true');
    for (const g of svg.querySelectorAll('g[aria-label]')) g.removeAttribute('aria-label');
  }
}
