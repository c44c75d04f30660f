// A webhook whose processing failed is kept and retried from its stored copy: by the provider's own
// redelivery, by a platform admin, or by the cron pass with backoff; it still credits at most once.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { retryWebhookEvents } from '../../../src/billing/payments';
import { storeEvent } from '../../../src/billing/payments/webhook-events';
import { api, json } from '../../helpers';
import { addApiKey, bearer, createTenant } from '../../tenancy/fixtures';
import { installFakes } from './fakes';
import { approvedOrder, books, checkout, paidSession, paypalEvent, sendPaypal, storedEvent, stripeEvent } from './support';

const eventRow = (eventId: string) =>
  env.DB.prepare('SELECT id, status, attempts, next_attempt_at, last_error FROM payment_webhook_events WHERE event_id = ?1').bind(eventId).first<{
    id: string;
    status: string;
    attempts: number;
    next_attempt_at: number | null;
    last_error: string | null;
  }>();

describe('failed webhook processing', () => {
  it('answers 5xx when the PayPal capture fails, keeps the event, and a platform admin can retry it once fixed', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    const admin = await createTenant({ platformAdmin: true });
    const o = await checkout(t, 5000, 'paypal');
    fakes.paypalCapture = () => Response.json({ name: 'INTERNAL_SERVER_ERROR' }, { status: 500 });
    const event = paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o));
    const before = Date.now();
    const res = await sendPaypal(event);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const failed = await eventRow(event.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, last_error: 'capture failed: paypal: capture: HTTP 500 (INTERNAL_SERVER_ERROR)' });
    expect(failed!.next_attempt_at! - before).toBeGreaterThanOrEqual(60_000);
    expect((await books(t.tenantId)).balanceMicro).toBe(0);

    // Only platform admins may retry; tenant owners and API keys may not.
    expect((await api(`/v1/admin/webhooks/${failed!.id}/retry`, { method: 'POST', headers: bearer(t.ownerToken) })).status).toBe(403);
    expect((await api(`/v1/admin/webhooks/${failed!.id}/retry`, { method: 'POST', headers: bearer((await addApiKey(admin.tenantId, 'owner')).key) })).status).toBe(403);
    // Still failing: the attempt is counted and shown.
    const again = await json<{ status: string; attempts: number }>(await api(`/v1/admin/webhooks/${failed!.id}/retry`, { method: 'POST', headers: bearer(admin.ownerToken) }));
    expect(again).toMatchObject({ status: 'failed', attempts: 2 });

    fakes.paypalCapture = null;
    const fixed = await api(`/v1/admin/webhooks/${failed!.id}/retry`, { method: 'POST', headers: bearer(admin.ownerToken) });
    expect(await json(fixed)).toMatchObject({ status: 'processed', outcome: 'credited', attempts: 3, lastError: null, orderId: o.orderId, tenantId: t.tenantId });
    expect((await api(`/v1/admin/webhooks/${failed!.id}/retry`, { method: 'POST', headers: bearer(admin.ownerToken) })).status).toBe(409);
    // PayPal redelivering it later changes nothing.
    expect((await json<{ duplicate: boolean }>(await sendPaypal(event))).duplicate).toBe(true);
    expect((await books(t.tenantId)).balanceMicro).toBe(50_000_000);

    const list = await json<{ data: Array<{ id: string; status: string }> }>(await api('/v1/admin/webhooks?provider=paypal&status=processed', { headers: bearer(admin.ownerToken) }));
    expect(list.data.map((e) => e.id)).toEqual([failed!.id]);
    expect((await api('/v1/admin/webhooks', { headers: bearer(t.ownerToken) })).status).toBe(403);
  });

  it('the cron pass retries failed events when their backoff is due, doubling it, and picks up abandoned ones', async () => {
    const fakes = installFakes();
    const t = await createTenant();
    const o = await checkout(t, 3000, 'paypal');
    fakes.paypalCapture = () => Response.json({ name: 'SERVICE_UNAVAILABLE' }, { status: 503 });
    const event = paypalEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', approvedOrder(o));
    expect((await sendPaypal(event)).status).toBe(503);
    const first = (await eventRow(event.id))!;

    // Not due yet: untouched.
    expect(await retryWebhookEvents(env, first.next_attempt_at! - 1)).toEqual({ tried: 0, processed: 0, failed: 0 });
    // Due, still failing: the next delay doubles (1 min → 2 min).
    const due = first.next_attempt_at!;
    expect(await retryWebhookEvents(env, due)).toEqual({ tried: 1, processed: 0, failed: 1 });
    const second = (await eventRow(event.id))!;
    expect(second.attempts).toBe(2);
    expect(second.next_attempt_at! - due).toBe(120_000);

    fakes.paypalCapture = null;
    expect(await retryWebhookEvents(env, second.next_attempt_at!)).toEqual({ tried: 1, processed: 1, failed: 0 });
    expect(await storedEvent('paypal', event.id)).toMatchObject({ status: 'processed', outcome: 'credited', attempts: 3 });
    expect((await books(t.tenantId)).balanceMicro).toBe(30_000_000);

    // An event stored by a request that died before processing it is processed once it is 5 minutes old.
    const s = await checkout(t, 1000);
    const stuck = stripeEvent('checkout.session.completed', paidSession(s, 'pi_stuck'));
    const storedAt = Date.now();
    await storeEvent(env.DB, { provider: 'stripe', eventId: stuck.id, type: stuck.type, body: JSON.stringify(stuck), headers: {}, signatureMethod: 'hmac' }, storedAt);
    expect((await retryWebhookEvents(env, storedAt + 60_000)).tried).toBe(0);
    expect(await retryWebhookEvents(env, storedAt + 5 * 60_000)).toEqual({ tried: 1, processed: 1, failed: 0 });
    expect((await books(t.tenantId)).balanceMicro).toBe(40_000_000);
  });
});
