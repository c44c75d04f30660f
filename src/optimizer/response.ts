// The recommendation answer's schema: documents the response in OpenAPI and types `recommend()`'s result.
import { z } from '@hono/zod-openapi';
import { OfferSchema } from '../market/offers.schemas';
import { STAGES } from './evaluate';
import { CRITERIA, FINETUNE_METHODS, PRECISIONS, WORKLOAD_KINDS } from './request';

const criterion = z.enum(CRITERIA);
const stage = z.enum(STAGES);

const FactorSchema = z.object({
  criterion,
  impact: z.number().openapi({ description: 'Share of the weighted distance between the two offers due to this criterion.' }),
  detail: z.string(),
});

export const RecommendationSchema = z
  .object({
    rank: z.number().int(),
    score: z.number().openapi({ description: 'TOPSIS closeness to the ideal offer, 0–1 (higher is better).' }),
    offer: OfferSchema,
    estimate: z.object({
      gpusNeeded: z.number().int().openapi({ description: 'GPUs one copy of the job needs on this GPU model.' }),
      gpusUsed: z.number().int().openapi({ description: 'GPUs the job uses (training and generation use every GPU of the instance).' }),
      memoryPerGpuGb: z.number(),
      hours: z.number().openapi({ description: 'Run time without interruptions.' }),
      expectedExtraHours: z.number().openapi({ description: 'Expected restart and redone-work time from preemptions (spot / interruptible).' }),
      tokensPerSecond: z.number().nullable().openapi({ description: 'Estimated aggregate generation throughput (LLM inference and batch).' }),
    }),
    cost: z.object({
      totalUsd: z.number().openapi({ description: 'computeUsd + expectedPreemptionUsd.' }),
      computeUsd: z.number().openapi({ description: 'Instance price per hour × hours.' }),
      expectedPreemptionUsd: z.number(),
      expectedInterruptions: z.number(),
      interruptionProbability: z.number(),
      hazardPerHour: z.number().openapi({ description: 'Preemptions per hour assumed for this provider and pricing type.' }),
    }),
    criteria: z.object({
      costUsd: z.number(),
      hours: z.number().openapi({ description: 'Time to finish: hours + expectedExtraHours.' }),
      ageSeconds: z.number(),
      freshness: z.number(),
      availability: z.number(),
      reliability: z.number(),
      interruptionProbability: z.number(),
    }),
    reliability: z.object({ score: z.number(), health: z.number(), deploymentSuccess: z.number(), uptime7d: z.number().nullable() }),
    explanation: z
      .object({
        comparedWith: z.number().int(),
        relation: z.enum(['above', 'below']),
        advantages: z.array(FactorSchema),
        disadvantages: z.array(FactorSchema),
        summary: z.string(),
      })
      .nullable()
      .openapi({ description: 'Why it ranks above the next offer (or below the previous one when it is the last); null when it is the only one.' }),
  })
  .openapi('Recommendation');

export const RecommendationResultSchema = z
  .object({
    interpretation: z.object({
      source: z.enum(['raw', 'described']),
      kind: z.enum(WORKLOAD_KINDS).nullable(),
      precision: z.enum(PRECISIONS).nullable(),
      finetuneMethod: z.enum(FINETUNE_METHODS).nullable(),
      modelShape: z
        .object({ basis: z.string(), paramsB: z.number(), layers: z.number(), hidden: z.number(), kvHeads: z.number(), headDim: z.number() })
        .nullable()
        .openapi({ description: 'The common model whose shape (layers, width, KV heads) the estimate uses.' }),
      memory: z.object({
        totalGb: z.number().openapi({ description: 'All the GPU memory one copy of the job needs, overhead included.' }),
        shardedGb: z.number().openapi({ description: 'Part split across GPUs (tensor parallel, ZeRO-3).' }),
        perGpuGb: z.number().openapi({ description: 'Part every GPU holds itself (activations).' }),
        terms: z.record(z.string(), z.number()),
      }),
      minGpuCount: z.number().int(),
      minTflopsPerGpu: z.number().nullable(),
      minTokensPerSecond: z.number().nullable(),
      hours: z.number().nullable().openapi({ description: 'Run time when the same on every offer; null when computed per offer.' }),
      deadlineHours: z.number().nullable(),
      computeFlops: z.number().nullable(),
      tokens: z.number().nullable(),
      byGpuModel: z
        .array(
          z.object({
            gpuModel: z.string(),
            vramGbPerGpu: z.number(),
            gpusNeeded: z.number().int().nullable().openapi({ description: 'null: not even 64 of this GPU hold the job.' }),
            memoryPerGpuGb: z.number().nullable(),
            hours: z.number().nullable().openapi({ description: 'Run time on gpusNeeded of them.' }),
            tokensPerSecond: z.number().nullable(),
          }),
        )
        .openapi({ description: 'The workload on each GPU model listed in the market (at the registry VRAM).' }),
      formulas: z.array(z.string()),
      assumptions: z.array(z.string()),
    }),
    weights: z.object(Object.fromEntries(CRITERIA.map((c) => [c, z.number()])) as Record<(typeof CRITERIA)[number], z.ZodNumber>),
    market: z.object({
      listedOffers: z.number().int(),
      freshOffers: z.number().int().openapi({ description: 'Listed and observed within the last 10 minutes.' }),
      knownGpuOffers: z.number().int().openapi({ description: 'Fresh offers whose GPU model has specs (the ones evaluated).' }),
      evaluatedAt: z.string(),
      ingestionId: z.string().nullable().openapi({ description: 'The ingestion run whose offers were ranked (null: read straight from the offers table).' }),
    }),
    funnel: z
      .array(z.object({ constraint: stage, excluded: z.number().int(), remaining: z.number().int() }))
      .openapi({ description: 'Active constraints in filter-chain order: offers each excluded first, and offers left after it.' }),
    matched: z.number().int().openapi({ description: 'Offers that meet every constraint (all were ranked).' }),
    data: z.array(RecommendationSchema),
    diagnosis: z
      .object({
        message: z.string(),
        mostRestrictive: stage.nullable(),
        relaxations: z.array(
          z.object({
            constraint: stage,
            suggested: z.number().nullable(),
            wouldAllow: z.number().int(),
            cheapestTotalUsd: z.number().nullable(),
            message: z.string(),
          }),
        ),
      })
      .nullable()
      .openapi({ description: 'Set when nothing fits: what excluded the most offers and what relaxing each constraint alone would give.' }),
  })
  .openapi('RecommendationResult');

export type RecommendationResult = z.infer<typeof RecommendationResultSchema>;
