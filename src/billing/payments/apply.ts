// Carries out what a webhook means (decide.ts) against D1, exactly once: a money move is one batch of
// the ledger posting (unique reference), the order's compare-and-set on `version`, and the event's
// "processed" mark, each written only if the posting was. A concurrent duplicate or a concurrent
// change to the order makes the batch write nothing; we then read again and decide again.
import { billingEventStatement } from '../events';
import { postedGuard, postingStatements } from '../ledger';
import { decide, referencesFor, type Decision, type Intent, type OrderRef } from './decide';
import { loadOrder, loadOrderByProviderOrder, loadOrderByProviderPayment, type OrderRow } from './orders';
import type { WebhookEventRow } from './webhook-events';

export type FinalStatus = 'processed' | 'ignored' | 'rejected-mismatch';

export interface ProcessOutcome {
  status: FinalStatus;
  outcome: string;
  orderId: string | null;
  tenantId: string | null;
}

/** Processing cannot finish now (a payment not recorded yet, PayPal unreachable): the event is retried. */
export class RetryLater extends Error {
  override name = 'RetryLater';
}

/** Asked when an approved PayPal order should be captured; answers what the capture means. */
export type CaptureHook = (order: OrderRow) => Promise<Intent>;

const MAX_ROUNDS = 6;

type Resolution = { order: OrderRow } | { mismatch: string } | { missing: true };

async function resolveOrder(db: D1Database, provider: OrderRow['provider'], ref: OrderRef): Promise<Resolution> {
  let order: OrderRow | null = null;
  if (ref.orderId !== null) {
    order = await loadOrder(db, ref.orderId);
    if (!order || order.provider !== provider) return { mismatch: `no ${provider} order ${ref.orderId.slice(0, 64)}` };
    return { order };
  }
  if (ref.providerPaymentId !== null) order = await loadOrderByProviderPayment(db, provider, ref.providerPaymentId);
  if (!order && ref.providerOrderId !== null) order = await loadOrderByProviderOrder(db, provider, ref.providerOrderId);
  return order ? { order } : { missing: true };
}

async function postedReferences(db: D1Database, references: string[]): Promise<Set<string>> {
  if (references.length === 0) return new Set();
  const { results } = await db
    .prepare(`SELECT reference FROM ledger_transactions WHERE reference IN (${references.map((_, i) => `?${i + 1}`).join(', ')})`)
    .bind(...references)
    .all<{ reference: string }>();
  return new Set(results.map((r) => r.reference));
}

const FINAL_SQL = `status NOT IN ('processed', 'ignored', 'rejected-mismatch')`;

