// Route declarations of the tenant's API keys: list, create (the key is shown once), revoke.
import { createRoute, z } from '@hono/zod-openapi';
import { idempotency } from '../http/idempotency';
import { problemResponses } from '../http/openapi';
import { requireRole } from './auth.middleware';
import { nextCursorField, pageQueryFields } from './paging';
import { ROLES } from './principal';

export const MAX_KEY_LIFETIME_DAYS = 3650;

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_0123456789abcdef' }),
    name: z.string().openapi({ example: 'CI deploys' }),
    role: z.enum(ROLES).openapi({ description: 'What the key may do, as a member of this role.' }),
    preview: z.string().openapi({ example: 'gpb_live_AbCd…wXyZ', description: 'Start and end of the key, to tell keys apart.' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    expiresAt: z.string().nullable().openapi({ format: 'date-time' }),
    lastUsedAt: z.string().nullable().openapi({ format: 'date-time', description: 'Updated at most once a minute.' }),
    revokedAt: z.string().nullable().openapi({ format: 'date-time' }),
    createdBy: z.string().nullable().openapi({ description: 'The user who created the key (for a key made with a key: that key’s creator).' }),
  })
  .openapi('ApiKey');

const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'The whole key. Shown only in this response; store it now.' }),
}).openapi('CreatedApiKey');

const ApiKeyPageSchema = z.object({ data: z.array(ApiKeySchema), nextCursor: nextCursorField }).openapi('ApiKeyPage');

const ApiKeyIdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^key_[0-9a-z]{1,64}$/, 'an API key id looks like key_ followed by letters and digits')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'key_0123456789abcdef' }),
});

const CreateApiKeyBodySchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').openapi({ example: 'CI deploys' }),
    role: z.enum(ROLES).openapi({ description: 'At most your own role.' }),
    expiresAt: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
      .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
      .optional()
      .openapi({ description: 'When the key stops working. Give this or expiresInDays, not both; neither: no expiry.' }),
    expiresInDays: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(MAX_KEY_LIFETIME_DAYS, `must be at most ${MAX_KEY_LIFETIME_DAYS}`)
      .optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.expiresAt !== undefined && body.expiresInDays !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['expiresInDays'], message: 'give expiresAt or expiresInDays, not both' });
    }
  });

const TAGS = ['API keys'];

export const listApiKeysRoute = createRoute({
  method: 'get',
  path: '/v1/api-keys',
  tags: TAGS,
  summary: "The tenant's API keys",
  description: 'Admins and owners. Newest first, revoked keys included. Never shows a key or its hash.',
  middleware: [requireRole('admin')],
  request: { query: z.object(pageQueryFields).strict() },
  responses: {
    200: { description: 'A page of keys', content: { 'application/json': { schema: ApiKeyPageSchema } } },
    ...problemResponses(400, 401, 403),
  },
});

export const createApiKeyRoute = createRoute({
  method: 'post',
  path: '/v1/api-keys',
  tags: TAGS,
  summary: 'Create an API key',
  description:
    "Admins and owners. The key's role cannot exceed the caller's (403). The whole key is in this response only. " +
    'Requires an `Idempotency-Key` header.',
  middleware: [requireRole('admin'), idempotency({ required: true })],
  request: { body: { required: true, content: { 'application/json': { schema: CreateApiKeyBodySchema } } } },
  responses: {
    201: { description: 'The new key, with the key itself', content: { 'application/json': { schema: CreatedApiKeySchema } } },
    ...problemResponses(400, 401, 403, 409, 422),
  },
});

export const revokeApiKeyRoute = createRoute({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  tags: TAGS,
  summary: 'Revoke an API key',
  description:
    'Admins and owners; a key whose role exceeds the caller’s can only be revoked by an owner (403). The key stops working ' +
    'on its next request. Revoking an already revoked key is a no-op that answers 204 again.',
  middleware: [requireRole('admin')],
  request: { params: ApiKeyIdParamsSchema },
  responses: {
    204: { description: 'Revoked (or already revoked)' },
    ...problemResponses(400, 401, 403, 404),
  },
});
