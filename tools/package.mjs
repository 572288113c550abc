// `./build.sh package`: what ships. The Chrome Web Store upload zip (dist/extension without the
// manifest "key"), a signed CRX3 for self-hosting with its gupdate manifest, and the policy
// templates admins need (Linux, Admin console, Windows .reg, macOS .mobileconfig). Layer:
// tooling; Node and Debian's Chromium only. Parts live in tools/package/. Env:
// SPOTDIAL_SIGNING_KEY (PEM path), SPOTDIAL_UPDATE_URL (base URL), SPOTDIAL_EXTENSION_ID,
// SPOTDIAL_POLICY_VALUES (JSON file of managed settings), SPOTDIAL_PACKAGE_DIR (default dist/).
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { idOfKeyPem, idOfPublicKeyDer, packCrx, verifyCrx } from './package/crx.mjs';
import { PackageError, checkSigningKey, checkUpdateUrl, policyValues, throwawayKey } from './package/inputs.mjs';
import { policyTemplates } from './package/templates.mjs';
import { filesUnder, zip } from './package/zip.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXTENSION_DIR = path.join(ROOT, 'dist', 'extension');
/** The id the committed public key in extension/manifest.json gives. */
const COMMITTED_ID = 'mlcffbhjimpjdchleegdmflbagencmpj';
const WEB_STORE_UPDATE_URL = 'https://clients2.google.com/service/update2/crx';
const PLACEHOLDER_BASE = 'https://updates.example.com/spotdial/';

/** Example values for every key an admin is likely to set; each passes Spotdial's own parser. */
const EXAMPLE_POLICY = {
  brokerUrl: 'https://spotdial-broker.example.com',
  clientId: '00000000-0000-4000-8000-000000000000',
  portalId: '12345678',
  dialScheme: 'tel',
  defaultCountry: 'US',
  fromNumber: '+1 212 555 0100',
  callingHoursStart: 8,
  callingHoursEnd: 20,
  retentionDays: 90,
  phoneProperties: ['direct_line'],
  mappedProperties: ['lifecyclestage', 'hs_lead_status'],
  queueHorizonDays: 1,
};

