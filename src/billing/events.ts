// Billing events: what a person should look at (low balance, credit exhausted, a payment that did
// not match its order). Raising one is idempotent on its reference, so a retried pass raises it once.
import { randomId } from '../catalog/ids';

export type BillingEventSeverity = 'info' | 'warning' | 'critical';

export interface BillingEvent {
  /** Null when no tenant could be identified (a webhook naming an unknown order). */
  tenantId: string | null;
  kind: string;
  severity: BillingEventSeverity;
  /** Unique: `low_balance:ten_…:<topUpTxn>`, `payment_mismatch:stripe:evt_…` … */
  reference: string;
  detail?: Record<string, string | number | boolean | null>;
}

/**
 * The insert of `e`, a no-op when its reference was raised before. With `afterChange`, it is written
 * only if the statement just before it in the batch changed a row (SQLite's `changes()`).
 */
export function billingEventStatement(db: D1Database, e: BillingEvent, now: number, options: { afterChange?: boolean } = {}): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO billing_events (id, tenant_id, kind, severity, reference, detail, created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
       WHERE ${options.afterChange ? 'changes() > 0' : 'true'}
       ON CONFLICT (reference) DO NOTHING`,
    )
    .bind(randomId('bev_'), e.tenantId, e.kind, e.severity, e.reference.slice(0, 300), JSON.stringify(e.detail ?? {}), now);
}
