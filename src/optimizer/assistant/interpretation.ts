// What the assistant understood, as zod schemas: `Facts` (every field a message can state, whatever
// the intent; what follow-ups merge into and what the AI fallback must produce) and the
// `Interpretation` the API answers with (the intent plus the structured part that intent needs).
import { z } from '@hono/zod-openapi';
import { getGpuModel } from '../../catalog/gpus';
import { PRICING_TYPES } from '../../catalog/offer';
import { FINETUNE_METHODS, PRECISIONS, WORKLOAD_KINDS } from '../request';
import { PROVIDER_NAMES } from './lexicon';

export const INTENTS = ['search_offers', 'recommend', 'price_trend', 'help'] as const;
export type Intent = (typeof INTENTS)[number];

export const SORT_PREFERENCES = ['cheapest', 'fastest', 'most_vram'] as const;
export const TREND_WINDOWS = ['24h', '7d', '30d'] as const;

const PROVIDER_IDS = PROVIDER_NAMES.map((p) => p.id) as [string, ...string[]];

const gpuModel = z.string().refine((name) => getGpuModel(name) !== undefined, 'a canonical GPU model name (GET /v1/gpus)');
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code');
const regionPrefix = z.string().regex(/^[a-z]{2}-[a-z0-9-]{2,29}$/, 'a region prefix such as eu-west or us-east-1');
const usd = z.number().positive().max(1_000_000);
const count = z.number().int().min(1).max(1024);

/** Every field a message can state. Money in decimal USD (the user's words); converted at the edges. */
export const FactsObject = z
  .object({
    gpuModels: z.array(gpuModel).min(1).max(20).optional(),
    minGpuCount: count.optional(),
    maxGpuCount: count.optional(),
    minVramGb: z.number().positive().max(4096).optional(),
    maxPricePerHour: usd.optional(),
    maxPricePerGpuHour: usd.optional(),
    budgetUsd: usd.optional(),
    hours: z.number().positive().max(87_600).optional(),
    countries: z.array(country).min(1).max(60).optional(),
    regions: z.array(regionPrefix).min(1).max(5).optional(),
    /** How the user named the place ("Europe"), for replies. */
    places: z.array(z.string().min(1).max(40)).min(1).max(10).optional(),
    providers: z.array(z.enum(PROVIDER_IDS)).min(1).max(10).optional(),
    excludeProviders: z.array(z.enum(PROVIDER_IDS)).min(1).max(10).optional(),
    /** Pricing types as said ("spot"); search widens spot to interruptible and back (same kind of offer). */
    pricing: z.array(z.enum(PRICING_TYPES)).min(1).max(3).optional(),
    sort: z.enum(SORT_PREFERENCES).optional(),
    limit: z.number().int().min(1).max(20).optional(),
    kind: z.enum(WORKLOAD_KINDS).optional(),
    modelName: z.string().min(1).max(60).optional(),
    modelParamsB: z.number().positive().max(10_000).optional(),
    precision: z.enum(PRECISIONS).optional(),
    finetuneMethod: z.enum(FINETUNE_METHODS).optional(),
    contextTokens: z.number().int().positive().max(10_000_000).optional(),
    batchSize: z.number().int().min(1).max(65_536).optional(),
    tokensPerSecond: z.number().positive().max(10_000_000).optional(),
    datasetTokens: z.number().positive().max(1e15).optional(),
    epochs: z.number().positive().max(1000).optional(),
    minTflops: z.number().positive().max(1_000_000).optional(),
    window: z.enum(TREND_WINDOWS).optional(),
    forecast: z.boolean().optional(),
  })
  .strict();
export const FactsSchema = FactsObject.superRefine((f, ctx) => {
  if (f.minGpuCount !== undefined && f.maxGpuCount !== undefined && f.minGpuCount > f.maxGpuCount) {
    ctx.addIssue({ code: 'custom', path: ['maxGpuCount'], message: 'must be at least minGpuCount' });
  }
});
export type Facts = z.output<typeof FactsSchema>;

/** The `/v1/offers` search a `search_offers` interpretation runs (field names as in that endpoint's filters). */
export const OfferFiltersSchema = z
  .object({
    gpuModels: z.array(z.string()).optional(),
    minGpuCount: z.number().int().optional(),
    maxGpuCount: z.number().int().optional(),
    minVramGb: z.number().optional(),
    maxPricePerHour: z.number().optional().openapi({ description: 'Whole instance, USD per hour.' }),
    maxPricePerGpuHour: z.number().optional(),
    countries: z.array(z.string()).optional(),
    regions: z.array(z.string()).optional().openapi({ description: 'Region prefixes; an offer in any of them matches.' }),
    providers: z.array(z.string()).optional(),
    excludeProviders: z.array(z.string()).optional(),
    pricing: z.array(z.enum(PRICING_TYPES)).optional(),
    sort: z.enum(SORT_PREFERENCES).optional(),
    limit: z.number().int().optional(),
  })
  .strict()
  .openapi('AssistantOfferFilters');
export type OfferFilters = z.output<typeof OfferFiltersSchema>;

/** A price-trend question: which models, which pricing, over what window, and whether it asked about the future. */
export const TrendQuerySchema = z
  .object({
    gpuModels: z.array(z.string()).optional().openapi({ description: 'Absent: the most-listed models.' }),
    pricing: z.enum(['all', ...PRICING_TYPES]),
    window: z.enum(TREND_WINDOWS),
    forecast: z.boolean().openapi({ description: 'The question asked where prices are going ("will prices drop?").' }),
  })
  .strict()
  .openapi('AssistantTrendQuery');
export type TrendQuery = z.output<typeof TrendQuerySchema>;
