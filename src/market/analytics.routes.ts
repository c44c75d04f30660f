// Route declarations of the market analytics endpoints: market summary, provider analytics, forecast.
import { createRoute, z } from '@hono/zod-openapi';
import { PRICING_TYPES } from '../catalog/offer';
import { problemResponses } from '../http/openapi';
import { gpuModelList, integer, list } from './offers.schemas';

export const SUMMARY_PRICINGS = ['all', ...PRICING_TYPES] as const;

const ChangeSchema = z
  .object({
    at: z.string().openapi({ format: 'date-time', description: 'The 5-minute history bucket compared with.' }),
    fromMedianPricePerGpuHourUsd: z.number(),
    absoluteUsd: z.number().openapi({ description: 'Median now − median then, USD per GPU-hour.' }),
    percent: z.number().openapi({ description: 'That change as a percentage of the median then, to 0.01.' }),
  })
  .openapi('MedianChange');

const MarketSummaryRowSchema = z
  .object({
    gpuModel: z.string().openapi({ example: 'H100-80GB' }),
    pricing: z.enum(SUMMARY_PRICINGS).openapi({ description: '`all` folds every pricing type.' }),
    offers: z.number().int().openapi({ description: 'Listed (available or limited) offers.' }),
    providers: z.number().int(),
    minPricePerGpuHourUsd: z.number(),
    p25PricePerGpuHourUsd: z.number(),
    medianPricePerGpuHourUsd: z.number(),
    p75PricePerGpuHourUsd: z.number(),
    maxPricePerGpuHourUsd: z.number(),
    availability: z.object({
      available: z.number().int(),
      limited: z.number().int(),
      availableShare: z.number().openapi({ description: 'available / offers, 0–1, to 0.0001.' }),
      limitedShare: z.number().openapi({ description: 'limited / offers, 0–1, to 0.0001.' }),
    }),
    change24h: ChangeSchema.nullable().openapi({ description: 'Against the median 24 h earlier; null when there is no history then.' }),
    change7d: ChangeSchema.nullable().openapi({ description: 'Against the median 7 days earlier; null when there is no history then.' }),
  })
  .openapi('MarketSummaryRow');

export const marketSummaryRoute = createRoute({
  method: 'get',
  path: '/v1/market/summary',
  tags: ['Market'],
  summary: 'Price distribution per GPU model and pricing type, with 24 h and 7 d change',
  description:
    'Computed by each ingestion over the listed offers: quartiles use linear interpolation between the closest ranks ' +
    '(the median of an even count is the mean of the middle two). A change compares the current median with the ' +
    'latest 5-minute history bucket at or before the same time 24 h (7 d) earlier, if that bucket is at most 1 h (7 h) older.',
  request: {
    query: z
      .object({
        gpu: gpuModelList.optional().openapi({ description: 'GPU models, canonical name or alias, comma-separated.', example: 'H100-80GB' }),
        pricing: list(4)
          .refine((items) => items.every((p) => (SUMMARY_PRICINGS as readonly string[]).includes(p)), `one of ${SUMMARY_PRICINGS.join(', ')}`)
          .transform((items) => [...new Set(items)] as (typeof SUMMARY_PRICINGS)[number][])
          .optional()
          .openapi({ description: `Pricing types, comma-separated: ${SUMMARY_PRICINGS.join(', ')} (default every one).` }),
      })
      .strict(),
  },
  responses: {
    200: {
      description: 'One row per GPU model and pricing type with listed offers',
      content: {
        'application/json': {
          schema: z.object({
            updatedAt: z.string().nullable().openapi({ format: 'date-time', description: 'When the last ingestion computed this.' }),
            data: z.array(MarketSummaryRowSchema),
          }),
        },
      },
    },
    ...problemResponses(400),
  },
});

const ProviderAnalyticsSchema = z
  .object({
    id: z.string().openapi({ example: 'runpod' }),
    name: z.string(),
    enabled: z.boolean(),
    offers: z.number().int().openapi({ description: 'Listed (available or limited) offers.' }),
    indexedOffers: z.number().int().openapi({ description: 'Listed offers of a known GPU model: the ones the price index compares.' }),
    priceIndex: z.number().nullable().openapi({
      description:
        'Median over its listed offers of price per GPU-hour / market median of the same GPU model and pricing type, ' +
        'to 0.001: 1 = the market, 0.9 = 10 % cheaper. null without offers of a known GPU model.',
      example: 0.94,
    }),
    freshness: z.object({
      newestObservedAt: z.string().nullable().openapi({ format: 'date-time' }),
      newestAgeSeconds: z.number().int().nullable(),
      medianObservedAt: z.string().nullable().openapi({ format: 'date-time', description: 'Median observedAt of its listed offers.' }),
      medianAgeSeconds: z.number().int().nullable(),
    }),
    health: z.object({
      status: z.enum(['healthy', 'degraded', 'down', 'unknown']).openapi({ description: 'As in GET /v1/providers.' }),
      lastSuccessAt: z.string().nullable(),
      consecutiveFailures: z.number().int(),
    }),
    uptime7d: z
      .object({
        uptime: z.number().openapi({ description: 'Share of ingestion passes whose pull succeeded, 0–1, to 0.0001; circuit-open skips count as down.' }),
        pulls: z.number().int().openapi({ description: 'Pulls attempted.' }),
        failures: z.number().int(),
        skipped: z.number().int().openapi({ description: 'Passes skipped while the circuit breaker was open.' }),
        avgLatencyMs: z.number().int().nullable().openapi({ description: 'Mean duration of the successful pulls.' }),
      })
      .nullable()
      .openapi({ description: 'Over the last 7 days (by the hour) of ingestion passes; null when none pulled this provider.' }),
  })
  .openapi('ProviderAnalytics');

