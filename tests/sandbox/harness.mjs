// HubSpot sandbox (tests layer): helpers for the sandbox's own node:test files (not a test itself).
// Starts the sandbox in-process over real HTTPS with certs from certs.sh in a temp dir, and sends
// requests to 127.0.0.1 with the HubSpot host names in Host/SNI, trusting only the test CA.
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import { startSandbox } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const CLIENT_ID = 'spotdial-sandbox-client';
export const CLIENT_SECRET = 'sandbox-client-secret';
export const REDIRECT = 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/cb';
export const SCOPES = 'oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.owners.read crm.lists.read';

export async function boot(opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-certs-'));
  execFileSync('bash', [join(here, 'certs.sh'), dir]);
  const ca = readFileSync(join(dir, 'ca.pem'));
  const sb = await startSandbox({ port: 0, cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')), ...opts });
  const agent = new https.Agent({ keepAlive: false, ca });
  const request = (method, host, path, { headers = {}, body, token, raw = false } = {}) => new Promise((resolve, reject) => {
    const h = { host: `${host}:${sb.port}`, ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload = body;
    if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const req = https.request({ host: '127.0.0.1', port: sb.port, method, path, headers: h, servername: host, agent, ca }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json: raw ? undefined : json });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
  const api = (method, path, opts) => request(method, 'api.hubapi.com', path, opts);
  const app = (method, path, opts) => request(method, 'app.hubspot.com', path, opts);
  const control = (method, route, body) => request(method, 'localhost', `/__sandbox/${route}`, { body });
  const form = (path, fields) => api('POST', path, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  return {
    sb, ca, request, api, app, control, form,
    async close() { agent.destroy(); await sb.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

// Drives the consent page like a browser would: returns {code, state, location}.
export async function authorize(t, { portalId = 62515, challenge, scope = SCOPES, decision = 'approve', host = 'app.hubspot.com' } = {}) {
  const q = new URLSearchParams({ client_id: CLIENT_ID, scope, redirect_uri: REDIRECT, state: 'st-123' });
  if (challenge) { q.set('code_challenge', challenge); q.set('code_challenge_method', 'S256'); }
  const page = await t.request('GET', host, `/oauth/${portalId}/authorize?${q}`);
  const id = /name="consent_id" value="([0-9a-f]+)"/.exec(page.text);
  if (!id) throw new Error(`no consent form (HTTP ${page.status}): ${page.text.slice(0, 300)}`);
  const res = await t.request('POST', host, '/oauth/authorize/decision', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ consent_id: id[1], decision }).toString(),
  });
  const location = new URL(res.headers.location);
  return { status: res.status, location, code: location.searchParams.get('code'), state: location.searchParams.get('state') };
}

export async function signIn(t, opts = {}) {
  const { verifier, challenge } = pkcePair();
  const { code } = await authorize(t, { ...opts, challenge });
  const res = await t.form('/oauth/2026-03/token', {
    grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, code_verifier: verifier });
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.text}`);
  return res.json;
}
