// The one interface every provider client implements, the pod shape they all return, and the one
// error type they throw. The agent's HTTP layer maps ProviderError kinds to problem codes.

export const PROVIDER_IDS = ['sim', 'runpod', 'vastai', 'lambda'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export const PRICINGS = ['on_demand', 'spot', 'interruptible'] as const;
export type Pricing = (typeof PRICINGS)[number];

/** A pod's state as the agent reports it. Transitional provider states map to the nearest of these. */
export type PodStatus = 'provisioning' | 'running' | 'stopped' | 'terminated' | 'failed';

export interface Connection {
  sshHost?: string;
  sshPort?: number;
  httpUrl?: string;
}

export interface ProviderPod {
  podId: string;
  /** `gpubroker-<deploymentId>` for pods we created; whatever the provider holds otherwise. */
  name: string;
  status: PodStatus;
  connection?: Connection;
  /** 0..1, where the provider reports it. */
  gpuUtilization?: number;
  uptimeSeconds?: number;
  /** The provider says it reclaimed the pod (spot/interruptible). */
  preempted?: boolean;
  /** Provider wording for an odd state (e.g. "host offline"), for people reading events. */
  detail?: string;
}

export interface Target {
  provider: ProviderId;
  offerExternalId: string;
  gpuModel: string;
  gpuCount: number;
  region: string;
  pricing: Pricing;
  podId?: string;
  /** Vast.ai interruptible only: the bid in USD per hour for the whole instance. */
  bidPricePerHourUsd?: number;
}

export interface PodSpec {
  name: string;
  image: string;
  command?: string[];
  env?: Record<string, string>;
  ports?: number[];
  sshPublicKey?: string;
  diskGb?: number;
}

export interface ProvisionRequest {
  jobId: string;
  deploymentId: string;
  /** The name to give the pod: always `gpubroker-<deploymentId>`, so orphans can be found. */
  name: string;
  target: Target;
  spec: PodSpec;
}

export interface PodProvider {
  readonly id: ProviderId;
  /** False when the provider cannot stop and start a pod (Lambda): those jobs answer not_supported. */
  readonly canStopStart: boolean;
  /** Asks the provider for a pod; resolves once the provider accepted, not once it booted. */
  provision(request: ProvisionRequest): Promise<ProviderPod>;
  /** The pod now, or null when the provider does not know it. */
  status(podId: string): Promise<ProviderPod | null>;
  stop(podId: string): Promise<void>;
  start(podId: string): Promise<void>;
  /** Throws a `not_found` ProviderError when the pod is already gone. */
  terminate(podId: string): Promise<void>;
  /** Every live pod whose name starts with `gpubroker-`. */
  list(): Promise<ProviderPod[]>;
}

export type ProviderRegistry = ReadonlyMap<ProviderId, PodProvider>;

export type ProviderErrorKind =
  /** 401/403: the key is missing, wrong or lacks access. */
  | 'auth'
  /** The provider has no machine for this offer right now. */
  | 'no_capacity'
  | 'not_found'
  | 'not_supported'
  /** The request cannot be made as given (names `field`). */
  | 'invalid'
  /** Another 4xx: the provider refused the request; repeating it will not help. */
  | 'rejected'
  | 'rate_limited'
  /** 5xx. */
  | 'unavailable'
  | 'network'
  | 'timeout'
  /** A 2xx whose body is not what the provider documents. */
  | 'bad_response';

export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderId,
    readonly kind: ProviderErrorKind,
    message: string,
    readonly extra: { status?: number; providerCode?: string; field?: string } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
