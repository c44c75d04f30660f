// Failover: when an offer has no capacity or a spot pod is preempted, the next best live offer of the
// same GPU model and count, within the price cap, another provider or region first, up to 3 offers.
import type { OfferRow } from '../market/offers.query';
import { OFFER_FRESH_MS } from './offer-freshness';
import { canTransition, type Reason } from './state';
import type { Bindings } from '../env';
import { newJob, transitionAndQueue } from './jobs';
import { applyTransition, eventStatement, type DeploymentRow, type EventSource, type Failover, type Transition } from './store';

export const MAX_OFFER_ATTEMPTS = 3;

export async function nextOffer(db: D1Database, dep: DeploymentRow, failover: Failover, now: number): Promise<OfferRow | null> {
  if (dep.offer_attempts >= MAX_OFFER_ATTEMPTS) return null;
  const tried = [...(JSON.parse(dep.tried_offers) as string[]), dep.offer_id];
  const cap = failover.maxPricePerGpuHourMicro;
  return db
    .prepare(
      `SELECT * FROM offers
       WHERE gpu_model = ?1 AND gpu_count = ?2 AND availability <> 'unavailable' AND observed_at >= ?3
         AND id NOT IN (SELECT value FROM json_each(?4))
         AND (?5 IS NULL OR price_per_gpu_hour_micro <= ?5)
       ORDER BY (provider = ?6 AND region = ?7), (provider = ?6), price_per_gpu_hour_micro, id
       LIMIT 1`,
    )
    .bind(dep.gpu_model, dep.gpu_count, now - OFFER_FRESH_MS, JSON.stringify(tried), cap, dep.provider, dep.region)
    .first<OfferRow>();
}

/** The move onto `offer` (a new locked price, pod cleared) and back to provisioning. */
export function failoverTransition(dep: DeploymentRow, offer: OfferRow, why: Reason, source: EventSource): Transition {
  const tried = [...(JSON.parse(dep.tried_offers) as string[]), dep.offer_id];
  return {
    to: 'provisioning',
    reason: 'failover',
    detail: `${why} on ${dep.offer_id} (${dep.provider} ${dep.region}); trying ${offer.id} (${offer.provider} ${offer.region}) at ${offer.price_per_hour_micro / 1e6} USD/h, attempt ${dep.offer_attempts + 1} of ${MAX_OFFER_ATTEMPTS}`,
    source,
    set: {
      offer_id: offer.id,
      provider: offer.provider,
      offer_external_id: offer.external_id,
      region: offer.region,
      pricing: offer.pricing,
      quoted_price_per_hour_micro: offer.price_per_hour_micro,
      offer_attempts: dep.offer_attempts + 1,
      tried_offers: JSON.stringify(tried),
      pod_id: null,
      connection: null,
    },
  };
}

export interface FailureReport {
  source: EventSource;
  /** What happened, for the `failed` event (the failover event describes itself). */
  detail: string;
  /** The agent report that caused it: recorded once, on the event(s) written. */
  agentEventId?: string;
  /** Statements that belong in the same batch either way (e.g. finishing the job). */
  also?: D1PreparedStatement[];
}

/**
 * No capacity or a preempted pod: with failover on and a matching offer left, move onto it and queue
 * its provision job; otherwise fail with `why`. False when another writer moved the deployment first.
 */
export async function failOverOrFail(env: Bindings, dep: DeploymentRow, why: Reason, now: number, r: FailureReport): Promise<boolean> {
  const failover = dep.failover ? (JSON.parse(dep.failover) as Failover) : null;
  // A deployment already on its way down (stopping, terminating) is not moved onto another offer.
  const next = failover?.enabled && canTransition(dep.status, 'provisioning') ? await nextOffer(env.DB, dep, failover, now) : null;
  if (next) {
    const job = newJob(dep.tenant_id, dep.id, 'provision', dep.offer_attempts + 1);
    // An agent report keeps its own event row, so a redelivery of it is recognised.
    const report = r.agentEventId
      ? [eventStatement(env.DB, dep, { from: dep.status, to: dep.status, reason: why, detail: r.detail, source: r.source, agentEventId: r.agentEventId }, now)]
      : [];
    return transitionAndQueue(env, dep, failoverTransition(dep, next, why, r.source), job, now, [...report, ...(r.also ?? [])]);
  }
  const detail = failover?.enabled ? `${r.detail}; no other matching offer after ${dep.offer_attempts} attempt(s)` : r.detail;
  return applyTransition(env.DB, dep, { to: 'failed', reason: why, detail, source: r.source, agentEventId: r.agentEventId, set: { gpu_utilization: null } }, now, r.also);
}
