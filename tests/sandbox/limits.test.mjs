// HubSpot sandbox (tests layer): rate limits (API-FACTS §13): X-HubSpot-RateLimit-* headers on
// every non-search answer, 429 TEN_SECONDLY_ROLLING past the budget, search 5/s without headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { boot, CLIENT_ID, CLIENT_SECRET } from './harness.mjs';

let t;
let tok;
before(async () => {
  t = await boot();
  tok = (await t.control('POST', 'tokens', { userId: 1001 })).json.access_token;
});
after(async () => { await t.close(); });

test('standard calls carry rate headers and hit 429 TEN_SECONDLY_ROLLING past the budget', async () => {
  await t.control('POST', 'config', { rateLimitMax: 5, rateLimitIntervalMs: 600 });
  const sam = (await t.control('POST', 'tokens', { userId: 1002 })).json.access_token;
  const remaining = [];
  for (let i = 0; i < 5; i++) {
    const r = await t.api('GET', '/crm/objects/2026-03/contacts/201', { token: i % 2 ? sam : tok });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-hubspot-ratelimit-max'], '5');
    assert.equal(r.headers['x-hubspot-ratelimit-interval-milliseconds'], '600');
    remaining.push(r.headers['x-hubspot-ratelimit-remaining']);
  }
  // The budget is per portal: both reps drew from it.
  assert.deepEqual(remaining, ['4', '3', '2', '1', '0']);
  // OAuth endpoints are not counted.
  const intro = await t.form('/oauth/2026-03/token/introspect', { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, token: tok });
  assert.equal(intro.status, 200);
  const r = await t.api('GET', '/crm/owners/2026-03', { token: tok });
  assert.equal(r.status, 429);
  assert.equal(r.json.policyName, 'TEN_SECONDLY_ROLLING');
  assert.equal(r.json.errorType, 'RATE_LIMIT');
  assert.equal(r.json.status, 'error');
  assert.equal(r.headers['x-hubspot-ratelimit-remaining'], '0');
  // The EU portal has its own budget.
  const eu = (await t.control('POST', 'tokens', { userId: 2002 })).json.access_token;
  assert.equal((await t.api('GET', '/account-info/2026-03/details', { token: eu })).status, 200);
  await new Promise((res) => setTimeout(res, 650));
  assert.equal((await t.api('GET', '/crm/owners/2026-03', { token: tok })).status, 200);
  await t.control('POST', 'config', { rateLimitMax: 110, rateLimitIntervalMs: 10000 });
});

test('the portal\'s other reps spend the same window (otherRepsUsage): fewer remain, and the window fills sooner', async () => {
  await t.control('POST', 'reset', { keepTokens: true });
  await t.control('POST', 'config', { rateLimitMax: 10, otherRepsUsage: 7 });
  const seen = [];
  for (let i = 0; i < 4; i++) {
    const r = await t.api('GET', '/crm/objects/2026-03/contacts/201', { token: tok });
    seen.push(r.status === 200 ? r.headers['x-hubspot-ratelimit-remaining'] : r.status);
  }
  assert.deepEqual(seen, ['2', '1', '0', 429]);
  const exempt = await t.api('POST', '/crm/associations/2026-03/contacts/calls/batch/read', { token: tok, body: { inputs: [{ id: '201' }] } });
  assert.equal(exempt.headers['x-hubspot-ratelimit-remaining'], '0', 'an exempt read reports the shared window');
  assert.equal((await t.control('POST', 'config', { otherRepsUsage: -1 })).status, 400);
  await t.control('POST', 'reset', { keepTokens: true });
});

test('search: no rate headers, 5 per second per portal, then 429 SECONDLY; not counted in the 10 s budget', async () => {
  await t.control('POST', 'config', { rateLimitMax: 2, rateLimitIntervalMs: 900 });
  await new Promise((res) => setTimeout(res, 1000));
  const statuses = [];
  for (let i = 0; i < 6; i++) {
    const r = await t.api('POST', '/crm/objects/2026-03/contacts/search', { token: tok, body: { limit: 1 } });
    statuses.push(r.status);
    assert.equal(r.headers['x-hubspot-ratelimit-remaining'], undefined);
    assert.equal(r.headers['x-hubspot-ratelimit-max'], undefined);
    if (r.status === 429) assert.equal(r.json.policyName, 'SECONDLY');
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
  const std = await t.api('GET', '/crm/objects/2026-03/contacts/201', { token: tok });
  assert.equal(std.headers['x-hubspot-ratelimit-remaining'], '1');
  await t.control('POST', 'config', { rateLimitMax: 110, rateLimitIntervalMs: 10000 });
});

test('association batch reads are exempt from the ten-secondly window (§7) and carry its headers; search and standard unchanged', async () => {
  await t.control('POST', 'config', { rateLimitMax: 3, rateLimitIntervalMs: 900 });
  await new Promise((res) => setTimeout(res, 1000));
  const std = () => t.api('GET', '/crm/objects/2026-03/contacts/201', { token: tok });
  const assoc = () => t.api('POST', '/crm/associations/2026-03/contacts/calls/batch/read', { token: tok, body: { inputs: [{ id: '201' }, { id: '202' }] } });
  assert.equal((await std()).headers['x-hubspot-ratelimit-remaining'], '2');
  for (let i = 0; i < 5; i++) {
    const r = await assoc();
    assert.ok(r.status === 200 || r.status === 207, `answered: ${r.status}`);
    assert.equal(r.headers['x-hubspot-ratelimit-remaining'], '2', 'not counted');
    assert.equal(r.headers['x-hubspot-ratelimit-max'], '3');
  }
  assert.equal((await std()).headers['x-hubspot-ratelimit-remaining'], '1');
  assert.equal((await std()).headers['x-hubspot-ratelimit-remaining'], '0');
  assert.equal((await std()).status, 429, 'the window is full for standard requests');
  const full = await assoc();
  assert.ok(full.status === 200 || full.status === 207, 'a full window still answers association batch reads');
  assert.equal(full.headers['x-hubspot-ratelimit-remaining'], '0');
  // Other association routes are not exempt: a record's associations count as usual.
  assert.equal((await t.api('GET', '/crm/objects/2026-03/contacts/201/associations/calls', { token: tok })).status, 429);
  const search = await t.api('POST', '/crm/objects/2026-03/contacts/search', { token: tok, body: { limit: 1 } });
  assert.equal(search.status, 200, 'search keeps its own limit');
  await t.control('POST', 'config', { rateLimitMax: 110, rateLimitIntervalMs: 10000 });
});
