// HubSpot sandbox (tests layer): CRM search semantics (API-FACTS §11) — limits, operators,
// paging and the 10,000 ceiling, the associations pseudo-property, and eventual consistency.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { boot } from './harness.mjs';

let t;
let tok;
before(async () => {
  t = await boot({ seed: 'large' });
  tok = (await t.control('POST', 'tokens', { userId: 1001 })).json.access_token;
  // The 5/s search limit is tested in limits.test.mjs; here it would only slow things down.
  await t.control('POST', 'config', { searchRateLimitPerSecond: 1000 });
});
after(async () => { await t.close(); });

const search = (type, body) => t.api('POST', `/crm/objects/2026-03/${type}/search`, { token: tok, body });
const f = (propertyName, operator, value, extra = {}) => ({ propertyName, operator, value, ...extra });
const queue = (extra = {}) => ({
  filterGroups: [{ filters: [f('hs_task_type', 'EQ', 'CALL'), f('hs_task_status', 'NEQ', 'COMPLETED'), f('hubspot_owner_id', 'EQ', '501')] }],
  sorts: [{ propertyName: 'hs_timestamp', direction: 'ASCENDING' }], properties: ['hs_timestamp', 'hs_task_subject'], ...extra,
});

test('limits: 5 groups, 6 filters per group, 18 in total, one sort, limit ≤200, body ≤3000', async () => {
  const g = (n) => ({ filters: Array.from({ length: n }, () => f('hs_task_type', 'EQ', 'CALL')) });
  assert.equal((await search('tasks', { filterGroups: Array.from({ length: 6 }, () => g(1)) })).status, 400);
  assert.equal((await search('tasks', { filterGroups: [g(7)] })).status, 400);
  assert.equal((await search('tasks', { filterGroups: [g(6), g(6), g(6), g(1)] })).status, 400);
  assert.equal((await search('tasks', { filterGroups: [g(6), g(6), g(6)] })).status, 200);
  const two = await search('tasks', { sorts: [{ propertyName: 'hs_timestamp' }, { propertyName: 'hs_createdate' }] });
  assert.deepEqual([two.status, two.json.category], [400, 'VALIDATION_ERROR']);
  assert.equal((await search('tasks', { limit: 201 })).status, 400);
  assert.equal((await search('tasks', { limit: 200 })).json.results.length, 200);
  assert.equal((await search('tasks', { query: 'x'.repeat(3000) })).status, 400);
  assert.equal((await search('tasks', { filterGroups: [{ filters: [f('nope', 'EQ', '1')] }] })).status, 400);
  assert.equal((await search('tasks', { filterGroups: [{ filters: [f('hs_timestamp', 'LT', 'tomorrow')] }] })).status, 400);
  assert.equal((await search('tasks', { after: '9990', limit: 20 })).status, 400);
});

test('default limit is 10; after-paging walks every result exactly once', async () => {
  const first = await search('tasks', queue({ limit: undefined }));
  assert.equal(first.json.results.length, 10);
  assert.ok(first.json.total > 1000);
  const seen = [];
  let after;
  let prev = -Infinity;
  do {
    const r = await search('tasks', queue({ limit: 200, after }));
    assert.equal(r.status, 200);
    for (const x of r.json.results) {
      const ts = Date.parse(x.properties.hs_timestamp);
      assert.ok(ts >= prev, 'sorted by due time');
      prev = ts;
      seen.push(x.id);
    }
    after = r.json.paging?.next?.after;
  } while (after);
  assert.equal(seen.length, first.json.total);
  assert.equal(new Set(seen).size, seen.length);
  assert.ok(!seen.includes('70015'), "the other rep's tasks are not in the queue");
  assert.ok(!seen.includes('70013'), 'EMAIL tasks are not in the queue');
  assert.ok(!seen.includes('70011'), 'completed tasks are not in the queue');
});

