/**
 * The only script a page with live examples loads up front. It waits until a <LiveCheck> or
 * <ModelPlot> comes near the viewport (or the URL carries a live-check permalink) and only then
 * imports the client code; the checker itself starts in a Web Worker on the first run.
 */
import { parseLiveHash } from './hash.ts';
import { isPlotHash, parsePlotHash } from './plot-hash.ts';

const SELECTOR = '[data-kvm-live], [data-kvm-plot]';
type Client = typeof import('./client.ts');
let client: Promise<Client> | undefined;

const load = (): Promise<Client> => {
  client ??= import('./client.ts');
  return client;
};

function failed(el: Element, e: unknown): void {
  let box = el.querySelector<HTMLElement>('[data-kvm-message]');
  if (!box) {
    // A live check's message box is made on demand (client.ts messageBox); this one is the same.
    box = document.createElement('p');
    box.className = 'kvm-message';
    box.setAttribute('role', 'alert');
    box.setAttribute('data-kvm-message', '');
    const result = el.querySelector('[data-kvm-result]');
    if (result) result.before(box);
    else el.append(box);
  }
  box.textContent = `The live part of this example could not be loaded: ${e instanceof Error ? e.message : String(e)}`;
  box.hidden = false;
}

/**
 * Islands hydrate one at a time, each in a task of its own after an idle moment: scrolling
 * fast brings several near the viewport at once, and hydrating them together was one long task.
 */
let turns: Promise<void> = Promise.resolve();
const idle = (): Promise<void> =>
  new Promise((resolve) => {
    if ('requestIdleCallback' in window) requestIdleCallback(() => resolve(), { timeout: 500 });
    else setTimeout(resolve, 0);
  });

function hydrate(el: HTMLElement): Promise<void> {
  const next = turns
    .then(idle)
    .then(load)
    .then(
      (m) => m.hydrate(el),
      (e: unknown) => failed(el, e),
    );
  turns = next.catch(() => undefined);
  return next;
}

const islands = [...document.querySelectorAll<HTMLElement>(SELECTOR)];

if ('IntersectionObserver' in window) {
  const io = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        io.unobserve(entry.target);
        void hydrate(entry.target as HTMLElement);
      }
    },
    { rootMargin: '200px 0px' },
  );
  for (const el of islands) io.observe(el);
} else {
  for (const el of islands) void hydrate(el);
}

/** A variant table's cells become links into the page's live checks when it comes near (client.ts). */
const tables = [...document.querySelectorAll<HTMLElement>('.variant-table')];
if (tables.length && 'IntersectionObserver' in window) {
  const io = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        io.unobserve(entry.target);
        void load().then(
          (m) => m.linkVariantTable(entry.target as HTMLElement),
          () => undefined,
        );
      }
    },
    { rootMargin: '200px 0px' },
  );
  for (const el of tables) io.observe(el);
} else if (tables.length)
  void load().then(
    (m) => tables.forEach(m.linkVariantTable),
    () => undefined,
  );

/**
 * Model source excerpts are plain text in the page; each is coloured when it comes near the
 * screen, from its model's token runs (fetched once per model; highlight-runs.ts).
 */
const BASE = import.meta.env.BASE_URL.replace(/\/$/, '');
const runs = new Map<string, Promise<import('./highlight-runs.ts').Runs>>();
function colour(figure: HTMLElement): void {
  const model = figure.dataset.kvmModel ?? '';
  let r = runs.get(model);
  if (!r) {
    r = fetch(`${BASE}/kvm-highlight/${encodeURIComponent(model)}.json`).then((res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json() as Promise<import('./highlight-runs.ts').Runs>;
    });
    r.catch(() => runs.delete(model));
    runs.set(model, r);
  }
  // The excerpt stays plain (and readable) if its colours cannot be loaded.
  void Promise.all([r, import('./highlight-runs.ts')])
    .then(([lines, m]) => idle().then(() => m.colourExcerpt(figure, lines)))
    .catch(() => undefined);
}
const excerpts = [...document.querySelectorAll<HTMLElement>('figure.kvm-source[data-kvm-model]')];
if (excerpts.length && 'IntersectionObserver' in window) {
  const io = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        io.unobserve(entry.target);
        colour(entry.target as HTMLElement);
      }
    },
    { rootMargin: '400px 0px' },
  );
  for (const el of excerpts) io.observe(el);
} else excerpts.forEach(colour);

/** A plot link (plot-hash.ts) needs its plot now, wherever it is on the page. */
async function routePlot(): Promise<void> {
  const r = parsePlotHash(location.hash);
  if (!r.ours) return;
  const plots = islands.filter((el) => el.dataset.kvmPlot !== undefined);
  const name = r.ok ? r.value.plot : r.plot;
  const named = plots.filter((el) => el.dataset.kvmPlot === name);
  const targets = named.length ? named : plots.slice(0, 1);
  if (!targets.length) return;
  await Promise.all(targets.map(hydrate));
  const m = await load().catch(() => undefined);
  m?.applyPlotHash();
}

/** A permalink needs its live check now, wherever it is on the page (all of them if it names none). */
async function route(): Promise<void> {
  if (isPlotHash(location.hash)) return routePlot();
  const r = parseLiveHash(location.hash);
  const checks = islands.filter((el) => el.dataset.kvmLive !== undefined);
  if (!r.ours || checks.length === 0) return;
  // A link that does not parse may still name its check; its message belongs there.
  const live = r.ok ? r.value.live : /(?:^#|&)live=([a-z0-9-]{1,64})(?:&|$)/.exec(location.hash)?.[1];
  const named = live ? checks.filter((el) => el.dataset.kvmLive === live) : [];
  const targets = named.length ? named : r.ok ? checks : checks.slice(0, 1);
  await Promise.all(targets.map(hydrate));
  const m = await load().catch(() => undefined);
  m?.applyHash();
}

void route();
addEventListener('hashchange', () => void route());
