// Writes one provider's pull into D1. Offers travel as one JSON parameter per chunk and are unpacked
// by `json_each`, so a chunk of 2,000 offers is three statements with one or two bound parameters:
// far under D1's 100-parameter limit and hundreds of times fewer statements than row-by-row inserts.
import type { NormalizedOffer } from '../catalog/offer';
import { offerId } from '../catalog/ids';
import { chunk } from '../db/client';
import { OFFER_COLUMNS, type OfferRow } from '../market/offers.query';

/** Offers per statement: ~400 KB of JSON, under D1's 2 MB bound-value limit. */
export const OFFER_CHUNK = 2000;
/** Chunks per transaction: fewer commits write each dirty index page once (measured 2× faster than
 *  one chunk per transaction at 100k offers), while one transaction stays short enough (~10k offers)
 *  not to hold up API reads for long. */
export const CHUNKS_PER_BATCH = 5;

// Column order of the JSON rows; `$[n]` below refers to these positions.
const COLUMNS = [
  'id', // 0
  'provider', // 1
  'external_id', // 2
  'gpu_model', // 3
  'raw_gpu_name', // 4
  'gpu_count', // 5
  'vram_gb_per_gpu', // 6
  'total_vram_gb', // 7
  'vcpus', // 8
  'ram_gb', // 9
  'storage_gb', // 10
  'price_per_hour_micro', // 11
  'price_per_gpu_hour_micro', // 12
  'pricing', // 13
  'region', // 14
  'country', // 15
  'availability', // 16
  'interconnect', // 17
  'source', // 18
  'observed_at', // 19
] as const;

const col = (name: (typeof COLUMNS)[number]) => `j.value ->> ${COLUMNS.indexOf(name)}`;

function toRow(o: NormalizedOffer): unknown[] {
  return [
    offerId(o.provider, o.externalId),
    o.provider,
    o.externalId,
    o.gpuModel,
    o.rawGpuName,
    o.gpuCount,
    o.vramGbPerGpu,
    o.vramGbPerGpu * o.gpuCount,
    o.vcpus,
    o.ramGb,
    o.storageGb,
    o.pricePerHourMicroUsd,
    o.pricePerGpuHourMicroUsd,
    o.pricing,
    o.region,
    o.country,
    o.availability,
    o.interconnect,
    o.source,
    o.observedAt,
  ];
}

// 0. What changes: each offer that is new (no stored row) or whose price or availability moved, with
//    the stored values it had, for the live rooms' old → new updates.
const CHANGED_SQL = `
SELECT ${col('id')} AS id, o.price_per_hour_micro AS old_price, o.price_per_gpu_hour_micro AS old_gpu_price,
  o.availability AS old_availability, o.first_seen_at AS first_seen_at
FROM json_each(?1) j LEFT JOIN offers o ON o.id = ${col('id')}
WHERE o.id IS NULL
   OR o.price_per_hour_micro <> ${col('price_per_hour_micro')}
   OR o.availability <> ${col('availability')}`;

// 1. History: a row for every offer that is new or whose price or availability changed.
const HISTORY_SQL = `
INSERT INTO price_history (offer_id, provider, gpu_model, gpu_count, pricing, price_per_hour_micro,
  price_per_gpu_hour_micro, availability, observed_at)
SELECT ${col('id')}, ${col('provider')}, ${col('gpu_model')}, ${col('gpu_count')}, ${col('pricing')},
  ${col('price_per_hour_micro')}, ${col('price_per_gpu_hour_micro')}, ${col('availability')}, ${col('observed_at')}
FROM json_each(?1) j LEFT JOIN offers o ON o.id = ${col('id')}
WHERE o.id IS NULL
   OR o.price_per_hour_micro <> ${col('price_per_hour_micro')}
   OR o.availability <> ${col('availability')}
RETURNING offer_id`;

