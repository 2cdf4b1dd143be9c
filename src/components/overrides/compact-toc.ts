/**
 * Starlight's table of contents, written once for the desktop column and once for the phone's
 * "On this page" menu, puts `style="--depth: N;"` and its scoped class on every <li>, <a> and
 * <span> of every entry: about 110 bytes an entry, 4 KB of a long chapter. The depth is a custom
 * property, which an entry inherits from its <ul> (which keeps it), and the scoped rules select
 * only the lists and the links; so the entries keep only what those rules and Starlight's script
 * (which reads the links) use. A pure string function, used at build time by the overrides beside it.
 */
export function compactToc(html: string): string {
  return html
    .replace(/<(li|span) style="--depth: \d+;" class="astro-[a-z0-9]+">/g, '<$1>')
    .replace(/<a href="([^"]*)" style="--depth: \d+;" (class="astro-[a-z0-9]+")>/g, '<a href="$1" $2>');
}
