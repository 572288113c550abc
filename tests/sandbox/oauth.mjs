// HubSpot sandbox (tests layer): OAuth 2.0 as HubSpot documents it (API-FACTS §1).
// Authorize-request validation and code issuing (used by the consent page in ui.mjs), and the
// token, introspect and revoke endpoints on the API hosts (form bodies only, 2026-03 paths).
// Where the docs are unsure we are strict: PKCE S256 is enforced when a challenge was sent.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { oauthError, answer } from './errors.mjs';

// The sandbox app's scopes, as its app-hsmeta.json would declare them. Required scopes must be
// in `scope` (the consent page errors otherwise, §1.1); a scope the app doesn't declare fails too.
export const APP_SCOPES = {
  required: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.owners.read'],
  optional: ['crm.lists.read', 'crm.objects.companies.read', 'crm.schemas.contacts.read',
    'crm.objects.contacts.sensitive.read.v2'],
};
const DECLARED = new Set([...APP_SCOPES.required, ...APP_SCOPES.optional]);

const rnd = (n) => randomBytes(n).toString('hex');
const hubletCode = (hublet) => `${hublet}-${rnd(4)}-${rnd(2)}-${rnd(2)}-${rnd(2)}-${rnd(6)}`;

function sameString(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

function splitScopes(s) {
  return String(s || '').split(/[\s+]+/).filter(Boolean);
}

// Redirect URL rules (§1.2): HTTPS with a domain name, or plain http://localhost for testing.
function redirectProblem(uri) {
  let u;
  try { u = new URL(uri); } catch { return 'redirect_uri is not a valid URL'; }
  if (u.hash) return 'redirect_uri must not contain a fragment';
  if (u.protocol === 'http:' && u.hostname === 'localhost') return null;
  if (u.protocol !== 'https:') return 'redirect_uri must use HTTPS';
  if (/^[\d.]+$/.test(u.hostname) || u.hostname.startsWith('[')) return 'redirect_uri must use a domain name, not an IP address';
  return null;
}

// Validates authorize query params. Returns {error} (shown on an error page) or {params}.
export function validateAuthorize(state, query) {
  const clientId = query.get('client_id');
  if (!clientId) return { error: 'The client_id parameter is missing.' };
  if (clientId !== state.client.clientId) return { error: `No app found for client_id ${clientId}.` };
  const redirectUri = query.get('redirect_uri');
  if (!redirectUri) return { error: 'The redirect_uri parameter is missing.' };
  const rp = redirectProblem(redirectUri);
  if (rp) return { error: rp };
  const scopes = splitScopes(query.get('scope'));
  if (!scopes.length) return { error: 'The scope parameter is missing.' };
  const unknown = scopes.filter((s) => !DECLARED.has(s));
  if (unknown.length) return { error: `This app didn't declare these scopes: ${unknown.join(', ')}` };
  const missing = APP_SCOPES.required.filter((s) => !scopes.includes(s));
  if (missing.length) return { error: `The scope parameter is missing required scopes: ${missing.join(', ')}` };
  // §1.2: the docs say optional_scope; "optional_scopes" appears in prose. We accept only the
  // documented singular name and reject a scope the app doesn't declare.
  const optional = splitScopes(query.get('optional_scope'));
  const unknownOpt = optional.filter((s) => !DECLARED.has(s));
  if (unknownOpt.length) return { error: `This app didn't declare these optional scopes: ${unknownOpt.join(', ')}` };
  const challenge = query.get('code_challenge');
  const method = query.get('code_challenge_method');
  if (challenge !== null || method !== null) {
    if (!challenge) return { error: 'code_challenge_method was sent without code_challenge.' };
    if (method !== 'S256') return { error: 'code_challenge_method must be S256.' };
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return { error: 'code_challenge must be a base64url SHA-256 (43 characters).' };
  }
  return {
    params: {
      clientId, redirectUri, state: query.get('state'),
      scopes: [...new Set([...scopes, ...optional])],
      requestedScope: query.get('scope'), optionalScope: query.get('optional_scope'),
      codeChallenge: challenge || null,
    },
  };
}

export function issueCode(state, { params, portal, userId }) {
  const code = hubletCode(portal.hublet);
  state.oauth.codes.set(code, {
    code, clientId: params.clientId, redirectUri: params.redirectUri, scopes: params.scopes,
    codeChallenge: params.codeChallenge, portalId: portal.portalId, userId,
    expiresAt: Date.now() + state.config.authCodeTtlSeconds * 1000, used: false, refreshToken: null,
  });
  return code;
}

export function redirectWith(uri, params) {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

// Issues a refresh + access token pair (also used by the control route that mints tokens).
export function mintTokens(state, { portalId, userId, scopes, clientId = state.client.clientId }) {
  const portal = state.portals.get(portalId);
  const refresh = { token: hubletCode(portal.hublet), portalId, userId, scopes: [...scopes], clientId, revoked: false };
  state.oauth.refresh.set(refresh.token, refresh);
  const access = mintAccess(state, refresh);
  return { refresh, access };
}

function mintAccess(state, refresh) {
  const now = Date.now();
  const token = `C${randomBytes(60).toString('base64url')}`;
  const access = {
    token, portalId: refresh.portalId, userId: refresh.userId, scopes: refresh.scopes, clientId: refresh.clientId,
    issuedAt: now, expiresAt: now + state.config.accessTokenTtlSeconds * 1000, refreshToken: refresh.token, revoked: false,
  };
  state.oauth.access.set(token, access);
  return access;
}

function tokenBody(state, refresh, access) {
  return {
    token_type: 'bearer', refresh_token: refresh.token, access_token: access.token,
    hub_id: refresh.portalId, user_id: refresh.userId, scopes: refresh.scopes,
    expires_in: Math.round((access.expiresAt - access.issuedAt) / 1000), token_use: 'access_token',
  };
}

function parseForm(ctx) {
  const ct = String(ctx.headers['content-type'] || '').toLowerCase();
  if (!ct.startsWith('application/x-www-form-urlencoded')) return null;
  return new URLSearchParams(ctx.body.toString('utf8'));
}

const badRequest = (d) => oauthError('invalid_request', 'BAD_REQUEST', d);

function checkClient(state, form) {
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  if (!id) return oauthError('invalid_client', 'BAD_CLIENT_ID', 'missing or unknown client id');
  if (id !== state.client.clientId) return oauthError('invalid_client', 'BAD_CLIENT_ID', 'missing or unknown client id');
  // §1.4: the secret is mandatory on every grant; PKCE does not replace it.
  if (!secret || !sameString(secret, state.client.clientSecret)) {
    return oauthError('invalid_client', 'BAD_CLIENT_SECRET', 'missing or invalid client secret');
  }
  return null;
}

function s256(verifier) {
  return createHash('sha256').update(verifier).digest('base64url');
}

function exchangeCode(state, form) {
  const code = form.get('code');
  const rec = code ? state.oauth.codes.get(code) : null;
  if (!rec || rec.clientId !== form.get('client_id')) {
    return oauthError('invalid_grant', 'BAD_AUTH_CODE', 'missing or invalid auth code');
  }
  if (rec.used) {
    // RFC 6749 §4.1.2: a reused code should revoke what it issued. We do.
    if (rec.refreshToken) {
      const r = state.oauth.refresh.get(rec.refreshToken);
      if (r) r.revoked = true;
    }
    return oauthError('invalid_grant', 'BAD_AUTH_CODE', 'auth code has already been used');
  }
  rec.used = true; // Any attempt by the right client burns the code, successful or not.
  if (Date.now() > rec.expiresAt) return oauthError('invalid_grant', 'EXPIRED_AUTH_CODE', 'auth code is expired');
  if (form.get('redirect_uri') !== rec.redirectUri) {
    return oauthError('invalid_grant', 'BAD_REDIRECT_URI', 'redirect_uri does not match the one used to authorize');
  }
  const verifier = form.get('code_verifier');
  if (rec.codeChallenge) {
    if (!verifier) return oauthError('invalid_grant', 'BAD_CODE_VERIFIER', 'code_verifier is required for this auth code');
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || !sameString(s256(verifier), rec.codeChallenge)) {
      return oauthError('invalid_grant', 'BAD_CODE_VERIFIER', 'code_verifier does not match the code_challenge');
    }
  } else if (verifier) {
    return oauthError('invalid_grant', 'BAD_CODE_VERIFIER', 'code_verifier sent but no code_challenge was used to authorize');
  }
  const { refresh, access } = mintTokens(state, { portalId: rec.portalId, userId: rec.userId, scopes: rec.scopes, clientId: rec.clientId });
  rec.refreshToken = refresh.token;
  return answer(200, tokenBody(state, refresh, access));
}

function refreshGrant(state, form) {
  const token = form.get('refresh_token');
  const rec = token ? state.oauth.refresh.get(token) : null;
  if (!rec || rec.revoked || rec.clientId !== form.get('client_id')) {
    return oauthError('invalid_grant', 'BAD_REFRESH_TOKEN', 'refresh token is invalid, expired or revoked');
  }
  // §1.5: rotation is UNSURE; we keep the same refresh token (clients must store whatever comes back).
  return answer(200, tokenBody(state, rec, mintAccess(state, rec)));
}

function introspect(state, form) {
  const token = form.get('token');
  if (!token) return badRequest('token is required');
  const now = Date.now();
  const hint = form.get('token_type_hint');
  if (hint && hint !== 'access_token' && hint !== 'refresh_token') return badRequest('token_type_hint must be access_token or refresh_token');
  const access = state.oauth.access.get(token);
  const refresh = state.oauth.refresh.get(token);
  const clientId = form.get('client_id');
  const common = (rec, portal, user) => ({
    active: true, token, hub_id: rec.portalId, user_id: rec.userId, client_id: rec.clientId, app_id: state.client.appId,
    user: user?.email ?? null, hub_domain: portal.domain, scopes: rec.scopes,
  });
  if (access && !access.revoked && access.expiresAt > now && access.clientId === clientId) {
    const portal = state.portals.get(access.portalId);
    const user = state.users.get(access.userId);
    return answer(200, {
      ...common(access, portal, user),
      signed_access_token: {
        expiresAt: access.expiresAt, scopes: opaqueScopes(access.scopes), hubId: access.portalId, userId: access.userId,
        appId: state.client.appId, signature: randomBytes(20).toString('base64'), newSignature: randomBytes(32).toString('base64'),
        scopeToScopeGroupPks: '', trialScopes: '', trialScopeToScopeGroupPks: '', isUserLevel: false,
        isPrivateDistribution: false, isServiceAccount: false, installingUserId: access.userId,
        appInstallId: `${access.portalId}-${state.client.appId}`, audience: state.client.clientId, hublet: portal.hublet,
      },
      expires_in: Math.max(0, Math.floor((access.expiresAt - now) / 1000)),
      is_private_distribution: false, token_use: 'access_token', token_type: 'Bearer',
    });
  }
  if (refresh && !refresh.revoked && refresh.clientId === clientId) {
    const portal = state.portals.get(refresh.portalId);
    const user = state.users.get(refresh.userId);
    return answer(200, { ...common(refresh, portal, user), token_use: 'refresh_token', token_type: 'Bearer' });
  }
  return answer(200, { active: false });
}

// The signed token carries scopes as an opaque base64 blob on HubSpot; clients must not parse it.
function opaqueScopes(scopes) {
  return Buffer.from(scopes.join(' ')).toString('base64');
}

function revoke(state, form) {
  const token = form.get('token');
  if (!token) return badRequest('token is required');
  const refresh = state.oauth.refresh.get(token);
  if (refresh && refresh.clientId === form.get('client_id')) refresh.revoked = true;
  // §1.5: access tokens already issued stay valid. RFC 7009: unknown tokens also get 200.
  // The body is empty: a client must not expect JSON here.
  return { status: 200, text: '' };
}

// POST /oauth/{2026-03|2026-09|v3}/token[/introspect|/revoke] on the API hosts.
export function handleOauthApi(ctx) {
  const m = /^\/oauth\/(2026-03|2026-09|v3)\/token(\/introspect|\/revoke)?\/?$/.exec(ctx.path);
  if (!m) return null;
  if (ctx.method !== 'POST') return oauthError('invalid_request', 'BAD_REQUEST', `${ctx.method} is not allowed here`);
  // v3+ take every parameter in the body; query parameters (secrets in logs) are refused.
  if ([...ctx.query.keys()].length) return badRequest('parameters must be sent in the request body, not the query string');
  const form = parseForm(ctx);
  if (!form) return badRequest('body must be application/x-www-form-urlencoded');
  const clientErr = checkClient(ctx.state, form);
  if (clientErr) return clientErr;
  if (m[2] === '/introspect') return introspect(ctx.state, form);
  if (m[2] === '/revoke') return revoke(ctx.state, form);
  const grant = form.get('grant_type');
  if (grant === 'authorization_code') return exchangeCode(ctx.state, form);
  if (grant === 'refresh_token') return refreshGrant(ctx.state, form);
  return oauthError('unsupported_grant_type', 'BAD_GRANT_TYPE', `grant_type ${grant ?? '(missing)'} is not supported`);
}

// Bearer-token check for the CRM API. Returns {token} or {error: answer}.
export function authenticate(state, headers, now) {
  const h = String(headers.authorization || '');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) return { error: 'invalid' };
  const t = state.oauth.access.get(m[1]);
  if (!t || t.revoked) return { error: 'invalid' };
  if (t.expiresAt <= now) return { error: 'expired', expiresAt: t.expiresAt };
  return { token: t };
}

export function revokeAllForUser(state, userId, includeAccessTokens) {
  let n = 0;
  for (const r of state.oauth.refresh.values()) if (r.userId === userId && !r.revoked) { r.revoked = true; n++; }
  if (includeAccessTokens) for (const a of state.oauth.access.values()) if (a.userId === userId) a.revoked = true;
  return n;
}
