// How often a deployment page asks for news: quickly while the status is moving (1.5 s, then ×1.5
// up to 10 s, starting over on each change), slowly while it is steady, never once it is final,
// and slower still in a hidden tab. Pure.
import type { DeploymentStatus } from './types';

export const FINAL_STATUSES: ReadonlySet<DeploymentStatus> = new Set(['terminated', 'failed']);
const MOVING: ReadonlySet<DeploymentStatus> = new Set(['pending', 'provisioning', 'stopping', 'terminating']);

/** Milliseconds until the next poll, or null to stop. `attempt` counts polls since the last status change. */
export function nextPollDelay(status: DeploymentStatus, attempt: number, hidden = false): number | null {
  if (FINAL_STATUSES.has(status)) return null;
  const delay = MOVING.has(status) ? Math.min(10_000, Math.round(1500 * 1.5 ** attempt)) : 30_000;
  return hidden ? Math.max(delay, 60_000) : delay;
}

/** Actions a person can take in each status (the API answers 409 to the others). */
export function allowedActions(status: DeploymentStatus): { stop: boolean; start: boolean; terminate: boolean } {
  return { stop: status === 'running', start: status === 'stopped', terminate: !FINAL_STATUSES.has(status) && status !== 'terminating' };
}
