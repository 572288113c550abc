// Runs code in Spotdial's content-script world of a page (Chrome's isolated world for the
// extension), the way a compromised or buggy content script could: through CDP, since no page
// script can reach that world. Layer: test tooling.

/** The execution contexts of the extension's isolated world in `page` (none: no content script). */
export async function isolatedWorlds(browser, page, { settleMs = 400 } = {}) {
  // Content scripts run at document_idle, at the latest just after the load event: past it
  // (and one task more), a world that is coming is there or on its way.
  await page.waitForLoadState('load');
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  const cdp = await browser.context.newCDPSession(page);
  const contexts = [];
  cdp.on('Runtime.executionContextCreated', (e) => contexts.push(e.context));
  await cdp.send('Runtime.enable'); // reports every context that exists already
  const mine = () => contexts.filter((c) => c.origin?.includes(browser.extensionId) || c.name === 'Spotdial');
  // Found: done at once. None: give a late injection `settleMs` to show up before saying so.
  const deadline = Date.now() + settleMs;
  while (!mine().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return { cdp, ours: mine() };
}

/** Evaluates `expression` (an async function body's value) in the content script's world. */
export async function inContentScript(browser, page, expression) {
  const { cdp, ours } = await isolatedWorlds(browser, page);
  if (!ours.length) throw new Error('no Spotdial content script in this page');
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
    contextId: ours[0].id, awaitPromise: true, returnByValue: true, expression,
  });
  if (exceptionDetails) throw new Error(`content script world threw: ${JSON.stringify(exceptionDetails)}`);
  return result.value;
}
