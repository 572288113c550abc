// HubSpot sandbox (tests layer): CRM object behaviours — reads, batch limits and 207 partials,
// scopes, owners paging, properties and sensitive data, calls and tasks writes, associations, lists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { boot } from './harness.mjs';

let t;
let tok;
let noLists;
let sensitive;
before(async () => {
  t = await boot();
  tok = (await t.control('POST', 'tokens', { userId: 1001 })).json.access_token;
  noLists = (await t.control('POST', 'tokens', { userId: 1001, scopes: ['oauth', 'crm.objects.contacts.read'] })).json.access_token;
  sensitive = (await t.control('POST', 'tokens', { userId: 1001, scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.sensitive.read.v2'] })).json.access_token;
});
after(async () => { await t.close(); });

const get = (path, token = tok) => t.api('GET', path, { token });
const post = (path, body, token = tok) => t.api('POST', path, { token, body });

test('contact by id returns asked properties only, 404 OBJECT_NOT_FOUND when missing', async () => {
  const r = await get('/crm/objects/2026-03/contacts/201?properties=firstname,phone,mobilephone,nosuch');
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json.properties).sort(), ['createdate', 'firstname', 'hs_object_id', 'lastmodifieddate', 'mobilephone', 'phone']);
  assert.equal(r.json.properties.phone, '(415) 555-0132');
  const d = await get('/crm/objects/2026-03/contacts/201');
  assert.deepEqual(Object.keys(d.json.properties).sort(), ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname']);
  const m = await get('/crm/objects/2026-03/contacts/999999');
  assert.equal(m.status, 404);
  assert.equal(m.json.category, 'OBJECT_NOT_FOUND');
  assert.ok(m.json.correlationId);
});

test('list endpoint pages in id order', async () => {
  const p1 = await get('/crm/objects/2026-03/contacts?limit=30&properties=phone');
  assert.equal(p1.json.results.length, 30);
  const p2 = await get(`/crm/objects/2026-03/contacts?limit=30&after=${p1.json.paging.next.after}`);
  assert.equal(p2.json.results.length, 7);
  assert.equal(p2.json.paging, undefined);
  assert.equal((await get('/crm/objects/2026-03/contacts?limit=101')).status, 400);
});

test('sensitive property values only reach sensitive-scoped tokens', async () => {
  const plain = await get('/crm/objects/2026-03/contacts/201?properties=hs_ssn_like,firstname');
  assert.equal('hs_ssn_like' in plain.json.properties, false);
  const s = await get('/crm/objects/2026-03/contacts/201?properties=hs_ssn_like', sensitive);
  assert.equal(s.json.properties.hs_ssn_like, '078-05-1120');
  const defs = await get('/crm/properties/2026-03/contacts');
  assert.ok(!defs.json.results.some((p) => p.name === 'hs_ssn_like'));
  const sdefs = await get('/crm/properties/2026-03/contacts?dataSensitivity=sensitive');
  assert.deepEqual(sdefs.json.results.map((p) => p.name), ['hs_ssn_like']);
  const status = await get('/crm/properties/2026-03/tasks/hs_task_status');
  assert.deepEqual(status.json.options.map((o) => o.value), ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'DEFERRED', 'COMPLETED']);
  assert.equal((await get('/crm/properties/2026-03/calls/nosuch')).status, 404);
});

test('batch read: >100 inputs is 400 VALIDATION_ERROR; missing ids give 207 with errors', async () => {
  const many = await post('/crm/objects/2026-03/contacts/batch/read', { inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(201 + i) })) });
  assert.equal(many.status, 400);
  assert.equal(many.json.category, 'VALIDATION_ERROR');
  const ok = await post('/crm/objects/2026-03/contacts/batch/read', { inputs: [{ id: '202' }, { id: '201' }], properties: ['phone'] });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.status, 'COMPLETE');
  assert.deepEqual(ok.json.results.map((r) => r.id), ['201', '202']);
  const partial = await post('/crm/objects/2026-03/contacts/batch/read', { inputs: [{ id: '201' }, { id: '424242' }], properties: ['phone'] });
  assert.equal(partial.status, 207);
  assert.equal(partial.json.numErrors, 1);
  assert.deepEqual(partial.json.errors[0].context.ids, ['424242']);
  assert.equal(partial.json.results.length, 1);
  const tasks = await post('/crm/objects/2026-03/tasks/batch/read', { inputs: [{ id: '70002' }], properties: ['hs_task_subject'] });
  assert.deepEqual(Object.keys(tasks.json.results[0].properties).sort(), ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id', 'hs_task_subject']);
});

