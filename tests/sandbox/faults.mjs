// HubSpot sandbox (tests layer): scripted faults, set through POST /__sandbox/faults.
// A fault matches a method (optional) and a path regex; the first live match wins. It may delay,
// replace the answer (status/body/headers), or drop the connection before or after processing.
// `times` (default: unlimited) counts matches; a spent fault is removed. `kind` names the fault
// in the record of fired faults (default "scripted"). Random faults ("chaos") are further down.
import { crmError, rateLimited } from './errors.mjs';

const ALLOWED = new Set(['method', 'path', 'status', 'body', 'headers', 'delayMs', 'drop', 'times', 'kind']);

// Returns an error string or null, and on success pushes the parsed fault.
export function addFault(state, spec) {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return 'fault must be a JSON object';
  for (const k of Object.keys(spec)) if (!ALLOWED.has(k)) return `unknown fault field ${k}`;
  if (typeof spec.path !== 'string') return 'path (a regex source) is required';
  let re;
  try { re = new RegExp(spec.path); } catch (err) { return `bad path regex: ${err.message}`; }
  if (spec.method !== undefined && typeof spec.method !== 'string') return 'method must be a string';
  if (spec.status !== undefined && !(Number.isInteger(spec.status) && spec.status >= 100 && spec.status <= 599)) {
    return 'status must be an HTTP status code';
  }
  if (spec.headers !== undefined && (typeof spec.headers !== 'object' || spec.headers === null || Array.isArray(spec.headers))) {
    return 'headers must be an object';
  }
  if (spec.delayMs !== undefined && !(Number.isFinite(spec.delayMs) && spec.delayMs >= 0 && spec.delayMs <= 120_000)) {
    return 'delayMs must be 0..120000';
  }
  if (spec.kind !== undefined && !(typeof spec.kind === 'string' && /^[a-z0-9-]{1,40}$/.test(spec.kind))) return 'kind must be a short lowercase name';
  if (spec.drop !== undefined && spec.drop !== 'before' && spec.drop !== 'after') return 'drop must be "before" or "after"';
  if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times > 0)) return 'times must be a positive integer';
  const headers = spec.headers ? Object.fromEntries(Object.entries(spec.headers).map(([k, v]) => [k.toLowerCase(), String(v)])) : undefined;
  const fault = { ...spec, headers, re, method: spec.method?.toUpperCase(), remaining: spec.times ?? Infinity, id: state.faults.length + 1 };
  state.faults.push(fault);
  return null;
}

export function clearFaults(state) {
  state.faults = [];
}

export function matchFault(state, method, path) {
  const i = state.faults.findIndex((f) => (!f.method || f.method === method) && f.re.test(path));
  if (i < 0) return null;
  const f = state.faults[i];
  f.remaining -= 1;
  if (f.remaining <= 0) state.faults.splice(i, 1);
  return f;
}

export function describeFaults(state) {
  return state.faults.map(({ re, remaining, ...rest }) => ({ ...rest, remaining: remaining === Infinity ? null : remaining }));
}

// ---------------------------------------------------------------------------------------------
// Random faults ("chaos"): from a seed, each API request whose method and path match rolls a
// PRNG (mulberry32, so a seed replays the same sequence of rolls); with probability `rate` one
// of `kinds` fires. Every kind is what HubSpot (API-FACTS §13, §14) or the network in front of
// it does. Scripted faults (above) win over chaos. Every fired fault, scripted or random, is
// recorded by kind, so a test reads what happened from here, not from its own intentions.
// ---------------------------------------------------------------------------------------------

/** The client's request timeout is 20 s (src/wasm/platform.rs); "slow" answers after it gave up. */
export const SLOW_MS = 21_000;

// What each kind does: `drop` before/after processing, `answer` instead of processing, `delayMs`
// before processing, `token` expires the caller's access token or revokes its grant (refresh
// token and access tokens) before processing, so the sandbox's own auth check answers the 401.
export const CHAOS_KINDS = Object.freeze({
  'drop-before': { drop: 'before' },
  'drop-after': { drop: 'after' },
  'status-500': { answer: () => crmError(500, 'INTERNAL_ERROR', 'internal error') },
  // §13 names the 502 but no body: a gateway in front of HubSpot answers it, not the CRM app.
  'status-502': { answer: () => ({ status: 502, html: '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>' }) },
  'status-503': { answer: () => crmError(503, 'SERVICE_UNAVAILABLE', 'Service unavailable') },
  // §13: 423 is a lock; wait at least 2 s.
  'status-423': { answer: () => crmError(423, 'LOCKED', 'This record is locked by another request. Try again in a few seconds.') },
  // §13: the body names the policy; Retry-After is UNSURE on 429s, so none is sent.
  '429-ten-secondly': { answer: (state) => rateLimitedWithHeaders(state, 'TEN_SECONDLY_ROLLING') },
  '429-daily': { answer: (state) => rateLimitedWithHeaders(state, 'DAILY') },
  slow: { delayMs: SLOW_MS },
  'token-expired': { token: 'expire' },
  'token-revoked': { token: 'revoke' },
});

