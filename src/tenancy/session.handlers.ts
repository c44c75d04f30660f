// The browser session endpoints: the identity flows of auth.handlers.ts with the refresh token moved
// into the session cookie, each behind the same-origin check.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { createAccount, endSession, rotateRefreshToken, signIn } from './auth.handlers';
import { unauthorized } from './auth.middleware';
import { clearedSessionCookie, requireSameOrigin, sessionCookie, sessionCookieToken } from './session-cookie';
import type { sessionLoginRoute, sessionLogoutRoute, sessionRefreshRoute, sessionSignupRoute } from './session.routes';

export const sessionSignup: RouteHandler<typeof sessionSignupRoute, AppEnv> = async (c) => {
  requireSameOrigin(c);
  const { tokens, ...account } = await createAccount(c, c.req.valid('json'));
  const { refreshToken, ...access } = tokens;
  c.header('Cache-Control', 'no-store');
  c.header('Set-Cookie', sessionCookie(refreshToken));
  return c.json({ ...account, ...access }, 201);
};

export const sessionLogin: RouteHandler<typeof sessionLoginRoute, AppEnv> = async (c) => {
  requireSameOrigin(c);
  const { tokens, tenantId } = await signIn(c, c.req.valid('json'));
  const { refreshToken, ...access } = tokens;
  c.header('Cache-Control', 'no-store');
  c.header('Set-Cookie', sessionCookie(refreshToken));
  return c.json({ ...access, tenantId }, 200);
};

export const sessionRefresh: RouteHandler<typeof sessionRefreshRoute, AppEnv> = async (c) => {
  requireSameOrigin(c);
  const presented = sessionCookieToken(c.req.header('cookie'));
  if (!presented) throw unauthorized('no session; sign in');
  // A refused token (reused, revoked, expired) is worthless: the answer also clears the cookie.
  const { tokens, tenantId } = await rotateRefreshToken(c, presented, { 'Set-Cookie': clearedSessionCookie() });
  const { refreshToken, ...access } = tokens;
  c.header('Cache-Control', 'no-store');
  c.header('Set-Cookie', sessionCookie(refreshToken));
  return c.json({ ...access, tenantId }, 200);
};

export const sessionLogout: RouteHandler<typeof sessionLogoutRoute, AppEnv> = async (c) => {
  requireSameOrigin(c);
  const presented = sessionCookieToken(c.req.header('cookie'));
  if (presented) await endSession(c, presented);
  c.header('Set-Cookie', clearedSessionCookie());
  return c.body(null, 204);
};
