// HubSpot sandbox (tests layer): the app.hubspot.com stand-in — record pages in three layouts
// (2026 and 2024 from the DOM evidence, one unknown), record tabs at `/view/N`, escaped hostile
// names, the SPA JSON route, legacy URLs, EU domain routing.
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

// The record's columns, without the sandbox's own wrapper.
const recordPart = (html) => /<div class="record-layout" data-test-id="record-layout" data-record-id="\d+">([\s\S]*?)<script type="application\/json"/.exec(html)[1];

test('the 2026 layout carries the shell and cards the evidence shows (E4, E5, E6)', async () => {
  const html = recordPart((await t.app('GET', '/contacts/62515/record/0-1/201')).text);
  for (const needle of [
    '<div class="column column-left" data-sandbox-column="left" id="record-page-left-sidebar" data-scroll-trackable-container="left-sidebar"><aside data-test-id="left-sidebar"',
    '<div data-test-id="card-wrapper-OBJECT_HIGHLIGHT-FAS-0-1-1" class="card"><div data-card-type="OBJECT_HIGHLIGHT" data-card-id="OBJECT_HIGHLIGHT-FAS-0-1-1">',
    'data-test-id="highlight-record-label" data-selenium-test="highlightTitle"',
    'data-card-type="PROPERTIES_V3"', 'data-selenium-test="profile-properties-list"',
    '<span data-test-id="phone"><div data-deferred-property-input-root="true"',
    'data-selenium-test="property-input-phone"', 'data-test-id="tab-1-content"',
    '<div data-test-id="records-right-sidebar"><aside data-test-id="right-sidebar"',
  ]) assert.ok(html.includes(needle), needle);
  assert.doesNotMatch(html, /highlight-details/, 'no markup of the older layout');
});

test('the 2024 layout (by cookie) has the older highlight details and none of the 2026 shell', async () => {
  const r = await t.app('GET', '/contacts/62515/record/0-1/201', { headers: { cookie: 'other=1; sandbox_record_layout=2024' } });
  const html = recordPart(r.text);
  for (const needle of ['data-selenium-test="contact-highlight-details"', 'data-selenium-test="highlightTitle"',
    'data-unit-test="highlightSubtitle"', 'data-selenium-test="profile-properties"', '(415) 555-0132']) assert.ok(html.includes(needle), needle);
  assert.doesNotMatch(html, /data-test-id="(left|right)-sidebar"|data-card-type|card-wrapper-/);
});

test('the unknown layout (by query) names nothing any public source describes; a bad name falls back to 2026', async () => {
  const html = recordPart((await t.app('GET', '/contacts/62515/record/0-1/201?layout=unknown')).text);
  assert.match(html, /Ana Alvarez/);
  assert.doesNotMatch(html, /data-test-id|data-selenium-test|data-card-type|data-unit-test|highlight/);
  const bad = await t.app('GET', '/contacts/62515/record/0-1/201', { headers: { cookie: 'sandbox_record_layout=1999' } });
  assert.match(recordPart(bad.text), /card-wrapper-OBJECT_HIGHLIGHT/);
});

test('record tabs live at /view/N on the same record; the page data is JSON the page renders again', async () => {
  const r = await t.app('GET', '/contacts/62515/record/0-1/201/view/2');
  assert.equal(r.status, 200);
  assert.match(recordPart(r.text), /data-test-id="tab-2-content"/);
  assert.match(r.text, /<a href="\/contacts\/62515\/record\/0-1\/201\/view\/3" data-tab="3"/);
  const data = JSON.parse(/<script type="application\/json" id="sandbox-record">([\s\S]*?)<\/script>/.exec(r.text)[1]);
  assert.deepEqual([data.layout, data.tab, data.view.id], ['2026', '2', '201']);
});

test('hostile names are escaped in the page and returned as text by the SPA route', async () => {
  const r = await t.app('GET', '/contacts/62515/record/0-1/237');
  assert.doesNotMatch(r.text, /<img src=x/);
  assert.doesNotMatch(r.text, /<script>alert/);
  assert.match(r.text, /&lt;img src=x onerror=alert\(1\)&gt;/);
  // The page's own copy of the record, which its script renders from, cannot close its element.
  const data = /<script type="application\/json" id="sandbox-record">([\s\S]*?)<\/script>/.exec(r.text)[1];
  assert.doesNotMatch(data, /</);
  assert.equal(JSON.parse(data).view.name, '<img src=x onerror=alert(1)> Tester');
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
