// Failover: when an offer has no capacity or a spot pod is preempted, the next best live offer of the
// same GPU model and count, within the price cap, another provider or region first, up to 3 offers.
import type { OfferRow } from '../market/offers.query';
import { OFFER_FRESH_MS } from './offer-freshness';
import type { Reason } from './state';
import { transitionStatements, type DeploymentRow, type Failover } from './store';

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

/** Moves the deployment onto `offer` (a new locked price, pod cleared) and back to provisioning. */
export function failoverStatements(db: D1Database, dep: DeploymentRow, offer: OfferRow, why: Reason, now: number): D1PreparedStatement[] {
  const tried = [...(JSON.parse(dep.tried_offers) as string[]), dep.offer_id];
  return transitionStatements(
    db,
    dep,
    {
      to: 'provisioning',
      reason: 'failover',
      detail: `${why} on ${dep.offer_id} (${dep.provider} ${dep.region}); trying ${offer.id} (${offer.provider} ${offer.region}) at ${offer.price_per_hour_micro / 1e6} USD/h, attempt ${dep.offer_attempts + 1} of ${MAX_OFFER_ATTEMPTS}`,
      source: 'queue',
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
    },
    now,
  );
}
