// Route declarations of the GPU catalog endpoints: specs with market summaries, and price history.
import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../http/openapi';

const PriceStatsSchema = z
  .object({
    offers: z.number().int(),
    providers: z.number().int(),
    minPricePerGpuHourUsd: z.number(),
    medianPricePerGpuHourUsd: z.number(),
    maxPricePerGpuHourUsd: z.number(),
  })
  .openapi('PriceStats');

export const GpuSchema = z
  .object({
    name: z.string().openapi({ example: 'H100-80GB' }),
    vendor: z.string(),
    architecture: z.string(),
    vramGb: z.number(),
    memoryBandwidthGbps: z.number(),
    fp16Tflops: z.number().openapi({ description: 'Dense FP16 tensor TFLOPS.' }),
    bf16Tflops: z.number().openapi({ description: 'Dense BF16 tensor TFLOPS (0: not supported).' }),
    formFactor: z.string(),
    aliases: z.array(z.string()),
    market: z
      .object({
        offers: z.number().int().openapi({ description: 'Listed (not unavailable) offers.' }),
        providers: z.number().int(),
        minPricePerGpuHourUsd: z.number().nullable(),
        medianPricePerGpuHourUsd: z.number().nullable(),
        maxPricePerGpuHourUsd: z.number().nullable(),
        byPricing: z.record(z.string(), PriceStatsSchema),
        updatedAt: z.string().nullable().openapi({ format: 'date-time', description: 'When the last ingestion computed this.' }),
      })
      .openapi({ description: 'The current market for this model, all providers.' }),
  })
  .openapi('Gpu');

const ModelParamsSchema = z.object({
  model: z.string().min(1).max(100).openapi({ param: { name: 'model', in: 'path' }, example: 'H100-80GB', description: 'Canonical name or alias.' }),
});

export const listGpusRoute = createRoute({
  method: 'get',
  path: '/v1/gpus',
  tags: ['Market'],
  summary: 'GPU models with specs and market summary',
  request: {
    query: z
      .object({
        listedOnly: z
          .enum(['true', 'false'])
          .optional()
          .openapi({ description: 'Only models with at least one listed offer (default false).' }),
      })
      .strict(),
  },
  responses: {
    200: { description: 'Every canonical GPU model', content: { 'application/json': { schema: z.object({ data: z.array(GpuSchema) }) } } },
    ...problemResponses(400),
  },
});

export const getGpuRoute = createRoute({
  method: 'get',
  path: '/v1/gpus/{model}',
  tags: ['Market'],
  summary: 'One GPU model with specs and market summary',
  request: { params: ModelParamsSchema },
  responses: {
    200: { description: 'The model', content: { 'application/json': { schema: GpuSchema } } },
    ...problemResponses(404),
  },
});

export const HISTORY_WINDOWS = { '24h': { spanMs: 86_400_000, bucketMs: 900_000 }, '7d': { spanMs: 7 * 86_400_000, bucketMs: 7_200_000 }, '30d': { spanMs: 30 * 86_400_000, bucketMs: 21_600_000 } } as const;

const HistoryPointSchema = z
  .object({
    t: z.string().openapi({ format: 'date-time', description: 'Bucket start.' }),
    minPricePerGpuHourUsd: z.number(),
    medianPricePerGpuHourUsd: z.number(),
    maxPricePerGpuHourUsd: z.number(),
    offers: z.number().int().openapi({ description: 'Listed offers at the latest pull in the bucket.' }),
  })
  .openapi('HistoryPoint');

export const gpuHistoryRoute = createRoute({
  method: 'get',
  path: '/v1/gpus/{model}/history',
  tags: ['Market'],
  summary: 'Price history of a GPU model',
  description:
    'Bucketed price per GPU-hour across the market: 15-minute buckets for 24h, 2-hour for 7d, 6-hour for 30d. ' +
    'min and max are the extremes seen in the bucket; median is the median of the 5-minute medians in it.',
  request: {
    params: ModelParamsSchema,
    query: z
      .object({
        window: z.enum(['24h', '7d', '30d']).optional().openapi({ description: 'Time window (default 24h).' }),
        pricing: z.enum(['all', 'on_demand', 'spot', 'interruptible']).optional().openapi({ description: 'Pricing type (default all).' }),
      })
      .strict(),
  },
  responses: {
    200: {
      description: 'History points, oldest first; buckets with no data are left out',
      content: {
        'application/json': {
          schema: z.object({
            model: z.string(),
            window: z.string(),
            pricing: z.string(),
            bucketSeconds: z.number().int(),
            data: z.array(HistoryPointSchema),
          }),
        },
      },
    },
    ...problemResponses(400, 404),
  },
});