// 2. Upsert: insert new offers; rewrite existing rows only where something other than time changed,
//    so an unchanged offer does not churn the price and model indexes.
const UPSERT_SQL = `
INSERT INTO offers (${COLUMNS.join(', ')}, first_seen_at, last_seen_at, changed_at)
SELECT ${COLUMNS.map(col).join(', ')}, ?2, ?2, ?2
FROM json_each(?1) j WHERE true
ON CONFLICT (id) DO UPDATE SET
  gpu_model = excluded.gpu_model, raw_gpu_name = excluded.raw_gpu_name, gpu_count = excluded.gpu_count,
  vram_gb_per_gpu = excluded.vram_gb_per_gpu, total_vram_gb = excluded.total_vram_gb,
  vcpus = excluded.vcpus, ram_gb = excluded.ram_gb, storage_gb = excluded.storage_gb,
  price_per_hour_micro = excluded.price_per_hour_micro,
  price_per_gpu_hour_micro = excluded.price_per_gpu_hour_micro,
  pricing = excluded.pricing, region = excluded.region, country = excluded.country,
  availability = excluded.availability, interconnect = excluded.interconnect, source = excluded.source,
  observed_at = excluded.observed_at, last_seen_at = excluded.last_seen_at,
  changed_at = CASE WHEN offers.price_per_hour_micro <> excluded.price_per_hour_micro
                      OR offers.availability <> excluded.availability
                    THEN excluded.observed_at ELSE offers.changed_at END
WHERE offers.price_per_hour_micro <> excluded.price_per_hour_micro
   OR offers.availability <> excluded.availability
   OR offers.gpu_model <> excluded.gpu_model
   OR offers.raw_gpu_name <> excluded.raw_gpu_name
   OR offers.gpu_count <> excluded.gpu_count
   OR offers.vram_gb_per_gpu <> excluded.vram_gb_per_gpu
   OR offers.pricing <> excluded.pricing
   OR offers.region <> excluded.region
   OR offers.country IS NOT excluded.country
   OR offers.vcpus IS NOT excluded.vcpus
   OR offers.ram_gb IS NOT excluded.ram_gb
   OR offers.storage_gb IS NOT excluded.storage_gb
   OR offers.interconnect IS NOT excluded.interconnect`;

// 3. Freshness: every offer in the pull was seen now, changed or not.
const TOUCH_SQL = `
UPDATE offers SET observed_at = ${col('observed_at')}, last_seen_at = ?2
FROM json_each(?1) j WHERE offers.id = ${col('id')}`;

/** An offer that is new or whose price or availability moved, with what it was before (null: new). */
export interface StoredChange {
  offer: NormalizedOffer;
  id: string;
  /** When the offer was first listed (this pull, for a new offer). */
  firstSeenAt: number;
  prior: { pricePerHourMicro: number; pricePerGpuHourMicro: number; availability: OfferRow['availability']; firstSeenAt: number } | null;
}

export interface StoreResult {
  offersWritten: number;
  /** Ids of the offers that are new or whose price or availability moved. */
  changedIds: string[];
  /** Those changes with their prior values, for live deltas; null once the ingestion's `LiveBudget`
   *  ran out (too many changes to stream: the rooms resync instead). */
  changes: StoredChange[] | null;
}

/**
 * How many changes one ingestion still reads prior values for, shared by its concurrent providers.
 * The read costs a second pass over each chunk's rows, so it stops once the live rooms would resync
 * anyway (past LIVE_MAX_CHANGES): a first pull of 100k offers pays it for one batch, not for all.
 */
export interface LiveBudget {
  remaining: number;
}

interface ChangedRow {
  id: string;
  old_price: number | null;
  old_gpu_price: number | null;
  old_availability: OfferRow['availability'] | null;
  first_seen_at: number | null;
}

/** The stored row an offer becomes (what the API and the live rooms show). */
export function offerRowOf(o: NormalizedOffer, firstSeenAt: number): OfferRow {
  return {
    id: offerId(o.provider, o.externalId),
    provider: o.provider,
    external_id: o.externalId,
    gpu_model: o.gpuModel,
    raw_gpu_name: o.rawGpuName,
    gpu_count: o.gpuCount,
    vram_gb_per_gpu: o.vramGbPerGpu,
    total_vram_gb: o.vramGbPerGpu * o.gpuCount,
    vcpus: o.vcpus,
    ram_gb: o.ramGb,
    storage_gb: o.storageGb,
    price_per_hour_micro: o.pricePerHourMicroUsd,
    price_per_gpu_hour_micro: o.pricePerGpuHourMicroUsd,
    pricing: o.pricing,
    region: o.region,
    country: o.country,
    availability: o.availability,
    interconnect: o.interconnect,
    source: o.source,
    observed_at: o.observedAt,
    first_seen_at: firstSeenAt,
    changed_at: o.observedAt,
  };
}

