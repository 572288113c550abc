// HubSpot sandbox (tests layer): the API host router (api.hubapi.com, api-eu1.hubapi.com, ...).
// OAuth token endpoints first (unauthenticated, not rate-limited); everything else needs a
// Bearer access token, is counted against the portal's rate limits, then routed by path.
import { handleOauthApi, authenticate } from './oauth.mjs';
import { takeStandard, takeSearch, peekStandard, isTenSecondlyExempt } from './limits.mjs';
import { invalidAuth, expiredAuth, missingScopes, routeNotFound, validation } from './errors.mjs';
import { canSeeSensitive, propertiesRoute } from './properties.mjs';
import { objectsRoute, associationsRoute } from './crm.mjs';
import { searchRoute } from './search.mjs';
import { listsRoute } from './lists.mjs';
import { accountRoute, ownersRoute, dispositionsRoute } from './account.mjs';

// Date versions and the numbered paths they replace; all behave the same in the sandbox.
const VER = '(?:2026-03|2026-09|v3|v4)';
const ROUTES = [
  [new RegExp(`^/account-info/${VER}/details/?$`), accountRoute],
  [new RegExp(`^/crm/owners/${VER}(?:/(.*))?$`), ownersRoute],
  [new RegExp(`^/crm/objects/${VER}/([^/]+)/search/?$`), searchRoute],
  [new RegExp(`^/crm/objects/${VER}/(.+)$`), objectsRoute],
  [new RegExp(`^/crm/associations/${VER}/(.+)$`), associationsRoute],
  [new RegExp(`^/crm/lists/${VER}/(.+)$`), listsRoute],
  [new RegExp(`^/crm/properties/${VER}/(.+)$`), (ctx, rest) => propertiesRoute(ctx, rest.split('/').filter(Boolean))],
  [/^\/calling\/v1\/dispositions\/?$/, dispositionsRoute],
];

function withHelpers(ctx, token) {
  ctx.token = token;
  ctx.scopes = token.scopes;
  ctx.portal = ctx.state.portals.get(token.portalId);
  ctx.sensitive = canSeeSensitive(token.scopes);
  // Any one of `alternatives` is enough (the spec's security blocks list alternatives).
  ctx.requireAnyScope = (alternatives) => (alternatives.some((s) => token.scopes.includes(s)) ? null : missingScopes(alternatives));
  ctx.json = () => {
    const text = ctx.body.toString('utf8');
    if (!text.trim()) return { error: validation('Invalid input JSON: request body is empty') };
    try {
      return { value: JSON.parse(text) };
    } catch (err) {
      return { error: validation(`Invalid input JSON on line 1: ${err.message}`) };
    }
  };
}

export async function handleApi(ctx) {
  const oauth = handleOauthApi(ctx);
  if (oauth) return oauth;
  const now = Date.now();
  const auth = authenticate(ctx.state, ctx.headers, now);
  if (auth.error === 'expired') return expiredAuth(auth.expiresAt, now);
  if (auth.error) return invalidAuth();
  withHelpers(ctx, auth.token);

  let route = null;
  let match = null;
  for (const [re, fn] of ROUTES) {
    match = re.exec(ctx.path);
    if (match) { route = fn; break; }
  }
  if (route === searchRoute && ctx.method === 'POST') {
    // §11/§13: search has its own 5/s limit and never carries X-HubSpot-RateLimit-* headers.
    const blocked = takeSearch(ctx.state, ctx.portal.portalId, now);
    if (blocked) return blocked;
    return (await route(ctx, match[1])) || routeNotFound(ctx.method, ctx.path);
  }
  if (isTenSecondlyExempt(ctx.method, ctx.path)) {
    // §7: exempt from the 110 / 10 s window; its answer still carries the window's headers.
    const ans = (route && (await route(ctx, match[1] ?? ''))) || routeNotFound(ctx.method, ctx.path);
    ans.headers = { ...(ans.headers || {}), ...peekStandard(ctx.state, ctx.portal.portalId, now) };
    return ans;
  }
  const { blocked, headers } = takeStandard(ctx.state, ctx.portal.portalId, now);
  if (blocked) return blocked;
  const ans = (route && (await route(ctx, match[1] ?? ''))) || routeNotFound(ctx.method, ctx.path);
  ans.headers = { ...(ans.headers || {}), ...headers };
  return ans;
}
