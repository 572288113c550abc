// HubSpot sandbox (tests layer): scripted faults and the control routes — a call stored although
// its answer was lost (drop after), drops before processing, replaced answers, `times`, delays,
// the request log, reset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { boot } from './harness.mjs';

let t;
let tok;
before(async () => {
  t = await boot();
  tok = (await t.control('POST', 'tokens', { userId: 1001 })).json.access_token;
});
after(async () => { await t.close(); });

const callBody = (ext) => ({
  properties: { hs_timestamp: new Date().toISOString(), hs_call_external_id: ext, hs_call_title: 'fault test', hubspot_owner_id: '501' },
  associations: [{ to: { id: '201' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] }],
});

test('drop "after" stores the call, then kills the socket; the client can find it by external id', async () => {
  await t.control('POST', 'config', { searchLagMs: 0 });
  const f = await t.control('POST', 'faults', { method: 'POST', path: '^/crm/objects/2026-03/calls$', drop: 'after', times: 1 });
  assert.equal(f.status, 200);
  const since = (await t.control('GET', 'requests')).json.at(-1)?.seq ?? 0;
  await assert.rejects(t.api('POST', '/crm/objects/2026-03/calls', { token: tok, body: callBody('ext-drop-after') }), /socket hang up|ECONNRESET/);
  const stored = (await t.control('GET', 'calls')).json.filter((c) => c.properties.hs_call_external_id === 'ext-drop-after');
  assert.equal(stored.length, 1);
  const found = await t.api('POST', '/crm/objects/2026-03/calls/search', { token: tok,
    body: { filterGroups: [{ filters: [{ propertyName: 'hs_call_external_id', operator: 'EQ', value: 'ext-drop-after' }] }] } });
  assert.deepEqual(found.json.results.map((r) => r.id), [stored[0].id]);
  const log = (await t.control('GET', `requests?since=${since}`)).json;
  const entry = log.find((e) => e.path === '/crm/objects/2026-03/calls' && e.method === 'POST');
  assert.deepEqual([entry.status, entry.dropped, entry.portal, entry.host], [201, true, 62515, 'api.hubapi.com']);
  // `times: 1` is spent: the next create answers normally.
  assert.equal((await t.api('POST', '/crm/objects/2026-03/calls', { token: tok, body: callBody('ext-after-2') })).status, 201);
  await t.control('POST', 'config', { searchLagMs: 1500 });
});

test('drop "before" does not process the request', async () => {
  await t.control('POST', 'faults', { path: '/calls$', drop: 'before', times: 1 });
  await assert.rejects(t.api('POST', '/crm/objects/2026-03/calls', { token: tok, body: callBody('ext-drop-before') }));
  assert.equal((await t.control('GET', 'calls')).json.filter((c) => c.properties.hs_call_external_id === 'ext-drop-before').length, 0);
});

test('status/body/headers replace the answer without processing; delayMs delays; DELETE clears', async () => {
  await t.control('POST', 'faults', { method: 'PATCH', path: '^/crm/objects/2026-03/tasks/', status: 502, body: { status: 'error', message: 'Bad gateway' }, headers: { 'Retry-After': '1' }, times: 2 });
  for (let i = 0; i < 2; i++) {
    const r = await t.api('PATCH', '/crm/objects/2026-03/tasks/70002', { token: tok, body: { properties: { hs_task_status: 'COMPLETED' } } });
    assert.deepEqual([r.status, r.json.message, r.headers['retry-after']], [502, 'Bad gateway', '1']);
  }
  assert.equal((await t.control('GET', 'tasks/70002')).json.properties.hs_task_status, 'NOT_STARTED');
  await t.control('POST', 'faults', { path: '^/account-info/', delayMs: 300 });
  const t0 = Date.now();
  const r = await t.api('GET', '/account-info/2026-03/details', { token: tok });
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t0 >= 290);
  await t.control('DELETE', 'faults');
  assert.deepEqual((await t.control('GET', 'faults')).json, []);
  assert.equal((await t.control('POST', 'faults', { path: '(' })).status, 400);
  assert.equal((await t.control('POST', 'faults', { path: 'x', drop: 'sideways' })).status, 400);
  assert.equal((await t.control('POST', 'config', { nope: 1 })).status, 400);
});

test('reset restores the seed and drops tokens; control routes are not HubSpot routes', async () => {
  await t.api('PATCH', '/crm/objects/2026-03/tasks/70004', { token: tok, body: { properties: { hs_task_status: 'COMPLETED' } } });
  await t.control('POST', 'reset');
  assert.equal((await t.control('GET', 'tasks/70004')).json.properties.hs_task_status, 'NOT_STARTED');
  assert.deepEqual((await t.control('GET', 'calls')).json, []);
  assert.equal((await t.api('GET', '/account-info/2026-03/details', { token: tok })).status, 401);
  assert.equal((await t.control('GET', 'nope')).status, 404);
  tok = (await t.control('POST', 'tokens', { userId: 1001 })).json.access_token;
});
