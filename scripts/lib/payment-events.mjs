// Stripe and PayPal webhook events as the providers send them, signed the way they sign them: shared by
// the local payments sandbox (scripts/payments-sandbox.mjs), scripts/send-webhook.mjs and the webhook
// benchmark. Node only.
import { createHmac, createSign, randomBytes } from 'node:crypto';

export const rid = (prefix, bytes = 12) => `${prefix}${randomBytes(bytes).toString('hex').slice(0, bytes * 2)}`;

/** `Stripe-Signature: t=<seconds>,v1=<HMAC-SHA256(secret, "<t>.<body>")>`. */
export function stripeSignature(secret, body, t = Math.floor(Date.now() / 1000)) {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export function stripeEvent(type, object, id = rid('evt_')) {
  return { id, object: 'event', api_version: '2024-06-20', created: Math.floor(Date.now() / 1000), data: { object }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type };
}

/** A paid Checkout Session for our order (`order`: { orderId, tenantId, sessionId, cents }). */
export function paidSession(order, paymentIntent) {
  return {
    id: order.sessionId,
    object: 'checkout.session',
    amount_subtotal: order.cents,
    amount_total: order.cents,
    client_reference_id: order.orderId,
    currency: 'usd',
    livemode: false,
    metadata: { order_id: order.orderId, tenant_id: order.tenantId },
    mode: 'payment',
    payment_intent: paymentIntent,
    payment_status: 'paid',
    status: 'complete',
  };
}

export function succeededIntent(order, paymentIntent) {
  return { id: paymentIntent, object: 'payment_intent', amount: order.cents, amount_received: order.cents, currency: 'usd', livemode: false, metadata: { order_id: order.orderId, tenant_id: order.tenantId }, status: 'succeeded' };
}

export function refundedCharge(order, paymentIntent, refundedCents) {
  return { id: `ch_${paymentIntent.slice(3)}`, object: 'charge', amount: order.cents, amount_captured: order.cents, amount_refunded: refundedCents, currency: 'usd', metadata: {}, paid: true, payment_intent: paymentIntent, refunded: refundedCents === order.cents, status: 'succeeded' };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function paypalEvent(eventType, resourceType, resource, id = rid('WH-', 10).toUpperCase()) {
  return { id, event_version: '1.0', create_time: new Date().toISOString(), resource_type: resourceType, resource_version: '2.0', event_type: eventType, summary: eventType, resource, links: [] };
}

/** PayPal transmission headers for `body`, signed with `privateKey` (RSA-SHA256 over id|time|webhookId|crc32). */
export function paypalHeaders(privateKey, webhookId, certUrl, body) {
  const transmissionId = crypto.randomUUID();
  const time = new Date().toISOString();
  const signed = `${transmissionId}|${time}|${webhookId}|${crc32(Buffer.from(body))}`;
  const sig = createSign('RSA-SHA256').update(signed).sign(privateKey, 'base64');
  return {
    'paypal-transmission-id': transmissionId,
    'paypal-transmission-time': time,
    'paypal-transmission-sig': sig,
    'paypal-cert-url': certUrl,
    'paypal-auth-algo': 'SHA256withRSA',
  };
}
