// The deployment lifecycle as data: which status may follow which. Pure, so the API (409 on an
// illegal request), the queue consumer, agent callbacks and the reconcile pass all obey one table.

export const STATUSES = ['pending', 'provisioning', 'running', 'stopping', 'stopped', 'terminating', 'terminated', 'failed'] as const;
export type DeploymentStatus = (typeof STATUSES)[number];

export const FINAL: ReadonlySet<DeploymentStatus> = new Set(['terminated', 'failed']);

export const REASONS = [
  'user_requested',
  'provisioned',
  'no_capacity',
  'provider_error',
  'budget_exhausted',
  'spend_cap_reached',
  'max_hours_reached',
  'preempted',
  'failover',
  'pod_gone',
  'stuck',
  'retries_exhausted',
  'reconciled',
] as const;
export type Reason = (typeof REASONS)[number];

// `→ terminated` from a live status (and `running → stopped`) without passing `terminating` /
// `stopping`: the provider reports the pod gone (or stopped) on its own; the event says so.
const NEXT: Readonly<Record<DeploymentStatus, readonly DeploymentStatus[]>> = {
  // `pending → terminated`: nothing was provisioned, so there is nothing to tear down.
  pending: ['provisioning', 'terminating', 'terminated', 'failed'],
  // `provisioning → provisioning`: a failover to the next offer.
  provisioning: ['provisioning', 'running', 'terminating', 'terminated', 'failed'],
  // `running → provisioning`: a preempted spot pod failing over.
  running: ['stopping', 'stopped', 'terminating', 'terminated', 'provisioning', 'failed'],
  stopping: ['stopped', 'terminating', 'terminated', 'failed'],
  // `stopped → provisioning`: a start, where the provider can resume the pod.
  stopped: ['provisioning', 'terminating', 'terminated', 'failed'],
  terminating: ['terminated', 'failed'],
  terminated: [],
  failed: [],
};

export function canTransition(from: DeploymentStatus, to: DeploymentStatus): boolean {
  return NEXT[from].includes(to);
}

export function isStatus(value: string): value is DeploymentStatus {
  return (STATUSES as readonly string[]).includes(value);
}

/** What a user action needs the deployment to be in, and the status it moves to. */
export const USER_ACTIONS = {
  stop: { from: ['running'] as DeploymentStatus[], to: 'stopping' as DeploymentStatus },
  start: { from: ['stopped'] as DeploymentStatus[], to: 'provisioning' as DeploymentStatus },
  terminate: { from: ['pending', 'provisioning', 'running', 'stopping', 'stopped'] as DeploymentStatus[], to: 'terminating' as DeploymentStatus },
} as const;

/** Milliseconds spent running up to `now`: closed intervals plus the open one. */
export function runMsAt(runMs: number, runningSince: number | null, now: number): number {
  return runMs + (runningSince === null ? 0 : Math.max(0, now - runningSince));
}

/** Cost so far in micro-dollars: the locked hourly price times the time spent running (rounded down). */
export function costMicroAt(pricePerHourMicro: number, runMs: number): number {
  // Whole hours apart from the rest, so price × time stays exact (< 2^53) for any realistic run.
  const hours = Math.floor(runMs / 3_600_000);
  return pricePerHourMicro * hours + Math.floor((pricePerHourMicro * (runMs - hours * 3_600_000)) / 3_600_000);
}
