// HubSpot sandbox (tests layer): POST /crm/objects/2026-03/{type}/search (API-FACTS §11).
// Groups OR, filters AND; 5 groups / 6 filters / 18 total; one sort; limit ≤200 (default 10);
// `after` paging up to 10,000 results; body ≤3,000 characters; enum matching case-sensitive.
// It reads each record's search version, so writes show up only after `searchLagMs`.
import { validation } from './errors.mjs';
import { objectTypeOf, isSensitive } from './properties.mjs';
import { searchView } from './store.mjs';
import { present } from './crm.mjs';

const OPERATORS = new Set(['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY',
  'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN']);
const ASSOC_OPS = new Set(['EQ', 'NEQ', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY']);
const SEARCHABLE = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'mobilephone', 'company', 'fax', 'hs_additional_emails'],
  companies: ['name', 'domain', 'phone', 'website'],
  tasks: ['hs_task_subject', 'hs_task_body'],
  calls: ['hs_call_title', 'hs_call_body'],
};

const isStr = (v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function parseDate(v) {
  const s = String(v);
  if (/^-?\d{1,16}$/.test(s)) return Number(s);
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

// Compiles one filter into a predicate over a search version, or returns {error}.
function compileFilter(type, f, i) {
  if (!f || typeof f !== 'object' || Array.isArray(f)) return { error: `filter ${i} must be an object` };
  const { propertyName, operator } = f;
  if (typeof propertyName !== 'string' || !propertyName) return { error: `filter ${i}: propertyName is required` };
  if (!OPERATORS.has(operator)) return { error: `filter ${i}: operator ${operator} is not one of ${[...OPERATORS].join(', ')}` };
  const needsValue = !['HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'IN', 'NOT_IN'].includes(operator);
  if (needsValue && !isStr(f.value)) return { error: `filter ${i}: ${operator} needs a value` };
  if ((operator === 'IN' || operator === 'NOT_IN') && (!Array.isArray(f.values) || !f.values.length || !f.values.every(isStr))) {
    return { error: `filter ${i}: ${operator} needs a non-empty values array` };
  }
  if (operator === 'BETWEEN' && !isStr(f.highValue)) return { error: `filter ${i}: BETWEEN needs value and highValue` };

  const assoc = /^associations\.(\w+)$/.exec(propertyName);
  if (assoc) {
    const to = objectTypeOf(assoc[1]);
    if (!to) return { error: `filter ${i}: ${propertyName} is not a supported association` };
    if (!ASSOC_OPS.has(operator)) return { error: `filter ${i}: ${operator} is not supported on ${propertyName}` };
    const ids = (v) => v.assoc[to.name] || [];
    const vals = (f.values || [f.value]).map(String);
    return {
      fn: {
        EQ: (v) => ids(v).includes(String(f.value)), NEQ: (v) => !ids(v).includes(String(f.value)),
        IN: (v) => vals.some((x) => ids(v).includes(x)), NOT_IN: (v) => !vals.some((x) => ids(v).includes(x)),
        HAS_PROPERTY: (v) => ids(v).length > 0, NOT_HAS_PROPERTY: (v) => ids(v).length === 0,
      }[operator],
    };
  }
  const def = type.byName.get(propertyName);
  if (!def) return { error: `filter ${i}: Property ${propertyName} does not exist on ${type.name}` };
  if (def.dataSensitivity === 'highly_sensitive') return { error: `filter ${i}: highly sensitive properties are not searchable` };

  const kind = def.type === 'number' ? 'number' : def.type === 'datetime' ? 'date' : (def.type === 'enumeration' || def.type === 'bool') ? 'enum' : 'string';
  let conv;
  if (kind === 'number') conv = (x) => (/^-?\d+(\.\d+)?$/.test(String(x)) ? Number(x) : null);
  else if (kind === 'date') conv = parseDate;
  else if (kind === 'enum') conv = (x) => String(x); // enumerations are case-sensitive (§11)
  else conv = (x) => String(x).toLowerCase();
  const checkArg = (x) => (conv(x) === null ? `filter ${i}: ${x} is not a valid ${kind} for ${propertyName}` : null);
  for (const x of [...(needsValue ? [f.value] : []), ...(operator === 'BETWEEN' ? [f.highValue] : [])]) {
    if (!['CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN'].includes(operator)) {
      const e = checkArg(x);
      if (e) return { error: e };
    }
  }
  const get = (v) => {
    const raw = v.properties[propertyName];
    return raw === undefined || raw === '' ? null : raw;
  };
  const cmp = (v, test) => { const raw = get(v); if (raw === null) return false; const a = conv(raw); return a !== null && test(a); };
  const val = needsValue ? conv(f.value) : null;
  // IN / NOT_IN: string values must be lowercase (§11); we compare the lowered stored value with
  // the values as sent, so an uppercase value for a text property never matches.
  const set = f.values ? f.values.map((x) => (kind === 'string' ? String(x) : conv(x))) : [];
  const inSet = (v) => { const raw = get(v); if (raw === null) return false; const a = conv(raw); return set.some((x) => x === a); };
  const tokenRe = () => new RegExp(`^${String(f.value).toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  const hasToken = (v) => {
    const raw = get(v);
    if (raw === null) return false;
    const re = tokenRe();
    const s = String(raw).toLowerCase();
    return re.test(s) || s.split(/[^\p{L}\p{N}@._+-]+/u).some((t) => t && re.test(t));
  };
  return {
    fn: {
      EQ: (v) => cmp(v, (a) => a === val),
      NEQ: (v) => !cmp(v, (a) => a === val),
      LT: (v) => cmp(v, (a) => a < val), LTE: (v) => cmp(v, (a) => a <= val),
      GT: (v) => cmp(v, (a) => a > val), GTE: (v) => cmp(v, (a) => a >= val),
      BETWEEN: (v) => cmp(v, (a) => a >= val && a <= conv(f.highValue)),
      IN: inSet, NOT_IN: (v) => !inSet(v),
      HAS_PROPERTY: (v) => get(v) !== null, NOT_HAS_PROPERTY: (v) => get(v) === null,
      CONTAINS_TOKEN: hasToken, NOT_CONTAINS_TOKEN: (v) => !hasToken(v),
    }[operator],
  };
}

function parseRequest(type, body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { error: 'body must be a JSON object' };
  const groups = body.filterGroups ?? [];
  if (!Array.isArray(groups)) return { error: 'filterGroups must be an array' };
  if (groups.length > 5) return { error: `Too many filter groups: ${groups.length}, the limit is 5` };
  let total = 0;
  const compiled = [];
  for (const [gi, g] of groups.entries()) {
    const filters = g && g.filters;
    if (!Array.isArray(filters)) return { error: `filterGroups[${gi}].filters must be an array` };
    if (filters.length > 6) return { error: `Too many filters in group ${gi}: ${filters.length}, the limit is 6` };
    total += filters.length;
    const fns = [];
    for (const [fi, f] of filters.entries()) {
      const c = compileFilter(type, f, `${gi}.${fi}`);
      if (c.error) return { error: c.error };
      fns.push(c.fn);
    }
    compiled.push(fns);
  }
  if (total > 18) return { error: `Too many filters: ${total}, the limit is 18 across all groups` };

  const sorts = body.sorts ?? [];
  if (!Array.isArray(sorts)) return { error: 'sorts must be an array' };
  if (sorts.length > 1) return { error: 'Only one sort is allowed' };
  let sort = null;
  if (sorts.length) {
    const s = sorts[0];
    // §11/§17.5: the spec types a sort as a string, the docs as an object; we take the documented object.
    if (!s || typeof s !== 'object' || typeof s.propertyName !== 'string') return { error: 'sorts[0] must be {"propertyName","direction"}' };
    const dir = s.direction ?? 'ASCENDING';
    if (dir !== 'ASCENDING' && dir !== 'DESCENDING') return { error: 'sort direction must be ASCENDING or DESCENDING' };
    const def = type.byName.get(s.propertyName);
    if (!def) return { error: `Property ${s.propertyName} does not exist on ${type.name}` };
    sort = { def, desc: dir === 'DESCENDING' };
  }

  const limit = body.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 0) return { error: 'limit must be a non-negative integer' };
  if (limit > 200) return { error: `limit ${limit} is larger than the maximum of 200` };
  let after = 0;
  if (body.after !== undefined && body.after !== null && body.after !== '') {
    if (!/^\d+$/.test(String(body.after))) return { error: 'after must be a paging cursor (an integer string) from a previous page' };
    after = Number(body.after);
  }
  if (after + limit > 10_000) return { error: 'Search results are limited to 10,000; page with narrower filters' };
  if (body.properties !== undefined && (!Array.isArray(body.properties) || !body.properties.every((p) => typeof p === 'string'))) {
    return { error: 'properties must be an array of strings' };
  }
  if (body.query !== undefined && typeof body.query !== 'string') return { error: 'query must be a string' };
  return { compiled, sort, limit, after, properties: body.properties, query: body.query };
}

function sortKey(def, v) {
  const raw = v.properties[def.name];
  if (raw === undefined || raw === '') return null;
  if (def.type === 'number') return Number(raw);
  if (def.type === 'datetime') return parseDate(raw);
  return String(raw).toLowerCase();
}

export function searchRoute(ctx, typeSeg) {
  if (ctx.method !== 'POST') return null;
  const type = objectTypeOf(typeSeg);
  if (!type) return validation(`Unable to infer object type from: ${typeSeg}`);
  const denied = ctx.requireAnyScope(type.name === 'companies' ? ['crm.objects.companies.read'] : ['crm.objects.contacts.read']);
  if (denied) return denied;
  const text = ctx.body.toString('utf8');
  if (text.length > 3000) return validation(`Request body is ${text.length} characters; the search limit is 3000`);
  const parsed = ctx.json();
  if (parsed.error) return parsed.error;
  const req = parseRequest(type, parsed.value);
  if (req.error) return validation(req.error);

  const now = Date.now();
  const queryTokens = req.query ? req.query.toLowerCase().split(/\s+/).filter(Boolean) : [];
  const hits = [];
  for (const rec of ctx.portal.objects[type.name].values()) {
    if (rec.archived) continue;
    const v = searchView(rec, now);
    if (!v) continue;
    if (req.compiled.length && !req.compiled.some((group) => group.every((fn) => fn(v)))) continue;
    if (queryTokens.length) {
      const hay = SEARCHABLE[type.name].map((p) => v.properties[p] || '').join(' ').toLowerCase();
      const words = hay.split(/[^\p{L}\p{N}@._+-]+/u);
      if (!queryTokens.every((q) => words.some((w) => w.startsWith(q)) || hay.includes(q))) continue;
    }
    hits.push({ rec, v });
  }
  if (req.sort) {
    const { def, desc } = req.sort;
    hits.sort((a, b) => {
      const x = sortKey(def, a.v);
      const y = sortKey(def, b.v);
      if (x === y) return Number(a.rec.id) - Number(b.rec.id);
      if (x === null) return 1; // unset values last either way
      if (y === null) return -1;
      return (x < y ? -1 : 1) * (desc ? -1 : 1);
    });
  } else {
    hits.sort((a, b) => a.rec.createdAt - b.rec.createdAt || Number(a.rec.id) - Number(b.rec.id));
  }
  const wanted = req.properties && req.properties.length ? req.properties : type.defaults;
  const page = hits.slice(req.after, req.after + req.limit);
  const results = page.map(({ rec, v }) => present(ctx, type, rec, wanted.filter((n) => {
    const d = type.byName.get(n);
    return !(d && isSensitive(d) && !ctx.sensitive);
  }), v.properties, v));
  const body = { total: hits.length, results };
  const next = req.after + req.limit;
  if (req.limit > 0 && next < hits.length) {
    body.paging = { next: { after: String(next), link: `?after=${next}` } };
  }
  return { status: 200, body };
}
