#!/usr/bin/env node
// A local, offline stand-in for Stripe and PayPal, run by `npm start` when no real payment keys are
// set. It answers the few REST calls GPUBroker makes (Stripe: create Checkout Session; PayPal: OAuth2
// token, create order, capture order, verify-webhook-signature) in the providers' documented shapes,
// serves a test-mode checkout page at the returned URL, and when you press "Pay" it sends the signed
// webhooks a real provider would send to API_PUBLIC_URL, then redirects to the success URL.
//
//   PORT=8789 API_PUBLIC_URL=http://127.0.0.1:8787 STRIPE_SECRET_KEY=… STRIPE_WEBHOOK_SECRET=… \
//   PAYPAL_CLIENT_ID=… PAYPAL_CLIENT_SECRET=… PAYPAL_WEBHOOK_ID=… node scripts/payments-sandbox.mjs
//
// Stripe webhooks are signed with STRIPE_WEBHOOK_SECRET (its first entry). PayPal transmissions are
// signed with an RSA key made at start; the API checks them through this sandbox's
// verify-webhook-signature (PAYPAL_VERIFY=api), since its certificate is not on a PayPal host.
import { generateKeyPairSync, createVerify, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { crc32, paidSession, paypalEvent, paypalHeaders, rid, stripeEvent, stripeSignature, succeededIntent } from './lib/payment-events.mjs';

const port = Number(process.env.PORT ?? 8789);
const host = process.env.HOST ?? '127.0.0.1';
const base = `http://${host}:${port}`;
const api = (process.env.API_PUBLIC_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
const stripeKey = process.env.STRIPE_SECRET_KEY ?? '';
const stripeSecret = (process.env.STRIPE_WEBHOOK_SECRET ?? '').split(',')[0].trim();
const paypalClient = `${process.env.PAYPAL_CLIENT_ID ?? ''}:${process.env.PAYPAL_CLIENT_SECRET ?? ''}`;
const webhookId = process.env.PAYPAL_WEBHOOK_ID ?? '';
const CERT_URL = 'https://api-m.sandbox.paypal.com/v1/notifications/certs/CERT-gpubroker-local-sandbox';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const log = (m) => console.log(`[payments-sandbox] ${m}`);
const sessions = new Map(); // cs_… → session
const orders = new Map(); // PayPal order id → { customId, value, returnUrl, cancelUrl, captureId }
const replays = new Map(); // idempotency key → [status, body]
const tokens = new Set();

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json', ...headers });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 256 * 1024) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const same = (a, b) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const usd = (cents) => (cents / 100).toFixed(2);
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Delivers a webhook as a provider would: retried a few times on failure. */
async function deliver(path, body, headers) {
  for (let attempt = 1; attempt <= 4; attempt++) {
    try {
      const res = await fetch(api + path, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'gpubroker-payments-sandbox', ...headers() }, body });
      const answer = await res.text();
      log(`→ ${path} ${JSON.parse(body).type ?? JSON.parse(body).event_type}: ${res.status} ${answer.slice(0, 160)}`);
      if (res.ok) return true;
    } catch (err) {
      log(`→ ${path} failed: ${err.message}`);
    }
    await new Promise((r) => setTimeout(r, 1000 * attempt));
  }
  return false;
}

const sendStripe = (event) => {
  const body = JSON.stringify(event);
  return deliver('/webhooks/stripe', body, () => ({ 'stripe-signature': stripeSignature(stripeSecret, body) }));
};
const sendPaypal = (event) => {
  const body = JSON.stringify(event);
  return deliver('/webhooks/paypal', body, () => paypalHeaders(privateKey, webhookId, CERT_URL, body));
};

