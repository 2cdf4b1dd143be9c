/**
 * Regenerates the README's screenshots from the built site (`npm run build` first):
 * `node --import ./src/cli/register.mjs scripts/screenshots.ts`. Debian's Chromium through
 * playwright-core, as the browser tests drive it, in the light theme at 1280×800.
 *
 * - docs/screenshots/requests-counterexample.png: the requests chapter's no-vcpu-barrier check
 *   under x86-TSO, its counterexample replayed in the page and open on the step that breaks
 *   the property;
 * - docs/screenshots/litmus-table.png: the Memory model page's litmus table.
 */
import { fileURLToPath } from 'node:url';
import { openSite } from '../test/browser/harness.ts';

const out = (name: string) => fileURLToPath(new URL(`../docs/screenshots/${name}`, import.meta.url));

const site = await openSite();
try {
  const { page, problems } = await site.newPage({ colorScheme: 'light', deviceScaleFactor: 1 });
  const kick = '[data-kvm-live="requests-no-vcpu-barrier-tso"]';
  await page.goto(site.url(`requests/#kvm-live-requests-no-vcpu-barrier-tso`), { waitUntil: 'load' });
  await page.locator(kick).scrollIntoViewIfNeeded();
  await page.waitForSelector(`${kick} .kvm-trace[data-interactive] .kvm-src-line.is-current`, { timeout: 60_000 });
  await page.waitForLoadState('networkidle');
  await page.locator(kick).screenshot({ path: out('requests-counterexample.png') });
  const steps = await page.locator(`${kick} .kvm-nav-status`).textContent();
  console.log(`requests-counterexample.png: ${steps}`);

  await page.goto(site.url('memory-model/'), { waitUntil: 'load' });
  const table = page.locator('.litmus-table').first();
  await table.scrollIntoViewIfNeeded();
  await table.screenshot({ path: out('litmus-table.png') });
  console.log('litmus-table.png');
  const found = problems();
  if (found.length) throw new Error(`problems on the pages:\n${found.join('\n')}`);
} finally {
  await site.close();
}
