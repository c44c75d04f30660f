// Provider reliability in [0, 1] from what GPUBroker itself has seen: the health of the provider's
// price API, how its deployments went over the last 30 days, and (when recorded) its 7-day uptime. Pure.

export interface ProviderEvidence {
  /** provider_health now; null when the provider was never pulled. */
  health: { status: 'healthy' | 'degraded' | 'down'; consecutiveFailures: number } | null;
  /** Deployments of the last 30 days that reached `running`, and that failed for the provider's reasons (no_capacity, provider_error, stuck). */
  deployments: { succeeded: number; failed: number };
  /** Share of the last 7 days' ingestion passes in which its pull succeeded (provider_health_hourly), or null when none was recorded. */
  uptime7d: number | null;
}

export interface Reliability {
  score: number;
  health: number;
  deploymentSuccess: number;
  uptime7d: number | null;
}

const STATUS_SCORE = { healthy: 1, degraded: 0.7, down: 0.3 } as const;
/** A provider never pulled is neither trusted nor distrusted. */
const UNKNOWN_HEALTH = 0.85;

/**
 * Deployment success is smoothed with a Beta prior worth PRIOR_WEIGHT deployments at PRIOR_SUCCESS
 * (Laplace-style additive smoothing): no history scores PRIOR_SUCCESS for every provider (neutral),
 * one failure moves it little, and a long record dominates: (s + 9 × 0.9) / (s + f + 9).
 */
export const PRIOR_SUCCESS = 0.9;
export const PRIOR_WEIGHT = 9;

export function deploymentSuccess(succeeded: number, failed: number): number {
  return (succeeded + PRIOR_WEIGHT * PRIOR_SUCCESS) / (succeeded + failed + PRIOR_WEIGHT);
}

/**
 * score = 0.5 × deployment success + 0.25 × health + 0.25 × 7-day uptime (0.6 / 0.4 without uptime):
 * a failed deployment is what a user feels; a provider API that is down now also tells us its
 * prices (and likely capacity) are unreliable. Each consecutive failed pull takes 0.05 off health.
 */
export function reliability(e: ProviderEvidence): Reliability {
  const health = e.health === null ? UNKNOWN_HEALTH : Math.max(0, STATUS_SCORE[e.health.status] - 0.05 * Math.min(e.health.consecutiveFailures, 6));
  const success = deploymentSuccess(e.deployments.succeeded, e.deployments.failed);
  const score = e.uptime7d === null ? 0.6 * success + 0.4 * health : 0.5 * success + 0.25 * health + 0.25 * e.uptime7d;
  return { score, health, deploymentSuccess: success, uptime7d: e.uptime7d };
}
