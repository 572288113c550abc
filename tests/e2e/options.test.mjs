// End-to-end: the options page shows what Spotdial stores (the worker's inventory, retention,
// the rep's call history), saves a rep's setting and refuses a bad one with the worker's own
// sentence, and works from the keyboard; the popup lists the shortcuts and opens the options.
// Layer: tests (e2e).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from '../harness/session.mjs';
import { openExtensionPage } from '../harness/browser.mjs';

describe('options', () => {
  const env = useBrowser();

  const ask = (page, message) => page.evaluate((m) => chrome.runtime.sendMessage(m), message);
  const repSettings = async () => (await env.browser.worker()).evaluate(async () => (await chrome.storage.local.get('settings:v1'))['settings:v1']);
  /** The value and source cells of one row of "Settings in force". */
  async function settingRow(page, label) {
    const row = page.getByRole('table', { name: 'Settings in force' }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: label, exact: true }) });
    const cells = row.getByRole('cell');
    return { value: cells.nth(0), source: (await cells.nth(1).innerText()).trim() };
  }

  test('"Data" lists every key the worker stores, the retention period and the call history table', async () => {
    const page = await openExtensionPage(env.browser, 'options/options.html');
    const inventory = await ask(page, { kind: 'inventory' });
    assert.ok(inventory.keys.length >= 10, 'the worker lists its keys');
    const table = page.getByRole('table', { name: 'What Spotdial stores' });
    await table.waitFor();
    const shown = await table.getByRole('rowheader').allInnerTexts();
    assert.deepEqual(shown.map((s) => s.trim()), inventory.keys.map((k) => k.pattern));
    // Each row says what it holds and whether sign-out removes it, as the worker says.
    const refresh = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'auth:v1:refresh', exact: true }) });
    assert.match(await refresh.innerText(), /the HubSpot refresh token[\s\S]*until sign-out[\s\S]*\bno\b[\s\S]*\byes\b/);
    await page.getByText(`Call history is deleted ${inventory.retention_days} days after the call.`).waitFor();
    const history = page.getByRole('table', { name: 'Your call history' });
    await history.waitFor();
    assert.deepEqual(await history.getByRole('columnheader').allInnerTexts(), ['When', 'Prospect', 'Number', 'Duration', 'Outcome']);
    assert.equal((await ask(page, { kind: 'history' })).calls.length, 0);
    await history.getByText('No calls logged from this computer yet.').waitFor();
    await page.close();
  });

  test('a rep saves a default country: it shows as the rep\'s, and the rep\'s other settings are kept', async () => {
    const stored = await repSettings();
    assert.ok(stored.brokerUrl && !stored.defaultCountry, 'configure() set the broker, not a country');
    const page = await openExtensionPage(env.browser, 'options/options.html');
    const settings = page.getByRole('table', { name: 'Settings in force' });
    await settings.waitFor();
    assert.equal((await settingRow(page, 'Default country')).source, 'default');
    assert.equal((await settingRow(page, 'Token broker URL')).source, 'rep');
    // Read-only rows have no control; rep-changeable ones are labelled inputs.
    assert.equal(await (await settingRow(page, 'Call history kept (days)')).value.getByRole('textbox').count(), 0);

    await page.getByRole('textbox', { name: 'Default country' }).fill('de');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    assert.equal((await settingRow(page, 'Default country')).source, 'rep');
    assert.equal(await page.getByRole('textbox', { name: 'Default country' }).inputValue(), 'DE');
    assert.deepEqual(await repSettings(), { ...stored, defaultCountry: 'DE' });

    await page.reload();
    await settings.waitFor();
    assert.equal((await settingRow(page, 'Default country')).source, 'rep');
    const answer = await ask(page, { kind: 'settings' });
    assert.deepEqual(answer.settings.find((s) => s.key === 'defaultCountry'), { key: 'defaultCountry', value: 'DE', source: 'rep', rep_can_change: true });
    await page.close();
  });

  test('an invalid value is refused with the worker\'s own sentence and nothing is stored', async () => {
    const stored = await repSettings();
    const page = await openExtensionPage(env.browser, 'options/options.html');
    // What the worker says about this value (a refused save stores nothing).
    const refusal = await ask(page, { kind: 'save_settings', values: { defaultCountry: 'Germany' } });
    assert.equal(refusal.kind, 'error');
    assert.match(refusal.error.message, /two-letter ISO code/);

    await page.getByRole('textbox', { name: 'Default country' }).fill('Germany');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const alert = page.getByRole('alert').filter({ hasText: refusal.error.message });
    await alert.waitFor();
    assert.equal((await alert.innerText()).trim(), refusal.error.message);
    assert.deepEqual(await repSettings(), stored, 'nothing was stored');
    // The rep's typing stays, to be corrected.
    assert.equal(await page.getByRole('textbox', { name: 'Default country' }).inputValue(), 'Germany');
    assert.equal((await settingRow(page, 'Default country')).source, 'rep');
    await page.close();
  });

  test('settings Spotdial ignored are listed in an alert for the admin', async () => {
    const stored = await repSettings();
    const worker = await env.browser.worker();
    // A stored value the worker refuses (as a policy value would be): it says so and uses the default.
    await worker.evaluate((s) => chrome.storage.local.set({ 'settings:v1': s }), { ...stored, dialScheme: 'skype' });
    try {
      const page = await openExtensionPage(env.browser, 'options/options.html');
      const { problems } = await ask(page, { kind: 'settings' });
      assert.ok(problems.some((p) => p.includes('"skype"')), problems.join(' | '));
      const alert = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'Settings Spotdial ignored (for your admin)' }) });
      await alert.waitFor();
      assert.deepEqual((await alert.getByRole('listitem').allInnerTexts()).map((t) => t.trim()), problems);
      assert.equal((await settingRow(page, 'Dial with')).source, 'default');
      await page.close();
    } finally {
      await worker.evaluate((s) => chrome.storage.local.set({ 'settings:v1': s }), stored);
    }
  });

  test('the prospect search and its confirmation work from the keyboard alone', async () => {
    const page = await openExtensionPage(env.browser, 'options/options.html');
    const search = page.getByRole('searchbox', { name: 'Find a prospect' });
    await search.focus();
    await page.keyboard.type('alvarez');
    await page.keyboard.press('Enter');
    const ask = page.getByRole('button', { name: 'Delete prospect data for Ana Alvarez' });
    await ask.waitFor();
    const focused = () => page.evaluate(() => document.activeElement.getAttribute('aria-label') || document.activeElement.textContent);
    await page.keyboard.press('Tab'); // past "Search"
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Delete prospect data for Ana Alvarez');
    await page.keyboard.press('Enter');
    assert.equal(await focused(), 'Delete', 'focus moves into the confirmation');
    await page.getByRole('group').filter({ hasText: 'record in HubSpot is not touched' }).waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await focused(), 'Delete prospect data for Ana Alvarez', 'Escape cancels and focus returns');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Cancel');
    await page.keyboard.press('Enter');
    assert.equal(await focused(), 'Delete prospect data for Ana Alvarez');
    // Nothing was deleted: the worker still finds her.
    const found = await page.evaluate(() => chrome.runtime.sendMessage({ kind: 'find_contacts', query: 'alvarez' }));
    assert.deepEqual(found.contacts.map((c) => c.name), ['Ana Alvarez']);
    await page.close();
  });

  test('the popup lists the keyboard shortcuts and opens the options page', async () => {
    const popup = await openExtensionPage(env.browser, 'popup/popup.html');
    const shortcuts = popup.getByRole('list', { name: 'Shortcuts' });
    await shortcuts.waitFor({ timeout: 15000 });
    const commands = await popup.evaluate(() => chrome.commands.getAll());
    const items = (await shortcuts.getByRole('listitem').allInnerTexts()).map((s) => s.trim());
    const described = (c) => c.description || (c.name === '_execute_action' ? 'Open the Spotdial popup' : c.name);
    assert.deepEqual(items, commands.map((c) => `${described(c)}: ${c.shortcut || 'not set'}`));
    assert.ok(items.includes('Open the Spotdial popup: not set'), 'a command without a key says "not set"');
    assert.ok(items.includes('Call the first number of the contact in view: Alt+Shift+D'), items.join(' | '));
    const opened = env.browser.context.waitForEvent('page');
    await popup.getByRole('button', { name: 'Options', exact: true }).click();
    const options = await opened;
    // Not waitForLoadState: a tab the extension opens can have loaded before Playwright
    // attached to it, and on a busy machine the wait then never ends (seen: 30 s timeout with
    // the page shown). The heading is what the rep sees; the URL is read once it shows.
    await options.getByRole('heading', { name: 'Connection and dialing' }).waitFor({ timeout: 15000 });
    assert.equal(options.url(), env.browser.extensionUrl('options/options.html'));
    await options.close();
    await popup.close();
  });
});
