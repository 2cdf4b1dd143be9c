/**
 * Page weight and the places the build keeps for what the browser adds (issue 12, Weight):
 * - every built page is at most 200 KB of HTML before JavaScript, and the requests page 190 KB
 *   (bench:bytes says where a page's bytes go);
 * - without JavaScript, the requests page still says what those bytes said once per check;
 * - the parts a live check gets only in the browser (its Run row, a counterexample's copy
 *   buttons and steps table, the interactive viewer, the colours of the model excerpts) take
 *   exactly the room the build left for them: with JavaScript on but before any of it runs, and
 *   after every check has hydrated, each check and each excerpt has the same height, on a
 *   desktop and on a phone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIM_ATTRIBUTE } from '../../src/build/offscreen-prose.ts';
import { modelInfo } from '../../src/live/meta.ts';
import { kernelHref } from '../../src/live/views.ts';
import { findModel } from '../../src/spec/models/index.ts';
import { DIST_DIR, listHtmlFiles } from '../support/dist.ts';
import { openSite, type Site } from './harness.ts';

/** The goal, in the unit `npm run bench:bytes` and `bench:site` print (KB of 1024 bytes). */
const MAX_HTML_BYTES = 200 * 1024;
/**
 * The longest chapter keeps 10 KB of the goal in hand (193,438 B when set, 2026-12-03): what a
 * chapter adds should be prose, and a component that repeats itself thirty times shows here first.
 */
const HEADROOM_BYTES: Readonly<Record<string, number>> = { 'requests/index.html': 190 * 1024 };

describe('page weight', () => {
  it('every built page is at most 200 KB of HTML, and requests at most 190 KB', async () => {
    const over = (await listHtmlFiles())
      .map((file) => ({ file, bytes: readFileSync(join(DIST_DIR, file)).length }))
      .filter((p) => p.bytes > (HEADROOM_BYTES[p.file] ?? MAX_HTML_BYTES))
      .map((p) => `${p.file}: ${p.bytes} B`);
    expect(over, 'pages over budget (see npm run bench:bytes -- --only <page>)').toEqual([]);
  });
});

/**
 * What the cuts of issue 12 keep for a reader without JavaScript: each check's build-time
 * verdict (its icon drawn by live.css, not written in the page), its variant's name and every
 * kernel link of that variant; a variant described earlier on the page points at the check that
 * describes it, and each kernel link's subject line is on the page once, beside that link.
 */
describe('the requests page without JavaScript', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('says each check’s verdict and variant, links its kernel source, and says each note once', async () => {
    const { page, problems } = await site.newPage({ javaScriptEnabled: false });
    await page.goto(site.url('requests/'));
    const checks = await page.locator('section[data-kvm-live]').evaluateAll((els) =>
      els.map((el) => {
        const config = JSON.parse(el.querySelector('script[data-kvm-config]')?.textContent ?? '{}') as {
          model: string;
          variant: string;
        };
        const verdict = el.querySelector<HTMLElement>('[data-kvm-verdict] [data-verdict]');
        const line = verdict?.querySelector('.kvm-verdict-line');
        const note = el.querySelector('[data-kvm-variant-info]');
        const pointer = note?.querySelector<HTMLAnchorElement>('p a[href^="#"]');
        return {
          id: el.id,
          ...config,
          verdict: verdict?.dataset.verdict,
          verdictText: verdict?.textContent ?? '',
          icon: line ? getComputedStyle(line, '::before').content : '',
          named: note?.querySelector('p > strong')?.textContent,
          noteText: note?.querySelector('p')?.textContent ?? '',
          pointsTo: pointer?.getAttribute('href') ?? undefined,
          links: [...(note?.querySelectorAll<HTMLAnchorElement>('.kvm-kernel-refs li') ?? [])].map((li) => ({
            href: li.querySelector('a')?.getAttribute('href'),
            text: li.textContent ?? '',
          })),
        };
      }),
    );
    expect(checks.length).toBeGreaterThan(30);
    const info = modelInfo(findModel('requests'));
    const subjectsSaid = new Set<string>();
    let pointers = 0;
    let shortened = 0;
    for (const [i, c] of checks.entries()) {
      const v = info.variants.find((x) => x.name === c.variant);
      if (c.model !== 'requests' || !v) throw new Error(`${c.id}: not a variant of requests`);
      expect(c.verdictText, c.id).toContain('Computed at build time');
      expect(c.icon, c.id).toContain(c.verdict === 'holds' ? '✓' : '✗');
      expect(c.named, c.id).toBe(v.name);
      if (c.pointsTo) {
        pointers++;
        const at = checks.findIndex((o) => `#${o.id}` === c.pointsTo);
        const described = checks[at];
        expect(at, `${c.id} points at a check above it`).toBeGreaterThanOrEqual(0);
        expect(at, `${c.id} points at a check above it`).toBeLessThan(i);
        expect(described?.variant, c.id).toBe(v.name);
        expect(described?.noteText, c.id).toContain(v.description);
      } else expect(c.noteText, c.id).toContain(v.description);
      expect(
        c.links.map((l) => l.href),
        c.id,
      ).toEqual(v.kernel.map(kernelHref));
      for (const [k, ref] of v.kernel.entries()) {
        const link = c.links[k];
        const said = link?.text.includes(`“${ref.subject}”`) ?? false;
        const first = !subjectsSaid.has(kernelHref(ref));
        expect(said, `${c.id}: “${ref.subject}” said at its first link on the page, and only there`).toBe(first);
        if (!said) shortened++;
        subjectsSaid.add(kernelHref(ref));
      }
    }
    // The page has both kinds of repeat (a variant checked twice, a kernel link cited twice).
    expect(pointers).toBeGreaterThan(0);
    expect(shortened).toBeGreaterThan(pointers);
    expect(problems()).toEqual([]);
    await page.context().close();
  });
});

