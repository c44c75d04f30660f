// Wires the identity routes (signup, login, refresh, logout, their browser-session twins, me, JWKS) into the app.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { jwksDocument, login, logout, me, refresh, signup } from './auth.handlers';
import { jwksRoute, loginRoute, logoutRoute, meRoute, refreshRoute, signupRoute } from './auth.routes';
import { sessionLogin, sessionLogout, sessionRefresh, sessionSignup } from './session.handlers';
import { sessionLoginRoute, sessionLogoutRoute, sessionRefreshRoute, sessionSignupRoute } from './session.routes';

export function registerIdentity(app: OpenAPIHono<AppEnv>): void {
  app.openapi(signupRoute, signup);
  app.openapi(loginRoute, login);
  app.openapi(refreshRoute, refresh);
  app.openapi(logoutRoute, logout);
  app.openapi(sessionSignupRoute, sessionSignup);
  app.openapi(sessionLoginRoute, sessionLogin);
  app.openapi(sessionRefreshRoute, sessionRefresh);
  app.openapi(sessionLogoutRoute, sessionLogout);
  app.openapi(meRoute, me);
  app.openapi(jwksRoute, jwksDocument);
}