function rateLimitedWithHeaders(state, policy) {
  const ans = rateLimited(policy);
  ans.headers = {
    'x-hubspot-ratelimit-interval-milliseconds': String(state.config.rateLimitIntervalMs),
    'x-hubspot-ratelimit-max': String(state.config.rateLimitMax),
    'x-hubspot-ratelimit-remaining': '0',
  };
  return ans;
}

/** mulberry32: small, fast and the same on every Node; enough for test randomness. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHAOS_ALLOWED = new Set(['seed', 'rate', 'path', 'method', 'kinds', 'cover']);

// Returns an error string or null; on success chaos is on with this spec.
export function setChaos(state, spec) {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return 'chaos must be a JSON object';
  for (const k of Object.keys(spec)) if (!CHAOS_ALLOWED.has(k)) return `unknown chaos field ${k}`;
  if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffffffff) return 'seed must be an integer 0..2^32-1';
  if (!(typeof spec.rate === 'number' && spec.rate >= 0 && spec.rate <= 1)) return 'rate must be 0..1';
  if (typeof spec.path !== 'string') return 'path (a regex source) is required';
  let re;
  try { re = new RegExp(spec.path); } catch (err) { return `bad path regex: ${err.message}`; }
  if (spec.method !== undefined && typeof spec.method !== 'string') return 'method must be a string';
  const kinds = spec.kinds ?? Object.keys(CHAOS_KINDS);
  if (!Array.isArray(kinds) || !kinds.length || !kinds.every((k) => k in CHAOS_KINDS)) {
    return `kinds must be a non-empty array of: ${Object.keys(CHAOS_KINDS).join(', ')}`;
  }
  if (spec.cover !== undefined && typeof spec.cover !== 'boolean') return 'cover must be true or false';
  const roll = prng(spec.seed);
  // `cover`: the first matching requests go through every kind once, in an order the seed
  // shuffles, so a run short of luck still meets each kind; later ones hit at `rate`.
  const order = [...kinds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(roll() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  state.chaos = { seed: spec.seed, rate: spec.rate, path: spec.path, re, method: spec.method?.toUpperCase(), kinds: [...kinds],
    roll, rolls: 0, hits: 0, cover: spec.cover ? order : [] };
  return null;
}

export function clearChaos(state) {
  state.chaos = null;
}

/** The random fault for this request, or null. Consumes two rolls per matching request. */
export function rollChaos(state, method, path) {
  const c = state.chaos;
  if (!c || (c.method && c.method !== method) || !c.re.test(path)) return null;
  c.rolls += 1;
  // Until `cover` has met every kind, each matching request is a hit: a run short of luck at
  // the rate would otherwise meet only some kinds (measured: 2 hits in 34 creates at 0.2).
  const hit = c.roll() < c.rate || c.hits < c.cover.length;
  const pick = c.roll();
  if (!hit) return null;
  const kind = c.cover[c.hits] ?? c.kinds[Math.min(c.kinds.length - 1, Math.floor(pick * c.kinds.length))];
  c.hits += 1;
  return { kind, ...CHAOS_KINDS[kind] };
}

/** Records a fired fault (scripted or random) against its request log entry. */
export function recordFired(state, entry, kind) {
  entry.fault = kind;
  state.faultsFired.push({ seq: entry.seq, at: entry.at, kind, method: entry.method, path: entry.path });
}

export function describeChaos(state) {
  const counts = {};
  for (const f of state.faultsFired) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  const c = state.chaos;
  return {
    chaos: c ? { seed: c.seed, rate: c.rate, path: c.path, method: c.method ?? null, kinds: c.kinds, rolls: c.rolls, hits: c.hits, cover: c.cover.length > 0 } : null,
    counts,
    fired: state.faultsFired,
  };
}
