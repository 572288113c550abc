// The one factory for messages to the Spotdial service worker, shared by the content script,
// the popup and the options page (a classic script: content scripts cannot import modules).
// Layer: shell. The worker's Rust `Request` enum is the authority on these shapes.
'use strict';
globalThis.spotdialMessage = Object.freeze({
  ping: () => ({ kind: 'ping' }),
  card: (url) => ({ kind: 'card', url: String(url) }),
});
