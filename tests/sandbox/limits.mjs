// HubSpot sandbox (tests layer): per-portal rate limits (§13, §11, §7).
// Standard API calls: `rateLimitMax` per rolling `rateLimitIntervalMs` (110 / 10 s), with the
// X-HubSpot-RateLimit-* headers on every answer, 429 TEN_SECONDLY_ROLLING beyond. Search: 5 per
// rolling second, no rate headers, 429 SECONDLY. OAuth token endpoints are not counted. The
// association batch endpoints are exempt from the ten-secondly window (§7: HubSpot's spec tags
// them `x-hubspot-rate-limit-exemptions: ["ten-secondly"]`): not counted, never refused by it,
// and answered with the rate headers like every non-search answer (§13).
import { rateLimited } from './errors.mjs';

function windowOf(state, key) {
  let w = state.rate.get(key);
  if (!w) { w = []; state.rate.set(key, w); }
  return w;
}

function prune(w, now, interval) {
  while (w.length && w[0] <= now - interval) w.shift();
}

// The portal's window: this browser's requests in `w`, and `others` held by the portal's other
// reps (config `otherRepsUsage`), all counted against the one maximum.
function standardWindow(state, portalId, now) {
  const max = state.config.rateLimitMax;
  const interval = state.config.rateLimitIntervalMs;
  const others = state.config.otherRepsUsage || 0;
  const w = windowOf(state, `std:${portalId}`);
  prune(w, now, interval);
  const headers = {
    'x-hubspot-ratelimit-interval-milliseconds': String(interval),
    'x-hubspot-ratelimit-max': String(max),
  };
  return { max, w, others, headers };
}

// An exempt request (§7): the window's headers as they stand, nothing taken from it.
export function peekStandard(state, portalId, now) {
  const { max, w, others, headers } = standardWindow(state, portalId, now);
  headers['x-hubspot-ratelimit-remaining'] = String(Math.max(0, max - others - w.length));
  return headers;
}

// `METHOD path` of a request exempt from the ten-secondly window: the association batch
// endpoints (read, create, archive, labels) under /crm/associations/{version}/{from}/{to}/batch/.
export function isTenSecondlyExempt(method, path) {
  return method === 'POST' && /^\/crm\/associations\/[^/]+\/[^/]+\/[^/]+\/batch\//.test(path);
}

// Returns {blocked: answer|null, headers}. A refused request does not use up budget.
export function takeStandard(state, portalId, now) {
  const { max, w, others, headers } = standardWindow(state, portalId, now);
  if (others + w.length >= max) {
    headers['x-hubspot-ratelimit-remaining'] = '0';
    const blocked = rateLimited('TEN_SECONDLY_ROLLING');
    blocked.headers = { ...headers };
    return { blocked, headers };
  }
  w.push(now);
  headers['x-hubspot-ratelimit-remaining'] = String(max - others - w.length);
  return { blocked: null, headers };
}

// §17.4: the key is "per account" (2026 guide) or "per token" (2024); per account is stricter
// because every rep of a portal shares it.
export function takeSearch(state, portalId, now) {
  const w = windowOf(state, `search:${portalId}`);
  prune(w, now, 1000);
  if (w.length >= state.config.searchRateLimitPerSecond) return rateLimited('SECONDLY');
  w.push(now);
  return null;
}
