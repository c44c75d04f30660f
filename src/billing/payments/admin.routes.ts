// Platform-admin routes for stored payment webhooks: list them (failed ones first in mind) and retry one
// from its stored copy after the cause was fixed.
import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../../http/openapi';
import { requirePlatformAdmin } from '../../tenancy/auth.middleware';
import { nextCursorField, pageQueryFields } from '../../tenancy/paging';
import { EVENT_STATUSES } from './webhook-events';

const TAGS = ['Admin'];

export const WebhookEventSchema = z
  .object({
    id: z.string(),
    provider: z.enum(['stripe', 'paypal']),
    eventId: z.string(),
    type: z.string(),
    status: z.enum(EVENT_STATUSES),
    outcome: z.string().nullable(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    signatureMethod: z.enum(['hmac', 'cert', 'api']),
    tenantId: z.string().nullable(),
    orderId: z.string().nullable(),
    receivedAt: z.string(),
    processedAt: z.string().nullable(),
  })
  .openapi('PaymentWebhookEvent');

export const listWebhookEventsRoute = createRoute({
  method: 'get',
  path: '/v1/admin/webhooks',
  tags: TAGS,
  summary: 'Stored payment webhook deliveries, newest first (platform admins)',
  middleware: [requirePlatformAdmin],
  request: { query: z.object({ ...pageQueryFields, status: z.enum(EVENT_STATUSES).optional(), provider: z.enum(['stripe', 'paypal']).optional() }).strict() },
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: z.object({ data: z.array(WebhookEventSchema), nextCursor: nextCursorField }) } } },
    ...problemResponses(400, 401, 403),
  },
});

export const retryWebhookEventRoute = createRoute({
  method: 'post',
  path: '/v1/admin/webhooks/{id}/retry',
  tags: TAGS,
  summary: 'Process a stored webhook again (platform admins)',
  description: 'For a `received` or `failed` event: runs it from its stored copy, exactly as a redelivery would (it still credits at most once). A final event answers 409.',
  middleware: [requirePlatformAdmin],
  request: { params: z.object({ id: z.string().regex(/^whk_[0-9a-z]{16}$/).openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: { description: 'The event after the attempt (status `failed` with `lastError` if it failed again)', content: { 'application/json': { schema: WebhookEventSchema } } },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});
