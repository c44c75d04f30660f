// Writes one provider's pull into D1. Offers travel as one JSON parameter per chunk and are unpacked
// by `json_each`, so a chunk of 2,000 offers is three statements with one or two bound parameters:
// far under D1's 100-parameter limit and hundreds of times fewer statements than row-by-row inserts.
import type { NormalizedOffer } from '../catalog/offer';
import { offerId } from '../catalog/ids';
import { chunk } from '../db/client';

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

export interface StoreResult {
  offersWritten: number;
  /** Ids of offers that are new or whose price or availability changed in this pull. */
  changedOfferIds: string[];
}

/** Stores one provider's offers. Each batch is atomic: a chunk's history, upsert and touch land together. */
export async function storeOffers(db: D1Database, offers: readonly NormalizedOffer[], now: number): Promise<StoreResult> {
  const history = db.prepare(HISTORY_SQL);
  const upsert = db.prepare(UPSERT_SQL);
  const touch = db.prepare(TOUCH_SQL);
  const changedOfferIds: string[] = [];
  for (const group of chunk(chunk(offers, OFFER_CHUNK), CHUNKS_PER_BATCH)) {
    const statements = group.flatMap((part) => {
      const json = JSON.stringify(part.map(toRow));
      return [history.bind(json), upsert.bind(json, now), touch.bind(json, now)];
    });
    const results = await db.batch<{ offer_id: string }>(statements);
    // Every third result is a history insert, whose RETURNING rows are the changed offers.
    for (let i = 0; i < results.length; i += 3) for (const row of results[i]?.results ?? []) changedOfferIds.push(row.offer_id);
  }
  return { offersWritten: offers.length, changedOfferIds };
}

export interface SweepResult {
  markedUnavailable: number;
  deleted: number;
}

/**
 * Marks offers not seen for `staleMs` unavailable (with a history row, since availability changed),
 * deletes offers not seen for `deleteMs`, and trims history older than `retentionMs`.
 */
export async function sweepOffers(
  db: D1Database,
  now: number,
  staleMs: number,
  deleteMs: number,
  retentionMs: number,
): Promise<SweepResult> {
  const staleBefore = now - staleMs;
  const [, marked, deleted] = await db.batch([
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
    db.prepare(`DELETE FROM offers WHERE last_seen_at < ?1 RETURNING id`).bind(now - deleteMs),
    db.prepare(`DELETE FROM price_history WHERE observed_at < ?1`).bind(now - retentionMs),
    db.prepare(`DELETE FROM gpu_price_buckets WHERE bucket_start < ?1`).bind(now - retentionMs),
  ]);
  // Counted from RETURNING rows: `meta.changes` is not reliable for statements inside a batch.
  return { markedUnavailable: marked?.results.length ?? 0, deleted: deleted?.results.length ?? 0 };
}

export const BUCKET_MS = 5 * 60_000;

/**
 * Rebuilds `market_summary` from the listed offers (min, exact median, max per GPU-hour for each GPU
 * model and pricing type, plus `all`) and folds it into the 5-minute history bucket of `now`.
 */
export async function refreshMarketSummary(db: D1Database, now: number): Promise<void> {
  const bucketStart = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  await db.batch([
    db.prepare('DELETE FROM market_summary'),
    db
      .prepare(
        `INSERT INTO market_summary (gpu_model, pricing, offer_count, provider_count, min_micro, median_micro, max_micro, updated_at)
         WITH listed AS (
           SELECT gpu_model, pricing, provider, price_per_gpu_hour_micro AS p FROM offers
           WHERE availability <> 'unavailable' AND gpu_model <> 'unknown'
         ), grouped AS (
           SELECT gpu_model, pricing, provider, p FROM listed
           UNION ALL SELECT gpu_model, 'all', provider, p FROM listed
         ), ranked AS (
           SELECT gpu_model, pricing, provider, p,
             ROW_NUMBER() OVER (PARTITION BY gpu_model, pricing ORDER BY p) AS rn,
             COUNT(*) OVER (PARTITION BY gpu_model, pricing) AS c
           FROM grouped
         )
         SELECT gpu_model, pricing, MAX(c), COUNT(DISTINCT provider), MIN(p),
           CAST(ROUND(AVG(CASE WHEN rn IN ((c + 1) / 2, (c + 2) / 2) THEN p END)) AS INTEGER), MAX(p), ?1
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
  ]);
}
