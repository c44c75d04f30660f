// For `npm run bench:analytics`: runs the ingestion's market summary refresh alone on the API's local
// D1 database, as it is now and as it was before the market analytics (min, median and max only; no
// quartiles, availability counts or provider standings), so what the analytics add to every ingestion
// is measured on its own. Also seeds price history for the forecast endpoint.
//
// Routes (all GET):
//   /refresh?variant=current|base   one refresh → { ms }
//   /seed-history?model=H100-80GB&days=14   5-minute buckets for `all` pricing, a random walk → { rows }
import { refreshMarketSummary } from '../../src/ingest/store';

interface Env {
  DB: D1Database;
}

const BUCKET_MS = 5 * 60_000;

/** The summary statements as they were before the analytics (commit 54715b6), for comparison. */
async function baseRefresh(db: D1Database, now: number): Promise<void> {
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

async function seedHistory(db: D1Database, model: string, days: number): Promise<number> {
  const end = Math.floor(Date.now() / BUCKET_MS) * BUCKET_MS - BUCKET_MS;
  const rows: [number, number][] = [];
  // A seeded random walk with a daily swing, around $2.00 per GPU-hour.
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let walk = 0;
  for (let t = end - days * 86_400_000; t <= end; t += BUCKET_MS) {
    walk += (random() - 0.5) * 4_000;
    rows.push([t, Math.round(2_000_000 + walk + 150_000 * Math.sin((2 * Math.PI * t) / 86_400_000))]);
  }
  const insert = db.prepare(
    `INSERT OR REPLACE INTO gpu_price_buckets (gpu_model, pricing, bucket_start, min_micro, median_micro, max_micro, offer_count)
     SELECT ?1, 'all', j.value ->> 0, j.value ->> 1, j.value ->> 1, j.value ->> 1, 100 FROM json_each(?2) j`,
  );
  const statements = [];
  for (let i = 0; i < rows.length; i += 1000) statements.push(insert.bind(model, JSON.stringify(rows.slice(i, i + 1000))));
  await db.batch(statements);
  return rows.length;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/refresh') {
      const variant = url.searchParams.get('variant');
      if (variant !== 'current' && variant !== 'base') return Response.json({ detail: 'variant must be current or base' }, { status: 400 });
      const t0 = Date.now();
      await (variant === 'current' ? refreshMarketSummary : baseRefresh)(env.DB, Date.now());
      return Response.json({ variant, ms: Date.now() - t0 });
    }
    if (url.pathname === '/seed-history') {
      const rows = await seedHistory(env.DB, url.searchParams.get('model') ?? 'H100-80GB', Number(url.searchParams.get('days') ?? 14));
      return Response.json({ rows });
    }
    return new Response('not found', { status: 404 });
  },
} satisfies ExportedHandler<Env>;
