// CRX3 for self-hosting: Chromium packs it, this file reads it back and checks the header, the
// signature and the id. Extension ids are the first 128 bits of SHA-256 over the DER public
// key, in the letters a–p. Layer: tooling, used by tools/package.mjs and the force-install e2e
// test; Node and Debian's Chromium only.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';

const idOfBytes = (bytes) => [...bytes].map((b) => String.fromCharCode(97 + (b >> 4), 97 + (b & 15))).join('');

export function idOfPublicKeyDer(der) {
  return idOfBytes(crypto.createHash('sha256').update(der).digest().subarray(0, 16));
}

/** The extension id a PEM private (or public) key signs for. */
export const idOfKeyPem = (pem) => idOfPublicKeyDer(crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' }));

function protoFields(buf) {
  const fields = [];
  let i = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length) throw new Error('the CRX header ends inside a number');
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
      throw new Error(`unexpected protobuf wire type ${wire} in the CRX header`);
    }
  }
  return fields;
}

/** Checks a CRX3 file; returns its id and archive size, or throws saying what is wrong. */
export function verifyCrx(file) {
  const crx = readFileSync(file);
  if (crx.toString('latin1', 0, 4) !== 'Cr24' || crx.readUInt32LE(4) !== 3) throw new Error(`${file} is not a CRX3 file`);
  const headerSize = crx.readUInt32LE(8);
  const header = crx.subarray(12, 12 + headerSize);
  const archive = crx.subarray(12 + headerSize);
  const fields = protoFields(header);
  const signedData = fields.find(([f]) => f === 10000)?.[1];
  if (!signedData) throw new Error(`${file} has no signed data in its header`);
  const crxId = protoFields(signedData).find(([f]) => f === 1)?.[1];
  if (!crxId) throw new Error(`${file} names no id in its signed data`);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(signedData.length);
  const message = Buffer.concat([Buffer.from('CRX3 SignedData\x00', 'latin1'), len, signedData, archive]);
  for (const [, proof] of fields.filter(([f]) => f === 2)) {
    const parts = protoFields(proof);
    const publicKey = parts.find(([f]) => f === 1)?.[1];
    const signature = parts.find(([f]) => f === 2)?.[1];
    if (!publicKey || !signature) continue;
    const id = idOfPublicKeyDer(publicKey);
    if (id !== idOfBytes(crxId)) continue;
    const key = crypto.createPublicKey({ key: publicKey, format: 'der', type: 'spki' });
    if (crypto.verify('sha256', message, key, signature)) return { id, archiveBytes: archive.length };
  }
  throw new Error(`no RSA-SHA256 proof in the header of ${file} verifies against its id`);
}

/** Packs `stageDir` with `keyFile` into `outFile` using Chromium's --pack-extension. */
export function packCrx(stageDir, keyFile, outFile) {
  const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(chromium)) throw new Error(`Chromium is needed to pack the CRX and was not found at ${chromium} (set CHROMIUM).`);
  const packed = `${stageDir}.crx`;
  rmSync(packed, { force: true });
  try {
    execFileSync(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', `--pack-extension=${stageDir}`, `--pack-extension-key=${keyFile}`],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
  } catch (error) {
    // Chromium may exit non-zero after writing the CRX (headless has no window to report to).
    if (!existsSync(packed)) throw new Error(`Chromium could not pack the extension: ${String(error.stderr || error.message).trim().split('\n').slice(-3).join(' ')}`, { cause: error });
  }
  if (!existsSync(packed)) throw new Error('Chromium ran but wrote no CRX');
  rmSync(outFile, { force: true });
  cpSync(packed, outFile);
  rmSync(packed, { force: true });
}
