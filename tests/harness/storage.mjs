// Reads everything the extension keeps (chrome.storage.local and .session, through its service
// worker) and looks for traces of a prospect or a secret in every key and value: exact ids,
// names as words, phone numbers by their digits, secrets as substrings. Layer: test tooling.
import { buildSeed, NA } from '../sandbox/seed.mjs';

/** Every key and value of the extension's local and session storage. */
export async function dumpStorage(browser) {
  const worker = await browser.worker();
  return worker.evaluate(async () => ({
    local: await chrome.storage.local.get(null),
    session: await chrome.storage.session.get(null),
  }));
}

/** Calls `visit(text, where)` for every key, object key and string or number leaf. */
function walk(dump, visit) {
  const leaf = (value, where) => {
    if (typeof value === 'string' || typeof value === 'number') visit(String(value), where);
    else if (Array.isArray(value)) value.forEach((v, i) => leaf(v, `${where}[${i}]`));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        visit(k, `${where}{key ${k}}`);
        leaf(v, `${where}.${k}`);
      }
    }
  };
  for (const [area, entries] of Object.entries(dump)) {
    for (const [key, value] of Object.entries(entries || {})) {
      visit(key, `${area} key ${key}`);
      leaf(value, `${area} ${key}`);
    }
  }
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Where `dump` holds a trace of any of these: `ids` (a value equal to the id, or a key segment
 * such as `cache:v1:contact:201`), `words` (case-insensitive, as whole words), `digits` (a value
 * whose digits contain them, whatever the formatting) or `secrets` (anywhere, as substrings).
 * Returns one line per trace, empty when there is none.
 */
export function traces(dump, { ids = [], words = [], digits = [], secrets = [], skipKeys = () => false } = {}) {
  const wordRes = words.map((w) => [w, new RegExp(`(^|[^\\p{L}\\p{N}])${escape(w)}($|[^\\p{L}\\p{N}])`, 'iu')]);
  const found = [];
  const filtered = Object.fromEntries(Object.entries(dump).map(([area, entries]) => [
    area, Object.fromEntries(Object.entries(entries || {}).filter(([key]) => !skipKeys(key, area))),
  ]));
  walk(filtered, (text, where) => {
    // A key such as `cache:v1:contact:201` or a URL such as `.../record/0-1/201` names the id too.
    const segments = text.split(/[^A-Za-z0-9_-]+/);
    for (const id of ids) if (text === id || segments.includes(id)) found.push(`${where}: id ${id}`);
    for (const [w, re] of wordRes) if (re.test(text)) found.push(`${where}: "${w}"`);
    const textDigits = text.replace(/\D/g, '');
    for (const d of digits) if (textDigits.includes(d)) found.push(`${where}: digits ${d}`);
    for (const s of secrets) if (s && text.includes(s)) found.push(`${where}: a secret`);
  });
  return found;
}

/** A seeded contact of the NA portal (North American numbers), as traces() looks for it. */
export function seededContact(id) {
  const c = buildSeed('demo', 0).contacts[NA].find((x) => x.id === String(id));
  if (!c) throw new Error(`no seeded contact ${id}`);
  const digitsOf = (n) => (n || '').replace(/\D/g, '');
  // Ten national digits of a North American number (no +1), so that any spelling matches.
  const numbers = [c.phone, c.mobilephone].map(digitsOf).filter((d) => d.length >= 7).map((d) => d.replace(/^1(?=\d{10})/, '').slice(0, 10));
  return { id: c.id, name: `${c.firstname} ${c.lastname}`, words: [c.firstname, c.lastname], ids: [c.id], digits: numbers };
}

/** Every seeded contact's full name (both portals). */
export function seededContactNames() {
  const seed = buildSeed('demo', 0);
  return Object.values(seed.contacts).flat().map((c) => `${c.firstname} ${c.lastname}`);
}
