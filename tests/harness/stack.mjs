// Starts what the extension talks to in tests, the demo and the benchmarks: the HubSpot
// sandbox (HTTPS, real host names) and the token broker (its real binary, over HTTP).
// Layer: test tooling. Certificates are made at run time under tests/.run/, never committed.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../sandbox/server.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXTENSION_DIR = path.join(ROOT, 'dist/extension');
export const EXTENSION_ID = 'mlcffbhjimpjdchleegdmflbagencmpj';
export const SANDBOX_CLIENT_ID = 'spotdial-sandbox-client';
export const SANDBOX_CLIENT_SECRET = 'sandbox-client-secret';

/** Makes (once) and returns the sandbox's certificates. */
export function certificates() {
  const dir = path.join(ROOT, 'tests/.run/certs');
  mkdirSync(dir, { recursive: true });
  execFileSync('bash', [path.join(ROOT, 'tests/sandbox/certs.sh'), dir], { stdio: 'ignore' });
  return {
    dir,
    ca: path.join(dir, 'ca.pem'),
    cert: path.join(dir, 'cert.pem'),
    key: path.join(dir, 'key.pem'),
    spki: readFileSync(path.join(dir, 'spki.txt'), 'utf8').trim(),
  };
}

/** Starts the broker binary against the sandbox; resolves once it listens. */
export async function startBroker({ sandboxPort, certs, extensionIds = [EXTENSION_ID] }) {
  const bin = process.env.SPOTDIAL_BROKER_BIN || path.join(ROOT, 'target/debug/spotdial-broker');
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      SPOTDIAL_BROKER_CLIENT_ID: SANDBOX_CLIENT_ID,
      SPOTDIAL_BROKER_CLIENT_SECRET: SANDBOX_CLIENT_SECRET,
      SPOTDIAL_BROKER_EXTENSION_IDS: extensionIds.join(','),
      SPOTDIAL_BROKER_HUBSPOT_URL: `https://127.0.0.1:${sandboxPort}`,
      SPOTDIAL_BROKER_LISTEN: '127.0.0.1:0',
      SPOTDIAL_BROKER_EXTRA_CA: certs.ca,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = [];
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${logs.join('')}`)), 15000);
    const onData = (chunk) => {
      logs.push(chunk.toString());
      const match = /listening on (http:\/\/\S+)/.exec(logs.join(''));
      if (match) { clearTimeout(timer); resolve(match[1].replace(/\/$/, '')); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`broker exited ${code}: ${logs.join('')}`)); });
  });
  child.stdout.on('data', (c) => logs.push(c.toString()));
  child.stderr.on('data', (c) => logs.push(c.toString()));
  return { url, logs, close: () => new Promise((r) => { child.once('exit', r); child.kill(); }) };
}

/** Starts the sandbox (and, unless `broker: false`, the broker). */
export async function startStack({ seed = 'demo', broker = true } = {}) {
  const certs = certificates();
  const sandbox = await startSandbox({ port: 0, cert: readFileSync(certs.cert), key: readFileSync(certs.key), seed });
  const brokerProcess = broker ? await startBroker({ sandboxPort: sandbox.port, certs }) : null;
  return {
    certs,
    sandbox,
    broker: brokerProcess,
    /** Sends a control request to the sandbox (`/__sandbox/...`). */
    async control(method, route, body) {
      const res = await sandboxFetch(sandbox.port, method, `/__sandbox/${route}`, body);
      return res;
    },
    async close() {
      if (brokerProcess) await brokerProcess.close();
      await sandbox.close();
    },
  };
}

/** A request to the sandbox over HTTPS on loopback, trusting its CA. */
export async function sandboxFetch(port, method, route, body) {
  const { request } = await import('node:https');
  const certs = certificates();
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, method, path: route, ca: readFileSync(certs.ca),
      servername: 'localhost', headers: body === undefined ? {} : { 'content-type': 'application/json' },
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch (_) { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}
