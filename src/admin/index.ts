// Wires the platform-admin routes into the app.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { createAdjustment } from './billing.handlers';
import { createAdjustmentRoute } from './billing.routes';

export function registerAdmin(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createAdjustmentRoute, createAdjustment);
}
