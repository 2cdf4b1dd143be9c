/**
 * Issue 12, "Smaller": code in prose never breaks inside a name. `vcpu->requests` wraps as
 * `vcpu->` / `requests` (or not at all), never as `vcpu-` / `>requests`, and on a phone an
 * identifier in inline code or in a code block breaks only at a space or after `->`, `.`, `_`,
 * `::`, `/`, a comma or an opening parenthesis, and never runs out of its column. Every page,
 * at phone and desktop size, measured character by character (Range.getClientRects).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listHtmlFiles, urlPathOf } from '../support/dist.ts';
import { openSite, type Site } from './harness.ts';

const pages = (await listHtmlFiles()).filter((f) => f !== '404.html').map((f) => urlPathOf(f));

interface Breaks {
  /** Line breaks inside a name: "text: …before|after…". */
  bad: string[];
  /** Inline code elements that wrap at all (so the check above is not vacuous at this width). */
  wrappedInline: number;
  /** Code elements wider than the prose column. */
  overflowing: string[];
  /** How many `vcpu->requests` (or other `->`) inline codes were measured. */
  arrows: number;
}

/**
 * Every line break inside the prose's code: inline `code` outside `pre`, and the lines of code
 * blocks. A break between two characters is the second one starting a lower line; it is allowed
 * after a space, `->`, `.`, `_`, `::`, `/`, `,`, `(`, `|`, `+` (between the parts of a litmus
 * test's name) or a hyphen that is not the start of `->`.
 */
const measure = (page: Page): Promise<Breaks> =>
  page.evaluate(() => {
    const out: Breaks = { bad: [], wrappedInline: 0, overflowing: [], arrows: 0 };
    const root = document.querySelector('.sl-markdown-content');
    if (!root) return out;
    const live = '[data-kvm-live], [data-kvm-plot], .kvm-source';
    const allowedAfter = (prev2: string, prev: string, cur: string): boolean =>
      /[\s.,_(/|+]/.test(prev) ||
      (prev === '>' && prev2 === '-') ||
      (prev === ':' && prev2 === ':') ||
      (prev === '-' && cur !== '>');
    const check = (el: Element, label: string): void => {
      const chars: { c: string; top: number }[] = [];
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (let i = 0; i < text.length; i++) {
          const range = document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const r = range.getClientRects()[0];
          const c = text[i] as string;
          // A space at a line end may have no box: it stays, on the line it ends.
          if (r && r.width > 0) chars.push({ c, top: r.top });
          else if (/\s/.test(c)) chars.push({ c, top: chars.at(-1)?.top ?? Number.NEGATIVE_INFINITY });
        }
      }
      for (let i = 1; i < chars.length; i++) {
        const prev = chars[i - 1] as { c: string; top: number };
        const cur = chars[i] as { c: string; top: number };
        if (cur.top > prev.top + 2 && !/\s/.test(cur.c) && !allowedAfter(chars[i - 2]?.c ?? '', prev.c, cur.c)) {
          const text = chars.map((ch) => ch.c).join('');
          out.bad.push(`${label} “${text.slice(Math.max(0, i - 20), i)}|${text.slice(i, i + 20)}”`);
        }
      }
    };
    const column = root.getBoundingClientRect();
    for (const code of root.querySelectorAll('code')) {
      if (code.closest('pre') || code.closest(live)) continue;
      if (code.textContent?.includes('->')) out.arrows++;
      const r = code.getBoundingClientRect();
      // A table that scrolls sideways holds its code in its own scroll box (the litmus table's
      // hint is tested in reader2.test.ts); anywhere else code must stay in the column.
      const scrolls = (el: Element | null): boolean =>
        !!el && el !== root && (/auto|scroll/.test(getComputedStyle(el).overflowX) || scrolls(el.parentElement));
      if (r.right > column.right + 1 && !scrolls(code.parentElement)) out.overflowing.push(code.textContent ?? '');
      if (code.getClientRects().length > 1) {
        out.wrappedInline++;
        check(code, 'inline');
      }
    }
    for (const pre of root.querySelectorAll('pre')) {
      if (pre.closest(live)) continue;
      if (pre.scrollWidth > pre.clientWidth + 1) out.overflowing.push((pre.textContent ?? '').slice(0, 60));
      const lines = [...pre.querySelectorAll('.ec-line')];
      const heights = lines.map((l) => l.getBoundingClientRect().height).filter((h) => h > 0);
      const one = Math.min(...heights);
      for (const line of lines.length ? lines : [pre]) {
        if (line.getBoundingClientRect().height > one * 1.5) check(line, 'block');
      }
    }
    return out;
  });

