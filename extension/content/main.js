// Content script entry: follows HubSpot's single-page navigation and asks the worker for the
// card of the record in view. Layer: shell (content script): no wasm, no tokens, no decisions;
// which URL is a contact record is decided by the worker's Rust page classifier.
// Only a URL change sends a message: a DOM mutation alone never wakes the worker.
'use strict';
(() => {
  let shownUrl = null;
  let shown = null; // the answer on screen
  let generation = 0;
  let retries = 0;

  // The same record under another URL (HubSpot's record tabs, `…/view/N`) keeps the card as it
  // is: re-rendering would drop what the rep is doing in it for nothing new.
  const sameCard = (a, b) => Boolean(a && b && a.kind === 'card' && b.kind === 'card' && a.card && b.card
    && a.hublet === b.hublet && a.portal === b.portal && a.contact === b.contact
    && JSON.stringify(a.paused) === JSON.stringify(b.paused));

  async function refresh() {
    const url = location.href;
    if (url === shownUrl) return; // a string compare per frame of mutations, nothing more
    shownUrl = url;
    const mine = ++generation;
    const answer = await spotdialMessage.send(spotdialMessage.card(url)); // never throws
    if (mine !== generation) return; // a newer navigation wins
    // The worker reads the record from the browser's view of the tab, which can lag an
    // in-page navigation by a moment: ask again shortly instead of showing the wrong card.
    if (answer.kind === 'error' && answer.error.code === 'page_changed' && retries < 5) {
      retries += 1;
      shownUrl = null;
      setTimeout(refresh, 100 * retries);
      return;
    }
    retries = 0;
    if (sameCard(shown, answer)) return;
    shown = answer;
    spotdialCard.render(answer);
  }

  // HubSpot navigates with history.pushState, which an isolated world cannot hook; the
  // Navigation API reports it, and popstate plus the page watcher (one check per frame in
  // which the DOM changed) cover Chromes without it.
  if (globalThis.navigation) navigation.addEventListener('currententrychange', () => refresh());
  addEventListener('popstate', () => refresh());
  spotdialMount.start(refresh);

  // Keyboard shortcuts arrive from the worker; only this extension may send them.
  chrome.runtime.onMessage.addListener((message, sender) => {
    if (sender.id === chrome.runtime.id && message && message.kind === 'command') spotdialCard.command(message.command);
  });
  refresh();
})();
