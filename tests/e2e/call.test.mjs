// End-to-end: the rep's daily work on a contact record — Call, outcome, notes, Log call,
// Next task — and the promise that a call log is never lost and never doubled, whatever
// HubSpot or the browser does meanwhile. Layer: tests (e2e).
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from '../harness/session.mjs';
import { choose, click, find, findText, queryAll, textOf, type } from '../harness/a11y.mjs';
import { DEMO } from '../harness/seeded.mjs';
import { press } from '../harness/flows-call.mjs';
import { until } from '../harness/wait.mjs';

const CONNECTED = 'f240bbac-87c9-4f6e-bf70-924b57d47db7';

describe('call and log', () => {
  const env = useBrowser();
  beforeEach(async () => {
    // Fresh HubSpot data for each test (tasks open again), same tokens.
    await env.stack.control('POST', 'reset', { keepTokens: true });
  });

  /** The calls HubSpot holds on a contact (archived ones are in the recycle bin, not on it). */
  const callsTo = async (contact) => (await env.stack.control('GET', 'calls')).json
    .filter((c) => !c.archived && c.associations.some((a) => a.to.id === contact));
  /** True once the outbox is empty (HubSpot has every log). */
  const sent = async () => (await env.browser.worker()).evaluate(async () =>
    Object.keys(await chrome.storage.local.get(null)).every((k) => !k.startsWith('outbox:')));
  /** True once the outbox and its duplicate checks (about 30 s after a log) are empty. */
  const settled = async () => (await env.browser.worker()).evaluate(async () =>
    Object.keys(await chrome.storage.local.get(null)).every((k) => !k.startsWith('outbox:') && !k.startsWith('verify:')));

  /** Opens a contact, presses Call on `number`, fills the panel and presses Log call. */
  async function callAndLog(contact, number, { outcome = 'Connected', notes = 'Spoke about the renewal.', before: beforeLog } = {}) {
    const page = await env.browser.context.newPage();
    const dialogs = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
    await page.goto(DEMO.contactUrl(contact));
    await click(page, 'button', `Call ${number}`);
    await find(page, 'timer', 'Call duration');
    const uri = await (await env.browser.worker()).evaluate(() => self.__spotdial.shown.dial);
    await choose(page, 'Outcome', outcome);
    await type(page, 'textbox', 'Notes', notes);
    if (beforeLog) await beforeLog(page);
    await press(page, 'button', 'Log call'); // a DOM click: the card may move or the tab drop mouse input after a dial
    const status = await findText(page, 'status', /Call logged|Call saved|refused/, { timeout: 30000 });
    return { page, uri, status: status.text, dialogs };
  }

  test('a rep calls from a task, logs it once with the right properties, completes the task, gets the next', async () => {
    // The queue: Ben Okafor's task (70003) is the most overdue, Daniel Weiss (204) is next.
    const popup = await env.browser.context.newPage();
    await popup.goto(env.browser.extensionUrl('popup/popup.html'));
    await popup.getByRole('list', { name: 'Call tasks' }).waitFor();
    await popup.close();

    const { page, uri, status } = await callAndLog('202', '+1 212-555-0147', { notes: 'Wants a quote <b>now</b>' });
    assert.equal(uri, 'tel:+12125550147');
    assert.equal(status, 'Call logged');
    assert.equal((await queryAll(page, 'checkbox', 'Complete task')).length, 0, 'the panel is closed');

    const calls = await callsTo('202');
    assert.equal(calls.length, 1, 'exactly one call');
    const p = calls[0].properties;
    assert.equal(p.hs_call_title, 'Call with Ben Okafor');
    assert.equal(p.hs_call_disposition, CONNECTED);
    assert.equal(p.hs_call_status, 'COMPLETED');
    assert.equal(p.hs_call_direction, 'OUTBOUND');
    assert.equal(p.hs_call_to_number, '+12125550147');
    assert.equal(p.hubspot_owner_id, DEMO.rep.ownerId);
    assert.match(p.hs_call_external_id, /^spotdial-[0-9a-f]{32}$/);
    assert.match(p.hs_call_duration, /^\d+$/);
    assert.ok(Number(p.hs_call_duration) >= 0 && Number(p.hs_call_duration) < 120000);
    assert.ok(p.hs_call_body.includes('Wants a quote &lt;b&gt;now&lt;/b&gt;'), p.hs_call_body);
    assert.ok(Math.abs(Date.parse(p.hs_timestamp) - Date.now()) < 120000);
    const assoc = calls[0].associations.find((a) => a.to.id === '202');
    assert.deepEqual(assoc.types, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }]);
    const task = (await env.stack.control('GET', 'tasks/70003')).json;
    assert.equal(task.properties.hs_task_status, 'COMPLETED');

    await click(page, 'button', 'Next task');
    await page.waitForURL(DEMO.contactUrl('204'));
    await find(page, 'button', 'Call 030 901820');
    await page.close();
  });

  test('on a busy portal a task completion waits for the next log: two tasks in one write, each call once', async () => {
    const popup = await env.browser.context.newPage();
    await popup.goto(env.browser.extensionUrl('popup/popup.html'));
    await popup.getByRole('list', { name: 'Call tasks' }).waitFor();
    await popup.close();
    // The portal's other reps hold 60 of the window's 110 requests: more than half is used.
    await env.stack.control('POST', 'config', { otherRepsUsage: 60 });
    // And it was busy at this browser's previous completion too: a busy spell is under way. (At
    // a spell's start about half the calls complete at once, by a coin drawn from their random
    // id, `outbox::timing::completion_wait`; the Rust tests take both sides of that coin.)
    await (await env.browser.worker()).evaluate(() => chrome.storage.session.set({ 'spell:v1': true }));
    const since = (await env.stack.control('GET', 'requests')).json.at(-1)?.seq ?? 0;
    const status = async (id) => (await env.stack.control('GET', `tasks/${id}`)).json.properties.hs_task_status;
    const first = await callAndLog('202', '+1 212-555-0147');
    assert.match(first.status, /^Call logged\. HubSpot is busy/);
    assert.equal((await callsTo('202')).length, 1, 'the call is in HubSpot');
    assert.notEqual(await status('70003'), 'COMPLETED', 'its task waits for the next log');
    // The rep's next call: right after its create, one batch update completes both tasks.
    const second = await callAndLog('204', '030 901820');
    assert.equal(second.status, 'Call logged');
    assert.deepEqual([await status('70003'), await status('70005')], ['COMPLETED', 'COMPLETED']);
    const log = (await env.stack.control('GET', `requests?since=${since}`)).json;
    const to = (method, re) => log.filter((r) => r.method === method && re.test(r.path));
    assert.equal(to('POST', /^\/crm\/objects\/2026-03\/tasks\/batch\/update$/).length, 1, 'one write for two tasks');
    assert.equal(to('PATCH', /^\/crm\/objects\/2026-03\/tasks\//).length, 0);
    assert.equal(to('POST', /^\/crm\/objects\/2026-03\/calls$/).length, 2, 'one create per call');
    assert.equal((await callsTo('204')).length, 1);
    await until('the outbox to empty', sent, { timeout: 30000 });
    await first.page.close();
    await second.page.close();
  });

  /** The request log from `since` on, by what the duplicate check uses. */
  const checkRequests = async (since) => {
    const log = (await env.stack.control('GET', `requests?since=${since}`)).json;
    const is = (method, re) => log.filter((r) => r.method === method && re.test(r.path));
    return {
      // The contact's calls (exempt from the ten-secondly window): the baseline, then the check.
      associations: is('POST', /^\/crm\/associations\/2026-03\/contacts\/calls\/batch\/read$/),
      searches: is('POST', /^\/crm\/objects\/2026-03\/calls\/search$/),
      creates: is('POST', /^\/crm\/objects\/2026-03\/calls$/),
      reads: is('POST', /^\/crm\/objects\/2026-03\/calls\/batch\/read$/),
      archives: is('DELETE', /^\/crm\/objects\/2026-03\/calls\/\d+$/),
    };
  };
  /** Checks an earlier test left pending would share this test's request log: they go. */
  const dropLeftChecks = async () => (await env.browser.worker()).evaluate(async () =>
    chrome.storage.local.remove(Object.keys(await chrome.storage.local.get(null)).filter((k) => k.startsWith('verify:'))));
  const lastSeq = async () => (await env.stack.control('GET', 'requests')).json.at(-1)?.seq ?? 0;

  test('a normal log is checked for duplicates without a search: its contact\'s calls before the create and 30 s after', async () => {
    await dropLeftChecks();
    const since = await lastSeq();
    const { page, status } = await callAndLog('205', '020 7946 0958');
    assert.equal(status, 'Call logged');
    await until('the duplicate check to finish', settled, { timeout: 90000 });
    const r = await checkRequests(since);
    assert.equal(r.creates.length, 1);
    assert.equal(r.associations.length, 2, 'one association read before the create, one for the check');
    assert.ok(r.associations[0].seq < r.creates[0].seq, 'the baseline is read before the create goes out');
    assert.ok(Date.parse(r.associations[1].at) - Date.parse(r.creates[0].at) >= 25000, 'the check looks about 30 s after the log');
    assert.deepEqual([r.searches.length, r.reads.length, r.archives.length], [0, 0, 0], 'no search, no call read, nothing archived');
    assert.equal((await callsTo('205')).length, 1);
    await page.close();
  });

  test('a dropped answer after HubSpot stored the call: still exactly one call', async () => {
    await dropLeftChecks();
    const since = await lastSeq();
    await env.stack.control('POST', 'faults', { method: 'POST', path: '^/crm/objects/2026-03/calls$', drop: 'after', times: 1 });
    const { page, status } = await callAndLog('205', '020 7946 0958');
    assert.match(status, /Call saved|Call logged/);
    // Chromium itself resends a POST whose answer was lost on a reused keep-alive connection,
    // so HubSpot may briefly hold the call twice; the duplicate check archives the extra one.
    await until('the outbox and its checks to settle', settled, { timeout: 90000 });
    assert.equal((await callsTo('205')).length, 1);
    const all = (await env.stack.control('GET', 'calls')).json.filter((c) => c.associations.some((a) => a.to.id === '205'));
    assert.ok(all.every((c) => c.properties.hs_call_external_id === all[0].properties.hs_call_external_id), 'one log');
    // The check compared the contact's calls with those it had before the create: a duplicate
    // (if Chromium resent the create) was found and archived without a search. A search, if
    // any, is the outbox's own look-up of the lost answer, made before the check.
    const r = await checkRequests(since);
    assert.equal(r.associations.length, 2, 'the baseline and the check');
    const check = r.associations[1].seq;
    assert.ok(r.associations[0].seq < r.creates[0].seq, 'the baseline is read before the first create');
    assert.ok(r.searches.every((s) => s.seq < check), 'the duplicate check made no search');
    assert.ok(r.searches.length <= 1, `at most the outbox's look-up: ${r.searches.length}`);
    assert.equal(r.archives.length, all.length - 1, 'every extra copy archived');
    assert.ok(r.archives.every((a) => a.seq > check), 'archived by the check');
    assert.equal(r.reads.length, all.length > 1 ? 1 : 0, 'a new call on the contact is read by id, only when there is one');
    await page.close();
  });

  test('a 503 on the create (HubSpot stored nothing): one resend after looking, exactly one call', async () => {
    await env.stack.control('POST', 'faults', { method: 'POST', path: '^/crm/objects/2026-03/calls$', status: 503, times: 1,
      body: { status: 'error', message: 'Service unavailable', category: 'SERVICE_UNAVAILABLE', correlationId: '00000000-0000-4000-8000-000000000503' } });
    const { page, status } = await callAndLog('208', '01 23 45 67 89');
    assert.match(status, /Call saved/);
    await until('the outbox to empty', sent, { timeout: 90000 });
    assert.equal((await callsTo('208')).length, 1);
    await page.close();
  });

  test('a 429 on the create: the log waits for HubSpot\'s window, then exactly one call', async () => {
    await env.stack.control('POST', 'faults', { method: 'POST', path: '^/crm/objects/2026-03/calls$', status: 429, times: 1,
      headers: { 'Retry-After': '2' },
      body: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: '00000000-0000-4000-8000-000000000429', policyName: 'TEN_SECONDLY_ROLLING' } });
    const { page, status } = await callAndLog('211', '(02) 9876 5432');
    assert.match(status, /Call saved/);
    await until('the outbox to empty', sent, { timeout: 90000 });
    assert.equal((await callsTo('211')).length, 1);
    await page.close();
  });

  test('the worker stopped mid-log: the log survives and lands exactly once', async () => {
    // HubSpot holds the create unanswered; the worker is stopped while it waits.
    const since = (await env.stack.control('GET', 'requests')).json.at(-1)?.seq ?? 0;
    await env.stack.control('POST', 'faults', { kind: 'held-create', method: 'POST', path: '^/crm/objects/2026-03/calls$', delayMs: 3000, times: 1 });
    const page = await env.browser.context.newPage();
    await page.goto(DEMO.contactUrl('212'));
    await click(page, 'button', 'Call 03-1234-5678');
    await choose(page, 'Outcome', 'Left voicemail');
    await press(page, 'button', 'Log call'); // a DOM click: the card may move or the tab drop mouse input after a dial
    const createLog = async () => (await env.stack.control('GET', `requests?since=${since}`)).json
      .filter((r) => r.method === 'POST' && r.path === '/crm/objects/2026-03/calls');
    // The create has reached HubSpot and is not answered yet: now the worker stops.
    // `find`, not `filter`: an empty list is truthy and would end the wait before the create came.
    const held = await until('the create to reach HubSpot', async () => (await createLog()).find((r) => r.fault === 'held-create' && r.status === 0));
    const cdp = await env.browser.context.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    assert.equal((await createLog()).find((r) => r.seq === held.seq).status, 0, 'the create was still in flight when the worker stopped');
    // HubSpot stores the call after the worker died, and nobody hears the answer.
    await until('HubSpot to process the held create', async () => (await createLog()).find((r) => r.seq === held.seq).status === 201);
    // The entry was written before the request: storage still has it, read from an extension
    // page without waking the worker.
    const store = await env.browser.context.newPage();
    await store.goto(env.browser.extensionUrl('manifest.json'));
    const kept = await store.evaluate(async () => Object.keys(await chrome.storage.local.get(null)).filter((k) => k.startsWith('outbox:')));
    assert.equal(kept.length, 1, 'the log survived the worker');
    await store.close();
    // Any event wakes the worker; start-up drains the outbox.
    const popup = await env.browser.context.newPage();
    await popup.goto(env.browser.extensionUrl('popup/popup.html'));
    await until('the outbox to empty', sent, { timeout: 90000 });
    assert.equal((await callsTo('212')).length, 1);
    // Settled by looking the call up, never by a second create.
    assert.equal((await createLog()).length, 1, 'one create: the stored call was found, not sent again');
    await popup.close();
    await page.close();
  });

  test('the access token expired mid-log: one refresh, one retry, exactly one call', async () => {
    const refreshesBefore = (await env.stack.control('GET', 'requests')).json.filter((r) => r.path === '/oauth/2026-03/token').length;
    const { page, status } = await callAndLog('201', '(415) 555-0132', {
      before: async () => {
        // HubSpot no longer accepts the token the worker holds, which it still believes valid
        // (as when the token expired early, or the clock is off).
        const worker = await env.browser.worker();
        await worker.evaluate(async () => {
          const { 'auth:v1:access': access } = await chrome.storage.session.get('auth:v1:access');
          await chrome.storage.session.set({ 'auth:v1:access': { ...access, token: `${access.token}-stale` } });
        });
      },
    });
    assert.equal(status, 'Call logged');
    assert.equal((await callsTo('201')).length, 1);
    const log = (await env.stack.control('GET', 'requests')).json;
    // The log's first request meets the stale token: the read of the contact's calls (the
    // duplicate check's baseline), made before the create.
    const first = log.find((r) => r.path === '/crm/associations/2026-03/contacts/calls/batch/read' && r.status === 401);
    assert.ok(first, 'HubSpot refused the stale token');
    const creates = log.filter((r) => r.method === 'POST' && r.path === '/crm/objects/2026-03/calls');
    assert.deepEqual(creates.map((r) => r.status), [201], 'one create, with the renewed token');
    assert.ok(creates[0].seq > first.seq);
    assert.equal(log.filter((r) => r.path === '/oauth/2026-03/token').length, refreshesBefore + 1, 'exactly one refresh');
    await page.close();
  });

  test('a malformed or missing HubSpot record gives the card a clear sentence, never a blank panel', async () => {
    await env.stack.control('POST', 'faults', [
      { method: 'GET', path: '^/crm/objects/2026-03/contacts/209$', status: 200, times: 1,
        headers: { 'content-type': 'text/html' }, body: '<html><body>Bad gateway page from a proxy</body></html>' },
      { method: 'GET', path: '^/crm/objects/2026-03/contacts/210$', status: 404, times: 1,
        body: { status: 'error', message: 'Object not found.  objectId are usually numeric.', correlationId: '00000000-0000-4000-8000-000000000404', category: 'OBJECT_NOT_FOUND' } },
    ]);
    const page = await env.browser.context.newPage();
    await page.goto(DEMO.contactUrl('209'));
    const garbled = await findText(page, 'alert', /./);
    assert.match(garbled.text, /HubSpot/);
    assert.doesNotMatch(garbled.text, /Bad gateway page|<html>/, 'the raw body is not shown');
    await page.goto(DEMO.contactUrl('210'));
    const missing = await findText(page, 'alert', /deleted or merged/);
    assert.equal(missing.text, 'This record was deleted or merged in HubSpot.');
    await page.close();
  });

  test('hostile text in contact fields is shown as text and runs nothing', async () => {
    const page = await env.browser.context.newPage();
    const dialogs = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
    await page.goto(DEMO.contactUrl(DEMO.contacts.hostile));
    const region = await find(page, 'region', 'Spotdial');
    await find(page, 'button', 'Call +1 (415) 555-0666');
    const text = await textOf(page, region);
    assert.ok(text.includes('<img src=x onerror=alert(1)> Tester'), text);
    assert.ok(text.includes('<script>alert(2)</script>'), text);
    // No element was made from that text inside Spotdial's (closed) shadow root.
    const cdp = await env.browser.context.newCDPSession(page);
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    const names = [];
    const walk = (node, inside) => {
      const here = inside || (node.attributes || []).join(' ').includes('spotdial-root');
      if (here && node.nodeType === 1) names.push(node.nodeName);
      for (const child of [...(node.children || []), ...(node.shadowRoots || [])]) walk(child, here);
    };
    walk(root, false);
    assert.ok(names.length > 5, 'the walk reached the card');
    assert.deepEqual(names.filter((n) => ['IMG', 'SCRIPT', 'SVG'].includes(n)), []);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(dialogs, []);
    await page.close();
  });
});
