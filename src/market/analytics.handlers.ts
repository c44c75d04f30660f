// Market analytics endpoints. The distributions and provider standings are computed by each ingestion
// (market_summary, provider_market); these handlers read a few rows, add the history-based parts
// (changes from gpu_price_buckets, uptime from provider_health_hourly) and run the forecast math.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import type { HealthRow } from '../ingest/health';
import { iso, isoOrNull } from '../http/time';
import { microToUsd } from '../money';
import { planProviders } from '../providers/registry';
import { forecastSeries } from './analytics-math';
import { SUMMARY_PRICINGS, type gpuForecastRoute, type marketProvidersRoute, type marketSummaryRoute } from './analytics.routes';
import { resolveOr404 } from './gpus.handlers';
import { providerUptime } from './provider-uptime';
import { providerStatus } from './providers.handlers';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Comparison points of the summary's changes; a bucket may be up to a 24th of the span older than the exact time. */
const CHANGE_SPANS = { d: DAY_MS, w: 7 * DAY_MS } as const;

interface SummaryRow {
  gpu_model: string;
  pricing: (typeof SUMMARY_PRICINGS)[number];
  offer_count: number;
  provider_count: number;
  min_micro: number;
  p25_micro: number;
  median_micro: number;
  p75_micro: number;
  max_micro: number;
  available_count: number;
  limited_count: number;
  updated_at: number;
  d_at: number | null;
  d_median: number | null;
  w_at: number | null;
  w_median: number | null;
}

const round = (x: number, decimals: number) => Math.round(x * 10 ** decimals) / 10 ** decimals;

function change(nowMicro: number, at: number | null, thenMicro: number | null) {
  if (at === null || thenMicro === null || thenMicro <= 0) return null;
  return {
    at: iso(at),
    fromMedianPricePerGpuHourUsd: microToUsd(thenMicro),
    absoluteUsd: microToUsd(nowMicro - thenMicro),
    percent: round(((nowMicro - thenMicro) / thenMicro) * 100, 2),
  };
}

// For each summary row, the latest bucket at or before (updated_at − span): one reverse seek of the
// bucket primary key per row, instead of reading every bucket of a window.
const thenBucket = (alias: string, span: string) => `
  LEFT JOIN gpu_price_buckets ${alias} ON ${alias}.gpu_model = s.gpu_model AND ${alias}.pricing = s.pricing
    AND ${alias}.bucket_start = (
      SELECT bucket_start FROM gpu_price_buckets
      WHERE gpu_model = s.gpu_model AND pricing = s.pricing AND bucket_start <= s.updated_at - ${span}
      ORDER BY bucket_start DESC LIMIT 1)
    AND ${alias}.bucket_start >= s.updated_at - ${span} - ${span} / 24`;

const SUMMARY_SQL = `
SELECT s.*, d.bucket_start AS d_at, d.median_micro AS d_median, w.bucket_start AS w_at, w.median_micro AS w_median
FROM market_summary s ${thenBucket('d', '?1')} ${thenBucket('w', '?2')}`;

export const marketSummary: RouteHandler<typeof marketSummaryRoute, AppEnv> = async (c) => {
  const { gpu, pricing } = c.req.valid('query');
  const { results } = await c.var.readDb.prepare(SUMMARY_SQL).bind(CHANGE_SPANS.d, CHANGE_SPANS.w).all<SummaryRow>();
  const order = (p: string) => SUMMARY_PRICINGS.indexOf(p as (typeof SUMMARY_PRICINGS)[number]);
  const rows = results
    .filter((r) => (!gpu || gpu.includes(r.gpu_model)) && (!pricing || pricing.includes(r.pricing)))
    .sort((a, b) => (a.gpu_model < b.gpu_model ? -1 : a.gpu_model > b.gpu_model ? 1 : order(a.pricing) - order(b.pricing)));
  const data = rows.map((r) => ({
    gpuModel: r.gpu_model,
    pricing: r.pricing,
    offers: r.offer_count,
    providers: r.provider_count,
    minPricePerGpuHourUsd: microToUsd(r.min_micro),
    p25PricePerGpuHourUsd: microToUsd(r.p25_micro),
    medianPricePerGpuHourUsd: microToUsd(r.median_micro),
    p75PricePerGpuHourUsd: microToUsd(r.p75_micro),
    maxPricePerGpuHourUsd: microToUsd(r.max_micro),
    availability: {
      available: r.available_count,
      limited: r.limited_count,
      availableShare: r.offer_count > 0 ? round(r.available_count / r.offer_count, 4) : 0,
      limitedShare: r.offer_count > 0 ? round(r.limited_count / r.offer_count, 4) : 0,
    },
    change24h: change(r.median_micro, r.d_at, r.d_median),
    change7d: change(r.median_micro, r.w_at, r.w_median),
  }));
  const updatedAt = results.reduce<number | null>((a, r) => Math.max(a ?? 0, r.updated_at), null);
  return c.json({ updatedAt: isoOrNull(updatedAt), data }, 200);
};

