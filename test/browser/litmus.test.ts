/**
 * The Litmus page in Chromium: the build-time results of the preloaded test without JavaScript;
 * an edited test checked in the worker under the three memory models, with its witness in the
 * trace viewer; the permalink restoring the edited text (and rechecking it); an error marked on
 * its line; a damaged permalink rejected with a message; no console error anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSite, type Site } from './harness.ts';

const ROOT = '[data-litmus-editor]';
const TEXT = `${ROOT} [data-litmus-text]`;

/** MP without barriers, edited so that P1 reads through smp_load_acquire(): Never under relaxed. */
const EDITED = `C MP+edited
(*
 * Result: Never
 *)
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*x, 1);
	smp_store_release(y, 1);
}
P1(int *x, int *y)
{
	int r0;
	int r1;
	r0 = smp_load_acquire(y);
	r1 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 1:r1=1)
`;

describe('the Litmus page', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('shows the preloaded test and its build-time results without JavaScript', async () => {
    const { page, problems } = await site.newPage({ javaScriptEnabled: false });
    await page.goto(site.url('litmus/'));
    await expect(page.locator(TEXT).inputValue()).resolves.toMatch(/^C SB\+poonceonces\n/);
    const relaxed = page.locator(`${ROOT} tr[data-litmus-model="relaxed"] [data-litmus-observation]`);
    await expect(relaxed.textContent()).resolves.toBe('Sometimes 1/4');
    const sc = page.locator(`${ROOT} tr[data-litmus-model="sc"] [data-litmus-observation]`);
    await expect(sc.textContent()).resolves.toBe('Never 0/3');
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('checks an edited test, shows a witness, and its permalink restores and rechecks it', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.url('litmus/'));
    await page.locator(`${ROOT} [data-litmus-check]:not([disabled])`).waitFor();
    await page.fill(TEXT, EDITED);
    await page.click(`${ROOT} [data-litmus-check]`);
    await page.locator(`${ROOT} [data-litmus-outcome="MP+edited"]`).waitFor();
    const observation = (mm: string) =>
      page.locator(`${ROOT} tr[data-litmus-model="${mm}"] [data-litmus-observation]`).textContent();
    // x=1 and y=1 is reachable everywhere (P0 runs first): Always would need every final state to have it.
    await expect(observation('sc')).resolves.toBe('Sometimes 1/3');
    await expect(observation('relaxed')).resolves.toBe('Sometimes 1/3');
    await expect(page.locator(`${ROOT} tr[data-litmus-model="relaxed"]`).textContent()).resolves.toContain(
      'LKMM: Never, disagrees',
    );
    // The witness: a trace ending in 1:r0=1, 1:r1=1, with a button per memory model.
    const witness = page.locator(`${ROOT} [data-litmus-witness]`);
    await expect(witness.isVisible()).resolves.toBe(true);
    await expect(page.locator(`${ROOT} [data-litmus-witness-models] button`).count()).resolves.toBe(3);
    await expect(page.locator(`${ROOT} [data-litmus-trace] .kvm-nav-status`).textContent()).resolves.toMatch(
      /^Step (\d+) of \1: /,
    );
    await expect(page.locator(`${ROOT} [data-litmus-trace] .kvm-steps-table`).textContent()).resolves.toContain(
      'smp_load_acquire(&y)',
    );
    // A step's source link selects its line in the editor.
    await page.locator(`${ROOT} [data-litmus-trace] .kvm-detail-site a.kvm-site`).first().click();
    const selected = await page.evaluate(() => {
      const t = document.querySelector<HTMLTextAreaElement>('[data-litmus-text]') as HTMLTextAreaElement;
      return t.value.slice(t.selectionStart, t.selectionEnd);
    });
    expect(selected).toMatch(/WRITE_ONCE|smp_store_release|smp_load_acquire|READ_ONCE/);

    const link = page.locator(`${ROOT} [data-litmus-permalink]`);
    await expect(link.isVisible()).resolves.toBe(true);
    const href = await link.getAttribute('href');
    expect(href).toMatch(/#litmus=[A-Za-z0-9_-]+$/);
    expect(page.url()).toContain('#litmus=');

    const again = await site.newPage();
    await again.page.goto(new URL(href as string, page.url()).toString());
    await again.page.locator(`${ROOT} [data-litmus-outcome="MP+edited"]`).waitFor();
    await expect(again.page.locator(TEXT).inputValue()).resolves.toBe(EDITED);
    await expect(
      again.page.locator(`${ROOT} tr[data-litmus-model="relaxed"] [data-litmus-observation]`).textContent(),
    ).resolves.toBe('Sometimes 1/3');
    expect(again.problems()).toEqual([]);
    await again.page.context().close();
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('marks an error on its line, and loads a test from the menu', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.url('litmus/'));
    await page.locator(`${ROOT} [data-litmus-check]:not([disabled])`).waitFor();
    await page.fill(TEXT, EDITED.replace('smp_store_release(y, 1);', 'mutex_lock(y);'));
    await page.click(`${ROOT} [data-litmus-check]`);
    const error = page.locator(`${ROOT} [data-litmus-error]`);
    await error.waitFor();
    await expect(error.textContent()).resolves.toBe(
      'Line 9, column 2: mutex_lock(): sleeping locks are not in the litmus language (LKMM models none)',
    );
    await expect(page.locator(`${ROOT} .kvm-litmus-error-line`).textContent()).resolves.toBe('9');
    await expect(page.locator(TEXT).getAttribute('aria-invalid')).resolves.toBe('true');

    await page.selectOption(`${ROOT} [data-litmus-menu]`, 'MP+pooncerelease+poacquireonce');
    await expect(page.locator(TEXT).inputValue()).resolves.toMatch(/^C MP\+pooncerelease\+poacquireonce\n/);
    await expect(page.locator(`${ROOT} .kvm-litmus-error-line`).count()).resolves.toBe(0);
    await page.click(`${ROOT} [data-litmus-check]`);
    await page.locator(`${ROOT} [data-litmus-outcome="MP+pooncerelease+poacquireonce"]`).waitFor();
    await expect(
      page.locator(`${ROOT} tr[data-litmus-model="relaxed"] [data-litmus-observation]`).textContent(),
    ).resolves.toBe('Never 0/3');
    await expect(page.locator(`${ROOT} [data-litmus-witness]`).isHidden()).resolves.toBe(true);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('rejects a damaged permalink with a message and keeps the preloaded test', async () => {
    const { page, problems } = await site.newPage();
    await page.goto(site.url('litmus/#litmus=AAAA%%%'));
    const status = page.locator(`${ROOT} [data-litmus-status]`);
    await expect
      .poll(() => status.textContent(), { timeout: 30_000 })
      .toMatch(/^The link's test could not be restored: the link contains characters a permalink never has/);
    await expect(page.locator(TEXT).inputValue()).resolves.toMatch(/^C SB\+poonceonces\n/);
    expect(problems()).toEqual([]);
    await page.context().close();
    // A new page: changing only the fragment would not reload this one.
    const other = await site.newPage();
    await other.page.goto(site.url('litmus/#litmus=AAAAAAAA'));
    await expect
      .poll(() => other.page.locator(`${ROOT} [data-litmus-status]`).textContent(), { timeout: 30_000 })
      .toMatch(/damaged/);
    expect(other.problems()).toEqual([]);
    await other.page.context().close();
  });
});
