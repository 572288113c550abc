// Building DOM for Spotdial's own pages and card: text is always inserted as text (strings
// become text nodes), never parsed as HTML. Layer: shell.
'use strict';
globalThis.spotdialDom = Object.freeze({
  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
    return node;
  },
});