interface ProviderMarketRow {
  provider: string;
  offer_count: number;
  indexed_count: number;
  price_index: number | null;
  newest_observed_at: number;
  median_observed_at: number;
  updated_at: number;
}

const ageSeconds = (now: number, at: number | null | undefined) => (at == null ? null : Math.max(0, Math.floor((now - at) / 1000)));

export const marketProviders: RouteHandler<typeof marketProvidersRoute, AppEnv> = async (c) => {
  const db = c.var.readDb;
  const now = Date.now();
  const [market, health, uptime] = await Promise.all([
    db.prepare('SELECT * FROM provider_market').all<ProviderMarketRow>(),
    db.prepare('SELECT * FROM provider_health').all<HealthRow>(),
    providerUptime(db, now - 7 * DAY_MS),
  ]);
  const data = planProviders(c.var.config).map((plan) => {
    const adapter = plan.enabled ? plan.setup.adapter : plan.adapter;
    const m = market.results.find((r) => r.provider === adapter.id);
    const h = health.results.find((r) => r.provider === adapter.id);
    const u = uptime.get(adapter.id);
    return {
      id: adapter.id,
      name: adapter.displayName,
      enabled: plan.enabled,
      offers: m?.offer_count ?? 0,
      indexedOffers: m?.indexed_count ?? 0,
      priceIndex: m?.price_index == null ? null : round(m.price_index, 3),
      freshness: {
        newestObservedAt: isoOrNull(m?.newest_observed_at),
        newestAgeSeconds: ageSeconds(now, m?.newest_observed_at),
        medianObservedAt: isoOrNull(m?.median_observed_at),
        medianAgeSeconds: ageSeconds(now, m?.median_observed_at),
      },
      health: {
        status: providerStatus(h, now),
        lastSuccessAt: isoOrNull(h?.last_success_at),
        consecutiveFailures: h?.consecutive_failures ?? 0,
      },
      uptime7d: u ? { ...u, uptime: round(u.uptime, 4) } : null,
    };
  });
  const updatedAt = market.results.reduce<number | null>((a, r) => Math.max(a ?? 0, r.updated_at), null);
  return c.json({ updatedAt: isoOrNull(updatedAt), data }, 200);
};

/** How far back the forecast reads, and its resampling and back-test settings (see the route's description). */
const FORECAST = { lookbackMs: 14 * DAY_MS, stepMs: HOUR_MS, maxGapSteps: 3, minPoints: 24, maxTestPoints: 48 } as const;

const NOTE =
  'An estimate, not a quote: a statistical extrapolation of recent market medians that cannot foresee supply changes or ' +
  'price moves by providers. Judge it by the back-test error, and expect the truth outside the 95% interval about one hour in twenty.';

export const gpuForecast: RouteHandler<typeof gpuForecastRoute, AppEnv> = async (c) => {
  const spec = resolveOr404(c.req.valid('param').model);
  const { horizonHours = 24, pricing = 'all' } = c.req.valid('query');
  const now = Date.now();
  const { results } = await c.var.readDb
    .prepare(
      `SELECT bucket_start AS t, median_micro AS value FROM gpu_price_buckets
       WHERE gpu_model = ?1 AND pricing = ?2 AND bucket_start >= ?3 ORDER BY bucket_start`,
    )
    .bind(spec.name, pricing, now - FORECAST.lookbackMs)
    .all<{ t: number; value: number }>();
  const result = forecastSeries(results, { ...FORECAST, horizon: horizonHours });
  const { series } = result;
  const n = series.values.length;
  const usd = (micro: number) => microToUsd(Math.round(micro));
  return c.json(
    {
      model: spec.name,
      pricing,
      estimate: true as const,
      note: NOTE,
      method: 'holt-linear',
      parameters: result.ok ? result.backtest.params : null,
      history: {
        points: n,
        interpolated: series.interpolated,
        from: n > 0 ? iso(series.start) : null,
        to: n > 0 ? iso(series.start + (n - 1) * series.stepMs) : null,
        stepSeconds: series.stepMs / 1000,
      },
      backtest: result.ok
        ? {
            method: 'rolling-origin one-step-ahead on held-out hours',
            trainPoints: result.backtest.trainPoints,
            points: result.backtest.testPoints,
            maeUsd: usd(result.backtest.mae),
            rmseUsd: usd(result.backtest.rmse),
            mapePercent: round(result.backtest.mape, 2),
            naiveMaeUsd: usd(result.backtest.naiveMae),
          }
        : null,
      forecast: result.ok
        ? result.points.map((p) => ({
            t: iso(p.t),
            pricePerGpuHourUsd: usd(p.value),
            lower80Usd: usd(p.lower80),
            upper80Usd: usd(p.upper80),
            lower95Usd: usd(p.lower95),
            upper95Usd: usd(p.upper95),
          }))
        : [],
      reason: result.ok ? null : result.reason,
    },
    200,
  );
};
