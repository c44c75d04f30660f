// Request and response schemas of the offer endpoints: they validate input and generate OpenAPI.
import { z } from '@hono/zod-openapi';
import { resolveGpuModel } from '../catalog/gpus';
import { AVAILABILITY, OFFER_SOURCES, PRICING_TYPES, UNKNOWN_GPU } from '../catalog/offer';
import { ADAPTERS } from '../providers/registry';

export const SORTS = ['price', 'pricePerGpuHour', 'vram', 'gpuCount', 'observedAt'] as const;
export type SortKey = (typeof SORTS)[number];

/** A comma-separated query list, trimmed, empty items dropped, at most `max` items. */
export const list = (max: number) =>
  z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((items) => items.length > 0, 'must name at least one value')
    .refine((items) => items.length <= max, `at most ${max} values`);

export const number = (min: number, exclusiveMin = false) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .refine((n) => (exclusiveMin ? n > min : n >= min), exclusiveMin ? `must be greater than ${min}` : `must be at least ${min}`);

export const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const PROVIDER_IDS = ADAPTERS.map((a) => a.id);

/** A comma list of GPU models (canonical names or aliases, or `unknown`) resolved to canonical names. */
export const gpuModelList = list(20).transform((items, ctx) => {
  const models: string[] = [];
  for (const item of items) {
    const model = item.toLowerCase() === UNKNOWN_GPU ? UNKNOWN_GPU : resolveGpuModel(item)?.name;
    if (!model) {
      ctx.addIssue({ code: 'custom', message: `unknown GPU "${item}"; see GET /v1/gpus for names` });
      return z.NEVER;
    }
    if (!models.includes(model)) models.push(model);
  }
  return models;
});

export const OfferQuerySchema = z
  .object({
    gpu: gpuModelList
      .optional()
      .openapi({ description: 'GPU models, canonical name or alias, comma-separated.', example: 'H100-80GB,A100-80GB' }),
    minGpuCount: integer(1, 1024).optional().openapi({ description: 'Minimum GPUs per instance.', example: '2' }),
    maxGpuCount: integer(1, 1024).optional().openapi({ description: 'Maximum GPUs per instance.' }),
    minVramGb: number(0).optional().openapi({ description: 'Minimum VRAM per GPU, GB.' }),
    minTotalVramGb: number(0).optional().openapi({ description: 'Minimum VRAM across all GPUs of the instance, GB.' }),
    maxPricePerHour: number(0, true).optional().openapi({ description: 'Maximum whole-instance price, USD per hour.' }),
    maxPricePerGpuHour: number(0, true).optional().openapi({ description: 'Maximum price per GPU-hour, USD.', example: '3' }),
    provider: list(20)
      .refine((items) => items.every((p) => PROVIDER_IDS.includes(p.toLowerCase())), `unknown provider; one of ${PROVIDER_IDS.join(', ')}`)
      .transform((items) => [...new Set(items.map((p) => p.toLowerCase()))])
      .optional()
      .openapi({ description: `Providers, comma-separated: ${PROVIDER_IDS.join(', ')}.` }),
    region: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9 ,._-]{1,64}$/, 'letters, digits, space, comma, dot, dash or underscore, at most 64')
      .optional()
      .openapi({ description: 'Region prefix, case-insensitive (e.g. `eu-` or `us-east`).' }),
    country: list(50)
      .refine((items) => items.every((c) => /^[A-Za-z]{2}$/.test(c)), 'ISO 3166-1 alpha-2 codes, e.g. US,DE')
      .transform((items) => [...new Set(items.map((c) => c.toUpperCase()))])
      .optional()
      .openapi({ description: 'Countries (ISO 3166-1 alpha-2), comma-separated.' }),
    pricing: list(3)
      .refine((items) => items.every((p) => (PRICING_TYPES as readonly string[]).includes(p)), `one of ${PRICING_TYPES.join(', ')}`)
      .transform((items) => [...new Set(items)] as (typeof PRICING_TYPES)[number][])
      .optional()
      .openapi({ description: 'Pricing types, comma-separated: on_demand, spot, interruptible.' }),
    availableOnly: z
      .enum(['true', 'false', '1', '0'])
      .transform((v) => v === 'true' || v === '1')
      .optional()
      .openapi({ description: 'Leave out offers that are unavailable (default true).' }),
    maxAgeSeconds: integer(1, 30 * 86_400).optional().openapi({ description: 'Only offers observed within this many seconds.' }),
    sort: z.enum(SORTS).optional().openapi({ description: 'Sort key (default pricePerGpuHour).' }),
    order: z.enum(['asc', 'desc']).optional().openapi({ description: 'Sort order (default asc; desc for observedAt).' }),
    limit: integer(1, 200).optional().openapi({ description: 'Page size, 1–200 (default 50).' }),
    cursor: z.string().max(1024).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.minGpuCount !== undefined && q.maxGpuCount !== undefined && q.minGpuCount > q.maxGpuCount) {
      ctx.addIssue({ code: 'custom', path: ['maxGpuCount'], message: 'must be at least minGpuCount' });
    }
  });

export type OfferQuery = z.output<typeof OfferQuerySchema>;

export const OfferSchema = z
  .object({
    id: z.string().openapi({ example: 'ofr_1x2y3z4w5v6u7' }),
    provider: z.string().openapi({ example: 'runpod' }),
    externalId: z.string(),
    gpuModel: z.string().openapi({ example: 'H100-80GB', description: `Canonical GPU model, or "${UNKNOWN_GPU}".` }),
    rawGpuName: z.string().openapi({ example: 'NVIDIA H100 80GB HBM3', description: 'The GPU name as the provider wrote it.' }),
    gpuCount: z.number().int(),
    vramGbPerGpu: z.number(),
    totalVramGb: z.number(),
    vcpus: z.number().nullable(),
    ramGb: z.number().nullable(),
    storageGb: z.number().nullable(),
    pricePerHourUsd: z.number().openapi({ description: 'Whole-instance price, USD per hour.' }),
    pricePerGpuHourUsd: z.number(),
    pricePerFp16TflopHourUsd: z.number().nullable().openapi({
      description: 'Value: whole-instance price / (dense FP16 TFLOPS of the GPU model × GPU count), USD per TFLOP-hour, to the micro-dollar; null for an unknown GPU.',
    }),
    pricePerVramGbHourUsd: z.number().nullable().openapi({
      description: 'Value: whole-instance price / total VRAM, USD per GB-hour, to the micro-dollar; null for an unknown GPU.',
    }),
    pricing: z.enum(PRICING_TYPES),
    region: z.string(),
    country: z.string().nullable(),
    availability: z.enum(AVAILABILITY),
    interconnect: z.string().nullable(),
    source: z.enum(OFFER_SOURCES).openapi({ description: '`live` from a provider API, `sim` from the simulator.' }),
    observedAt: z.string().openapi({ format: 'date-time', description: 'When the provider last reported this price.' }),
    ageSeconds: z.number().int().openapi({ description: 'Seconds since observedAt, at response time.' }),
    firstSeenAt: z.string().openapi({ format: 'date-time' }),
    changedAt: z.string().openapi({ format: 'date-time', description: 'Last change of price or availability.' }),
  })
  .openapi('Offer');

export const OfferPageSchema = z
  .object({
    data: z.array(OfferSchema),
    nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .openapi('OfferPage');

export const OfferIdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^ofr_[0-9a-z]{13}$/, 'an offer id looks like ofr_ followed by 13 characters')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'ofr_1x2y3z4w5v6u7' }),
});
