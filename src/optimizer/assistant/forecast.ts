// The market analytics forecast (Holt's linear trend, back-tested on the stored history; see
// src/market/analytics-math.ts) for a trend question that asks where prices are going. Same history
// and settings as GET /v1/gpus/{model}/forecast, so both give the same estimate.
import { microToUsd } from '../../money';
import { iso } from '../../http/time';
import { forecastSeries } from '../../market/analytics-math';
import { FORECAST } from '../../market/analytics.handlers';

/** Hours ahead the assistant forecasts (the forecast endpoint's default). */
export const FORECAST_HOURS = 24;

export interface TrendForecast {
  /** Always true: an extrapolation, not a quote. */
  estimate: true;
  method: 'holt-linear';
  horizonHours: number;
  /** Hourly points with 80 % and 95 % prediction intervals; empty when no forecast could be made. */
  points: Array<{ t: string; pricePerGpuHourUsd: number; lower80Usd: number; upper80Usd: number; lower95Usd: number; upper95Usd: number }>;
  /** Mean absolute percentage error of the one-step back-test on held-out hours. */
  backtestMapePercent: number | null;
  /** Why there is no forecast (too little history), else null. */
  reason: string | null;
}

export async function readForecast(db: D1Database | D1DatabaseSession, model: string, pricing: string, now: number): Promise<TrendForecast> {
  const { results } = await db
    .prepare(
      `SELECT bucket_start AS t, median_micro AS value FROM gpu_price_buckets
       WHERE gpu_model = ?1 AND pricing = ?2 AND bucket_start >= ?3 ORDER BY bucket_start`,
    )
    .bind(model, pricing, now - FORECAST.lookbackMs)
    .all<{ t: number; value: number }>();
  const result = forecastSeries(results, { ...FORECAST, horizon: FORECAST_HOURS });
  const usd = (micro: number) => microToUsd(Math.round(micro));
  if (!result.ok) return { estimate: true, method: 'holt-linear', horizonHours: FORECAST_HOURS, points: [], backtestMapePercent: null, reason: result.reason };
  return {
    estimate: true,
    method: 'holt-linear',
    horizonHours: FORECAST_HOURS,
    points: result.points.map((p) => ({
      t: iso(p.t),
      pricePerGpuHourUsd: usd(p.value),
      lower80Usd: usd(p.lower80),
      upper80Usd: usd(p.upper80),
      lower95Usd: usd(p.lower95),
      upper95Usd: usd(p.upper95),
    })),
    backtestMapePercent: Math.round(result.backtest.mape * 100) / 100,
    reason: null,
  };
}