test('malformed JSON is 400 VALIDATION_ERROR; missing scope is 403 MISSING_SCOPES naming it', async () => {
  const r = await t.api('POST', '/crm/objects/2026-03/contacts/batch/read', { token: tok, body: '{"inputs": [', headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.category, 'VALIDATION_ERROR');
  const l = await get('/crm/lists/2026-03/11', noLists);
  assert.equal(l.status, 403);
  assert.equal(l.json.category, 'MISSING_SCOPES');
  assert.ok(l.json.context.missingScopes.includes('crm.lists.read'));
  const w = await t.api('PATCH', '/crm/objects/2026-03/tasks/70002', { token: noLists, body: { properties: { hs_task_status: 'COMPLETED' } } });
  assert.equal(w.status, 403);
  assert.ok(w.json.context.missingScopes.includes('crm.objects.contacts.write'));
});

test('owners: paging and lookup by userId', async () => {
  const p1 = await get('/crm/owners/2026-03?limit=2');
  assert.equal(p1.json.results.length, 2);
  assert.ok(p1.json.paging.next.after);
  const p2 = await get(`/crm/owners/2026-03?limit=2&after=${p1.json.paging.next.after}`);
  assert.equal(p2.json.results.length, 1);
  assert.equal(p2.json.paging, undefined);
  const rep = await get('/crm/owners/2026-03/1001?idProperty=userId');
  assert.deepEqual([rep.json.id, rep.json.userId, rep.json.email], ['501', 1001, 'riley@acme-demo.test']);
  assert.equal((await get('/crm/owners/2026-03/1001')).status, 404); // a user id is not an owner id
  assert.equal((await get('/crm/owners/2026-03?limit=501')).status, 400);
});

test('account details and call outcomes per portal', async () => {
  const a = await get('/account-info/2026-03/details');
  assert.deepEqual([a.json.portalId, a.json.uiDomain, a.json.dataHostingLocation], [62515, 'app.hubspot.com', 'na1']);
  const d = await get('/calling/v1/dispositions');
  assert.equal(d.json.length, 8);
  assert.ok(d.json.some((x) => x.id === 'f240bbac-87c9-4f6e-bf70-924b57d47db7' && x.label === 'Connected'));
  const eu = (await t.control('POST', 'tokens', { userId: 2002 })).json.access_token;
  const e = await get('/account-info/2026-03/details', eu);
  assert.deepEqual([e.json.portalId, e.json.uiDomain, e.json.dataHostingLocation], [26500001, 'app-eu1.hubspot.com', 'eu1']);
  assert.equal((await get('/calling/v1/dispositions', eu)).json.length, 6);
  // Portals are separate: the EU token cannot see NA contacts.
  assert.equal((await get('/crm/objects/2026-03/contacts/201', eu)).status, 404);
});

test('create call: hs_timestamp required, association 194 to an existing contact, readable at once', async () => {
  const noTs = await post('/crm/objects/2026-03/calls', { properties: { hs_call_title: 'x' } });
  assert.equal(noTs.status, 400);
  assert.equal(noTs.json.category, 'VALIDATION_ERROR');
  const assoc = (id, typeId) => [{ to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId }] }];
  const props = { hs_timestamp: new Date().toISOString(), hs_call_title: 'Call with Ana', hs_call_direction: 'OUTBOUND', hs_call_status: 'COMPLETED',
    hs_call_duration: '95000', hs_call_disposition: 'f240bbac-87c9-4f6e-bf70-924b57d47db7', hubspot_owner_id: '501', hs_call_external_id: 'ext-create-1' };
  assert.equal((await post('/crm/objects/2026-03/calls', { properties: props, associations: assoc('201', 204) })).status, 400);
  assert.equal((await post('/crm/objects/2026-03/calls', { properties: props, associations: assoc('999999', 194) })).status, 400);
  assert.equal((await post('/crm/objects/2026-03/calls', { properties: { ...props, hubspot_owner_id: '1001' } })).status, 400);
  assert.equal((await post('/crm/objects/2026-03/calls', { properties: { ...props, hs_call_disposition: 'nope' } })).status, 400);
  assert.equal((await post('/crm/objects/2026-03/calls', { properties: { ...props, hs_call_direction: 'outbound' } })).status, 400);
  const unknown = await post('/crm/objects/2026-03/calls', { properties: { ...props, made_up: '1' } });
  assert.equal(unknown.json.errors[0].code, 'PROPERTY_DOESNT_EXIST');
  const c = await post('/crm/objects/2026-03/calls', { properties: props, associations: assoc('201', 194) });
  assert.equal(c.status, 201);
  const g = await get(`/crm/objects/2026-03/calls/${c.json.id}?properties=hs_call_external_id,hs_call_duration&associations=contacts`);
  assert.equal(g.json.properties.hs_call_external_id, 'ext-create-1');
  assert.equal(g.json.associations.contacts.results[0].id, '201');
  const rev = await get('/crm/objects/2026-03/contacts/201/associations/calls');
  assert.ok(rev.json.results.some((r) => r.toObjectId === c.json.id && r.associationTypes[0].typeId === 193));
  const stored = await t.control('GET', 'calls');
  assert.ok(stored.json.some((x) => x.id === c.json.id && x.associations[0].types[0].associationTypeId === 194));
});

