// Webhook signing secrets at rest: sealed with AES-GCM under ALERTS_SECRET_KEY (a secret binding),
// bound to their alert id as additional data so a ciphertext cannot be moved to another alert.
// The secret is shown once, in the create answer; afterwards only the delivery consumer opens it.
import { fromBase64, fromUtf8, toBase64Url, utf8 } from '../encoding';

const VERSION = 'v1';

export class SecretKeyError extends Error {}

async function importKey(keyB64: string | undefined): Promise<CryptoKey> {
  if (!keyB64) throw new SecretKeyError('ALERTS_SECRET_KEY is not set: webhook alerts cannot be created or signed');
  let raw: Uint8Array;
  try {
    raw = fromBase64(keyB64.trim());
  } catch {
    throw new SecretKeyError('ALERTS_SECRET_KEY is not base64');
  }
  if (raw.byteLength !== 32) throw new SecretKeyError('ALERTS_SECRET_KEY must be 32 bytes (AES-256), base64-encoded');
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export async function sealSecret(keyB64: string | undefined, alertId: string, secret: string): Promise<string> {
  const key = await importKey(keyB64);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(alertId) }, key, utf8(secret));
  return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

export async function openSecret(keyB64: string | undefined, alertId: string, sealed: string): Promise<string> {
  const [version, iv, body] = sealed.split('.');
  if (version !== VERSION || !iv || !body) throw new SecretKeyError('unknown secret ciphertext format');
  const key = await importKey(keyB64);
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(iv), additionalData: utf8(alertId) }, key, fromBase64(body));
    return fromUtf8(new Uint8Array(plain));
  } catch {
    throw new SecretKeyError('the signing secret cannot be opened with ALERTS_SECRET_KEY (was the key changed?)');
  }
}
