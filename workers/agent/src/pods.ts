// Pod names and the pod shape the agent answers with. Every pod we create is named
// `gpubroker-<deploymentId>`, so a list at the provider finds orphans and says whose they are.
import type { Connection, PodStatus, ProviderId, ProviderPod } from './providers/types';

export const POD_NAME_PREFIX = 'gpubroker-';

export const podName = (deploymentId: string): string => POD_NAME_PREFIX + deploymentId;

export const isOurs = (name: string | null | undefined): boolean => typeof name === 'string' && name.startsWith(POD_NAME_PREFIX);

export function deploymentIdOf(name: string | null | undefined): string | null {
  return isOurs(name) && name!.length > POD_NAME_PREFIX.length ? name!.slice(POD_NAME_PREFIX.length) : null;
}

export interface PodView {
  podId: string;
  provider: ProviderId;
  name: string;
  deploymentId: string | null;
  status: PodStatus | 'not_found';
  connection?: Connection;
  gpuUtilization?: number;
  uptimeSeconds?: number;
  detail?: string;
  observedAt: string;
}

/** The answer for one pod; a pod the provider does not know is `status: 'not_found'`, not a 404. */
export function podView(provider: ProviderId, podId: string, pod: ProviderPod | null, now: number): PodView {
  const observedAt = new Date(now).toISOString();
  if (!pod) return { podId, provider, name: '', deploymentId: null, status: 'not_found', observedAt };
  return {
    podId: pod.podId,
    provider,
    name: pod.name,
    deploymentId: deploymentIdOf(pod.name),
    status: pod.status,
    ...(pod.connection && Object.keys(pod.connection).length > 0 ? { connection: pod.connection } : {}),
    ...(pod.gpuUtilization !== undefined ? { gpuUtilization: pod.gpuUtilization } : {}),
    ...(pod.uptimeSeconds !== undefined ? { uptimeSeconds: pod.uptimeSeconds } : {}),
    ...(pod.detail ? { detail: pod.detail } : {}),
    observedAt,
  };
}
