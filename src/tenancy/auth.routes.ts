// Route declarations of identity: signup, login, token refresh and logout, who-am-I, and the JWKS.
import { createRoute, z } from '@hono/zod-openapi';
import { ProblemSchema, problemResponses } from '../http/openapi';
import { PLAN_IDS } from '../billing/plans';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords';
import { ROLES } from './principal';

const EmailSchema = z
  .email()
  .max(254)
  .toLowerCase()
  .openapi({ example: 'ada@example.com', description: 'Compared case-insensitively (stored lower-cased).' });
const PasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH)
  .max(MAX_PASSWORD_LENGTH)
  .openapi({ format: 'password', description: `${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.` });
const RefreshTokenSchema = z.string().min(1).max(512).openapi({ description: 'A refresh token from signup, login or refresh.' });

const TenantSchema = z
  .object({ id: z.string().openapi({ example: 'ten_0123456789abcdef' }), name: z.string(), plan: z.enum(PLAN_IDS) })
  .openapi('Tenant');

const tokenFields = {
  accessToken: z.string().openapi({ description: 'ES256 JWT; send as `Authorization: Bearer <token>`.' }),
  refreshToken: z.string().openapi({ description: 'Single use: exchange it at /v1/auth/refresh for a new pair. Valid 30 days.' }),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().openapi({ description: 'Seconds until the access token expires.', example: 900 }),
};

const SessionSchema = z.object({ ...tokenFields, tenantId: z.string().openapi({ description: 'The tenant the access token acts in.' }) }).openapi('Session');

export const SignupBodySchema = z
  .object({
    email: EmailSchema,
    password: PasswordSchema,
    organization: z.string().trim().min(1).max(100).openapi({ example: 'Acme Research' }),
  })
  .strict();

export const SignupResponseSchema = z
  .object({
    tenant: TenantSchema,
    user: z.object({ id: z.string(), email: z.string() }),
    apiKey: z
      .object({ id: z.string(), key: z.string().openapi({ description: 'The whole key, shown only in this response.' }), preview: z.string() })
      .openapi({ description: 'A first API key with the admin role.' }),
    ...tokenFields,
  })
  .openapi('Signup');

export const loginBodySchema = z
  .object({
    email: EmailSchema,
    // Not held to today's minimum length: the check is against the stored hash.
    password: z.string().min(1).max(MAX_PASSWORD_LENGTH).openapi({ format: 'password' }),
    tenantId: z.string().min(1).max(64).optional().openapi({ description: 'Tenant to act in (default: your oldest membership).' }),
  })
  .strict();

/** A problem+json response with a description of its own. */
const problemJson = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

export const signupRoute = createRoute({
  method: 'post',
  path: '/v1/auth/signup',
  tags: ['Identity'],
  summary: 'Create an organization with its owner and a first API key',
  request: { body: { required: true, content: { 'application/json': { schema: SignupBodySchema } } } },
  responses: {
    201: { description: 'The new tenant, owner, API key (shown once) and tokens', content: { 'application/json': { schema: SignupResponseSchema } } },
    ...problemResponses(400, 409),
  },
});

export const loginRoute = createRoute({
  method: 'post',
  path: '/v1/auth/login',
  tags: ['Identity'],
  summary: 'Sign in with email and password',
  description:
    'Five failed logins for one account or from one IP within 15 minutes lock further attempts for 15 minutes after the fifth (429 with `Retry-After`).',
  request: { body: { required: true, content: { 'application/json': { schema: loginBodySchema } } } },
  responses: {
    200: { description: 'Tokens', content: { 'application/json': { schema: SessionSchema } } },
    401: problemJson('Wrong email or password'),
    ...problemResponses(400, 429),
  },
});

export const refreshRoute = createRoute({
  method: 'post',
  path: '/v1/auth/refresh',
  tags: ['Identity'],
  summary: 'Exchange a refresh token for new tokens',
  description: 'The presented token is used up. Presenting a used or revoked token again revokes every token of its login.',
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ refreshToken: RefreshTokenSchema }).strict() } } } },
  responses: {
    200: { description: 'New tokens', content: { 'application/json': { schema: SessionSchema } } },
    401: problemJson('Unknown, expired, used or revoked refresh token'),
    ...problemResponses(400),
  },
});

export const logoutRoute = createRoute({
  method: 'post',
  path: '/v1/auth/logout',
  tags: ['Identity'],
  summary: 'Revoke a refresh token and every token of its login',
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ refreshToken: RefreshTokenSchema }).strict() } } } },
  responses: {
    204: { description: 'Signed out (also when the token was unknown)' },
    ...problemResponses(400),
  },
});

const MeSchema = z
  .object({
    kind: z.enum(['user', 'api_key']),
    user: z.object({ id: z.string(), email: z.string(), isPlatformAdmin: z.boolean() }).nullable(),
    apiKey: z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES) }).nullable(),
    tenant: TenantSchema,
    role: z.enum(ROLES).openapi({ description: 'Your role in this tenant.' }),
    memberships: z
      .array(z.object({ tenantId: z.string(), tenantName: z.string(), role: z.enum(ROLES) }))
      .openapi({ description: "A user's tenants; empty for API keys." }),
  })
  .openapi('Me');

export const meRoute = createRoute({
  method: 'get',
  path: '/v1/me',
  tags: ['Identity'],
  summary: 'Who is calling',
  responses: {
    200: { description: 'The caller', content: { 'application/json': { schema: MeSchema } } },
    401: problemJson('No or an invalid credential'),
  },
});

export const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags: ['Identity'],
  summary: 'Public keys that verify our access tokens',
  responses: {
    200: {
      description: 'JSON Web Key Set (ES256)',
      content: { 'application/json': { schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) } },
    },
  },
});
