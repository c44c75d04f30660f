// POST /v1/billing/checkout against local fakes of Stripe and PayPal (documented request and response
// shapes), and the payment order endpoints.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app';
import { clearPaypalTokens } from '../../../src/billing/payments/paypal-api';
import { api, json, testEnv } from '../../helpers';
import { addApiKey, addMember, bearer, createTenant } from '../../tenancy/fixtures';
import { installFakes, PAYPAL_BASE, STRIPE_BASE } from './fakes';
import { checkout, countRows } from './support';

function post(token: string, body: unknown, key: string = crypto.randomUUID()) {
  return api('/v1/billing/checkout', {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json', 'idempotency-key': key },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('checkout with Stripe', () => {
  it('creates a Checkout Session naming our order, and answers its URL', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    const res = await post(t.ownerToken, { amountUsd: 49.99, provider: 'stripe' });
    expect(res.status).toBe(201);
    const body = await json<{ orderId: string; checkoutUrl: string; amountUsd: number; provider: string; status: string }>(res);
    expect(body).toMatchObject({ provider: 'stripe', amountUsd: 49.99, status: 'created' });
    expect(body.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);

    const [call] = fakes.calls;
    expect(call!.url).toBe(`${STRIPE_BASE}/v1/checkout/sessions`);
    expect(call!.headers).toMatchObject({ authorization: 'Bearer sk_test_vitest', 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': `checkout-${body.orderId}` });
    const form = Object.fromEntries(new URLSearchParams(call!.body));
    expect(form).toEqual({
      mode: 'payment',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][unit_amount]': '4999',
      'line_items[0][price_data][product_data][name]': 'GPUBroker prepaid credit',
      success_url: `http://gpubroker.test/checkout/return?order=${body.orderId}&result=success`,
      cancel_url: `http://gpubroker.test/checkout/return?order=${body.orderId}&result=cancelled`,
      client_reference_id: body.orderId,
      'metadata[order_id]': body.orderId,
      'metadata[tenant_id]': t.tenantId,
      'payment_intent_data[metadata][order_id]': body.orderId,
      'payment_intent_data[metadata][tenant_id]': t.tenantId,
    });

    const row = await env.DB.prepare('SELECT tenant_id, provider, provider_order_id, amount_micro, status, created_by FROM payment_orders WHERE id = ?1').bind(body.orderId).first();
    expect(row).toEqual({ tenant_id: t.tenantId, provider: 'stripe', provider_order_id: body.checkoutUrl.split('/').pop(), amount_micro: 49_990_000, status: 'created', created_by: t.ownerId });
  });

  it('replays the first answer for the same Idempotency-Key without a second session', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    const key = crypto.randomUUID();
    const first = await json(await post(t.ownerToken, { amountUsd: 20, provider: 'stripe' }, key));
    const again = await post(t.ownerToken, { amountUsd: 20, provider: 'stripe' }, key);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(again)).toEqual(first);
    expect(fakes.calls).toHaveLength(1);
    expect(await countRows('payment_orders')).toBe(1);
  });

  it('answers 502 when Stripe refuses or fails, records the order as failed, and never leaks the key', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    for (const [status, body] of [
      [400, { error: { type: 'invalid_request_error', code: 'parameter_invalid_integer', message: 'Invalid integer: sk_test_vitest' } }],
      [500, { error: { type: 'api_error', message: 'Something went wrong' } }],
    ] as const) {
      fakes.stripeSession = () => Response.json(body, { status });
      const res = await post(t.ownerToken, { amountUsd: 25, provider: 'stripe' });
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const text = await res.text();
      expect(text).toContain(`stripe could not start the checkout (http ${status})`);
      expect(text).not.toContain('sk_test');
    }
    // A 5xx is retried once with the same Stripe Idempotency-Key; a 4xx is not.
    const keys = fakes.calls.map((c) => c.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(keys[1]).toBe(keys[2]);
    const { results } = await env.DB.prepare('SELECT status, provider_order_id, checkout_url, last_error FROM payment_orders ORDER BY created_at').all();
    expect(results).toEqual([
      { status: 'failed', provider_order_id: null, checkout_url: null, last_error: 'stripe: HTTP 400 (invalid_request_error/parameter_invalid_integer)' },
      { status: 'failed', provider_order_id: null, checkout_url: null, last_error: 'stripe: HTTP 500 (api_error)' },
    ]);
  });

  it('answers 502 when Stripe does not answer in time', async () => {
    const fakes = installFakes();
    fakes.stripeSession = 'hang';
    const t = await createTenant();
    const app = createApp();
    const started = Date.now();
    const res = await app.request(
      '/v1/billing/checkout',
      { method: 'POST', headers: { ...bearer(t.ownerToken), 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }, body: JSON.stringify({ amountUsd: 10, provider: 'stripe' }) },
      testEnv({ PAYMENTS_TIMEOUT_MS: '300' }),
    );
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('(timeout)');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await env.DB.prepare('SELECT status FROM payment_orders').first('status')).toBe('failed');
  });

  it('answers 503 when the provider is not configured, and writes nothing', async () => {
    installFakes();
    const t = await createTenant();
    const res = await createApp().request(
      '/v1/billing/checkout',
      { method: 'POST', headers: { ...bearer(t.ownerToken), 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }, body: JSON.stringify({ amountUsd: 10, provider: 'stripe' }) },
      testEnv({ STRIPE_SECRET_KEY: '' }),
    );
    expect(res.status).toBe(503);
    expect(await countRows('payment_orders')).toBe(0);
  });
});

