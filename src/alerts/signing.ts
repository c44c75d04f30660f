// Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is `whsec_` + base64 of
// random bytes; each request carries `webhook-id`, `webhook-timestamp` (seconds) and
// `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed by the decoded
// secret. WebCrypto only. `verifyWebhook` is what a receiver runs; tests use it as one would.
import { fromBase64, toBase64, utf8 } from '../encoding';

export const SECRET_PREFIX = 'whsec_';
/** The spec allows 24–64 bytes; 32 matches the HMAC-SHA256 block strength. */
const SECRET_BYTES = 32;
/** How far a receiver should accept a timestamp from its own clock (the spec's suggestion). */
export const TOLERANCE_SECONDS = 5 * 60;

export function newSigningSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a signing secret starts with whsec_');
  return crypto.subtle.importKey('raw', fromBase64(secret.slice(SECRET_PREFIX.length)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** The `v1,<base64>` signature of one message. */
export async function sign(secret: string, id: string, timestampSeconds: number, body: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), utf8(`${id}.${timestampSeconds}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

/** The three headers of a signed request. */
export async function signatureHeaders(secret: string, id: string, timestampSeconds: number, body: string): Promise<Record<string, string>> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': await sign(secret, id, timestampSeconds, body),
  };
}

/**
 * Checks a received request: the timestamp within the tolerance, and any of the space-separated
 * `v1,` signatures matching (compared in constant time by WebCrypto's verify).
 */
export async function verifyWebhook(secret: string, headers: Headers, body: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<boolean> {
  const id = headers.get('webhook-id');
  const timestamp = headers.get('webhook-timestamp');
  const signatures = headers.get('webhook-signature');
  if (!id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const key = await hmacKey(secret);
  const content = utf8(`${id}.${timestamp}.${body}`);
  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue;
    let mac: Uint8Array;
    try {
      mac = fromBase64(value);
    } catch {
      continue;
    }
    if (await crypto.subtle.verify('HMAC', key, mac, content)) return true;
  }
  return false;
}
