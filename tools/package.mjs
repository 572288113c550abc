// `./build.sh package`: what ships. The Chrome Web Store upload zip (dist/extension without the
// manifest "key"), a signed CRX3 for self-hosting with its gupdate manifest, and the policy
// templates admins need (managed storage, force-install, Windows .reg). Layer: tooling; Node and
// Debian's Chromium only (Chromium packs the CRX, this file checks its signature).
// Env: SPOTDIAL_SIGNING_KEY (PEM path), SPOTDIAL_UPDATE_URL (base URL), SPOTDIAL_EXTENSION_ID.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const EXTENSION_DIR = path.join(DIST, 'extension');
/** The id the committed public key in extension/manifest.json gives. */
const COMMITTED_ID = 'mlcffbhjimpjdchleegdmflbagencmpj';
const WEB_STORE_UPDATE_URL = 'https://clients2.google.com/service/update2/crx';
const PLACEHOLDER_BASE = 'https://updates.example.com/spotdial/';

const written = [];
const warnings = [];
const rel = (file) => path.relative(ROOT, file);
function write(file, data, what) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, data);
  written.push([rel(file), what, statSync(file).size]);
}
function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Extension ids: the first 128 bits of SHA-256 over the DER public key, in the letters a–p.
// ---------------------------------------------------------------------------------------------
function idOfPublicKeyDer(der) {
  return [...crypto.createHash('sha256').update(der).digest().subarray(0, 16)]
    .map((b) => String.fromCharCode(97 + (b >> 4), 97 + (b & 15))).join('');
}
const publicDerOf = (pem) => crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' });

// ---------------------------------------------------------------------------------------------
// A small, deterministic zip writer (deflate per file, fixed timestamps, sorted entries).
// ---------------------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function filesUnder(dir, base = dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, base));
    else if (entry.isFile()) out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out.sort();
}

/** `entries`: [name, Buffer]. Returns the zip as a Buffer. */
function zip(entries) {
  // 2020-01-01 00:00 in DOS time: the same bytes from the same inputs.
  const dosTime = 0;
  const dosDate = ((2020 - 1980) << 9) | (1 << 5) | 1;
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(data, { level: 9 });
    const stored = deflated.length >= data.length;
    const body = stored ? data : deflated;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  if (offset > 0xffffffff || entries.length > 0xffff) fail('the extension is too large for a zip without zip64');
  return Buffer.concat([...locals, centralDir, end]);
}

/** The extension's files, with the manifest's "key" left out (the Web Store assigns the id). */
function extensionEntries() {
  return filesUnder(EXTENSION_DIR).map((name) => {
    const data = readFileSync(path.join(EXTENSION_DIR, name));
    if (name !== 'manifest.json') return [name, data];
    const manifest = JSON.parse(data.toString('utf8'));
    delete manifest.key;
    return [name, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)];
  });
}

// ---------------------------------------------------------------------------------------------
// CRX3: packed by Chromium, then read back: header, signature and id are checked here.
// ---------------------------------------------------------------------------------------------
function protoFields(buf) {
  const fields = [];
  let i = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 2) {
      const len = Number(varint());
      fields.push([field, buf.subarray(i, i + len)]);
      i += len;
    } else if (wire === 0) {
      fields.push([field, varint()]);
    } else {
      throw new Error(`unexpected protobuf wire type ${wire}`);
    }
  }
  return fields;
}

function verifyCrx(file) {
  const crx = readFileSync(file);
  if (crx.toString('latin1', 0, 4) !== 'Cr24' || crx.readUInt32LE(4) !== 3) throw new Error('not a CRX3 file');
  const headerSize = crx.readUInt32LE(8);
  const header = crx.subarray(12, 12 + headerSize);
  const archive = crx.subarray(12 + headerSize);
  const fields = protoFields(header);
  const signedData = fields.find(([f]) => f === 10000)[1];
  const crxId = protoFields(signedData).find(([f]) => f === 1)[1];
  const len = Buffer.alloc(4);
  len.writeUInt32LE(signedData.length);
  const message = Buffer.concat([Buffer.from('CRX3 SignedData\x00', 'latin1'), len, signedData, archive]);
  for (const [, proof] of fields.filter(([f]) => f === 2)) {
    const parts = protoFields(proof);
    const publicKey = parts.find(([f]) => f === 1)[1];
    const signature = parts.find(([f]) => f === 2)[1];
    const id = idOfPublicKeyDer(publicKey);
    const idFromHeader = [...crxId].map((b) => String.fromCharCode(97 + (b >> 4), 97 + (b & 15))).join('');
    if (id !== idFromHeader) continue;
    const key = crypto.createPublicKey({ key: publicKey, format: 'der', type: 'spki' });
    if (crypto.verify('sha256', message, key, signature)) return { id, archiveBytes: archive.length };
  }
  throw new Error('no RSA-SHA256 proof in the CRX header verifies against its id');
}