// Hang guards, not timing assertions: each check or excerpt of the requests page waits up to 60 s.
describe('what the browser adds takes the room the build kept', { timeout: 300_000 }, () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  const heights = () =>
    [...document.querySelectorAll<HTMLElement>('[data-kvm-live], figure.kvm-source')].map(
      (el) => `${el.dataset.kvmLive ?? el.dataset.kvmSource} ${Math.round(el.getBoundingClientRect().height)}`,
    );

  it.each([
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 375, height: 812 }],
  ] as const)('on the requests page, on a %s', async (_, viewport) => {
    // The page as it is before any script runs, with JavaScript on (so nothing is hidden).
    const before = await site.newPage({
      viewport,
      ...(viewport.width < 500 ? { isMobile: true, hasTouch: true } : {}),
    });
    await before.page.route(/\.js(\?|$)/, (route) => route.abort());
    await before.page.goto(site.url('requests/'), { waitUntil: 'load' });
    // Every block rendered (the head script skips those off the screen, offscreen-prose.ts,
    // which then stand in with estimated heights).
    await before.page.evaluate((a) => document.documentElement.removeAttribute(a), SKIM_ATTRIBUTE);
    const built = await before.page.evaluate(heights);
    await before.page.context().close();

    const { page, problems } = await site.newPage({
      viewport,
      ...(viewport.width < 500 ? { isMobile: true, hasTouch: true } : {}),
    });
    await page.goto(site.url('requests/'), { waitUntil: 'load' });
    // Bring each check and excerpt near the screen in turn and wait until it is ready: each
    // check hydrated, its counterexample the interactive viewer, each excerpt coloured. One at a
    // time, because a counterexample becomes the viewer only while the screen is near it
    // (client.ts near()): scrolling past all of them first left those the page had not reached
    // yet static for good when hydration lagged behind the scroll (CI under load, 2026-12-03).
    const parts = page.locator('[data-kvm-live], figure.kvm-source');
    const n = await parts.count();
    for (let i = 0; i < n; i++) {
      const part = parts.nth(i);
      await part.scrollIntoViewIfNeeded();
      const ready = await part
        .evaluate(
          (el) =>
            new Promise<boolean>((resolve) => {
              const done = () =>
                el.matches('figure')
                  ? el.hasAttribute('data-kvm-coloured')
                  : el.hasAttribute('data-hydrated') &&
                    (!el.querySelector('.kvm-trace') || el.querySelector('.kvm-trace[data-interactive]') !== null);
              if (done()) return resolve(true);
              const mo = new MutationObserver(() => {
                if (!done()) return;
                mo.disconnect();
                resolve(true);
              });
              mo.observe(el, { attributes: true, subtree: true, childList: true });
              // A guard against hangs, not a timing assertion (one part takes well under a second).
              setTimeout(() => {
                mo.disconnect();
                resolve(done());
              }, 60_000);
            }),
        )
        .catch(() => false);
      const name = await part.evaluate(
        (el) => (el as HTMLElement).dataset.kvmLive ?? (el as HTMLElement).dataset.kvmSource,
      );
      expect(ready, `${name} (part ${i + 1} of ${n}) is hydrated, its trace interactive or its excerpt coloured`).toBe(
        true,
      );
    }
    const hydrated = await page.evaluate(heights);
    expect(built.length).toBeGreaterThan(30);
    expect(hydrated).toEqual(built);
    expect(problems()).toEqual([]);
  });
});
