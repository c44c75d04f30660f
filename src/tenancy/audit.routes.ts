// Route declaration of the audit log. Read-only by design: the log is append-only, so no route
// changes or deletes an entry.
import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../http/openapi';
import { requireRole } from './auth.middleware';
import { nextCursorField, pageQueryFields } from './paging';

export const AuditEntrySchema = z
  .object({
    id: z.string().openapi({ example: 'aud_0123456789abcdef' }),
    at: z.string().openapi({ format: 'date-time' }),
    actor: z.object({
      type: z.enum(['user', 'api_key', 'system', 'anonymous']),
      id: z.string().nullable().openapi({ description: 'usr_… or key_…; null for system and anonymous actors.' }),
    }),
    action: z.string().openapi({ example: 'api_key.create' }),
    target: z.object({ type: z.string(), id: z.string().nullable() }).nullable(),
    ip: z.string().nullable(),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).openapi({ description: 'Action-specific; never a secret.' }),
  })
  .openapi('AuditEntry');

const AuditPageSchema = z.object({ data: z.array(AuditEntrySchema), nextCursor: nextCursorField }).openapi('AuditPage');

export const listAuditRoute = createRoute({
  method: 'get',
  path: '/v1/audit',
  tags: ['Audit'],
  summary: "The tenant's audit log",
  description: 'Owners and admins. Security-relevant actions, newest first.',
  middleware: [requireRole('admin')],
  request: {
    query: z
      .object({
        action: z
          .string()
          .regex(/^[a-z_]{1,32}\.[a-z_]{1,32}$/, 'an action looks like api_key.create')
          .optional()
          .openapi({ description: 'Only entries with this action.', example: 'member.role_change' }),
        ...pageQueryFields,
      })
      .strict(),
  },
  responses: {
    200: { description: 'A page of entries', content: { 'application/json': { schema: AuditPageSchema } } },
    ...problemResponses(400, 401, 403),
  },
});
