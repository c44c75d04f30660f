// The recommendation request: one zod schema validates the HTTP body, documents it in OpenAPI, and is
// what other code (the assistant) parses its own requests with before calling `recommend()`.
import { z } from '@hono/zod-openapi';
import { resolveGpuModel } from '../catalog/gpus';
import { ADAPTERS } from '../providers/registry';

export const WORKLOAD_KINDS = ['llm_inference', 'llm_finetune', 'training', 'image_generation', 'batch'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export const PRECISIONS = ['fp32', 'bf16', 'fp16', 'int8', 'int4'] as const;
export type Precision = (typeof PRECISIONS)[number];

export const FINETUNE_METHODS = ['full', 'lora', 'qlora'] as const;
export type FinetuneMethod = (typeof FINETUNE_METHODS)[number];

export const CRITERIA = ['cost', 'time', 'freshness', 'availability', 'reliability', 'interruption'] as const;
export type Criterion = (typeof CRITERIA)[number];
export type Weights = Record<Criterion, number>;

/**
 * Default criterion weights (sum 1). Total job cost leads, as it is what a job is bought on; time to
 * finish next, since a cheaper GPU that takes twice as long is often not cheaper to the user; then
 * provider reliability and interruption risk (each a cause of a failed or restarted job); availability
 * (`limited` offers fail to provision more often) and price freshness (an old price may be gone) last.
 */
export const DEFAULT_WEIGHTS: Readonly<Weights> = {
  cost: 0.4,
  time: 0.2,
  reliability: 0.15,
  interruption: 0.1,
  availability: 0.1,
  freshness: 0.05,
};

/** Largest total GPU memory one instance can have (8 × MI325X = 2,048 GB; B300 nodes 2,304 GB), with room. */
export const MAX_INSTANCE_VRAM_GB = 4096;
export const MAX_GPU_COUNT = 64;

const PROVIDER_IDS = ADAPTERS.map((a) => a.id);

const positive = (max: number, description: string) =>
  z.number().positive('must be greater than 0').max(max, `must be at most ${max}`).openapi({ description });
const count = (max: number, description: string) =>
  z.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`).openapi({ description });

const weight = z.number().min(0, 'must not be negative').max(1_000, 'must be at most 1000');

export const WeightsSchema = z
  .object({
    cost: weight.optional(),
    time: weight.optional(),
    freshness: weight.optional(),
    availability: weight.optional(),
    reliability: weight.optional(),
    interruption: weight.optional(),
  })
  .strict()
  .refine((w) => Object.values(w).some((v) => v !== undefined && v > 0), 'at least one weight must be greater than 0')
  .transform((w): Weights => {
    // Criteria left out weigh nothing: {cost: 1} ranks on cost alone.
    const total = CRITERIA.reduce((sum, c) => sum + (w[c] ?? 0), 0);
    return Object.fromEntries(CRITERIA.map((c) => [c, (w[c] ?? 0) / total])) as Weights;
  })
  .openapi({
    description:
      'Relative importance of each criterion, any non-negative numbers (not all 0); normalised to sum 1. Criteria left out weigh 0. ' +
      `Default: ${CRITERIA.map((c) => `${c} ${DEFAULT_WEIGHTS[c]}`).join(', ')}.`,
    example: { cost: 3, time: 1, reliability: 1 },
  });

const gpuModels = z
  .array(z.string().trim().min(1).max(100))
  .min(1, 'must name at least one GPU')
  .max(20, 'at most 20 GPU models')
  .transform((items, ctx) => {
    const models: string[] = [];
    items.forEach((item, i) => {
      const model = resolveGpuModel(item)?.name;
      if (!model) ctx.addIssue({ code: 'custom', path: [i], message: `unknown GPU "${item}"; see GET /v1/gpus for names` });
      else if (!models.includes(model)) models.push(model);
    });
    return models;
  })
  .openapi({ description: 'Only these GPU models (canonical names or aliases).', example: ['H100', 'A100 80GB'] });

const providerList = (description: string) =>
  z
    .array(z.string().trim().toLowerCase())
    .min(1, 'must name at least one provider')
    .max(20)
    .refine((items) => items.every((p) => PROVIDER_IDS.includes(p)), `unknown provider; one of ${PROVIDER_IDS.join(', ')}`)
    .transform((items) => [...new Set(items)])
    .openapi({ description: `${description} One of ${PROVIDER_IDS.join(', ')}.` });

export const RecommendationRequestSchema = z
  .object({
    // Raw needs.
    gpuMemoryGb: positive(MAX_INSTANCE_VRAM_GB, 'Raw needs: total GPU memory the job needs across all GPUs of one instance, GB.').optional(),
    gpuCount: count(MAX_GPU_COUNT, 'At least this many GPUs in the instance.').optional(),
    minTflops: positive(100_000, 'Dense FP16 tensor TFLOPS each GPU must have at least (registry figure, per GPU, not the total).').optional(),
    hours: positive(8760, 'How long the job runs, hours, the same on every offer (default 1). With datasetTokens the run time is instead computed per offer, and hours is a deadline: offers that would take longer are left out.').optional(),

    // A described job.
    kind: z.enum(WORKLOAD_KINDS).optional().openapi({ description: 'A described job; the workload model turns it into needs. `batch` is offline LLM batch inference.' }),
    modelParamsB: positive(10_000, 'Model parameters, billions (required for every kind but image_generation, which assumes 3.5, an SDXL-class pipeline).').optional(),
    precision: z.enum(PRECISIONS).optional().openapi({ description: 'Weight precision (default bf16; int4 for qlora; fp16 for image_generation). int8/int4 are weight-only quantization.' }),
    finetuneMethod: z.enum(FINETUNE_METHODS).optional().openapi({ description: 'llm_finetune only (default lora).' }),
    contextTokens: count(1_048_576, 'Tokens per sequence (prompt + output for inference; default 4096 for inference, 2048 for training).').optional(),
    batchSize: count(4096, 'Concurrent sequences (inference; default 1, batch 32) or micro-batch per GPU (training; default 4).').optional(),
    tokensPerSecond: positive(10_000_000, 'llm_inference: aggregate output tokens per second the instance must sustain.').optional(),
    datasetTokens: positive(1e15, 'Tokens to process: training/fine-tuning tokens per epoch, or tokens to generate for llm_inference/batch.').optional(),
    epochs: positive(1_000, 'Passes over datasetTokens (default 1).').optional(),
    checkpointIntervalHours: positive(168, 'Hours between checkpoints, for the work an interruption loses (default 1).').optional(),

    // Where and what to buy.
    gpuModels: gpuModels.optional(),
    budgetUsd: positive(1e9, 'Hard cap on the total job cost (compute + expected preemption), USD.').optional(),
    maxPricePerGpuHour: positive(10_000, 'Hard cap on the price per GPU-hour, USD.').optional(),
    interruptible: z.boolean().optional().openapi({ description: 'Allow spot / interruptible offers (default false).' }),
    regions: z
      .array(z.string().trim().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a region prefix: letters, digits, dot, dash or underscore'))
      .min(1)
      .max(20)
      .optional()
      .openapi({ description: 'Region prefixes, case-insensitive (e.g. `eu-`, `us-east`); any matches.' }),
    countries: z
      .array(z.string().trim().regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 code, e.g. US'))
      .min(1)
      .max(50)
      .transform((items) => [...new Set(items.map((c) => c.toUpperCase()))])
      .optional()
      .openapi({ description: 'Countries, ISO 3166-1 alpha-2.' }),
    providers: providerList('Only these providers.').optional(),
    excludeProviders: providerList('Never these providers.').optional(),
    weights: WeightsSchema.optional(),
    limit: count(20, 'How many offers to return, 1–20 (default 5).').optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const raw = r.gpuMemoryGb !== undefined || r.gpuCount !== undefined || r.minTflops !== undefined;
    if (r.kind === undefined && !raw) {
      issue('kind', 'describe the job (kind, modelParamsB, …) or give raw needs (gpuMemoryGb, gpuCount, minTflops)');
      return;
    }
    if (r.kind === undefined) {
      for (const field of ['modelParamsB', 'precision', 'finetuneMethod', 'contextTokens', 'batchSize', 'tokensPerSecond', 'datasetTokens', 'epochs'] as const) {
        if (r[field] !== undefined) issue(field, 'only with a described job (kind)');
      }
    } else {
      if (r.gpuMemoryGb !== undefined) issue('gpuMemoryGb', 'a described job computes its memory; give kind or gpuMemoryGb, not both');
      if (r.modelParamsB === undefined && r.kind !== 'image_generation') issue('modelParamsB', `required for ${r.kind}`);
      if (r.finetuneMethod !== undefined && r.kind !== 'llm_finetune') issue('finetuneMethod', 'only for kind llm_finetune');
      if (r.tokensPerSecond !== undefined && r.kind !== 'llm_inference') issue('tokensPerSecond', 'only for kind llm_inference');
      const trains = r.kind === 'training' || r.kind === 'llm_finetune';
      if (trains && r.datasetTokens === undefined && r.hours === undefined) issue('datasetTokens', `${r.kind} needs datasetTokens (to compute its run time) or hours`);
      if (r.kind === 'batch' && r.datasetTokens === undefined && r.hours === undefined) issue('datasetTokens', 'batch needs datasetTokens (tokens to generate) or hours');
      if (r.kind === 'image_generation' && r.datasetTokens !== undefined) issue('datasetTokens', 'not used by image_generation');
      if (r.epochs !== undefined && (!trains || r.datasetTokens === undefined)) issue('epochs', 'only with datasetTokens for training or llm_finetune');
      const method = r.kind === 'llm_finetune' ? (r.finetuneMethod ?? 'lora') : null;
      const quantized = r.precision === 'int8' || r.precision === 'int4';
      if ((r.kind === 'training' || method === 'full') && quantized) issue('precision', 'training updates every weight: use fp32, bf16 or fp16 (or finetuneMethod lora/qlora)');
      if (method === 'qlora' && r.precision !== undefined && r.precision !== 'int4') issue('precision', 'qlora trains adapters on a 4-bit base: precision int4');
      if (method === 'lora' && r.precision === 'int4') issue('precision', 'a 4-bit base is qlora: set finetuneMethod qlora');
    }
    if (r.providers && r.excludeProviders) {
      const both = r.providers.filter((p) => r.excludeProviders!.includes(p));
      if (both.length) issue('excludeProviders', `both included and excluded: ${both.join(', ')}`);
    }
  })
  .openapi('RecommendationRequest', {
    example: { kind: 'llm_inference', modelParamsB: 70, precision: 'bf16', contextTokens: 8192, batchSize: 4, hours: 24, interruptible: false, regions: ['us-', 'eu-'] },
  });

/** A parsed request (defaults not yet applied; `weights` already normalised). Parse with the schema first. */
export type RecommendationRequest = z.output<typeof RecommendationRequestSchema>;