function packCrx(stageDir, keyFile, outFile) {
  const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(chromium)) fail(`Chromium is needed to pack the CRX and was not found at ${chromium} (set CHROMIUM).`);
  const packed = `${stageDir}.crx`;
  rmSync(packed, { force: true });
  try {
    execFileSync(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', `--pack-extension=${stageDir}`, `--pack-extension-key=${keyFile}`],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
  } catch (error) {
    if (!existsSync(packed)) fail(`Chromium could not pack the extension: ${String(error.stderr || error.message).trim().split('\n').slice(-3).join(' ')}`);
  }
  if (!existsSync(packed)) fail('Chromium ran but wrote no CRX');
  rmSync(outFile, { force: true });
  cpSync(packed, outFile);
  rmSync(packed, { force: true });
}

// ---------------------------------------------------------------------------------------------
// Policy templates.
// ---------------------------------------------------------------------------------------------
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

/** Checks values against the shipped managed_schema.json the way Chrome does (by type). */
function checkAgainstSchema(schema, values) {
  const typeOf = (v) => (Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v === 'number' ? 'number' : typeof v);
  for (const [key, value] of Object.entries(values)) {
    const spec = schema.properties[key];
    if (!spec) fail(`example policy names ${key}, which managed_schema.json does not declare`);
    if (typeOf(value) !== spec.type) fail(`example policy ${key} is ${typeOf(value)}; the schema says ${spec.type}`);
    if (spec.type === 'array' && !value.every((item) => typeOf(item) === spec.items.type)) fail(`example policy ${key} has an item of the wrong type`);
  }
}

function regString(value) {
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function windowsReg(id, values, forceInstall, settings) {
  const base = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome';
  const lines = ['Windows Registry Editor Version 5.00', '',
    '; Spotdial for Google Chrome: force-install and managed settings. Edit the values, then import',
    '; with regedit (or deploy the same keys through Group Policy Preferences).', ''];
  lines.push(`[${base}\\ExtensionInstallForcelist]`, `"1"=${regString(forceInstall)}`, '');
  lines.push(`[${base}]`, `"ExtensionSettings"=${regString(JSON.stringify(settings))}`, '');
  const policyKey = `${base}\\3rdparty\\extensions\\${id}\\policy`;
  lines.push(`[${policyKey}]`);
  const lists = [];
  for (const [key, value] of Object.entries(values)) {
    if (Array.isArray(value)) lists.push([key, value]);
    else if (Number.isInteger(value)) lines.push(`"${key}"=dword:${value.toString(16).padStart(8, '0')}`);
    else lines.push(`"${key}"=${regString(value)}`);
  }
  for (const [key, items] of lists) {
    lines.push('', `[${policyKey}\\${key}]`, ...items.map((item, i) => `"${i + 1}"=${regString(item)}`));
  }
  // regedit reads "Version 5.00" files as UTF-16LE with a byte-order mark and CRLF lines.
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf16le')]);
}

// ---------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------
if (!existsSync(path.join(EXTENSION_DIR, 'manifest.json'))) fail('dist/extension is missing: run ./build.sh first');
const manifest = JSON.parse(readFileSync(path.join(EXTENSION_DIR, 'manifest.json'), 'utf8'));
const version = manifest.version;
if (!/^\d+(\.\d+){0,3}$/.test(version || '')) fail(`manifest version "${version}" is not a Chrome version`);
if (manifest.key && idOfPublicKeyDer(Buffer.from(manifest.key, 'base64')) !== COMMITTED_ID) {
  warnings.push(`the manifest's public key gives ${idOfPublicKeyDer(Buffer.from(manifest.key, 'base64'))}, not ${COMMITTED_ID}`);
}

// 1. The Web Store zip.
const entries = extensionEntries();
const zipFile = path.join(DIST, `spotdial-${version}.zip`);
write(zipFile, zip(entries), `Chrome Web Store upload: ${entries.length} files, manifest without "key"`);

// 2. The signed CRX and its update manifest.
let keyFile = process.env.SPOTDIAL_SIGNING_KEY;
let throwaway = false;
if (keyFile) {
  if (!existsSync(keyFile)) fail(`SPOTDIAL_SIGNING_KEY names ${keyFile}, which does not exist`);
} else {
  throwaway = true;
  keyFile = path.join(DIST, 'throwaway-signing-key.pem');
  if (!existsSync(keyFile)) {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    write(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), 'throwaway CRX signing key (local only, never commit)');
  }
}
const signingId = idOfPublicKeyDer(publicDerOf(readFileSync(keyFile)));
const stage = path.join(DIST, 'crx-stage', 'spotdial');
rmSync(path.dirname(stage), { recursive: true, force: true });
for (const [name, data] of entries) {
  mkdirSync(path.dirname(path.join(stage, name)), { recursive: true });
  writeFileSync(path.join(stage, name), data);
}
const crxName = `spotdial-${version}.crx`;
const crxFile = path.join(DIST, crxName);
packCrx(stage, keyFile, crxFile);
rmSync(path.dirname(stage), { recursive: true, force: true });
const checked = verifyCrx(crxFile);
if (checked.id !== signingId) fail(`the CRX's id ${checked.id} is not the signing key's id ${signingId}`);
written.push([rel(crxFile), `signed CRX3, id ${checked.id}, signature verified`, statSync(crxFile).size]);

