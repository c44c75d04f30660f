// Route declarations of the browser session: the same signup, login, refresh and logout as
// /v1/auth/*, but the refresh token travels only in an httpOnly cookie (see session-cookie.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { ProblemSchema, problemResponses } from '../http/openapi';
import { loginBodySchema, SignupBodySchema, SignupResponseSchema } from './auth.routes';
import { CSRF_HEADER, SESSION_COOKIE } from './session-cookie';

const TAGS = ['Identity'];

const cookieNote =
  `Sets the refresh token as the \`${SESSION_COOKIE}\` cookie (HttpOnly, Secure, SameSite=Strict, Path=/); it is never in the body. ` +
  `Browsers only: requires the \`${CSRF_HEADER}: 1\` header and an Origin equal to this API's origin (403 otherwise).`;

const BrowserSessionSchema = z
  .object({
    accessToken: z.string().openapi({ description: 'ES256 JWT; keep it in memory and send it as `Authorization: Bearer <token>`.' }),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().openapi({ example: 900 }),
    tenantId: z.string(),
  })
  .openapi('BrowserSession');

const problemJson = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });
const csrfRefusal = { 403: problemJson('Missing CSRF header, or another origin') };

export const sessionSignupRoute = createRoute({
  method: 'post',
  path: '/v1/auth/session/signup',
  tags: TAGS,
  summary: 'Sign up in a browser (refresh token in a cookie)',
  description: cookieNote,
  request: { body: { required: true, content: { 'application/json': { schema: SignupBodySchema } } } },
  responses: {
    201: {
      description: 'The new tenant, owner, API key (shown once) and an access token',
      content: { 'application/json': { schema: SignupResponseSchema.omit({ refreshToken: true }).openapi('BrowserSignup') } },
    },
    ...csrfRefusal,
    ...problemResponses(400, 409),
  },
});

export const sessionLoginRoute = createRoute({
  method: 'post',
  path: '/v1/auth/session/login',
  tags: TAGS,
  summary: 'Sign in in a browser (refresh token in a cookie)',
  description: `${cookieNote} Throttled like /v1/auth/login.`,
  request: { body: { required: true, content: { 'application/json': { schema: loginBodySchema } } } },
  responses: {
    200: { description: 'An access token', content: { 'application/json': { schema: BrowserSessionSchema } } },
    401: problemJson('Wrong email or password'),
    ...csrfRefusal,
    ...problemResponses(400, 429),
  },
});

export const sessionRefreshRoute = createRoute({
  method: 'post',
  path: '/v1/auth/session/refresh',
  tags: TAGS,
  summary: "Exchange the session cookie's refresh token for a new access token",
  description: `${cookieNote} No body. The cookie's token is used up and replaced; presenting a used one revokes the whole login and clears the cookie.`,
  responses: {
    200: { description: 'A new access token (and a new cookie)', content: { 'application/json': { schema: BrowserSessionSchema } } },
    401: problemJson('No session cookie, or an unknown, expired, used or revoked one'),
    ...csrfRefusal,
  },
});

export const sessionLogoutRoute = createRoute({
  method: 'post',
  path: '/v1/auth/session/logout',
  tags: TAGS,
  summary: "Sign out: revoke the session cookie's login and clear the cookie",
  description: `${cookieNote} No body.`,
  responses: {
    204: { description: 'Signed out (also when there was no session)' },
    ...csrfRefusal,
  },
});
