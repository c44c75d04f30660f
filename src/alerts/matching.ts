// The alert pass that follows each ingestion: find offers that newly match an active alert, store the
// (alert, offer) matches with one delivery per alert, and clear matches whose offer stopped matching
// (price over the cap, availability below the rule, stale, deleted), so such an offer can fire again.
//
// Cost. The work follows what moved, not the size of the market:
// - Incremental: only offers the ingestion changed (price or availability), marked stale or deleted
//   can change a match. For each, SQL walks `alerts_active_by_model` (status, model, price cap) from
//   the offer's price up, so it meets only alerts of its GPU model whose cap the offer is under.
//   Work ≈ changed offers × alerts that could want them; an unchanged market costs one small read.
// - Full check of one alert (new alerts, then each alert once an hour, and every alert when the
//   ingestion could not say which offers the sweep touched): a range scan of `offers_model_gpu_price`
//   (model, price ≤ cap) — the offers under the cap of that one model, not the market.
// New pairs are read first and then written in one batch with their deliveries, so a match is never
// stored without the delivery that announces it (the ingestion lease keeps passes from overlapping).
import { randomId } from '../catalog/ids';
import { chunk } from '../db/client';
import type { Bindings } from '../env';
import { iso } from '../http/time';
import { toApiOffer } from '../market/offers.handlers';
import { OFFER_COLUMNS, type OfferRow } from '../market/offers.query';
import type { AlertDeliveryMessage } from './delivery';
import { publishToTenant } from './live';
import { MATCH_SQL, toApiRule } from './rule';
import { MAX_OFFERS_PER_DELIVERY, type AlertRow } from './store';

export interface AlertPassInput {
  /** Offers this ingestion changed, marked stale or deleted; null when unknown (every alert is checked in full). */
  changedOfferIds: readonly string[] | null;
}

export interface AlertPassReport {
  activeAlerts: number;
  fullChecks: number;
  changedOffers: number;
  newMatches: number;
  clearedMatches: number;
  webhookDeliveries: number;
  liveDeliveries: number;
  /** Pending webhook deliveries whose queue message was overdue and was sent again. */
  resent: number;
  ms: number;
}

/** An alert is checked against the whole market at least this often, healing anything the incremental path missed. */
export const FULL_CHECK_EVERY_MS = 60 * 60_000;
/** A pending delivery this far past its due time lost its queue message and is sent again. */
export const RESEND_AFTER_MS = 10 * 60_000;
const OFFER_IDS_PER_STATEMENT = 5000;
const ALERTS_PER_STATEMENT = 500;
const PAIRS_PER_STATEMENT = 2000;
const DELIVERIES_PER_STATEMENT = 20;
const QUEUE_BATCH = 100;

export const PAYLOAD_TYPE = 'price_alert.triggered';

interface Pair {
  tenant_id: string;
  alert_id: string;
  offer_id: string;
  price: number;
}

const NOT_STORED = `NOT EXISTS (SELECT 1 FROM alert_matches m WHERE m.tenant_id = a.tenant_id AND m.alert_id = a.id AND m.offer_id = o.id)`;

// CROSS JOIN fixes the loop order (SQLite never reorders it): left to right as written. Left to the
// planner, it would put json_each innermost and scan the id list once per candidate pair.

/** Changed offers → alerts of their model whose cap they are under → the full rule, minus pairs already stored. */
export const NEW_FOR_OFFERS_SQL = `
SELECT a.tenant_id, a.id AS alert_id, o.id AS offer_id, o.price_per_gpu_hour_micro AS price
FROM json_each(?1) j
CROSS JOIN offers o ON o.id = j.value
CROSS JOIN alerts a ON a.status = 'active' AND a.gpu_model = o.gpu_model AND a.max_price_per_gpu_hour_micro >= o.price_per_gpu_hour_micro
WHERE ${MATCH_SQL} AND ${NOT_STORED}`;

/** Named alerts → offers of their model under their cap → the full rule, minus pairs already stored. */
export const NEW_FOR_ALERTS_SQL = `
SELECT a.tenant_id, a.id AS alert_id, o.id AS offer_id, o.price_per_gpu_hour_micro AS price
FROM json_each(?1) j
CROSS JOIN alerts a ON a.id = j.value ->> 1 AND a.tenant_id = j.value ->> 0 AND a.status = 'active'
CROSS JOIN offers o ON o.gpu_model = a.gpu_model AND o.price_per_gpu_hour_micro <= a.max_price_per_gpu_hour_micro
WHERE ${MATCH_SQL} AND ${NOT_STORED}`;