const base = (process.env.SPOTDIAL_UPDATE_URL || PLACEHOLDER_BASE).replace(/\/?$/, '/');
if (!process.env.SPOTDIAL_UPDATE_URL) warnings.push(`SPOTDIAL_UPDATE_URL is not set: update.xml and the policies point at the placeholder ${PLACEHOLDER_BASE}`);
const updateUrl = `${base}update.xml`;
const xmlEscape = (s) => String(s).replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
write(path.join(DIST, 'update.xml'), [
  "<?xml version='1.0' encoding='UTF-8'?>",
  "<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>",
  `  <app appid='${checked.id}'>`,
  `    <updatecheck codebase='${xmlEscape(base + crxName)}' version='${xmlEscape(version)}' />`,
  '  </app>',
  '</gupdate>',
  '',
].join('\n'), `gupdate manifest: ${checked.id} ${version} at ${base}${crxName}`);

// 3. Policy templates for admins.
const schema = JSON.parse(readFileSync(path.join(EXTENSION_DIR, 'managed_schema.json'), 'utf8'));
checkAgainstSchema(schema, EXAMPLE_POLICY);
// Chrome hands the extension only what the schema declares: every key the core reads must be there.
const coreKeys = (/POLICY_KEYS: \[&str; \d+\] = \[([^\]]*)\]/.exec(readFileSync(path.join(ROOT, 'src/settings/mod.rs'), 'utf8')) || [])[1];
if (!coreKeys) warnings.push('could not find POLICY_KEYS in src/settings/mod.rs to check the schema against');
else {
  const missing = [...coreKeys.matchAll(/"(\w+)"/g)].map((m) => m[1]).filter((k) => !schema.properties[k]);
  if (missing.length) fail(`managed_schema.json does not declare ${missing.join(', ')} (POLICY_KEYS in src/settings/mod.rs); Chrome would drop them`);
}
const policyId = process.env.SPOTDIAL_EXTENSION_ID || (throwaway ? COMMITTED_ID : checked.id);
const policyDir = path.join(DIST, 'policy');
rmSync(policyDir, { recursive: true, force: true });
const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
const selfHosted = `${policyId};${updateUrl}`;
const settings = { [policyId]: { installation_mode: 'force_installed', update_url: updateUrl, toolbar_pin: 'force_pinned' } };

