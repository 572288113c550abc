// End-to-end: "Delete prospect data" (on the card, and by search in the options page) leaves
// no trace of the prospect in any storage area, and sign-out leaves no contact, token or
// profile behind. Every key and value of local and session storage is scanned. Layer: tests (e2e).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from '../harness/session.mjs';
import { openExtensionPage } from '../harness/browser.mjs';
import { click, find, queryAll, textOf } from '../harness/a11y.mjs';
import { DEMO } from '../harness/seeded.mjs';
import { dumpStorage, seededContact, seededContactNames, traces } from '../harness/storage.mjs';
import { press } from '../harness/flows-call.mjs';

const ANA = seededContact(DEMO.contacts.first);
const BEN = seededContact(DEMO.contacts.second);

describe('privacy', () => {
  const env = useBrowser();

  test('the scan looks for the seeded numbers of Ana Alvarez and Ben Okafor', () => {
    assert.equal(ANA.name, 'Ana Alvarez');
    assert.deepEqual(ANA.digits, ['4155550132', '4155550199']);
    assert.equal(BEN.name, 'Ben Okafor');
    assert.deepEqual(BEN.digits, ['2125550147', '6465550113']);
  });

  test('"Delete prospect data" on the card removes every trace of the prospect, and only of it', async () => {
    const record = await env.browser.context.newPage();
    await record.goto(DEMO.contactUrl(ANA.id));
    await find(record, 'region', 'Spotdial', { timeout: 15000 });
    const callButtons = await waitForCallButtons(record);
    assert.ok(callButtons.some((b) => b.name.includes('555-0132')), callButtons.map((b) => b.name).join(' | '));

    // The popup fills the queue cache, which holds Ana (a call task of hers is due) and Ben.
    const popup = await openExtensionPage(env.browser, 'popup/popup.html');
    await popup.getByRole('list', { name: 'Call tasks' }).waitFor({ timeout: 15000 });
    await popup.close();

    const before = await dumpStorage(env.browser);
    const held = traces(before, ANA);
    assert.ok(held.some((t) => t.includes(`cache:v1:contact:${ANA.id}`)), `the card is cached first:\n${held.join('\n')}`);
    assert.ok(held.some((t) => t.includes('cache:v1:queue')), `the queue holds Ana first:\n${held.join('\n')}`);
    assert.ok(held.some((t) => t.includes('digits 4155550132')), 'the scan sees her number in storage');
    assert.ok(traces(before, BEN).length > 0, 'Ben is in the queue cache too');

    await click(record, 'button', 'Delete prospect data');
    const asking = await textOf(record, await find(record, 'region', 'Spotdial'));
    assert.match(asking, /Ana Alvarez/);
    assert.match(asking, /HubSpot's own record is not touched/);
    assert.ok(traces(await dumpStorage(env.browser), ANA).length > 0, 'nothing is deleted before "Delete"');
    await click(record, 'button', 'Delete');
    const status = await find(record, 'status', undefined, { timeout: 10000 });
    assert.match(await textOf(record, status), /no longer keeps any data about this prospect/);

    const after = await dumpStorage(env.browser);
    assert.deepEqual(traces(after, ANA), [], 'no trace of Ana Alvarez is left');
    // Only this prospect went: Ben is still in the queue cache.
    assert.ok(traces(after, BEN).some((t) => t.includes('cache:v1:queue')), 'the rest of the queue cache is kept');
    await record.close();
  });

  test('the options page finds a prospect by name and deletes it after an in-page confirmation', async () => {
    const record = await env.browser.context.newPage();
    await record.goto(DEMO.contactUrl(BEN.id));
    await find(record, 'region', 'Spotdial', { timeout: 15000 });
    await waitForCallButtons(record);
    await record.close();
    assert.ok(traces(await dumpStorage(env.browser), BEN).some((t) => t.includes(`cache:v1:contact:${BEN.id}`)));

    const options = await openExtensionPage(env.browser, 'options/options.html');
    await options.getByRole('searchbox', { name: 'Find a prospect' }).fill('okafor');
    await options.getByRole('button', { name: 'Search', exact: true }).click();
    const ask = options.getByRole('button', { name: 'Delete prospect data for Ben Okafor' });
    await ask.waitFor();

    // Cancel first: nothing is deleted and the button is back.
    await ask.click();
    const confirmation = options.getByRole('group').filter({ hasText: 'not touched' });
    await confirmation.waitFor();
    assert.match(await confirmation.innerText(), /Ben Okafor/);
    assert.match(await confirmation.innerText(), /record in HubSpot is not touched/);
    await options.getByRole('button', { name: 'Cancel', exact: true }).click();
    await ask.waitFor();
    assert.ok(traces(await dumpStorage(env.browser), BEN).length > 0, 'Cancel deleted nothing');

    await ask.click();
    await options.getByRole('button', { name: 'Delete', exact: true }).click();
    const status = options.getByRole('status').filter({ hasText: /no longer keeps any data about this prospect/ });
    await status.waitFor({ timeout: 10000 });
    await options.getByText('Spotdial keeps no data about a prospect matching').waitFor();

    assert.deepEqual(traces(await dumpStorage(env.browser), BEN), [], 'no trace of Ben Okafor is left');
    await options.close();
  });

  test('the options page finds a prospect by phone number, whatever its spelling', async () => {
    // Daniel Weiss (204) is in the queue cache with "+49 151 23456789".
    const options = await openExtensionPage(env.browser, 'options/options.html');
    try {
      await options.getByRole('searchbox', { name: 'Find a prospect' }).fill('+49 151 2345 6789');
      await options.getByRole('button', { name: 'Search', exact: true }).click();
      await options.getByRole('status').filter({ hasText: /prospects? found/ }).waitFor({ timeout: 5000 });
      assert.equal(await options.getByRole('button', { name: 'Delete prospect data for Daniel Weiss' }).count(), 1);
    } finally {
      await options.close();
    }
  });

  test('sign-out leaves no contact name, no token and no profile in any storage area', async () => {
    const popup = await openExtensionPage(env.browser, 'popup/popup.html');
    await popup.getByRole('list', { name: 'Call tasks' }).waitFor({ timeout: 15000 });
    const names = seededContactNames();
    const before = await dumpStorage(env.browser);
    // The secrets to look for afterwards: whatever the token keys hold (the issuer key names
    // the broker and client id, which are settings, not secrets).
    const secrets = [];
    for (const [key, value] of [...Object.entries(before.local), ...Object.entries(before.session)]) {
      if (key === 'auth:v1:access' || key === 'auth:v1:refresh') JSON.stringify(value).replace(/"([^"]{16,})"/g, (_, s) => secrets.push(s));
    }
    assert.ok(secrets.length >= 2, 'the access and refresh tokens are found before sign-out');
    assert.ok(traces(before, { words: names }).length > 0, 'contact names are cached before sign-out');
    assert.ok(before.local['profile:v1'], 'a profile is kept while signed in');

    await click(popup, 'button', 'Sign out');
    await find(popup, 'button', 'Sign in with HubSpot');
    const after = await dumpStorage(env.browser);
    assert.deepEqual(traces(after, { words: names }), [], 'no seeded contact name');
    assert.deepEqual(traces(after, { secrets }), [], 'no token');
    assert.deepEqual(traces(after, { words: [DEMO.rep.email, DEMO.rep.name] }), [], 'nothing about the rep');
    const keys = [...Object.keys(after.local), ...Object.keys(after.session)];
    assert.deepEqual(keys.filter((k) => /^(auth:|profile:|cache:|history:|call:)/.test(k)), []);
    // Whatever is left is listed in the inventory as kept through sign-out.
    const inventory = await popup.evaluate(() => chrome.runtime.sendMessage({ kind: 'inventory' }));
    const kept = inventory.keys.filter((k) => !k.cleared_on_sign_out).map((k) => k.pattern.replace(/<.*$/, ''));
    for (const key of keys) assert.ok(kept.some((p) => key === p || (p.endsWith(':') && key.startsWith(p))), `${key} survived sign-out`);
    await popup.close();
  });
});

