// Call-flow steps on a contact record, shared by the demo and the benchmarks: dial from the
// Spotdial card, fill the call panel, log the call. Layer: test tooling; controls are found by
// role and accessible name. After a dial, a headless tab whose tel: prompt nobody answers
// ignores mouse and keyboard (reproduced without the extension), so the panel is driven with a
// DOM click and insertText, which work whether or not the profile suppresses that prompt.
import { choose, click, find, onFresh, queryAll, textOf } from './a11y.mjs';

async function cdpOf(page) {
  // The same session a11y.mjs keeps on the page, so node ids stay valid across helpers.
  if (!page.__spotdialCdp) page.__spotdialCdp = await page.context().newCDPSession(page);
  return page.__spotdialCdp;
}

async function call(page, found, functionDeclaration, args = []) {
  const cdp = await cdpOf(page);
  const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: found.backendNodeId });
  const { result } = await cdp.send('Runtime.callFunctionOn', {
    objectId: object.objectId, functionDeclaration, arguments: args.map((value) => ({ value })), returnByValue: true,
  });
  return result.value;
}

/** The names of the card's dial buttons ("Call …"), once there is at least one. */
export async function dialButtons(page, { timeout = 15000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const names = (await queryAll(page, 'button', /^Call /)).map((n) => n.name);
    if (names.length) return names;
    if (Date.now() > deadline) throw new Error('the Spotdial card shows no "Call …" button');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Presses the first (or the named) "Call …" button and waits for the call panel. */
export async function dial(page, name) {
  const target = name || (await dialButtons(page))[0];
  await click(page, 'button', target);
  await find(page, 'combobox', 'Outcome', { timeout: 15000 });
  return target;
}

/** Activates a control with a DOM click (works after a dial, when the mouse no longer does). */
export async function press(page, role, name) {
  return onFresh(page, role, name, async (found) => {
    // A node the page took out (a re-render) is not clicked: found again, once it is back.
    const clicked = await call(page, found, 'function () { if (!this.isConnected) return false; this.click(); return true; }');
    if (!clicked) throw new Error('Node is detached');
    return found;
  });
}

/** Focuses a text field and inserts text as an input method would (fires `input`). */
export async function enter(page, role, name, text) {
  const cdp = await cdpOf(page);
  const found = await onFresh(page, role, name, async (node) => {
    await cdp.send('DOM.focus', { backendNodeId: node.backendNodeId });
    return node;
  });
  await cdp.send('Input.insertText', { text });
  return found;
}

/** The current value of a form control. */
export async function valueOf(page, role, name) {
  return call(page, await find(page, role, name), 'function () { return this.value; }');
}

/** Waits until a node of `role` has text matching `pattern`; returns that text. */
export async function waitForText(page, role, pattern, { timeout = 15000 } = {}) {
  const deadline = Date.now() + timeout;
  const seen = new Set();
  while (Date.now() < deadline) {
    for (const node of await queryAll(page, role)) {
      const text = (await textOf(page, node)) || '';
      if (pattern.test(text)) return text;
      seen.add(text);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${role} matching ${pattern}; saw: ${[...seen].join(' | ') || 'none'}`);
}

/** Chooses an outcome and types notes in the open call panel. */
export async function fillCallPanel(page, { outcome = 'Connected', notes = '' } = {}) {
  await choose(page, 'Outcome', outcome);
  if (notes) await enter(page, 'textbox', 'Notes', notes);
}

/**
 * Presses "Log call" and waits for the status that follows: "Call logged" once HubSpot has it,
 * "Call saved…" while it waits in the outbox. Returns the status text.
 */
export async function logCall(page, { timeout = 20000 } = {}) {
  await press(page, 'button', 'Log call');
  return waitForText(page, 'status', /^Call (logged|saved)/, { timeout });
}
