// Alert and delivery rows, and how the API shows them. Every read here filters by tenant_id.
import { iso, isoOrNull } from '../http/time';
import { toApiRule, type RuleColumns } from './rule';

export interface AlertRow extends RuleColumns {
  id: string;
  tenant_id: string;
  name: string | null;
  status: 'active' | 'deleted';
  delivery_type: 'webhook' | 'live';
  webhook_url: string | null;
  secret_ciphertext: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  evaluated_at: number | null;
  last_fired_at: number | null;
  fire_count: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  id: string;
  tenant_id: string;
  alert_id: string;
  kind: 'webhook' | 'live';
  status: DeliveryStatus;
  offer_count: number;
  offer_ids: string;
  payload: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  sockets: number | null;
  created_at: number;
  due_at: number;
  claimed_until: number | null;
  delivered_at: number | null;
  failed_at: number | null;
}

export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  at: number;
  status_code: number | null;
  latency_ms: number | null;
  error: string | null;
  response_snippet: string | null;
}

/** Offers listed in one delivery at most; `offerCount` says how many matched. */
export const MAX_OFFERS_PER_DELIVERY = 50;

export async function loadAlert(db: D1Database | D1DatabaseSession, tenantId: string, id: string): Promise<AlertRow | null> {
  return db.prepare(`SELECT * FROM alerts WHERE tenant_id = ?1 AND id = ?2 AND status = 'active'`).bind(tenantId, id).first<AlertRow>();
}

export function toApiAlert(row: AlertRow) {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    rule: toApiRule(row),
    delivery: row.delivery_type === 'webhook' ? { type: 'webhook' as const, url: row.webhook_url! } : { type: 'live' as const },
    createdAt: iso(row.created_at),
    lastFiredAt: isoOrNull(row.last_fired_at),
    firedOffers: row.fire_count,
  };
}

export function toApiAttempt(row: AttemptRow) {
  return {
    attempt: row.attempt,
    at: iso(row.at),
    statusCode: row.status_code,
    latencyMs: row.latency_ms,
    error: row.error,
    responseSnippet: row.response_snippet,
  };
}

export function toApiDelivery(row: DeliveryRow, attempts: AttemptRow[]) {
  return {
    id: row.id,
    alertId: row.alert_id,
    kind: row.kind,
    status: row.status,
    offerCount: row.offer_count,
    offerIds: JSON.parse(row.offer_ids) as string[],
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    sockets: row.sockets,
    createdAt: iso(row.created_at),
    deliveredAt: isoOrNull(row.delivered_at),
    failedAt: isoOrNull(row.failed_at),
    attemptLog: attempts.map(toApiAttempt),
  };
}
