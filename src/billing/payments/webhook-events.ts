// The stored copy of every verified webhook delivery: written before processing, unique per
// (provider, event id), so a redelivery finds the first copy and its outcome instead of acting again.
import { iso, isoOrNull } from '../../http/time';
import { randomId } from '../../catalog/ids';
import type { PaymentProvider } from './transport';

export const EVENT_STATUSES = ['received', 'processed', 'ignored', 'failed', 'rejected-mismatch'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];
export const FINAL_STATUSES: ReadonlySet<EventStatus> = new Set(['processed', 'ignored', 'rejected-mismatch']);

export interface WebhookEventRow {
  id: string;
  provider: PaymentProvider;
  event_id: string;
  type: string;
  body: string;
  headers: string;
  signature_method: 'hmac' | 'cert' | 'api';
  status: EventStatus;
  outcome: string | null;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number | null;
  tenant_id: string | null;
  order_id: string | null;
  received_at: number;
  processed_at: number | null;
}

export interface NewEvent {
  provider: PaymentProvider;
  eventId: string;
  type: string;
  body: string;
  headers: Record<string, string>;
  signatureMethod: WebhookEventRow['signature_method'];
}

/** Stores the delivery unless its event id is already stored; returns the stored row and whether it is new. */
export async function storeEvent(db: D1Database, e: NewEvent, now: number): Promise<{ row: WebhookEventRow; fresh: boolean }> {
  const inserted = await db
    .prepare(
      `INSERT INTO payment_webhook_events (id, provider, event_id, type, body, headers, signature_method, status, attempts, received_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'received', 0, ?8)
       ON CONFLICT (provider, event_id) DO NOTHING RETURNING *`,
    )
    .bind(randomId('whk_'), e.provider, e.eventId, e.type.slice(0, 100), e.body, JSON.stringify(e.headers), e.signatureMethod, now)
    .first<WebhookEventRow>();
  if (inserted) return { row: inserted, fresh: true };
  const existing = await db.prepare('SELECT * FROM payment_webhook_events WHERE provider = ?1 AND event_id = ?2').bind(e.provider, e.eventId).first<WebhookEventRow>();
  if (!existing) throw new Error(`webhook event ${e.provider}:${e.eventId} vanished after a conflicting insert`);
  return { row: existing, fresh: false };
}

export const loadEvent = (db: D1Database | D1DatabaseSession, id: string) => db.prepare('SELECT * FROM payment_webhook_events WHERE id = ?1').bind(id).first<WebhookEventRow>();

/** Attempts after which the retry pass gives up on an event (an admin can still retry it). */
export const MAX_ATTEMPTS = 10;

/** Records a failed attempt and when the retry pass may try again: 1 min after the first, doubling, at most 6 h. */
export async function markFailed(db: D1Database, event: WebhookEventRow, error: string, now: number): Promise<void> {
  await db
    .prepare(
      `UPDATE payment_webhook_events SET status = 'failed', attempts = attempts + 1, last_error = ?2,
         next_attempt_at = CASE WHEN attempts + 1 >= ?4 THEN NULL ELSE ?3 + MIN(?5, ?6 * (1 << MIN(attempts, 20))) END
       WHERE id = ?1 AND status IN ('received', 'failed')`,
    )
    .bind(event.id, error.slice(0, 500), now, MAX_ATTEMPTS, 6 * 60 * 60 * 1000, 60_000)
    .run();
}

/** The admin view of a stored event (the body stays in D1; it is shown only on request). */
export function toApiEvent(e: WebhookEventRow) {
  return {
    id: e.id,
    provider: e.provider,
    eventId: e.event_id,
    type: e.type,
    status: e.status,
    outcome: e.outcome,
    attempts: e.attempts,
    lastError: e.last_error,
    nextAttemptAt: isoOrNull(e.next_attempt_at),
    signatureMethod: e.signature_method,
    tenantId: e.tenant_id,
    orderId: e.order_id,
    receivedAt: iso(e.received_at),
    processedAt: isoOrNull(e.processed_at),
  };
}
