// Content script entry: follows HubSpot's single-page navigation and asks the worker for the
// card of the record in view. Layer: shell (content script): no wasm, no tokens, no decisions;
// which URL is a contact record is decided by the worker's Rust page classifier.
'use strict';
(() => {
  let shownUrl = null;
  let generation = 0;
  let retries = 0;

  async function refresh() {
    const url = location.href;
    if (url === shownUrl) return;
    shownUrl = url;
    const mine = ++generation;
    let answer;
    try {
      answer = await spotdialMessage.send(spotdialMessage.card(url));
    } catch (_) {
      answer = { kind: 'error', error: { code: 'worker_unreachable', message: 'Spotdial could not reach its background worker. Reload the page to try again.', retryable: true } };
    }
    if (mine !== generation) return; // a newer navigation wins
    // The worker reads the record from the browser's view of the tab, which can lag an
    // in-page navigation by a moment: ask again shortly instead of showing the wrong card.
    if (answer && answer.kind === 'error' && answer.error.code === 'page_changed' && retries < 5) {
      retries += 1;
      shownUrl = null;
      setTimeout(refresh, 100 * retries);
      return;
    }
    retries = 0;
    spotdialCard.render(answer);
  }

  // HubSpot navigates with history.pushState, which an isolated world cannot hook; the
  // Navigation API reports it, and popstate plus a DOM observer cover older Chromes.
  if (globalThis.navigation) navigation.addEventListener('currententrychange', () => refresh());
  addEventListener('popstate', () => refresh());
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    // Also moves a floating card into HubSpot's sidebar once HubSpot has rendered it.
    requestAnimationFrame(() => { pending = false; refresh(); spotdialCard.reanchor(); });
  }).observe(document.documentElement, { childList: true, subtree: true });

  // Keyboard shortcuts arrive from the worker; only this extension may send them.
  chrome.runtime.onMessage.addListener((message, sender) => {
    if (sender.id === chrome.runtime.id && message && message.kind === 'command') spotdialCard.command(message.command);
  });
  refresh();
})();
