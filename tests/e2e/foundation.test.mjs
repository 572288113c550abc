// End-to-end: the real extension in Chromium against the sandbox — the worker's wasm answers,
// and the content script follows HubSpot's record pages. Layer: tests (e2e).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from '../harness/session.mjs';
import { find, gone, queryAll, textOf } from '../harness/a11y.mjs';
import { DEMO } from '../harness/seeded.mjs';
import { inContentScript } from '../harness/isolated.mjs';

/** The record the worker last gave a card for (its in-memory test hook: the card is closed,
 * and its host on HubSpot's page carries nothing of ours). */
const cardContact = async (env) => (await env.browser.worker()).evaluate(() => self.__spotdial.shown.card);

describe('foundation', () => {
  const env = useBrowser({ broker: false, signIn: false });

  async function extensionPage() {
    const page = await env.browser.context.newPage();
    await page.goto(env.browser.extensionUrl('options/options.html'));
    return page;
  }

  test('the worker answers a message with its wasm core', async () => {
    const page = await extensionPage();
    const answer = await page.evaluate(() => chrome.runtime.sendMessage({ kind: 'ping' }));
    assert.equal(answer.kind, 'pong');
    assert.match(answer.version, /^\d+\.\d+\.\d+$/);
    await page.close();
  });

  test('a malformed message gets a clear error, not silence', async () => {
    const page = await extensionPage();
    const answer = await page.evaluate(() => chrome.runtime.sendMessage({ kind: 'launch_missiles' }));
    assert.equal(answer.kind, 'error');
    assert.equal(answer.error.code, 'bad_request');
    assert.match(answer.error.message, /Not a Spotdial request/);
    await page.close();
  });

  test('a request the sender may not make is refused', async () => {
    const page = await extensionPage();
    // Card requests belong to content scripts on HubSpot pages, not to extension pages.
    const answer = await page.evaluate((url) => chrome.runtime.sendMessage({ kind: 'card', url }), DEMO.contactUrl(DEMO.contacts.first));
    assert.equal(answer.kind, 'error');
    assert.equal(answer.error.code, 'forbidden');
    await page.close();
  });

  test('a contact record gets the Spotdial region, and it follows in-page navigation', async () => {
    const page = await env.browser.context.newPage();
    await page.goto(DEMO.contactUrl(DEMO.contacts.first));
    const region = await find(page, 'region', 'Spotdial');
    // Signed out, the card asks the rep to sign in; it is for the record in the URL.
    assert.match(await textOf(page, region), /Sign in with HubSpot/);
    assert.equal(await cardContact(env), DEMO.contacts.first);

    // HubSpot's single-page navigation: history.pushState, no page load.
    const loads = [];
    page.on('load', () => loads.push(page.url()));
    await page.click('#next-record');
    await page.waitForURL(/record\/0-1\/202$/);
    await page.waitForFunction(() => true);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && await cardContact(env) !== DEMO.contacts.second) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await cardContact(env), DEMO.contacts.second);
    assert.deepEqual(loads, [], 'the navigation was in-page');
    // The sandbox re-renders its columns on an in-page record change, as HubSpot does, and once
    // more when its hydration timer (150 ms after load) fires: each time the card is out of the
    // page for a frame, then back. Wait for both renders, whichever came first, so that no
    // re-render is still to come; then the card must be there once, over several frames.
    await page.waitForFunction(() => window.__sandbox.renders() >= 2);
    await find(page, 'region', 'Spotdial');
    for (let frame = 0; frame < 5; frame += 1) {
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
      assert.equal((await queryAll(page, 'region', 'Spotdial')).length, 1, 'one card, not one per navigation');
    }

    // Leaving records in-page removes the card.
    await page.evaluate(() => { history.pushState({}, '', '/contacts/62515/objects/0-1/views/all/list'); });
    await gone(page, 'region', 'Spotdial');
    await page.close();
  });

  test('the legacy record URL and the EU host get the card too', async () => {
    const page = await env.browser.context.newPage();
    await page.goto(DEMO.legacyContactUrl(DEMO.contacts.second));
    await find(page, 'region', 'Spotdial');
    assert.equal(await cardContact(env), '202');
    await page.goto(DEMO.contactUrl('801', DEMO.euPortal, 'app-eu1.hubspot.com'));
    await find(page, 'region', 'Spotdial');
    assert.equal(await cardContact(env), '801');
    await page.close();
  });

  test('a non-record page renders nothing', async () => {
    // Watch the worker: the content script must really ask about this page (an absent card
    // proves nothing if it never asked).
    const worker = await env.browser.worker();
    await worker.evaluate(() => {
      self.__asked = [];
      chrome.runtime.onMessage.addListener((m, sender) => { if (sender.tab && m && m.kind === 'card') self.__asked.push(m.url); });
    });
    const page = await env.browser.context.newPage();
    await page.goto(DEMO.listUrl());
    const deadline = Date.now() + 10000;
    while (!(await worker.evaluate((url) => self.__asked.includes(url), DEMO.listUrl()))) {
      assert.ok(Date.now() - deadline < 0, 'the content script asked the worker about the list page');
      await new Promise((r) => setTimeout(r, 50));
    }
    const kind = JSON.stringify(await worker.evaluate((url) => self.__spotdial.classify(url), DEMO.listUrl()));
    assert.doesNotMatch(kind, /contact/i, `the worker does not take it for a contact record: ${kind}`);
    // Its answer has reached the page once a later message from the same world has (one
    // worker, answered in order): a ping from the content script's world.
    assert.equal((await inContentScript(env.browser, page, 'chrome.runtime.sendMessage({ kind: "ping" })')).kind, 'pong');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    assert.equal((await queryAll(page, 'region', 'Spotdial')).length, 0);
    assert.equal(await page.evaluate(() => document.getElementById('spotdial-root')), null);
    await page.close();
  });
});
