// Price history of one GPU model as bucketed points, read from gpu_price_buckets (5-minute buckets
// written by ingestion) and regrouped into the window's bucket size. Shared by the history endpoint
// and the assistant's trend answers.
import { HISTORY_WINDOWS } from './gpus.routes';

export type HistoryWindow = keyof typeof HISTORY_WINDOWS;

export interface HistoryPoint {
  /** Bucket start, epoch ms. */
  t: number;
  minMicro: number;
  /** Median of the 5-minute medians in the bucket. */
  medianMicro: number;
  maxMicro: number;
  /** Listed offers at the latest pull in the bucket. */
  offers: number;
}

interface BucketRow {
  bucket_start: number;
  min_micro: number;
  median_micro: number;
  max_micro: number;
  offer_count: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/** Points oldest first; buckets with no data are left out. `pricing` is a pricing type or `all`. */
export async function readGpuHistory(
  db: D1Database | D1DatabaseSession,
  model: string,
  window: HistoryWindow,
  pricing: string,
  now: number,
): Promise<{ bucketMs: number; points: HistoryPoint[] }> {
  const { spanMs, bucketMs } = HISTORY_WINDOWS[window];
  const from = Math.floor((now - spanMs) / bucketMs) * bucketMs;
  const { results } = await db
    .prepare(
      `SELECT bucket_start, min_micro, median_micro, max_micro, offer_count FROM gpu_price_buckets
       WHERE gpu_model = ?1 AND pricing = ?2 AND bucket_start >= ?3 ORDER BY bucket_start`,
    )
    .bind(model, pricing, from)
    .all<BucketRow>();
  const groups: Array<{ t: number; min: number; max: number; medians: number[]; offers: number }> = [];
  for (const row of results) {
    const t = Math.floor(row.bucket_start / bucketMs) * bucketMs;
    let group = groups[groups.length - 1];
    if (!group || group.t !== t) {
      group = { t, min: row.min_micro, max: row.max_micro, medians: [], offers: 0 };
      groups.push(group);
    }
    group.min = Math.min(group.min, row.min_micro);
    group.max = Math.max(group.max, row.max_micro);
    group.medians.push(row.median_micro);
    group.offers = row.offer_count;
  }
  return {
    bucketMs,
    points: groups.map((g) => ({ t: g.t, minMicro: g.min, medianMicro: median(g.medians), maxMicro: g.max, offers: g.offers })),
  };
}
