// Provider health and the circuit breaker, as pure functions of the previous state and one outcome.
// Closed: pull every pass. After CIRCUIT_FAILURE_THRESHOLD consecutive failures the circuit opens
// and the provider is skipped until `circuitOpenUntil`; then one trial pull (half-open) either
// closes it or reopens it for twice as long (capped at 24 h).

export type HealthStatus = 'healthy' | 'degraded' | 'down';

export interface HealthState {
  status: HealthStatus;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  lastErrorAt: number | null;
  lastErrorKind: string | null;
  lastError: string | null;
  latencyMs: number | null;
  offerCount: number;
  unknownGpuCount: number;
  skippedCount: number;
  consecutiveFailures: number;
  circuitOpenUntil: number | null;
}

export const INITIAL_HEALTH: HealthState = {
  status: 'healthy',
  lastAttemptAt: null,
  lastSuccessAt: null,
  lastErrorAt: null,
  lastErrorKind: null,
  lastError: null,
  latencyMs: null,
  offerCount: 0,
  unknownGpuCount: 0,
  skippedCount: 0,
  consecutiveFailures: 0,
  circuitOpenUntil: null,
};

export interface BreakerPolicy {
  failureThreshold: number;
  cooldownMs: number;
  timeoutMs: number;
}

const MAX_COOLDOWN_MS = 24 * 3600_000;

/** True when the breaker says: do not call this provider in this pass. */
export function circuitOpen(state: HealthState, now: number): boolean {
  return state.circuitOpenUntil !== null && state.circuitOpenUntil > now;
}

export interface PullSuccess {
  ok: true;
  at: number;
  latencyMs: number;
  offerCount: number;
  unknownGpuCount: number;
  skippedCount: number;
}

export interface PullFailure {
  ok: false;
  at: number;
  latencyMs: number;
  kind: string;
  message: string;
  retryAfterSeconds?: number;
}

export function nextHealth(prev: HealthState, outcome: PullSuccess | PullFailure, policy: BreakerPolicy): HealthState {
  if (outcome.ok) {
    const records = outcome.offerCount + outcome.skippedCount;
    // A pull that works but is slow or drops a quarter of its records is worth a look: degraded.
    const slow = outcome.latencyMs > policy.timeoutMs / 2;
    const lossy = records > 0 && outcome.skippedCount / records > 0.25;
    return {
      ...prev,
      status: slow || lossy ? 'degraded' : 'healthy',
      lastAttemptAt: outcome.at,
      lastSuccessAt: outcome.at,
      latencyMs: outcome.latencyMs,
      offerCount: outcome.offerCount,
      unknownGpuCount: outcome.unknownGpuCount,
      skippedCount: outcome.skippedCount,
      consecutiveFailures: 0,
      circuitOpenUntil: null,
    };
  }
  const failures = prev.consecutiveFailures + 1;
  let circuitOpenUntil: number | null = null;
  if (failures >= policy.failureThreshold) {
    const doublings = Math.min(failures - policy.failureThreshold, 10);
    circuitOpenUntil = outcome.at + Math.min(policy.cooldownMs * 2 ** doublings, MAX_COOLDOWN_MS);
  }
  if (outcome.retryAfterSeconds !== undefined) {
    // The provider told us when to come back: never earlier than that.
    circuitOpenUntil = Math.max(circuitOpenUntil ?? 0, outcome.at + outcome.retryAfterSeconds * 1000);
  }
  return {
    ...prev,
    status: failures >= policy.failureThreshold ? 'down' : 'degraded',
    lastAttemptAt: outcome.at,
    lastErrorAt: outcome.at,
    lastErrorKind: outcome.kind,
    lastError: outcome.message.slice(0, 500),
    latencyMs: outcome.latencyMs,
    consecutiveFailures: failures,
    circuitOpenUntil,
  };
}

/** A `provider_health` row as D1 returns it. */
export interface HealthRow {
  provider: string;
  status: HealthStatus;
  last_attempt_at: number | null;
  last_success_at: number | null;
  last_error_at: number | null;
  last_error_kind: string | null;
  last_error: string | null;
  latency_ms: number | null;
  offer_count: number;
  unknown_gpu_count: number;
  skipped_count: number;
  consecutive_failures: number;
  circuit_open_until: number | null;
}
