// Route declaration of the provider health endpoint.
import { createRoute, z } from '@hono/zod-openapi';

export const ProviderSchema = z
  .object({
    id: z.string().openapi({ example: 'runpod' }),
    name: z.string(),
    docsUrl: z.string(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().openapi({ description: 'Why this deployment does not pull the provider.' }),
    status: z.enum(['healthy', 'degraded', 'down', 'unknown']).openapi({
      description: 'healthy: last pull fine; degraded: last pull failed, or was slow or lossy; down: circuit open; unknown: never pulled.',
    }),
    lastAttemptAt: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    lastError: z.string().nullable(),
    lastErrorKind: z.string().nullable(),
    latencyMs: z.number().nullable().openapi({ description: 'Duration of the last pull.' }),
    consecutiveFailures: z.number().int(),
    circuitOpenUntil: z.string().nullable().openapi({ description: 'While set and in the future, pulls are skipped.' }),
    offers: z.object({
      total: z.number().int(),
      listed: z.number().int().openapi({ description: 'Not unavailable.' }),
      lastPull: z.number().int().openapi({ description: 'Offers in the last successful pull.' }),
      skippedLastPull: z.number().int().openapi({ description: 'Provider records dropped as unusable in the last pull.' }),
      unknownGpu: z.number().int().openapi({ description: 'Offers whose GPU name the registry did not know, last pull.' }),
    }),
    unknownGpuNames: z.array(z.object({ name: z.string(), offers: z.number().int() })),
    freshness: z.object({
      newestObservedAt: z.string().nullable(),
      ageSeconds: z.number().int().nullable().openapi({ description: 'Age of the newest price from this provider.' }),
    }),
  })
  .openapi('Provider');

export const listProvidersRoute = createRoute({
  method: 'get',
  path: '/v1/providers',
  tags: ['Market'],
  summary: 'Providers with health, freshness and offer counts',
  responses: {
    200: { description: 'Every provider adapter', content: { 'application/json': { schema: z.object({ data: z.array(ProviderSchema) }) } } },
  },
});
