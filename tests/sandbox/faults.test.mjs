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

test('chaos: a seed replays the same faults; every kind answers as HubSpot does; fired faults are counted', async () => {
  await t.control('POST', 'reset');
  tok = (await t.control('POST', 'tokens', { userId: 1001 })).json.access_token;
  const kinds = ['status-500', 'status-502', 'status-503', 'status-423', '429-ten-secondly', '429-daily'];
  // Twenty reads under one seed, twice: the same requests get the same faults.
  const run = async () => {
    await t.control('POST', 'chaos', { seed: 1234, rate: 0.5, method: 'GET', path: '^/account-info/', kinds });
    const out = [];
    for (let i = 0; i < 20; i++) out.push((await t.api('GET', '/account-info/2026-03/details', { token: tok })).status);
    return out;
  };
  const first = await run();
  assert.deepEqual(await run(), first, 'the seed replays');
  assert.ok(first.filter((s) => s === 200).length >= 3 && first.filter((s) => s !== 200).length >= 3, first.join(','));
  const fired = (await t.control('GET', 'faults/fired')).json;
  assert.equal(Object.values(fired.counts).reduce((a, b) => a + b, 0), 2 * first.filter((s) => s !== 200).length);
  assert.equal(fired.chaos.seed, 1234);
  const log = (await t.control('GET', 'requests')).json;
  assert.ok(log.filter((e) => e.fault).every((e) => kinds.includes(e.fault)), 'each request names its fault');
  await t.control('DELETE', 'chaos');

  // One request of each kind: the answer HubSpot (§13, §14) or a gateway gives.
  const one = async (kind, path = '/account-info/2026-03/details', token = tok) => {
    await t.control('POST', 'chaos', { seed: 1, rate: 1, path: '^/account-info/', kinds: [kind] });
    const r = await t.api('GET', path, { token });
    await t.control('DELETE', 'chaos');
    return r;
  };
  assert.deepEqual(((r) => [r.status, r.json.category])(await one('status-500')), [500, 'INTERNAL_ERROR']);
  assert.deepEqual(((r) => [r.status, r.json.category])(await one('status-503')), [503, 'SERVICE_UNAVAILABLE']);
  assert.equal((await one('status-423')).status, 423);
  const gateway = await one('status-502');
  assert.deepEqual([gateway.status, /text\/html/.test(gateway.headers['content-type'])], [502, true]);
  const ten = await one('429-ten-secondly');
  assert.deepEqual([ten.status, ten.json.policyName, ten.json.errorType, ten.headers['x-hubspot-ratelimit-remaining']], [429, 'TEN_SECONDLY_ROLLING', 'RATE_LIMIT', '0']);
  const daily = await one('429-daily');
  assert.deepEqual([daily.status, daily.json.policyName, daily.json.message], [429, 'DAILY', 'You have reached your daily limit.']);
  const expired = await one('token-expired');
  assert.deepEqual([expired.status, expired.json.category], [401, 'EXPIRED_AUTHENTICATION']);
  const pair = (await t.control('POST', 'tokens', { userId: 1001 })).json;
  tok = pair.access_token;
  const revoked = await one('token-revoked');
  assert.deepEqual([revoked.status, revoked.json.category], [401, 'INVALID_AUTHENTICATION']);
  // The grant is gone, not just the access token: its refresh token is refused too.
  const refresh = await t.form('/oauth/2026-03/token', { grant_type: 'refresh_token', refresh_token: pair.refresh_token,
    client_id: 'spotdial-sandbox-client', client_secret: 'sandbox-client-secret' });
  assert.deepEqual([refresh.status, refresh.json.error], [400, 'invalid_grant']);
  tok = (await t.control('POST', 'tokens', { userId: 1001 })).json.access_token;
  await assert.rejects(one('drop-before'));
  // `cover`: the first matching requests meet every kind once, even at rate 0; then none.
  await t.control('POST', 'chaos', { seed: 7, rate: 0, method: 'GET', path: '^/account-info/', kinds, cover: true });
  const seen = [];
  for (let i = 0; i < kinds.length; i++) seen.push((await t.api('GET', '/account-info/2026-03/details', { token: tok })).status);
  assert.deepEqual([...new Set(seen)].sort(), [423, 429, 500, 502, 503]);
  const lastFaults = (await t.control('GET', 'requests')).json.slice(-kinds.length).map((e) => e.fault);
  assert.deepEqual([...lastFaults].sort(), [...kinds].sort(), 'each kind exactly once');
  assert.equal((await t.control('GET', 'chaos')).json.chaos.hits, kinds.length);
  assert.equal((await t.api('GET', '/account-info/2026-03/details', { token: tok })).status, 200, 'rate 0 after the cover');
  await t.control('DELETE', 'chaos');
  assert.equal((await t.control('POST', 'chaos', { seed: 1, rate: 2, path: 'x' })).status, 400);
  assert.equal((await t.control('POST', 'chaos', { seed: 1, rate: 0.1, path: 'x', kinds: ['gremlins'] })).status, 400);
  const counts = (await t.control('GET', 'faults/fired')).json.counts;
  for (const k of ['status-500', 'status-502', 'token-expired', 'token-revoked', 'drop-before']) assert.ok(counts[k] >= 1, k);
  await t.control('POST', 'reset');
  assert.deepEqual((await t.control('GET', 'faults/fired')).json.counts, {}, 'reset clears the record');
  tok = (await t.control('POST', 'tokens', { userId: 1001 })).json.access_token;
});
