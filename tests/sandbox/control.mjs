// HubSpot sandbox (tests layer): test control routes under /__sandbox/ (docs/CONTRACTS.md).
// reset, config, scripted and random faults (and which fired), the request log, stored calls,
// one task, revoking a user's refresh tokens, plus `POST tokens` (mint a token pair without the
// browser flow). Loopback clients only (checked in server.mjs). Answers are plain JSON; errors are {"error": "..."} with 400/404.
import { resetState, DEFAULT_CONFIG } from './store.mjs';
import { addFault, clearFaults, describeFaults, setChaos, clearChaos, describeChaos } from './faults.mjs';
import { revokeAllForUser, mintTokens, APP_SCOPES } from './oauth.mjs';

const ok = (body, status = 200) => ({ status, body });
const bad = (error, status = 400) => ({ status, body: { error } });

function parseJson(ctx, { optional = false } = {}) {
  const text = ctx.body.toString('utf8').trim();
  if (!text) return optional ? { value: {} } : { error: bad('JSON body required') };
  try { return { value: JSON.parse(text) }; } catch (err) { return { error: bad(`bad JSON: ${err.message}`) }; }
}

const CONFIG_CHECKS = {
  accessTokenTtlSeconds: (v) => Number.isFinite(v) && v >= 0,
  searchLagMs: (v) => Number.isFinite(v) && v >= 0,
  rateLimitMax: (v) => Number.isInteger(v) && v >= 1,
  rateLimitIntervalMs: (v) => Number.isInteger(v) && v >= 1,
  otherRepsUsage: (v) => Number.isInteger(v) && v >= 0,
  searchRateLimitPerSecond: (v) => Number.isInteger(v) && v >= 1,
  associationPageSize: (v) => Number.isInteger(v) && v >= 1,
  authCodeTtlSeconds: (v) => Number.isFinite(v) && v >= 0,
  loginUserId: null, // checked against the users below
};

function setConfig(state, patch) {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return bad('config must be a JSON object');
  for (const [k, v] of Object.entries(patch)) {
    if (!(k in CONFIG_CHECKS)) return bad(`unknown config key ${k}; known: ${Object.keys(DEFAULT_CONFIG).join(', ')}`);
    if (k === 'loginUserId') {
      if (!state.users.has(Number(v))) return bad(`no user ${v}; users: ${[...state.users.keys()].join(', ')}`);
    } else if (!CONFIG_CHECKS[k](v)) return bad(`bad value for ${k}: ${JSON.stringify(v)}`);
  }
  for (const [k, v] of Object.entries(patch)) state.config[k] = k === 'loginUserId' ? Number(v) : v;
  return ok(state.config);
}

function assocList(rec) {
  const out = [];
  for (const [objectType, m] of Object.entries(rec.assoc)) {
    for (const [id, typeIds] of m) {
      out.push({ to: { id, objectType }, types: typeIds.map((t) => ({ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: t })) });
    }
  }
  return out;
}

const dump = (portal, rec) => ({
  id: rec.id, portalId: portal.portalId, properties: { ...rec.properties }, associations: assocList(rec),
  createdAt: new Date(rec.createdAt).toISOString(), updatedAt: new Date(rec.updatedAt).toISOString(),
  searchVisibleAt: new Date(Math.max(0, rec.versions.at(-1).visibleAt)).toISOString(),
  archived: Boolean(rec.archived),
});

export async function handleControl(ctx) {
  const { state, method } = ctx;
  const route = ctx.path.slice('/__sandbox/'.length).replace(/\/$/, '');
  let m;
  if (route === 'reset' && method === 'POST') {
    const j = parseJson(ctx, { optional: true });
    if (j.error) return j.error;
    resetState(state, { keepTokens: !!j.value.keepTokens });
    return ok({ ok: true, seq: state.seq });
  }
  if (route === 'config' && method === 'GET') return ok(state.config);
  if (route === 'config' && method === 'POST') {
    const j = parseJson(ctx);
    return j.error || setConfig(state, j.value);
  }
  if (route === 'faults' && method === 'GET') return ok(describeFaults(state));
  if (route === 'faults' && method === 'POST') {
    const j = parseJson(ctx);
    if (j.error) return j.error;
    const specs = Array.isArray(j.value) ? j.value : [j.value];
    for (const s of specs) {
      const err = addFault(state, s);
      if (err) return bad(err);
    }
    return ok({ ok: true, faults: describeFaults(state) });
  }
  if (route === 'faults' && method === 'DELETE') { clearFaults(state); return ok({ ok: true }); }
  if (route === 'faults/fired' && method === 'GET') return ok(describeChaos(state));
  if (route === 'chaos' && method === 'GET') return ok(describeChaos(state));
  if (route === 'chaos' && method === 'POST') {
    const j = parseJson(ctx);
    if (j.error) return j.error;
    const err = setChaos(state, j.value);
    return err ? bad(err) : ok({ ok: true, ...describeChaos(state) });
  }
  if (route === 'chaos' && method === 'DELETE') { clearChaos(state); return ok({ ok: true }); }
  if (route === 'requests' && method === 'GET') {
    const since = Number(ctx.query.get('since') || 0);
    if (!Number.isFinite(since)) return bad('since must be a number');
    return ok(state.requestLog.filter((e) => e.seq > since));
  }
  if (route === 'calls' && method === 'GET') {
    const out = [];
    for (const portal of state.portals.values()) for (const rec of portal.objects.calls.values()) out.push(dump(portal, rec));
    return ok(out);
  }
  if ((m = /^(tasks|contacts)\/(\d+)$/.exec(route)) && method === 'GET') {
    for (const portal of state.portals.values()) {
      const rec = portal.objects[m[1]].get(m[2]);
      if (rec) return ok(dump(portal, rec));
    }
    return bad(`no ${m[1].slice(0, -1)} ${m[2]}`, 404);
  }
  if (route === 'revoke-all' && method === 'POST') {
    const j = parseJson(ctx, { optional: true });
    if (j.error) return j.error;
    const userId = Number(j.value.userId ?? state.config.loginUserId);
    if (!state.users.has(userId)) return bad(`no user ${j.value.userId}`);
    const revoked = revokeAllForUser(state, userId, !!j.value.accessTokens);
    return ok({ ok: true, userId, revoked });
  }
  if (route === 'tokens' && method === 'POST') {
    const j = parseJson(ctx, { optional: true });
    if (j.error) return j.error;
    const userId = Number(j.value.userId ?? state.config.loginUserId);
    const user = state.users.get(userId);
    if (!user) return bad(`no user ${j.value.userId}`);
    const portalId = Number(j.value.portalId ?? Object.keys(user.owners)[0]);
    if (!user.owners[portalId]) return bad(`user ${userId} is not in portal ${portalId}`);
    const scopes = j.value.scopes ?? [...APP_SCOPES.required, 'crm.lists.read'];
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) return bad('scopes must be an array of strings');
    const { refresh, access } = mintTokens(state, { portalId, userId, scopes });
    return ok({ access_token: access.token, refresh_token: refresh.token, hub_id: portalId, user_id: userId, scopes,
      expires_in: Math.round((access.expiresAt - access.issuedAt) / 1000) });
  }
  return bad(`no control route ${method} /__sandbox/${route}`, 404);
}
