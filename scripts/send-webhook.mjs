#!/usr/bin/env node
// Signs a Stripe webhook event for one of your payment orders and sends it to a running API, to see a
// payment credited once and a replay change nothing. By default it sends `checkout.session.completed`
// for the order twice (the same event id: the second answer says duplicate), then
// `payment_intent.succeeded` (a new event id for the same payment: already credited).
//
//   node scripts/send-webhook.mjs --order pay_… --token <access token or API key> [--api http://127.0.0.1:8787]
//        [--type checkout.session.completed|payment_intent.succeeded|charge.refunded] [--refund-usd 10] [--times 2]
//
// The signing secret is --secret, else STRIPE_WEBHOOK_SECRET, else the one `npm start` made in
// .wrangler/stripe-webhook-secret.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { paidSession, refundedCharge, stripeEvent, stripeSignature, succeededIntent } from './lib/payment-events.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    order: { type: 'string' },
    token: { type: 'string' },
    api: { type: 'string', default: process.env.API ?? `http://127.0.0.1:${process.env.PORT ?? 8787}` },
    type: { type: 'string' },
    'refund-usd': { type: 'string' },
    times: { type: 'string', default: '2' },
    secret: { type: 'string' },
  },
});
if (!args.order || !args.token) {
  console.error('usage: node scripts/send-webhook.mjs --order pay_… --token <access token or API key> [--api URL] [--type …] [--refund-usd N] [--times N]');
  process.exit(2);
}
const secretFile = join(root, '.wrangler', 'stripe-webhook-secret');
const secret = (args.secret ?? process.env.STRIPE_WEBHOOK_SECRET ?? (existsSync(secretFile) ? readFileSync(secretFile, 'utf8') : '')).split(',')[0].trim();
if (!secret) {
  console.error('no signing secret: pass --secret, set STRIPE_WEBHOOK_SECRET, or run `npm start` once (it makes .wrangler/stripe-webhook-secret)');
  process.exit(2);
}
const base = args.api.replace(/\/+$/, '');
const auth = { authorization: `Bearer ${args.token}` };

async function get(path) {
  const res = await fetch(base + path, { headers: auth });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function balance() {
  const res = await get('/v1/billing/balance');
  if (res.status === 200 && res.body) return `balance ${JSON.stringify(res.body.availableUsd ?? res.body.balanceUsd ?? res.body)}`;
  const payment = await get(`/v1/billing/payments/${args.order}`);
  return `order ${payment.body?.status ?? `(HTTP ${payment.status})`}`;
}

const payment = await get(`/v1/billing/payments/${args.order}`);
if (payment.status !== 200) {
  console.error(`GET /v1/billing/payments/${args.order} answered ${payment.status}: ${JSON.stringify(payment.body)}`);
  process.exit(1);
}
if (payment.body.provider !== 'stripe') {
  console.error(`order ${args.order} is a ${payment.body.provider} order; this script sends Stripe events (PayPal ones come from the sandbox's checkout page)`);
  process.exit(1);
}
const me = await get('/v1/me');
const order = { orderId: args.order, tenantId: me.body.tenant.id, sessionId: payment.body.providerOrderId, cents: Math.round(payment.body.amountUsd * 100) };
// The same PaymentIntent id every run, so each event type speaks of the same payment.
const pi = `pi_local_${args.order.slice(4)}`;

function build(type) {
  if (type === 'payment_intent.succeeded') return stripeEvent(type, succeededIntent(order, pi));
  if (type === 'charge.refunded') return stripeEvent(type, refundedCharge(order, pi, Math.round(Number(args['refund-usd'] ?? payment.body.amountUsd) * 100)));
  return stripeEvent('checkout.session.completed', paidSession(order, pi));
}

async function send(event) {
  const body = JSON.stringify(event);
  const res = await fetch(`${base}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(secret, body) }, body });
  console.log(`${event.type} ${event.id} → ${res.status} ${await res.text()}`);
}

console.log(`order ${args.order}: $${payment.body.amountUsd} via stripe (${payment.body.status}); ${await balance()}`);
const plan = args.type ? [build(args.type)] : [build('checkout.session.completed')];
for (const event of plan) for (let i = 0; i < Number(args.times); i++) await send(event);
if (!args.type) await send(build('payment_intent.succeeded'));
console.log(`now: ${await balance()}`);