/** Waits until the card shows its "Call …" buttons and returns them. */
async function waitForCallButtons(page) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const buttons = await queryAll(page, 'button', /^Call /);
    if (buttons.length) return buttons;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no "Call …" button on the card');
}

describe('unsent call logs', () => {
  const env = useBrowser();

  /** HubSpot refuses the next call logs (a 400), so they stay in the outbox. */
  const refuseCallLogs = () => env.stack.control('POST', 'faults', {
    method: 'POST', path: '/crm/objects/2026-03/calls$', status: 400,
    body: { status: 'error', message: 'Property values were not valid', category: 'VALIDATION_ERROR', correlationId: 'c0ffee00-0000-4000-8000-000000000400' },
  });
  const callsTo = async (contact) => (await env.stack.control('GET', 'calls')).json
    .filter((c) => c.associations.some((a) => a.to.id === contact));

  /** Calls Ana from her card and presses "Log call"; returns the card's status text. */
  async function callAndLog() {
    const page = await env.browser.context.newPage();
    await page.goto(DEMO.contactUrl(ANA.id));
    await click(page, 'button', 'Call (415) 555-0132');
    await find(page, 'timer', 'Call duration');
    await press(page, 'button', 'Log call'); // a DOM click: the card may move or the tab drop mouse input after a dial
    const deadline = Date.now() + 15000;
    for (;;) {
      const texts = await Promise.all((await queryAll(page, 'status')).map((n) => textOf(page, n)));
      const text = texts.find((t) => /Call logged|Call saved|refused/.test(t));
      if (text) { await page.close(); return text; }
      if (Date.now() > deadline) throw new Error(`no status after Log call: ${texts.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test('the popup lists a refused call log with "Retry", and "Retry" sends it to HubSpot', async () => {
    await refuseCallLogs();
    assert.match(await callAndLog(), /refused/);
    const popup = await openExtensionPage(env.browser, 'popup/popup.html');
    const unsent = popup.getByRole('list', { name: 'Unsent call logs' });
    await unsent.waitFor({ timeout: 15000 });
    assert.match(await unsent.innerText(), /Ana Alvarez[\s\S]*failed: /);
    assert.equal((await callsTo(ANA.id)).length, 0);

    await env.stack.control('DELETE', 'faults');
    await popup.getByRole('button', { name: 'Retry call log to Ana Alvarez' }).click();
    // The click redraws the popup at once ("Sending the call log…"), so the list leaving proves
    // nothing; the worker's answer comes after its drain, which writes the call's history line.
    await popup.getByRole('status').filter({ hasText: 'Sending the call log…' }).waitFor({ state: 'detached', timeout: 30000 });
    await unsent.waitFor({ state: 'detached', timeout: 15000 });
    assert.equal((await callsTo(ANA.id)).length, 1, 'HubSpot has the call once');
    await popup.close();

    const options = await openExtensionPage(env.browser, 'options/options.html');
    const history = options.getByRole('table', { name: 'Your call history' });
    await history.getByRole('rowheader', { name: 'Ana Alvarez' }).waitFor();
    assert.match(await history.innerText(), /\+14155550132/);
    await options.close();
  });

  test('sign-out warns about an unsent call log, keeps it, and keeps nothing else about the prospect', async () => {
    await refuseCallLogs();
    assert.match(await callAndLog(), /refused/);
    await env.stack.control('DELETE', 'faults');

    const popup = await openExtensionPage(env.browser, 'popup/popup.html');
    await popup.getByRole('list', { name: 'Unsent call logs' }).waitFor({ timeout: 15000 });
    await popup.getByRole('button', { name: 'Sign out', exact: true }).click();
    const warning = popup.getByRole('alert').filter({ hasText: 'not in HubSpot yet' });
    assert.equal((await warning.innerText()).trim(), '1 call log is not in HubSpot yet. It is kept and sent after you sign in again to the same HubSpot account.');
    // Cancel keeps the rep signed in.
    await popup.getByRole('button', { name: 'Cancel', exact: true }).click();
    await warning.waitFor({ state: 'detached' });
    assert.equal((await popup.evaluate(() => chrome.runtime.sendMessage({ kind: 'status' }))).auth, 'signed_in');

    await popup.getByRole('button', { name: 'Sign out', exact: true }).click();
    await popup.getByRole('button', { name: 'Sign out anyway' }).click();
    await popup.getByRole('button', { name: 'Sign in with HubSpot' }).waitFor();
    // The log is still listed, and it is the only place that names her.
    await popup.getByRole('list', { name: 'Unsent call logs' }).getByText('Ana Alvarez').waitFor();
    const dump = await dumpStorage(env.browser);
    const outbox = (key) => key.startsWith('outbox:v1:');
    assert.ok(Object.keys(dump.local).some(outbox), 'the unsent log is kept');
    assert.deepEqual(traces(dump, { ...ANA, skipKeys: outbox }), [], 'nothing but the unsent log holds Ana');
    assert.deepEqual(traces(dump, { words: seededContactNames(), skipKeys: outbox }), []);
    assert.equal((await callsTo(ANA.id)).length, 1, 'the second log is not sent while signed out');
    await popup.close();
  });
});
