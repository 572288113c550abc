// Where the Spotdial card sits in HubSpot's record page: every DOM selector Spotdial depends on
// lives here, each with the public evidence it comes from and the dates it was seen there
// (../shared/hubspot/DOM-EVIDENCE.md, E1-E7). Layer: shell (content script). The DOM is only an
// anchor, never a data source; a selector that stops matching makes the card float, nothing more.
'use strict';
globalThis.spotdialAnchors = Object.freeze({
  // Tried in order; the first match wins. `where` is an insertAdjacentElement position: the card
  // goes beside HubSpot's own cards ('afterend') rather than inside nodes its renderer owns.
  // None of these has been checked by us against a live HubSpot record (no account to look
  // with); all come from other projects' code and fixtures, read 2026-12-01.
  record: Object.freeze([
    Object.freeze({
      // The highlight card's wrapper in the left sidebar, 2026 layout. Source: E5
      // SysAdminDoc/HubSpot-Ticket-Refined fixture (2026: `#record-page-left-sidebar >
      // aside[data-test-id="left-sidebar"] > [data-test-id="card-wrapper-OBJECT_HIGHLIGHT-FAS-0-5-1"]`),
      // E6 revguide docs/HUBSPOT_DOM.md (`card-wrapper-*`, 2025-12 to 2026-03). Unverified live.
      selector: '[data-test-id="left-sidebar"] [data-test-id^="card-wrapper-OBJECT_HIGHLIGHT"]',
      where: 'afterend',
      layout: '2026',
    }),
    Object.freeze({
      // The same card by its type. Source: E2 toggl #2404 (2025-12-24 / 2026-01-15, inserts
      // 'afterend' of it), E4 Portal-Peeker fixture "measured on live records" (2026),
      // E5 (2026). Unverified live.
      selector: '[data-test-id="left-sidebar"] [data-card-type="OBJECT_HIGHLIGHT"]',
      where: 'afterend',
      layout: '2026',
    }),
    Object.freeze({
      // The older highlight card. Source: E1 ringcentral 934f24d (2021-04-06, contact only),
      // E3 clockify (2023-06 to 2025-07), E2 toggl #2334 (2024-09-24, `$="-highlight-details"`).
      // Dropped by both peers between 2025-07 and 2026-03: kept for portals still on it.
      // Unverified live.
      selector: '[data-selenium-test="contact-highlight-details"]',
      where: 'afterend',
      layout: '2024',
    }),
    Object.freeze({
      // The 2026 left column without a highlight card we know: top of the column. Source: E5
      // (2026), E3 clockify fc4269c (2026-03-10, `[data-scroll-trackable-container="left-sidebar"]`),
      // E6 (2025-12 to 2026-03). Unverified live.
      selector: '[data-test-id="left-sidebar"]',
      where: 'afterbegin',
      layout: '2026 (no highlight card)',
    }),
    Object.freeze({
      // The right column, the evidence's suggested second place. Source: E5 (2026),
      // E7 Ihor-Hanets/rnd_playwright_mcp deal page, E6 (2025-12 to 2026-03). Unverified live.
      selector: '[data-test-id="records-right-sidebar"] > [data-test-id="right-sidebar"]',
      where: 'afterbegin',
      layout: '2026 (right column)',
    }),
  ]),
  /** The first anchor that matches: `{ node, where, rank }` (rank 0 = the best), or null. */
  find(list) {
    for (const [rank, anchor] of list.entries()) {
      try {
        const node = document.querySelector(anchor.selector);
        if (node) return { node, where: anchor.where, rank };
      } catch (_) { /* an invalid selector disables only itself */ }
    }
    return null;
  },
});
