// The manifest as a security reviewer reads it: content scripts only where contact records
// live, no other extension or web page may connect, no plugins, the extension's pages run
// only their own scripts, the one host permission is HubSpot's API, and the minimum Chrome
// is one that can close every storage area (managed included) to content scripts.
// Layer: tests (node, static). Sources for the version: src/wasm/exports.rs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../../extension/manifest.json', import.meta.url), 'utf8'));

test('content scripts run only on contact records, top frame only', () => {
  assert.equal(manifest.content_scripts.length, 1);
  const [cs] = manifest.content_scripts;
  assert.deepEqual(cs.matches, ['https://app.hubspot.com/contacts/*', 'https://app-eu1.hubspot.com/contacts/*']);
  assert.equal(cs.all_frames, false);
});

test('no other extension and no web page may message the worker', () => {
  assert.deepEqual(manifest.externally_connectable, { ids: [], matches: [] });
});

test('extension pages run only their own scripts and the wasm, and embed no plugin', () => {
  const csp = manifest.content_security_policy.extension_pages.split(';').map((d) => d.trim()).filter(Boolean);
  assert.deepEqual(csp, ["script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'"]);
});

test('permissions are the few the product needs', () => {
  assert.deepEqual([...manifest.permissions].sort(), ['alarms', 'identity', 'storage']);
  assert.deepEqual(manifest.host_permissions, ['https://api.hubapi.com/*']);
  assert.equal(manifest.web_accessible_resources, undefined, 'no file of ours is reachable from a page');
});

test('the minimum Chrome can restrict managed storage (Chrome 140)', () => {
  assert.ok(Number(manifest.minimum_chrome_version) >= 140, manifest.minimum_chrome_version);
});
