// Tests of `./build.sh package` (tools/package.mjs): signing and update-URL hygiene, and the
// macOS configuration profile read back by an independent property-list parser (npm `plist`,
// not our writer's own reading). Layer: tests (tooling). Needs dist/extension (./build.sh) and
// Chromium, which packs the CRX.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import * as plist from 'plist';
import { checkSigningKey, checkUpdateUrl, throwawayKey } from '../../tools/package/inputs.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGE = path.join(ROOT, 'tools/package.mjs');

function runPackage(env) {
  const result = spawnSync(process.execPath, [PACKAGE], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let tmp;
before(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'spotdial-package-')); });
after(() => rmSync(tmp, { recursive: true, force: true }));

const newKey = (file, mode) => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  chmodSync(file, mode);
  return file;
};

describe('signing key hygiene', () => {
  test('a SPOTDIAL_SIGNING_KEY readable by group or others is refused with a sentence naming the file and chmod 600', () => {
    const key = newKey(path.join(tmp, 'shared-key.pem'), 0o644);
    const out = path.join(tmp, 'refused-out');
    const run = runPackage({ SPOTDIAL_SIGNING_KEY: key, SPOTDIAL_PACKAGE_DIR: out, SPOTDIAL_UPDATE_URL: 'https://updates.example.com/spotdial/' });
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim(), `package: SPOTDIAL_SIGNING_KEY ${key} is open to group or others (mode 0644); `
      + `a signing key must be readable by its owner only: run chmod 600 ${key} and package again.`);
    assert.ok(!existsSync(out), 'nothing was written');
    for (const mode of [0o640, 0o604, 0o620]) {
      chmodSync(key, mode);
      assert.throws(() => checkSigningKey(key), /chmod 600/, `mode ${mode.toString(8)} is refused`);
    }
    chmodSync(key, 0o600);
    assert.equal(checkSigningKey(key), key, 'an owner-only key is accepted');
    chmodSync(key, 0o400);
    assert.equal(checkSigningKey(key), key, 'a read-only owner-only key is accepted');
  });

  test('a SPOTDIAL_SIGNING_KEY that is missing or not a private key is refused with a sentence', () => {
    assert.throws(() => checkSigningKey(path.join(tmp, 'nope.pem')), /SPOTDIAL_SIGNING_KEY names .*nope\.pem, which does not exist\./);
    const junk = path.join(tmp, 'junk.pem');
    writeFileSync(junk, 'not a key');
    chmodSync(junk, 0o600);
    assert.throws(() => checkSigningKey(junk), /is not a PEM private key/);
  });

  test('the throwaway signing key is written readable by its owner only, and an old wider one is narrowed', () => {
    const previous = process.umask(0o022);
    try {
      const file = path.join(tmp, 'throwaway', 'key.pem');
      const [written, made] = throwawayKey(file);
      assert.equal(made, true);
      assert.equal(statSync(written).mode & 0o777, 0o600);
      chmodSync(file, 0o644);
      const [, madeAgain] = throwawayKey(file);
      assert.equal(madeAgain, false, 'the same key is kept');
      assert.equal(statSync(file).mode & 0o777, 0o600);
    } finally {
      process.umask(previous);
    }
  });
});

describe('update URL hygiene', () => {
  test('an update URL over plain http is refused with a sentence; https and loopback http are accepted', () => {
    const run = runPackage({ SPOTDIAL_UPDATE_URL: 'http://updates.example.com/spotdial', SPOTDIAL_PACKAGE_DIR: path.join(tmp, 'http-out') });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^package: SPOTDIAL_UPDATE_URL http:\/\/updates\.example\.com\/spotdial uses plain http; .*use an https address/);
    assert.ok(!existsSync(path.join(tmp, 'http-out')));
    assert.throws(() => checkUpdateUrl('ftp://updates.example.com/'), /must be an https address/);
    assert.throws(() => checkUpdateUrl('updates.example.com/spotdial'), /is not a URL/);
    assert.throws(() => checkUpdateUrl('https://updates.example.com/?v=1'), /without query/);
    assert.throws(() => checkUpdateUrl('http://10.0.0.5/'), /plain http/);
    assert.throws(() => checkUpdateUrl('http://127.0.0.1.example.com/'), /plain http/, 'a name that merely starts like loopback');
    assert.equal(checkUpdateUrl('https://updates.example.com/spotdial'), 'https://updates.example.com/spotdial/');
    assert.equal(checkUpdateUrl('http://127.0.0.1:8123/'), 'http://127.0.0.1:8123/');
    assert.equal(checkUpdateUrl('http://localhost:8123/x/'), 'http://localhost:8123/x/');
    assert.equal(checkUpdateUrl('http://[::1]:8123/'), 'http://[::1]:8123/');
  });
});

