// Wires the price-alert routes into the app.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { createAlert, deleteAlert, getAlert, listAlerts, listDeliveries } from './alerts.handlers';
import { createAlertRoute, deleteAlertRoute, getAlertRoute, listAlertsRoute, listDeliveriesRoute } from './alerts.routes';

export function registerAlerts(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createAlertRoute, createAlert);
  app.openapi(listAlertsRoute, listAlerts);
  app.openapi(getAlertRoute, getAlert);
  app.openapi(deleteAlertRoute, deleteAlert);
  app.openapi(listDeliveriesRoute, listDeliveries);
}
