// POST /webhooks/paypal end to end: transmission signatures checked with the certificate from an
// allow-listed PayPal host (or PayPal's verify API when the certificate cannot be had), capture on
// approval, exactly-once crediting, refunds and reversals, and the attacks the issue lists.
import { describe, expect, it } from 'vitest';
import { verifyPaypalTransmission } from '../../../src/billing/payments/paypal-signature';
import { toBase64, utf8 } from '../../../src/encoding';
import { createApp } from '../../../src/app';
import { json, testEnv } from '../../helpers';
import { createTenant } from '../../tenancy/fixtures';
import { CERT_URL, installFakes, PAYPAL_BASE, type Fakes } from './fakes';
import {
  approvedOrder,
  books,
  checkout,
  completedCapture,
  countRows,
  mismatchAlerts,
  order,
  PAYPAL_WEBHOOK_ID,
  paypalEvent,
  refund,
  sendPaypal,
  storedEvent,
  type Order,
} from './support';

async function expectOutcome(res: Response, status: string, outcome?: string | RegExp) {
  expect(res.status).toBe(200);
  const body = await json<{ status: string; outcome: string; duplicate: boolean }>(res);
  expect(body.status).toBe(status);
  if (outcome !== undefined) expect(body.outcome).toMatch(outcome);
  return body;
}

const verifyCalls = (f: Fakes) => f.calls.filter((c) => c.url === `${PAYPAL_BASE}/v1/notifications/verify-webhook-signature`);
const certCalls = (f: Fakes) => f.calls.filter((c) => c.url.includes('/v1/notifications/certs/'));

async function paidViaPaypal(cents = 5000): Promise<{ fakes: Fakes; o: Order; captureId: string }> {
  const fakes = installFakes();
  const t = await createTenant();
  const o = await checkout(t, cents, 'paypal');
  await expectOutcome(await sendPaypal(paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o))), 'processed', 'credited');
  const captureId = (await order(o.orderId))!.provider_payment_id!;
  return { fakes, o, captureId };
}

