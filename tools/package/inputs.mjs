// What an admin hands `./build.sh package`, checked before anything is written: the CRX signing
// key (owner-only, or refused), the update server's URL (https, loopback http for tests only)
// and the managed-settings values the templates carry (typed by managed_schema.json, as Chrome
// types them). Layer: tooling, used by tools/package.mjs. Every refusal is one sentence.
import crypto from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A refusal the packager prints as it is, without a stack. */
export class PackageError extends Error {}

/**
 * The admin's signing key, refused when group or others may read (or change) it: whoever can
 * read it can ship an update every managed Chrome installs without asking.
 */
export function checkSigningKey(file) {
  if (!existsSync(file)) throw new PackageError(`SPOTDIAL_SIGNING_KEY names ${file}, which does not exist.`);
  const mode = statSync(file).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new PackageError(`SPOTDIAL_SIGNING_KEY ${file} is open to group or others (mode ${mode.toString(8).padStart(4, '0')}); `
      + `a signing key must be readable by its owner only: run chmod 600 ${file} and package again.`);
  }
  try {
    crypto.createPrivateKey(readFileSync(file));
  } catch (_) {
    throw new PackageError(`SPOTDIAL_SIGNING_KEY ${file} is not a PEM private key (make one with: openssl genrsa -out spotdial.pem 2048).`);
  }
  return file;
}

/**
 * A throwaway key for local packaging, made once and kept readable by its owner only (an
 * older run may have left it wider: narrowed here). Returns [file, made].
 */
export function throwawayKey(file) {
  mkdirSync(path.dirname(file), { recursive: true });
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return [file, false];
  }
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  // The mode above is masked by the umask, which can only narrow it; set it exactly anyway.
  chmodSync(file, 0o600);
  return [file, true];
}

const LOOPBACK = (host) => host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);

/**
 * The base URL update.xml and the CRX are served from, ending in '/'. Chrome fetches both
 * with it and installs whatever comes back under the policy, so it must be https; plain http
 * is allowed on loopback only, where the tests run their update server.
 */
export function checkUpdateUrl(raw) {
  let url;
  try { url = new URL(raw); } catch (_) {
    throw new PackageError(`SPOTDIAL_UPDATE_URL "${raw}" is not a URL; give the https address of the folder that will hold update.xml and the CRX.`);
  }
  if (url.protocol === 'http:' && !LOOPBACK(url.hostname)) {
    throw new PackageError(`SPOTDIAL_UPDATE_URL ${raw} uses plain http; Chrome would install whatever a network in between sends, so use an https address (plain http is allowed only on loopback, for tests).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PackageError(`SPOTDIAL_UPDATE_URL ${raw} must be an https address.`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new PackageError(`SPOTDIAL_UPDATE_URL ${raw} must be a plain folder address, without query, fragment or credentials.`);
  }
  return url.href.replace(/\/?$/, '/');
}

const typeOf = (v) => (Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v === 'number' ? 'number' : v === null ? 'null' : typeof v);

/** Checks values against the shipped managed_schema.json the way Chrome does (by type). */
export function checkAgainstSchema(schema, values, source) {
  if (typeOf(values) !== 'object') throw new PackageError(`${source} must be a JSON object of policy keys and values.`);
  for (const [key, value] of Object.entries(values)) {
    const spec = schema.properties[key];
    if (!spec) throw new PackageError(`${source} names ${key}, which managed_schema.json does not declare (Chrome would drop it).`);
    if (typeOf(value) !== spec.type) throw new PackageError(`${source}: ${key} is ${typeOf(value)}; managed_schema.json says ${spec.type} (Chrome would drop it).`);
    if (spec.type === 'array' && !value.every((item) => typeOf(item) === spec.items.type)) {
      throw new PackageError(`${source}: ${key} has an item that is not ${spec.items.type}.`);
    }
  }
  return values;
}

/** The admin's own values from SPOTDIAL_POLICY_VALUES (a JSON file), or the example. */
export function policyValues(schema, file, example) {
  if (!file) return checkAgainstSchema(schema, example, 'the example policy');
  if (!existsSync(file)) throw new PackageError(`SPOTDIAL_POLICY_VALUES names ${file}, which does not exist.`);
  let values;
  try { values = JSON.parse(readFileSync(file, 'utf8')); } catch (error) {
    throw new PackageError(`SPOTDIAL_POLICY_VALUES ${file} is not JSON: ${error.message}.`);
  }
  return checkAgainstSchema(schema, values, `SPOTDIAL_POLICY_VALUES ${file}`);
}
