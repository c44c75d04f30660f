// Test support for payments: start checkouts through the API, build provider events in their documented
// shapes, sign and deliver them, and read the resulting books.
import { env } from 'cloudflare:workers';
import { checkLedger, readBalance } from '../../../src/billing/ledger';
import { stripeSignatureHeader } from '../../../src/billing/payments/stripe-signature';
import { fromBase64, toBase64, utf8 } from '../../../src/encoding';
import { api, json } from '../../helpers';
import { bearer, type TestTenant } from '../../tenancy/fixtures';
import { CERT_URL } from './fakes';
import keyPem from './fixtures/paypal-test-key.pem?raw';
import { crc32 } from '../../../src/billing/payments/crc32';

export const STRIPE_SECRET = 'whsec_test_current';
export const STRIPE_OLD_SECRET = 'whsec_test_previous';
export const PAYPAL_WEBHOOK_ID = 'WH0TESTWEBHOOK';

let n = 0;
export const uniq = (prefix: string) => `${prefix}${Date.now().toString(36)}${(n++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export interface Order {
  orderId: string;
  tenantId: string;
  providerOrderId: string;
  cents: number;
}

/** Starts a checkout through the API (against the fakes) and returns the order with its provider id. */
export async function checkout(tenant: TestTenant, cents: number, provider: 'stripe' | 'paypal' = 'stripe'): Promise<Order> {
  const res = await api('/v1/billing/checkout', {
    method: 'POST',
    headers: { ...bearer(tenant.ownerToken), 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ amountUsd: cents / 100, provider }),
  });
  if (res.status !== 201) throw new Error(`checkout answered ${res.status}: ${await res.text()}`);
  const { orderId } = await json<{ orderId: string }>(res);
  const payment = await json<{ providerOrderId: string }>(await api(`/v1/billing/payments/${orderId}`, { headers: bearer(tenant.ownerToken) }));
  return { orderId, tenantId: tenant.tenantId, providerOrderId: payment.providerOrderId, cents };
}

// ------------------------------------------------------------------ Stripe events (API reference shapes)

export function stripeEvent(type: string, object: Record<string, unknown>, id = uniq('evt_')) {
  return {
    id,
    object: 'event',
    api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

export function paidSession(o: Order, paymentIntent: string, over: Record<string, unknown> = {}) {
  return {
    id: o.providerOrderId,
    object: 'checkout.session',
    amount_subtotal: o.cents,
    amount_total: o.cents,
    client_reference_id: o.orderId,
    currency: 'usd',
    livemode: false,
    metadata: { order_id: o.orderId, tenant_id: o.tenantId },
    mode: 'payment',
    payment_intent: paymentIntent,
    payment_status: 'paid',
    status: 'complete',
    ...over,
  };
}

export function succeededIntent(o: Order, id: string, over: Record<string, unknown> = {}) {
  return {
    id,
    object: 'payment_intent',
    amount: o.cents,
    amount_received: o.cents,
    currency: 'usd',
    latest_charge: `ch_${id.slice(3)}`,
    livemode: false,
    metadata: { order_id: o.orderId, tenant_id: o.tenantId },
    status: 'succeeded',
    ...over,
  };
}

export function refundedCharge(o: Order, paymentIntent: string, refundedCents: number, over: Record<string, unknown> = {}) {
  return {
    id: `ch_${paymentIntent.slice(3)}`,
    object: 'charge',
    amount: o.cents,
    amount_captured: o.cents,
    amount_refunded: refundedCents,
    captured: true,
    currency: 'usd',
    disputed: false,
    metadata: {},
    paid: true,
    payment_intent: paymentIntent,
    refunded: refundedCents === o.cents,
    status: 'succeeded',
    ...over,
  };
}

export function dispute(paymentIntent: string, id: string, cents: number, status = 'needs_response', over: Record<string, unknown> = {}) {
  return { id, object: 'dispute', amount: cents, charge: `ch_${paymentIntent.slice(3)}`, currency: 'usd', payment_intent: paymentIntent, reason: 'fraudulent', status, ...over };
}

/** Delivers a body to /webhooks/stripe, signed with `secret` at `t` (seconds) unless a header is given. */
export async function sendStripe(body: unknown, options: { secret?: string; t?: number; header?: string | null } = {}): Promise<Response> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const header =
    options.header !== undefined ? options.header : await stripeSignatureHeader(options.secret ?? STRIPE_SECRET, text, options.t ?? Math.floor(Date.now() / 1000));
  return api('/webhooks/stripe', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...(header === null ? {} : { 'stripe-signature': header }) }, body: text });
}

// ------------------------------------------------------------------ PayPal events (webhook reference shapes)

export function paypalEvent(eventType: string, resourceType: string, resource: Record<string, unknown>, id = uniq('WH-')) {
  return { id, event_version: '1.0', create_time: new Date().toISOString(), resource_type: resourceType, resource_version: '2.0', event_type: eventType, summary: `${eventType} test`, resource, links: [] };
}

export function approvedOrder(o: Order, value = (o.cents / 100).toFixed(2)) {
  return {
    id: o.providerOrderId,
    intent: 'CAPTURE',
    status: 'APPROVED',
    purchase_units: [{ reference_id: o.orderId, custom_id: o.orderId, amount: { currency_code: 'USD', value } }],
    payer: { payer_id: 'QYR5Z8XDVJNXQ', email_address: 'buyer@example.com' },
    create_time: new Date().toISOString(),
    links: [{ href: `https://api.sandbox.paypal.com/v2/checkout/orders/${o.providerOrderId}`, rel: 'self', method: 'GET' }],
  };
}