describe('PayPal webhooks: crediting', () => {
  it('captures an approved order, credits it from the capture, and the capture-completed event credits nothing more', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    const o = await checkout(t, 5000, 'paypal');
    const approved = paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o));
    await expectOutcome(await sendPaypal(approved), 'processed', 'credited');
    const captures = fakes.calls.filter((c) => c.url.endsWith(`/v2/checkout/orders/${o.providerOrderId}/capture`));
    expect(captures).toHaveLength(1);
    expect(captures[0]!.headers['paypal-request-id']).toBe(`capture-${o.orderId}`);
    const row = await order(o.orderId);
    expect(row).toMatchObject({ status: 'paid' });
    expect(row!.provider_payment_id).toMatch(/^CAP/);
    expect(await storedEvent('paypal', approved.id)).toMatchObject({ status: 'processed', signature_method: 'cert', tenant_id: t.tenantId, order_id: o.orderId });

    await expectOutcome(await sendPaypal(paypalEvent('PAYMENT.CAPTURE.COMPLETED', 'capture', completedCapture(o, row!.provider_payment_id!))), 'processed', 'already credited');
    // Redelivered approval: no second capture, no second credit.
    await expectOutcome(await sendPaypal(approved), 'processed', 'credited');
    await expectOutcome(await sendPaypal(paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o))), 'processed', 'already captured');
    expect(fakes.calls.filter((c) => c.url.endsWith('/capture'))).toHaveLength(1);
    expect(await books(t.tenantId)).toEqual({
      balanceMicro: 50_000_000,
      unbalanced: [],
      entriesAgree: true,
      entries: [
        { kind: 'credit_purchase', reference: `payment:${o.orderId}`, account: 'credit', amount_micro: 50_000_000 },
        { kind: 'credit_purchase', reference: `payment:${o.orderId}`, account: 'payments:paypal', amount_micro: -50_000_000 },
      ],
    });
    // The certificate was fetched once and then served from the cache.
    expect(certCalls(fakes)).toHaveLength(1);
    expect(verifyCalls(fakes)).toHaveLength(0);
  });

  it('credits from PAYMENT.CAPTURE.COMPLETED alone, and waits when a capture is pending', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    const o = await checkout(t, 2500, 'paypal');
    fakes.paypalCapture = (id) =>
      Response.json(
        { id, status: 'COMPLETED', purchase_units: [{ reference_id: o.orderId, payments: { captures: [{ id: 'CAPPENDING1', status: 'PENDING', status_details: { reason: 'ECHECK' }, amount: { currency_code: 'USD', value: '25.00' }, custom_id: o.orderId }] } }] },
        { status: 201 },
      );
    await expectOutcome(await sendPaypal(paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o))), 'processed', 'capture pending');
    expect(await order(o.orderId)).toMatchObject({ status: 'approved', provider_payment_id: 'CAPPENDING1' });
    expect((await books(t.tenantId)).balanceMicro).toBe(0);
    await expectOutcome(await sendPaypal(paypalEvent('PAYMENT.CAPTURE.COMPLETED', 'capture', completedCapture(o, 'CAPPENDING1'))), 'processed', 'credited');
    expect((await books(t.tenantId)).balanceMicro).toBe(25_000_000);
  });

  it('takes back refunds by refund id, once each, and a reversal as a dispute', async () => {
    const { o, captureId } = await paidViaPaypal(5000);
    const first = paypalEvent('PAYMENT.CAPTURE.REFUNDED', 'refund', refund(captureId, 'REF1', '10.00'));
    await expectOutcome(await sendPaypal(first), 'processed', 'refunded $10.00');
    await expectOutcome(await sendPaypal(paypalEvent('PAYMENT.CAPTURE.REFUNDED', 'refund', refund(captureId, 'REF1', '10.00'))), 'processed', 'refund already recorded');
    await expectOutcome(await sendPaypal(paypalEvent('PAYMENT.CAPTURE.REFUNDED', 'refund', refund(captureId, 'REF2', '15.00'))), 'processed', 'refunded $15.00');
    expect(await order(o.orderId)).toMatchObject({ status: 'partially_refunded', refunded_micro: 25_000_000 });
    await expectOutcome(await sendPaypal(paypalEvent('PAYMENT.CAPTURE.REVERSED', 'refund', refund(captureId, 'REV1', '25.00'))), 'processed', 'disputed $25.00');
    const b = await books(o.tenantId);
    expect(b).toMatchObject({ balanceMicro: 0, unbalanced: [], entriesAgree: true });
    expect(b.entries.filter((e) => e.account !== 'credit').map((e) => [e.kind, e.account, e.amount_micro])).toEqual([
      ['credit_purchase', 'payments:paypal', -50_000_000],
      ['refund', 'payments:paypal', 10_000_000],
      ['refund', 'payments:paypal', 15_000_000],
      ['dispute', 'disputes', 25_000_000],
    ]);
    expect(await order(o.orderId)).toMatchObject({ status: 'disputed', disputed_micro: 25_000_000 });
  });

  it('falls back to the verify API only when the certificate cannot be fetched', async () => {
    const fakes = installFakes();
    fakes.certAvailable = false;
    const t = await createTenant();
    const o = await checkout(t, 1000, 'paypal');
    const event = paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o));
    await expectOutcome(await sendPaypal(event), 'processed', 'credited');
    expect(await storedEvent('paypal', event.id)).toMatchObject({ signature_method: 'api' });
    const [call] = verifyCalls(fakes);
    // The event goes to PayPal as the exact bytes received, with the transmission headers.
    expect(call!.body.endsWith(`,"webhook_event":${JSON.stringify(event)}}`)).toBe(true);
    expect(JSON.parse(call!.body)).toMatchObject({ auth_algo: 'SHA256withRSA', cert_url: CERT_URL, webhook_id: PAYPAL_WEBHOOK_ID, webhook_event: event });

    fakes.paypalVerify = 'FAILURE';
    const refused = await sendPaypal(paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o)));
    expect(refused.status).toBe(401);
    fakes.paypalVerify = Response.json({ name: 'INTERNAL_SERVICE_ERROR' }, { status: 500 });
    const unavailable = await sendPaypal(paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o)));
    expect(unavailable.status).toBe(503);
    expect(await countRows('payment_webhook_events')).toBe(1);
    expect((await books(t.tenantId)).balanceMicro).toBe(10_000_000);
  });

  it('with PAYPAL_VERIFY=api asks the API and never fetches the certificate', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    const o = await checkout(t, 1000, 'paypal');
    const app = createApp();
    const local = testEnv({ PAYPAL_VERIFY: 'api' });
    const res = await sendPaypal(paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o)), { via: (req) => app.request(req, undefined, local) });
    await expectOutcome(res, 'processed', 'credited');
    expect(certCalls(fakes)).toHaveLength(0);
    expect(verifyCalls(fakes)).toHaveLength(1);
  });
});

