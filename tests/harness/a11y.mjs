// Finds controls the way a screen reader does: by role and accessible name in Chromium's
// accessibility tree (through CDP), which also reaches into Spotdial's closed shadow root,
// where DOM selectors cannot. Clicks are real mouse events at the control's position.
// Layer: test tooling.

async function session(page) {
  if (!page.__spotdialCdp) page.__spotdialCdp = await page.context().newCDPSession(page);
  return page.__spotdialCdp;
}

function matches(value, expected) {
  if (expected === undefined) return true;
  if (expected instanceof RegExp) return expected.test(value || '');
  return value === expected;
}

/** Every accessibility node with this role and name (string = exact, RegExp = test). */
export async function queryAll(page, role, name) {
  const cdp = await session(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  return nodes
    .filter((n) => !n.ignored && n.role && n.role.value === role && matches(n.name && n.name.value, name))
    .map((n) => ({ role, name: n.name && n.name.value, backendNodeId: n.backendDOMNodeId, node: n }));
}

/** Waits until exactly one node has this role and name, and returns it. */
export async function find(page, role, name, { timeout = 10000 } = {}) {
  const deadline = Date.now() + timeout;
  let last = [];
  while (Date.now() < deadline) {
    last = await queryAll(page, role, name);
    if (last.length === 1) return last[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected one ${role} named ${name}, found ${last.length}: ${last.map((n) => n.name).join(' | ')}`);
}

/** Waits until no node has this role and name. */
export async function gone(page, role, name, { timeout = 10000 } = {}) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if ((await queryAll(page, role, name)).length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${role} named ${name} is still there`);
}

/** The text content of a node (including its descendants), read through CDP. */
export async function textOf(page, found) {
  const cdp = await session(page);
  const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: found.backendNodeId });
  const { result } = await cdp.send('Runtime.callFunctionOn', {
    objectId: object.objectId, functionDeclaration: 'function () { return this.textContent; }', returnByValue: true,
  });
  return result.value;
}

/** Clicks the control with a real mouse event at its centre. A page that redraws between
 *  finding the control and clicking it (the popup renders twice) is looked at again. */
export async function click(page, role, name, { timeout = 10000 } = {}) {
  const deadline = Date.now() + timeout;
  const cdp = await session(page);
  await hydrated(page);
  for (;;) {
    const found = await find(page, role, name, { timeout: Math.max(1000, deadline - Date.now()) });
    try {
      await cdp.send('DOM.scrollIntoViewIfNeeded', { backendNodeId: found.backendNodeId });
      // Content quads are in viewport coordinates, which is what mouse events take.
      const { quads } = await cdp.send('DOM.getContentQuads', { backendNodeId: found.backendNodeId });
      if (quads && quads.length) {
        const q = quads[0];
        await page.mouse.click((q[0] + q[2] + q[4] + q[6]) / 4, (q[1] + q[3] + q[5] + q[7]) / 4);
        return found;
      }
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`${role} named ${name} never became clickable`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * HubSpot's framework takes over a record page after `load` and renders its sidebar again (the
 * sandbox does so 150 ms after `load`, tests/sandbox/ui.mjs): the card is out of the page for
 * that frame and back at its place after. A click by coordinates or a key typed in that frame
 * lands on HubSpot's page, as a person's would; a person waits for the page to settle, and so
 * does every action here. Pages without the sandbox's renderer pass at once.
 */
async function hydrated(page) {
  await page.waitForFunction(() => !window.__sandbox || window.__sandbox.renders() >= 1, null, { timeout: 10000 });
}

/**
 * Finds the control and acts on it; when the page replaced the node in between (HubSpot's
 * renderer re-renders the sidebar the card sits in, and the card comes back a frame later),
 * finds it again and retries, until `timeout`.
 */
export async function onFresh(page, role, name, act, { timeout = 10000 } = {}) {
  const deadline = Date.now() + timeout;
  await hydrated(page);
  for (;;) {
    const found = await find(page, role, name, { timeout: Math.max(1000, deadline - Date.now()) });
    try {
      return await act(found);
    } catch (error) {
      const replaced = /not focusable|No node with given id|Could not find node|Node is detached|Cannot find context/i.test(String(error && error.message));
      if (!replaced || Date.now() > deadline) throw error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Focuses the control (as Tab would) and types into it with the keyboard. */
export async function type(page, role, name, text) {
  const cdp = await session(page);
  const found = await onFresh(page, role, name, async (node) => {
    await cdp.send('DOM.focus', { backendNodeId: node.backendNodeId });
    return node;
  });
  await page.keyboard.type(text);
  return found;
}

/** Chooses an option of a combobox (a <select>) by its label, firing `change` like a user. */
export async function choose(page, name, label) {
  const cdp = await session(page);
  return onFresh(page, 'combobox', name, (found) => chooseOn(cdp, found, name, label));
}

async function chooseOn(cdp, found, name, label) {
  await cdp.send('DOM.focus', { backendNodeId: found.backendNodeId });
  const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: found.backendNodeId });
  const { result } = await cdp.send('Runtime.callFunctionOn', {
    objectId: object.objectId,
    arguments: [{ value: label }],
    functionDeclaration: `function (label) {
      const option = [...this.options].find((o) => o.label === label);
      if (!option) return false;
      this.value = option.value;
      this.dispatchEvent(new Event('input', { bubbles: true }));
      this.dispatchEvent(new Event('change', { bubbles: true }));
      return true;
    }`,
    returnByValue: true,
  });
  if (!result.value) throw new Error(`combobox ${name} has no option ${label}`);
}

/**
 * Waits for exactly one node of this role whose text matches `pattern`. For roles whose
 * accessible name does not come from their content (status, alert), as a screen reader
 * reads a live region's text.
 */
export async function findText(page, role, pattern, { timeout = 10000 } = {}) {
  const deadline = Date.now() + timeout;
  let seen = [];
  while (Date.now() < deadline) {
    seen = [];
    for (const node of await queryAll(page, role)) {
      const text = await textOf(page, node).catch(() => '');
      seen.push(text);
      if (pattern.test(text)) return { ...node, text };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${role} with text ${pattern}; saw: ${seen.join(' | ')}`);
}
