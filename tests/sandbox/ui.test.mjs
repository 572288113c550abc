// HubSpot sandbox (tests layer): the app.hubspot.com stand-in — record pages with a stable
// left-sidebar anchor, escaped hostile names, the SPA JSON route, legacy URLs, EU domain routing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { boot } from './harness.mjs';

let t;
before(async () => { t = await boot(); });
after(async () => { await t.close(); });

test('contact record page has HubSpot-like layout, the anchor, and next-record links', async () => {
  const r = await t.app('GET', '/contacts/62515/record/0-1/201');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /text\/html/);
  for (const id of ['top-nav', 'left-sidebar', 'middle-pane', 'right-sidebar']) assert.match(r.text, new RegExp(`data-test-id="${id}"`));
  assert.match(r.text, /About this contact/);
  assert.match(r.text, /Ana Alvarez/);
  assert.match(r.text, /\(415\) 555-0132/);
  assert.match(r.text, /<a data-spa id="next-record" href="\/contacts\/62515\/record\/0-1\/202">Next record<\/a>/);
  const script = /<script>([\s\S]*)<\/script>/.exec(r.text)[1];
  assert.doesNotThrow(() => new vm.Script(script), 'inline SPA script parses');
  assert.doesNotMatch(r.text, /https?:\/\/api\.hubapi\.com/, 'the page never calls the API host');
});

test('hostile names are escaped in the page and returned as text by the SPA route', async () => {
  const r = await t.app('GET', '/contacts/62515/record/0-1/237');
  assert.doesNotMatch(r.text, /<img src=x/);
  assert.doesNotMatch(r.text, /<script>alert/);
  assert.match(r.text, /&lt;img src=x onerror=alert\(1\)&gt;/);
  const j = await t.app('GET', '/__ui/record/62515/0-1/237');
  assert.equal(j.status, 200);
  assert.equal(j.json.name, '<img src=x onerror=alert(1)> Tester');
  assert.equal(j.json.next.id, '201');
  // The hostile contact is linked from its neighbour, so SPA navigation reaches it.
  assert.ok((await t.app('GET', '/__ui/record/62515/0-1/236')).json.others.some((o) => o.id === '237'));
});

test('legacy, company, list and index URLs; unknown record is 404', async () => {
  assert.match((await t.app('GET', '/contacts/62515/contact/204')).text, /Daniel Weiss/);
  const co = await t.app('GET', '/contacts/62515/record/0-2/3001');
  assert.equal(co.status, 200);
  assert.match(co.text, /About this company/);
  assert.equal((await t.app('GET', '/contacts/62515/objects/0-1/views/all/list')).status, 200);
  assert.equal((await t.app('GET', '/')).status, 200);
  assert.equal((await t.app('GET', '/contacts/62515/record/0-1/999999')).status, 404);
  assert.equal((await t.app('GET', '/contacts/62515/objectLists/11')).status, 200);
});

test('an EU portal lives on app-eu1; the wrong domain redirects; other portals are refused', async () => {
  const wrong = await t.app('GET', '/contacts/26500001/record/0-1/801');
  assert.equal(wrong.status, 302);
  assert.match(wrong.headers.location, /^https:\/\/app-eu1\.hubspot\.com:\d+\/contacts\/26500001\/record\/0-1\/801$/);
  const denied = await t.request('GET', 'app-eu1.hubspot.com', '/contacts/26500001/record/0-1/801');
  assert.equal(denied.status, 403, 'the NA rep is not a user of the EU portal');
  await t.control('POST', 'config', { loginUserId: 2002 });
  const eu = await t.request('GET', 'app-eu1.hubspot.com', '/contacts/26500001/record/0-1/801');
  assert.equal(eu.status, 200);
  assert.match(eu.text, /Lena Fischer/);
  await t.control('POST', 'config', { loginUserId: 1001 });
});

test('API hosts do not serve UI pages and UI hosts do not serve the API', async () => {
  const a = await t.api('GET', '/contacts/62515/record/0-1/201');
  assert.equal(a.status, 401);
  const u = await t.app('GET', '/crm/objects/2026-03/contacts/201');
  assert.equal(u.status, 404);
});
