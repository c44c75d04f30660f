// Wires the identity routes (signup, login, refresh, logout, me, JWKS) into the app.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { jwksDocument, login, logout, me, refresh, signup } from './auth.handlers';
import { jwksRoute, loginRoute, logoutRoute, meRoute, refreshRoute, signupRoute } from './auth.routes';

export function registerIdentity(app: OpenAPIHono<AppEnv>): void {
  app.openapi(signupRoute, signup);
  app.openapi(loginRoute, login);
  app.openapi(refreshRoute, refresh);
  app.openapi(logoutRoute, logout);
  app.openapi(meRoute, me);
  app.openapi(jwksRoute, jwksDocument);
}
