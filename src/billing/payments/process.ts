// Processes one stored webhook event: from its stored body to an intent, to the ledger. The same path
// serves the live delivery, an admin's retry and the cron retry pass, so a retried event is processed
// exactly as the first delivery would have been.
import type { Bindings } from '../../env';
import { readConfig } from '../../env';
import { applyIntent, RetryLater, type CaptureHook, type ProcessOutcome } from './apply';
import type { Intent } from './decide';
import { captureOrder, paypalSettings } from './paypal-api';
import { paypalIntent } from './paypal-events';
import { stripeIntent } from './stripe-events';
import { isRecord, ProviderCallError } from './transport';
import { markFailed, type WebhookEventRow } from './webhook-events';

/** The provider's event envelope: what every stored body was checked to have before it was stored. */
export interface Envelope {
  eventId: string;
  type: string;
  object: Record<string, unknown>;
}

const EVENT_ID = /^[\x21-\x7e]{1,255}$/;

/** Null when `json` is not an event of this provider (no id, no type, no object). */
export function envelopeOf(provider: WebhookEventRow['provider'], json: unknown): Envelope | null {
  if (!isRecord(json)) return null;
  const eventId = json.id;
  const type = provider === 'stripe' ? json.type : json.event_type;
  const object = provider === 'stripe' ? (isRecord(json.data) ? json.data.object : undefined) : json.resource;
  if (typeof eventId !== 'string' || !EVENT_ID.test(eventId) || typeof type !== 'string' || !/^[\w.-]{1,100}$/.test(type) || !isRecord(object)) return null;
  return { eventId, type, object };
}

function captureHook(env: Bindings, now: number): CaptureHook {
  return async (order) => {
    const settings = paypalSettings(readConfig(env));
    if (!settings) throw new RetryLater('PayPal API credentials are not set: cannot capture');
    let result;
    try {
      result = await captureOrder(settings, order.provider_order_id!, order.id, now);
    } catch (err) {
      if (err instanceof ProviderCallError) throw new RetryLater(`capture failed: ${err.message}`);
      throw err;
    }
    const ref = { orderId: order.id, providerOrderId: order.provider_order_id, providerPaymentId: null, tenantId: null };
    if (result.kind === 'already_captured') return { kind: 'note', ref, outcome: 'already captured' } satisfies Intent;
    const captured = { ...ref, providerPaymentId: result.captureId };
    if (result.status === 'COMPLETED') return { kind: 'pay', ref: captured, amountCents: result.amountCents, currency: result.currency };
    if (result.status === 'PENDING') return { kind: 'pending_capture', ref: captured };
    return { kind: 'note', ref: captured, outcome: `capture ${result.status.toLowerCase()}` };
  };
}

/**
 * Processes a stored event; a failure is recorded on the row (attempts, last error, next retry) and
 * rethrown, so the caller answers 5xx and the provider retries too.
 */
export async function processStoredEvent(env: Bindings, event: WebhookEventRow, now: number): Promise<ProcessOutcome> {
  try {
    const envelope = envelopeOf(event.provider, JSON.parse(event.body));
    if (!envelope) throw new Error('the stored body is not an event');
    const intent = event.provider === 'stripe' ? stripeIntent(envelope.type, envelope.object) : paypalIntent(envelope.type, envelope.object);
    return await applyIntent(env.DB, event, intent, now, event.provider === 'paypal' ? captureHook(env, now) : undefined);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof RetryLater)) console.error(`webhook ${event.provider}:${event.event_id} failed:`, err instanceof Error ? (err.stack ?? message) : message);
    try {
      await markFailed(env.DB, event, message, now);
    } catch (markErr) {
      console.error(`webhook ${event.provider}:${event.event_id}: could not record the failure:`, markErr instanceof Error ? markErr.message : markErr);
    }
    throw err;
  }
}