/** A stored match still holds when its alert is active and its offer exists and passes the rule. */
const STILL_MATCHES = `EXISTS (SELECT 1 FROM alerts a JOIN offers o ON o.id = alert_matches.offer_id
  WHERE a.tenant_id = alert_matches.tenant_id AND a.id = alert_matches.alert_id AND a.status = 'active' AND ${MATCH_SQL})`;

export const CLEAR_FOR_OFFERS_SQL = `DELETE FROM alert_matches WHERE offer_id IN (SELECT value FROM json_each(?1)) AND NOT ${STILL_MATCHES} RETURNING offer_id`;
export const CLEAR_FOR_ALERTS_SQL = `DELETE FROM alert_matches
  WHERE (tenant_id, alert_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1)) AND NOT ${STILL_MATCHES} RETURNING offer_id`;

const INSERT_MATCHES_SQL = `INSERT INTO alert_matches (tenant_id, alert_id, offer_id, matched_at, delivery_id)
  SELECT value ->> 0, value ->> 1, value ->> 2, ?2, value ->> 3 FROM json_each(?1) WHERE true ON CONFLICT DO NOTHING`;

const DELIVERY_COLUMNS = ['id', 'tenant_id', 'alert_id', 'kind', 'offer_count', 'offer_ids', 'payload'] as const;
const INSERT_DELIVERIES_SQL = `INSERT INTO alert_deliveries (${DELIVERY_COLUMNS.join(', ')}, status, attempts, created_at, due_at)
  SELECT ${DELIVERY_COLUMNS.map((_, i) => `value ->> ${i}`).join(', ')}, 'pending', 0, ?2, ?2 FROM json_each(?1)`;

const FIRED_SQL = `UPDATE alerts SET last_fired_at = ?2, fire_count = fire_count + (j.value ->> 2)
  FROM json_each(?1) j WHERE alerts.tenant_id = j.value ->> 0 AND alerts.id = j.value ->> 1`;
const EVALUATED_SQL = `UPDATE alerts SET evaluated_at = ?2 WHERE (tenant_id, id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1))`;

/** The JSON body of one delivery (webhook and live alike), in the Standard Webhooks payload shape. */
export function alertPayload(alert: AlertRow, offers: OfferRow[], offerCount: number, now: number) {
  return {
    type: PAYLOAD_TYPE,
    timestamp: iso(now),
    data: {
      alertId: alert.id,
      alertName: alert.name,
      rule: toApiRule(alert),
      offerCount,
      truncated: offerCount > offers.length,
      offers: offers.map((row) => toApiOffer(row, now)),
    },
  };
}

export type AlertPayload = ReturnType<typeof alertPayload>;

interface NewDelivery {
  id: string;
  alert: AlertRow;
  pairs: Pair[];
  shown: string[];
  payload: string;
}

