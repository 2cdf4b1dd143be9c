/**
 * One page load shared by the tests of a describe block, for tests that only read the page or
 * each work on a component of their own (a chapter's live check, then its plot): loading a
 * chapter and hydrating it is most of a browser test's time. Tests that need a fresh load (a
 * permalink read at load, another viewport or colour scheme) open their own page.
 *
 *   describe('…', () => {
 *     let site: Site;
 *     beforeAll(async () => { site = await openSite(); });
 *     afterAll(async () => { await site?.close(); });
 *     const shared = sharePage(async () => {
 *       const checked = await site.newPage();
 *       await checked.page.goto(site.url('rseq/'), { waitUntil: 'load' });
 *       return checked;
 *     });
 *     it('…', async () => {
 *       const { page, problems } = shared();
 *       …
 *       expect(problems()).toEqual([]);
 *     });
 *   });
 *
 * Register it after the block's own beforeAll that opens the site: hooks run in order.
 */
import { afterAll, beforeAll } from 'vitest';
import type { CheckedPage } from './harness.ts';

export function sharePage(open: () => Promise<CheckedPage>): () => CheckedPage {
  let shared: CheckedPage | undefined;
  beforeAll(async () => {
    shared = await open();
  });
  afterAll(async () => {
    await shared?.page.context().close();
  });
  return () => {
    if (!shared) throw new Error('the shared page did not open (see the error of beforeAll)');
    return shared;
  };
}
