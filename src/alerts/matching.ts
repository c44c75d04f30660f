// The alert pass that follows each ingestion: find offers that newly match an active alert, store the
// (alert, offer) matches with one delivery per alert, and clear matches whose offer stopped matching
// (price over the cap, availability below the rule, stale, deleted), so such an offer can fire again.
//
// Cost. The work follows what moved, not the size of the market, and stays inside D1:
// - Incremental: only offers the ingestion changed (price or availability), marked stale or deleted
//   can change a match. A changed offer's state before the pass is its previous price_history row;
//   when only its price moved, it can only start or stop matching the alerts whose cap lies between
//   the old and the new price, a range of `alerts_active_by_model` (status, model, price cap). So a
//   price wiggle costs a few index probes, whatever the number of alerts; a new offer or an
//   availability change meets the alerts of its model whose cap it is under; a deleted offer, or one
//   whose availability changed, has its stored matches re-checked. An unchanged market costs one read.
// - Full check of one alert (new alerts, then each alert once an hour, and every alert when the
//   ingestion could not say which offers the sweep touched): a range scan of `offers_model_gpu_price`
//   (model, price ≤ cap) — the offers under the cap of that one model, not the market.
// Matches are found and stored by INSERT … SELECT, never shipped to the Worker: only each alert's count
// and cheapest 50 new offers come back, to build its delivery. Two batches: (1) clear what stopped
// matching and store the new matches, marked with the pass id; (2) the deliveries built from them.
// A pass whose second batch never ran (the Worker died) stays `matched` and a later pass finishes it,
// so a stored match always gets its delivery; should two finish the same pass (a pass slower than the
// ingestion lease), the batch of the second writes nothing, so a pass is delivered once.
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
  /** Earlier passes left unfinished (matches stored, deliveries not) that this one finished. */
  recovered: number;
  /** Pending webhook deliveries whose queue message was overdue and was sent again. */
  resent: number;
  ms: number;
}

/** An alert is checked against the whole market at least this often, healing anything the incremental path missed. */
export const FULL_CHECK_EVERY_MS = 60 * 60_000;
/** A pending delivery this far past its due time lost its queue message and is sent again. */
export const RESEND_AFTER_MS = 10 * 60_000;
const OFFER_IDS_PER_STATEMENT = 5000;
/** Few alerts per full-check statement: each statement stays short even when every alert is broad. */
const ALERTS_PER_STATEMENT = 50;
const DELIVERIES_PER_STATEMENT = 20;
const QUEUE_BATCH = 100;
const PASS_RETENTION_MS = 86_400_000;
/** An unfinished pass is taken over only after this long, so a slow pass is rarely duplicated (never delivered twice). */
const RECOVER_AFTER_MS = 5 * 60_000;

export const PAYLOAD_TYPE = 'price_alert.triggered';

// CROSS JOIN fixes the loop order (SQLite never reorders it): left to right as written. Left to the
// planner, it would put json_each innermost and scan the id list once per candidate pair.

/**
 * The state a changed offer had before this pass: its second newest price_history row (the newest is
 * this pass's; an offer marked stale has its 'unavailable' row newest). Absent for a new offer.
 */
const PRIOR_JOIN = (offerId: string) =>
  `LEFT JOIN price_history h ON h.id = (SELECT p.id FROM price_history p WHERE p.offer_id = ${offerId} ORDER BY p.observed_at DESC, p.id DESC LIMIT 1 OFFSET 1)`;
const NO_CAP_LIMIT = '9223372036854775807';

/**
 * Changed offers → the alerts of their model that they may newly match → the full rule → stored unless
 * already. When only the price moved, that is the alerts whose cap lies in [new price, old price): a
 * price wiggle meets a handful of alerts, not every alert of the model. A new offer, or one whose
 * availability changed, meets every alert whose cap it is under.
 */
export const NEW_FOR_OFFERS_SQL = `
INSERT INTO alert_matches (tenant_id, alert_id, offer_id, matched_at, pass_id)
SELECT a.tenant_id, a.id, o.id, ?2, ?3
FROM json_each(?1) j
CROSS JOIN offers o ON o.id = j.value
${PRIOR_JOIN('o.id')}
CROSS JOIN alerts a ON a.status = 'active' AND a.gpu_model = o.gpu_model
  AND a.max_price_per_gpu_hour_micro >= o.price_per_gpu_hour_micro
  AND a.max_price_per_gpu_hour_micro < CASE WHEN h.id IS NULL OR h.availability <> o.availability THEN ${NO_CAP_LIMIT} ELSE h.price_per_gpu_hour_micro END
WHERE ${MATCH_SQL}
ON CONFLICT DO NOTHING`;

