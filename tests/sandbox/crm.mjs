// HubSpot sandbox (tests layer): CRM objects (get, create, update, batch read) and associations
// (record and batch reads) on /crm/objects/2026-03 and /crm/associations/2026-03 (§3-§7, §12).
// Property values are strings; unknown properties and bad enum values fail as on HubSpot; a write
// is seen by GET at once but by search only `searchLagMs` later (see store.mjs).
import { crmError, notFound, validation } from './errors.mjs';
import { OBJECT_TYPES, objectTypeOf, isSensitive } from './properties.mjs';
import { insertRecord, updateRecord, addAssociation, nextObjectId, ASSOC_TYPES } from './store.mjs';

const READ = ['crm.objects.contacts.read'];
const WRITE = ['crm.objects.contacts.write'];
const iso = (ms) => new Date(ms).toISOString();

// Which scope reads or writes a type: engagements (calls, tasks) use the contacts scopes (§2).
function scopeFor(type, write) {
  if (type.name === 'companies') return write ? ['crm.objects.companies.write'] : ['crm.objects.companies.read'];
  return write ? WRITE : READ;
}

export function wantedProperties(ctx, type, list) {
  const names = list ?? [];
  return names.length ? names : type.defaults;
}

// Parses `properties=a,b&properties=c` into a list (null when absent).
export function queryList(query, key) {
  const all = query.getAll(key);
  if (!all.length) return null;
  return all.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
}

// The record as HubSpot returns it: requested properties (null when unset) plus the always-on
// ones; unknown names are ignored; sensitive values only for a sensitive-scoped token.
export function present(ctx, type, rec, wanted, source = rec.properties, timestamps = rec) {
  const properties = {};
  for (const name of [...new Set([...wanted, ...type.always])].sort()) {
    const def = type.byName.get(name);
    if (!def) continue;
    if (isSensitive(def) && !ctx.sensitive) continue;
    const v = source[name];
    properties[name] = v === undefined || v === '' ? null : v;
  }
  return { id: rec.id, properties, createdAt: iso(rec.createdAt), updatedAt: iso(timestamps.updatedAt), archived: false };
}

function propertyErrors(problems) {
  return validation(`Property values were not valid: ${JSON.stringify(problems.map((p) => ({ isValid: false, message: p.message, error: p.code, name: p.name })))}`,
    { errors: problems.map((p) => ({ message: p.message, code: p.code, context: { propertyName: [p.name] } })) });
}

function parseDate(v) {
  if (typeof v === 'number' || /^\d{1,16}$/.test(String(v))) return Number(v);
  const t = Date.parse(String(v));
  return Number.isNaN(t) ? null : t;
}

