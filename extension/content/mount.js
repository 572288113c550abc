// Keeps the card's host element in its place in HubSpot's record page: beside the anchor
// anchors.js finds, or floating when none matches; put back once when HubSpot's renderer drops
// it. Owns the content script's one MutationObserver. Layer: shell (content script).
// Bounded: a burst of mutations costs one callback per microtask batch plus one pass per frame,
// and a renderer that keeps dropping the card gets it back at most MAX_PLACEMENTS times a window.
'use strict';
globalThis.spotdialMount = (() => {
  const WINDOW_MS = 2000;
  const MAX_PLACEMENTS = 8; // within WINDOW_MS: more means something removes the card as fast as we add it
  const LOOK_EVERY_MS = 500; // how often a card not at the best anchor looks for a better one
  let host = null;
  let placedAt = null; // { node, where, rank } the host sits beside; null while floating
  let lookedAt = 0;
  let windowStart = 0;
  let placements = 0;
  let retry = 0;
  let later = 0;
  let scheduled = false;
  let observer = null;
  let onPlaced = null; // the card's hook: give focus back after a re-render moved the host
  const onPass = [];
  // Test-only figures (read by tools/bench.mjs in the content script's world; the page cannot
  // see them): DOM records seen, observer callbacks, frame passes, placements, time spent.
  const stats = { records: 0, callbacks: 0, passes: 0, placements: 0, ms: 0 };

  function beside(anchor) {
    return anchor.where === 'afterend' ? host.parentNode === anchor.node.parentNode && anchor.node.isConnected
      : host.parentNode === anchor.node;
  }

  function withinBudget() {
    const now = performance.now();
    if (now - windowStart > WINDOW_MS) { windowStart = now; placements = 0; }
    if (placements < MAX_PLACEMENTS) { placements += 1; return true; }
    // Out of budget: look once more when the window ends, not on every mutation until then.
    if (!retry) retry = setTimeout(() => { retry = 0; keep(); }, WINDOW_MS - (now - windowStart) + 1);
    return false;
  }

  /** Puts the host where it belongs if it is not there already; cheap when nothing changed. */
  function keep() {
    if (!host) return;
    // Fast path: in the best place, and that place is still in the page. No query at all.
    if (host.isConnected && placedAt && placedAt.rank === 0 && beside(placedAt)) return;
    const now = performance.now();
    if (host.isConnected && now - lookedAt < LOOK_EVERY_MS) {
      // Shown; a better place can wait, but not for a mutation that may never come: one
      // trailing look when the interval ends.
      if (!later) later = setTimeout(() => { later = 0; keep(); }, LOOK_EVERY_MS - (now - lookedAt) + 1);
      return;
    }
    lookedAt = now;
    const anchor = spotdialAnchors.find(spotdialAnchors.record);
    if (anchor && host.isConnected && placedAt && placedAt.node === anchor.node && beside(anchor)) {
      placedAt = anchor;
      return;
    }
    if (!anchor && host.isConnected && !placedAt && host.parentNode === document.body) return;
    if (!withinBudget()) return;
    if (!host.isConnected) {
      // Exactly one card: a copy left by an earlier instance of this script (an extension
      // update orphans it) goes, so two cards never show.
      for (const other of document.querySelectorAll(`#${host.id}`)) if (other !== host) other.remove();
    }
    stats.placements += 1;
    host.classList.toggle('spotdial-floating', !anchor);
    if (anchor) anchor.node.insertAdjacentElement(anchor.where, host);
    else document.body.append(host);
    placedAt = anchor;
    if (onPlaced) onPlaced();
  }

  function pass() {
    const t0 = performance.now();
    scheduled = false;
    stats.passes += 1;
    if (!chrome.runtime || !chrome.runtime.id) {
      stop(); // the extension was reloaded or removed: this copy of the script is orphaned
    } else {
      for (const fn of onPass) fn();
      keep();
    }
    stats.ms += performance.now() - t0;
  }

  function observed(records) {
    const t0 = performance.now();
    stats.callbacks += 1;
    stats.records += records.length;
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(pass); // before the next paint: a dropped card is back before it shows missing
    }
    stats.ms += performance.now() - t0;
  }

  function stop() {
    if (observer) observer.disconnect();
    observer = null;
    if (retry) clearTimeout(retry);
    if (later) clearTimeout(later);
    if (host) host.remove();
    host = null;
  }

  return Object.freeze({
    /** Starts watching the page; `fn` runs once per frame in which the DOM changed. */
    start(fn) {
      if (fn) onPass.push(fn);
      if (observer) return;
      observer = new MutationObserver(observed);
      observer.observe(document.documentElement, { childList: true, subtree: true });
    },
    /** Shows `element` in the page (idempotent: a host already in place is left alone).
     * `placed` runs each time the host is put (back) into the page. */
    attach(element, placed) {
      if (host !== element) { if (host) host.remove(); host = element; placedAt = null; }
      onPlaced = placed || null;
      keep();
    },
    detach() {
      if (host) host.remove();
      host = null;
      placedAt = null;
    },
    /** Looks for a better place now (e.g. HubSpot rendered its sidebar after a floating start). */
    reanchor() { lookedAt = 0; keep(); },
    stats: () => Object.assign({}, stats),
  });
})();