test('demo queue order and unrequested properties absent', async () => {
  const r = await search('tasks', queue({ limit: 20, filterGroups: [{ filters: [...queue().filterGroups[0].filters, f('hs_task_subject', 'NOT_CONTAINS_TOKEN', 'bulk')] }] }));
  assert.deepEqual(r.json.results.map((x) => x.id), ['70003', '70005', '70007', '70002', '70006', '70010', '70004', '70008', '70001', '70009']);
  assert.deepEqual(Object.keys(r.json.results[0].properties).sort(), ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id', 'hs_task_subject', 'hs_timestamp']);
});

test('operators: OR of groups, BETWEEN, IN lowercase rule, enums case-sensitive, tokens, has-property', async () => {
  const ids = async (type, filterGroups, extra = {}) => (await search(type, { filterGroups, limit: 200, ...extra })).json.results.map((x) => x.id);
  assert.deepEqual(await ids('contacts', [{ filters: [f('firstname', 'EQ', 'ana')] }, { filters: [f('lastname', 'EQ', 'OKAFOR')] }]), ['201', '202']);
  assert.deepEqual(await ids('tasks', [{ filters: [f('hs_task_type', 'EQ', 'call'), f('hubspot_owner_id', 'EQ', '501')] }]), []);
  assert.deepEqual(await ids('contacts', [{ filters: [{ propertyName: 'country', operator: 'IN', values: ['france', 'japan'] }] }]), ['208', '212']);
  assert.deepEqual(await ids('contacts', [{ filters: [{ propertyName: 'country', operator: 'IN', values: ['France'] }] }]), []);
  assert.deepEqual(await ids('contacts', [{ filters: [f('email', 'CONTAINS_TOKEN', '*northwind*')] }]), ['201', '222', '235']);
  assert.deepEqual(await ids('contacts', [{ filters: [f('mobilephone', 'NOT_HAS_PROPERTY'), f('country', 'EQ', 'germany')] }]), ['220', '233']);
  const now = Date.now();
  const soon = await ids('tasks', [{ filters: [f('hs_timestamp', 'BETWEEN', String(now), { highValue: String(now + 2 * 3600_000) }), f('hs_task_subject', 'NOT_CONTAINS_TOKEN', 'bulk')] }]);
  // BETWEEN is GTE and LTE together; the tasks due in 30 and 90 minutes are in, overdue ones out
  // (which others fall in depends on the hour: the seed keeps "later today" tasks today).
  const both = await ids('tasks', [{ filters: [f('hs_timestamp', 'GTE', String(now)), f('hs_timestamp', 'LTE', String(now + 2 * 3600_000)),
    f('hs_task_subject', 'NOT_CONTAINS_TOKEN', 'bulk')] }]);
  assert.deepEqual(soon.sort(), both.sort());
  assert.ok(soon.includes('70002') && soon.includes('70006') && !soon.includes('70003'), soon.join());
  assert.deepEqual(await ids('tasks', [{ filters: [f('associations.contact', 'EQ', '202'), f('hs_task_subject', 'NOT_CONTAINS_TOKEN', 'bulk')] }]), ['70003']);
  const q = await search('contacts', { query: 'weiss', properties: ['phone'] });
  assert.deepEqual(q.json.results.map((x) => [x.id, x.properties.phone]), [['204', '030 901820']]);
});

test('eventual consistency: a new call reaches search only after searchLagMs; GET sees it at once', async () => {
  await t.control('POST', 'config', { searchLagMs: 400 });
  const body = { properties: { hs_timestamp: String(Date.now()), hs_call_external_id: 'ext-lag-1', hs_call_title: 'lag' },
    associations: [{ to: { id: '203' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] }] };
  const c = await t.api('POST', '/crm/objects/2026-03/calls', { token: tok, body });
  assert.equal(c.status, 201);
  const lookup = () => search('calls', { filterGroups: [{ filters: [f('hs_call_external_id', 'EQ', 'ext-lag-1')] }], properties: ['hs_call_external_id'] });
  assert.equal((await lookup()).json.total, 0);
  assert.equal((await t.api('GET', `/crm/objects/2026-03/calls/${c.json.id}`, { token: tok })).status, 200);
  await new Promise((r) => setTimeout(r, 450));
  const later = await lookup();
  assert.deepEqual(later.json.results.map((x) => x.id), [c.json.id]);
  // An update is also late: the old status stays searchable for the lag.
  await t.api('PATCH', '/crm/objects/2026-03/tasks/70003', { token: tok, body: { properties: { hs_task_status: 'COMPLETED' } } });
  const still = await search('tasks', { filterGroups: [{ filters: [f('hs_object_id', 'EQ', '70003'), f('hs_task_status', 'NEQ', 'COMPLETED')] }] });
  assert.equal(still.json.total, 1);
  await new Promise((r) => setTimeout(r, 450));
  const gone = await search('tasks', { filterGroups: [{ filters: [f('hs_object_id', 'EQ', '70003'), f('hs_task_status', 'NEQ', 'COMPLETED')] }] });
  assert.equal(gone.json.total, 0);
  await t.control('POST', 'config', { searchLagMs: 1500 });
});

test('10,000-result ceiling: paging past it is a 400', async () => {
  assert.equal((await search('tasks', { after: '9800', limit: 200 })).status, 200);
  const beyond = await search('tasks', { after: '10000', limit: 1 });
  assert.deepEqual([beyond.status, beyond.json.category], [400, 'VALIDATION_ERROR']);
});
