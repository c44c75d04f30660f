// Trend answers: the stored price history of each asked model (or of the most-listed models when the
// question named none), summarised as first and last median, change and range over the window, and
// the analytics forecast when the question asks where prices are going.
import { iso } from '../../http/time';
import { HISTORY_WINDOWS } from '../../market/gpus.routes';
import { readGpuHistory } from '../../market/history';
import { microToUsd } from '../../money';
import { readForecast, type TrendForecast } from './forecast';
import type { TrendQuery } from './interpretation';

/** A trend answer covers at most this many models. */
export const MAX_TREND_MODELS = 3;

type Db = D1Database | D1DatabaseSession;

export interface TrendSeries {
  model: string;
  points: Array<{ t: string; minPricePerGpuHourUsd: number; medianPricePerGpuHourUsd: number; maxPricePerGpuHourUsd: number; offers: number }>;
  /** Null when the window holds no history for this model and pricing. */
  summary: {
    firstMedianUsd: number;
    lastMedianUsd: number;
    /** (last − first) / first, in percent, one decimal. */
    changePct: number;
    lowUsd: number;
    highUsd: number;
    from: string;
    to: string;
  } | null;
  /** When the question asked where prices are going: the analytics forecast, else null. */
  forecast: TrendForecast | null;
}

export interface TrendAnswer {
  window: TrendQuery['window'];
  pricing: TrendQuery['pricing'];
  bucketSeconds: number;
  series: TrendSeries[];
}

async function mostListed(db: Db): Promise<string[]> {
  const { results } = await db
    .prepare(`SELECT gpu_model FROM market_summary WHERE pricing = 'all' AND offer_count > 0 AND gpu_model <> 'unknown' ORDER BY offer_count DESC, gpu_model LIMIT ?1`)
    .bind(MAX_TREND_MODELS)
    .all<{ gpu_model: string }>();
  return results.map((r) => r.gpu_model);
}

export async function answerTrend(db: Db, query: TrendQuery, now: number): Promise<TrendAnswer> {
  const models = (query.gpuModels ?? (await mostListed(db))).slice(0, MAX_TREND_MODELS);
  const series: TrendSeries[] = [];
  for (const model of models) {
    const history = await readGpuHistory(db, model, query.window, query.pricing, now);
    const points = history.points;
    const first = points[0];
    const last = points[points.length - 1];
    series.push({
      model,
      points: points.map((p) => ({
        t: iso(p.t),
        minPricePerGpuHourUsd: microToUsd(p.minMicro),
        medianPricePerGpuHourUsd: microToUsd(p.medianMicro),
        maxPricePerGpuHourUsd: microToUsd(p.maxMicro),
        offers: p.offers,
      })),
      summary:
        first && last
          ? {
              firstMedianUsd: microToUsd(first.medianMicro),
              lastMedianUsd: microToUsd(last.medianMicro),
              changePct: first.medianMicro === 0 ? 0 : Math.round(((last.medianMicro - first.medianMicro) / first.medianMicro) * 1000) / 10,
              lowUsd: microToUsd(Math.min(...points.map((p) => p.minMicro))),
              highUsd: microToUsd(Math.max(...points.map((p) => p.maxMicro))),
              from: iso(first.t),
              to: iso(last.t),
            }
          : null,
      forecast: query.forecast ? await readForecast(db, model, query.pricing, now) : null,
    });
  }
  return { window: query.window, pricing: query.pricing, bucketSeconds: HISTORY_WINDOWS[query.window].bucketMs / 1000, series };
}
