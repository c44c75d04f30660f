// Route declarations of the platform admin API: KPIs, tenants, and the billing alert feed. Staff
// only (signed-in platform admins); nothing here is tenant-scoped, and nothing here writes.
import { createRoute, z } from '@hono/zod-openapi';
import { PLAN_IDS } from '../billing/plans';
import { problemResponses } from '../http/openapi';
import { requirePlatformAdmin } from '../tenancy/auth.middleware';
import { nextCursorField, pageQueryFields } from '../tenancy/paging';

const TAGS = ['Admin'];

export const WINDOWS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '90d': 90 * 86_400_000 } as const;

const usd = (description: string) => z.number().openapi({ description });

const RevenueSchema = z
  .object({
    creditPurchasedUsd: usd('Credit tenants bought through Stripe and PayPal.'),
    refundedUsd: usd('Credit refunded to tenants.'),
    disputedUsd: usd('Credit taken back by disputes, net of disputes won.'),
    usageChargedUsd: usd('GPU time charged to tenants, margin included.'),
    marginUsd: usd('Our margin within usageChargedUsd.'),
    subscriptionUsd: usd('Plan fees net of proration credits.'),
    adjustmentsUsd: usd('Manual adjustments (+ granted to tenants, − taken).'),
  })
  .openapi('AdminRevenue');

export const OverviewSchema = z
  .object({
    window: z.enum(Object.keys(WINDOWS) as [keyof typeof WINDOWS]),
    from: z.string().openapi({ format: 'date-time' }),
    to: z.string().openapi({ format: 'date-time' }),
    tenants: z.object({
      total: z.number().int(),
      newInWindow: z.number().int(),
      byPlan: z.record(z.string(), z.number().int()),
    }),
    users: z.object({ total: z.number().int() }),
    deployments: z.object({
      active: z.number().int().openapi({ description: 'Not yet terminated or failed.' }),
      running: z.number().int(),
      createdInWindow: z.number().int(),
      failedInWindow: z.number().int().openapi({ description: 'Created in the window and now failed.' }),
      reachedRunningShare: z.number().nullable().openapi({ description: 'Of the deployments created in the window and now final or running, the share that ever ran; null with none.' }),
      gpuHoursInWindow: z.number().openapi({ description: 'GPU-hours run by deployments created in the window (running ones up to now).' }),
    }),
    revenue: RevenueSchema,
    outstandingCreditUsd: usd('Credit tenants hold and have not spent: what we owe them.'),
    daily: z.array(z.object({ day: z.string().openapi({ example: '2026-11-29' }), revenue: RevenueSchema, signups: z.number().int(), deploymentsCreated: z.number().int() })),
    providers: z.array(
      z.object({
        provider: z.string(),
        status: z.enum(['healthy', 'degraded', 'down']),
        offers: z.number().int(),
        lastSuccessAt: z.string().nullable(),
        consecutiveFailures: z.number().int(),
      }),
    ),
  })
  .openapi('AdminOverview');

export const overviewRoute = createRoute({
  method: 'get',
  path: '/v1/admin/overview',
  tags: TAGS,
  summary: 'Platform KPIs: tenants, deployments, revenue from the ledger, provider health',
  middleware: [requirePlatformAdmin],
  request: {
    query: z
      .object({ window: z.enum(Object.keys(WINDOWS) as [keyof typeof WINDOWS]).optional().openapi({ description: 'Reporting window ending now (default 30d).' }) })
      .strict(),
  },
  responses: {
    200: { description: 'KPIs', content: { 'application/json': { schema: OverviewSchema } } },
    ...problemResponses(400, 401, 403),
  },
});

export const AdminTenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: z.string(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    members: z.number().int(),
    activeDeployments: z.number().int(),
    balanceUsd: z.number(),
    monthlySpendCapUsd: z.number().nullable(),
  })
  .openapi('AdminTenant');

export const listTenantsRoute = createRoute({
  method: 'get',
  path: '/v1/admin/tenants',
  tags: TAGS,
  summary: 'Every tenant, newest first',
  middleware: [requirePlatformAdmin],
  request: {
    query: z
      .object({
        q: z.string().trim().min(1).max(100).optional().openapi({ description: 'Matches the tenant id exactly or its name (case-insensitive substring).' }),
        plan: z.enum(PLAN_IDS).optional(),
        ...pageQueryFields,
      })
      .strict(),
  },
  responses: {
    200: { description: 'A page of tenants', content: { 'application/json': { schema: z.object({ data: z.array(AdminTenantSchema), nextCursor: nextCursorField }) } } },
    ...problemResponses(400, 401, 403),
  },
});

export const BillingEventSchema = z
  .object({
    id: z.string(),
    tenantId: z.string().nullable(),
    kind: z.string().openapi({ example: 'payment_mismatch' }),
    severity: z.enum(['info', 'warning', 'critical']),
    detail: z.record(z.string(), z.unknown()),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('BillingEvent');

export const listBillingEventsRoute = createRoute({
  method: 'get',
  path: '/v1/admin/billing-events',
  tags: TAGS,
  summary: 'Billing alerts across tenants (low balances, payment mismatches …), newest first',
  middleware: [requirePlatformAdmin],
  request: { query: z.object({ severity: z.enum(['info', 'warning', 'critical']).optional(), ...pageQueryFields }).strict() },
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: z.object({ data: z.array(BillingEventSchema), nextCursor: nextCursorField }) } } },
    ...problemResponses(400, 401, 403),
  },
});
