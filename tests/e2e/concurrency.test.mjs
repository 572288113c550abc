// End-to-end: one rep, many places at once — two tabs logging at the same moment with the token
// due, the popup open while the refresh is due, two windows pressing "Log call" on one call.
// Layer: tests (e2e). Every count comes from the sandbox's request log: one refresh per token
// lifetime, one create per log, one call in HubSpot per call made.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from '../harness/session.mjs';
import { choose, click, find, findText } from '../harness/a11y.mjs';
import { press } from '../harness/flows-call.mjs';
import { DEMO } from '../harness/seeded.mjs';
import { until } from '../harness/wait.mjs';

const TOKEN = '/oauth/2026-03/token';
const CREATE = '/crm/objects/2026-03/calls';

describe('one rep in many places at once', () => {
  const env = useBrowser();
  let since = 0;
  beforeEach(async () => {
    await env.stack.control('POST', 'reset', { keepTokens: true });
    since = (await env.stack.control('GET', 'requests')).json.at(-1)?.seq ?? 0;
  });

  const requests = async () => (await env.stack.control('GET', `requests?since=${since}`)).json;
  const callsTo = async (contact) => (await env.stack.control('GET', 'calls')).json
    .filter((c) => !c.archived && c.associations.some((a) => a.to.id === contact));
  const outboxEmpty = async () => (await env.browser.worker()).evaluate(async () =>
    Object.keys(await chrome.storage.local.get(null)).every((k) => !k.startsWith('outbox:')));
  /** Makes the worker's access token due now, as if the worker had slept through its alarm. */
  const expireAccessToken = async (inMs = -1) => (await env.browser.worker()).evaluate(async (ms) => {
    const { 'auth:v1:access': access } = await chrome.storage.session.get('auth:v1:access');
    await chrome.storage.session.set({ 'auth:v1:access': { ...access, expires_at_ms: Date.now() + ms } });
  }, inMs);

  async function dialOn(page, contact, number, outcome = 'Connected') {
    await page.goto(DEMO.contactUrl(contact));
    await click(page, 'button', `Call ${number}`);
    await find(page, 'timer', 'Call duration');
    await choose(page, 'Outcome', outcome);
  }

  test('two tabs log at the same moment with the token due: one refresh, one create each, one call each', async () => {
    const a = await env.browser.context.newPage();
    const b = await env.browser.context.newPage();
    await dialOn(a, '203', '312 555 0178 ext. 12');
    await dialOn(b, '206', '+1 (303) 555-0101');
    await expireAccessToken();
    const [sa, sb] = await Promise.all([a, b].map(async (page) => {
      await press(page, 'button', 'Log call');
      return (await findText(page, 'status', /^Call (logged|saved)/, { timeout: 30000 })).text;
    }));
    // The second press finds the first one's drain running: "saved", and that drain takes it.
    assert.ok([sa, sb].includes('Call logged'), `${sa} | ${sb}`);
    await until('the outbox to empty', outboxEmpty, { timeout: 30000 });
    const log = await requests();
    assert.equal(log.filter((r) => r.path === TOKEN).length, 1, 'one refresh shared by both tabs');
    assert.equal(log.filter((r) => r.method === 'POST' && r.path === CREATE).length, 2, 'one create per log');
    assert.equal(log.filter((r) => r.status === 401).length, 0, 'no request went out with the expired token');
    assert.equal((await callsTo('203')).length, 1);
    assert.equal((await callsTo('206')).length, 1);
    await a.close();
    await b.close();
  });

  test('the popup open while the refresh is due: one refresh for that lifetime, no 401', async () => {
    // The token has two seconds left: the popup's reads and the worker's own refresh meet.
    await expireAccessToken(2000);
    const popup = await env.browser.context.newPage();
    await popup.goto(env.browser.extensionUrl('popup/popup.html'));
    await popup.getByRole('list', { name: 'Call tasks' }).waitFor({ timeout: 15000 });
    await until('the refresh', async () => (await requests()).some((r) => r.path === TOKEN), { timeout: 20000 });
    // Keep using the popup across the expiry: more reads, from a reload, after it.
    for (let i = 0; i < 3; i++) {
      await popup.reload();
      await popup.getByRole('list', { name: 'Call tasks' }).waitFor({ timeout: 15000 });
      assert.equal((await popup.evaluate(() => chrome.runtime.sendMessage({ kind: 'lists' }))).kind, 'lists');
    }
    const log = await requests();
    assert.equal(log.filter((r) => r.path === TOKEN).length, 1, 'one refresh for the token lifetime');
    assert.ok(log.filter((r) => r.path !== TOKEN).length >= 4, 'the popup really used HubSpot meanwhile');
    assert.equal(log.filter((r) => r.status === 401).length, 0, 'no request met the expired token');
    await popup.close();
  });

  test('two windows press "Log call" on the same call: one create, one call in HubSpot', async () => {
    const first = await env.browser.context.newPage();
    await dialOn(first, '207', '+49 (0)89 1234567', 'Left voicemail');
    // A second window (not a tab) on the same record shows the same call in progress.
    const cdp = await env.browser.context.newCDPSession(first);
    const opened = env.browser.context.waitForEvent('page');
    await cdp.send('Target.createTarget', { url: DEMO.contactUrl('207'), newWindow: true });
    const second = await opened;
    await find(second, 'timer', 'Call duration', { timeout: 20000 });
    // Both press at once.
    const answers = await Promise.all([first, second].map(async (page) => {
      await press(page, 'button', 'Log call');
      return (await findText(page, 'status', /Call logged|Call saved|already logged/, { timeout: 30000 })).text;
    }));
    assert.ok(answers.includes('Call logged'), answers.join(' | '));
    const log = await requests();
    assert.equal(log.filter((r) => r.method === 'POST' && r.path === CREATE).length, 1, `one create (${answers.join(' | ')})`);
    const calls = await callsTo('207');
    assert.equal(calls.length, 1, 'one call in HubSpot');
    await first.close();
    await second.close();
  });
});
