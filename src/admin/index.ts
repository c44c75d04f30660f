// Wires the platform admin API (staff only) into the app.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { getOverview, listBillingEvents, listTenants } from './admin.handlers';
import { listBillingEventsRoute, listTenantsRoute, overviewRoute } from './admin.routes';

export function registerAdmin(app: OpenAPIHono<AppEnv>): void {
  app.openapi(overviewRoute, getOverview);
  app.openapi(listTenantsRoute, listTenants);
  app.openapi(listBillingEventsRoute, listBillingEvents);
}