/** Stores one provider's offers. Each batch is atomic: a chunk's history, upsert and touch land together. */
export async function storeOffers(db: D1Database, offers: readonly NormalizedOffer[], now: number, budget: LiveBudget = { remaining: 0 }): Promise<StoreResult> {
  const changed = db.prepare(CHANGED_SQL);
  const history = db.prepare(HISTORY_SQL);
  const upsert = db.prepare(UPSERT_SQL);
  const touch = db.prepare(TOUCH_SQL);
  const changedIds: string[] = [];
  let changes: StoredChange[] | null = [];
  for (const group of chunk(chunk(offers, OFFER_CHUNK), CHUNKS_PER_BATCH)) {
    const withPriors = changes !== null && budget.remaining > 0;
    if (!withPriors) changes = null;
    const before = changes?.length ?? 0;
    const perChunk = withPriors ? 4 : 3;
    const statements = group.flatMap((part) => {
      const json = JSON.stringify(part.map(toRow));
      const writes = [history.bind(json), upsert.bind(json, now), touch.bind(json, now)];
      return withPriors ? [changed.bind(json), ...writes] : writes;
    });
    const results = await db.batch<ChangedRow & { offer_id: string }>(statements);
    group.forEach((part, p) => {
      // The history insert's RETURNING rows are the changed offers of the chunk.
      for (const row of results[p * perChunk + (withPriors ? 1 : 0)]?.results ?? []) changedIds.push(row.offer_id);
      if (!withPriors || changes === null) return;
      // With priors, the chunk's first result is the pre-write read of what changes in it.
      const rows = results[p * perChunk]?.results ?? [];
      if (rows.length === 0) return;
      const byId = new Map(part.map((o) => [offerId(o.provider, o.externalId), o]));
      for (const row of rows) {
        const offer = byId.get(row.id);
        if (!offer) continue;
        const prior =
          row.old_price === null || row.old_gpu_price === null || row.old_availability === null || row.first_seen_at === null
            ? null
            : { pricePerHourMicro: row.old_price, pricePerGpuHourMicro: row.old_gpu_price, availability: row.old_availability, firstSeenAt: row.first_seen_at };
        changes.push({ offer, id: row.id, firstSeenAt: row.first_seen_at ?? now, prior });
      }
    });
    if (changes !== null) budget.remaining -= changes.length - before;
  }
  return { offersWritten: offers.length, changedIds, changes };
}

export interface SweepResult {
  markedUnavailable: number;
  deleted: number;
  /** Offers the sweep marked unavailable, as they were before; null when more than `rowLimit` (too many to stream). */
  staleRows: OfferRow[] | null;
  /** Offers the sweep deleted, in their last state; null when more than `rowLimit`. */
  deletedRows: OfferRow[] | null;
}

/**
 * Marks offers not seen for `staleMs` unavailable (with a history row, since availability changed),
 * deletes offers not seen for `deleteMs`, and trims price and provider health history older than
 * `retentionMs`. Returns the affected rows (up to `rowLimit` of each) for the live rooms.
 */
