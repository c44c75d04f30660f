// POST /v1/recommendations: the engine over the request's read session.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { recommend } from './recommend';
import type { recommendRoute } from './recommendations.routes';

export const recommendHandler: RouteHandler<typeof recommendRoute, AppEnv> = async (c) => {
  const ctx = c.executionCtx;
  const result = await recommend(c.var.readDb, c.req.valid('json'), Date.now(), {
    snapshotTtlMs: c.var.config.RECOMMEND_SNAPSHOT_TTL_MS,
    waitUntil: (promise) => ctx.waitUntil(promise),
  });
  return c.json(result, 200);
};
