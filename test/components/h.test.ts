import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { h, toDom, toHtml } from '../../src/live/h.ts';
import { refLabel } from '../../src/live/views.ts';

const EVIL = '<img src=x onerror="alert(1)">&"\'';

describe('the element tree', () => {
  it('escapes every text and attribute value in HTML', () => {
    const html = toHtml(h('p', { title: EVIL, 'data-x': 1, hidden: true, skip: false }, EVIL, 3));
    // Text escapes & and <; a double-quoted attribute & and " (and <): nothing else starts markup.
    const text = '&#60;img src=x onerror="alert(1)">&#38;"\'';
    const attr = "&#60;img src=x onerror=&#34;alert(1)&#34;>&#38;&#34;'";
    expect(html).toBe(`<p title="${attr}" data-x="1" hidden>${text}3</p>`);
    expect(html).not.toContain('<img');
    // And a parser reads back exactly the data, as text and as the attribute's value.
    const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
    expect(document.querySelector('img')).toBeNull();
    expect(document.querySelector('p')?.textContent).toBe(`${EVIL}3`);
    expect(document.querySelector('p')?.getAttribute('title')).toBe(EVIL);
  });

  it('builds DOM with text nodes only, so data never becomes markup', () => {
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    const el = toDom(h('div', { class: 'x' }, EVIL, h('code', null, 'a')), document as unknown as Document) as Element;
    expect(el.querySelector('img')).toBeNull();
    expect(el.textContent).toBe(`${EVIL}a`);
    expect(el.childNodes[0]?.nodeType).toBe(3);
  });

  it('refuses event-handler attributes and odd names', () => {
    expect(() => toHtml(h('a', { onclick: 'x()' }))).toThrow(/refusing attribute onclick/);
    expect(() => toHtml(h('a', { 'x"y': '1' }))).toThrow(/refusing/);
    expect(() => h('scr ipt')).toThrow(/bad tag/);
  });
});

describe('kernel reference labels', () => {
  it('names commits by short id, list messages as such, and anything else as written', () => {
    expect(refLabel('85b640450ddcfa09cf72771b69a9c3daf0ddc772')).toBe('commit 85b640450ddc');
    expect(refLabel('YSgpy8iXXXUQ+b/k@google.com')).toBe('list message');
    expect(refLabel('Documentation/virt/kvm/vcpu-requests.rst')).toBe('Documentation/virt/kvm/vcpu-requests.rst');
    expect(refLabel('kvm list, 5 April 2017, Paolo Bonzini to Christoffer Dall')).toBe(
      'kvm list, 5 April 2017, Paolo Bonzini to Christoffer Dall',
    );
  });
});
