// Signs and verifies every request between the Worker and the agent, in both directions:
// `X-GPUBroker-Signature: t=<epoch ms>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
// Web Crypto only and no Node imports, because the Worker imports this very file.

export const SIGNATURE_HEADER = 'x-gpubroker-signature';

/** How far a signature's timestamp may be from our clock, either way, before it is refused. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

export type VerifyResult = { ok: true } | { ok: false; reason: string };

const encoder = new TextEncoder();
const HEX_SIGNATURE = /^[0-9a-f]{64}$/;

// No return type: `CryptoKey` is a global in workerd and DOM typings but not in @types/node 20.
function hmacKey(secret: string) {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The header value for `body` (the exact bytes sent; "" for a GET) signed at `now`. */
export async function signatureHeader(secret: string, body: string, now: number = Date.now()): Promise<string> {
  const t = Math.floor(now);
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(`${t}.${body}`));
  return `t=${t},v1=${toHex(mac)}`;
}

/** Parses `t=…,v1=…[,v1=…]`; several v1 values let a sender sign with an old and a new secret during rotation. */
function parseHeader(header: string): { t: number; signatures: string[] } | null {
  let t: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,16}$/.test(value) || t !== null) return null;
      t = Number(value);
    } else if (key === 'v1') {
      if (!HEX_SIGNATURE.test(value)) return null;
      signatures.push(value);
    }
  }
  return t === null || signatures.length === 0 ? null : { t, signatures };
}

/**
 * Checks a signature header against `body`. The comparison is crypto.subtle.verify, which compares
 * in constant time, so timing reveals nothing about the expected MAC.
 */
export async function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  now: number = Date.now(),
): Promise<VerifyResult> {
  if (!header) return { ok: false, reason: 'missing signature header' };
  const parsed = parseHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed signature header' };
  if (Math.abs(now - parsed.t) > SIGNATURE_TOLERANCE_MS) return { ok: false, reason: 'signature timestamp outside the 5-minute window' };
  const key = await hmacKey(secret);
  const data = encoder.encode(`${parsed.t}.${body}`);
  for (const signature of parsed.signatures) {
    if (await crypto.subtle.verify('HMAC', key, fromHex(signature), data)) return { ok: true };
  }
  return { ok: false, reason: 'signature does not match' };
}

/** Short names for the same two functions. */
export const sign = signatureHeader;
export const verify = verifySignature;