export async function sweepOffers(
  db: D1Database,
  now: number,
  staleMs: number,
  deleteMs: number,
  retentionMs: number,
  rowLimit = 0,
): Promise<SweepResult> {
  const staleBefore = now - staleMs;
  const deleteBefore = now - deleteMs;
  const [staleRows, , marked, deletedRows, deleted] = await db.batch<OfferRow>([
    // Read in the same transaction as the writes, before them, and bounded: a provider outage can
    // make tens of thousands of offers stale at once, and those are streamed as a resync instead.
    db
      .prepare(`SELECT ${OFFER_COLUMNS} FROM offers WHERE last_seen_at < ?1 AND availability <> 'unavailable' LIMIT ?2`)
      .bind(staleBefore, rowLimit + 1),
    db
      .prepare(
        `INSERT INTO price_history (offer_id, provider, gpu_model, gpu_count, pricing, price_per_hour_micro,
           price_per_gpu_hour_micro, availability, observed_at)
         SELECT id, provider, gpu_model, gpu_count, pricing, price_per_hour_micro, price_per_gpu_hour_micro,
           'unavailable', ?2
         FROM offers WHERE last_seen_at < ?1 AND availability <> 'unavailable'`,
      )
      .bind(staleBefore, now),
    db
      .prepare(`UPDATE offers SET availability = 'unavailable', changed_at = ?2 WHERE last_seen_at < ?1 AND availability <> 'unavailable' RETURNING id`)
      .bind(staleBefore, now),
    db.prepare(`SELECT ${OFFER_COLUMNS} FROM offers WHERE last_seen_at < ?1 LIMIT ?2`).bind(deleteBefore, rowLimit + 1),
    db.prepare(`DELETE FROM offers WHERE last_seen_at < ?1 RETURNING id`).bind(deleteBefore),
    db.prepare(`DELETE FROM price_history WHERE observed_at < ?1`).bind(now - retentionMs),
    db.prepare(`DELETE FROM gpu_price_buckets WHERE bucket_start < ?1`).bind(now - retentionMs),
    db.prepare(`DELETE FROM provider_health_hourly WHERE hour_start < ?1`).bind(now - retentionMs),
  ]);
  const bounded = (rows: OfferRow[] | undefined) => (rows && rows.length <= rowLimit ? rows : null);
  // Counted from RETURNING rows: `meta.changes` is not reliable for statements inside a batch.
  return {
    markedUnavailable: marked?.results.length ?? 0,
    deleted: deleted?.results.length ?? 0,
    staleRows: bounded(staleRows?.results),
    deletedRows: bounded(deletedRows?.results),
  };
}

export const BUCKET_MS = 5 * 60_000;

/**
 * SQL aggregate for the `q`-quantile of `value`, over rows that each cover the positions `lo`…`hi` of
 * the ascending order of all `m` + 1 values (one row per value: lo = hi = its row number; one row per
 * distinct value: its run of positions). Linear interpolation between the closest ranks, the same
 * definition as `percentile` in src/market/analytics-math.ts, so q = 0.5 is the usual median.
 */
function quantileSql(q: number, value: string, lo = 'i', hi = 'i', m = 'm'): string {
  const h = `(${m} * ${q})`;
  const k = `CAST(${h} AS INTEGER)`;
  return (
    `SUM(CASE WHEN ${k} BETWEEN ${lo} AND ${hi} THEN ${value} * (1 - (${h} - ${k})) ELSE 0 END` +
    ` + CASE WHEN ${k} + 1 BETWEEN ${lo} AND ${hi} THEN ${value} * (${h} - ${k}) ELSE 0 END)`
  );
}

/**
 * Rebuilds `market_summary` from the listed offers (min, quartiles, median, max per GPU-hour and
 * availability counts for each GPU model and pricing type, plus `all`), folds it into the 5-minute
 * history bucket of `now`, and rebuilds `provider_market` (each provider's price index against those
 * medians and the freshness of its prices).
 */