/** Named alerts → offers of their model under their cap → the full rule → stored unless already. */
export const NEW_FOR_ALERTS_SQL = `
INSERT INTO alert_matches (tenant_id, alert_id, offer_id, matched_at, pass_id)
SELECT a.tenant_id, a.id, o.id, ?2, ?3
FROM json_each(?1) j
CROSS JOIN alerts a ON a.id = j.value ->> 1 AND a.tenant_id = j.value ->> 0 AND a.status = 'active'
CROSS JOIN offers o ON o.gpu_model = a.gpu_model AND o.price_per_gpu_hour_micro <= a.max_price_per_gpu_hour_micro
WHERE ${MATCH_SQL}
ON CONFLICT DO NOTHING`;

/** A stored match still holds when its alert is active and its offer exists and passes the rule. */
const STILL_MATCHES = `EXISTS (SELECT 1 FROM alerts a JOIN offers o ON o.id = alert_matches.offer_id
  WHERE a.tenant_id = alert_matches.tenant_id AND a.id = alert_matches.alert_id AND a.status = 'active' AND ${MATCH_SQL})`;

/** A price rise clears the alerts whose cap lies in [old price, new price), found the same way. */
export const CLEAR_RISEN_SQL = `DELETE FROM alert_matches WHERE (tenant_id, alert_id, offer_id) IN (
  SELECT a.tenant_id, a.id, o.id
  FROM json_each(?1) j
  CROSS JOIN offers o ON o.id = j.value
  ${PRIOR_JOIN('o.id')}
  CROSS JOIN alerts a ON a.status = 'active' AND a.gpu_model = o.gpu_model
    AND a.max_price_per_gpu_hour_micro >= h.price_per_gpu_hour_micro AND a.max_price_per_gpu_hour_micro < o.price_per_gpu_hour_micro
  WHERE h.availability = o.availability)`;

/**
 * Offers deleted, of unknown prior, or whose availability changed: every match they can hold (the
 * alerts of their model whose cap is at least their old price; any cap when that is unknown) is
 * checked against the rule.
 */
export const CLEAR_FOR_OFFERS_SQL = `DELETE FROM alert_matches WHERE (tenant_id, alert_id, offer_id) IN (
  SELECT a.tenant_id, a.id, j.value
  FROM json_each(?1) j
  LEFT JOIN offers o ON o.id = j.value
  ${PRIOR_JOIN('j.value')}
  CROSS JOIN alerts a ON a.status = 'active'
    AND a.gpu_model = COALESCE(o.gpu_model, (SELECT p.gpu_model FROM price_history p WHERE p.offer_id = j.value ORDER BY p.observed_at DESC, p.id DESC LIMIT 1))
    AND a.max_price_per_gpu_hour_micro >= CASE WHEN o.id IS NULL OR h.id IS NULL THEN 0 ELSE h.price_per_gpu_hour_micro END
  WHERE o.id IS NULL OR h.id IS NULL OR h.availability <> o.availability)
AND NOT ${STILL_MATCHES}`;
export const CLEAR_FOR_ALERTS_SQL = `DELETE FROM alert_matches
  WHERE (tenant_id, alert_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1)) AND NOT ${STILL_MATCHES}`;

/** Each alert's new matches of a pass: how many, and the cheapest few with their offers. */
export const PASS_MATCHES_SQL = `
SELECT * FROM (
  SELECT m.tenant_id AS m_tenant_id, m.alert_id AS m_alert_id, COUNT(*) OVER w AS m_count,
    ROW_NUMBER() OVER (w ORDER BY o.price_per_gpu_hour_micro, o.id) AS m_rank,
    ${OFFER_COLUMNS.split(',').map((c) => `o.${c.trim()}`).join(', ')}
  FROM alert_matches m CROSS JOIN offers o ON o.id = m.offer_id
  WHERE m.pass_id = ?1
  WINDOW w AS (PARTITION BY m.tenant_id, m.alert_id)
) WHERE m_rank <= ${MAX_OFFERS_PER_DELIVERY}`;

