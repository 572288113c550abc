// The policy files an admin deploys, one per platform, all from the same values: Linux JSON,
// the Google Admin console's "Policy for extensions", a Windows .reg and a macOS configuration
// profile (.mobileconfig). Layer: tooling, used by tools/package.mjs; pure functions of their
// arguments (returns [file name, bytes, what it is for] triples, writes nothing).
import crypto from 'node:crypto';

const json = (value) => `${JSON.stringify(value, null, 2)}\n`;

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
// macOS: an XML property list. Chrome on a Mac reads its own policy from the com.google.Chrome
// preference domain and an extension's managed settings from com.google.Chrome.extensions.<id>
// (not from a "3rdparty" key, which only Windows, Linux and the Admin console use); a
// configuration profile sets each domain with one payload whose PayloadType is the domain.
// ---------------------------------------------------------------------------------------------
const xmlText = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function plistValue(value, indent) {
  const pad = '  '.repeat(indent);
  if (typeof value === 'string') return `${pad}<string>${xmlText(value)}</string>`;
  if (typeof value === 'boolean') return `${pad}<${value}/>`;
  if (Number.isInteger(value)) return `${pad}<integer>${value}</integer>`;
  if (typeof value === 'number') return `${pad}<real>${value}</real>`;
  if (Array.isArray(value)) {
    if (!value.length) return `${pad}<array/>`;
    return [`${pad}<array>`, ...value.map((v) => plistValue(v, indent + 1)), `${pad}</array>`].join('\n');
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (!entries.length) return `${pad}<dict/>`;
    return [`${pad}<dict>`, ...entries.flatMap(([k, v]) => [`${pad}  <key>${xmlText(k)}</key>`, plistValue(v, indent + 1)]), `${pad}</dict>`].join('\n');
  }
  throw new Error(`a property list cannot hold ${value === null ? 'null' : typeof value}`);
}

/** The same UUID for the same id and payload on every run, so MDM sees an update, not a new profile. */
function stableUuid(...parts) {
  const h = crypto.createHash('sha256').update(parts.join('\n')).digest();
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function macProfile(id, values, forceInstall, settings) {
  const profile = {
    PayloadDisplayName: 'Spotdial for Google Chrome',
    PayloadDescription: 'Installs Spotdial in Google Chrome for every user of this Mac and sets its managed settings.',
    PayloadIdentifier: `com.spotdial.chrome.${id}`,
    PayloadType: 'Configuration',
    PayloadScope: 'System',
    PayloadUUID: stableUuid('profile', id),
    PayloadVersion: 1,
    PayloadContent: [
      {
        PayloadDisplayName: 'Google Chrome: force-install Spotdial',
        PayloadIdentifier: `com.spotdial.chrome.${id}.install`,
        PayloadType: 'com.google.Chrome',
        PayloadUUID: stableUuid('install', id),
        PayloadVersion: 1,
        ExtensionInstallForcelist: [forceInstall],
        ExtensionSettings: settings,
      },
      {
        PayloadDisplayName: 'Spotdial settings',
        PayloadIdentifier: `com.spotdial.chrome.${id}.settings`,
        PayloadType: `com.google.Chrome.extensions.${id}`,
        PayloadUUID: stableUuid('settings', id),
        PayloadVersion: 1,
        ...values,
      },
    ],
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    plistValue(profile, 0),
    '</plist>',
    '',
  ].join('\n');
}

/**
 * Every template. `id`: the extension id they name; `updateUrl`: the update manifest's URL;
 * `values`: the managed settings; `schema`: managed_schema.json; `idSource`: a phrase saying
 * where the id came from; `webStoreUrl`, `webStoreId`: the Web Store's update URL and the id
 * (or a placeholder) for the Store's force-install template.
 */
export function policyTemplates({ id, updateUrl, values, schema, version, idSource, valuesSource, webStoreUrl, webStoreId }) {
  const selfHosted = `${id};${updateUrl}`;
  const settings = { [id]: { installation_mode: 'force_installed', update_url: updateUrl, toolbar_pin: 'force_pinned' } };
  const keys = Object.entries(schema.properties).map(([k, s]) => `| \`${k}\` | ${s.type}${s.items ? ` of ${s.items.type}` : ''} | ${s.description} |`);
  return [
    ['linux-managed-storage.json', json({ '3rdparty': { extensions: { [id]: values } } }),
      'Spotdial settings: copy to /etc/opt/chrome/policies/managed/ (Chromium: /etc/chromium/policies/managed/)'],
    ['admin-console-policy.json', json(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { Value: v }]))),
      'Spotdial settings for the Google Admin console (Apps & extensions > Policy for extensions), ChromeOS and managed Chrome'],
    ['linux-force-install.json', json({ ExtensionInstallForcelist: [selfHosted], ExtensionSettings: settings }),
      'force-install from your update server: ExtensionInstallForcelist and ExtensionSettings'],
    ['linux-force-install-web-store.json',
      json({ ExtensionInstallForcelist: [`${webStoreId};${webStoreUrl}`], ExtensionSettings: { [webStoreId]: { installation_mode: 'force_installed', update_url: webStoreUrl } } }),
      `force-install from the Chrome Web Store${webStoreId.startsWith('<') ? ' (put the Store\'s id in place of <web-store-id>)' : `, id ${webStoreId}`}`],
    ['windows-spotdial.reg', windowsReg(id, values, selfHosted, settings),
      'Windows: force-install and settings under HKLM\\SOFTWARE\\Policies\\Google\\Chrome (UTF-16 .reg)'],
    ['macos-spotdial.mobileconfig', macProfile(id, values, selfHosted, settings),
      'macOS: configuration profile (com.google.Chrome force-install + com.google.Chrome.extensions.<id> settings)'],
    ['README.md', [
      '# Spotdial policy templates',
      '',
      `Generated by \`./build.sh package\` for Spotdial ${version}. Extension id in these files: \`${id}\``,
      `(${idSource}). Update manifest: \`${updateUrl}\`. Settings: ${valuesSource}.`,
      'A Chrome Web Store install has the id the Store assigned: replace it everywhere (or set SPOTDIAL_EXTENSION_ID and re-run).',
      'The full guide is docs/ADMIN.md in the Spotdial repository.',
      '',
      '- `linux-managed-storage.json`: copy to `/etc/opt/chrome/policies/managed/spotdial.json` (Chromium: `/etc/chromium/policies/managed/`).',
      '- `admin-console-policy.json`: paste into the Google Admin console, *Apps & extensions*, the extension, *Policy for extensions* (ChromeOS and Chrome Enterprise).',
      '- `linux-force-install.json` / `linux-force-install-web-store.json`: install Spotdial for every user, from your own update server or from the Web Store.',
      '- `windows-spotdial.reg`: the same for Windows (import with regedit, or deploy the keys by Group Policy).',
      '- `macos-spotdial.mobileconfig`: the same for Macs, as a configuration profile to deploy with your MDM (Jamf, Kandji, Intune...).',
      '',
      'Chrome drops a value whose JSON type differs from the schema (a portal id as a number, an hour as text),',
      'and shows the error on `chrome://policy`. Values of the right type that Spotdial cannot use are listed with',
      'the reason on Spotdial\'s options page, and the default applies. Leave out what you do not want to set.',
      '',
      '| key | type | meaning |',
      '|---|---|---|',
      ...keys,
      '',
    ].join('\n'), 'what each template is for, and every policy key'],
  ];
}