export function completedCapture(o: Order, captureId: string, value = (o.cents / 100).toFixed(2), over: Record<string, unknown> = {}) {
  return {
    id: captureId,
    status: 'COMPLETED',
    amount: { currency_code: 'USD', value },
    final_capture: true,
    custom_id: o.orderId,
    seller_protection: { status: 'ELIGIBLE' },
    supplementary_data: { related_ids: { order_id: o.providerOrderId } },
    create_time: new Date().toISOString(),
    links: [{ href: `https://api.sandbox.paypal.com/v2/payments/captures/${captureId}`, rel: 'self', method: 'GET' }],
    ...over,
  };
}

export function refund(captureId: string, refundId: string, value: string, over: Record<string, unknown> = {}) {
  return {
    id: refundId,
    status: 'COMPLETED',
    amount: { currency_code: 'USD', value },
    seller_payable_breakdown: { gross_amount: { currency_code: 'USD', value }, net_amount: { currency_code: 'USD', value } },
    create_time: new Date().toISOString(),
    links: [
      { href: `https://api.sandbox.paypal.com/v2/payments/refunds/${refundId}`, rel: 'self', method: 'GET' },
      { href: `https://api.sandbox.paypal.com/v2/payments/captures/${captureId}`, rel: 'up', method: 'GET' },
    ],
    ...over,
  };
}

let signingKey: Promise<CryptoKey> | undefined;
function testKey(): Promise<CryptoKey> {
  const der = fromBase64(keyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''));
  signingKey ??= crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  return signingKey;
}

export interface PaypalSendOptions {
  certUrl?: string;
  authAlgo?: string;
  webhookId?: string;
  /** Sign these bytes instead of the body sent (a changed body). */
  signedBody?: string;
  signature?: string;
  omit?: string[];
  /** Deliver through this instead of the test Worker (an app built with other settings). */
  via?: (request: Request) => Promise<Response> | Response;
}

/** Delivers a body to /webhooks/paypal with transmission headers signed by the test key. */
export async function sendPaypal(body: unknown, o: PaypalSendOptions = {}): Promise<Response> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const transmissionId = crypto.randomUUID();
  const time = new Date().toISOString();
  const signed = `${transmissionId}|${time}|${o.webhookId ?? PAYPAL_WEBHOOK_ID}|${crc32(utf8(o.signedBody ?? text))}`;
  const sig = o.signature ?? toBase64(new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', await testKey(), utf8(signed))));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'paypal-transmission-id': transmissionId,
    'paypal-transmission-time': time,
    'paypal-transmission-sig': sig,
    'paypal-cert-url': o.certUrl ?? CERT_URL,
    'paypal-auth-algo': o.authAlgo ?? 'SHA256withRSA',
  };
  for (const name of o.omit ?? []) delete headers[name];
  if (o.via) return o.via(new Request('http://gpubroker.test/webhooks/paypal', { method: 'POST', headers, body: text }));
  return api('/webhooks/paypal', { method: 'POST', headers, body: text });
}

// ------------------------------------------------------------------ books

export async function books(tenantId: string) {
  const check = await checkLedger(env.DB, tenantId);
  const { results } = await env.DB.prepare(
    `SELECT t.kind, t.reference, e.account, e.amount_micro FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
     WHERE t.tenant_id = ?1 ORDER BY t.created_at, t.rowid, e.id`,
  )
    .bind(tenantId)
    .all<{ kind: string; reference: string; account: string; amount_micro: number }>();
  return { balanceMicro: await readBalance(env.DB, tenantId), unbalanced: check.unbalanced, entriesAgree: check.creditEntriesMicro === check.balanceMicro, entries: results };
}

export async function storedEvent(provider: string, eventId: string) {
  return env.DB.prepare('SELECT status, outcome, attempts, last_error, tenant_id, order_id, signature_method, body, headers FROM payment_webhook_events WHERE provider = ?1 AND event_id = ?2')
    .bind(provider, eventId)
    .first<{ status: string; outcome: string | null; attempts: number; last_error: string | null; tenant_id: string | null; order_id: string | null; signature_method: string; body: string; headers: string }>();
}

export async function mismatchAlerts(): Promise<Array<{ tenant_id: string | null; kind: string; detail: string }>> {
  return (await env.DB.prepare(`SELECT tenant_id, kind, detail FROM billing_events WHERE kind = 'payment_mismatch' ORDER BY created_at`).all<{ tenant_id: string | null; kind: string; detail: string }>()).results;
}

export const countRows = async (table: string) => (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

export async function order(orderId: string) {
  return env.DB.prepare('SELECT status, refunded_micro, disputed_micro, provider_payment_id, version FROM payment_orders WHERE id = ?1').bind(orderId).first<{
    status: string;
    refunded_micro: number;
    disputed_micro: number;
    provider_payment_id: string | null;
    version: number;
  }>();
}
