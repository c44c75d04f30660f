// Request ids: taken from `X-Request-Id` when the caller sends a sane one, made otherwise; echoed back.
import type { MiddlewareHandler } from 'hono';
import { randomId } from '../catalog/ids';
import type { AppEnv } from '../app-env';

export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const given = c.req.header('x-request-id');
  const id = given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomId('req_');
  c.set('requestId', id);
  await next();
  c.header('X-Request-Id', id);
};
