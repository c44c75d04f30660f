// Route declarations of the tenant's members: list, add, change role, remove.
import { createRoute, z } from '@hono/zod-openapi';
import { idempotency } from '../http/idempotency';
import { problemResponses } from '../http/openapi';
import { requireRole } from './auth.middleware';
import { nextCursorField, pageQueryFields } from './paging';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords';
import { ROLES } from './principal';

export const MemberSchema = z
  .object({
    id: z.string().openapi({ example: 'usr_0123456789abcdef', description: 'The user id.' }),
    email: z.string().openapi({ example: 'ada@example.com' }),
    role: z.enum(ROLES),
    createdAt: z.string().openapi({ format: 'date-time', description: 'When the user joined this tenant.' }),
  })
  .openapi('Member');

const MemberPageSchema = z.object({ data: z.array(MemberSchema), nextCursor: nextCursorField }).openapi('MemberPage');

const MemberIdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^usr_[0-9a-z]{1,64}$/, 'a user id looks like usr_ followed by letters and digits')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'usr_0123456789abcdef' }),
});

const AddMemberBodySchema = z
  .object({
    email: z.string().trim().toLowerCase().max(254).email().openapi({ example: 'ada@example.com' }),
    role: z.enum(ROLES),
    password: z
      .string()
      .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
      .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`)
      .optional()
      .openapi({ description: 'Creates the user with this password when no user has the email yet.' }),
  })
  .strict();

const ChangeRoleBodySchema = z.object({ role: z.enum(ROLES) }).strict();

const TAGS = ['Members'];

export const listMembersRoute = createRoute({
  method: 'get',
  path: '/v1/members',
  tags: TAGS,
  summary: "The tenant's members",
  description: 'Any role may list. Oldest membership first.',
  middleware: [requireRole('viewer')],
  request: { query: z.object(pageQueryFields).strict() },
  responses: {
    200: { description: 'A page of members', content: { 'application/json': { schema: MemberPageSchema } } },
    ...problemResponses(400, 401, 403),
  },
});

export const addMemberRoute = createRoute({
  method: 'post',
  path: '/v1/members',
  tags: TAGS,
  summary: 'Add a member',
  description:
    'Admins and owners add an existing user by email, or create the user when `password` is given. ' +
    'Only owners may grant `owner`. 404 when no user has the email and no password is given; 409 when the user is ' +
    'already a member, or when a password is given for an email that already has a user (an existing account is never changed). ' +
    'Accepts an optional `Idempotency-Key`.',
  middleware: [requireRole('admin'), idempotency({ required: false })],
  request: { body: { required: true, content: { 'application/json': { schema: AddMemberBodySchema } } } },
  responses: {
    201: { description: 'The new member', content: { 'application/json': { schema: MemberSchema } } },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

export const changeMemberRoleRoute = createRoute({
  method: 'patch',
  path: '/v1/members/{id}',
  tags: TAGS,
  summary: "Change a member's role",
  description:
    'Admins and owners. Only owners may grant or take away `owner` (so an admin cannot change an owner). ' +
    'The last owner cannot be demoted (409): promote another owner first.',
  middleware: [requireRole('admin')],
  request: {
    params: MemberIdParamsSchema,
    body: { required: true, content: { 'application/json': { schema: ChangeRoleBodySchema } } },
  },
  responses: {
    200: { description: 'The member with the new role', content: { 'application/json': { schema: MemberSchema } } },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

export const removeMemberRoute = createRoute({
  method: 'delete',
  path: '/v1/members/{id}',
  tags: TAGS,
  summary: 'Remove a member',
  description:
    'Admins and owners remove others; every member may remove themselves (leave the tenant). Only owners may remove an owner. ' +
    'The last owner cannot be removed (409). The removed user loses access on their next request and their refresh tokens ' +
    'for this tenant are revoked; API keys they created belong to the tenant and stay valid.',
  middleware: [requireRole('viewer')],
  request: { params: MemberIdParamsSchema },
  responses: {
    204: { description: 'Removed' },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});
