// POST /webhooks/stripe and POST /webhooks/paypal. The raw body is read first (bounded), the signature
// verified over those exact bytes, and only then is anything parsed or stored. Unsigned or badly signed
// deliveries are refused with 400/401 and leave one log line, not a row: storing whatever anyone posts
// would let anyone fill the table. A verified delivery is stored before it is processed and answered
// 2xx only once its effect is committed (or it is a duplicate, ignored, or a mismatch no retry can fix);
// a processing failure answers 5xx so the provider delivers it again.
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env';
import { Problem } from '../../http/problem';
import { clientIp } from '../../tenancy/auth.middleware';
import { RetryLater, type ProcessOutcome } from './apply';
import { paypalSettings } from './paypal-api';
import { transmissionHeaders, verifyPaypalTransmission } from './paypal-signature';
import { envelopeOf, processStoredEvent } from './process';
import { stripeWebhookSecrets, verifyStripeSignature } from './stripe-signature';
import type { PaymentProvider } from './transport';
import { FINAL_STATUSES, storeEvent, type WebhookEventRow } from './webhook-events';

/** Provider events are a few KB; anything near this is not one. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

const tooLarge = () => new Problem(413, 'payload-too-large', 'Payload too large', `webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes`);

/** The request body as bytes, refusing more than `max` without buffering it all. */
export async function readRawBody(req: Request, max: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > max) throw tooLarge();
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function refuse(c: Context<AppEnv>, provider: PaymentProvider, status: 400 | 401 | 503, reason: string, bytes: number): never {
  // One line, no body and no signature: enough to see an attack or a misconfigured secret.
  console.warn(`webhook ${provider} refused (${status}): ${reason}; ${bytes} bytes from ${clientIp((n) => c.req.header(n))}, request ${c.var.requestId}`);
  if (status === 503) throw new Problem(503, 'webhook-verification-unavailable', 'Cannot verify now', reason);
  throw new Problem(status, 'invalid-webhook-signature', 'Webhook signature rejected', reason);
}

function decodeBody(c: Context<AppEnv>, provider: PaymentProvider, raw: Uint8Array): { text: string; json: unknown } {
  let text: string;
  let json: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(raw);
    json = JSON.parse(text);
  } catch {
    console.warn(`webhook ${provider}: signed body is not JSON (${raw.length} bytes), request ${c.var.requestId}`);
    throw new Problem(400, 'invalid-webhook', 'Invalid webhook', 'the body is signed but is not JSON');
  }
  return { text, json };
}

const KEPT_HEADERS = ['content-type', 'user-agent', 'stripe-signature', 'paypal-transmission-id', 'paypal-transmission-time', 'paypal-transmission-sig', 'paypal-cert-url', 'paypal-auth-algo'];

function keptHeaders(c: Context<AppEnv>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = c.req.header(name);
    if (value !== undefined) out[name] = value.slice(0, 2048);
  }
  return out;
}

async function storeAndProcess(c: Context<AppEnv>, provider: PaymentProvider, text: string, json: unknown, signatureMethod: WebhookEventRow['signature_method']): Promise<Response> {
  const envelope = envelopeOf(provider, json);
  if (!envelope) {
    console.warn(`webhook ${provider}: signed JSON is not an event (no id, type or object), request ${c.var.requestId}`);
    throw new Problem(400, 'invalid-webhook', 'Invalid webhook', `the body is signed but is not a ${provider} event`);
  }
  const now = Date.now();
  const { row } = await storeEvent(c.env.DB, { provider, eventId: envelope.eventId, type: envelope.type, body: text, headers: keptHeaders(c), signatureMethod }, now);
  if (FINAL_STATUSES.has(row.status)) {
    return c.json({ received: true, duplicate: true, eventId: row.event_id, status: row.status, outcome: row.outcome }, 200);
  }
  let result: ProcessOutcome;
  try {
    result = await processStoredEvent(c.env, row, now);
  } catch (err) {
    if (err instanceof RetryLater) throw new Problem(503, 'webhook-processing-deferred', 'Processing deferred', `${err.message}; deliver again later`, undefined, { 'Retry-After': '60' });
    throw new Problem(500, 'webhook-processing-failed', 'Processing failed', 'the event is stored and will be retried');
  }
  return c.json({ received: true, duplicate: false, eventId: row.event_id, status: result.status, outcome: result.outcome }, 200);
}

export async function receiveStripeWebhook(c: Context<AppEnv>): Promise<Response> {
  const raw = await readRawBody(c.req.raw, MAX_WEBHOOK_BYTES);
  const secrets = stripeWebhookSecrets(c.var.config.raw.STRIPE_WEBHOOK_SECRET);
  if (secrets.length === 0) throw new Problem(500, 'misconfigured', 'Server misconfigured', 'STRIPE_WEBHOOK_SECRET is not set');
  const verdict = await verifyStripeSignature(secrets, c.req.header('stripe-signature'), raw, Date.now());
  if (!verdict.ok) refuse(c, 'stripe', verdict.status, verdict.reason, raw.length);
  const { text, json } = decodeBody(c, 'stripe', raw);
  return storeAndProcess(c, 'stripe', text, json, 'hmac');
}

export async function receivePaypalWebhook(c: Context<AppEnv>): Promise<Response> {
  const raw = await readRawBody(c.req.raw, MAX_WEBHOOK_BYTES);
  const config = c.var.config;
  const webhookId = config.raw.PAYPAL_WEBHOOK_ID?.trim();
  if (!webhookId) throw new Problem(500, 'misconfigured', 'Server misconfigured', 'PAYPAL_WEBHOOK_ID is not set');
  const headers = transmissionHeaders((n) => c.req.header(n));
  if (typeof headers === 'string') refuse(c, 'paypal', 400, headers, raw.length);
  // The body must be text before the API fallback can forward it; a body that is not JSON is refused
  // after verification, exactly as for Stripe.
  const bodyText = new TextDecoder('utf-8').decode(raw);
  const verdict = await verifyPaypalTransmission({
    headers,
    webhookId,
    body: raw,
    bodyText,
    mode: config.PAYPAL_VERIFY,
    paypal: paypalSettings(config),
    timeoutMs: config.PAYMENTS_TIMEOUT_MS,
    now: Date.now(),
  });
  if (!verdict.ok) refuse(c, 'paypal', verdict.status, verdict.reason, raw.length);
  const { text, json } = decodeBody(c, 'paypal', raw);
  return storeAndProcess(c, 'paypal', text, json, verdict.method);
}
