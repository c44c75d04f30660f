// Route declarations of price alerts: validation and OpenAPI from the same schemas.
import { createRoute, z } from '@hono/zod-openapi';
import { idempotency } from '../http/idempotency';
import { problemResponses } from '../http/openapi';
import { requireRole } from '../tenancy/auth.middleware';
import { nextCursorField, pageQueryFields } from '../tenancy/paging';
import { ApiRuleSchema, RuleSchema } from './rule';
import { MAX_URL_LENGTH } from './url-guard';

const TAGS = ['Alerts'];

const parsesAsUrl = (text: string) => {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
};

export const DeliveryInputSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('webhook'),
        url: z
          .string()
          .trim()
          .max(MAX_URL_LENGTH)
          .refine(parsesAsUrl, 'not a valid absolute URL')
          .openapi({ description: 'https URL of a public host (never private, loopback or link-local, also after DNS resolution).', example: 'https://hooks.example.com/gpu-alerts' }),
      })
      .strict(),
    z.object({ type: z.literal('live') }).strict(),
  ])
  .openapi({ description: 'Where fired alerts go: a signed webhook, or the tenant\'s live connections (`/v1/live?channels=alerts`).' });

export const CreateAlertBodySchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional().openapi({ example: 'cheap 8x H100 in Europe' }),
    rule: RuleSchema,
    delivery: DeliveryInputSchema,
  })
  .strict();

export const AlertSchema = z
  .object({
    id: z.string().openapi({ example: 'alr_abcdefghijklmnop' }),
    name: z.string().nullable(),
    status: z.enum(['active', 'deleted']),
    rule: ApiRuleSchema,
    delivery: z.union([z.object({ type: z.literal('webhook'), url: z.string() }), z.object({ type: z.literal('live') })]),
    createdAt: z.string(),
    lastFiredAt: z.string().nullable(),
    firedOffers: z.number().int().openapi({ description: 'Offers that fired the alert so far.' }),
  })
  .openapi('Alert');

const AlertCreatedSchema = AlertSchema.extend({
  signingSecret: z
    .string()
    .optional()
    .openapi({ description: 'Webhooks only, shown this once: the Standard Webhooks secret (`whsec_…`) that verifies `webhook-signature`.' }),
}).openapi('AlertCreated');

const AlertWithMatchesSchema = AlertSchema.extend({
  matchingOffers: z.number().int().openapi({ description: 'Offers that fired the alert and still match it.' }),
}).openapi('AlertWithMatches');

export const DeliverySchema = z
  .object({
    id: z.string().openapi({ example: 'msg_abcdefghijklmnop', description: 'Also the `webhook-id` header of every attempt.' }),
    alertId: z.string(),
    kind: z.enum(['webhook', 'live']),
    status: z.enum(['pending', 'delivered', 'failed']),
    offerCount: z.number().int().openapi({ description: 'Offers that newly matched; the payload lists at most 50 of them.' }),
    offerIds: z.array(z.string()),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    sockets: z.number().int().nullable().openapi({ description: 'Live deliveries: how many of the tenant\'s sockets received it.' }),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    failedAt: z.string().nullable(),
    attemptLog: z.array(
      z.object({
        attempt: z.number().int(),
        at: z.string(),
        statusCode: z.number().int().nullable(),
        latencyMs: z.number().int().nullable(),
        error: z.string().nullable(),
        responseSnippet: z.string().nullable(),
      }),
    ),
  })
  .openapi('AlertDelivery');

const IdParams = z.object({
  id: z
    .string()
    .regex(/^alr_[0-9a-z]{16}$/, 'an alert id looks like alr_ followed by 16 characters')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'alr_abcdefghijklmnop' }),
});

export const createAlertRoute = createRoute({
  method: 'post',
  path: '/v1/alerts',
  tags: TAGS,
  summary: 'Watch the market for offers that match a rule',
  description:
    'Members and up; `Idempotency-Key` supported. After each ingestion, offers that newly match the rule fire the alert (once per offer, ' +
    'until the offer stops matching). A webhook answer carries the signing secret once. A webhook URL that is not https or points at a ' +
    'private, loopback or link-local address (also after DNS resolution) answers 422 naming `body.delivery.url`. The plan limits how many ' +
    'alerts a tenant holds (409).',
  middleware: [requireRole('member'), idempotency()],
  request: { body: { required: true, content: { 'application/json': { schema: CreateAlertBodySchema } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: AlertCreatedSchema } } },
    ...problemResponses(400, 401, 403, 409, 422, 503),
  },
});

export const listAlertsRoute = createRoute({
  method: 'get',
  path: '/v1/alerts',
  tags: TAGS,
  summary: "The tenant's alerts, newest first",
  middleware: [requireRole('viewer')],
  request: { query: z.object(pageQueryFields).strict() },
  responses: {
    200: { description: 'A page', content: { 'application/json': { schema: z.object({ data: z.array(AlertSchema), nextCursor: nextCursorField }) } } },
    ...problemResponses(400, 401, 403),
  },
});

export const getAlertRoute = createRoute({
  method: 'get',
  path: '/v1/alerts/{id}',
  tags: TAGS,
  summary: 'One alert',
  middleware: [requireRole('viewer')],
  request: { params: IdParams },
  responses: {
    200: { description: 'The alert', content: { 'application/json': { schema: AlertWithMatchesSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const deleteAlertRoute = createRoute({
  method: 'delete',
  path: '/v1/alerts/{id}',
  tags: TAGS,
  summary: 'Delete an alert',
  description: 'Members and up. The alert stops firing at once, pending deliveries are not sent, and the alert and its delivery log answer 404 from then on.',
  middleware: [requireRole('member')],
  request: { params: IdParams },
  responses: {
    204: { description: 'Deleted' },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const listDeliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/alerts/{id}/deliveries',
  tags: TAGS,
  summary: "An alert's deliveries, newest first, with every attempt",
  middleware: [requireRole('viewer')],
  request: { params: IdParams, query: z.object({ ...pageQueryFields, status: z.enum(['pending', 'delivered', 'failed']).optional() }).strict() },
  responses: {
    200: { description: 'A page', content: { 'application/json': { schema: z.object({ data: z.array(DeliverySchema), nextCursor: nextCursorField }) } } },
    ...problemResponses(400, 401, 403, 404),
  },
});