describe('checkout with PayPal', () => {
  it('gets an OAuth token once, creates an order with our id in custom_id, and answers the approval link', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    const first = await json<{ orderId: string; checkoutUrl: string }>(await post(t.ownerToken, { amountUsd: 50, provider: 'paypal' }));
    expect(first.checkoutUrl).toMatch(/^https:\/\/www\.sandbox\.paypal\.com\/checkoutnow\?token=/);
    await post(t.ownerToken, { amountUsd: 7.5, provider: 'paypal' });
    const tokenCalls = fakes.calls.filter((c) => c.url === `${PAYPAL_BASE}/v1/oauth2/token`);
    expect(tokenCalls).toHaveLength(1);
    const orderCalls = fakes.calls.filter((c) => c.url === `${PAYPAL_BASE}/v2/checkout/orders`);
    expect(orderCalls).toHaveLength(2);
    expect(orderCalls[0]!.headers['paypal-request-id']).toBe(`order-${first.orderId}`);
    expect(JSON.parse(orderCalls[0]!.body)).toEqual({
      intent: 'CAPTURE',
      purchase_units: [{ reference_id: first.orderId, custom_id: first.orderId, description: 'GPUBroker prepaid credit', amount: { currency_code: 'USD', value: '50.00' } }],
      payment_source: {
        paypal: {
          experience_context: {
            brand_name: 'GPUBroker',
            shipping_preference: 'NO_SHIPPING',
            user_action: 'PAY_NOW',
            return_url: `http://gpubroker.test/checkout/return?order=${first.orderId}&result=success`,
            cancel_url: `http://gpubroker.test/checkout/return?order=${first.orderId}&result=cancelled`,
          },
        },
      },
    });
    expect(JSON.parse(orderCalls[1]!.body).purchase_units[0].amount.value).toBe('7.50');
  });

  it('answers 502 on a PayPal error or bad answer, and on refused credentials', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    fakes.paypalOrder = () => Response.json({ name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'CURRENCY_NOT_SUPPORTED' }] }, { status: 422 });
    expect((await post(t.ownerToken, { amountUsd: 50, provider: 'paypal' })).status).toBe(502);
    fakes.paypalOrder = () => Response.json({ id: 'X', links: [] });
    expect((await post(t.ownerToken, { amountUsd: 50, provider: 'paypal' })).status).toBe(502);
    fakes.paypalOrder = null;
    clearPaypalTokens();
    const res = await createApp().request(
      '/v1/billing/checkout',
      { method: 'POST', headers: { ...bearer(t.ownerToken), 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }, body: JSON.stringify({ amountUsd: 10, provider: 'paypal' }) },
      testEnv({ PAYPAL_CLIENT_SECRET: 'wrong' }),
    );
    expect(res.status).toBe(502);
    expect(await res.text()).not.toContain('wrong');
    const { results } = await env.DB.prepare('SELECT status, last_error FROM payment_orders ORDER BY created_at').all<{ status: string; last_error: string }>();
    expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    expect(results.map((r) => r.last_error)).toEqual([
      'paypal: order: HTTP 422 (UNPROCESSABLE_ENTITY/CURRENCY_NOT_SUPPORTED)',
      'paypal: the order has no id or approve link',
      'paypal: token: HTTP 401 (invalid_client)',
    ]);
  });
});