function markStatement(db: D1Database, event: WebhookEventRow, out: ProcessOutcome, now: number, guard?: { sql: string; params: string[] }): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE payment_webhook_events SET status = ?2, outcome = ?3, attempts = attempts + 1, last_error = NULL, next_attempt_at = NULL,
         processed_at = ?4, tenant_id = COALESCE(?5, tenant_id), order_id = COALESCE(?6, order_id)
       WHERE id = ?1 AND ${FINAL_SQL}${guard ? ` AND ${guard.sql.replace('?', '?7')}` : ''}`,
    )
    .bind(event.id, out.status, out.outcome.slice(0, 300), now, out.tenantId, out.orderId, ...(guard?.params ?? []));
}

async function finish(db: D1Database, event: WebhookEventRow, out: ProcessOutcome, now: number, also: D1PreparedStatement[] = []): Promise<ProcessOutcome> {
  await db.batch([markStatement(db, event, out, now), ...also]);
  return out;
}

function mismatch(db: D1Database, event: WebhookEventRow, order: OrderRow | null, reason: string, now: number): Promise<ProcessOutcome> {
  const out: ProcessOutcome = { status: 'rejected-mismatch', outcome: reason, orderId: order?.id ?? null, tenantId: order?.tenant_id ?? null };
  const alert = billingEventStatement(
    db,
    {
      tenantId: order?.tenant_id ?? null,
      kind: 'payment_mismatch',
      severity: 'critical',
      reference: `payment_mismatch:${event.provider}:${event.event_id}`,
      detail: { provider: event.provider, eventId: event.event_id, eventType: event.type, orderId: order?.id ?? null, reason: reason.slice(0, 300) },
    },
    now,
  );
  return finish(db, event, out, now, [alert]);
}

/** Applies `intent` for `event`; resolves with the final status, or throws RetryLater. */
export async function applyIntent(db: D1Database, event: WebhookEventRow, intent: Intent, now: number, capture?: CaptureHook): Promise<ProcessOutcome> {
  if (intent.kind === 'ignore') return finish(db, event, { status: 'ignored', outcome: intent.outcome, orderId: null, tenantId: null }, now);

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const resolved = await resolveOrder(db, event.provider, intent.ref);
    if ('mismatch' in resolved) return mismatch(db, event, null, resolved.mismatch, now);
    if ('missing' in resolved) {
      // A refund or dispute may arrive before the payment that names its order; anything else is not ours.
      const laterMaybe = (intent.kind === 'refund_total' || intent.kind === 'refund' || intent.kind === 'dispute' || intent.kind === 'dispute_won') && intent.ref.providerPaymentId !== null;
      if (laterMaybe) throw new RetryLater(`no order has payment ${intent.ref.providerPaymentId} (yet)`);
      return finish(db, event, { status: 'ignored', outcome: 'not a GPUBroker order', orderId: null, tenantId: null }, now);
    }
    const order = resolved.order;
    const decision: Decision = decide(order, intent, await postedReferences(db, referencesFor(order, intent)), now);
    const base = { orderId: order.id, tenantId: order.tenant_id };
    switch (decision.type) {
      case 'note':
        return finish(db, event, { status: 'processed', outcome: decision.outcome, ...base }, now);
      case 'mismatch':
        return mismatch(db, event, order, decision.reason, now);
      case 'retry':
        throw new RetryLater(decision.reason);
      case 'capture':
        if (!capture) throw new RetryLater('no way to capture this order');
        intent = await capture(order);
        if (intent.kind === 'ignore') return finish(db, event, { status: 'processed', outcome: intent.outcome, ...base }, now);
        continue;
      case 'move': {
        const out: ProcessOutcome = { status: 'processed', outcome: decision.outcome, ...base };
        const c = decision.change;
        const setSql = `UPDATE payment_orders SET status = ?3, refunded_micro = ?4, disputed_micro = ?5, provider_payment_id = ?6, paid_at = ?7, version = version + 1, updated_at = ?8
                        WHERE id = ?1 AND version = ?2`;
        const setParams = [order.id, order.version, c.status, c.refunded_micro, c.disputed_micro, c.provider_payment_id, c.paid_at, now];
        if (!decision.posting) {
          const res = await db.prepare(setSql).bind(...setParams).run();
          if (res.meta.changes !== 1) continue;
          return finish(db, event, out, now);
        }
        const p = decision.posting;
        const { transactionId, statements } = postingStatements(
          db,
          {
            tenantId: order.tenant_id,
            kind: p.kind,
            reference: p.reference,
            description: p.description,
            entries: [
              { account: 'credit', amountMicro: p.creditMicro },
              { account: p.counterAccount, amountMicro: -p.creditMicro },
            ],
            detail: { orderId: order.id, provider: order.provider, eventId: event.event_id, eventType: event.type, providerOrderId: order.provider_order_id, providerPaymentId: c.provider_payment_id },
            actor: { type: 'webhook', id: `${event.provider}:${event.event_id}`.slice(0, 200) },
            onlyIf: { sql: 'EXISTS (SELECT 1 FROM payment_orders WHERE id = ? AND version = ?)', params: [order.id, order.version] },
          },
          now,
        );
        const guard = postedGuard(transactionId);
        const [first] = await db.batch([
          ...statements,
          db.prepare(`${setSql} AND EXISTS (SELECT 1 FROM ledger_transactions WHERE id = ?9)`).bind(...setParams, transactionId),
          markStatement(db, event, out, now, { sql: guard.sql, params: [transactionId] }),
        ]);
        if ((first?.meta.changes ?? 0) === 1) return out;
        // Nothing was written: a duplicate posted first, or the order changed. Read again and decide again.
        continue;
      }
    }
  }
  throw new RetryLater(`order kept changing while event ${event.event_id} was applied`);
}
