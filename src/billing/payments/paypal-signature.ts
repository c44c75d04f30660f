// PayPal webhook transmissions: PayPal signs `<transmission id>|<transmission time>|<webhook id>|<crc32
// of the raw body>` with RSA-SHA256 and says where its certificate is (PAYPAL-CERT-URL). We fetch that
// certificate only over https from PayPal's own API hosts (an allow-list), cache it per isolate, check
// its validity dates, and verify with its public key. Only when the certificate cannot be had at all do
// we ask PayPal's verify-webhook-signature API instead; a signature that fails locally is refused.
import { fromBase64, utf8 } from '../../encoding';
import { crc32 } from './crc32';
import { DerError, firstPemCertificate, parseCertificate } from './der';
import { verifyWebhookSignatureApi, type PaypalSettings, type TransmissionHeaders } from './paypal-api';
import { ProviderCallError, providerFetch } from './transport';

/** The only hosts a PayPal certificate is fetched from (live and sandbox API hosts). */
export const PAYPAL_CERT_HOSTS: ReadonlySet<string> = new Set(['api.paypal.com', 'api-m.paypal.com', 'api.sandbox.paypal.com', 'api-m.sandbox.paypal.com']);

export const PAYPAL_AUTH_ALGO = 'SHA256withRSA';

/** Null when `raw` is a certificate URL we may fetch; otherwise why not. Checks the parsed URL, which is what would be fetched. */
export function certUrlProblem(raw: string): string | null {
  if (raw.length > 500 || /[\s\\]/.test(raw)) return 'malformed certificate URL';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'malformed certificate URL';
  }
  if (url.protocol !== 'https:') return 'the certificate URL must be https';
  if (url.username || url.password) return 'the certificate URL must not carry credentials';
  if (url.port !== '') return 'the certificate URL must use the default port';
  if (!PAYPAL_CERT_HOSTS.has(url.hostname)) return `the certificate host ${url.hostname} is not a PayPal API host`;
  if (!url.pathname.startsWith('/v1/notifications/certs/') || url.search || url.hash) return 'the certificate URL is not a PayPal certificate path';
  return null;
}