const DELIVERY_COLUMNS = ['id', 'tenant_id', 'alert_id', 'kind', 'offer_count', 'offer_ids', 'payload'] as const;
/** Written only by the finisher that claimed the pass (?3 the pass, ?4 its token), so a pass is delivered once. */
const FINISHER = `(SELECT finished_by FROM alert_passes WHERE id = ?3) = ?4`;
const CLAIM_PASS_SQL = `UPDATE alert_passes SET state = 'delivered', finished_by = ?2 WHERE id = ?1 AND state = 'matched'`;
const INSERT_DELIVERIES_SQL = `INSERT INTO alert_deliveries (${DELIVERY_COLUMNS.join(', ')}, status, attempts, created_at, due_at)
  SELECT ${DELIVERY_COLUMNS.map((_, i) => `value ->> ${i}`).join(', ')}, 'pending', 0, ?2, ?2 FROM json_each(?1) WHERE ${FINISHER}`;
const FIRED_SQL = `UPDATE alerts SET last_fired_at = ?2, fire_count = fire_count + (j.value ->> 2)
  FROM json_each(?1) j WHERE alerts.tenant_id = j.value ->> 0 AND alerts.id = j.value ->> 1 AND ${FINISHER}`;
const EVALUATED_SQL = `UPDATE alerts SET evaluated_at = ?2 WHERE (tenant_id, id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1))`;
const CHANGES_SQL = 'SELECT changes() AS n';

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
  count: number;
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
    recovered: 0,
    resent: 0,
    ms: 0,
  };
  // Earlier passes that stored matches but died before their deliveries: finish them first.
  const { results: unfinished } = await db
    .prepare(`SELECT id, started_at FROM alert_passes WHERE state = 'matched' AND started_at < ?1 ORDER BY started_at`)
    .bind(now - RECOVER_AFTER_MS)
    .all<{ id: string; started_at: number }>();
  for (const pass of unfinished) if (await finishPass(env, pass.id, pass.started_at, report)) report.recovered++;

  const { results: active } = await db
    .prepare(`SELECT tenant_id, id, evaluated_at FROM alerts WHERE status = 'active'`)
    .all<{ tenant_id: string; id: string; evaluated_at: number | null }>();
  report.activeAlerts = active.length;

  if (active.length > 0) {
    const passId = randomId('pas_');
    const full = active.filter((a) => input.changedOfferIds === null || a.evaluated_at === null || a.evaluated_at < now - FULL_CHECK_EVERY_MS);
    report.fullChecks = full.length;
    const changed = full.length < active.length ? (input.changedOfferIds ?? []) : [];
    const offerChunks = chunk(changed, OFFER_IDS_PER_STATEMENT).map((ids) => JSON.stringify(ids));
    const alertChunks = chunk(full, ALERTS_PER_STATEMENT).map((list) => JSON.stringify(list.map((a) => [a.tenant_id, a.id])));
    const counted = (statement: D1PreparedStatement) => [statement, db.prepare(CHANGES_SQL)];

    // 1. One batch: clear what stopped matching, store what newly matches (marked with this pass).
    const clears = [
      ...offerChunks.flatMap((json) => [db.prepare(CLEAR_RISEN_SQL).bind(json), db.prepare(CLEAR_FOR_OFFERS_SQL).bind(json)]),
      ...alertChunks.map((json) => db.prepare(CLEAR_FOR_ALERTS_SQL).bind(json)),
    ];
    const inserts = [
      ...offerChunks.map((json) => db.prepare(NEW_FOR_OFFERS_SQL).bind(json, now, passId)),
      ...alertChunks.map((json) => db.prepare(NEW_FOR_ALERTS_SQL).bind(json, now, passId)),
    ];
    const results = await db.batch<{ n: number }>([
      db.prepare(`INSERT INTO alert_passes (id, state, started_at) VALUES (?1, 'matched', ?2)`).bind(passId, now),
      ...clears.flatMap(counted),
      ...inserts.flatMap(counted),
      ...alertChunks.map((json) => db.prepare(EVALUATED_SQL).bind(json, now)),
    ]);
    const changes = (from: number, count: number) => {
      let sum = 0;
      for (let i = 0; i < count; i++) sum += results[from + i * 2 + 1]?.results[0]?.n ?? 0;
      return sum;
    };
    report.clearedMatches = changes(1, clears.length);
    report.newMatches = changes(1 + clears.length * 2, inserts.length);

    // 2. Their deliveries.
    await finishPass(env, passId, now, report);
  }

  report.resent = await resendOverdue(env, now);
  report.ms = Date.now() - started;
  return report;
}

