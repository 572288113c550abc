// HubSpot sandbox (tests layer): the Lists API reads on /crm/lists/2026-03 (API-FACTS §9).
// POST search, GET {listId}, GET {listId}/memberships (sorted by recordId, ≤250 per page with an
// opaque `after` cursor). Every route needs crm.lists.read.
import { notFound, validation } from './errors.mjs';
import { listMembers } from './store.mjs';

function listShape(portal, list, includeFilters) {
  const members = listMembers(portal, list);
  const last = members.map((m) => m.membershipTimestamp).sort().at(-1) || null;
  const out = {
    listId: list.listId, listVersion: 3, name: list.name, objectTypeId: '0-1', processingType: list.processingType,
    processingStatus: 'COMPLETE', createdAt: list.createdAt, updatedAt: list.updatedAt, filtersUpdatedAt: list.updatedAt,
    createdById: String(portal.owners[0]?.userId ?? ''), updatedById: String(portal.owners[0]?.userId ?? ''),
    size: members.length,
    additionalProperties: { hs_list_size: String(members.length), hs_last_record_added_at: last, hs_list_reference_count: '0' },
  };
  if (includeFilters && list.processingType === 'DYNAMIC') {
    out.filterBranch = {
      filterBranchType: 'OR', filterBranchOperator: 'OR', filters: [],
      filterBranches: [{ filterBranchType: 'AND', filterBranchOperator: 'AND', filterBranches: [], filters: [{
        filterType: 'PROPERTY', property: list.filter.propertyName,
        operation: { operationType: 'MULTISTRING', operator: 'IS_EQUAL_TO', values: [list.filter.value], includeObjectsWithNoValueSet: false },
      }] }],
    };
  }
  return out;
}

const encodeCursor = (n) => Buffer.from(`o:${n}`).toString('base64url');
function decodeCursor(s) {
  const m = /^o:(\d+)$/.exec(Buffer.from(String(s), 'base64url').toString('utf8'));
  return m ? Number(m[1]) : null;
}

function search(ctx) {
  const parsed = ctx.json();
  if (parsed.error) return parsed.error;
  const b = parsed.value;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return validation('body must be a JSON object');
  const offset = b.offset ?? 0;
  const count = b.count ?? 20;
  if (!Number.isInteger(offset) || offset < 0) return validation('offset must be a non-negative integer');
  if (!Number.isInteger(count) || count < 1 || count > 500) return validation('count must be between 1 and 500');
  if (b.query !== undefined && typeof b.query !== 'string') return validation('query must be a string');
  if (b.processingTypes !== undefined && !Array.isArray(b.processingTypes)) return validation('processingTypes must be an array');
  if (b.listIds !== undefined && !Array.isArray(b.listIds)) return validation('listIds must be an array');
  let lists = [...ctx.portal.lists.values()];
  if (b.objectTypeId && b.objectTypeId !== '0-1') lists = [];
  if (b.query) lists = lists.filter((l) => l.name.toLowerCase().includes(b.query.toLowerCase()));
  // The spec marks listIds and processingTypes required yet says "if not specified, all lists
  // ... are included": a client must send them, so an empty array means "no filter".
  if (b.processingTypes && b.processingTypes.length) lists = lists.filter((l) => b.processingTypes.includes(l.processingType));
  if (b.listIds && b.listIds.length) lists = lists.filter((l) => b.listIds.map(String).includes(l.listId));
  const page = lists.slice(offset, offset + count).map((l) => listShape(ctx.portal, l, false));
  return { status: 200, body: { lists: page, offset: offset + page.length, hasMore: offset + count < lists.length, total: lists.length } };
}

function memberships(ctx, list) {
  const limit = ctx.query.has('limit') ? Number(ctx.query.get('limit')) : 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 250) return validation('limit must be an integer between 1 and 250');
  let start = 0;
  if (ctx.query.has('after')) {
    start = decodeCursor(ctx.query.get('after'));
    if (start === null) return validation('after is not a valid paging cursor');
  }
  if (ctx.query.has('before')) return validation('the sandbox supports only after paging');
  const all = listMembers(ctx.portal, list);
  const results = all.slice(start, start + limit);
  const body = { results, total: all.length };
  if (start + limit < all.length) body.paging = { next: { after: encodeCursor(start + limit) } };
  return { status: 200, body };
}

export function listsRoute(ctx, rest) {
  const denied = ctx.requireAnyScope(['crm.lists.read', 'crm.lists.write']);
  if (denied) return denied;
  const seg = rest.split('/').filter(Boolean);
  if (seg.length === 1 && seg[0] === 'search' && ctx.method === 'POST') return search(ctx);
  if (ctx.method !== 'GET' || !seg.length || !/^\d+$/.test(seg[0])) return null;
  const list = ctx.portal.lists.get(seg[0]);
  if (seg.length === 1) {
    if (!list) return notFound(`List ${seg[0]} does not exist`);
    return { status: 200, body: { list: listShape(ctx.portal, list, ctx.query.get('includeFilters') === 'true') } };
  }
  if (seg.length === 2 && seg[1] === 'memberships') {
    if (!list) return notFound(`List ${seg[0]} does not exist`);
    return memberships(ctx, list);
  }
  return null;
}
