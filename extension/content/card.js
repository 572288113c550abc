// Renders the Spotdial card in a closed shadow root, from the worker's answer only.
// Layer: shell (content script). HubSpot text is always inserted with textContent, never as HTML.
'use strict';
globalThis.spotdialCard = (() => {
  const HOST_ID = 'spotdial-root';
  let host = null;
  let shadow = null;

  const STYLE = `
    :host { all: initial; display: block; font: 14px/1.4 system-ui, sans-serif; color: #213343; }
    :host(.spotdial-floating) { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000;
      width: 300px; box-shadow: 0 4px 16px rgba(0,0,0,.2); }
    section { border: 1px solid #cbd6e2; border-radius: 6px; background: #fff; padding: 12px; margin: 8px 0; }
    h2 { font-size: 15px; margin: 0 0 8px; }
    .spotdial-muted { color: #516f90; font-size: 12px; }
    [role="alert"] { color: #b3261e; }
  `;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children) node.append(child); // strings become text nodes
    return node;
  }

  function mount() {
    if (host && host.isConnected) return;
    host = document.getElementById(HOST_ID) || el('div', { id: HOST_ID });
    if (!shadow) shadow = host.attachShadow({ mode: 'closed' });
    const anchor = spotdialAnchors.find(spotdialAnchors.recordSidebar);
    host.classList.toggle('spotdial-floating', !anchor);
    if (anchor) anchor.prepend(host);
    else document.body.append(host);
  }

  function unmount() {
    if (host) host.remove();
  }

  function render(answer) {
    if (!answer || answer.kind === 'not_a_record') return unmount();
    mount();
    const region = el('section', { role: 'region', 'aria-label': 'Spotdial' }, el('h2', {}, 'Spotdial'));
    if (answer.kind === 'card') {
      region.append(el('p', { class: 'spotdial-muted', 'data-contact-id': answer.contact }, `Contact ${answer.contact}`));
    } else {
      const message = answer.kind === 'error' ? answer.error.message : 'Spotdial got an answer it does not understand.';
      region.append(el('p', { role: 'alert' }, message));
    }
    shadow.replaceChildren(el('style', {}, STYLE), region);
  }

  return Object.freeze({ render, unmount });
})();
