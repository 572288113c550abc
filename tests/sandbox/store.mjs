// HubSpot sandbox (tests layer): the in-memory portal data behind every route.
// Records keep their live properties (what GET-by-id sees) and a list of search versions, each
// visible from `visibleAt` on, which is how search's eventual consistency (§11) is modelled.
// Associations are stored on both records with HubSpot's paired type ids (§7).
import { buildSeed } from './seed.mjs';
import { OBJECT_TYPES } from './properties.mjs';

export const DEFAULT_CONFIG = {
  accessTokenTtlSeconds: 1800,
  searchLagMs: 1500,
  rateLimitMax: 110,
  rateLimitIntervalMs: 10_000,
  // Requests the portal's other reps hold in the standard window at every moment (§13: the
  // window is per portal, shared by every rep); 0 is a portal with this browser alone.
  otherRepsUsage: 0,
  searchRateLimitPerSecond: 5,
  // Associations per record in one association batch read before `paging` (§7: the docs fix
  // no size; 500 is what HubSpot's v4 record association reads allow per page).
  associationPageSize: 500,
  authCodeTtlSeconds: 300,
  loginUserId: 1001,
};

// Association type ids by direction (HUBSPOT_DEFINED) and their inverse (§7).
export const ASSOC_TYPES = {
  'contacts>companies': { typeId: 279, inverse: 280, primary: [1, 2] },
  'contacts>tasks': { typeId: 203, inverse: 204 },
  'contacts>calls': { typeId: 193, inverse: 194 },
  'tasks>contacts': { typeId: 204, inverse: 203 },
  'calls>contacts': { typeId: 194, inverse: 193 },
  'companies>contacts': { typeId: 280, inverse: 279 },
  'calls>companies': { typeId: 182, inverse: 181 },
  'companies>calls': { typeId: 181, inverse: 182 },
  'tasks>companies': { typeId: 192, inverse: 191 },
  'companies>tasks': { typeId: 191, inverse: 192 },
};

export function inverseTypeId(fromType, toType, typeId) {
  const spec = ASSOC_TYPES[`${fromType}>${toType}`];
  if (!spec) return null;
  if (spec.primary && typeId === spec.primary[0]) return spec.primary[1];
  return typeId === spec.typeId ? spec.inverse : null;
}

const iso = (ms) => new Date(ms).toISOString();

function emptyAssoc() {
  return { contacts: new Map(), companies: new Map(), tasks: new Map(), calls: new Map() };
}

function snapshotAssoc(assoc) {
  const out = {};
  for (const [type, m] of Object.entries(assoc)) out[type] = [...m.keys()];
  return out;
}

export function createState({ seed = 'demo', now = Date.now() } = {}) {
  const state = {
    seedName: seed,
    config: { ...DEFAULT_CONFIG },
    seq: 0,
    requestLog: [],
    faults: [],
    chaos: null,
    faultsFired: [],
    oauth: { codes: new Map(), access: new Map(), refresh: new Map(), consents: new Map() },
    rate: new Map(),
  };
  loadData(state, now);
  return state;
}

// Reset: fresh data, config, faults (scripted, random and the record of fired ones) and rate windows. The request log is emptied but its
// sequence keeps counting, so `since` cursors held by a test stay meaningful.
export function resetState(state, { keepTokens = false, now = Date.now() } = {}) {
  state.config = { ...DEFAULT_CONFIG };
  state.faults = [];
  state.chaos = null;
  state.faultsFired = [];
  state.requestLog = [];
  state.rate = new Map();
  if (!keepTokens) state.oauth = { codes: new Map(), access: new Map(), refresh: new Map(), consents: new Map() };
  loadData(state, now);
}

function loadData(state, now) {
  const seed = buildSeed(state.seedName, now);
  state.client = seed.client;
  state.users = new Map(seed.users.map((u) => [u.userId, u]));
  state.portals = new Map();
  for (const p of seed.portals) {
    const portal = {
      ...p,
      objects: { contacts: new Map(), companies: new Map(), tasks: new Map(), calls: new Map() },
      lists: new Map(),
      nextId: { calls: 90001, tasks: 79001, contacts: 9001, companies: 39001 },
      owners: [],
    };
    state.portals.set(p.portalId, portal);
    for (const u of seed.users) {
      const ownerId = u.owners[p.portalId];
      if (!ownerId) continue;
      portal.owners.push({
        id: String(ownerId), email: u.email, type: 'PERSON', firstName: u.firstName, lastName: u.lastName,
        userId: u.userId, userIdIncludingInactive: u.userId,
        createdAt: iso(now - 400 * 86_400_000), updatedAt: iso(now - 30 * 86_400_000), archived: false,
        teams: [{ id: String(p.portalId % 1000 + 1), name: 'Sales', primary: true }],
      });
    }
    const created = now - 90 * 86_400_000;
    for (const c of seed.companies[p.portalId]) {
      const { id, ...props } = c;
      insertRecord(portal, 'companies', id, props, created, 0);
    }
    seed.contacts[p.portalId].forEach((c, i) => {
      const { id, companyId, ...props } = c;
      insertRecord(portal, 'contacts', id, props, created + i * 60_000, 0);
      addAssociation(portal, 'contacts', id, 'companies', companyId, 279, 0);
      addAssociation(portal, 'contacts', id, 'companies', companyId, 1, 0);
    });
    seed.tasks[p.portalId].forEach((t, i) => {
      const { id, key, contactId, ...props } = t;
      props.hs_timestamp = iso(props.hs_timestamp);
      if (props.hs_task_completion_date) props.hs_task_completion_date = iso(props.hs_task_completion_date);
      const rec = insertRecord(portal, 'tasks', id, props, now - 7 * 86_400_000 + i * 1000, 0);
      rec.key = key;
      addAssociation(portal, 'tasks', id, 'contacts', contactId, 204, 0);
    });
    for (const l of seed.lists[p.portalId]) {
      portal.lists.set(l.listId, {
        ...l, createdAt: iso(now - 20 * 86_400_000), updatedAt: iso(now - 2 * 86_400_000),
        memberTimes: new Map((l.members || []).map((id, i) => [id, iso(now - 10 * 86_400_000 + i * 3_600_000)])),
      });
    }
  }
}

