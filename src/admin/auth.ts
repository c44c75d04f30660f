// Platform-admin routes: only GPUBroker staff (users flagged is_platform_admin, never API keys).
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { forbidden, unauthorized } from '../tenancy/auth.middleware';

export const requirePlatformAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const p = c.var.principal;
  if (p.kind === 'anonymous') throw unauthorized('sign in as a platform admin');
  if (!p.isPlatformAdmin) throw forbidden('platform admins only');
  return next();
};
