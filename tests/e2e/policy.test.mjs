// End-to-end: an admin configures Spotdial through Chrome policy (chrome.storage.managed), the
// way a force-installed team gets it: the rep signs in with no settings of their own, the
// options page shows the admin's values as locked, and a bad value is ignored and explained.
// Layer: tests (e2e). Writing Chromium's policy folder needs root (CI runs as root); the file
// is removed afterwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { launchBrowser, openExtensionPage } from '../harness/browser.mjs';
import { EXTENSION_ID, startStack } from '../harness/stack.mjs';
import { signIn } from '../harness/flows.mjs';

const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_FILE = `${POLICY_DIR}/spotdial-e2e-test.json`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('admin policy', { skip: isRoot ? false : 'writing Chromium policy needs root' }, () => {
  let stack;
  let browser;
  before(async () => {
    stack = await startStack();
    mkdirSync(POLICY_DIR, { recursive: true });
    writeFileSync(POLICY_FILE, JSON.stringify({
      '3rdparty': { extensions: { [EXTENSION_ID]: {
        brokerUrl: stack.broker.url,
        clientId: 'spotdial-sandbox-client',
        portalId: '62515',
        dialScheme: 'callto',
        retentionDays: 400,
        // One ordinary field and one HubSpot marks sensitive: only the first may be read.
        mappedProperties: ['lifecyclestage', 'hs_ssn_like'],
        // Unused in broker mode, but the one value in policy that must never reach a page.
        clientSecret: 'policy-secret-never-on-a-page',
      } } },
    }));
    browser = await launchBrowser(stack);
  });
  after(async () => {
    rmSync(POLICY_FILE, { force: true });
    await browser?.close();
    await stack?.close();
  });

  test('a rep signs in with only the admin\'s policy, straight to the pinned portal', async () => {
    const popup = await openExtensionPage(browser, 'popup/popup.html');
    // The pinned portal skips HubSpot's account chooser: no account to pick.
    await signIn(browser, { popup, account: null });
    assert.match(await popup.evaluate(() => document.body.innerText), /portal 62515/);
    const own = await (await browser.worker()).evaluate(async () => (await chrome.storage.local.get('settings:v1'))['settings:v1'] ?? null);
    assert.equal(own, null, 'nothing came from the rep');
    const authorize = (await stack.control('GET', 'requests')).json.find((r) => r.path.includes('/authorize'));
    assert.equal(authorize.path, '/oauth/62515/authorize');
    await popup.close();
  });

  test('a content script cannot read the admin\'s policy; the worker can', async () => {
    const { inContentScript } = await import('../harness/isolated.mjs');
    const page = await browser.context.newPage();
    await page.goto('https://app.hubspot.com/contacts/62515/record/0-1/201');
    const seen = await inContentScript(browser, page, `(async () => {
      try { return JSON.stringify(await chrome.storage.managed.get(null)); } catch (e) { return 'refused: ' + e.message; }
    })()`);
    assert.match(seen, /^refused/);
    assert.ok(!seen.includes('policy-secret-never-on-a-page'));
    const own = await (await browser.worker()).evaluate(async () => (await chrome.storage.managed.get('clientSecret')).clientSecret);
    assert.equal(own, 'policy-secret-never-on-a-page', 'the policy really holds it');
    await page.close();
  });

  test('the options page shows the admin\'s values as locked and explains the refused one', async () => {
    const options = await openExtensionPage(browser, 'options/options.html');
    const alert = options.getByRole('alert').filter({ hasText: /retentionDays/ });
    await alert.waitFor({ timeout: 15000 });
    assert.match(await alert.textContent(), /at most 180 days; the policy asks for 400/);
    const text = await options.evaluate(() => document.body.innerText);
    assert.match(text, /set by your admin/);
    const view = await options.evaluate(() => chrome.runtime.sendMessage({ kind: 'settings' }));
    const byKey = Object.fromEntries(view.settings.map((s) => [s.key, s]));
    assert.deepEqual([byKey.dialScheme.value, byKey.dialScheme.source, byKey.dialScheme.rep_can_change], ['callto', 'admin', false]);
    assert.deepEqual([byKey.retentionDays.value, byKey.retentionDays.source], [180, 'default']);
    await options.close();
  });

  test('an admin-mapped field shows on the card; a sensitive property is never read', async () => {
    const { find, textOf } = await import('../harness/a11y.mjs');
    const page = await browser.context.newPage();
    await page.goto('https://app.hubspot.com/contacts/62515/record/0-1/201');
    const text = await textOf(page, await find(page, 'region', 'Spotdial'));
    assert.match(text, /lifecyclestage: salesqualifiedlead/);
    assert.ok(!text.includes('078-05-1120'));
    const reads = (await stack.control('GET', 'requests')).json.filter((r) => r.path.startsWith('/crm/objects/2026-03/contacts'));
    assert.ok(reads.length > 0);
    for (const r of reads) assert.ok(!r.query.includes('hs_ssn_like'), `never requested: ${r.path}?${r.query}`);
    const stored = await (await browser.worker()).evaluate(async () => JSON.stringify([await chrome.storage.local.get(null), await chrome.storage.session.get(null)]));
    assert.ok(!stored.includes('078-05-1120'));
    await page.close();
  });

  test('a dial uses the admin\'s scheme', async () => {
    const page = await browser.context.newPage();
    await page.goto('https://app.hubspot.com/contacts/62515/record/0-1/205');
    const { click, find } = await import('../harness/a11y.mjs');
    await click(page, 'button', 'Call 020 7946 0958');
    await find(page, 'timer', 'Call duration');
    // The URI is known to the worker only (the page's scripts must not read it off the card).
    assert.equal(await (await browser.worker()).evaluate(() => self.__spotdial.shown.dial), 'callto:+442079460958');
    await page.close();
  });
});