describe('the macOS configuration profile', () => {
  const id = 'abcdefghijklmnopabcdefghijklmnop';
  // Text that needs XML escaping, numbers that must stay integers, and lists.
  const values = {
    brokerUrl: 'https://broker.example.com',
    clientId: 'app-1',
    portalId: '62515',
    dialScheme: 'template',
    dialTemplate: 'https://pbx.example.com/dial?to={e164}&from=<desk>',
    callingHoursStart: 9,
    retentionDays: 30,
    mappedProperties: ['lifecyclestage', 'hs_lead_status'],
  };
  let out;
  let run;
  before(() => {
    out = path.join(tmp, 'mac-out');
    const valuesFile = path.join(tmp, 'values.json');
    writeFileSync(valuesFile, JSON.stringify(values));
    run = runPackage({ SPOTDIAL_PACKAGE_DIR: out, SPOTDIAL_UPDATE_URL: 'https://updates.example.com/spotdial/', SPOTDIAL_EXTENSION_ID: id, SPOTDIAL_POLICY_VALUES: valuesFile });
  });

  test('./build.sh package writes a profile that parses as a property list and force-installs Spotdial', () => {
    assert.equal(run.code, 0, run.stderr);
    const file = path.join(out, 'policy', 'macos-spotdial.mobileconfig');
    assert.match(run.stdout, /policy\/macos-spotdial\.mobileconfig/);
    const profile = plist.parse(readFileSync(file, 'utf8'));
    const uuid = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;
    assert.equal(profile.PayloadType, 'Configuration');
    assert.equal(profile.PayloadVersion, 1);
    assert.equal(profile.PayloadScope, 'System');
    assert.match(profile.PayloadUUID, uuid);
    assert.equal(profile.PayloadContent.length, 2);
    const uuids = new Set([profile.PayloadUUID, ...profile.PayloadContent.map((p) => p.PayloadUUID)]);
    assert.equal(uuids.size, 3, 'every payload has its own UUID');
    const identifiers = new Set([profile.PayloadIdentifier, ...profile.PayloadContent.map((p) => p.PayloadIdentifier)]);
    assert.equal(identifiers.size, 3);
    const chrome = profile.PayloadContent.find((p) => p.PayloadType === 'com.google.Chrome');
    assert.ok(chrome, 'a payload for Chrome\'s own policy domain');
    assert.match(chrome.PayloadUUID, uuid);
    assert.equal(chrome.PayloadVersion, 1);
    assert.deepEqual(chrome.ExtensionInstallForcelist, [`${id};https://updates.example.com/spotdial/update.xml`]);
    assert.deepEqual(chrome.ExtensionSettings, {
      [id]: { installation_mode: 'force_installed', update_url: 'https://updates.example.com/spotdial/update.xml', toolbar_pin: 'force_pinned' },
    });
  });

  test('the profile carries the managed settings in the extension\'s own domain, typed as the schema says', () => {
    const profile = plist.parse(readFileSync(path.join(out, 'policy', 'macos-spotdial.mobileconfig'), 'utf8'));
    const settings = profile.PayloadContent.find((p) => p.PayloadType === `com.google.Chrome.extensions.${id}`);
    assert.ok(settings, 'Chrome on a Mac reads an extension\'s policy from com.google.Chrome.extensions.<id>');
    const own = Object.fromEntries(Object.entries(settings).filter(([k]) => !k.startsWith('Payload')));
    assert.deepEqual(own, values);
    // The same values as the Linux template: every platform gets one policy.
    const linux = JSON.parse(readFileSync(path.join(out, 'policy', 'linux-managed-storage.json'), 'utf8'));
    assert.deepEqual(linux['3rdparty'].extensions[id], values);
  });

  test('a second run gives the same profile UUIDs (an MDM sees an update, not a new profile)', () => {
    const first = readFileSync(path.join(out, 'policy', 'macos-spotdial.mobileconfig'), 'utf8');
    const again = runPackage({ SPOTDIAL_PACKAGE_DIR: out, SPOTDIAL_UPDATE_URL: 'https://updates.example.com/spotdial/', SPOTDIAL_EXTENSION_ID: id, SPOTDIAL_POLICY_VALUES: path.join(tmp, 'values.json') });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(path.join(out, 'policy', 'macos-spotdial.mobileconfig'), 'utf8'), first);
  });

  test('with the Web Store\'s id and no update URL, every template installs from the Web Store', () => {
    const storeOut = path.join(tmp, 'store-out');
    const store = runPackage({ SPOTDIAL_PACKAGE_DIR: storeOut, SPOTDIAL_EXTENSION_ID: id, SPOTDIAL_UPDATE_URL: '' });
    assert.equal(store.code, 0, store.stderr);
    const webStore = 'https://clients2.google.com/service/update2/crx';
    const profile = plist.parse(readFileSync(path.join(storeOut, 'policy', 'macos-spotdial.mobileconfig'), 'utf8'));
    assert.deepEqual(profile.PayloadContent.find((p) => p.PayloadType === 'com.google.Chrome').ExtensionInstallForcelist, [`${id};${webStore}`]);
    for (const name of ['linux-force-install.json', 'linux-force-install-web-store.json']) {
      const policy = JSON.parse(readFileSync(path.join(storeOut, 'policy', name), 'utf8'));
      assert.deepEqual(policy.ExtensionInstallForcelist, [`${id};${webStore}`], name);
    }
  });

  test('policy values of the wrong type are refused before anything is written', () => {
    const bad = path.join(tmp, 'bad-values.json');
    writeFileSync(bad, JSON.stringify({ portalId: 62515 }));
    const refused = runPackage({ SPOTDIAL_PACKAGE_DIR: path.join(tmp, 'bad-out'), SPOTDIAL_POLICY_VALUES: bad });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^package: SPOTDIAL_POLICY_VALUES .*bad-values\.json: portalId is integer; managed_schema\.json says string/);
    assert.ok(!existsSync(path.join(tmp, 'bad-out')));
  });
});