test('tasks batch update: ≤100 inputs, a bad value refuses the whole batch, unknown ids are a 207 partial', async () => {
  const url = '/crm/objects/2026-03/tasks/batch/update';
  const done = { hs_task_status: 'COMPLETED' };
  const many = await post(url, { inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(70000 + i), properties: done })) });
  assert.equal(many.status, 400);
  assert.equal(many.json.category, 'VALIDATION_ERROR');
  const bad = await post(url, { inputs: [{ id: '70003', properties: done }, { id: '70004', properties: { hs_task_status: 'completed' } }] });
  assert.equal(bad.status, 400);
  assert.equal((await t.control('GET', 'tasks/70003')).json.properties.hs_task_status === 'COMPLETED', false, 'nothing written');
  const part = await post(url, { inputs: [{ id: '70004', properties: done }, { id: '70003', properties: done }, { id: '999999', properties: done }] });
  assert.equal(part.status, 207);
  assert.equal(part.json.status, 'COMPLETE');
  assert.deepEqual(part.json.results.map((r) => r.id), ['70003', '70004']);
  assert.deepEqual(part.json.errors.map((e) => [e.category, e.context.ids]), [['OBJECT_NOT_FOUND', ['999999']]]);
  for (const id of ['70003', '70004']) {
    const rec = (await t.control('GET', `tasks/${id}`)).json.properties;
    assert.equal(rec.hs_task_status, 'COMPLETED');
    assert.ok(rec.hs_task_completion_date);
  }
  const ok = await post(url, { inputs: [{ id: '70003', properties: done }] });
  assert.equal(ok.status, 200, 'completing again is no error');
  assert.equal(ok.json.errors, undefined);
});

test('task PATCH completes a task; enum values are case-sensitive', async () => {
  const bad = await t.api('PATCH', '/crm/objects/2026-03/tasks/70002', { token: tok, body: { properties: { hs_task_status: 'completed' } } });
  assert.equal(bad.status, 400);
  const r = await t.api('PATCH', '/crm/objects/2026-03/tasks/70002', { token: tok, body: { properties: { hs_task_status: 'COMPLETED' } } });
  assert.equal(r.status, 200);
  assert.equal(r.json.properties.hs_task_status, 'COMPLETED');
  const ctl = await t.control('GET', 'tasks/70002');
  assert.equal(ctl.json.properties.hs_task_status, 'COMPLETED');
  assert.ok(ctl.json.properties.hs_task_completion_date);
  assert.equal((await t.api('PATCH', '/crm/objects/2026-03/tasks/1', { token: tok, body: { properties: {} } })).status, 404);
});

test('associations batch read: ≤1000 inputs, §7 shape, 207 for ids without associations', async () => {
  const r = await post('/crm/associations/2026-03/tasks/contacts/batch/read', { inputs: [{ id: '70003' }, { id: '70004' }] });
  assert.equal(r.status, 200);
  const first = r.json.results.find((x) => x.from.id === '70003');
  assert.deepEqual(first.to, [{ toObjectId: '202', associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 204, label: null }] }]);
  const big = await post('/crm/associations/2026-03/tasks/contacts/batch/read', { inputs: Array.from({ length: 1001 }, (_, i) => ({ id: String(i) })) });
  assert.equal(big.status, 400);
  const part = await post('/crm/associations/2026-03/tasks/contacts/batch/read', { inputs: [{ id: '70003' }, { id: '5' }] });
  assert.equal(part.status, 207);
  assert.equal(part.json.numErrors, 1);
});

