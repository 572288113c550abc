// End-to-end: the popup's "Call tasks" comes live from the sandbox in due order, a HubSpot
// list can be the queue, and HubSpot's rate limit pauses syncing and clears by itself.
// Layer: tests (e2e).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from '../harness/session.mjs';
import { navigated, openExtensionPage } from '../harness/browser.mjs';
import { DEMO } from '../harness/seeded.mjs';

const REP_OPEN_CALL_TASKS = ['70001', '70002', '70003', '70004', '70005', '70006', '70007', '70008', '70009', '70010'];

describe('queue', () => {
  let beforeSignIn;
  const env = useBrowser({ beforeSignIn: async () => { beforeSignIn = await lastSeq(); } });

  /** The contact names the popup lists under "Call tasks", in order. */
  async function listedNames(popup) {
    const list = popup.getByRole('list', { name: 'Call tasks' });
    await list.waitFor({ timeout: 15000 });
    return list.getByRole('link').evaluateAll((links) => links.map((a) => a.querySelector('strong').textContent));
  }

  async function apiRequestsSince(seq) {
    return (await env.stack.control('GET', `requests?since=${seq}`)).json.filter((r) => !r.path.startsWith('/oauth/'));
  }

  async function lastSeq() {
    const log = (await env.stack.control('GET', 'requests')).json;
    return log.length ? log[log.length - 1].seq : 0;
  }

  test('the popup lists the rep\'s due call tasks in due order, and opens a contact', async () => {
    // Expected from the sandbox's own data: the rep's open CALL tasks due by the end of today.
    const offsetMs = await (await env.browser.worker()).evaluate(() => -new Date().getTimezoneOffset() * 60000);
    const local = Date.now() + offsetMs;
    const endOfToday = local - (local % 86400000) + 86400000 - 1 - offsetMs;
    const tasks = [];
    for (const id of REP_OPEN_CALL_TASKS) tasks.push((await env.stack.control('GET', `tasks/${id}`)).json);
    const dueAt = (t) => Date.parse(t.properties.hs_timestamp);
    const due = tasks.filter((t) => dueAt(t) <= endOfToday).sort((a, b) => dueAt(a) - dueAt(b));
    assert.ok(due.length >= 3, 'the seed has overdue tasks');

    const popup = await openExtensionPage(env.browser, 'popup/popup.html');
    const names = await listedNames(popup);
    const contactIds = due.map((t) => t.associations.find((a) => a.to.objectType === 'contacts' || a.to.objectType === 'contact').to.id);
    const expectedNames = [];
    for (const id of contactIds) {
      const c = (await env.stack.control('GET', `contacts/${id}`)).json;
      expectedNames.push(c ? `${c.properties.firstname} ${c.properties.lastname}` : id);
    }
    assert.deepEqual(names, expectedNames);
    // Batched: one search, one association read, one contact batch read (the popup that
    // showed after sign-in loaded it; this one came from the cache).
    const reqs = await apiRequestsSince(beforeSignIn);
    const count = (re) => reqs.filter((r) => re.test(r.path)).length;
    assert.equal(count(/\/tasks\/search$/), 1);
    assert.equal(count(/\/associations\/2026-03\/tasks\/contacts\/batch\/read$/), 1);
    assert.equal(count(/\/objects\/2026-03\/contacts\/batch\/read$/), 1);

    // Opening the popup again within the cache window asks HubSpot nothing new for the queue.
    const mid = await lastSeq();
    await popup.reload();
    assert.deepEqual(await listedNames(popup), expectedNames);
    assert.equal((await apiRequestsSince(mid)).filter((r) => /tasks\/search/.test(r.path)).length, 0);

    // Choosing a task opens its contact's record.
    const opened = env.browser.context.waitForEvent('page');
    await popup.getByRole('list', { name: 'Call tasks' }).getByRole('link').first().click();
    const record = await opened;
    await navigated(record);
    assert.equal(record.url(), DEMO.contactUrl(contactIds[0]));
    await record.close();
    await popup.close();
  });

  test('"Refresh queue" asks HubSpot again at once, however fresh the kept queue is', async () => {
    const popup = await openExtensionPage(env.browser, 'popup/popup.html');
    const before = await listedNames(popup);
    const mid = await lastSeq();
    await popup.getByRole('button', { name: 'Refresh queue' }).click();
    assert.deepEqual(await listedNames(popup), before);
    await popup.getByRole('button', { name: 'Refresh queue' }).waitFor();
    const searches = (await apiRequestsSince(mid)).filter((r) => /\/tasks\/search$/.test(r.path));
    assert.equal(searches.length, 1, 'one task search for the refresh');
    await popup.close();
  });

  test('a HubSpot list can be chosen as the queue', async () => {
    const popup = await openExtensionPage(env.browser, 'popup/popup.html');
    await popup.getByRole('list', { name: 'Call tasks' }).waitFor();
    await popup.getByRole('combobox', { name: 'Queue' }).selectOption({ label: 'List: Hot leads' });
    const names = await listedNames(popup);
    assert.deepEqual([...names].sort(), ['<img src=x onerror=alert(1)> Tester', 'Ana Alvarez', 'Ben Okafor', 'Emma Thompson', 'Hugo Martin', 'Kate Wilson'].sort());
    // Back to the rep's tasks.
    await popup.getByRole('combobox', { name: 'Queue' }).selectOption({ label: 'My call tasks' });
    await popup.getByRole('list', { name: 'Call tasks' }).waitFor();
    await popup.close();
  });

  test('a 429 shows the alert and the badge, stops reads, and clears by itself', async () => {
    await env.stack.control('POST', 'faults', {
      method: 'POST', path: '/crm/objects/2026-03/contacts/batch/read$', status: 429, times: 1,
      headers: { 'Retry-After': '4' },
      body: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'c0ffee00-0000-4000-8000-000000000429', policyName: 'TEN_SECONDLY_ROLLING' },
    });
    const popup = await openExtensionPage(env.browser, 'popup/popup.html');
    await popup.getByRole('list', { name: 'Call tasks' }).waitFor();
    await popup.getByRole('combobox', { name: 'Queue' }).selectOption({ label: 'List: Hot leads' });
    const alert = popup.getByRole('alert').filter({ hasText: /syncing is paused/ });
    await alert.first().waitFor({ timeout: 10000 });
    const worker = await env.browser.worker();
    assert.equal(await worker.evaluate(() => chrome.action.getBadgeText({})), '!');

    // While paused, asking again sends nothing to HubSpot.
    const during = await lastSeq();
    const again = await popup.evaluate(() => chrome.runtime.sendMessage({ kind: 'queue', refresh: true }));
    assert.ok(again.kind === 'error' || again.paused, 'the answer says syncing is paused');
    assert.equal((await apiRequestsSince(during)).length, 0, 'no HubSpot request while paused');

    // It clears by itself once HubSpot's window has passed, and the list loads.
    await alert.first().waitFor({ state: 'detached', timeout: 15000 });
    await popup.getByRole('list', { name: 'Call tasks' }).waitFor({ timeout: 15000 });
    assert.equal(await worker.evaluate(() => chrome.action.getBadgeText({})), '');
    await popup.getByRole('combobox', { name: 'Queue' }).selectOption({ label: 'My call tasks' });
    await popup.close();
  });
});
