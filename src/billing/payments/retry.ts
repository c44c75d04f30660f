// The cron pass over stored webhooks: failed events whose backoff has passed, and events left
// `received` by a request that died before processing them. Each runs through processStoredEvent,
// so a retry credits at most once, like any redelivery.
import type { Bindings } from '../../env';
import { processStoredEvent } from './process';
import type { WebhookEventRow } from './webhook-events';

/** A `received` event older than this lost its request (a live one finishes well within it). */
export const ABANDONED_AFTER_MS = 5 * 60 * 1000;

export async function retryWebhookEvents(env: Bindings, now = Date.now(), limit = 25): Promise<{ tried: number; processed: number; failed: number }> {
  const { results } = await env.DB.prepare(
    `SELECT * FROM payment_webhook_events
     WHERE (status = 'failed' AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?1) OR (status = 'received' AND received_at <= ?2)
     ORDER BY received_at LIMIT ?3`,
  )
    .bind(now, now - ABANDONED_AFTER_MS, limit)
    .all<WebhookEventRow>();
  let processed = 0;
  for (const event of results) {
    try {
      await processStoredEvent(env, event, now);
      processed++;
    } catch {
      // Recorded on the row with its next attempt.
    }
  }
  return { tried: results.length, processed, failed: results.length - processed };
}