/**
 * Builds one delivery per alert from the pass's new matches (its cheapest 50 offers and the count),
 * stores them with the alerts' counters and marks the pass delivered, in one batch; then hands them
 * over. False when another finisher delivered the pass first (the batch then wrote nothing).
 */
async function finishPass(env: Bindings, passId: string, now: number, report: AlertPassReport): Promise<boolean> {
  const db = env.DB;
  const { results: rows } = await db.prepare(PASS_MATCHES_SQL).bind(passId).all<OfferRow & { m_tenant_id: string; m_alert_id: string; m_count: number; m_rank: number }>();
  const byAlert = new Map<string, { tenantId: string; count: number; offers: OfferRow[] }>();
  for (const { m_tenant_id, m_alert_id, m_count, m_rank: _rank, ...offer } of rows) {
    let entry = byAlert.get(m_alert_id);
    if (!entry) byAlert.set(m_alert_id, (entry = { tenantId: m_tenant_id, count: m_count, offers: [] }));
    entry.offers.push(offer);
  }
  const keys = [...byAlert].map(([alertId, e]) => [e.tenantId, alertId]);
  const alertRows =
    keys.length === 0
      ? []
      : (
          await db.batch<AlertRow>(
            chunk(keys, 500).map((part) =>
              db.prepare(`SELECT * FROM alerts WHERE (tenant_id, id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1)) AND status = 'active'`).bind(JSON.stringify(part)),
            ),
          )
        ).flatMap((r) => r.results);
  const deliveries: NewDelivery[] = alertRows.map((alert) => {
    const { count, offers } = byAlert.get(alert.id)!;
    offers.sort((x, y) => x.price_per_gpu_hour_micro - y.price_per_gpu_hour_micro || (x.id < y.id ? -1 : 1));
    return { id: randomId('msg_'), alert, count, shown: offers.map((o) => o.id), payload: JSON.stringify(alertPayload(alert, offers, count, now)) };
  });

  const token = randomId('fin_');
  const writes: D1PreparedStatement[] = [db.prepare(CLAIM_PASS_SQL).bind(passId, token)];
  for (const part of chunk(deliveries, DELIVERIES_PER_STATEMENT)) {
    const values = part.map((d) => [d.id, d.alert.tenant_id, d.alert.id, d.alert.delivery_type, d.count, JSON.stringify(d.shown), d.payload]);
    writes.push(db.prepare(INSERT_DELIVERIES_SQL).bind(JSON.stringify(values), now, passId, token));
  }
  if (deliveries.length > 0) {
    writes.push(db.prepare(FIRED_SQL).bind(JSON.stringify(deliveries.map((d) => [d.alert.tenant_id, d.alert.id, d.count])), now, passId, token));
  }
  writes.push(
    db.prepare(`DELETE FROM alert_passes WHERE state = 'delivered' AND started_at < ?1`).bind(now - PASS_RETENTION_MS),
    db.prepare(`SELECT finished_by = ?2 AS won FROM alert_passes WHERE id = ?1`).bind(passId, token),
  );
  const results = await db.batch<{ won: number }>(writes);
  if (results[results.length - 1]?.results[0]?.won !== 1) return false;

  // Hand them over: webhooks to the queue, live ones to the tenant's sockets.
  const webhooks = deliveries.filter((d) => d.alert.delivery_type === 'webhook');
  const live = deliveries.filter((d) => d.alert.delivery_type === 'live');
  report.webhookDeliveries += webhooks.length;
  report.liveDeliveries += live.length;
  await Promise.all([
    enqueue(env, webhooks.map((d) => ({ deliveryId: d.id, tenantId: d.alert.tenant_id, alertId: d.alert.id }))),
    deliverLive(env, live, now),
  ]);
  return true;
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
