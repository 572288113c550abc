// End-to-end: a rep signs in with HubSpot through chrome.identity and the real broker, and
// signs out again; tokens never reach a page or a content script. Layer: tests (e2e).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from '../harness/session.mjs';
import { openExtensionPage } from '../harness/browser.mjs';
import { click, find } from '../harness/a11y.mjs';
import { signIn } from '../harness/flows.mjs';
import { DEMO } from '../harness/seeded.mjs';

describe('sign-in', () => {
  const env = useBrowser({ signIn: false });

  test('a rep signs in and the popup shows the portal and the rep', async () => {
    const popup = await signIn(env.browser);
    const text = await popup.evaluate(() => document.body.innerText);
    assert.match(text, /acme-demo\.test \(portal 62515\)/);
    assert.match(text, /Riley Rep \(riley@acme-demo\.test\)/);
    // The broker did the code exchange: HubSpot saw a token request from the broker only.
    const log = (await env.stack.control('GET', 'requests')).json;
    assert.equal(log.filter((r) => r.path === '/oauth/2026-03/token').length, 1);
    assert.ok(log.some((r) => r.path === `/crm/owners/2026-03/${DEMO.rep.userId}` && r.status === 200));
    await popup.close();
  });

  test('sign-out leaves no token anywhere in extension storage', async () => {
    const popup = await openExtensionPage(env.browser, 'popup/popup.html');
    await click(popup, 'button', 'Sign out');
    await find(popup, 'button', 'Sign in with HubSpot');
    const worker = await env.browser.worker();
    const dump = await worker.evaluate(async () => JSON.stringify({
      local: await chrome.storage.local.get(null),
      session: await chrome.storage.session.get(null),
    }));
    assert.doesNotMatch(dump, /auth:v1:(access|refresh)/);
    assert.doesNotMatch(dump, /"token"/);
    assert.doesNotMatch(dump, /profile:v1/);
    // The refresh token was revoked at HubSpot through the broker.
    const log = (await env.stack.control('GET', 'requests')).json;
    assert.ok(log.some((r) => r.path === '/oauth/2026-03/token/revoke' && r.status === 200));
    await popup.close();
  });
});