function run() {
  const out = path.resolve(process.env.SPOTDIAL_PACKAGE_DIR || path.join(ROOT, 'dist'));
  const written = [];
  const warnings = [];
  const rel = (file) => path.relative(ROOT, file);
  const write = (file, data, what) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
    written.push([rel(file), what, statSync(file).size]);
  };

  // Everything the admin supplied is checked before anything is written.
  const base = process.env.SPOTDIAL_UPDATE_URL ? checkUpdateUrl(process.env.SPOTDIAL_UPDATE_URL) : PLACEHOLDER_BASE;
  if (!process.env.SPOTDIAL_UPDATE_URL) {
    warnings.push(process.env.SPOTDIAL_EXTENSION_ID
      ? `SPOTDIAL_UPDATE_URL is not set: the policies install ${process.env.SPOTDIAL_EXTENSION_ID} from the Chrome Web Store; update.xml points at the placeholder ${PLACEHOLDER_BASE}`
      : `SPOTDIAL_UPDATE_URL is not set: update.xml and the policies point at the placeholder ${PLACEHOLDER_BASE}`);
  }
  const givenKey = process.env.SPOTDIAL_SIGNING_KEY ? checkSigningKey(process.env.SPOTDIAL_SIGNING_KEY) : null;
  if (!existsSync(path.join(EXTENSION_DIR, 'manifest.json'))) throw new PackageError('dist/extension is missing: run ./build.sh first.');
  const manifest = JSON.parse(readFileSync(path.join(EXTENSION_DIR, 'manifest.json'), 'utf8'));
  const version = manifest.version;
  if (!/^\d+(\.\d+){0,3}$/.test(version || '')) throw new PackageError(`manifest version "${version}" is not a Chrome version.`);
  if (manifest.key && idOfPublicKeyDer(Buffer.from(manifest.key, 'base64')) !== COMMITTED_ID) {
    warnings.push(`the manifest's public key gives ${idOfPublicKeyDer(Buffer.from(manifest.key, 'base64'))}, not ${COMMITTED_ID}`);
  }
  const schema = JSON.parse(readFileSync(path.join(EXTENSION_DIR, 'managed_schema.json'), 'utf8'));
  const values = policyValues(schema, process.env.SPOTDIAL_POLICY_VALUES, EXAMPLE_POLICY);
  const givenId = process.env.SPOTDIAL_EXTENSION_ID;
  if (givenId && !/^[a-p]{32}$/.test(givenId)) throw new PackageError(`SPOTDIAL_EXTENSION_ID "${givenId}" is not an extension id (32 letters a to p).`);
  // Chrome hands the extension only what the schema declares: every key the core reads must be there.
  const coreKeys = (/POLICY_KEYS: \[&str; \d+\] = \[([^\]]*)\]/.exec(readFileSync(path.join(ROOT, 'src/settings/mod.rs'), 'utf8')) || [])[1];
  if (!coreKeys) warnings.push('could not find POLICY_KEYS in src/settings/mod.rs to check the schema against');
  else {
    const missing = [...coreKeys.matchAll(/"(\w+)"/g)].map((m) => m[1]).filter((k) => !schema.properties[k]);
    if (missing.length) throw new PackageError(`managed_schema.json does not declare ${missing.join(', ')} (POLICY_KEYS in src/settings/mod.rs); Chrome would drop them.`);
  }

  // 1. The Web Store zip: the manifest without "key" (the Store assigns the id).
  const entries = filesUnder(EXTENSION_DIR).map((name) => {
    const data = readFileSync(path.join(EXTENSION_DIR, name));
    if (name !== 'manifest.json') return [name, data];
    const { key: _key, ...rest } = JSON.parse(data.toString('utf8'));
    return [name, Buffer.from(`${JSON.stringify(rest, null, 2)}\n`)];
  });
  write(path.join(out, `spotdial-${version}.zip`), zip(entries), `Chrome Web Store upload: ${entries.length} files, manifest without "key"`);

  // 2. The signed CRX and its update manifest. The packed manifest has no "key" either: a CRX3's
  // id comes from its signing key, and a manifest key naming another id would not match it.
  let keyFile = givenKey;
  if (!keyFile) {
    const [file, made] = throwawayKey(path.join(out, 'throwaway-signing-key.pem'));
    keyFile = file;
    if (made) written.push([rel(file), 'throwaway CRX signing key, mode 0600 (local only, never commit)', statSync(file).size]);
  }
  const signingId = idOfKeyPem(readFileSync(keyFile));
  const stage = path.join(out, 'crx-stage', 'spotdial');
  rmSync(path.dirname(stage), { recursive: true, force: true });
  for (const [name, data] of entries) {
    mkdirSync(path.dirname(path.join(stage, name)), { recursive: true });
    writeFileSync(path.join(stage, name), data);
  }
  const crxName = `spotdial-${version}.crx`;
  const crxFile = path.join(out, crxName);
  try {
    packCrx(stage, keyFile, crxFile);
  } finally {
    rmSync(path.dirname(stage), { recursive: true, force: true });
  }
  const checked = verifyCrx(crxFile);
  if (checked.id !== signingId) throw new PackageError(`the CRX's id ${checked.id} is not the signing key's id ${signingId}.`);
  written.push([rel(crxFile), `signed CRX3, id ${checked.id}, signature verified`, statSync(crxFile).size]);

  const updateUrl = `${base}update.xml`;
  const xmlEscape = (s) => String(s).replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
  write(path.join(out, 'update.xml'), [
    "<?xml version='1.0' encoding='UTF-8'?>",
    "<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>",
    `  <app appid='${checked.id}'>`,
    `    <updatecheck codebase='${xmlEscape(base + crxName)}' version='${xmlEscape(version)}' />`,
    '  </app>',
    '</gupdate>',
    '',
  ].join('\n'), `gupdate manifest: ${checked.id} ${version} at ${base}${crxName}`);

  // 3. Policy templates for admins.
  const policyId = givenId || (givenKey ? checked.id : COMMITTED_ID);
  const idSource = givenId ? 'from SPOTDIAL_EXTENSION_ID' : givenKey ? 'the id of SPOTDIAL_SIGNING_KEY' : 'the id of the key committed in extension/manifest.json';
  const valuesSource = process.env.SPOTDIAL_POLICY_VALUES ? `from ${process.env.SPOTDIAL_POLICY_VALUES}` : 'examples, to edit';
  const policyDir = path.join(out, 'policy');
  rmSync(policyDir, { recursive: true, force: true });
  // An id given without an update URL is the Web Store's: the templates then install from the Store.
  const policyUpdateUrl = givenId && !process.env.SPOTDIAL_UPDATE_URL ? WEB_STORE_UPDATE_URL : updateUrl;
  for (const [name, data, what] of policyTemplates({
    id: policyId, updateUrl: policyUpdateUrl, values, schema, version, idSource, valuesSource,
    webStoreUrl: WEB_STORE_UPDATE_URL, webStoreId: givenId || '<web-store-id>',
  })) write(path.join(policyDir, name), data, what);

  // Report.
  const width = Math.max(...written.map((w) => w[0].length));
  console.log(`Spotdial ${version} packaged:`);
  for (const [file, what, size] of written) console.log(`  ${file.padEnd(width)}  ${String(size).padStart(8)} B  ${what}`);
  if (!givenKey) {
    console.log(`
  NOTE: no SPOTDIAL_SIGNING_KEY was given, so ${rel(crxFile)} is signed with the throwaway key
  ${rel(keyFile)}. Its extension id is ${checked.id}, NOT the committed public key's id ${COMMITTED_ID}:
  Chrome will treat it as a different extension (other id, other storage, other OAuth redirect URI).
  A production CRX must be signed with the real private key from the team's secret store:
    SPOTDIAL_SIGNING_KEY=/path/to/spotdial.pem ./build.sh package
  The policy templates name ${policyId}, ${givenId ? 'from SPOTDIAL_EXTENSION_ID' : 'the production id'}, not this CRX's id.`);
  }
  for (const warning of warnings) console.log(`  warning: ${warning}`);
}

try {
  run();
} catch (error) {
  // A refusal is a sentence for the admin; anything else is a fault worth its stack.
  console.error(`package: ${error instanceof PackageError ? error.message : error.stack || error}`);
  process.exit(1);
}