/** The exact string PayPal signs for a transmission. */
export function paypalSignedString(transmissionId: string, transmissionTime: string, webhookId: string, body: Uint8Array): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(body)}`;
}

/** Reads and checks the PAYPAL-* headers; a string says what is wrong. */
export function transmissionHeaders(get: (name: string) => string | undefined): TransmissionHeaders | string {
  const h = {
    transmissionId: get('paypal-transmission-id'),
    transmissionTime: get('paypal-transmission-time'),
    transmissionSig: get('paypal-transmission-sig'),
    certUrl: get('paypal-cert-url'),
    authAlgo: get('paypal-auth-algo'),
  };
  const names: Record<keyof TransmissionHeaders, string> = {
    transmissionId: 'PAYPAL-TRANSMISSION-ID',
    transmissionTime: 'PAYPAL-TRANSMISSION-TIME',
    transmissionSig: 'PAYPAL-TRANSMISSION-SIG',
    certUrl: 'PAYPAL-CERT-URL',
    authAlgo: 'PAYPAL-AUTH-ALGO',
  };
  const missing = (Object.keys(names) as (keyof TransmissionHeaders)[]).filter((k) => !h[k]).map((k) => names[k]);
  if (missing.length) return `missing ${missing.join(', ')}`;
  if (!/^[\w-]{1,100}$/.test(h.transmissionId!)) return 'malformed PAYPAL-TRANSMISSION-ID';
  if (!/^[\w:.+-]{1,64}$/.test(h.transmissionTime!)) return 'malformed PAYPAL-TRANSMISSION-TIME';
  if (!/^[A-Za-z0-9+/=_-]{1,2048}$/.test(h.transmissionSig!)) return 'malformed PAYPAL-TRANSMISSION-SIG';
  if (!/^[A-Za-z0-9]{1,100}$/.test(h.authAlgo!)) return 'malformed PAYPAL-AUTH-ALGO';
  return h as TransmissionHeaders;
}

interface CachedCert {
  key: CryptoKey;
  notBefore: number;
  notAfter: number;
  cachedUntil: number;
}

const CERT_TTL_MS = 60 * 60 * 1000;
const MAX_CERT_BYTES = 32 * 1024;
const certs = new Map<string, CachedCert>();

/** Tests only: forget cached certificates. */
export function clearPaypalCertCache(): void {
  certs.clear();
}

/** The certificate could not be obtained or read: the case the verify API exists for. */
class CertUnavailable extends Error {}

async function loadCert(url: string, timeoutMs: number, now: number): Promise<CachedCert> {
  const hit = certs.get(url);
  if (hit && hit.cachedUntil > now) return hit;
  let res: Response;
  try {
    // No redirects: the certificate must come from the allow-listed URL itself.
    res = await providerFetch('paypal', url, { method: 'GET', redirect: 'manual', headers: { accept: 'application/x-pem-file, text/plain, */*' } }, timeoutMs);
  } catch (err) {
    throw new CertUnavailable(err instanceof Error ? err.message : String(err));
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new CertUnavailable(`certificate fetch answered HTTP ${res.status}`);
  }
  // PayPal serves the PEM as application/x-pem-file or similar: read bytes, decode ourselves.
  const bytes = await res.arrayBuffer();
  if (bytes.byteLength > MAX_CERT_BYTES) throw new CertUnavailable('certificate too large');
  const pem = new TextDecoder().decode(bytes);
  let entry: CachedCert;
  try {
    const info = parseCertificate(firstPemCertificate(pem));
    const key = await crypto.subtle.importKey('spki', info.spki, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
    entry = { key, notBefore: info.notBefore, notAfter: info.notAfter, cachedUntil: Math.min(now + CERT_TTL_MS, info.notAfter) };
  } catch (err) {
    throw new CertUnavailable(err instanceof DerError ? `unreadable certificate: ${err.message}` : 'the certificate key cannot be imported');
  }
  if (certs.size >= 32) certs.clear();
  certs.set(url, entry);
  return entry;
}

export type TransmissionVerdict = { ok: true; method: 'cert' | 'api' } | { ok: false; status: 400 | 401 | 503; reason: string };

export interface VerifyTransmissionInput {
  headers: TransmissionHeaders;
  webhookId: string;
  body: Uint8Array;
  bodyText: string;
  /** `cert` (local, API only as a fallback) or `api` (always PayPal's API; the local sandbox). */
  mode: 'cert' | 'api';
  paypal: PaypalSettings | null;
  timeoutMs: number;
  now: number;
}

export async function verifyPaypalTransmission(input: VerifyTransmissionInput): Promise<TransmissionVerdict> {
  const { headers: h } = input;
  if (h.authAlgo !== PAYPAL_AUTH_ALGO) return { ok: false, status: 401, reason: `unsupported PAYPAL-AUTH-ALGO ${h.authAlgo}` };
  const urlProblem = certUrlProblem(h.certUrl);
  if (urlProblem) return { ok: false, status: 401, reason: urlProblem };
  if (input.mode === 'api') return viaApi(input, 'PAYPAL_VERIFY=api');

  let cert: CachedCert;
  try {
    cert = await loadCert(new URL(h.certUrl).href, input.timeoutMs, input.now);
  } catch (err) {
    if (!(err instanceof CertUnavailable)) throw err;
    return viaApi(input, err.message);
  }
  if (input.now < cert.notBefore || input.now > cert.notAfter) return { ok: false, status: 401, reason: 'the PayPal certificate is outside its validity period' };
  let signature: Uint8Array;
  try {
    signature = fromBase64(h.transmissionSig);
  } catch {
    return { ok: false, status: 401, reason: 'PAYPAL-TRANSMISSION-SIG is not base64' };
  }
  const signed = utf8(paypalSignedString(h.transmissionId, h.transmissionTime, input.webhookId, input.body));
  const ok = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', cert.key, signature, signed);
  return ok ? { ok: true, method: 'cert' } : { ok: false, status: 401, reason: 'the transmission signature does not verify' };
}

async function viaApi(input: VerifyTransmissionInput, why: string): Promise<TransmissionVerdict> {
  if (!input.paypal) return { ok: false, status: 503, reason: `cannot verify (${why}) and PayPal API credentials are not set` };
  try {
    JSON.parse(input.bodyText);
  } catch {
    return { ok: false, status: 400, reason: 'the body is not JSON, so PayPal cannot be asked to verify it' };
  }
  try {
    const ok = await verifyWebhookSignatureApi(input.paypal, input.headers, input.webhookId, input.bodyText, input.now);
    return ok ? { ok: true, method: 'api' } : { ok: false, status: 401, reason: 'PayPal says the transmission signature is not valid' };
  } catch (err) {
    if (err instanceof ProviderCallError) return { ok: false, status: 503, reason: `cannot verify now (${why}; verify API: ${err.message})` };
    throw err;
  }
}