write(path.join(policyDir, 'linux-managed-storage.json'), json({ '3rdparty': { extensions: { [policyId]: EXAMPLE_POLICY } } }),
  'Spotdial settings: copy to /etc/opt/chrome/policies/managed/ (Chromium: /etc/chromium/policies/managed/)');
write(path.join(policyDir, 'admin-console-policy.json'), json(Object.fromEntries(Object.entries(EXAMPLE_POLICY).map(([k, v]) => [k, { Value: v }]))),
  'Spotdial settings for the Google Admin console (Apps & extensions > Policy for extensions), ChromeOS and managed Chrome');
write(path.join(policyDir, 'linux-force-install.json'), json({ ExtensionInstallForcelist: [selfHosted], ExtensionSettings: settings }),
  'force-install from your update server: ExtensionInstallForcelist and ExtensionSettings');
write(path.join(policyDir, 'linux-force-install-web-store.json'),
  json({ ExtensionInstallForcelist: [`<web-store-id>;${WEB_STORE_UPDATE_URL}`], ExtensionSettings: { '<web-store-id>': { installation_mode: 'force_installed', update_url: WEB_STORE_UPDATE_URL } } }),
  'force-install from the Chrome Web Store (put the Store\'s id in place of <web-store-id>)');
write(path.join(policyDir, 'windows-spotdial.reg'), windowsReg(policyId, EXAMPLE_POLICY, selfHosted, settings),
  'Windows: force-install and settings under HKLM\\SOFTWARE\\Policies\\Google\\Chrome (UTF-16 .reg)');
const keys = Object.entries(schema.properties).map(([k, s]) => `| \`${k}\` | ${s.type}${s.items ? ` of ${s.items.type}` : ''} | ${s.description} |`);
write(path.join(policyDir, 'README.md'), [
  '# Spotdial policy templates',
  '',
  `Generated by \`./build.sh package\` for Spotdial ${version}. Extension id in these files: \`${policyId}\``,
  `(${process.env.SPOTDIAL_EXTENSION_ID ? 'from SPOTDIAL_EXTENSION_ID' : 'the id of the key committed in extension/manifest.json'}).`,
  'A Chrome Web Store install has the id the Store assigned: replace it everywhere (or set SPOTDIAL_EXTENSION_ID and re-run).',
  '',
  '- `linux-managed-storage.json`: copy to `/etc/opt/chrome/policies/managed/spotdial.json` (Chromium: `/etc/chromium/policies/managed/`).',
  '- `admin-console-policy.json`: paste into the Google Admin console, *Apps & extensions*, the extension, *Policy for extensions* (ChromeOS and Chrome Enterprise).',
  '- `linux-force-install.json` / `linux-force-install-web-store.json`: install Spotdial for every user, from your own update server or from the Web Store.',
  '- `windows-spotdial.reg`: the same for Windows (import with regedit, or deploy the keys by Group Policy).',
  '',
  'Chrome drops a value whose JSON type differs from the schema (a portal id as a number, an hour as text),',
  'and shows the error on `chrome://policy`. Values of the right type that Spotdial cannot use are listed with',
  'the reason on Spotdial\'s options page, and the default applies. Leave out what you do not want to set.',
  '',
  '| key | type | meaning |',
  '|---|---|---|',
  ...keys,
  '',
].join('\n'), 'what each template is for, and every policy key');

// Report.
const width = Math.max(...written.map((w) => w[0].length));
console.log(`Spotdial ${version} packaged:`);
for (const [file, what, size] of written) console.log(`  ${file.padEnd(width)}  ${String(size).padStart(8)} B  ${what}`);
if (throwaway) {
  console.log(`
  NOTE: no SPOTDIAL_SIGNING_KEY was given, so ${rel(crxFile)} is signed with the throwaway key
  ${rel(keyFile)}. Its extension id is ${checked.id}, NOT the committed public key's id ${COMMITTED_ID}:
  Chrome will treat it as a different extension (other id, other storage, other OAuth redirect URI).
  A production CRX must be signed with the real private key from the team's secret store:
    SPOTDIAL_SIGNING_KEY=/path/to/spotdial.pem ./build.sh package
  The policy templates name ${policyId}, the production id, not this CRX's id.`);
}
for (const warning of warnings) console.log(`  warning: ${warning}`);
