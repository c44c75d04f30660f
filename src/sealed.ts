// Small secrets at rest (deployment env values, alert signing secrets): AES-256-GCM under a base64 key
// held in a secret binding, bound to the row they belong to (its id as additional data) so a
// ciphertext cannot be moved to another row. Stored as `v1.<iv>.<ciphertext>`, base64url.
import { fromBase64, fromUtf8, toBase64Url, utf8 } from './encoding';

const VERSION = 'v1';

/** Which key seals what: its setting's name, what cannot work without it, and the error its callers catch. */
export interface SealingKey {
  setting: string;
  missing: string;
  error: new (message: string) => Error;
}

async function importKey(keyB64: string | undefined, k: SealingKey): Promise<CryptoKey> {
  if (!keyB64) throw new k.error(`${k.setting} is not set: ${k.missing}`);
  let raw: Uint8Array;
  try {
    raw = fromBase64(keyB64.trim());
  } catch {
    throw new k.error(`${k.setting} is not base64`);
  }
  if (raw.byteLength !== 32) throw new k.error(`${k.setting} must be 32 bytes (AES-256), base64-encoded`);
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export async function seal(keyB64: string | undefined, k: SealingKey, rowId: string, plain: string): Promise<string> {
  const key = await importKey(keyB64, k);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(rowId) }, key, utf8(plain));
  return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/** The plaintext; a wrong key or a ciphertext of another row rejects with WebCrypto's error. */
export async function open(keyB64: string | undefined, k: SealingKey, rowId: string, sealed: string, what: string): Promise<string> {
  const [version, iv, body] = sealed.split('.');
  if (version !== VERSION || !iv || !body) throw new k.error(`unknown ${what} ciphertext format`);
  const key = await importKey(keyB64, k);
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(iv), additionalData: utf8(rowId) }, key, fromBase64(body));
  return fromUtf8(new Uint8Array(plain));
}
