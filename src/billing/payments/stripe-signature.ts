// Stripe webhook signatures: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each v1 an
// HMAC-SHA256 of `<t>.<raw body bytes>` keyed by an endpoint secret. Several secrets are accepted
// (rotation), the timestamp must be within 5 minutes either way, and every comparison is
// crypto.subtle.verify, which is constant-time. WebCrypto only, so the scripts can share the idea.
import { fromHex, toHex, utf8 } from '../../encoding';

export const STRIPE_TOLERANCE_SECONDS = 300;

export type SignatureVerdict = { ok: true } | { ok: false; status: 400 | 401; reason: string };

const HEX_64 = /^[0-9a-f]{64}$/;

export interface ParsedStripeSignature {
  t: number;
  v1: string[];
}

/** Parses the header; other schemes (v0) are skipped as Stripe advises. Null when malformed or without t / v1. */
export function parseStripeSignature(header: string): ParsedStripeSignature | null {
  if (header.length > 4096) return null;
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 1) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== null || !/^\d{1,12}$/.test(value)) return null;
      t = Number(value);
    } else if (key === 'v1' && HEX_64.test(value)) {
      v1.push(value);
    }
  }
  return t === null || v1.length === 0 ? null : { t, v1: v1.slice(0, 8) };
}

function signedPayload(t: number, body: Uint8Array): Uint8Array {
  const head = utf8(`${t}.`);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

const hmacKey = (secret: string, usage: 'sign' | 'verify') => crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);

/** Checks `header` against the raw body with each of `secrets`; `nowMs` is our clock. */
export async function verifyStripeSignature(secrets: readonly string[], header: string | null | undefined, body: Uint8Array, nowMs: number): Promise<SignatureVerdict> {
  if (!header) return { ok: false, status: 400, reason: 'missing Stripe-Signature header' };
  const parsed = parseStripeSignature(header);
  if (!parsed) return { ok: false, status: 400, reason: 'malformed Stripe-Signature header (needs t=… and v1=…)' };
  if (Math.abs(nowMs / 1000 - parsed.t) > STRIPE_TOLERANCE_SECONDS) return { ok: false, status: 401, reason: 'signature timestamp is outside the 5-minute tolerance' };
  const data = signedPayload(parsed.t, body);
  for (const secret of secrets) {
    const key = await hmacKey(secret, 'verify');
    for (const signature of parsed.v1) {
      if (await crypto.subtle.verify('HMAC', key, fromHex(signature), data)) return { ok: true };
    }
  }
  return { ok: false, status: 401, reason: 'no v1 signature matches the body' };
}

/** The header Stripe would send for `body` signed with `secret` at `tSeconds` (tests, the local sandbox's twin). */
export async function stripeSignatureHeader(secret: string, body: Uint8Array | string, tSeconds: number): Promise<string> {
  const bytes = typeof body === 'string' ? utf8(body) : body;
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), signedPayload(tSeconds, bytes)));
  return `t=${tSeconds},v1=${toHex(mac)}`;
}

/** The configured endpoint secrets: a comma list, so an old and a new secret both verify during a rotation. */
export function stripeWebhookSecrets(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