export const marketProvidersRoute = createRoute({
  method: 'get',
  path: '/v1/market/providers',
  tags: ['Market'],
  summary: 'Per provider: offers, price index against the market median, freshness, health and 7-day uptime',
  responses: {
    200: {
      description: 'Every provider adapter',
      content: {
        'application/json': {
          schema: z.object({
            updatedAt: z.string().nullable().openapi({ format: 'date-time', description: 'When the last ingestion computed offers, index and freshness.' }),
            data: z.array(ProviderAnalyticsSchema),
          }),
        },
      },
    },
  },
});

const ForecastPointSchema = z
  .object({
    t: z.string().openapi({ format: 'date-time', description: 'Start of the forecast hour.' }),
    pricePerGpuHourUsd: z.number().openapi({ description: 'Forecast median price per GPU-hour.' }),
    lower80Usd: z.number(),
    upper80Usd: z.number(),
    lower95Usd: z.number(),
    upper95Usd: z.number(),
  })
  .openapi('ForecastPoint');

export const gpuForecastRoute = createRoute({
  method: 'get',
  path: '/v1/gpus/{model}/forecast',
  tags: ['Market'],
  summary: 'Short-horizon forecast of the median price per GPU-hour (an estimate)',
  description:
    "Holt's linear trend exponential smoothing on the hourly market median (the median of the 5-minute medians in each hour, " +
    'up to 14 days back; gaps up to 3 h are interpolated, a longer gap starts the history afresh). α and β* are chosen on a ' +
    'grid by least squared one-step error on all but the last third of the history (at most 48 h); the back-test then ' +
    'forecasts each of those held-out hours one step ahead from the hours before it. Prediction intervals are normal, with ' +
    'the back-test RMSE as one-step σ and the ETS(A,A,N) variance for longer horizons. With fewer than 24 hourly points the ' +
    'answer is still 200, with `forecast: []` and a `reason`. Reference: Hyndman & Athanasopoulos, Forecasting: Principles ' +
    'and Practice, 3rd ed., §5.10, §8.2, §8.6, §8.7.',
  request: {
    params: z.object({
      model: z.string().min(1).max(100).openapi({ param: { name: 'model', in: 'path' }, example: 'H100-80GB', description: 'Canonical name or alias.' }),
    }),
    query: z
      .object({
        horizonHours: integer(1, 48).optional().openapi({ description: 'Hours to forecast, 1–48 (default 24).', example: '12' }),
        pricing: z.enum(SUMMARY_PRICINGS).optional().openapi({ description: 'Pricing type (default all).' }),
      })
      .strict(),
  },
  responses: {
    200: {
      description: 'The forecast, or an empty one with the reason',
      content: {
        'application/json': {
          schema: z
            .object({
              model: z.string(),
              pricing: z.enum(SUMMARY_PRICINGS),
              estimate: z.literal(true),
              note: z.string(),
              method: z.string().openapi({ example: 'holt-linear' }),
              parameters: z.object({ alpha: z.number(), beta: z.number() }).nullable().openapi({ description: 'Level (α) and trend (β*) smoothing; null without a forecast.' }),
              history: z.object({
                points: z.number().int().openapi({ description: 'Hourly points used (after the last long gap).' }),
                interpolated: z.number().int(),
                from: z.string().nullable(),
                to: z.string().nullable(),
                stepSeconds: z.number().int(),
              }),
              backtest: z
                .object({
                  method: z.string(),
                  trainPoints: z.number().int(),
                  points: z.number().int().openapi({ description: 'Held-out hours forecast one step ahead.' }),
                  maeUsd: z.number(),
                  rmseUsd: z.number(),
                  mapePercent: z.number(),
                  naiveMaeUsd: z.number().openapi({ description: 'MAE of "next hour = this hour" on the same hours, for comparison.' }),
                })
                .nullable(),
              forecast: z.array(ForecastPointSchema),
              reason: z.string().nullable().openapi({ description: 'Why `forecast` is empty.' }),
            })
            .openapi('Forecast'),
        },
      },
    },
    ...problemResponses(400, 404),
  },
});