export async function runAlertPass(env: Bindings, input: AlertPassInput, now: number): Promise<AlertPassReport> {
  const started = Date.now();
  const db = env.DB;
  const report: AlertPassReport = {
    activeAlerts: 0,
    fullChecks: 0,
    changedOffers: input.changedOfferIds?.length ?? 0,
    newMatches: 0,
    clearedMatches: 0,
    webhookDeliveries: 0,
    liveDeliveries: 0,
    resent: 0,
    ms: 0,
  };
  const { results: active } = await db
    .prepare(`SELECT tenant_id, id, evaluated_at FROM alerts WHERE status = 'active'`)
    .all<{ tenant_id: string; id: string; evaluated_at: number | null }>();
  report.activeAlerts = active.length;

  if (active.length > 0) {
    const full = active.filter((a) => input.changedOfferIds === null || a.evaluated_at === null || a.evaluated_at < now - FULL_CHECK_EVERY_MS);
    report.fullChecks = full.length;
    const changed = full.length < active.length ? (input.changedOfferIds ?? []) : [];
    const offerChunks = chunk(changed, OFFER_IDS_PER_STATEMENT).map((ids) => JSON.stringify(ids));
    const alertChunks = chunk(full, ALERTS_PER_STATEMENT).map((list) => JSON.stringify(list.map((a) => [a.tenant_id, a.id])));

    // 1. Read the new pairs (nothing written yet).
    const reads = [...offerChunks.map((json) => db.prepare(NEW_FOR_OFFERS_SQL).bind(json)), ...alertChunks.map((json) => db.prepare(NEW_FOR_ALERTS_SQL).bind(json))];
    const found = reads.length > 0 ? await db.batch<Pair>(reads) : [];
    const byAlert = new Map<string, Pair[]>();
    const seen = new Set<string>();
    for (const result of found) {
      for (const pair of result.results) {
        const key = `${pair.alert_id}\n${pair.offer_id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const list = byAlert.get(pair.alert_id);
        if (list) list.push(pair);
        else byAlert.set(pair.alert_id, [pair]);
      }
    }
    report.newMatches = seen.size;

    // 2. One delivery per alert that gained matches, listing its cheapest offers.
    const deliveries = await buildDeliveries(db, byAlert, now);

    // 3. Write everything in one batch: cleared matches, new matches with their deliveries, alert counters.
    const pairsJson = deliveries.flatMap((d) => d.pairs.map((p) => [p.tenant_id, p.alert_id, p.offer_id, d.id]));
    const writes: D1PreparedStatement[] = [
      ...offerChunks.map((json) => db.prepare(CLEAR_FOR_OFFERS_SQL).bind(json)),
      ...alertChunks.map((json) => db.prepare(CLEAR_FOR_ALERTS_SQL).bind(json)),
    ];
    const clears = writes.length;
    for (const part of chunk(pairsJson, PAIRS_PER_STATEMENT)) writes.push(db.prepare(INSERT_MATCHES_SQL).bind(JSON.stringify(part), now));
    for (const part of chunk(deliveries, DELIVERIES_PER_STATEMENT)) {
      const rows = part.map((d) => [d.id, d.alert.tenant_id, d.alert.id, d.alert.delivery_type, d.pairs.length, JSON.stringify(d.shown), d.payload]);
      writes.push(db.prepare(INSERT_DELIVERIES_SQL).bind(JSON.stringify(rows), now));
    }
    if (deliveries.length > 0) {
      writes.push(db.prepare(FIRED_SQL).bind(JSON.stringify(deliveries.map((d) => [d.alert.tenant_id, d.alert.id, d.pairs.length])), now));
    }
    for (const json of alertChunks) writes.push(db.prepare(EVALUATED_SQL).bind(json, now));
    if (writes.length > 0) {
      const results = await db.batch(writes);
      report.clearedMatches = results.slice(0, clears).reduce((sum, r) => sum + r.results.length, 0);
    }

    // 4. Hand them over: webhooks to the queue, live ones to the tenant's sockets.
    const webhooks = deliveries.filter((d) => d.alert.delivery_type === 'webhook');
    const live = deliveries.filter((d) => d.alert.delivery_type === 'live');
    report.webhookDeliveries = webhooks.length;
    report.liveDeliveries = live.length;
    await Promise.all([
      enqueue(env, webhooks.map((d) => ({ deliveryId: d.id, tenantId: d.alert.tenant_id, alertId: d.alert.id }))),
      deliverLive(env, live, now),
    ]);
  }

  report.resent = await resendOverdue(env, now);
  report.ms = Date.now() - started;
  return report;
}

async function buildDeliveries(db: D1Database, byAlert: Map<string, Pair[]>, now: number): Promise<NewDelivery[]> {
  if (byAlert.size === 0) return [];
  const keys = [...byAlert.values()].map((pairs) => [pairs[0]!.tenant_id, pairs[0]!.alert_id]);
  const alertRows = (
    await db.batch<AlertRow>(
      chunk(keys, ALERTS_PER_STATEMENT).map((part) =>
        db.prepare(`SELECT * FROM alerts WHERE (tenant_id, id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1)) AND status = 'active'`).bind(JSON.stringify(part)),
      ),
    )
  ).flatMap((r) => r.results);
  const cheapest = (pairs: Pair[]) =>
    [...pairs].sort((x, y) => x.price - y.price || (x.offer_id < y.offer_id ? -1 : 1)).slice(0, MAX_OFFERS_PER_DELIVERY).map((p) => p.offer_id);
  const shownByAlert = new Map(alertRows.map((a) => [a.id, cheapest(byAlert.get(a.id)!)]));
  const offerIds = [...new Set([...shownByAlert.values()].flat())];
  const offers = new Map<string, OfferRow>();
  const offerReads = chunk(offerIds, OFFER_IDS_PER_STATEMENT).map((ids) =>
    db.prepare(`SELECT ${OFFER_COLUMNS} FROM offers WHERE id IN (SELECT value FROM json_each(?1))`).bind(JSON.stringify(ids)),
  );
  if (offerReads.length > 0) for (const r of await db.batch<OfferRow>(offerReads)) for (const row of r.results) offers.set(row.id, row);
  return alertRows.map((alert) => {
    const pairs = byAlert.get(alert.id)!;
    const shown = shownByAlert.get(alert.id)!;
    const id = randomId('msg_');
    const payload = alertPayload(alert, shown.map((o) => offers.get(o)!), pairs.length, now);
    return { id, alert, pairs, shown, payload: JSON.stringify(payload) };
  });
}

/** Sends delivery messages; a failed send is logged, and the overdue sweep sends it again later. */
async function enqueue(env: Bindings, messages: AlertDeliveryMessage[]): Promise<void> {
  for (const part of chunk(messages, QUEUE_BATCH)) {
    try {
      await env.ALERT_DELIVERIES.sendBatch(part.map((body) => ({ body, contentType: 'json' as const })));
    } catch (err) {
      console.warn(`alerts: ${part.length} delivery messages not sent; the overdue sweep resends them: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** Live deliveries: each tenant's alerts room gets its messages; the row records how many sockets took them. */
async function deliverLive(env: Bindings, deliveries: NewDelivery[], now: number): Promise<void> {
  if (deliveries.length === 0) return;
  const byTenant = new Map<string, NewDelivery[]>();
  for (const d of deliveries) byTenant.set(d.alert.tenant_id, [...(byTenant.get(d.alert.tenant_id) ?? []), d]);
  const outcomes: [string, string, number, string | null][] = [];
  await Promise.all(
    [...byTenant].map(async ([tenantId, list]) => {
      try {
        const counts = await publishToTenant(env, tenantId, list.map((d) => ({ id: d.id, payload: d.payload })));
        list.forEach((d, i) => outcomes.push([tenantId, d.id, counts[i] ?? 0, (counts[i] ?? 0) > 0 ? null : 'no live connection was subscribed to the alerts channel']));
      } catch (err) {
        const why = `live room unreachable: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
        console.warn(`alerts: ${why}`);
        for (const d of list) outcomes.push([tenantId, d.id, 0, why]);
      }
    }),
  );
  await env.DB.prepare(
    `UPDATE alert_deliveries SET sockets = j.value ->> 2, attempts = 1,
       status = CASE WHEN (j.value ->> 2) > 0 THEN 'delivered' ELSE 'failed' END,
       delivered_at = CASE WHEN (j.value ->> 2) > 0 THEN ?2 END,
       failed_at = CASE WHEN (j.value ->> 2) > 0 THEN NULL ELSE ?2 END,
       last_error = j.value ->> 3
     FROM json_each(?1) j WHERE alert_deliveries.tenant_id = j.value ->> 0 AND alert_deliveries.id = j.value ->> 1`,
  )
    .bind(JSON.stringify(outcomes), now)
    .run();
}

/** Pending webhook deliveries long past their due time (a lost send or message) go on the queue again. */
async function resendOverdue(env: Bindings, now: number): Promise<number> {
  const { results } = await env.DB.prepare(
    `UPDATE alert_deliveries SET due_at = ?1
     WHERE id IN (SELECT id FROM alert_deliveries WHERE status = 'pending' AND due_at < ?2 AND kind = 'webhook'
                  AND (claimed_until IS NULL OR claimed_until < ?1) LIMIT 500)
     RETURNING id, tenant_id, alert_id`,
  )
    .bind(now, now - RESEND_AFTER_MS)
    .all<{ id: string; tenant_id: string; alert_id: string }>();
  if (results.length > 0) {
    console.warn(`alerts: resending ${results.length} overdue deliveries`);
    await enqueue(env, results.map((r) => ({ deliveryId: r.id, tenantId: r.tenant_id, alertId: r.alert_id })));
  }
  return results.length;
}
