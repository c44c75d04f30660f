// Payments end to end, as `npm start` runs them: the Worker under wrangler's dev server and the local
// payments sandbox (scripts/payments-sandbox.mjs) as a separate process playing Stripe and PayPal. A
// test-mode checkout is paid on the sandbox's page, which sends the signed webhooks; the order is
// credited once. scripts/send-webhook.mjs replays a signed event and credits nothing more.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForHealth } from './net';
import { apiCaller, startStack, type Stack } from './stack';

const root = fileURLToPath(new URL('..', import.meta.url));
let stack: Stack;
let sandbox: ChildProcess;
let token: string;
const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;

const call = apiCaller(() => stack.api, () => token);

interface Payment {
  status: string;
  amountUsd: number;
  refundedUsd: number;
}

beforeAll(async () => {
  const sandboxPort = await freePort();
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const payments = {
    STRIPE_SECRET_KEY: 'sk_test_e2e',
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    PAYPAL_CLIENT_ID: 'e2e-client',
    PAYPAL_CLIENT_SECRET: randomBytes(12).toString('hex'),
    PAYPAL_WEBHOOK_ID: 'WHE2E',
  };
  stack = await startStack({}, { ...payments, STRIPE_API_URL: `${sandboxUrl}/stripe`, PAYPAL_API_URL: `${sandboxUrl}/paypal`, PAYPAL_VERIFY: 'api' });
  sandbox = spawn(process.execPath, [join(root, 'scripts', 'payments-sandbox.mjs')], {
    env: { PATH: process.env.PATH, PORT: String(sandboxPort), HOST: '127.0.0.1', API_PUBLIC_URL: stack.api, ...payments },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHealth(`${sandboxUrl}/healthz`, 'the payments sandbox');
  const signup = await fetch(`${stack.api}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ email: `pay-${Date.now()}@example.com`, password: 'correct horse battery staple', organization: 'Payments E2E' }),
  });
  token = ((await signup.json()) as { accessToken: string }).accessToken;
}, 120_000);

afterAll(async () => {
  sandbox?.kill('SIGTERM');
  await stack?.stop();
});

describe('payments end to end', () => {
  it('a Stripe test-mode checkout paid on the sandbox page credits the order once, and returns the payer to the web app’s success URL', async () => {
    const checkout = await call<{ orderId: string; checkoutUrl: string }>('POST', '/v1/billing/checkout', { amountUsd: 50, provider: 'stripe' });
    expect(checkout.status).toBe(201);
    const page = await (await fetch(checkout.body.checkoutUrl)).text();
    expect(page).toContain('Pay $50.00 (test mode)');
    const paid = await fetch(checkout.body.checkoutUrl, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`${stack.api}/checkout/return?order=${checkout.body.orderId}&result=success`);
    // The web app's /checkout/return page shows the order from here on; the API's part is the order and the balance.
    const payment = await call<Payment>('GET', `/v1/billing/payments/${checkout.body.orderId}`);
    expect(payment.body).toMatchObject({ status: 'paid', amountUsd: 50 });
    expect((await call<{ balanceUsd: number }>('GET', '/v1/billing/balance')).body.balanceUsd).toBe(50);
  });

  it('a PayPal checkout is captured on approval and credited', async () => {
    const checkout = await call<{ orderId: string; checkoutUrl: string }>('POST', '/v1/billing/checkout', { amountUsd: 12.34, provider: 'paypal' });
    expect(checkout.status).toBe(201);
    const paid = await fetch(checkout.body.checkoutUrl, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect((await call<Payment>('GET', `/v1/billing/payments/${checkout.body.orderId}`)).body).toMatchObject({ status: 'paid', amountUsd: 12.34 });
  });

  it('scripts/send-webhook.mjs credits an order once; its replay and the second event type credit nothing', async () => {
    const checkout = await call<{ orderId: string }>('POST', '/v1/billing/checkout', { amountUsd: 20, provider: 'stripe' });
    // Asynchronously: a blocked event loop would let the dev server close our idle keep-alive socket under us.
    const run = (extra: string[] = []) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [join(root, 'scripts', 'send-webhook.mjs'), '--order', checkout.body.orderId, '--token', token, '--api', stack.api, '--secret', webhookSecret, ...extra], (err, stdout, stderr) =>
          resolve({ code: err ? 1 : 0, stdout, stderr }),
        );
      });
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    const answers = first.stdout.split('\n').filter((l) => l.includes('→ 200'));
    expect(answers).toHaveLength(3);
    expect(answers[0]).toContain('"outcome":"credited"');
    expect(answers[1]).toContain('"duplicate":true');
    expect(answers[2]).toContain('"outcome":"already credited"');
    const refund = await run(['--type', 'charge.refunded', '--refund-usd', '5']);
    expect(refund.stdout).toContain('"outcome":"refunded $5.00"');
    expect((await call<Payment>('GET', `/v1/billing/payments/${checkout.body.orderId}`)).body).toMatchObject({ status: 'partially_refunded', amountUsd: 20, refundedUsd: 5 });
  });
});
