// Where the keyboard focus is, as a screen reader reports it: the focused node of Chromium's
// accessibility tree (through CDP), which reaches into Spotdial's closed shadow root.
// Layer: test tooling, for the keyboard-only walks.

async function session(page) {
  // The same session a11y.mjs keeps on the page.
  if (!page.__spotdialCdp) page.__spotdialCdp = await page.context().newCDPSession(page);
  return page.__spotdialCdp;
}

/** `{ role, name }` of the focused control, or null when nothing inside the page has focus. */
export async function focused(page) {
  const cdp = await session(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const isFocused = (n) => (n.properties || []).some((p) => p.name === 'focused' && p.value && p.value.value === true);
  // The document itself reports focus too; the innermost focused node is the control.
  const hits = nodes.filter((n) => !n.ignored && isFocused(n) && n.role && n.role.value !== 'RootWebArea');
  const node = hits[hits.length - 1];
  return node ? { role: node.role.value, name: node.name ? node.name.value : '' } : null;
}
