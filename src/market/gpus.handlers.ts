// GPU catalog endpoints: registry specs joined with the market summary the last ingestion computed.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { GPU_MODELS, resolveGpuModel, type GpuSpec } from '../catalog/gpus';
import { notFound } from '../http/problem';
import { iso } from '../http/time';
import { microToUsd } from '../money';
import { HISTORY_WINDOWS, type getGpuRoute, type gpuHistoryRoute, type listGpusRoute } from './gpus.routes';

interface SummaryRow {
  gpu_model: string;
  pricing: string;
  offer_count: number;
  provider_count: number;
  min_micro: number;
  median_micro: number;
  max_micro: number;
  updated_at: number;
}

function stats(row: SummaryRow) {
  return {
    offers: row.offer_count,
    providers: row.provider_count,
    minPricePerGpuHourUsd: microToUsd(row.min_micro),
    medianPricePerGpuHourUsd: microToUsd(row.median_micro),
    maxPricePerGpuHourUsd: microToUsd(row.max_micro),
  };
}

function toApiGpu(spec: GpuSpec, rows: SummaryRow[]) {
  const all = rows.find((r) => r.pricing === 'all');
  return {
    name: spec.name,
    vendor: spec.vendor,
    architecture: spec.architecture,
    vramGb: spec.vramGb,
    memoryBandwidthGbps: spec.memoryBandwidthGbps,
    fp16Tflops: spec.fp16Tflops,
    bf16Tflops: spec.bf16Tflops,
    formFactor: spec.formFactor,
    aliases: [...spec.aliases],
    market: {
      offers: all?.offer_count ?? 0,
      providers: all?.provider_count ?? 0,
      minPricePerGpuHourUsd: all ? microToUsd(all.min_micro) : null,
      medianPricePerGpuHourUsd: all ? microToUsd(all.median_micro) : null,
      maxPricePerGpuHourUsd: all ? microToUsd(all.max_micro) : null,
      byPricing: Object.fromEntries(rows.filter((r) => r.pricing !== 'all').map((r) => [r.pricing, stats(r)])),
      updatedAt: all ? iso(all.updated_at) : null,
    },
  };
}

/** The registry model a path names (canonical name or alias), or a 404 problem. */
export function resolveOr404(model: string): GpuSpec {
  const spec = resolveGpuModel(model);
  if (!spec) throw notFound(`unknown GPU model "${model}"; GET /v1/gpus lists them`);
  return spec;
}

export const listGpus: RouteHandler<typeof listGpusRoute, AppEnv> = async (c) => {
  const { listedOnly } = c.req.valid('query');
  const { results } = await c.var.readDb.prepare('SELECT * FROM market_summary').all<SummaryRow>();
  const byModel = new Map<string, SummaryRow[]>();
  for (const row of results) byModel.set(row.gpu_model, [...(byModel.get(row.gpu_model) ?? []), row]);
  const data = GPU_MODELS.filter((spec) => listedOnly !== 'true' || byModel.has(spec.name)).map((spec) =>
    toApiGpu(spec, byModel.get(spec.name) ?? []),
  );
  return c.json({ data }, 200);
};

export const getGpu: RouteHandler<typeof getGpuRoute, AppEnv> = async (c) => {
  const spec = resolveOr404(c.req.valid('param').model);
  const { results } = await c.var.readDb.prepare('SELECT * FROM market_summary WHERE gpu_model = ?1').bind(spec.name).all<SummaryRow>();
  return c.json(toApiGpu(spec, results), 200);
};

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

export const gpuHistory: RouteHandler<typeof gpuHistoryRoute, AppEnv> = async (c) => {
  const spec = resolveOr404(c.req.valid('param').model);
  const { window = '24h', pricing = 'all' } = c.req.valid('query');
  const { spanMs, bucketMs } = HISTORY_WINDOWS[window];
  const now = Date.now();
  const from = Math.floor((now - spanMs) / bucketMs) * bucketMs;
  const { results } = await c.var.readDb
    .prepare(
      `SELECT bucket_start, min_micro, median_micro, max_micro, offer_count FROM gpu_price_buckets
       WHERE gpu_model = ?1 AND pricing = ?2 AND bucket_start >= ?3 ORDER BY bucket_start`,
    )
    .bind(spec.name, pricing, from)
    .all<BucketRow>();
  const points: Array<{ t: number; min: number; max: number; medians: number[]; offers: number }> = [];
  for (const row of results) {
    const t = Math.floor(row.bucket_start / bucketMs) * bucketMs;
    let point = points[points.length - 1];
    if (!point || point.t !== t) {
      point = { t, min: row.min_micro, max: row.max_micro, medians: [], offers: 0 };
      points.push(point);
    }
    point.min = Math.min(point.min, row.min_micro);
    point.max = Math.max(point.max, row.max_micro);
    point.medians.push(row.median_micro);
    point.offers = row.offer_count;
  }
  return c.json(
    {
      model: spec.name,
      window,
      pricing,
      bucketSeconds: bucketMs / 1000,
      data: points.map((p) => ({
        t: iso(p.t),
        minPricePerGpuHourUsd: microToUsd(p.min),
        medianPricePerGpuHourUsd: microToUsd(median(p.medians)),
        maxPricePerGpuHourUsd: microToUsd(p.max),
        offers: p.offers,
      })),
    },
    200,
  );
};
