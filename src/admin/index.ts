// Wires the platform admin API (staff only) into the app: KPIs and tenants, the billing alert feed,
// and manual credit adjustments.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { createAdjustment } from './adjustments.handlers';
import { createAdjustmentRoute } from './adjustments.routes';
import { getOverview, listBillingEvents, listTenants } from './admin.handlers';
import { listBillingEventsRoute, listTenantsRoute, overviewRoute } from './admin.routes';

export function registerAdmin(app: OpenAPIHono<AppEnv>): void {
  app.openapi(overviewRoute, getOverview);
  app.openapi(listTenantsRoute, listTenants);
  app.openapi(listBillingEventsRoute, listBillingEvents);
  app.openapi(createAdjustmentRoute, createAdjustment);
}
