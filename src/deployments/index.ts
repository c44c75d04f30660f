// Wires the deployment routes and the agent's event callback into the app.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { receiveAgentEvent } from './agent-events';
import { getSpend, putSpendCap } from './spend.handlers';
import { getSpendRoute, putSpendCapRoute } from './spend.routes';
import {
  createDeployment,
  getDeployment,
  listDeployments,
  listEvents,
  startDeployment,
  stopDeployment,
  terminateDeployment,
} from './deployments.handlers';
import {
  createDeploymentRoute,
  getDeploymentRoute,
  listDeploymentsRoute,
  listEventsRoute,
  startDeploymentRoute,
  stopDeploymentRoute,
  terminateDeploymentRoute,
} from './deployments.routes';

export function registerDeployments(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createDeploymentRoute, createDeployment);
  app.openapi(listDeploymentsRoute, listDeployments);
  app.openapi(getDeploymentRoute, getDeployment);
  app.openapi(listEventsRoute, listEvents);
  app.openapi(stopDeploymentRoute, stopDeployment);
  app.openapi(startDeploymentRoute, startDeployment);
  app.openapi(terminateDeploymentRoute, terminateDeployment);
  app.openapi(getSpendRoute, getSpend);
  app.openapi(putSpendCapRoute, putSpendCap);
  // Not part of the public API (and not in /openapi.json): only the agent, with its signature, calls it.
  app.post('/internal/agent/events', receiveAgentEvent);
}
