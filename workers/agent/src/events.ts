// The status events the agent posts to the Worker, and the pure rule for which observation becomes
// which event. Event ids are derived, not random, so a retried delivery carries the same id and the
// Worker can drop duplicates.
import type { Connection, PodStatus, Pricing, ProviderId, ProviderPod } from './providers/types';

export type EventStatus = 'provisioning' | 'running' | 'stopped' | 'terminated' | 'failed' | 'preempted';

export interface AgentEvent {
  eventId: string;
  deploymentId: string;
  jobId: string;
  podId: string;
  provider: ProviderId;
  status: EventStatus;
  reason?: string;
  detail?: string;
  connection?: Connection;
  gpuUtilization?: number;
  observedAt: string;
}

/** What the agent last asked of the pod: a stop or terminate it did not ask for means something. */
export type Expected = 'running' | 'stopped' | 'terminated';

export interface WatchState {
  /** The pod's status at the previous observation; undefined before the first. */
  lastStatus: PodStatus | undefined;
  expected: Expected;
  pricing: Pricing;
}

export interface Transition {
  status: EventStatus;
  reason?: string;
}

/**
 * The event an observation calls for, or null when nothing changed. A spot or interruptible pod that
 * goes from running to stopped or gone without being asked was preempted; the provider may also say so.
 */
export function nextTransition(state: WatchState, observed: ProviderPod): Transition | null {
  if (observed.status === state.lastStatus) return null;
  const gone = observed.status === 'stopped' || observed.status === 'terminated';
  if (gone && state.expected === 'running') {
    const spot = state.pricing !== 'on_demand';
    if (observed.preempted || (spot && state.lastStatus === 'running')) return { status: 'preempted', reason: 'preempted' };
    return { status: observed.status, reason: 'unexpected' };
  }
  if (observed.status === 'failed') return { status: 'failed', reason: 'provider_failed' };
  if (observed.status === state.expected && observed.status !== 'running') return { status: observed.status, reason: 'requested' };
  return { status: observed.status };
}

const encoder = new TextEncoder();

/** `evt_` + 32 hex digits of SHA-256 over everything that makes this transition this one. */
export async function eventIdFor(parts: { provider: string; podId: string; jobId: string; status: EventStatus; ordinal: number }): Promise<string> {
  const key = [parts.provider, parts.podId, parts.jobId, parts.status, parts.ordinal].join('|');
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(key));
  return `evt_${Array.from(new Uint8Array(digest).slice(0, 16), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