function page(title, amount, action, cancelUrl) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:5rem auto;padding:0 1rem}button{font-size:1.1rem;padding:.6rem 1.2rem;cursor:pointer}.tag{color:#a15c00;font-weight:600}</style></head>
<body><p class="tag">TEST MODE — local payments sandbox, no real money</p><h1>${title}</h1>
<form method="post" action="${escape(action)}"><button type="submit">Pay $${amount} (test mode)</button></form>
<p><a href="${escape(cancelUrl)}">Cancel and return</a></p></body></html>`;
}

async function handle(req, res) {
  const url = new URL(req.url, base);
  const path = url.pathname;
  const method = req.method;
  const body = method === 'POST' ? await readBody(req) : '';

  if (method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
  // Browsers ask for it on the checkout page; a 404 would show as an error in their console.
  if (method === 'GET' && path === '/favicon.ico') return res.writeHead(204).end();

  // ---------------------------------------------------------------- Stripe REST
  if (path.startsWith('/stripe/')) {
    if (!stripeKey || !same(req.headers.authorization ?? '', `Bearer ${stripeKey}`)) {
      return send(res, 401, { error: { type: 'invalid_request_error', code: 'api_key_invalid', message: 'Invalid API Key provided' } });
    }
    if (method === 'POST' && path === '/stripe/v1/checkout/sessions') {
      const key = req.headers['idempotency-key'];
      if (key && replays.has(`stripe:${key}`)) return send(res, ...replays.get(`stripe:${key}`));
      const form = new URLSearchParams(body);
      const cents = Number(form.get('line_items[0][price_data][unit_amount]'));
      if (form.get('mode') !== 'payment' || !Number.isInteger(cents) || cents < 50) {
        return send(res, 400, { error: { type: 'invalid_request_error', code: 'parameter_invalid_integer', message: 'bad amount or mode' } });
      }
      const id = rid('cs_test_', 16);
      const session = {
        id,
        object: 'checkout.session',
        amount_subtotal: cents,
        amount_total: cents,
        cancel_url: form.get('cancel_url'),
        client_reference_id: form.get('client_reference_id'),
        currency: form.get('line_items[0][price_data][currency]'),
        livemode: false,
        metadata: { order_id: form.get('metadata[order_id]'), tenant_id: form.get('metadata[tenant_id]') },
        mode: 'payment',
        payment_intent: null,
        payment_status: 'unpaid',
        status: 'open',
        success_url: form.get('success_url'),
        url: `${base}/pay/stripe/${id}`,
      };
      sessions.set(id, session);
      if (key) replays.set(`stripe:${key}`, [200, session]);
      log(`stripe session ${id} for ${session.metadata.order_id}: $${usd(cents)}`);
      return send(res, 200, session);
    }
  }

  // ---------------------------------------------------------------- PayPal REST
  if (path.startsWith('/paypal/')) {
    if (method === 'POST' && path === '/paypal/v1/oauth2/token') {
      if (!same(req.headers.authorization ?? '', `Basic ${Buffer.from(paypalClient).toString('base64')}`)) return send(res, 401, { error: 'invalid_client', error_description: 'Client Authentication failed' });
      const token = rid('A21AA', 24);
      tokens.add(token);
      return send(res, 200, { scope: 'https://uri.paypal.com/services/payments/payment', access_token: token, token_type: 'Bearer', app_id: 'APP-LOCALSANDBOX', expires_in: 32400, nonce: rid('') });
    }
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!tokens.has(bearer)) return send(res, 401, { name: 'AUTHENTICATION_FAILURE', message: 'Authentication failed due to invalid authentication credentials' });
    const requestId = req.headers['paypal-request-id'];
    if (requestId && replays.has(`paypal:${path}:${requestId}`)) return send(res, ...replays.get(`paypal:${path}:${requestId}`));
    const remember = (status, answer) => {
      if (requestId) replays.set(`paypal:${path}:${requestId}`, [status, answer]);
      return send(res, status, answer);
    };

    if (method === 'POST' && path === '/paypal/v2/checkout/orders') {
      const order = JSON.parse(body);
      const unit = order.purchase_units?.[0];
      const ctx = order.payment_source?.paypal?.experience_context ?? {};
      if (order.intent !== 'CAPTURE' || unit?.amount?.currency_code !== 'USD' || !/^\d+\.\d{2}$/.test(unit?.amount?.value ?? '')) {
        return send(res, 422, { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'INVALID_PARAMETER_VALUE' }] });
      }
      const id = rid('', 9).toUpperCase().slice(0, 17);
      orders.set(id, { customId: unit.custom_id, value: unit.amount.value, returnUrl: ctx.return_url, cancelUrl: ctx.cancel_url, captureId: null });
      log(`paypal order ${id} for ${unit.custom_id}: $${unit.amount.value}`);
      return remember(200, {
        id,
        status: 'PAYER_ACTION_REQUIRED',
        payment_source: { paypal: {} },
        links: [
          { href: `${base}/paypal/v2/checkout/orders/${id}`, rel: 'self', method: 'GET' },
          { href: `${base}/pay/paypal/${id}`, rel: 'payer-action', method: 'GET' },
        ],
      });
    }
    const capture = /^\/paypal\/v2\/checkout\/orders\/([\w-]+)\/capture$/.exec(path);
    if (method === 'POST' && capture) {
      const order = orders.get(capture[1]);
      if (!order) return send(res, 404, { name: 'RESOURCE_NOT_FOUND', details: [{ issue: 'INVALID_RESOURCE_ID' }] });
      if (order.captureId) return send(res, 422, { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'ORDER_ALREADY_CAPTURED' }] });
      order.captureId = rid('', 8).toUpperCase();
      const captured = { id: order.captureId, status: 'COMPLETED', amount: { currency_code: 'USD', value: order.value }, final_capture: true, custom_id: order.customId };
      // Like PayPal: the capture also produces a PAYMENT.CAPTURE.COMPLETED webhook, a moment later.
      setTimeout(() => sendPaypal(paypalEvent('PAYMENT.CAPTURE.COMPLETED', 'capture', { ...captured, supplementary_data: { related_ids: { order_id: capture[1] } } })), 300);
      return remember(201, { id: capture[1], status: 'COMPLETED', purchase_units: [{ reference_id: order.customId, payments: { captures: [captured] } }] });
    }
    if (method === 'POST' && path === '/paypal/v1/notifications/verify-webhook-signature') {
      const v = JSON.parse(body);
      const event = JSON.stringify(v.webhook_event);
      const signed = `${v.transmission_id}|${v.transmission_time}|${v.webhook_id}|${crc32(Buffer.from(event))}`;
      let ok = v.webhook_id === webhookId && v.cert_url === CERT_URL && v.auth_algo === 'SHA256withRSA';
      try {
        ok = ok && createVerify('RSA-SHA256').update(signed).verify(publicKey, v.transmission_sig, 'base64');
      } catch {
        ok = false;
      }
      return send(res, 200, { verification_status: ok ? 'SUCCESS' : 'FAILURE' });
    }
  }

  // ---------------------------------------------------------------- checkout pages
  const stripePage = /^\/pay\/stripe\/(cs_test_\w+)$/.exec(path);
  if (stripePage) {
    const session = sessions.get(stripePage[1]);
    if (!session) return send(res, 404, '<h1>No such checkout session</h1>');
    if (method === 'GET') return send(res, 200, page('GPUBroker prepaid credit', usd(session.amount_total), path, session.cancel_url));
    if (session.payment_status !== 'paid') {
      session.payment_status = 'paid';
      session.status = 'complete';
      session.payment_intent = rid('pi_', 12);
      const order = { orderId: session.metadata.order_id, tenantId: session.metadata.tenant_id, sessionId: session.id, cents: session.amount_total };
      // Stripe sends both, in no guaranteed order; GPUBroker credits once.
      await sendStripe(stripeEvent('checkout.session.completed', paidSession(order, session.payment_intent)));
      await sendStripe(stripeEvent('payment_intent.succeeded', succeededIntent(order, session.payment_intent)));
    }
    res.writeHead(303, { location: session.success_url });
    return res.end();
  }
  const paypalPage = /^\/pay\/paypal\/([\w-]+)$/.exec(path);
  if (paypalPage) {
    const order = orders.get(paypalPage[1]);
    if (!order) return send(res, 404, '<h1>No such PayPal order</h1>');
    if (method === 'GET') return send(res, 200, page('GPUBroker prepaid credit (PayPal)', order.value, path, order.cancelUrl));
    if (!order.approved) {
      order.approved = true;
      // The API captures on CHECKOUT.ORDER.APPROVED (through this sandbox), which then sends PAYMENT.CAPTURE.COMPLETED.
      await sendPaypal(
        paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', {
          id: paypalPage[1],
          intent: 'CAPTURE',
          status: 'APPROVED',
          purchase_units: [{ reference_id: order.customId, custom_id: order.customId, amount: { currency_code: 'USD', value: order.value } }],
          payer: { payer_id: 'LOCALSANDBOXPAYER', email_address: 'buyer@example.com' },
          create_time: new Date().toISOString(),
        }),
      );
    }
    res.writeHead(303, { location: order.returnUrl });
    return res.end();
  }
  return send(res, 404, { error: `no sandbox route for ${method} ${path}` });
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    log(`error: ${err.message}`);
    if (!res.headersSent) send(res, 500, { error: 'sandbox error' });
  });
});
server.listen(port, host, () => log(`listening on ${base}; webhooks go to ${api}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
