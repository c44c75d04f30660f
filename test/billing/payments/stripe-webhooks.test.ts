// POST /webhooks/stripe end to end: signature checks on the raw bytes, the stored copy, exactly-once
// crediting through the ledger, refunds, disputes, and every attack the issue lists.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { post } from '../../../src/billing/ledger';
import { stripeSignatureHeader } from '../../../src/billing/payments/stripe-signature';
import { api, json } from '../../helpers';
import { createTenant } from '../../tenancy/fixtures';
import { installFakes } from './fakes';
import {
  books,
  checkout,
  countRows,
  dispute,
  mismatchAlerts,
  order,
  paidSession,
  refundedCharge,
  sendStripe,
  STRIPE_OLD_SECRET,
  storedEvent,
  stripeEvent,
  succeededIntent,
  uniq,
  type Order,
} from './support';

async function paidOrder(cents = 5000): Promise<{ o: Order; pi: string }> {
  installFakes();
  const t = await createTenant();
  const o = await checkout(t, cents);
  const pi = uniq('pi_');
  const res = await sendStripe(stripeEvent('checkout.session.completed', paidSession(o, pi)));
  expect(res.status).toBe(200);
  return { o, pi };
}

async function expectOutcome(res: Response, status: string, outcome?: string | RegExp) {
  expect(res.status).toBe(200);
  const body = await json<{ status: string; outcome: string; duplicate: boolean }>(res);
  expect(body.status).toBe(status);
  if (outcome !== undefined) expect(body.outcome).toMatch(outcome);
  return body;
}