describe('code in prose never breaks inside a name', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it.each([
    ['phone', { width: 375, height: 812 }],
    ['desktop', { width: 1280, height: 800 }],
  ])('on every page (%s)', async (name, viewport) => {
    const { page, problems } = await site.newPage({ viewport, javaScriptEnabled: false });
    let wrapped = 0;
    let arrows = 0;
    const bad: string[] = [];
    const overflowing: string[] = [];
    for (const path of pages) {
      await page.goto(new URL(path, site.home).href, { waitUntil: 'load' });
      const found = await measure(page);
      bad.push(...found.bad.map((b) => `${path}: ${b}`));
      overflowing.push(...found.overflowing.map((b) => `${path}: ${b}`));
      wrapped += found.wrappedInline;
      arrows += found.arrows;
    }
    expect(bad, `at ${name} size`).toEqual([]);
    expect(overflowing, `at ${name} size`).toEqual([]);
    expect(arrows, 'inline codes with ->').toBeGreaterThan(10);
    // At phone size inline code does wrap, so the check measured real breaks.
    if (viewport.width < 500) expect(wrapped).toBeGreaterThan(5);
    expect(problems()).toEqual([]);
    await page.context().close();
  });

  it('with JavaScript too, `vcpu->requests` at a line end wraps after the arrow or not at all', async () => {
    const { page, problems } = await site.newPage({ viewport: { width: 375, height: 812 } });
    await page.goto(site.url('requests/'), { waitUntil: 'load' });
    // Force every `vcpu->requests` in the prose to a line end: the column is made so narrow
    // that it cannot sit on one line with "xx " before it.
    const broken = await page.evaluate(() => {
      const out: string[] = [];
      const codes = [...document.querySelectorAll('.sl-markdown-content p > code')].filter(
        (c) => c.textContent === 'vcpu->requests',
      );
      for (const code of codes.slice(0, 3)) {
        const box = document.createElement('p');
        box.style.width = '9ch';
        box.style.fontFamily = 'monospace';
        box.append('xx ', code.cloneNode(true));
        code.closest('p')?.after(box);
        const copy = box.querySelector('code') as HTMLElement;
        const rects = [...copy.getClientRects()].filter((r) => r.width > 0);
        const range = document.createRange();
        range.selectNodeContents(copy);
        const text = copy.textContent ?? '';
        // The characters that start each line of the copy.
        const starts: string[] = [];
        let lastTop = Number.NEGATIVE_INFINITY;
        const walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (let i = 0; i < (node.textContent ?? '').length; i++) {
            const r = document.createRange();
            r.setStart(node, i);
            r.setEnd(node, i + 1);
            const rect = r.getClientRects()[0];
            if (rect && rect.width > 0 && rect.top > lastTop + 2) {
              starts.push(node.textContent?.slice(i) ?? '');
              lastTop = rect.top;
            }
          }
        }
        if (rects.length > 1 && !starts.slice(1).every((s) => s.startsWith('requests'))) {
          out.push(`${text} wraps as ${starts.join(' / ')}`);
        }
        box.remove();
      }
      return { out, count: codes.length };
    });
    expect(broken.count).toBeGreaterThan(3);
    expect(broken.out).toEqual([]);
    expect(problems()).toEqual([]);
    await page.context().close();
  });
});
