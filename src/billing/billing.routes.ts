// Route declarations of a tenant's billing: balance, ledger, usage report and the plan subscription.
import { createRoute, z } from '@hono/zod-openapi';
import { idempotency } from '../http/idempotency';
import { problemResponses } from '../http/openapi';
import { requireRole } from '../tenancy/auth.middleware';
import { nextCursorField, pageQueryFields } from '../tenancy/paging';
import { LEDGER_ACCOUNTS, LEDGER_KINDS } from './ledger';
import { PLAN_IDS } from './plans';

const TAGS = ['Billing'];
const usd = (description: string) => z.number().openapi({ description });
const isoTime = z.string().openapi({ format: 'date-time' });

export const BalanceSchema = z
  .object({
    currency: z.literal('USD'),
    balanceUsd: usd('The ledger balance of prepaid credit.'),
    availableUsd: usd('Balance minus reserved: what new deployments and plan changes may spend.'),
    reservedUsd: usd('accruedUsd + holdsUsd.'),
    reserved: z.object({
      accruedUsd: usd('Running time used but not charged yet (charged by the next metering pass), margin included.'),
      holdsUsd: usd('Deployments pending or provisioning: the minimum runtime each needs, margin included.'),
    }),
    thisMonth: z.object({
      monthStart: isoTime,
      usageUsd: usd('GPU time charged since the 1st (UTC), margin included.'),
      unbilledUsd: usd('Equal to reserved.accruedUsd.'),
      feesUsd: usd('Plan fees charged this month, net of prorated credits.'),
      totalUsd: usd('usageUsd + unbilledUsd + feesUsd.'),
    }),
    marginPercent: z.number().openapi({ description: 'Platform margin on GPU time for deployments created now (each deployment keeps the margin it was created with).' }),
    lowBalance: z.boolean().openapi({ description: 'True at or below zero, or under 20% of the balance the latest top-up left.' }),
    lowBalanceThresholdUsd: z.number().nullable().openapi({ description: '20% of the balance the latest top-up left; null before any top-up.' }),
    exhaustedAt: isoTime.nullable().openapi({ description: 'When the balance reached zero; null while it is positive.' }),
    graceEndsAt: isoTime.nullable().openapi({ description: 'When running deployments are stopped (budget_exhausted) unless credit is added.' }),
    plan: z.enum(PLAN_IDS),
  })
  .openapi('Balance');

export const getBalanceRoute = createRoute({
  method: 'get',
  path: '/v1/billing/balance',
  tags: TAGS,
  summary: 'Credit balance, reserved and available credit, and this month’s spend',
  middleware: [requireRole('viewer')],
  responses: { 200: { description: 'Balance', content: { 'application/json': { schema: BalanceSchema } } }, ...problemResponses(401, 403) },
});

const LedgerTransactionSchema = z
  .object({
    id: z.string().openapi({ example: 'txn_0123456789abcdef' }),
    kind: z.enum(LEDGER_KINDS),
    amountUsd: usd('Change of the credit balance: positive adds credit, negative draws on it.'),
    description: z.string(),
    reference: z.string().openapi({ description: 'What the transaction accounts for; unique across the ledger.', example: 'usage:dep_0123456789abcdef:60000' }),
    deploymentId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).openapi({ description: 'Kind-specific: a usage charge has its window (ms), unit price, margin, GPU and provider.' }),
    actor: z.object({ type: z.enum(['user', 'api_key', 'system', 'webhook']), id: z.string().nullable() }),
    createdAt: isoTime,
    entries: z.array(z.object({ account: z.enum(LEDGER_ACCOUNTS), amountUsd: z.number() })).openapi({ description: 'Double entry: the amounts sum to zero; `credit` is the tenant’s balance.' }),
  })
  .openapi('LedgerTransaction');

export const listLedgerRoute = createRoute({
  method: 'get',
  path: '/v1/billing/ledger',
  tags: TAGS,
  summary: 'The tenant’s ledger, newest first',
  middleware: [requireRole('viewer')],
  request: {
    query: z
      .object({
        kind: z.enum(LEDGER_KINDS).optional().openapi({ description: 'Only transactions of this kind.' }),
        deploymentId: z.string().regex(/^dep_[0-9a-z]{1,64}$/, 'a deployment id looks like dep_ followed by letters and digits').optional(),
        ...pageQueryFields,
      })
      .strict(),
  },
  responses: {
    200: { description: 'A page of transactions with their entries', content: { 'application/json': { schema: z.object({ data: z.array(LedgerTransactionSchema), nextCursor: nextCursorField }).openapi('LedgerPage') } } },
    ...problemResponses(400, 401, 403),
  },
});