test('contact→call batch read pages per record with `after` (spec), leaves archived calls out', async () => {
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const props = { hs_timestamp: new Date().toISOString(), hs_call_status: 'COMPLETED', hs_call_external_id: `ext-page-${i}` };
    const c = await post('/crm/objects/2026-03/calls', { properties: props, associations: [{ to: { id: '236' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] }] });
    assert.equal(c.status, 201);
    ids.push(c.json.id);
  }
  const read = (inputs) => post('/crm/associations/2026-03/contacts/calls/batch/read', { inputs });
  const whole = await read([{ id: '236' }]);
  const mine = (r) => r.json.results.find((x) => x.from.id === '236');
  const all = mine(whole).to.map((x) => x.toObjectId);
  assert.ok(ids.every((id) => all.includes(id)));
  assert.equal(mine(whole).paging, undefined, 'paging only when there are more');
  assert.deepEqual(mine(whole).to.find((x) => x.toObjectId === ids[0]).associationTypes, [{ category: 'HUBSPOT_DEFINED', typeId: 193, label: null }]);
  await t.control('POST', 'config', { associationPageSize: 2 });
  const first = await read([{ id: '236' }]);
  assert.equal(mine(first).to.length, 2);
  const after = mine(first).paging.next.after;
  assert.equal(typeof after, 'string');
  const rest = [];
  let page = first;
  while (mine(page).paging) {
    page = await read([{ id: '236', after: mine(page).paging.next.after }]);
    rest.push(...mine(page).to.map((x) => x.toObjectId));
  }
  assert.deepEqual([...mine(first).to.map((x) => x.toObjectId), ...rest], all);
  await t.control('POST', 'config', { associationPageSize: 500 });
  assert.equal((await t.api('DELETE', `/crm/objects/2026-03/calls/${ids[1]}`, { token: tok })).status, 204);
  const after2 = mine(await read([{ id: '236' }])).to.map((x) => x.toObjectId);
  assert.ok(!after2.includes(ids[1]) && after2.includes(ids[0]), 'an archived call is not on the timeline');
});

test('lists: search, get, memberships paging with limit ≤250', async () => {
  const s = await post('/crm/lists/2026-03/search', { query: '', processingTypes: ['MANUAL', 'DYNAMIC'] });
  assert.deepEqual(s.json.lists.map((l) => [l.listId, l.name, l.processingType]), [['11', 'Hot leads', 'MANUAL'], ['12', 'Berlin trade show', 'DYNAMIC']]);
  assert.equal(s.json.lists[0].additionalProperties.hs_list_size, '6');
  const g = await get('/crm/lists/2026-03/12');
  assert.equal(g.json.list.name, 'Berlin trade show');
  const m1 = await get('/crm/lists/2026-03/11/memberships?limit=4');
  assert.equal(m1.json.results.length, 4);
  const ids1 = m1.json.results.map((x) => Number(x.recordId));
  assert.deepEqual(ids1, [...ids1].sort((a, b) => a - b));
  const m2 = await get(`/crm/lists/2026-03/11/memberships?limit=4&after=${m1.json.paging.next.after}`);
  assert.equal(m2.json.results.length, 2);
  assert.equal(m2.json.paging, undefined);
  assert.equal((await get('/crm/lists/2026-03/11/memberships?limit=251')).status, 400);
  assert.equal((await get('/crm/lists/2026-03/99')).status, 404);
  const dyn = await get('/crm/lists/2026-03/12/memberships');
  assert.ok(dyn.json.results.length >= 3);
});

test('fuzz: odd bodies and paths never crash and always answer in HubSpot shape', async () => {
  const bodies = ['null', '[]', '"x"', '{"inputs":null}', '{"inputs":[null]}', '{"inputs":[{"id":{}}]}', '{"filterGroups":[{"filters":[{}]}]}',
    '{"filterGroups":"x"}', '{"properties":{"hs_timestamp":{}}}', '{"limit":"9"}', '\u0000', '{"sorts":["x","y"]}', '{"associations":[{"to":{}}]}'];
  const paths = ['/crm/objects/2026-03/contacts/batch/read', '/crm/objects/2026-03/tasks/search', '/crm/objects/2026-03/calls',
    '/crm/associations/2026-03/tasks/contacts/batch/read', '/crm/lists/2026-03/search', '/crm/objects/2026-03/nosuch/search'];
  await t.control('POST', 'config', { searchRateLimitPerSecond: 1000, rateLimitMax: 10000 });
  for (const p of paths) {
    for (const b of bodies) {
      const r = await t.api('POST', p, { token: tok, body: b, headers: { 'content-type': 'application/json' } });
      assert.ok(r.status >= 200 && r.status < 500, `${p} ${b} -> ${r.status}`);
      if (r.status >= 400) assert.equal(r.json.status, 'error', `${p} ${b}`);
    }
  }
  for (const p of ['/crm/objects/2026-03/contacts/%E0%A4%A', '/crm/objects/2026-03/', '/crm/owners/2026-03/%00?idProperty=x', '/nope', '/crm/lists/2026-03/x/y/z']) {
    const r = await get(p);
    assert.ok(r.status >= 400 && r.status < 500, `${p} -> ${r.status}`);
    assert.equal(r.json.status, 'error');
  }
  await t.control('POST', 'config', { searchRateLimitPerSecond: 5, rateLimitMax: 110 });
});
