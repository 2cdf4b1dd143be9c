/**
 * src/build/breakable-code.ts: the prose's code gets break opportunities between the parts of a
 * name and an unbreakable `->`, its text is unchanged, and the live checks' code and everything
 * outside the prose are left as they were.
 */
import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { breakableCode } from '../../src/build/breakable-code.ts';

const page = (prose: string, rest = '') =>
  `<!DOCTYPE html><html><head></head><body><div class="sl-markdown-content">${prose}</div>${rest}</body></html>`;
const ARROW = '<k-nb>-&gt;</k-nb>';

/** The text of an HTML fragment, as the browser (and copy, and search) sees it. */
const textOf = (html: string): string => {
  const walk = (n: { nodeName: string; value?: string; childNodes?: unknown[] }): string =>
    n.nodeName === '#text' ? (n.value ?? '') : (n.childNodes ?? []).map((c) => walk(c as typeof n)).join('');
  return walk(parse(html) as unknown as { nodeName: string });
};

describe('breakableCode', () => {
  it('breaks kernel names after their joints and keeps -> whole', () => {
    const out = breakableCode(
      page(
        '<p><code>vcpu-&gt;requests</code> <code>kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu)</code> <code>MP+pooncelock+pombonce</code> <code>arch/x86/kvm/x86.c</code> <code>arch/x86/kvm/vmx/posted_intr.c</code> <code>std::atomic</code> <code>std::memory_order_relaxed</code></p>',
      ),
    );
    // A name shorter than LONG_NAME breaks only after its -> (kept whole).
    expect(out).toContain(`<code>vcpu${ARROW}<wbr>requests</code>`);
    expect(out).toContain('<code>kvm_<wbr>make_<wbr>request(<wbr>KVM_<wbr>REQ_<wbr>TLB_<wbr>FLUSH, vcpu)</code>');
    expect(out).toContain('<code>MP+<wbr>pooncelock+<wbr>pombonce</code>');
    expect(out).toContain('<code>arch/x86/kvm/x86.c</code>');
    expect(out).toContain('<code>arch/<wbr>x86/<wbr>kvm/<wbr>vmx/<wbr>posted_<wbr>intr.<wbr>c</code>');
    expect(out).toContain('<code>std::atomic</code>');
    expect(out).toContain('<code>std::<wbr>memory_<wbr>order_<wbr>relaxed</code>');
    // A component's code (Astro's scoped class) is prose too.
    expect(breakableCode(page('<code class="astro-3r2xbwtd">MP+pooncelock+pombonce</code>'))).toContain(
      '<code class="astro-3r2xbwtd">MP+<wbr>pooncelock+<wbr>pombonce</code>',
    );
  });

  it('adds nothing inside a part: leading underscores, numbers, calls, ellipses, operators', () => {
    const prose =
      '<p><code>__rcu_read_lock_nesting_counter</code> <code>5.8</code> <code>smp_mb__after_spinlock()</code> <code>a &amp;&amp; b-&gt;c</code> <code>...</code></p>';
    const out = breakableCode(page(prose));
    expect(out).toContain('<code>__rcu_<wbr>read_<wbr>lock_<wbr>nesting_<wbr>counter</code>');
    expect(out).toContain('<code>5.8</code>');
    expect(out).toContain('<code>smp_<wbr>mb__after_<wbr>spinlock()</code>');
    expect(out).toContain(`<code>a &amp;&amp; b${ARROW}<wbr>c</code>`);
    expect(out).toContain('<code>...</code>');
  });

  it('works across the token spans of a code block line and leaves the text unchanged', () => {
    const line =
      '<div class="ec-line"><div class="code"><span>vcpu</span><span>-&gt;</span><span>mode</span><span> = OUTSIDE_GUEST_MODE_NOW;</span></div></div>';
    const block = `<div class="expressive-code"><pre data-language="c" class="wrap"><code>${line}</code></pre></div>`;
    const out = breakableCode(page(block));
    expect(out).toContain(
      `<span>vcpu</span><span>${ARROW}<wbr></span><span>mode</span><span> = OUTSIDE_<wbr>GUEST_<wbr>MODE_<wbr>NOW;</span>`,
    );
    expect(textOf(out)).toBe(textOf(page(block)));
  });

  it('leaves the live checks, classed code and code outside the prose alone', () => {
    const live = '<section data-kvm-live="x"><p><code>vcpu-&gt;mode</code></p></section>';
    const source = '<div class="kvm-source"><code>vcpu-&gt;mode</code></div>';
    const classed = '<code class="kvm-text">vcpu-\u2060&gt;mode</code>';
    const input = page(live + source + classed, '<footer><code>vcpu-&gt;mode</code></footer>');
    expect(breakableCode(input)).toBe(input);
  });
});
