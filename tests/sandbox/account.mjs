// HubSpot sandbox (tests layer): account details (§15), owners (§8) and the legacy call-outcome
// list GET /calling/v1/dispositions (§6). Owners are per portal; a user id maps to an owner id
// only through GET /crm/owners/{userId}?idProperty=userId, as on HubSpot.
import { notFound, validation } from './errors.mjs';
import { safeDecode } from './crm.mjs';

export function accountRoute(ctx) {
  if (ctx.method !== 'GET') return null;
  const denied = ctx.requireAnyScope(['oauth']);
  if (denied) return denied;
  const p = ctx.portal;
  const offsetMs = tzOffsetMs(p.timeZone);
  const sign = offsetMs < 0 ? '-' : '+';
  const abs = Math.abs(offsetMs) / 60000;
  return {
    status: 200,
    body: {
      portalId: p.portalId, accountType: p.accountType, timeZone: p.timeZone, companyCurrency: p.currency,
      additionalCurrencies: [], utcOffset: `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`,
      utcOffsetMilliseconds: offsetMs, uiDomain: p.uiDomain, dataHostingLocation: p.hublet,
    },
  };
}

function tzOffsetMs(timeZone) {
  const zone = timeZone === 'US/Eastern' ? 'America/New_York' : timeZone;
  const now = new Date();
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(now).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((asUtc - now.getTime()) / 60000) * 60000;
}

export function ownersRoute(ctx, rest) {
  if (ctx.method !== 'GET') return null;
  const denied = ctx.requireAnyScope(['crm.objects.owners.read', 'automation']);
  if (denied) return denied;
  const owners = ctx.portal.owners;
  if (rest) {
    const id = safeDecode(rest.replace(/\/$/, ''));
    if (id === null) return validation('malformed percent-encoding in path');
    const by = ctx.query.get('idProperty') || 'id';
    if (by !== 'id' && by !== 'userId') return validation(`idProperty must be id or userId, not ${by}`);
    const o = owners.find((x) => (by === 'id' ? x.id === id : String(x.userId) === id));
    return o ? { status: 200, body: o } : notFound(`Owner ${id} (by ${by}) does not exist`);
  }
  const limit = ctx.query.has('limit') ? Number(ctx.query.get('limit')) : 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) return validation('limit must be an integer between 1 and 500');
  const after = ctx.query.has('after') ? Number(ctx.query.get('after')) : 0;
  if (!Number.isInteger(after) || after < 0) return validation('after must be a paging cursor from a previous page');
  const email = ctx.query.get('email');
  const archived = ctx.query.get('archived') === 'true';
  const all = owners.filter((o) => o.archived === archived && (!email || o.email.toLowerCase() === email.toLowerCase()));
  const results = all.slice(after, after + limit);
  const body = { results };
  if (after + limit < all.length) {
    body.paging = { next: { after: String(after + limit), link: `https://api.hubapi.com/crm/owners/2026-03?after=${after + limit}&limit=${limit}` } };
  }
  return { status: 200, body };
}

export function dispositionsRoute(ctx) {
  if (ctx.method !== 'GET') return null;
  const denied = ctx.requireAnyScope(['crm.objects.contacts.read']);
  if (denied) return denied;
  return { status: 200, body: ctx.portal.dispositions.map((d) => ({ ...d })) };
}
