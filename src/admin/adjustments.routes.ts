// Route declarations of platform-admin billing operations: manual credit adjustments.
import { createRoute, z } from '@hono/zod-openapi';
import { idempotency } from '../http/idempotency';
import { problemResponses } from '../http/openapi';
import { requirePlatformAdmin } from '../tenancy/auth.middleware';

export const MAX_ADJUSTMENT_USD = 100_000;

export const createAdjustmentRoute = createRoute({
  method: 'post',
  path: '/v1/admin/billing/adjustments',
  tags: ['Admin'],
  summary: "Adjust a tenant's credit (platform admins)",
  description:
    'Posts an `adjustment` to the ledger: the tenant’s credit moves by `amountUsd` (positive adds, negative removes; the balance may go below zero) ' +
    'against the `adjustments` account, with the reason, and an audit row in the tenant’s log. A positive adjustment counts as a top-up for low-balance warnings.',
  middleware: [requirePlatformAdmin, idempotency({ required: true })],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              tenantId: z.string().regex(/^ten_[0-9a-z]{1,64}$/, 'a tenant id looks like ten_ followed by letters and digits'),
              amountUsd: z
                .number()
                .refine((v) => Math.round(Math.abs(v) * 1e6) >= 1, 'must not be zero')
                .refine((v) => Math.abs(v) <= MAX_ADJUSTMENT_USD, `must be at most ${MAX_ADJUSTMENT_USD} USD either way`)
                .refine((v) => Math.abs(v * 1e6 - Math.round(v * 1e6)) < 1e-6, 'at most six decimals (micro-dollars)')
                .openapi({ example: 25, description: 'Decimal USD; negative removes credit.' }),
              reason: z.string().trim().min(3, 'say why, in at least 3 characters').max(500),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'The adjustment was posted',
      content: {
        'application/json': {
          schema: z
            .object({
              transactionId: z.string(),
              tenantId: z.string(),
              amountUsd: z.number(),
              reason: z.string(),
              balanceUsd: z.number().openapi({ description: 'The tenant’s balance after the adjustment.' }),
              createdAt: z.string().openapi({ format: 'date-time' }),
            })
            .openapi('Adjustment'),
        },
      },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});
