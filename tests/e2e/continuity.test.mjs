// End-to-end: a started call is never lost. Dial, then reload, change the record's URL, or
// close and reopen the tab: the card brings the call back with its timer from the first dial
// and the notes typed so far, and one log lands in HubSpot; the popup logs and discards calls
// not yet logged; the panel works by keyboard alone; HubSpot's page can read nothing of ours
// off the card's host element. Layer: tests (e2e). HubSpot's calls are counted in the sandbox.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from '../harness/session.mjs';
import { choose, click, find, findText, gone, queryAll, textOf, type } from '../harness/a11y.mjs';
import { focused } from '../harness/keyboard.mjs';
import { press, valueOf } from '../harness/flows-call.mjs';
import { DEMO } from '../harness/seeded.mjs';
import { signIn } from '../harness/flows.mjs';
import { sleep, until } from '../harness/wait.mjs';

const CONNECTED = 'f240bbac-87c9-4f6e-bf70-924b57d47db7';

describe('a call in progress is never lost', () => {
  const env = useBrowser();
  beforeEach(async () => {
    await env.stack.control('POST', 'reset', { keepTokens: true });
    // Each test starts without calls in progress (a failed test must not leave one behind).
    await (await env.browser.worker()).evaluate(() => chrome.storage.local.remove('calls:v1'));
  });

  /** The calls HubSpot holds on a contact. */
  const callsTo = async (contact) => (await env.stack.control('GET', 'calls')).json
    .filter((c) => !c.archived && c.associations.some((a) => a.to.id === contact));

  /** The attributes of the card's host element, as any script on HubSpot's page sees them. */
  const hostAttributes = (page) => page.evaluate(() => {
    const host = document.getElementById('spotdial-root');
    return host ? host.getAttributeNames().map((n) => [n, host.getAttribute(n)]) : null;
  });

  /** Waits until the worker holds the draft `notes` for the call on `contact` (the debounced save happened). */
  async function draftSaved(contact, notes, { timeout = 5000 } = {}) {
    const worker = await env.browser.worker();
    const deadline = Date.now() + timeout;
    let seen = null;
    while (Date.now() < deadline) {
      seen = await worker.evaluate(async (id) => {
        const stored = (await chrome.storage.local.get('calls:v1'))['calls:v1'];
        const call = stored && stored.calls.find((c) => c.contact === id);
        return call ? call.notes : null;
      }, contact);
      if (seen === notes) return;
      await sleep(50);
    }
    throw new Error(`the draft on ${contact} was not saved: it holds ${JSON.stringify(seen)}`);
  }

  async function dialOn(page, contact, number) {
    await page.goto(DEMO.contactUrl(contact));
    const started = Date.now();
    await click(page, 'button', `Call ${number}`);
    await find(page, 'timer', 'Call duration');
    return started;
  }

  async function logAndCheck(page, contact, { notes, startedAt, notBefore }) {
    await press(page, 'button', 'Log call'); // a DOM click: the card may move or the tab drop mouse input after a dial
    const status = await findText(page, 'status', /Call logged|Call saved/, { timeout: 30000 });
    const loggedAt = Date.now();
    assert.equal(status.text, 'Call logged');
    const calls = await callsTo(contact);
    assert.equal(calls.length, 1, 'exactly one call in HubSpot');
    const p = calls[0].properties;
    assert.equal(p.hs_call_body, notes);
    assert.equal(p.hs_call_disposition, CONNECTED);
    const duration = Number(p.hs_call_duration);
    // Counted from the first dial: at least the time that passed before the interruption.
    assert.ok(duration >= notBefore - startedAt - 1000, `duration ${duration} ms covers the time before the interruption`);
    assert.ok(duration <= loggedAt - startedAt + 1000, `duration ${duration} ms is not longer than the call`);
    return calls[0];
  }

  test('dial, reload, log: one call with the notes typed before the reload, timed from the first dial', async () => {
    const page = await env.browser.context.newPage();
    const startedAt = await dialOn(page, '213', '+34 912 34 56 78');
    await choose(page, 'Outcome', 'Connected');
    await type(page, 'textbox', 'Notes', 'Asked for the Madrid price list');
    await draftSaved('213', 'Asked for the Madrid price list');
    // The last words go in just before the reload, inside the save's debounce: they are saved
    // as the page is hidden.
    await type(page, 'textbox', 'Notes', ' (urgent)');
    const reloadedAt = Date.now();
    await page.reload();
    await find(page, 'timer', 'Call duration');
    assert.equal(await valueOf(page, 'textbox', 'Notes'), 'Asked for the Madrid price list (urgent)');
    assert.equal(await valueOf(page, 'combobox', 'Outcome'), CONNECTED);
    assert.equal((await queryAll(page, 'button', /^Call /)).length, 0, 'the panel, not a fresh card');
    await logAndCheck(page, '213', { notes: 'Asked for the Madrid price list (urgent)', startedAt, notBefore: reloadedAt });
    // Logged: a reload shows the card again, with no call.
    await page.reload();
    await find(page, 'button', 'Call +34 912 34 56 78');
    assert.equal((await queryAll(page, 'timer', 'Call duration')).length, 0);
    await page.close();
  });

  test('a same-record URL change keeps the panel and the notes; away and back brings them again', async () => {
    const page = await env.browser.context.newPage();
    const startedAt = await dialOn(page, '214', '+52 55 1234 5678');
    await choose(page, 'Outcome', 'Connected');
    await type(page, 'textbox', 'Notes', 'Half a sentence');
    // HubSpot switches a record tab: same record, another URL (src/page.rs: the same contact).
    const worker = await env.browser.worker();
    await worker.evaluate(() => {
      self.__cardUrls = [];
      chrome.runtime.onMessage.addListener((m) => { if (m && m.kind === 'card') self.__cardUrls.push(m.url); });
    });
    await page.evaluate(() => history.pushState({}, '', `${location.pathname}/view/2`));
    // The content script asks for the card of the new URL; the panel must survive the answer.
    await until('the content script to ask for the card of /view/2',
      () => worker.evaluate(() => self.__cardUrls.some((u) => u.endsWith('/view/2'))), { timeout: 5000, every: 50 });
    await find(page, 'timer', 'Call duration');
    const changedAt = Date.now();
    assert.equal(await valueOf(page, 'textbox', 'Notes'), 'Half a sentence', 'nothing wiped');
    // Away to another record in-page, and back: the call is there again.
    await page.click('#next-record');
    await find(page, 'button', 'Call +27 21 123 4567');
    assert.equal((await queryAll(page, 'timer', 'Call duration')).length, 0, 'the next record has no call');
    await page.goBack();
    await find(page, 'timer', 'Call duration');
    assert.equal(await valueOf(page, 'textbox', 'Notes'), 'Half a sentence', 'back with the notes');
    await type(page, 'textbox', 'Notes', ', and the rest');
    await logAndCheck(page, '214', { notes: 'Half a sentence, and the rest', startedAt, notBefore: changedAt });
    await page.close();
  });

  test('closing the tab and opening the record again brings the call back', async () => {
    let page = await env.browser.context.newPage();
    const startedAt = await dialOn(page, '215', '+27 21 123 4567');
    await choose(page, 'Outcome', 'Connected');
    await type(page, 'textbox', 'Notes', 'Call back on Monday');
    await draftSaved('215', 'Call back on Monday');
    await page.close();
    const reopenedAt = Date.now();
    page = await env.browser.context.newPage();
    await page.goto(DEMO.contactUrl('215'));
    await find(page, 'timer', 'Call duration');
    assert.equal(await valueOf(page, 'textbox', 'Notes'), 'Call back on Monday');
    await logAndCheck(page, '215', { notes: 'Call back on Monday', startedAt, notBefore: reopenedAt });
    await page.close();
  });

  test('another tab on the record shows the same call in progress, never a second; the card discards it', async () => {
    const page = await env.browser.context.newPage();
    await dialOn(page, '216', '020 123 4567');
    const worker = await env.browser.worker();
    const first = await worker.evaluate(async () => (await chrome.storage.local.get('calls:v1'))['calls:v1'].calls);
    // Another tab on the same record while the call is in progress.
    const other = await env.browser.context.newPage();
    await other.goto(DEMO.contactUrl('216'));
    await find(other, 'timer', 'Call duration'); // it shows the call in progress, no Call button
    assert.equal((await queryAll(other, 'button', /^Call /)).length, 0);
    const again = await worker.evaluate(async () => (await chrome.storage.local.get('calls:v1'))['calls:v1'].calls);
    assert.deepEqual(again, first);
    assert.equal(first.length, 1);
    await other.close();
    // Discard from the card asks once more; then the Call buttons are back and nothing is logged.
    await click(page, 'button', 'Discard call');
    await click(page, 'button', 'Discard now');
    await findText(page, 'status', /Call discarded/);
    await find(page, 'button', 'Call 020 123 4567');
    assert.equal((await worker.evaluate(async () => (await chrome.storage.local.get('calls:v1'))['calls:v1'])), undefined);
    assert.equal((await callsTo('216')).length, 0);
    await page.close();
  });

  test('the popup lists calls not logged, logs one with its saved notes and discards another', async () => {
    const a = await env.browser.context.newPage();
    await dialOn(a, '218', '617-555-0134 ext 7');
    await choose(a, 'Outcome', 'Connected');
    await type(a, 'textbox', 'Notes', 'Logged from the popup');
    await draftSaved('218', 'Logged from the popup');
    await a.close();
    const b = await env.browser.context.newPage();
    await dialOn(b, '219', '+1 512 555 0190');
    await b.close();

    const popup = await env.browser.context.newPage();
    await popup.goto(env.browser.extensionUrl('popup/popup.html'));
    const list = await find(popup, 'list', 'Calls not logged');
    assert.ok(list);
    await click(popup, 'button', 'Log call to Pedro Costa');
    await findText(popup, 'status', /Call logged/, { timeout: 30000 });
    const logged = await callsTo('218');
    assert.equal(logged.length, 1);
    assert.equal(logged[0].properties.hs_call_body, 'Logged from the popup');
    assert.equal(logged[0].properties.hs_call_disposition, CONNECTED);

    await click(popup, 'button', 'Discard call to Quinn Murphy');
    await click(popup, 'button', 'Discard now');
    await gone(popup, 'list', 'Calls not logged');
    assert.equal((await callsTo('219')).length, 0, 'a discarded call is never logged');
    await popup.close();
    // The discarded call's record shows its Call buttons again.
    const again = await env.browser.context.newPage();
    await again.goto(DEMO.contactUrl('219'));
    await find(again, 'button', 'Call +1 512 555 0190');
    assert.equal((await queryAll(again, 'timer', 'Call duration')).length, 0);
    await again.close();
  });

  test('dial, outcome, notes and log with the keyboard alone', async () => {
    const page = await env.browser.context.newPage();
    await page.goto(DEMO.contactUrl('221'));
    // Tab from the top of HubSpot's page to the card's first Call button, as a rep would.
    let at = null;
    for (let i = 0; i < 60; i += 1) {
      await page.keyboard.press('Tab');
      at = await focused(page);
      if (at && at.role === 'button' && /^Call /.test(at.name)) break;
    }
    assert.equal(at.name, 'Call 030 2345 6789');
    await page.keyboard.press('Enter');
    await find(page, 'timer', 'Call duration');
    assert.deepEqual(await focused(page), { role: 'combobox', name: 'Outcome' }, 'focus moved into the call panel');
    await page.keyboard.press('ArrowDown'); // the first of the portal's outcomes
    const outcome = await valueOf(page, 'combobox', 'Outcome');
    assert.ok(outcome, 'an outcome was chosen from the keyboard');
    await page.keyboard.press('Tab');
    assert.deepEqual(await focused(page), { role: 'textbox', name: 'Notes' });
    await page.keyboard.type('Typed without a mouse');
    await page.keyboard.press('Tab');
    assert.deepEqual(await focused(page), { role: 'checkbox', name: 'Complete task' });
    await page.keyboard.press('Tab');
    assert.deepEqual(await focused(page), { role: 'button', name: 'Log call' });
    await page.keyboard.press('Enter');
    await findText(page, 'status', /Call logged/, { timeout: 30000 });
    assert.equal((await focused(page)).role, 'status', 'focus moved to the status');
    const calls = await callsTo('221');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].properties.hs_call_body, 'Typed without a mouse');
    assert.equal(calls[0].properties.hs_call_disposition, outcome);
    await page.close();
  });

  test('the host element on HubSpot\'s page carries nothing of ours after a card, a dial and a log', async () => {
    const page = await env.browser.context.newPage();
    const allowed = ([name]) => name === 'id' || name === 'class';
    await page.goto(DEMO.contactUrl('220'));
    await find(page, 'button', 'Call +49 30 12345678');
    const afterCard = await hostAttributes(page);
    assert.ok(afterCard, 'the host is on the page');
    assert.deepEqual(afterCard.filter((a) => !allowed(a)), [], 'after the card');
    await click(page, 'button', 'Call +49 30 12345678');
    await find(page, 'timer', 'Call duration');
    assert.deepEqual((await hostAttributes(page)).filter((a) => !allowed(a)), [], 'after the dial');
    await choose(page, 'Outcome', 'Connected');
    await press(page, 'button', 'Log call'); // a DOM click: the card may move or the tab drop mouse input after a dial
    await findText(page, 'status', /Call logged/, { timeout: 30000 });
    const afterLog = await hostAttributes(page);
    assert.deepEqual(afterLog.filter((a) => !allowed(a)), [], 'after the log');
    // And what is there names only the card: no digits (ids, numbers), no URI.
    for (const [name, value] of afterLog) {
      assert.ok(name === 'id' ? value === 'spotdial-root' : /^[a-z -]*$/.test(value), `${name}="${value}"`);
    }
    await page.close();
  });

  test('a call left for a day asks to be logged or discarded, and its duration is capped', async () => {
    const page = await env.browser.context.newPage();
    await dialOn(page, '216', '020 123 4567');
    // The call was dialed 13 hours ago (the tab stayed open overnight).
    await (await env.browser.worker()).evaluate(async () => {
      const { 'calls:v1': stored } = await chrome.storage.local.get('calls:v1');
      stored.calls[0].started_at_ms -= 13 * 3600000;
      await chrome.storage.local.set({ 'calls:v1': stored });
    });
    await page.reload();
    await find(page, 'timer', 'Call duration');
    assert.match(await textOf(page, await find(page, 'region', 'Spotdial')), /Log or discard this call from /);
    // A DOM click: after a dial, headless Chromium may drop the tab's mouse input (flows-call.mjs).
    await press(page, 'button', 'Log call');
    await findText(page, 'status', /Call logged/, { timeout: 30000 });
    const [logged] = await callsTo('216');
    assert.equal(logged.properties.hs_call_duration, String(4 * 3600000), 'capped at 4 hours');
    await page.close();
  });

  test('the popup shows whom, which portal, the token\'s age and HubSpot\'s budget in one line', async () => {
    // A queue read inside HubSpot's 10 s window, so the line has requests to count.
    await (await env.browser.worker()).evaluate(() => chrome.storage.session.remove('cache:v1:queue'));
    const popup = await env.browser.context.newPage();
    await popup.goto(env.browser.extensionUrl('popup/popup.html'));
    await popup.getByRole('list', { name: 'Call tasks' }).waitFor({ timeout: 15000 });
    await popup.reload(); // the line is drawn before the queue loads: read it once more, after
    await popup.getByRole('list', { name: 'Call tasks' }).waitFor({ timeout: 15000 });
    const line = await popup.locator('#account-health').textContent();
    assert.match(line, /^riley@acme-demo\.test · portal 62515 · token renewed (just now|\d+ min ago) · HubSpot \d+\/\d+ in 10 s$/);
    const [, used, max] = /HubSpot (\d+)\/(\d+)/.exec(line);
    assert.ok(Number(used) >= 1 && Number(max) === 110, line);
    // HubSpot says stop: the line says until when instead.
    await env.stack.control('POST', 'faults', { method: 'POST', path: '/crm/objects/2026-03/contacts/batch/read$', status: 429, times: 1,
      headers: { 'Retry-After': '4' }, body: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' } });
    await (await env.browser.worker()).evaluate(() => chrome.storage.session.remove('cache:v1:queue'));
    await popup.reload();
    await popup.locator('#account-health', { hasText: 'HubSpot paused until' }).waitFor({ timeout: 15000 });
    const paused = await popup.locator('#account-health').textContent();
    assert.match(paused, /^riley@acme-demo\.test · portal 62515 · token renewed .+ · HubSpot paused until .+$/);
    await env.stack.control('DELETE', 'faults');
    // The pause ends by itself (Retry-After 4 s) before the next test.
    await until('the pause to clear by itself', async () => !(await popup.evaluate(() => chrome.runtime.sendMessage({ kind: 'status' }))).paused, { timeout: 15000 });
    await popup.close();
  });

  test('a call made under another HubSpot user waits for that user and can only be discarded', async () => {
    const page = await env.browser.context.newPage();
    await dialOn(page, '222', '206.555.0161');
    await type(page, 'textbox', 'Notes', 'Riley\'s notes');
    await draftSaved('222', 'Riley\'s notes');
    await page.close();
    // Riley signs out; Sam signs in on the same browser.
    let popup = await env.browser.context.newPage();
    await popup.goto(env.browser.extensionUrl('popup/popup.html'));
    await click(popup, 'button', 'Sign out');
    await find(popup, 'button', 'Sign in with HubSpot', { timeout: 20000 });
    await env.stack.control('POST', 'config', { loginUserId: 1002 });
    await signIn(env.browser, { popup });
    await popup.close();

    const card = await env.browser.context.newPage();
    await card.goto(DEMO.contactUrl('222'));
    await find(card, 'button', 'Call 206.555.0161');
    assert.match(await textOf(card, await find(card, 'region', 'Spotdial')), /made in HubSpot account 62515 as user 1001/);
    assert.equal((await queryAll(card, 'timer', 'Call duration')).length, 0, 'not shown to Sam');
    await card.close();

    popup = await env.browser.context.newPage();
    await popup.goto(env.browser.extensionUrl('popup/popup.html'));
    await find(popup, 'list', 'Calls not logged');
    await popup.getByText('Waiting for HubSpot account 62515, user 1001.').waitFor();
    assert.equal((await queryAll(popup, 'button', 'Log call to Tara Singh')).length, 0, 'no Log under Sam');
    assert.equal((await callsTo('222')).length, 0, 'nothing went into HubSpot under Sam');
    await click(popup, 'button', 'Discard call to Tara Singh');
    await click(popup, 'button', 'Discard now');
    await gone(popup, 'list', 'Calls not logged');
    await popup.close();
  });
});
