/**
 * Page weight and the places the build keeps for what the browser adds (issue 12, Weight):
 * - every built page is at most 200 KB of HTML before JavaScript (bench:bytes says where a
 *   page's bytes go);
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
import { DIST_DIR, listHtmlFiles } from '../support/dist.ts';
import { openSite, type Site } from './harness.ts';

/** The goal, in the unit `npm run bench:bytes` and `bench:site` print (KB of 1024 bytes). */
const MAX_HTML_BYTES = 200 * 1024;

describe('page weight', () => {
  it('every built page is at most 200 KB of HTML', async () => {
    const over = (await listHtmlFiles())
      .map((file) => ({ file, bytes: readFileSync(join(DIST_DIR, file)).length }))
      .filter((p) => p.bytes > MAX_HTML_BYTES)
      .map((p) => `${p.file}: ${(p.bytes / 1024).toFixed(1)} KB`);
    expect(over, 'pages over 200 KB (see npm run bench:bytes -- --only <page>)').toEqual([]);
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
