// HubSpot sandbox (tests layer): OAuth behaviours — consent page, code exchange with PKCE,
// single-use codes, client checks, refresh, introspect, revoke, expiry (API-FACTS §1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { boot, authorize, signIn, pkcePair, CLIENT_ID, CLIENT_SECRET, REDIRECT, SCOPES } from './harness.mjs';

let t;
before(async () => { t = await boot(); });
after(async () => { await t.close(); });

const exchange = (fields) => t.form('/oauth/2026-03/token', {
  grant_type: 'authorization_code', redirect_uri: REDIRECT, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...fields });

test('full sign-in returns HubSpot token body with hub, user and scopes', async () => {
  const tok = await signIn(t);
  assert.equal(tok.token_type, 'bearer');
  assert.equal(tok.hub_id, 62515);
  assert.equal(tok.user_id, 1001);
  assert.equal(tok.expires_in, 1800);
  assert.match(tok.refresh_token, /^na1-/);
  assert.deepEqual(tok.scopes, SCOPES.split(' '));
});

test('code looks like na1-…, carries state, and is single-use', async () => {
  const { verifier, challenge } = pkcePair();
  const { status, code, state, location } = await authorize(t, { challenge });
  assert.equal(status, 302);
  assert.equal(location.origin + location.pathname, REDIRECT);
  assert.equal(state, 'st-123');
  assert.match(code, /^na1-[0-9a-f-]+$/);
  const first = await exchange({ code, code_verifier: verifier });
  assert.equal(first.status, 200);
  const second = await exchange({ code, code_verifier: verifier });
  assert.equal(second.status, 400);
  assert.equal(second.json.error, 'invalid_grant');
  assert.equal(second.json.status, 'BAD_AUTH_CODE');
  // Reusing a code revokes the refresh token it produced (RFC 6749 §4.1.2).
  const refreshed = await t.form('/oauth/2026-03/token', { grant_type: 'refresh_token', refresh_token: first.json.refresh_token, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  assert.equal(refreshed.json.status, 'BAD_REFRESH_TOKEN');
});

test('PKCE: a wrong or missing verifier is refused with invalid_grant', async () => {
  const { challenge } = pkcePair();
  const a = await authorize(t, { challenge });
  const wrong = await exchange({ code: a.code, code_verifier: pkcePair().verifier });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.error, 'invalid_grant');
  assert.equal(wrong.json.status, 'BAD_CODE_VERIFIER');
  const b = await authorize(t, { challenge });
  const missing = await exchange({ code: b.code });
  assert.equal(missing.json.status, 'BAD_CODE_VERIFIER');
});

test('codes expire (authCodeTtlSeconds, default 300 s)', async () => {
  await t.control('POST', 'config', { authCodeTtlSeconds: 0 });
  try {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorize(t, { challenge });
    await new Promise((r) => setTimeout(r, 5));
    const r = await exchange({ code, code_verifier: verifier });
    assert.deepEqual([r.status, r.json.error, r.json.status], [400, 'invalid_grant', 'EXPIRED_AUTH_CODE']);
  } finally {
    await t.control('POST', 'config', { authCodeTtlSeconds: 300 });
  }
});

test('client id, secret and redirect_uri are checked', async () => {
  const { verifier, challenge } = pkcePair();
  const { code } = await authorize(t, { challenge });
  const badSecret = await exchange({ code, code_verifier: verifier, client_secret: 'nope' });
  assert.equal(badSecret.status, 400);
  assert.equal(badSecret.json.error, 'invalid_client');
  const noSecret = await t.form('/oauth/2026-03/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: CLIENT_ID, code_verifier: verifier });
  assert.equal(noSecret.json.error, 'invalid_client');
  const badId = await exchange({ code, code_verifier: verifier, client_id: 'other' });
  assert.equal(badId.json.status, 'BAD_CLIENT_ID');
  // The failed client checks did not burn the code; a wrong redirect_uri does.
  const badRedirect = await exchange({ code, code_verifier: verifier, redirect_uri: 'https://evil.example/cb' });
  assert.equal(badRedirect.json.status, 'BAD_REDIRECT_URI');
  assert.equal((await exchange({ code, code_verifier: verifier })).json.status, 'BAD_AUTH_CODE');
});

test('token endpoint takes form bodies only, never JSON or query parameters', async () => {
  const json = await t.api('POST', '/oauth/2026-03/token', { body: { grant_type: 'refresh_token' } });
  assert.equal(json.status, 400);
  assert.equal(json.json.error, 'invalid_request');
  const q = await t.form(`/oauth/2026-03/token?client_secret=${CLIENT_SECRET}`, { grant_type: 'refresh_token', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  assert.equal(q.json.error, 'invalid_request');
  const grant = await t.form('/oauth/2026-03/token', { grant_type: 'password', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  assert.equal(grant.json.error, 'unsupported_grant_type');
});

test('refresh gives a new access token and keeps the refresh token', async () => {
  const tok = await signIn(t);
  const r = await t.form('/oauth/2026-03/token', { grant_type: 'refresh_token', refresh_token: tok.refresh_token, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  assert.equal(r.status, 200);
  assert.notEqual(r.json.access_token, tok.access_token);
  assert.equal(r.json.refresh_token, tok.refresh_token);
  const bad = await t.form('/oauth/2026-03/token', { grant_type: 'refresh_token', refresh_token: 'na1-nope', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  assert.deepEqual([bad.status, bad.json.error, bad.json.status], [400, 'invalid_grant', 'BAD_REFRESH_TOKEN']);
  assert.equal(bad.json.message, bad.json.error_description);
});

test('introspect describes access and refresh tokens; unknown is inactive', async () => {
  const tok = await signIn(t);
  const i = await t.form('/oauth/2026-03/token/introspect', { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, token: tok.access_token, token_type_hint: 'access_token' });
  assert.equal(i.status, 200);
  assert.equal(i.json.active, true);
  assert.equal(i.json.hub_id, 62515);
  assert.equal(i.json.user_id, 1001);
  assert.equal(i.json.user, 'riley@acme-demo.test');
  assert.equal(i.json.signed_access_token.hublet, 'na1');
  assert.equal(i.json.token_use, 'access_token');
  assert.ok(i.json.expires_in > 1700 && i.json.expires_in <= 1800);
  const r = await t.form('/oauth/2026-03/token/introspect', { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, token: tok.refresh_token });
  assert.equal(r.json.token_use, 'refresh_token');
  const u = await t.form('/oauth/2026-03/token/introspect', { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, token: 'garbage' });
  assert.deepEqual(u.json, { active: false });
  const s = await t.form('/oauth/2026-03/token/introspect', { client_id: CLIENT_ID, client_secret: 'x', token: tok.access_token });
  assert.equal(s.json.error, 'invalid_client');
});

test('revoke kills the refresh token but issued access tokens keep working', async () => {
  const tok = await signIn(t);
  const rv = await t.form('/oauth/2026-03/token/revoke', { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, token: tok.refresh_token, token_type_hint: 'refresh_token' });
  assert.equal(rv.status, 200);
  const r = await t.form('/oauth/2026-03/token', { grant_type: 'refresh_token', refresh_token: tok.refresh_token, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  assert.equal(r.json.status, 'BAD_REFRESH_TOKEN');
  assert.equal((await t.api('GET', '/account-info/2026-03/details', { token: tok.access_token })).status, 200);
});

test('expired access token gives 401 EXPIRED_AUTHENTICATION; unknown gives INVALID_AUTHENTICATION', async () => {
  await t.control('POST', 'config', { accessTokenTtlSeconds: 0 });
  try {
    const tok = await signIn(t);
    assert.equal(tok.expires_in, 0);
    const r = await t.api('GET', '/crm/objects/2026-03/contacts/201', { token: tok.access_token });
    assert.equal(r.status, 401);
    assert.equal(r.json.category, 'EXPIRED_AUTHENTICATION');
    assert.match(r.json.correlationId, /^[0-9a-f-]{36}$/);
  } finally {
    await t.control('POST', 'config', { accessTokenTtlSeconds: 1800 });
  }
  const u = await t.api('GET', '/crm/objects/2026-03/contacts/201', { token: 'nope' });
  assert.deepEqual([u.status, u.json.category, u.json.status], [401, 'INVALID_AUTHENTICATION', 'error']);
  const none = await t.api('GET', '/crm/objects/2026-03/contacts/201');
  assert.equal(none.json.category, 'INVALID_AUTHENTICATION');
});

test('revoke-all invalidates every refresh token of the user', async () => {
  const a = await signIn(t);
  const b = await signIn(t);
  const r = await t.control('POST', 'revoke-all', { userId: 1001 });
  assert.ok(r.json.revoked >= 2);
  for (const tok of [a, b]) {
    const x = await t.form('/oauth/2026-03/token', { grant_type: 'refresh_token', refresh_token: tok.refresh_token, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    assert.equal(x.json.status, 'BAD_REFRESH_TOKEN');
  }
});

test('consent page: chooser without a portal, cancel redirects access_denied, errors shown as pages', async () => {
  const q = new URLSearchParams({ client_id: CLIENT_ID, scope: SCOPES, redirect_uri: REDIRECT, state: 's' });
  const chooser = await t.app('GET', `/oauth/authorize?${q}`);
  assert.equal(chooser.status, 200);
  assert.match(chooser.text, /Choose an account/);
  assert.match(chooser.text, /\/oauth\/62515\/authorize\?/);
  assert.doesNotMatch(chooser.text, /26500001/);
  const cancel = await authorize(t, { decision: 'cancel' });
  assert.equal(cancel.location.searchParams.get('error'), 'access_denied');
  assert.equal(cancel.state, 'st-123');
  assert.ok(cancel.location.searchParams.get('error_description'));
  const consent = await t.app('GET', `/oauth/62515/authorize?${q}`);
  assert.match(consent.text, /<button[^>]*>Approve<\/button>/);
  assert.match(consent.text, /<button[^>]*>Cancel<\/button>/);
  const badClient = await t.app('GET', `/oauth/authorize?${new URLSearchParams({ client_id: 'x', scope: SCOPES, redirect_uri: REDIRECT })}`);
  assert.equal(badClient.status, 400);
  const missingScope = await t.app('GET', `/oauth/authorize?${new URLSearchParams({ client_id: CLIENT_ID, scope: 'oauth', redirect_uri: REDIRECT })}`);
  assert.match(missingScope.text, /missing required scopes/);
  const unknownScope = await t.app('GET', `/oauth/authorize?${new URLSearchParams({ client_id: CLIENT_ID, scope: `${SCOPES} crm.objects.deals.read`, redirect_uri: REDIRECT })}`);
  assert.match(unknownScope.text, /didn&#39;t declare/);
  const notMember = await t.app('GET', `/oauth/26500001/authorize?${q}`);
  assert.equal(notMember.status, 403);
  const plain = await t.app('GET', `/oauth/62515/authorize?${q}&code_challenge=abc&code_challenge_method=plain`);
  assert.equal(plain.status, 400);
});

test('loginUserId switches the signed-in user (EU rep gets an eu1 code)', async () => {
  await t.control('POST', 'config', { loginUserId: 2002 });
  try {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorize(t, { portalId: 26500001, challenge, host: 'app-eu1.hubspot.com' });
    assert.match(code, /^eu1-/);
    const tok = await exchange({ code, code_verifier: verifier });
    assert.equal(tok.json.hub_id, 26500001);
    assert.equal(tok.json.user_id, 2002);
    const owner = await t.api('GET', '/crm/owners/2026-03/2002?idProperty=userId', { token: tok.json.access_token });
    assert.equal(owner.json.id, '602');
  } finally {
    await t.control('POST', 'config', { loginUserId: 1001 });
  }
  assert.equal((await t.control('POST', 'config', { loginUserId: 4242 })).status, 400);
});
