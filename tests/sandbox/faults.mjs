// HubSpot sandbox (tests layer): scripted faults, set through POST /__sandbox/faults.
// A fault matches a method (optional) and a path regex; the first live match wins. It may delay,
// replace the answer (status/body/headers), or drop the connection before or after processing.
// `times` (default: unlimited) counts matches; a spent fault is removed.

const ALLOWED = new Set(['method', 'path', 'status', 'body', 'headers', 'delayMs', 'drop', 'times']);

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
