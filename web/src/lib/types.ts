// The API's JSON shapes as the web app reads them (see /openapi.json for the whole contract).

export type Pricing = 'on_demand' | 'spot' | 'interruptible';
export type Availability = 'available' | 'limited' | 'unavailable';
export type Role = 'owner' | 'admin' | 'member' | 'viewer';

export interface Offer {
  id: string;
  provider: string;
  externalId: string;
  gpuModel: string;
  rawGpuName: string;
  gpuCount: number;
  vramGbPerGpu: number;
  totalVramGb: number;
  vcpus: number | null;
  ramGb: number | null;
  storageGb: number | null;
  pricePerHourUsd: number;
  pricePerGpuHourUsd: number;
  pricing: Pricing;
  region: string;
  country: string | null;
  availability: Availability;
  interconnect: string | null;
  source: 'live' | 'sim';
  observedAt: string;
  ageSeconds: number;
  firstSeenAt: string;
  changedAt: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface PriceStats {
  offers: number;
  providers: number;
  minPricePerGpuHourUsd: number;
  medianPricePerGpuHourUsd: number;
  maxPricePerGpuHourUsd: number;
}

export interface Gpu {
  name: string;
  vendor: string;
  architecture: string;
  vramGb: number;
  memoryBandwidthGbps: number;
  fp16Tflops: number;
  bf16Tflops: number;
  formFactor: string;
  aliases: string[];
  market: {
    offers: number;
    providers: number;
    minPricePerGpuHourUsd: number | null;
    medianPricePerGpuHourUsd: number | null;
    maxPricePerGpuHourUsd: number | null;
    byPricing: Record<string, PriceStats>;
    updatedAt: string | null;
  };
}

export interface HistoryPoint {
  t: string;
  minPricePerGpuHourUsd: number;
  medianPricePerGpuHourUsd: number;
  maxPricePerGpuHourUsd: number;
  offers: number;
}

export interface History {
  model: string;
  window: string;
  pricing: string;
  bucketSeconds: number;
  data: HistoryPoint[];
}

export interface Provider {
  id: string;
  name: string;
  enabled: boolean;
  status: 'healthy' | 'degraded' | 'down' | 'unknown';
  offers: { listed: number };
}

export interface Plan {
  id: string;
  name: string;
  monthlyFeeUsd: number | null;
  requestsPerMinute: number;
  concurrentDeployments: number | null;
  liveConnections: number;
}

export interface Me {
  kind: 'user' | 'api_key';
  user: { id: string; email: string; isPlatformAdmin: boolean } | null;
  tenant: { id: string; name: string; plan: string };
  role: Role;
  memberships: Array<{ tenantId: string; tenantName: string; role: Role }>;
}

export interface BrowserSession {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  tenantId: string;
}

export interface SignupResult extends Omit<BrowserSession, 'tenantId'> {
  tenant: { id: string; name: string; plan: string };
  user: { id: string; email: string };
  apiKey: { id: string; key: string; preview: string };
}

export type DeploymentStatus = 'pending' | 'provisioning' | 'running' | 'stopping' | 'stopped' | 'terminating' | 'terminated' | 'failed';

export interface Deployment {
  id: string;
  name: string;
  status: DeploymentStatus;
  statusReason: string | null;
  statusSince: string;
  offerId: string;
  provider: string;
  region: string;
  gpuModel: string;
  gpuCount: number;
  pricing: string;
  quotedPricePerHourUsd: number;
  image: string;
  command: string[] | null;
  ports: number[];
  diskGb: number | null;
  hasSshKey: boolean;
  envKeys: string[] | null;
  maxHours: number | null;
  maxSpendUsd: number | null;
  failover: { enabled: boolean; maxPricePerGpuHourUsd: number | null; sameGpuModel: boolean } | null;
  podId: string | null;
  connection: { sshHost?: string; sshPort?: number; httpUrl?: string } | null;
  gpuUtilization: number | null;
  uptimeSeconds: number;
  costSoFarUsd: number;
  createdAt: string;
  updatedAt: string;
  runningSince: string | null;
}

export interface DeploymentEvent {
  id: string;
  at: string;
  from: string | null;
  to: string | null;
  reason: string | null;
  detail: string | null;
  source: string;
}

export interface Spend {
  monthlyCapUsd: number | null;
  spentThisMonthUsd: number;
  monthStart: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  preview: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdBy: string | null;
}

export interface Member {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  ip: string | null;
  detail: Record<string, string | number | boolean | null>;
}

/** One change of a live `update` message (README, "Live prices"). */
export interface LiveChange {
  kind: 'added' | 'changed' | 'removed';
  offerId: string;
  offer: Offer;
  price?: { oldPerGpuHourUsd: number; perGpuHourUsd: number; oldPerHourUsd: number; perHourUsd: number };
  availability?: { old: Availability; new: Availability };
  observedAt: string;
  inView: boolean;
}

export type LiveMessage =
  | { type: 'welcome'; room: string; connectionId: string; seq: number }
  | { type: 'subscribed'; channels: string[]; seq: number; mode: 'snapshot' | 'replay' }
  | { type: 'unsubscribed'; channels: string[] }
  | { type: 'snapshot'; channel: string; seq: number; offers: Offer[]; truncated: boolean; reason?: string }
  | { type: 'update'; channel: string; seq: number; committedAt: string; replay: boolean; changes: LiveChange[] }
  | { type: 'error'; code: string; message: string; fatal: boolean }
  | { type: 'pong' };
