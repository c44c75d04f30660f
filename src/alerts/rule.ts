// An alert's rule: which offers it watches. Validated and normalised here (GPU aliases resolved,
// lists de-duplicated, money to micro-dollars) into the columns the matcher's SQL reads, and shown
// back in API units. Pure.
import { z } from '@hono/zod-openapi';
import { resolveGpuModel } from '../catalog/gpus';
import { PRICING_TYPES, type Pricing } from '../catalog/offer';
import { microToUsd, usdToMicro } from '../money';

export const MIN_AVAILABILITY = ['available', 'limited'] as const;

export const RuleSchema = z
  .object({
    gpu: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .transform((raw, ctx) => {
        const model = resolveGpuModel(raw);
        if (!model) {
          ctx.addIssue({ code: 'custom', message: `unknown GPU "${raw}"; see GET /v1/gpus for names and aliases` });
          return z.NEVER;
        }
        return model.name;
      })
      .openapi({ description: 'GPU model: canonical name or any alias (`H100`, `a100 80gb`).', example: 'H100' }),
    minGpuCount: z.number().int().min(1).max(1024).optional().openapi({ description: 'At least this many GPUs per instance (default 1).', example: 8 }),
    maxGpuCount: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .optional()
      .openapi({ description: 'At most this many GPUs per instance. For an exact count set both to the same number.', example: 8 }),
    maxPricePerGpuHour: z.number().positive().max(10_000).openapi({ description: 'Fire for offers at or under this price per GPU-hour, USD.', example: 2.5 }),
    pricing: z
      .array(z.enum(PRICING_TYPES))
      .min(1)
      .max(3)
      .transform((items) => [...new Set(items)])
      .optional()
      .openapi({ description: 'Pricing types to watch (default all).', example: ['on_demand'] }),
    region: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a region prefix: letters, digits, dot, dash or underscore, at most 64')
      .optional()
      .openapi({ description: 'Region prefix, case-insensitive (`eu-`, `us-east`).', example: 'eu-' }),
    countries: z
      .array(z.string().regex(/^[A-Za-z]{2}$/, 'ISO 3166-1 alpha-2, e.g. DE'))
      .min(1)
      .max(50)
      .transform((items) => [...new Set(items.map((c) => c.toUpperCase()))])
      .optional()
      .openapi({ description: 'Countries (ISO 3166-1 alpha-2); offers without a known country never match.', example: ['DE', 'FR'] }),
    minAvailability: z
      .enum(MIN_AVAILABILITY)
      .optional()
      .openapi({ description: '`limited` (default): available or limited offers; `available`: available only.' }),
  })
  .strict()
  .refine((r) => r.minGpuCount === undefined || r.maxGpuCount === undefined || r.minGpuCount <= r.maxGpuCount, {
    message: 'must be at least minGpuCount',
    path: ['maxGpuCount'],
  });

export type RuleInput = z.output<typeof RuleSchema>;

/** The rule as stored: the columns of `alerts` the matcher reads. */
export interface RuleColumns {
  gpu_model: string;
  min_gpu_count: number;
  max_gpu_count: number | null;
  max_price_per_gpu_hour_micro: number;
  pricing: string | null;
  region_prefix: string | null;
  countries: string | null;
  min_availability: (typeof MIN_AVAILABILITY)[number];
}

/** `,a,b,`: commas around every item, so SQL tests membership with instr(list, ',' || x || ','). */
const commaList = (items: readonly string[] | undefined) => (items && items.length > 0 ? `,${items.join(',')},` : null);
const fromCommaList = (text: string | null) => (text === null ? null : text.split(',').filter(Boolean));

export function ruleColumns(rule: RuleInput): RuleColumns {
  return {
    gpu_model: rule.gpu,
    min_gpu_count: rule.minGpuCount ?? 1,
    max_gpu_count: rule.maxGpuCount ?? null,
    max_price_per_gpu_hour_micro: usdToMicro(rule.maxPricePerGpuHour),
    // All three pricing types is the same as no filter.
    pricing: rule.pricing && rule.pricing.length < PRICING_TYPES.length ? commaList([...rule.pricing].sort()) : null,
    region_prefix: rule.region ? rule.region.toLowerCase() : null,
    countries: commaList(rule.countries ? [...rule.countries].sort() : undefined),
    min_availability: rule.minAvailability ?? 'limited',
  };
}

export function toApiRule(row: RuleColumns) {
  return {
    gpuModel: row.gpu_model,
    minGpuCount: row.min_gpu_count,
    maxGpuCount: row.max_gpu_count,
    maxPricePerGpuHourUsd: microToUsd(row.max_price_per_gpu_hour_micro),
    pricing: (fromCommaList(row.pricing) as Pricing[] | null) ?? [...PRICING_TYPES],
    region: row.region_prefix,
    countries: fromCommaList(row.countries),
    minAvailability: row.min_availability,
  };
}

export type ApiRule = ReturnType<typeof toApiRule>;

export const ApiRuleSchema = z
  .object({
    gpuModel: z.string().openapi({ example: 'H100-80GB' }),
    minGpuCount: z.number().int(),
    maxGpuCount: z.number().int().nullable(),
    maxPricePerGpuHourUsd: z.number(),
    pricing: z.array(z.enum(PRICING_TYPES)),
    region: z.string().nullable().openapi({ description: 'Lower-cased region prefix; null: any.' }),
    countries: z.array(z.string()).nullable(),
    minAvailability: z.enum(MIN_AVAILABILITY),
  })
  .openapi('AlertRule');

/**
 * The SQL condition under which offer `o` matches alert `a`: the one definition of a match, used
 * both to find new matches and to clear matches that no longer hold. An unavailable offer never
 * matches, so a stale or vanished offer clears its matches.
 */
export const MATCH_SQL = `o.gpu_model = a.gpu_model
  AND o.price_per_gpu_hour_micro <= a.max_price_per_gpu_hour_micro
  AND o.gpu_count >= a.min_gpu_count
  AND (a.max_gpu_count IS NULL OR o.gpu_count <= a.max_gpu_count)
  AND (o.availability = 'available' OR (o.availability = 'limited' AND a.min_availability = 'limited'))
  AND (a.pricing IS NULL OR instr(a.pricing, ',' || o.pricing || ',') > 0)
  AND (a.region_prefix IS NULL OR lower(substr(o.region, 1, length(a.region_prefix))) = a.region_prefix)
  AND (a.countries IS NULL OR (o.country IS NOT NULL AND instr(a.countries, ',' || o.country || ',') > 0))`;
