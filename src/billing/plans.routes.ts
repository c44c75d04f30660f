// Route declaration of the public price list.
import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../http/openapi';
import { PLAN_IDS } from './plans';

export const PlanSchema = z
  .object({
    id: z.enum(PLAN_IDS).openapi({ example: 'pro' }),
    name: z.string().openapi({ example: 'Pro' }),
    monthlyFeeUsd: z.number().nullable().openapi({ example: 99, description: 'Decimal USD per month; null: priced per contract.' }),
    requestsPerMinute: z.number().int().openapi({ example: 100, description: 'Sustained API requests per minute, also the burst allowed at once.' }),
    concurrentDeployments: z.number().int().nullable().openapi({ example: 5, description: 'Deployments running at the same time; null: unlimited.' }),
    liveConnections: z.number().int().openapi({ example: 100, description: 'Live price connections (WebSocket or SSE) held at once in one price room.' }),
    alerts: z.number().int().openapi({ example: 50, description: 'Price alerts held at once.' }),
  })
  .openapi('Plan');

export const listPlansRoute = createRoute({
  method: 'get',
  path: '/v1/plans',
  tags: ['Billing'],
  summary: 'Plans with their price and limits',
  responses: {
    200: {
      description: 'Every plan, cheapest first, and the limit for callers without an account',
      content: {
        'application/json': {
          schema: z.object({
            data: z.array(PlanSchema),
            anonymous: z
              .object({ requestsPerMinute: z.number().int().openapi({ example: 60 }), liveConnections: z.number().int().openapi({ example: 5 }) })
              .openapi({ description: 'Callers without a token or API key are limited per IP address.' }),
          }),
        },
      },
    },
    ...problemResponses(429),
  },
});
