#!/usr/bin/env node
// HubSpot sandbox (tests layer): HTTPS entry point, CLI and `startSandbox` for in-process use.
// Tells app.hubspot.com / app-eu1.hubspot.com (UI) from api.hubapi.com / api-eu1.hubapi.com /
// localhost / 127.0.0.1 (API) by the Host header, applies scripted faults, logs every request.
// Usage: node tests/sandbox/server.mjs --port 0 --cert CERT --key KEY [--seed demo|large]
import https from 'node:https';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createState } from './store.mjs';
import { handleApi } from './api.mjs';
import { handleUi } from './ui.mjs';
import { handleControl } from './control.mjs';
import { matchFault, rollChaos, recordFired } from './faults.mjs';
import { crmError } from './errors.mjs';

const UI_HOSTS = new Set(['app.hubspot.com', 'app-eu1.hubspot.com']);
const API_HOSTS = new Set(['api.hubapi.com', 'api-eu1.hubapi.com', 'api.hubspot.com', 'localhost', '127.0.0.1']);
const MAX_BODY = 1_000_000;

function hostOf(req) {
  const raw = String(req.headers.host || '').toLowerCase();
  if (raw.startsWith('[')) return raw.slice(0, raw.indexOf(']') + 1);
  return raw.replace(/:\d+$/, '');
}

function isLoopback(req) {
  const a = req.socket.remoteAddress || '';
  return a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1';
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks), tooBig }));
    req.on('error', () => resolve({ body: Buffer.alloc(0), tooBig: false, aborted: true }));
  });
}

function send(res, ans) {
  if (res.destroyed || res.headersSent) return;
  const headers = { ...(ans.headers || {}) };
  let payload = '';
  if (ans.html !== undefined) {
    headers['content-type'] ??= 'text/html; charset=utf-8';
    payload = ans.html;
  } else if (ans.text !== undefined) {
    headers['content-type'] ??= 'text/plain; charset=utf-8';
    payload = ans.text;
  } else if (ans.body !== undefined && ans.body !== null) {
    headers['content-type'] ??= 'application/json;charset=utf-8';
    payload = typeof ans.body === 'string' ? ans.body : JSON.stringify(ans.body);
  }
  headers['content-length'] = Buffer.byteLength(payload);
  res.writeHead(ans.status, headers);
  res.end(payload);
}

// A random token fault, just before this request is processed, so the sandbox's own auth check
// answers HubSpot's 401 for it: the caller's access token expires now, or its grant is revoked
// (the app uninstalled, API-FACTS §1.5: the refresh token and every access token it issued stop
// working; the rep must connect again).
function spoilToken(state, headers, how) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(headers.authorization || ''));
  const token = m && state.oauth.access.get(m[1]);
  if (!token) return;
  if (how === 'expire') {
    token.expiresAt = Math.min(token.expiresAt, Date.now() - 1);
    return;
  }
  const refresh = state.oauth.refresh.get(token.refreshToken);
  if (refresh) refresh.revoked = true;
  for (const a of state.oauth.access.values()) if (a === token || a.refreshToken === token.refreshToken) a.revoked = true;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function handle(state, req, res) {
  const { body, tooBig } = await readBody(req);
  const url = new URL(req.url || '/', 'https://sandbox.invalid');
  const host = hostOf(req);
  const entry = {
    seq: ++state.seq, at: new Date().toISOString(), host, method: req.method, path: url.pathname,
    query: url.search.replace(/^\?/, ''), status: 0, portal: null, dropped: false, fault: null,
  };
  const ctx = {
    state, req, host, method: req.method, path: url.pathname, query: url.searchParams,
    headers: req.headers, body, now: Date.now(), entry,
  };

  if (url.pathname.startsWith('/__sandbox/')) {
    // Control routes are not logged: the log is for what a client did.
    state.seq--;
    if (!isLoopback(req)) return send(res, { status: 403, body: { error: 'control routes answer loopback clients only' } });
    return send(res, await handleControl(ctx));
  }
  state.requestLog.push(entry);
  if (state.requestLog.length > 20_000) state.requestLog.splice(0, 5_000);

  // A scripted fault wins; otherwise random faults (chaos) may roll one. Either is recorded.
  const fault = matchFault(state, req.method, url.pathname) || rollChaos(state, req.method, url.pathname);
  if (fault) {
    recordFired(state, entry, fault.kind ?? 'scripted');
    if (fault.token) spoilToken(state, req.headers, fault.token);
    if (fault.delayMs) await sleep(fault.delayMs);
    if (fault.drop === 'before') {
      entry.dropped = true;
      req.socket.destroy();
      return;
    }
  }
  let ans;
  if (fault && fault.answer) {
    // A random HubSpot-like error answer instead of the sandbox: nothing is processed.
    ans = fault.answer(state);
  } else if (fault && fault.drop !== 'after' && (fault.status !== undefined || fault.body !== undefined)) {
    // A fault with a status or body answers instead of the sandbox: the request is not processed.
    const headers = { ...(fault.headers || {}) };
    ans = typeof fault.body === 'string' || fault.body === undefined
      ? { status: fault.status ?? 500, text: fault.body ?? '', headers }
      : { status: fault.status ?? 500, body: fault.body, headers };
  } else if (tooBig) {
    ans = crmError(413, 'VALIDATION_ERROR', 'Request body too large');
  } else {
    try {
      if (UI_HOSTS.has(host)) ans = await handleUi(ctx);
      else if (API_HOSTS.has(host)) ans = await handleApi(ctx);
      else ans = { status: 421, text: `unknown host ${host}` };
    } catch (err) {
      // HubSpot answers its own bugs with a 500 in the usual shape; the sandbox never crashes.
      ans = crmError(500, 'INTERNAL_ERROR', `internal error: ${err && err.message}`);
    }
    if (fault && fault.headers) ans.headers = { ...(ans.headers || {}), ...fault.headers };
  }
  entry.status = ans.status;
  if (ctx.portal) entry.portal = ctx.portal.portalId;
  if (fault && fault.drop === 'after') {
    entry.dropped = true;
    req.socket.destroy();
    return;
  }
  send(res, ans);
}

export async function startSandbox({ port = 0, cert, key, seed = 'demo', plainHttp = false } = {}) {
  const state = createState({ seed });
  const onRequest = (req, res) => {
    handle(state, req, res).catch((err) => {
      try { send(res, crmError(500, 'INTERNAL_ERROR', String(err && err.message))); } catch { /* socket gone */ }
    });
  };
  const server = plainHttp
    ? http.createServer(onRequest)
    : https.createServer({ cert, key }, onRequest);
  server.keepAliveTimeout = 5_000;
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('clientError', (err, socket) => { socket.destroy(); });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    state,
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

function parseArgs(argv) {
  const out = { port: 0, seed: 'demo' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--port') { out.port = Number(v); i++; }
    else if (a === '--cert') { out.cert = v; i++; }
    else if (a === '--key') { out.key = v; i++; }
    else if (a === '--seed') { out.seed = v; i++; }
    else throw new Error(`unknown argument ${a}`);
  }
  if (!out.cert || !out.key) throw new Error('--cert and --key are required');
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error('bad --port');
  if (!['demo', 'large'].includes(out.seed)) throw new Error('--seed must be demo or large');
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\nusage: server.mjs --port P --cert CERT --key KEY [--seed demo|large]\n`);
    process.exit(2);
  }
  const sb = await startSandbox({ port: args.port, cert: readFileSync(args.cert), key: readFileSync(args.key), seed: args.seed });
  process.stdout.write(`${JSON.stringify({ listening: sb.port })}\n`);
  const stop = () => sb.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