export const USAGE_GROUPS = ['deployment', 'gpu', 'provider', 'day'] as const;
export const MAX_USAGE_SPAN_DAYS = 366;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO date (midnight UTC) or date-time, as epoch ms. */
const instant = z
  .string()
  .refine((v) => (DATE.test(v) || DATE_TIME.test(v)) && Number.isFinite(Date.parse(DATE.test(v) ? `${v}T00:00:00Z` : v)), 'must be an ISO 8601 date (2026-11-01) or date-time (2026-11-01T00:00:00Z)')
  .transform((v) => Date.parse(DATE.test(v) ? `${v}T00:00:00Z` : v));

export const usageRoute = createRoute({
  method: 'get',
  path: '/v1/billing/usage',
  tags: TAGS,
  summary: 'Usage charges summed per deployment, GPU model, provider or day',
  description: `From the ledger’s usage charges posted in [from, to). Defaults: this calendar month (UTC). At most ${MAX_USAGE_SPAN_DAYS} days.`,
  middleware: [requireRole('viewer')],
  request: {
    query: z
      .object({
        from: instant.optional().openapi({ type: 'string', example: '2026-11-01', description: 'Inclusive; an ISO date is midnight UTC.' }),
        to: instant.optional().openapi({ type: 'string', example: '2026-12-01', description: 'Exclusive.' }),
        groupBy: z.enum(USAGE_GROUPS).optional().default('deployment'),
      })
      .strict(),
  },
  responses: {
    200: {
      description: 'Usage per group, most expensive first',
      content: {
        'application/json': {
          schema: z
            .object({
              from: isoTime,
              to: isoTime,
              groupBy: z.enum(USAGE_GROUPS),
              data: z.array(
                z.object({
                  key: z.string().openapi({ description: 'The deployment id, GPU model, provider or day (YYYY-MM-DD, UTC).' }),
                  deploymentName: z.string().nullable().optional(),
                  costUsd: usd('GPU time at the locked prices.'),
                  marginUsd: usd('The platform margin on it.'),
                  totalUsd: usd('What was charged: cost + margin.'),
                  seconds: z.number(),
                  charges: z.number().int().openapi({ description: 'Usage transactions summed.' }),
                }),
              ),
              totals: z.object({ costUsd: z.number(), marginUsd: z.number(), totalUsd: z.number(), seconds: z.number(), charges: z.number().int() }),
            })
            .openapi('Usage'),
        },
      },
    },
    ...problemResponses(400, 401, 403),
  },
});

const SubscriptionSchema = z
  .object({
    plan: z.enum(PLAN_IDS),
    monthlyFeeUsd: z.number().nullable(),
    periodStart: isoTime.nullable().openapi({ description: 'The calendar month (UTC) the fee is paid for; null when nothing renews (free, or a plan by contract).' }),
    periodEnd: isoTime.nullable(),
    renewsAt: isoTime.nullable(),
  })
  .openapi('Subscription');

export const getSubscriptionRoute = createRoute({
  method: 'get',
  path: '/v1/billing/subscription',
  tags: TAGS,
  summary: 'The plan and its billing period',
  middleware: [requireRole('viewer')],
  responses: { 200: { description: 'Subscription', content: { 'application/json': { schema: SubscriptionSchema } } }, ...problemResponses(401, 403) },
});

export const changePlanRoute = createRoute({
  method: 'post',
  path: '/v1/billing/subscription',
  tags: TAGS,
  summary: 'Change the plan (owners), prorated to the second',
  description:
    'The period is the calendar month (UTC). The unused part of the fee paid for the old plan is credited and the new plan’s fee for the rest of the month is ' +
    'charged, both prorated to the second and rounded down to the micro-dollar. The new plan’s limits apply to the next request. 402 when the available ' +
    'credit cannot pay the difference (nothing is written); 409 for the current plan or a downgrade below the deployments running; 422 for Enterprise (per contract).',
  middleware: [requireRole('owner'), idempotency({ required: true })],
  request: {
    body: { required: true, content: { 'application/json': { schema: z.object({ plan: z.enum(PLAN_IDS) }).strict() } } },
  },
  responses: {
    200: {
      description: 'The plan changed',
      content: {
        'application/json': {
          schema: z
            .object({
              plan: z.enum(PLAN_IDS),
              previousPlan: z.enum(PLAN_IDS),
              periodStart: isoTime,
              periodEnd: isoTime,
              proration: z.object({
                remainingSeconds: z.number().int(),
                periodSeconds: z.number().int(),
                creditUsd: usd('Unused part of the old plan’s fee, given back (0 when none was paid for this month).'),
                chargeUsd: usd('The new plan’s fee for the rest of the month.'),
                netUsd: usd('chargeUsd − creditUsd.'),
              }),
              balanceUsd: z.number(),
            })
            .openapi('PlanChange'),
        },
      },
    },
    ...problemResponses(400, 401, 402, 403, 409, 422),
  },
});