describe('PayPal webhooks: attacks credit nothing and lose nothing', () => {
  it('refuses certificate URLs off the PayPal API hosts without fetching them', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    const o = await checkout(t, 5000, 'paypal');
    const spoofs = [
      'https://paypal.com.evil.com/v1/notifications/certs/CERT-1',
      'https://evil.com/paypal.com/v1/notifications/certs/CERT-1',
      'http://api.sandbox.paypal.com/v1/notifications/certs/CERT-1',
      'https://api.sandbox.paypal.com@evil.com/v1/notifications/certs/CERT-1',
      'https://api.sandbox.paypal.com:8443/v1/notifications/certs/CERT-1',
      'https://evil.com\\@api.sandbox.paypal.com/v1/notifications/certs/CERT-1',
      'https://api.sandbox.paypal.com.evil.com/v1/notifications/certs/CERT-1',
    ];
    for (const certUrl of spoofs) {
      const res = await sendPaypal(paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o)), { certUrl });
      expect(res.status, certUrl).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(fakes.calls.filter((c) => !c.url.startsWith(PAYPAL_BASE + '/v1/oauth2') && !c.url.startsWith(PAYPAL_BASE + '/v2/checkout/orders'))).toEqual([]);
    expect(await countRows('payment_webhook_events')).toBe(0);
    expect((await books(t.tenantId)).balanceMicro).toBe(0);
  });

  it('refuses a bad signature, a changed body, another webhook id, another algorithm or missing headers, never asking the API instead', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    const o = await checkout(t, 5000, 'paypal');
    const event = paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o));
    const text = JSON.stringify(event);
    const other = (await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const forged = toBase64(new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', other.privateKey, utf8('whatever'))));
    const cases: Array<[string, Parameters<typeof sendPaypal>[1], string | null, number]> = [
      ['another key', { signature: forged }, text, 401],
      ['garbage signature', { signature: 'bm90IGEgc2lnbmF0dXJl' }, text, 401],
      ['one byte changed', { signedBody: text }, text.replace('"intent":"CAPTURE"', '"intent":"CAPTURX"'), 401],
      ['another webhook id', { webhookId: 'WH0SOMEONEELSE' }, text, 401],
      ['another algorithm', { authAlgo: 'SHA1withRSA' }, text, 401],
      ['no signature', { omit: ['paypal-transmission-sig'] }, text, 400],
      ['no cert url', { omit: ['paypal-cert-url'] }, text, 400],
    ];
    for (const [why, options, body, status] of cases) {
      const res = await sendPaypal(body, options);
      expect(res.status, why).toBe(status);
    }
    expect(verifyCalls(fakes)).toHaveLength(0);
    expect(fakes.calls.filter((c) => c.url.endsWith('/capture'))).toHaveLength(0);
    expect(await countRows('payment_webhook_events')).toBe(0);
    expect((await books(t.tenantId)).balanceMicro).toBe(0);
  });

  it('refuses a certificate outside its validity dates', async () => {
    installFakes();
    const body = utf8('{}');
    const headers = { transmissionId: 'a', transmissionTime: '2026-01-01T00:00:00Z', transmissionSig: 'AAAA', certUrl: CERT_URL, authAlgo: 'SHA256withRSA' };
    const common = { headers, webhookId: PAYPAL_WEBHOOK_ID, body, bodyText: '{}', mode: 'cert' as const, paypal: null, timeoutMs: 1000 };
    expect(await verifyPaypalTransmission({ ...common, now: Date.UTC(2200, 0, 1) })).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('validity') });
    expect(await verifyPaypalTransmission({ ...common, now: Date.UTC(2020, 0, 1) })).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('validity') });
  });

  it('answers a replayed event 200 without a second credit, and a new event id for the same capture too', async () => {
    const { o, captureId } = await paidViaPaypal(5000);
    const completed = paypalEvent('PAYMENT.CAPTURE.COMPLETED', 'capture', completedCapture(o, captureId));
    await expectOutcome(await sendPaypal(completed), 'processed', 'already credited');
    expect((await expectOutcome(await sendPaypal(completed), 'processed', 'already credited')).duplicate).toBe(true);
    await expectOutcome(await sendPaypal(paypalEvent('PAYMENT.CAPTURE.COMPLETED', 'capture', completedCapture(o, captureId))), 'processed', 'already credited');
    expect((await books(o.tenantId)).balanceMicro).toBe(50_000_000);
  });

  it("refuses a capture naming another tenant's order, and mismatched or malformed amounts, without capturing", async () => {
    const fakes = installFakes();
    const victim = await createTenant();
    const attacker = await createTenant();
    const theirs = await checkout(victim, 5000, 'paypal');
    const mine = await checkout(attacker, 5000, 'paypal');
    // The victim's order id on the attacker's PayPal order.
    await expectOutcome(await sendPaypal(paypalEvent('PAYMENT.CAPTURE.COMPLETED', 'capture', completedCapture({ ...mine, orderId: theirs.orderId }, 'CAPX1'))), 'rejected-mismatch', /not the one of order/);
    await expectOutcome(await sendPaypal(paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder({ ...mine, orderId: theirs.orderId }))), 'rejected-mismatch', /not the one of order/);
    for (const value of ['49.99', '-50.00', 'fifty', '50.001']) {
      await expectOutcome(await sendPaypal(paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(mine, value))), 'rejected-mismatch');
    }
    const eur = approvedOrder(mine);
    eur.purchase_units[0]!.amount.currency_code = 'EUR';
    await expectOutcome(await sendPaypal(paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', eur)), 'rejected-mismatch', /currency EUR/);
    expect(fakes.calls.filter((c) => c.url.endsWith('/capture'))).toHaveLength(0);
    expect((await books(victim.tenantId)).balanceMicro).toBe(0);
    expect((await books(attacker.tenantId)).balanceMicro).toBe(0);
    expect(await mismatchAlerts()).toHaveLength(7);
  });

  it('refuses refunds beyond the payment and malformed refund amounts', async () => {
    const { o, captureId } = await paidViaPaypal(5000);
    await expectOutcome(await sendPaypal(paypalEvent('PAYMENT.CAPTURE.REFUNDED', 'refund', refund(captureId, 'REFA', '30.00'))), 'processed', 'refunded $30.00');
    await expectOutcome(await sendPaypal(paypalEvent('PAYMENT.CAPTURE.REFUNDED', 'refund', refund(captureId, 'REFB', '20.01'))), 'rejected-mismatch', /more than/);
    await expectOutcome(await sendPaypal(paypalEvent('PAYMENT.CAPTURE.REFUNDED', 'refund', refund(captureId, 'REFC', '-5.00'))), 'rejected-mismatch');
    await expectOutcome(await sendPaypal(paypalEvent('PAYMENT.CAPTURE.REFUNDED', 'refund', refund(captureId, 'REFD', '0.00'))), 'rejected-mismatch');
    expect((await books(o.tenantId)).balanceMicro).toBe(20_000_000);
    expect(await order(o.orderId)).toMatchObject({ refunded_micro: 30_000_000 });
  });

  it('refuses a signed body that is not JSON, and ignores unknown event types', async () => {
    installFakes();
    expect((await sendPaypal('{"id":"WH-1","event_type":')).status).toBe(400);
    expect((await sendPaypal('{"id":"WH-1"}')).status).toBe(400);
    const unknown = paypalEvent('BILLING.SUBSCRIPTION.CREATED', 'subscription', { id: 'I-1' });
    await expectOutcome(await sendPaypal(unknown), 'ignored', /not handled/);
    expect(await countRows('payment_webhook_events')).toBe(1);
    expect(await countRows('ledger_transactions')).toBe(0);
  });
});