// Creates a record. `visibleAt` is when search starts to see it (0: at once).
export function insertRecord(portal, type, id, props, createdMs, visibleAt) {
  const t = OBJECT_TYPES[type];
  const properties = {};
  for (const [k, v] of Object.entries(props)) properties[k] = v === null || v === undefined ? '' : String(v);
  properties.hs_object_id = String(id);
  const [created, modified] = t.name === 'contacts' ? ['createdate', 'lastmodifieddate']
    : t.name === 'companies' ? ['createdate', 'hs_lastmodifieddate'] : ['hs_createdate', 'hs_lastmodifieddate'];
  properties[created] = iso(createdMs);
  properties[modified] = iso(createdMs);
  const rec = { id: String(id), type, properties, createdAt: createdMs, updatedAt: createdMs, archived: false,
    assoc: emptyAssoc(), versions: [] };
  rec.modifiedKey = modified;
  portal.objects[type].set(rec.id, rec);
  pushVersion(rec, visibleAt);
  return rec;
}

export function updateRecord(rec, changes, nowMs, visibleAt) {
  for (const [k, v] of Object.entries(changes)) rec.properties[k] = v;
  rec.properties[rec.modifiedKey] = iso(nowMs);
  rec.updatedAt = nowMs;
  pushVersion(rec, visibleAt);
}

function pushVersion(rec, visibleAt) {
  rec.versions.push({ visibleAt, properties: { ...rec.properties }, assoc: snapshotAssoc(rec.assoc),
    updatedAt: rec.updatedAt });
  // Keep history short: only versions that are not yet visible plus the newest visible one.
  while (rec.versions.length > 1 && rec.versions[1].visibleAt <= Date.now()) rec.versions.shift();
}

// What search sees of a record at `nowMs`: the newest version already visible, or null.
export function searchView(rec, nowMs) {
  let seen = null;
  for (const v of rec.versions) if (v.visibleAt <= nowMs) seen = v;
  return seen;
}

export function addAssociation(portal, fromType, fromId, toType, toId, typeId, visibleAt) {
  const from = portal.objects[fromType].get(String(fromId));
  const to = portal.objects[toType].get(String(toId));
  if (!from || !to) return false;
  const inv = inverseTypeId(fromType, toType, typeId);
  const add = (rec, type, id, tid) => {
    const m = rec.assoc[type];
    const list = m.get(String(id)) || [];
    if (!list.includes(tid)) list.push(tid);
    m.set(String(id), list);
  };
  add(from, toType, toId, typeId);
  if (inv !== null) add(to, fromType, fromId, inv);
  pushVersion(from, visibleAt);
  pushVersion(to, visibleAt);
  return true;
}

export function nextObjectId(portal, type) {
  const id = portal.nextId[type]++;
  return String(id);
}

export function ownerOfUser(portal, userId) {
  return portal.owners.find((o) => o.userId === userId) || null;
}

export function userPortals(state, userId) {
  const u = state.users.get(Number(userId));
  if (!u) return [];
  return Object.keys(u.owners).map(Number).map((id) => state.portals.get(id)).filter(Boolean);
}

// DYNAMIC lists compute membership from the live contacts; MANUAL lists keep their members.
export function listMembers(portal, list) {
  if (list.processingType === 'DYNAMIC') {
    const out = [];
    for (const c of portal.objects.contacts.values()) {
      if (!c.archived && (c.properties[list.filter.propertyName] || '').toLowerCase() === list.filter.value.toLowerCase()) {
        out.push({ recordId: c.id, membershipTimestamp: new Date(c.createdAt).toISOString() });
      }
    }
    return out.sort((a, b) => Number(a.recordId) - Number(b.recordId));
  }
  return [...list.memberTimes.entries()]
    .map(([recordId, membershipTimestamp]) => ({ recordId, membershipTimestamp }))
    .sort((a, b) => Number(a.recordId) - Number(b.recordId));
}