describe('Stripe webhooks: crediting', () => {
  it('credits a completed checkout once, through the ledger, and stores the delivery', async () => {
    installFakes();
    const t = await createTenant();
    const o = await checkout(t, 5000);
    const event = stripeEvent('checkout.session.completed', paidSession(o, 'pi_3MtwBwLkdIwHu7ix28a3tqPa'));
    const res = await sendStripe(event);
    expect(await json(res)).toEqual({ received: true, duplicate: false, eventId: event.id, status: 'processed', outcome: 'credited' });

    expect(await books(t.tenantId)).toEqual({
      balanceMicro: 50_000_000,
      unbalanced: [],
      entriesAgree: true,
      entries: [
        { kind: 'credit_purchase', reference: `payment:${o.orderId}`, account: 'credit', amount_micro: 50_000_000 },
        { kind: 'credit_purchase', reference: `payment:${o.orderId}`, account: 'payments:stripe', amount_micro: -50_000_000 },
      ],
    });
    expect(await order(o.orderId)).toMatchObject({ status: 'paid', provider_payment_id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa' });
    const stored = await storedEvent('stripe', event.id);
    expect(stored).toMatchObject({ status: 'processed', outcome: 'credited', attempts: 1, tenant_id: t.tenantId, order_id: o.orderId, signature_method: 'hmac', body: JSON.stringify(event) });
    expect(Object.keys(JSON.parse(stored!.headers)).sort()).toEqual(['content-type', 'stripe-signature']);
    const payment = await json<{ status: string; paidAt: string | null }>(await api(`/v1/billing/payments/${o.orderId}`, { headers: { authorization: `Bearer ${t.ownerToken}` } }));
    expect(payment.status).toBe('paid');
    expect(payment.paidAt).not.toBeNull();
  });

  it('credits once when the session and the PaymentIntent both announce the payment, in either order', async () => {
    installFakes();
    const t = await createTenant();
    const a = await checkout(t, 2000);
    const b = await checkout(t, 3000);
    await expectOutcome(await sendStripe(stripeEvent('checkout.session.completed', paidSession(a, 'pi_a'))), 'processed', 'credited');
    await expectOutcome(await sendStripe(stripeEvent('payment_intent.succeeded', succeededIntent(a, 'pi_a'))), 'processed', 'already credited');
    await expectOutcome(await sendStripe(stripeEvent('payment_intent.succeeded', succeededIntent(b, 'pi_b'))), 'processed', 'credited');
    await expectOutcome(await sendStripe(stripeEvent('checkout.session.completed', paidSession(b, 'pi_b'))), 'processed', 'already credited');
    expect((await books(t.tenantId)).balanceMicro).toBe(50_000_000);
  });

  it('waits for an unpaid (asynchronous) session until its PaymentIntent succeeds', async () => {
    installFakes();
    const t = await createTenant();
    const o = await checkout(t, 4000);
    await expectOutcome(await sendStripe(stripeEvent('checkout.session.completed', paidSession(o, 'pi_async', { payment_status: 'unpaid' }))), 'processed', 'awaiting payment');
    expect((await books(t.tenantId)).balanceMicro).toBe(0);
    expect((await order(o.orderId))!.status).toBe('created');
    await expectOutcome(await sendStripe(stripeEvent('payment_intent.succeeded', succeededIntent(o, 'pi_async'))), 'processed', 'credited');
    expect((await books(t.tenantId)).balanceMicro).toBe(40_000_000);
    // Or the session's own async_payment_succeeded announces it.
    const later = await checkout(t, 1500);
    await expectOutcome(await sendStripe(stripeEvent('checkout.session.completed', paidSession(later, 'pi_later', { payment_status: 'unpaid' }))), 'processed', 'awaiting payment');
    await expectOutcome(await sendStripe(stripeEvent('checkout.session.async_payment_succeeded', paidSession(later, 'pi_later'))), 'processed', 'credited');
    await expectOutcome(await sendStripe(stripeEvent('payment_intent.succeeded', succeededIntent(later, 'pi_later'))), 'processed', 'already credited');
    expect((await books(t.tenantId)).balanceMicro).toBe(55_000_000);
  });

  it('credits once under concurrent duplicates and both event types at the same time', async () => {
    installFakes();
    const t = await createTenant();
    const o = await checkout(t, 10_000);
    const session = stripeEvent('checkout.session.completed', paidSession(o, 'pi_c'));
    const intent = stripeEvent('payment_intent.succeeded', succeededIntent(o, 'pi_c'));
    const deliveries = await Promise.all([session, intent, session, intent, session, intent, session, intent].map((e) => sendStripe(e)));
    expect(deliveries.map((r) => r.status)).toEqual(Array(8).fill(200));
    const outcomes = await Promise.all(deliveries.map((r) => json<{ outcome: string; duplicate: boolean }>(r)));
    // One delivery did the crediting; the others found it done (or replay its stored outcome as a duplicate).
    expect(outcomes.filter((b) => b.outcome === 'credited' && !b.duplicate)).toHaveLength(1);
    expect(await books(t.tenantId)).toMatchObject({ balanceMicro: 100_000_000, unbalanced: [], entriesAgree: true });
    expect((await books(t.tenantId)).entries).toHaveLength(2);
    expect(await countRows('payment_webhook_events')).toBe(2);
  });

  it('takes back only the new part of a cumulative refund, and marks the order refunded at the end', async () => {
    const { o, pi } = await paidOrder(5000);
    await expectOutcome(await sendStripe(stripeEvent('charge.refunded', refundedCharge(o, pi, 1000))), 'processed', 'refunded $10.00');
    const replay = stripeEvent('charge.refunded', refundedCharge(o, pi, 1000));
    await expectOutcome(await sendStripe(replay), 'processed', 'refund already recorded');
    expect((await books(o.tenantId)).balanceMicro).toBe(40_000_000);
    expect(await order(o.orderId)).toMatchObject({ status: 'partially_refunded', refunded_micro: 10_000_000 });
    await expectOutcome(await sendStripe(stripeEvent('charge.refunded', refundedCharge(o, pi, 5000))), 'processed', 'refunded $40.00');
    // An older total arriving late changes nothing.
    await expectOutcome(await sendStripe(stripeEvent('charge.refunded', refundedCharge(o, pi, 3000))), 'processed', 'older refund total; nothing new');
    const b = await books(o.tenantId);
    expect(b.balanceMicro).toBe(0);
    expect(b.entries.filter((e) => e.account === 'payments:stripe').map((e) => e.amount_micro)).toEqual([-50_000_000, 10_000_000, 40_000_000]);
    expect(await order(o.orderId)).toMatchObject({ status: 'refunded', refunded_micro: 50_000_000 });
  });

  it('debits a dispute (the balance may go negative), once, and reinstates it when the dispute is won', async () => {
    const { o, pi } = await paidOrder(5000);
    // Spend 30 of the 50 first, so the dispute takes the balance below zero.
    await post(env.DB, { tenantId: o.tenantId, kind: 'usage', reference: uniq('usage:'), description: 'GPU time', entries: [{ account: 'credit', amountMicro: -30_000_000 }, { account: 'revenue:usage', amountMicro: 30_000_000 }], actor: { type: 'system', id: null } }, Date.now());
    const created = stripeEvent('charge.dispute.created', dispute(pi, 'du_1', 5000));
    await expectOutcome(await sendStripe(created), 'processed', 'disputed $50.00');
    await expectOutcome(await sendStripe(stripeEvent('charge.dispute.created', dispute(pi, 'du_1', 5000))), 'processed', 'dispute already recorded');
    expect((await books(o.tenantId)).balanceMicro).toBe(-30_000_000);
    expect(await order(o.orderId)).toMatchObject({ status: 'disputed', disputed_micro: 50_000_000 });
    await expectOutcome(await sendStripe(stripeEvent('charge.dispute.closed', dispute(pi, 'du_1', 5000, 'won'))), 'processed', 'dispute won: $50.00 reinstated');
    await expectOutcome(await sendStripe(stripeEvent('charge.dispute.closed', dispute(pi, 'du_1', 5000, 'won'))), 'processed', 'dispute already reinstated');
    const b = await books(o.tenantId);
    expect(b).toMatchObject({ balanceMicro: 20_000_000, unbalanced: [], entriesAgree: true });
    expect(b.entries.filter((e) => e.account === 'disputes').map((e) => [e.kind, e.amount_micro])).toEqual([
      ['dispute', 50_000_000],
      ['dispute_won', -50_000_000],
    ]);
    expect(await order(o.orderId)).toMatchObject({ status: 'paid', disputed_micro: 0 });
  });

  it('keeps a lost dispute as debited', async () => {
    const { o, pi } = await paidOrder(5000);
    await sendStripe(stripeEvent('charge.dispute.created', dispute(pi, 'du_2', 5000)));
    await expectOutcome(await sendStripe(stripeEvent('charge.dispute.closed', dispute(pi, 'du_2', 5000, 'lost'))), 'processed', 'dispute closed: lost');
    expect((await books(o.tenantId)).balanceMicro).toBe(0);
  });

  it('defers a refund that arrives before its payment (503, retried), then applies it after the payment', async () => {
    installFakes();
    const t = await createTenant();
    const o = await checkout(t, 5000);
    const early = stripeEvent('charge.refunded', refundedCharge(o, 'pi_early', 1000));
    const res = await sendStripe(early);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await storedEvent('stripe', early.id)).toMatchObject({ status: 'failed', attempts: 1, last_error: 'no order has payment pi_early (yet)' });
    await sendStripe(stripeEvent('checkout.session.completed', paidSession(o, 'pi_early')));
    await expectOutcome(await sendStripe(early), 'processed', 'refunded $10.00');
    expect((await books(t.tenantId)).balanceMicro).toBe(40_000_000);
  });
});

describe('Stripe webhooks: attacks credit nothing and lose nothing', () => {
  it('refuses a missing, malformed or wrong signature without storing anything', async () => {
    installFakes();
    const t = await createTenant();
    const o = await checkout(t, 5000);
    const event = stripeEvent('checkout.session.completed', paidSession(o, 'pi_x'));
    const text = JSON.stringify(event);
    const wrong = await stripeSignatureHeader('whsec_attacker', text, Math.floor(Date.now() / 1000));
    const cases: Array<[string | null, number]> = [
      [null, 400],
      ['', 400],
      ['t=abc,v1=zz', 400],
      [`t=${Math.floor(Date.now() / 1000)}`, 400],
      [wrong, 401],
    ];
    for (const [header, status] of cases) {
      const res = await sendStripe(text, { header });
      expect(res.status, String(header)).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await countRows('payment_webhook_events')).toBe(0);
    expect((await books(t.tenantId)).balanceMicro).toBe(0);
  });

  it('refuses a signature older or newer than 5 minutes', async () => {
    installFakes();
    const t = await createTenant();
    const o = await checkout(t, 5000);
    // 10 s past the tolerance each way: a timestamp 1 s in the future turned into one 299 s ahead when the
    // loaded machine took over a second between the floor() here and the Worker's check.
    for (const offset of [-310, 310, -86_400]) {
      const t0 = Math.floor(Date.now() / 1000) + offset;
      const res = await sendStripe(stripeEvent('checkout.session.completed', paidSession(o, 'pi_x')), { t: t0 });
      expect(res.status).toBe(401);
      expect((await json<{ detail: string }>(res)).detail).toContain('tolerance');
    }
    expect(await countRows('payment_webhook_events')).toBe(0);
    expect((await books(t.tenantId)).balanceMicro).toBe(0);
  });

  it('refuses a body changed by one byte after signing', async () => {
    installFakes();
    const t = await createTenant();
    const o = await checkout(t, 500);
    const text = JSON.stringify(stripeEvent('checkout.session.completed', paidSession(o, 'pi_x')));
    const header = await stripeSignatureHeader('whsec_test_current', text, Math.floor(Date.now() / 1000));
    // $5.00 → $9.00: one byte.
    const changed = text.replace('"amount_total":500', '"amount_total":900');
    expect(changed).not.toBe(text);
    expect(changed.length).toBe(text.length);
    expect((await sendStripe(changed, { header })).status).toBe(401);
    expect((await books(t.tenantId)).balanceMicro).toBe(0);
  });

  it('accepts several v1 signatures when one is valid, and the previous secret during a rotation', async () => {
    installFakes();
    const t = await createTenant();
    const a = await checkout(t, 1000);
    const b = await checkout(t, 2000);
    const text = JSON.stringify(stripeEvent('checkout.session.completed', paidSession(a, 'pi_a')));
    const now = Math.floor(Date.now() / 1000);
    const good = (await stripeSignatureHeader('whsec_test_current', text, now)).split(',')[1];
    const res = await sendStripe(text, { header: `t=${now},v1=${'0'.repeat(64)},v0=${'1'.repeat(64)},${good}` });
    await expectOutcome(res, 'processed', 'credited');
    await expectOutcome(await sendStripe(stripeEvent('checkout.session.completed', paidSession(b, 'pi_b')), { secret: STRIPE_OLD_SECRET }), 'processed', 'credited');
    expect((await books(t.tenantId)).balanceMicro).toBe(30_000_000);
  });

  it('answers a replayed event 200 without a second credit, and a new event id for the same payment too', async () => {
    const { o, pi } = await paidOrder(5000);
    const event = stripeEvent('checkout.session.completed', paidSession(o, pi));
    await expectOutcome(await sendStripe(event), 'processed', 'already credited');
    const replay = await expectOutcome(await sendStripe(event), 'processed', 'already credited');
    expect(replay.duplicate).toBe(true);
    await expectOutcome(await sendStripe(stripeEvent('payment_intent.succeeded', succeededIntent(o, pi))), 'processed', 'already credited');
    expect((await books(o.tenantId)).balanceMicro).toBe(50_000_000);
  });

  it("refuses an event that points at another tenant's order, or at another order's session", async () => {
    installFakes();
    const victim = await createTenant();
    const attacker = await createTenant();
    const theirs = await checkout(victim, 5000);
    const mine = await checkout(attacker, 5000);
    // The attacker's tenant claimed on the victim's order.
    await expectOutcome(await sendStripe(stripeEvent('checkout.session.completed', paidSession({ ...theirs, tenantId: attacker.tenantId }, 'pi_1'))), 'rejected-mismatch', /names tenant/);
    // The victim's order id on the attacker's session.
    await expectOutcome(await sendStripe(stripeEvent('checkout.session.completed', paidSession({ ...mine, orderId: theirs.orderId, tenantId: victim.tenantId }, 'pi_2'))), 'rejected-mismatch', /not the one of order/);
    // A PaymentIntent naming the victim's order for the attacker's tenant.
    await expectOutcome(await sendStripe(stripeEvent('payment_intent.succeeded', succeededIntent({ ...theirs, tenantId: attacker.tenantId }, 'pi_3'))), 'rejected-mismatch', /names tenant/);
    expect((await books(victim.tenantId)).balanceMicro).toBe(0);
    expect((await books(attacker.tenantId)).balanceMicro).toBe(0);
    expect((await mismatchAlerts()).map((a) => a.tenant_id)).toEqual([victim.tenantId, victim.tenantId, victim.tenantId]);
  });

  it('refuses wrong amounts and currencies, negative or non-numeric amounts, and raises an alert', async () => {
    installFakes();
    const t = await createTenant();
    const o = await checkout(t, 5000);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ amount_total: 4999 }, /paid \$49\.99, but order/],
      [{ amount_total: 500000 }, /paid \$5000\.00/],
      [{ currency: 'eur' }, /currency eur is not USD/],
      [{ amount_total: -5000 }, /missing, negative/],
      [{ amount_total: '5000' }, /missing, negative/],
      [{ amount_total: 50.5 }, /missing, negative/],
    ];
    for (const [over, reason] of cases) {
      const event = stripeEvent('checkout.session.completed', paidSession(o, 'pi_m', over));
      await expectOutcome(await sendStripe(event), 'rejected-mismatch', reason);
      expect(await storedEvent('stripe', event.id)).toMatchObject({ status: 'rejected-mismatch', tenant_id: t.tenantId, order_id: o.orderId });
    }
    await expectOutcome(await sendStripe(stripeEvent('payment_intent.succeeded', succeededIntent(o, 'pi_m', { amount_received: -1 }))), 'rejected-mismatch');
    expect((await books(t.tenantId)).balanceMicro).toBe(0);
    expect((await order(o.orderId))!.status).toBe('created');
    const alerts = await mismatchAlerts();
    expect(alerts).toHaveLength(7);
    expect(JSON.parse(alerts[0]!.detail)).toMatchObject({ provider: 'stripe', eventType: 'checkout.session.completed', orderId: o.orderId });
    // The order can still be paid correctly afterwards.
    await expectOutcome(await sendStripe(stripeEvent('checkout.session.completed', paidSession(o, 'pi_ok'))), 'processed', 'credited');
    expect((await books(t.tenantId)).balanceMicro).toBe(50_000_000);
  });

  it('refuses a second, different payment for an order already paid', async () => {
    const { o } = await paidOrder(5000);
    await expectOutcome(await sendStripe(stripeEvent('payment_intent.succeeded', succeededIntent(o, 'pi_other'))), 'rejected-mismatch', /second payment/);
    expect((await books(o.tenantId)).balanceMicro).toBe(50_000_000);
  });

  it('refuses refunds larger than the payment, cumulative included, and negative refunds', async () => {
    const { o, pi } = await paidOrder(5000);
    await expectOutcome(await sendStripe(stripeEvent('charge.refunded', refundedCharge(o, pi, 5001))), 'rejected-mismatch', /exceed/);
    await expectOutcome(await sendStripe(stripeEvent('charge.refunded', refundedCharge(o, pi, -100))), 'rejected-mismatch', /refunded amount is missing, negative/);
    await expectOutcome(await sendStripe(stripeEvent('charge.refunded', refundedCharge(o, pi, 2000))), 'processed', 'refunded $20.00');
    // A charge of another amount is not this order's.
    await expectOutcome(await sendStripe(stripeEvent('charge.refunded', refundedCharge(o, pi, 9000, { amount: 9000 }))), 'rejected-mismatch', /refunded charge is \$90\.00/);
    // A dispute for more than what is left after the refund.
    await expectOutcome(await sendStripe(stripeEvent('charge.dispute.created', dispute(pi, 'du_big', 3001))), 'rejected-mismatch', /more than/);
    expect((await books(o.tenantId)).balanceMicro).toBe(30_000_000);
    expect(await order(o.orderId)).toMatchObject({ refunded_micro: 20_000_000, disputed_micro: 0 });
  });

  it('refuses a signed body that is not JSON or not an event, storing nothing', async () => {
    installFakes();
    for (const body of ['{"id":"evt_1","type":', 'not json at all', '[]', '{"id":"evt_1"}', '{"type":"checkout.session.completed","data":{"object":{}}}']) {
      const res = await sendStripe(body);
      expect(res.status, body).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await countRows('payment_webhook_events')).toBe(0);
    expect(await countRows('ledger_transactions')).toBe(0);
  });

  it('stores and acknowledges an unknown event type as ignored', async () => {
    installFakes();
    const event = stripeEvent('customer.created', { id: 'cus_1', object: 'customer' });
    await expectOutcome(await sendStripe(event), 'ignored', 'event type customer.created is not handled');
    expect(await storedEvent('stripe', event.id)).toMatchObject({ status: 'ignored' });
    // A payment that is not one of our checkouts is ignored too.
    await expectOutcome(await sendStripe(stripeEvent('payment_intent.succeeded', { id: 'pi_foreign', amount_received: 100, currency: 'usd', metadata: {} })), 'ignored', 'not a GPUBroker payment');
    expect(await countRows('ledger_transactions')).toBe(0);
  });

  it('alerts on an event naming an order that does not exist', async () => {
    installFakes();
    const t = await createTenant();
    const ghost: Order = { orderId: 'pay_0000000000000000', tenantId: t.tenantId, providerOrderId: 'cs_ghost', cents: 5000 };
    await expectOutcome(await sendStripe(stripeEvent('checkout.session.completed', paidSession(ghost, 'pi_g'))), 'rejected-mismatch', /no stripe order/);
    expect((await mismatchAlerts()).map((a) => a.tenant_id)).toEqual([null]);
    expect((await books(t.tenantId)).balanceMicro).toBe(0);
  });

  it('refuses bodies over 256 KB', async () => {
    installFakes();
    const big = JSON.stringify(stripeEvent('customer.created', { id: 'cus_1', note: 'x'.repeat(300 * 1024) }));
    expect((await sendStripe(big)).status).toBe(413);
    expect(await countRows('payment_webhook_events')).toBe(0);
  });
});
