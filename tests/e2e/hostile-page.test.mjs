// End-to-end: what a HubSpot page (or a content script turned against us) can get from the
// worker. Every request is bound to the page it comes from: the card is the sender's own
// record, never the one a message names, a dial or a deletion of another contact is refused,
// ids that are not HubSpot's shape are refused, no storage area opens to it (managed policy
// included), and no content script runs where no contact record is. Layer: tests (e2e).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from '../harness/session.mjs';
import { inContentScript, isolatedWorlds } from '../harness/isolated.mjs';
import { DEMO } from '../harness/seeded.mjs';

describe('a page acts only on its own record', () => {
  const env = useBrowser();

  test('card, dial and delete are bound to the sender\'s record', async () => {
    const page = await env.browser.context.newPage();
    await page.goto(DEMO.contactUrl(DEMO.contacts.first));
    const since = (await env.stack.control('GET', 'requests')).json.at(-1)?.seq ?? 0;
    const answers = await inContentScript(env.browser, page, `(async () => {
      const other = location.href.replace(/\\/${DEMO.contacts.first}$/, '/${DEMO.contacts.second}');
      const ask = (m) => chrome.runtime.sendMessage(m);
      return {
        card: await ask({ kind: 'card', url: other }),
        own: await ask({ kind: 'card', url: location.href }),
        dial: await ask({ kind: 'dial', contact: '${DEMO.contacts.second}', number: '(415) 555-0132' }),
        forget: await ask({ kind: 'forget_contact', contact: '${DEMO.contacts.second}' }),
        traversal: await ask({ kind: 'dial', contact: '${DEMO.contacts.first}/../../owners', number: '1' }),
        task: await ask({ kind: 'log_call', call: 'spotdial-00', outcome: null, notes: '', complete_task: '70002?x=1' }),
        deleteLog: await ask({ kind: 'delete_log', id: 'spotdial-00' }),
      };
    })()`);
    // Another record than the tab shows: refused (retryable, for the in-page navigation race).
    assert.deepEqual([answers.card.kind, answers.card.error?.code], ['error', 'page_changed']);
    assert.deepEqual([answers.own.kind, answers.own.contact], ['card', DEMO.contacts.first]);
    assert.equal(answers.dial.error.code, 'not_this_page');
    assert.equal(answers.forget.error.code, 'not_this_page');
    assert.equal(answers.traversal.error.code, 'bad_request');
    assert.equal(answers.task.error.code, 'bad_request');
    assert.equal(answers.deleteLog.error.code, 'forbidden');
    const reads = (await env.stack.control('GET', `requests?since=${since}`)).json;
    assert.ok(reads.every((r) => !r.path.includes(`/${DEMO.contacts.second}`)), 'contact 202 was never read');
    await page.close();
  });

  test('no storage area opens to the content script', async () => {
    const page = await env.browser.context.newPage();
    await page.goto(DEMO.contactUrl(DEMO.contacts.first));
    const areas = await inContentScript(env.browser, page, `(async () => {
      const out = {};
      for (const area of ['local', 'session', 'managed']) {
        try { out[area] = JSON.stringify(await chrome.storage[area].get(null)); } catch (e) { out[area] = 'refused: ' + e.message; }
      }
      return out;
    })()`);
    for (const area of ['local', 'session', 'managed']) assert.match(areas[area], /^refused/, `${area}: ${areas[area]}`);
    await page.close();
  });

  test('no content script where no contact record is', async () => {
    const page = await env.browser.context.newPage();
    for (const url of [`https://app.hubspot.com/tasks/${DEMO.portal}/view/all`, 'https://app.hubspot.com/']) {
      await page.goto(url);
      const { ours, cdp } = await isolatedWorlds(env.browser, page);
      await cdp.detach();
      assert.equal(ours.length, 0, `no Spotdial world on ${url}`);
    }
    await page.goto(DEMO.contactUrl(DEMO.contacts.first));
    const { ours } = await isolatedWorlds(env.browser, page);
    assert.equal(ours.length, 1, 'and one on a contact record');
    await page.close();
  });
});
