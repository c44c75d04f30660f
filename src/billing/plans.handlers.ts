// The public price list, straight from the PLANS table.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { microToUsd } from '../money';
import { PLAN_IDS, PLANS } from './plans';
import type { listPlansRoute } from './plans.routes';

export const listPlans: RouteHandler<typeof listPlansRoute, AppEnv> = (c) => {
  const data = PLAN_IDS.map((id) => {
    const plan = PLANS[id];
    return {
      id: plan.id,
      name: plan.name,
      monthlyFeeUsd: plan.monthlyFeeMicroUsd === null ? null : microToUsd(plan.monthlyFeeMicroUsd),
      requestsPerMinute: plan.requestsPerMinute,
      concurrentDeployments: plan.concurrentDeployments,
      liveConnections: plan.liveConnections,
      alerts: plan.alerts,
    };
  });
  return c.json({ data, anonymous: { requestsPerMinute: c.var.config.ANON_RATE_LIMIT_PER_MIN, liveConnections: c.var.config.LIVE_ANON_CONNECTIONS_PER_IP } }, 200);
};