export async function refreshMarketSummary(db: D1Database, now: number): Promise<void> {
  const bucketStart = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  const price = (q: number) => `CAST(ROUND(${quantileSql(q, 'p')}) AS INTEGER)`;
  await db.batch([
    db.prepare('DELETE FROM market_summary'),
    db
      .prepare(
        `INSERT INTO market_summary (gpu_model, pricing, offer_count, provider_count, min_micro, p25_micro, median_micro,
           p75_micro, max_micro, available_count, limited_count, updated_at)
         WITH listed AS (
           SELECT gpu_model, pricing, provider, availability AS a, price_per_gpu_hour_micro AS p FROM offers
           WHERE availability <> 'unavailable' AND gpu_model <> 'unknown'
         ), grouped AS (
           SELECT gpu_model, pricing, provider, a, p FROM listed
           UNION ALL SELECT gpu_model, 'all', provider, a, p FROM listed
         ), ranked AS (
           SELECT gpu_model, pricing, provider, a, p,
             ROW_NUMBER() OVER (PARTITION BY gpu_model, pricing ORDER BY p) - 1 AS i,
             COUNT(*) OVER (PARTITION BY gpu_model, pricing) - 1 AS m
           FROM grouped
         )
         SELECT gpu_model, pricing, MAX(m) + 1, COUNT(DISTINCT provider), MIN(p), ${price(0.25)}, ${price(0.5)},
           ${price(0.75)}, MAX(p), SUM(a = 'available'), SUM(a = 'limited'), ?1
         FROM ranked GROUP BY gpu_model, pricing`,
      )
      .bind(now),
    db
      .prepare(
        `INSERT INTO gpu_price_buckets (gpu_model, pricing, bucket_start, min_micro, median_micro, max_micro, offer_count)
         SELECT gpu_model, pricing, ?1, min_micro, median_micro, max_micro, offer_count FROM market_summary WHERE true
         ON CONFLICT (gpu_model, pricing, bucket_start) DO UPDATE SET
           min_micro = MIN(gpu_price_buckets.min_micro, excluded.min_micro),
           max_micro = MAX(gpu_price_buckets.max_micro, excluded.max_micro),
           median_micro = excluded.median_micro,
           offer_count = excluded.offer_count`,
      )
      .bind(bucketStart),
    db.prepare('DELETE FROM provider_market'),
    // Medians from counts per distinct value rather than a window over every offer: a few thousand
    // rows to order instead of 100k (measured 2–3× faster at 100k offers). Ratios are counted to three
    // decimals; offers of unknown GPUs (no market median) are listed but have no ratio. Observation
    // times repeat (one per pull), so their median is exact.
    db
      .prepare(
        `INSERT INTO provider_market (provider, offer_count, indexed_count, price_index, newest_observed_at,
           median_observed_at, updated_at)
         WITH listed AS MATERIALIZED (
           SELECT o.provider, o.observed_at AS t,
             CAST(ROUND(o.price_per_gpu_hour_micro * 1000.0 / s.median_micro) AS INTEGER) AS r
           FROM offers o LEFT JOIN market_summary s ON s.gpu_model = o.gpu_model AND s.pricing = o.pricing AND s.median_micro > 0
           WHERE o.availability <> 'unavailable'
         ), ratios AS (
           SELECT provider, r, SUM(n) OVER w - n AS lo, SUM(n) OVER w - 1 AS hi, SUM(n) OVER (PARTITION BY provider) - 1 AS m
           FROM (SELECT provider, r, COUNT(*) AS n FROM listed WHERE r IS NOT NULL GROUP BY provider, r)
           WINDOW w AS (PARTITION BY provider ORDER BY r ROWS UNBOUNDED PRECEDING)
         ), times AS (
           SELECT provider, t, SUM(n) OVER w - n AS lo, SUM(n) OVER w - 1 AS hi, SUM(n) OVER (PARTITION BY provider) - 1 AS m
           FROM (SELECT provider, t, COUNT(*) AS n FROM listed GROUP BY provider, t)
           WINDOW w AS (PARTITION BY provider ORDER BY t ROWS UNBOUNDED PRECEDING)
         ), by_ratio AS (
           SELECT provider, MAX(m) + 1 AS n, ${quantileSql(0.5, 'r', 'lo', 'hi')} / 1000.0 AS idx FROM ratios GROUP BY provider
         ), by_time AS (
           SELECT provider, MAX(m) + 1 AS n, MAX(t) AS newest, CAST(ROUND(${quantileSql(0.5, 't', 'lo', 'hi')}) AS INTEGER) AS med
           FROM times GROUP BY provider
         )
         SELECT by_time.provider, by_time.n, COALESCE(by_ratio.n, 0), by_ratio.idx, newest, med, ?1
         FROM by_time LEFT JOIN by_ratio ON by_ratio.provider = by_time.provider`,
      )
      .bind(now),
  ]);
}
