/**
 * Starlight's search box builds Pagefind's UI (a 210 KB module to compile, then its Svelte
 * components) at the first idle moment after load: on a chapter that was a main-thread task of
 * 89–447 ms at 4× CPU, for a box most readers never open. Here it is built when the reader shows
 * an intent to search: pointer over or down on the search button, keyboard focus on it, or
 * Ctrl/⌘+K. Starlight's own handlers open the dialog as before; `build` is its unchanged
 * build-the-UI callback (src/build/search-on-demand.ts routes it here).
 */
export function whenSearchWanted(box: HTMLElement, build: () => void): void {
  const openButton = box.querySelector<HTMLButtonElement>('button[data-open-modal]');
  const dialog = box.querySelector('dialog');
  const target = box.querySelector('#starlight__search');
  if (!openButton || !dialog || !target) {
    // Not the markup this was written against: build at load as Starlight does.
    build();
    return;
  }
  let built = false;
  const intents = ['pointerenter', 'pointerdown', 'focus', 'click'] as const;
  const onShortcut = (e: KeyboardEvent) => {
    if ((e.metaKey || e.ctrlKey) && e.key === 'k') buildOnce();
  };
  function buildOnce() {
    if (built) return;
    built = true;
    for (const type of intents) openButton?.removeEventListener(type, buildOnce);
    window.removeEventListener('keydown', onShortcut);
    // Starlight focuses the search field when it opens the dialog; a dialog opened before the
    // field existed gets the focus once the field is there.
    const whenField = new MutationObserver(() => {
      const field = target?.querySelector('input');
      if (!field) return;
      whenField.disconnect();
      if (dialog?.open && !target?.contains(document.activeElement)) field.focus();
    });
    whenField.observe(target as Node, { childList: true, subtree: true });
    buildNow(build);
  }
  for (const type of intents) openButton.addEventListener(type, buildOnce);
  window.addEventListener('keydown', onShortcut);
}

/**
 * Starlight's callback defers the build to an idle moment (requestIdleCallback, read when it is
 * called). The reader is waiting now, and with the dialog open Chromium was seen never to run the
 * idle callback (Ctrl+K left an empty dialog): for this one call the build runs on a timer instead.
 */
function buildNow(build: () => void): void {
  const idle = Object.getOwnPropertyDescriptor(window, 'requestIdleCallback');
  Object.defineProperty(window, 'requestIdleCallback', {
    configurable: true,
    value: (run: () => void) => window.setTimeout(run, 0),
  });
  try {
    build();
  } finally {
    if (idle) Object.defineProperty(window, 'requestIdleCallback', idle);
    else Reflect.deleteProperty(window, 'requestIdleCallback');
  }
}