describe('checkout input', () => {
  it('refuses strings, negatives, NaN, exponents, extra decimals and out-of-range amounts, naming body.amountUsd', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    const bodies = [
      '{"amountUsd":"50","provider":"stripe"}',
      '{"amountUsd":-50,"provider":"stripe"}',
      '{"amountUsd":NaN,"provider":"stripe"}',
      '{"amountUsd":"NaN","provider":"stripe"}',
      '{"amountUsd":5e1,"provider":"stripe"}',
      '{"amountUsd":1E+2,"provider":"stripe"}',
      '{"amountUsd":50.001,"provider":"stripe"}',
      '{"amountUsd":50.000,"provider":"stripe"}',
      '{"amountUsd":4.99,"provider":"stripe"}',
      '{"amountUsd":10000.01,"provider":"stripe"}',
      '{"amountUsd":null,"provider":"stripe"}',
      '{"amountUsd":Infinity,"provider":"stripe"}',
      '{"provider":"stripe"}',
    ];
    for (const body of bodies) {
      const res = await post(t.ownerToken, body);
      expect(res.status, body).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const problem = await json<{ errors: Array<{ field: string }> }>(res);
      expect(problem.errors.map((e) => e.field), body).toContain('body.amountUsd');
    }
    for (const body of ['{"amountUsd":50,"provider":"bitcoin"}', '{"amountUsd":50,"provider":"stripe","currency":"eur"}']) {
      expect((await post(t.ownerToken, body)).status, body).toBe(400);
    }
    expect(fakes.calls).toHaveLength(0);
    expect(await countRows('payment_orders')).toBe(0);
    // The bounds themselves are fine.
    expect((await post(t.ownerToken, { amountUsd: 5, provider: 'stripe' })).status).toBe(201);
    expect((await post(t.ownerToken, { amountUsd: 10000, provider: 'stripe' })).status).toBe(201);
  });

  it('needs a member or better and an Idempotency-Key', async () => {
    installFakes();
    const t = await createTenant();
    const viewer = await addMember(t.tenantId, 'viewer');
    expect((await post(viewer.token, { amountUsd: 50, provider: 'stripe' })).status).toBe(403);
    const member = await addMember(t.tenantId, 'member');
    expect((await post(member.token, { amountUsd: 50, provider: 'stripe' })).status).toBe(201);
    const key = await addApiKey(t.tenantId, 'member');
    expect((await post(key.key, { amountUsd: 50, provider: 'stripe' })).status).toBe(201);
    expect((await api('/v1/billing/checkout', { method: 'POST', body: '{"amountUsd":50,"provider":"stripe"}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    const noKey = await api('/v1/billing/checkout', { method: 'POST', headers: { ...bearer(t.ownerToken), 'content-type': 'application/json' }, body: '{"amountUsd":50,"provider":"stripe"}' });
    expect(noKey.status).toBe(400);
  });
});

describe('payment orders', () => {
  it("lists and shows the tenant's own orders; another tenant's answers 404", async () => {
    installFakes();
    const a = await createTenant();
    const b = await createTenant();
    const first = await checkout(a, 1000);
    const second = await checkout(a, 2000, 'paypal');
    const theirs = await checkout(b, 3000);
    const list = await json<{ data: Array<{ id: string; amountUsd: number; status: string }>; nextCursor: string | null }>(await api('/v1/billing/payments?limit=1', { headers: bearer(a.ownerToken) }));
    expect(list.data.map((p) => p.id)).toEqual([second.orderId]);
    const next = await json<{ data: Array<{ id: string }>; nextCursor: string | null }>(await api(`/v1/billing/payments?limit=1&cursor=${list.nextCursor}`, { headers: bearer(a.ownerToken) }));
    expect(next).toEqual({ data: [expect.objectContaining({ id: first.orderId, amountUsd: 10, status: 'created', provider: 'stripe' })], nextCursor: null });
    expect((await api(`/v1/billing/payments/${theirs.orderId}`, { headers: bearer(a.ownerToken) })).status).toBe(404);
    const viewer = await addMember(a.tenantId, 'viewer');
    expect((await api(`/v1/billing/payments/${first.orderId}`, { headers: bearer(viewer.token) })).status).toBe(200);
  });
});
