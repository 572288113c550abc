// Where the Spotdial card sits in HubSpot's page: every DOM selector Spotdial depends on lives
// here, with fallbacks and when each was seen. Layer: shell (content script).
// The DOM is only an anchor, never a data source. A broken anchor makes the card float.
'use strict';
globalThis.spotdialAnchors = Object.freeze({
  // Tried in order; the card is inserted at the top of the first match.
  recordSidebar: [
    '[data-test-id="left-sidebar"]', // record page left column (HubSpot record layout, 2026)
    '[data-selenium-test="record-sidebar"]', // older record layout (seen 2024)
    'aside[aria-label*="About"]', // generic: the "About this contact" column
  ],
  find(list) {
    for (const selector of list) {
      try {
        const node = document.querySelector(selector);
        if (node) return node;
      } catch (_) { /* an invalid selector disables only itself */ }
    }
    return null;
  },
});
