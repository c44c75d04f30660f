// The tenant's monthly deployment spend and its cap: read by any member, set by owners.
import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../http/openapi';
import { requireRole } from '../tenancy/auth.middleware';

export const SpendSchema = z
  .object({
    monthlyCapUsd: z.number().nullable().openapi({ description: 'Null: no cap.' }),
    spentThisMonthUsd: z.number().openapi({ description: "Deployment usage since the 1st of this month (UTC), margin included: what the ledger charged plus running time not charged yet." }),
    monthStart: z.string(),
  })
  .openapi('Spend');

export const getSpendRoute = createRoute({
  method: 'get',
  path: '/v1/spend',
  tags: ['Deployments'],
  summary: "This month's deployment spend and the cap",
  middleware: [requireRole('viewer')],
  responses: { 200: { description: 'Spend', content: { 'application/json': { schema: SpendSchema } } }, ...problemResponses(401, 403) },
});

export const putSpendCapRoute = createRoute({
  method: 'put',
  path: '/v1/spend/cap',
  tags: ['Deployments'],
  summary: 'Set or clear the monthly spend cap (owners)',
  description: 'New deployments that could exceed the cap are refused with 402; running ones are stopped when it is reached.',
  middleware: [requireRole('owner')],
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ monthlyCapUsd: z.number().min(0).max(10_000_000).nullable() }).strict() } },
    },
  },
  responses: { 200: { description: 'Spend', content: { 'application/json': { schema: SpendSchema } } }, ...problemResponses(400, 401, 403) },
});