// Validates and normalizes a properties object for a write. Returns {values} or {error}.
export function validateWrite(ctx, type, input, { creating }) {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { error: validation('properties must be an object') };
  const values = {};
  const problems = [];
  for (const [name, raw] of Object.entries(input)) {
    const def = type.byName.get(name);
    if (!def) { problems.push({ name, code: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` }); continue; }
    if (def.modificationMetadata.readOnlyValue) continue; // §5: read-only properties are ignored on update.
    if (raw !== null && !['string', 'number', 'boolean'].includes(typeof raw)) {
      problems.push({ name, code: 'INVALID_PROPERTY_VALUE', message: `${raw} is not a valid value for ${name}` });
      continue;
    }
    const v = raw === null ? '' : String(raw);
    if (v === '') { values[name] = ''; continue; }
    if (def.type === 'datetime') {
      const t = parseDate(v);
      if (t === null) { problems.push({ name, code: 'INVALID_DATE', message: `${v} is not a valid date for ${name}` }); continue; }
      values[name] = iso(t);
    } else if (def.type === 'number') {
      if (!/^-?\d+(\.\d+)?$/.test(v)) { problems.push({ name, code: 'INVALID_INTEGER', message: `${v} is not a valid number for ${name}` }); continue; }
      values[name] = v;
    } else if ((def.type === 'enumeration' || def.type === 'bool') && def.options.length && def.fieldType !== 'checkbox') {
      // Enumeration values are case-sensitive (§11).
      if (!def.options.some((o) => o.value === v)) {
        problems.push({ name, code: 'INVALID_OPTION', message: `${v} was not one of the allowed options: ${def.options.map((o) => o.value).join(', ')}` });
        continue;
      }
      values[name] = v;
    } else {
      values[name] = v;
    }
  }
  if ('hubspot_owner_id' in values && values.hubspot_owner_id !== '' && !ctx.portal.owners.some((o) => o.id === values.hubspot_owner_id)) {
    problems.push({ name: 'hubspot_owner_id', code: 'INVALID_OWNER_ID', message: `${values.hubspot_owner_id} is not a valid owner id` });
  }
  if (type.name === 'calls' && values.hs_call_disposition && !ctx.portal.dispositions.some((d) => d.id === values.hs_call_disposition)) {
    // HubSpot stores outcome GUIDs; one the portal doesn't have would show blank. We refuse it.
    problems.push({ name: 'hs_call_disposition', code: 'INVALID_OPTION', message: `${values.hs_call_disposition} is not a call outcome of this account` });
  }
  if (type.name === 'calls' && values.hs_call_duration && !/^\d+$/.test(values.hs_call_duration)) {
    problems.push({ name: 'hs_call_duration', code: 'INVALID_INTEGER', message: 'hs_call_duration must be whole milliseconds' });
  }
  if (creating && (type.name === 'calls' || type.name === 'tasks') && !values.hs_timestamp) {
    problems.push({ name: 'hs_timestamp', code: 'REQUIRED_PROPERTY', message: 'hs_timestamp is required' });
  }
  if (problems.length) return { error: propertyErrors(problems) };
  return { values };
}

// Inline associations on create: [{to:{id}, types:[{associationCategory, associationTypeId}]}].
function validateAssociations(ctx, type, input) {
  if (input === undefined) return { list: [] };
  if (!Array.isArray(input)) return { error: validation('associations must be an array') };
  const list = [];
  for (const a of input) {
    const toId = a && a.to && (typeof a.to.id === 'string' || typeof a.to.id === 'number') ? String(a.to.id) : null;
    if (!toId || !Array.isArray(a.types) || !a.types.length) return { error: validation('each association needs to.id and a non-empty types array') };
    for (const t of a.types) {
      const typeId = t && Number(t.associationTypeId);
      if (!t || t.associationCategory !== 'HUBSPOT_DEFINED' || !Number.isInteger(typeId)) {
        return { error: validation(`association type ${JSON.stringify(t)} is not valid; expected {associationCategory:"HUBSPOT_DEFINED", associationTypeId}`) };
      }
      const toType = Object.keys(OBJECT_TYPES).find((to) => {
        const spec = ASSOC_TYPES[`${type.name}>${to}`];
        return spec && (spec.typeId === typeId || (spec.primary && spec.primary[0] === typeId));
      });
      if (!toType) {
        return { error: crmError(400, 'VALIDATION_ERROR', `${typeId} is not a valid association type id for ${type.singular}`, { subCategory: 'crm.associations.INVALID_ASSOCIATION_TYPE' }) };
      }
      if (!ctx.portal.objects[toType].has(toId)) {
        return { error: crmError(400, 'VALIDATION_ERROR', `One or more associations are invalid: ${OBJECT_TYPES[toType].singular} ${toId} does not exist`,
          { subCategory: 'crm.associations.INVALID_OBJECT_IDS', context: { toObjectId: [toId] } }) };
      }
      list.push({ toType, toId, typeId });
    }
  }
  return { list };
}

function assocBlock(portal, rec, names) {
  const out = {};
  for (const n of names) {
    const to = objectTypeOf(n);
    if (!to || !rec.assoc[to.name]) continue;
    const results = [];
    for (const [id, typeIds] of rec.assoc[to.name]) {
      for (const tid of typeIds) results.push({ id, type: assocLabel(rec.type, to.name, tid) });
    }
    if (results.length) out[to.name] = { results };
  }
  return out;
}

function assocLabel(from, to, typeId) {
  const spec = ASSOC_TYPES[`${from}>${to}`];
  const base = `${OBJECT_TYPES[from].singular}_to_${OBJECT_TYPES[to].singular}`;
  if (spec && spec.primary && spec.primary[0] === typeId) return base;
  return from === 'contacts' && to === 'companies' ? `${base}_unlabeled` : base;
}

function getOne(ctx, type, id) {
  const denied = ctx.requireAnyScope(scopeFor(type, false));
  if (denied) return denied;
  const idProperty = ctx.query.get('idProperty');
  let rec;
  if (idProperty && idProperty !== 'hs_object_id') {
    if (type.name !== 'contacts' || idProperty !== 'email') return validation(`${idProperty} is not a unique property of ${type.name}`);
    rec = [...ctx.portal.objects.contacts.values()].find((r) => (r.properties.email || '').toLowerCase() === id.toLowerCase());
  } else {
    rec = ctx.portal.objects[type.name].get(id);
  }
  if (!rec || rec.archived) return notFound(`Object not found.  objectId are usually numeric.`);
  const body = present(ctx, type, rec, wantedProperties(ctx, type, queryList(ctx.query, 'properties')));
  const assoc = queryList(ctx.query, 'associations');
  if (assoc) {
    const block = assocBlock(ctx.portal, rec, assoc);
    if (Object.keys(block).length) body.associations = block;
  }
  return { status: 200, body };
}

function patchOne(ctx, type, id) {
  const denied = ctx.requireAnyScope(scopeFor(type, true));
  if (denied) return denied;
  const parsed = ctx.json();
  if (parsed.error) return parsed.error;
  const rec = ctx.portal.objects[type.name].get(id);
  if (!rec || rec.archived) return notFound('Object not found.  objectId are usually numeric.');
  if (!parsed.value || typeof parsed.value !== 'object') return validation('body must be {"properties":{...}}');
  const v = validateWrite(ctx, type, parsed.value.properties, { creating: false });
  if (v.error) return v.error;
  const now = Date.now();
  if (type.name === 'tasks' && 'hs_task_status' in v.values) {
    v.values.hs_task_completion_date = v.values.hs_task_status === 'COMPLETED' ? iso(now) : '';
  }
  updateRecord(rec, v.values, now, now + ctx.state.config.searchLagMs);
  return { status: 200, body: present(ctx, type, rec, [...type.defaults, ...Object.keys(v.values)]) };
}

// DELETE archives: the record goes to the recycle bin (API-FACTS §6) and disappears from reads
// and search; archiving one already archived or unknown is a 404, like a read.
function archiveOne(ctx, type, id) {
  const denied = ctx.requireAnyScope(scopeFor(type, true));
  if (denied) return denied;
  const rec = ctx.portal.objects[type.name].get(id);
  if (!rec || rec.archived) return notFound('Object not found.  objectId are usually numeric.');
  rec.archived = true;
  rec.updatedAt = Date.now();
  return { status: 204, body: null };
}

function create(ctx, type) {
  const denied = ctx.requireAnyScope(scopeFor(type, true));
  if (denied) return denied;
  const parsed = ctx.json();
  if (parsed.error) return parsed.error;
  const body = parsed.value;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return validation('body must be {"properties":{...},"associations":[...]}');
  const v = validateWrite(ctx, type, body.properties, { creating: true });
  if (v.error) return v.error;
  const a = validateAssociations(ctx, type, body.associations);
  if (a.error) return a.error;
  const now = Date.now();
  const visibleAt = now + ctx.state.config.searchLagMs;
  const id = nextObjectId(ctx.portal, type.name);
  const rec = insertRecord(ctx.portal, type.name, id, v.values, now, visibleAt);
  for (const x of a.list) addAssociation(ctx.portal, type.name, id, x.toType, x.toId, x.typeId, visibleAt);
  return { status: 201, body: present(ctx, type, rec, [...type.defaults, ...Object.keys(v.values)]) };
}

// What every object batch endpoint checks first (§12): the scope, a JSON body, and an `inputs`
// array of at most 100. Returns {body} or {error}.
function batchBody(ctx, type, writing) {
  const denied = ctx.requireAnyScope(scopeFor(type, writing));
  if (denied) return { error: denied };
  const parsed = ctx.json();
  if (parsed.error) return { error: parsed.error };
  const body = parsed.value;
  if (!body || !Array.isArray(body.inputs)) return { error: validation('inputs is required and must be an array') };
  if (body.inputs.length > 100) {
    return { error: validation(`Batch input limit exceeded: got ${body.inputs.length} inputs, the limit is 100.`, {
      errors: [{ message: 'size must be between 0 and 100', in: 'inputs', code: 'INVALID_INPUT_SIZE' }] }) };
  }
  return { body };
}

// A batch answer (§12): 200, or 207 naming in one OBJECT_NOT_FOUND error the ids that were not found.
function batchAnswer(type, verb, results, missing, startedAt) {
  const out = { status: 'COMPLETE', results, startedAt, completedAt: iso(Date.now()) };
  if (!missing.length) return { status: 200, body: out };
  out.numErrors = 1;
  out.errors = [{
    status: 'error', category: 'OBJECT_NOT_FOUND',
    message: `Could not ${verb} some ${type.label} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids: missing }, errors: [], links: {},
  }];
  return { status: 207, body: out };
}

function batchRead(ctx, type) {
  const { body, error } = batchBody(ctx, type, false);
  if (error) return error;
  if (body.properties !== undefined && (!Array.isArray(body.properties) || body.properties.some((p) => typeof p !== 'string'))) {
    return validation('properties must be an array of strings');
  }
  if (body.idProperty && body.idProperty !== 'hs_object_id' && !(type.name === 'contacts' && body.idProperty === 'email')) {
    return validation(`${body.idProperty} is not a unique property of ${type.name}`);
  }
  const ids = [];
  for (const input of body.inputs) {
    if (!input || (typeof input.id !== 'string' && typeof input.id !== 'number')) return validation('each input needs an id');
    ids.push(String(input.id));
  }
  const startedAt = iso(Date.now());
  const wanted = wantedProperties(ctx, type, body.properties);
  const found = new Map();
  const missing = [];
  for (const id of [...new Set(ids)]) {
    const rec = body.idProperty === 'email'
      ? [...ctx.portal.objects.contacts.values()].find((r) => (r.properties.email || '').toLowerCase() === id.toLowerCase())
      : ctx.portal.objects[type.name].get(id);
    if (rec && !rec.archived) found.set(rec.id, rec);
    else missing.push(id);
  }
  // HubSpot doesn't promise input order; we answer in id order so a client can't rely on it.
  const results = [...found.values()].sort((x, y) => Number(x.id) - Number(y.id)).map((r) => present(ctx, type, r, wanted));
  return batchAnswer(type, 'get', results, missing, startedAt);
}

// POST /crm/objects/{ver}/{type}/batch/update (§12): at most 100 inputs of {id, properties}.
// A malformed body or a refused property value fails the whole batch with 400 before anything
// is written (as one PATCH would); ids that do not exist (or are archived) are left out and
// named in a 207's OBJECT_NOT_FOUND error while the others are updated.
function batchUpdate(ctx, type) {
  const { body, error } = batchBody(ctx, type, true);
  if (error) return error;
  const updates = [];
  for (const input of body.inputs) {
    if (!input || (typeof input.id !== 'string' && typeof input.id !== 'number')) return validation('each input needs an id');
    if (!input.properties || typeof input.properties !== 'object') return validation('each input needs properties');
    const v = validateWrite(ctx, type, input.properties, { creating: false });
    if (v.error) return v.error;
    updates.push({ id: String(input.id), values: v.values });
  }
  if (new Set(updates.map((u) => u.id)).size !== updates.length) return validation('Duplicate IDs found in batch input');
  const startedAt = iso(Date.now());
  const now = Date.now();
  const results = [];
  const missing = [];
  for (const { id, values } of updates) {
    const rec = ctx.portal.objects[type.name].get(id);
    if (!rec || rec.archived) { missing.push(id); continue; }
    if (type.name === 'tasks' && 'hs_task_status' in values) {
      values.hs_task_completion_date = values.hs_task_status === 'COMPLETED' ? iso(now) : '';
    }
    updateRecord(rec, values, now, now + ctx.state.config.searchLagMs);
    results.push(present(ctx, type, rec, [...type.defaults, ...Object.keys(values)]));
  }
  results.sort((x, y) => Number(x.id) - Number(y.id));
  return batchAnswer(type, 'update', results, missing, startedAt);
}

export function safeDecode(s) {
  try { return decodeURIComponent(s); } catch { return null; }
}

// GET /crm/objects/{ver}/{type}?limit≤100&after=&properties= (id order, integer-string cursor).
function listAll(ctx, type) {
  const denied = ctx.requireAnyScope(scopeFor(type, false));
  if (denied) return denied;
  const limit = ctx.query.has('limit') ? Number(ctx.query.get('limit')) : 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return validation('limit must be an integer between 1 and 100');
  const after = ctx.query.has('after') ? ctx.query.get('after') : '0';
  if (!/^\d+$/.test(after)) return validation('after must be a paging cursor from a previous page');
  const recs = [...ctx.portal.objects[type.name].values()].filter((r) => !r.archived && Number(r.id) > Number(after))
    .sort((a, b) => Number(a.id) - Number(b.id));
  const page = recs.slice(0, limit);
  const wanted = wantedProperties(ctx, type, queryList(ctx.query, 'properties'));
  const body = { results: page.map((r) => present(ctx, type, r, wanted)) };
  if (recs.length > limit) body.paging = { next: { after: page.at(-1).id, link: `?after=${page.at(-1).id}` } };
  return { status: 200, body };
}

// /crm/objects/{ver}/...
export function objectsRoute(ctx, rest) {
  const seg = rest.split('/').filter(Boolean).map(safeDecode);
  if (seg.includes(null)) return validation('malformed percent-encoding in path');
  const type = objectTypeOf(seg[0]);
  if (!type) return seg.length ? validation(`Unable to infer object type from: ${seg[0]}`) : null;
  if (seg.length === 1 && ctx.method === 'POST') return create(ctx, type);
  if (seg.length === 1 && ctx.method === 'GET') return listAll(ctx, type);
  if (seg.length === 3 && seg[1] === 'batch' && seg[2] === 'read' && ctx.method === 'POST') return batchRead(ctx, type);
  if (seg.length === 3 && seg[1] === 'batch' && seg[2] === 'update' && ctx.method === 'POST') return batchUpdate(ctx, type);
  if (seg.length === 2 && seg[1] !== 'batch') {
    if (ctx.method === 'GET') return getOne(ctx, type, seg[1]);
    if (ctx.method === 'PATCH') return patchOne(ctx, type, seg[1]);
    if (ctx.method === 'DELETE') return archiveOne(ctx, type, seg[1]);
  }
  if (seg.length === 4 && seg[2] === 'associations' && ctx.method === 'GET') return recordAssociations(ctx, type, seg[1], seg[3]);
  return null;
}

// Archived records (recycle bin) are left out, as HubSpot leaves them out of association reads.
function toEntries(rec, toType, portal) {
  const live = (id) => !portal || !(portal.objects[toType.name].get(id) || {}).archived;
  return [...rec.assoc[toType.name].entries()].filter(([id]) => live(id)).map(([id, typeIds]) => ({
    toObjectId: id,
    associationTypes: typeIds.map((t) => ({ category: 'HUBSPOT_DEFINED', typeId: t, label: isPrimary(rec.type, toType.name, t) ? 'Primary' : null })),
  })).sort((a, b) => Number(a.toObjectId) - Number(b.toObjectId));
}

function isPrimary(from, to, typeId) {
  const spec = ASSOC_TYPES[`${from}>${to}`];
  return !!(spec && spec.primary && spec.primary[0] === typeId) || (from === 'companies' && to === 'contacts' && typeId === 2);
}

function recordAssociations(ctx, from, id, toSeg) {
  const to = objectTypeOf(toSeg);
  if (!to) return validation(`Unable to infer object type from: ${toSeg}`);
  const denied = ctx.requireAnyScope([...scopeFor(from, false), ...scopeFor(to, false)]);
  if (denied) return denied;
  const rec = ctx.portal.objects[from.name].get(id);
  if (!rec) return notFound(`${from.singular} ${id} does not exist`);
  return { status: 200, body: { results: toEntries(rec, to, ctx.portal) } };
}

// POST /crm/associations/{ver}/{from}/{to}/batch/read
export function associationsRoute(ctx, rest) {
  const seg = rest.split('/').filter(Boolean);
  if (!(seg.length === 4 && seg[2] === 'batch' && seg[3] === 'read' && ctx.method === 'POST')) return null;
  const from = objectTypeOf(seg[0]);
  const to = objectTypeOf(seg[1]);
  if (!from || !to) return validation(`Unable to infer object types from: ${seg[0]}, ${seg[1]}`);
  const denied = ctx.requireAnyScope([...scopeFor(from, false), ...scopeFor(to, false)]);
  if (denied) return denied;
  const parsed = ctx.json();
  if (parsed.error) return parsed.error;
  const inputs = parsed.value && parsed.value.inputs;
  if (!Array.isArray(inputs)) return validation('inputs is required and must be an array');
  if (inputs.length > 1000) return validation(`Batch input limit exceeded: got ${inputs.length} inputs, the limit is 1000.`);
  const startedAt = iso(Date.now());
  const results = [];
  const errors = [];
  const pageSize = ctx.state.config.associationPageSize;
  for (const input of inputs) {
    if (!input || (typeof input.id !== 'string' && typeof input.id !== 'number')) return validation('each input needs an id');
    const id = String(input.id);
    // Spec (batch/read): `after` from a result's `paging.next` goes back alongside the id for
    // the next page of that record's associations; `paging` is present only when there are more.
    const offset = input.after === undefined ? 0 : Number.parseInt(Buffer.from(String(input.after), 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(offset) || offset < 0) return validation(`invalid after for ${id}: ${input.after}`);
    const rec = ctx.portal.objects[from.name].get(id);
    const all = rec && !rec.archived ? toEntries(rec, to, ctx.portal) : [];
    const entries = all.slice(offset, offset + pageSize);
    if (entries.length) {
      const result = { from: { id }, to: entries };
      if (offset + pageSize < all.length) {
        const after = Buffer.from(String(offset + pageSize)).toString('base64url');
        result.paging = { next: { after, link: null } };
      }
      results.push(result);
    } else {
      errors.push({ status: 'error', category: 'OBJECT_NOT_FOUND', subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
        message: `No ${to.singular} is associated with ${from.singular} ${id}.`, context: { fromObjectId: [id] }, errors: [], links: {} });
    }
  }
  const body = { status: 'COMPLETE', results, startedAt, completedAt: iso(Date.now()) };
  if (!errors.length) return { status: 200, body };
  return { status: 207, body: { ...body, numErrors: errors.length, errors } };
}

