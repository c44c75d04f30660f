// The price list: one table of plans, their monthly fee and the limits that follow from them.
// Rate limits and deployment limits read these numbers; change them here and nowhere else.

export const PLAN_IDS = ['free', 'basic', 'pro', 'corp', 'enterprise'] as const;
export type PlanId = (typeof PLAN_IDS)[number];

export interface Plan {
  id: PlanId;
  name: string;
  /** Monthly fee in integer micro-dollars; null: priced per contract. */
  monthlyFeeMicroUsd: number | null;
  /** Sustained API requests per minute; also the burst a tenant may spend at once. */
  requestsPerMinute: number;
  /** Deployments running at the same time; null: unlimited. */
  concurrentDeployments: number | null;
  /** Live price connections (WebSocket or SSE) the tenant may hold in one price room. */
  liveConnections: number;
  /** Price alerts the tenant may hold at once. */
  alerts: number;
}

export const PLANS: Readonly<Record<PlanId, Plan>> = {
  free: { id: 'free', name: 'Free', monthlyFeeMicroUsd: 0, requestsPerMinute: 10, concurrentDeployments: 1, liveConnections: 10, alerts: 3 },
  basic: { id: 'basic', name: 'Basic', monthlyFeeMicroUsd: 29_000_000, requestsPerMinute: 30, concurrentDeployments: 2, liveConnections: 25, alerts: 10 },
  pro: { id: 'pro', name: 'Pro', monthlyFeeMicroUsd: 99_000_000, requestsPerMinute: 100, concurrentDeployments: 5, liveConnections: 100, alerts: 50 },
  corp: { id: 'corp', name: 'Corp', monthlyFeeMicroUsd: 499_000_000, requestsPerMinute: 500, concurrentDeployments: 10, liveConnections: 500, alerts: 200 },
  enterprise: { id: 'enterprise', name: 'Enterprise', monthlyFeeMicroUsd: null, requestsPerMinute: 1000, concurrentDeployments: null, liveConnections: 2000, alerts: 1000 },
};

export function isPlanId(value: string): value is PlanId {
  return (PLAN_IDS as readonly string[]).includes(value);
}
