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
  /** Instance price / (dense FP16 TFLOPS × GPUs); null for a GPU the registry does not know. */
  pricePerFp16TflopHourUsd?: number | null;
  /** Instance price / total VRAM. */
  pricePerVramGbHourUsd?: number | null;
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

/** GET /v1/alerts: a price alert's rule as the API shows it back (aliases resolved, all pricing types when none was given). */
export interface AlertRule {
  gpuModel: string;
  minGpuCount: number;
  maxGpuCount: number | null;
  maxPricePerGpuHourUsd: number;
  pricing: Pricing[];
  region: string | null;
  countries: string[] | null;
  minAvailability: 'available' | 'limited';
}

export interface Alert {
  id: string;
  name: string | null;
  status: 'active' | 'deleted';
  rule: AlertRule;
  delivery: { type: 'webhook'; url: string } | { type: 'live' };
  createdAt: string;
  lastFiredAt: string | null;
  firedOffers: number;
}

/** POST /v1/alerts answer: a webhook alert carries its signing secret, this once. */
export interface AlertCreated extends Alert {
  signingSecret?: string;
}

export type AlertDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface AlertDelivery {
  id: string;
  alertId: string;
  kind: 'webhook' | 'live';
  status: AlertDeliveryStatus;
  offerCount: number;
  offerIds: string[];
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  sockets: number | null;
  createdAt: string;
  deliveredAt: string | null;
  failedAt: string | null;
  attemptLog: Array<{ attempt: number; at: string; statusCode: number | null; latencyMs: number | null; error: string | null; responseSnippet: string | null }>;
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
  | { type: 'alert'; id: string; event: string; timestamp: string; data: AlertFired }
  | { type: 'pong' };

/** A fired price alert, as its webhook body and its live message carry it. */
export interface AlertFired {
  alertId: string;
  alertName: string | null;
  rule: AlertRule;
  offerCount: number;
  truncated: boolean;
  offers: Offer[];
}

// ---------------------------------------------------------------- market analytics

export interface MedianChange {
  at: string;
  fromMedianPricePerGpuHourUsd: number;
  absoluteUsd: number;
  percent: number;
}

export interface MarketSummaryRow {
  gpuModel: string;
  pricing: 'all' | Pricing;
  offers: number;
  providers: number;
  minPricePerGpuHourUsd: number;
  p25PricePerGpuHourUsd: number;
  medianPricePerGpuHourUsd: number;
  p75PricePerGpuHourUsd: number;
  maxPricePerGpuHourUsd: number;
  availability: { available: number; limited: number; availableShare: number; limitedShare: number };
  change24h: MedianChange | null;
  change7d: MedianChange | null;
}

export interface ProviderAnalytics {
  id: string;
  name: string;
  enabled: boolean;
  offers: number;
  indexedOffers: number;
  priceIndex: number | null;
  freshness: { newestObservedAt: string | null; newestAgeSeconds: number | null; medianObservedAt: string | null; medianAgeSeconds: number | null };
  health: { status: 'healthy' | 'degraded' | 'down' | 'unknown'; lastSuccessAt: string | null; consecutiveFailures: number };
  uptime7d: { uptime: number; pulls: number; failures: number; skipped: number; avgLatencyMs: number | null } | null;
}

export interface ForecastPoint {
  t: string;
  pricePerGpuHourUsd: number;
  lower80Usd: number;
  upper80Usd: number;
  lower95Usd: number;
  upper95Usd: number;
}

export interface Forecast {
  model: string;
  pricing: string;
  estimate: true;
  note: string;
  method: string;
  parameters: { alpha: number; beta: number } | null;
  history: { points: number; interpolated: number; from: string | null; to: string | null; stepSeconds: number };
  backtest: { method: string; trainPoints: number; points: number; maeUsd: number; rmseUsd: number; mapePercent: number; naiveMaeUsd: number } | null;
  forecast: ForecastPoint[];
  reason: string | null;
}

// ---------------------------------------------------------------- billing

export type PlanId = 'free' | 'basic' | 'pro' | 'corp' | 'enterprise';

export interface Balance {
  currency: 'USD';
  balanceUsd: number;
  availableUsd: number;
  reservedUsd: number;
  reserved: { accruedUsd: number; holdsUsd: number };
  thisMonth: { monthStart: string; usageUsd: number; unbilledUsd: number; feesUsd: number; totalUsd: number };
  marginPercent: number;
  lowBalance: boolean;
  lowBalanceThresholdUsd: number | null;
  exhaustedAt: string | null;
  graceEndsAt: string | null;
  plan: PlanId;
}

export type UsageGroup = 'deployment' | 'gpu' | 'provider' | 'day';

export interface UsageRow {
  key: string;
  deploymentName?: string | null;
  costUsd: number;
  marginUsd: number;
  totalUsd: number;
  seconds: number;
  charges: number;
}

export interface Usage {
  from: string;
  to: string;
  groupBy: UsageGroup;
  data: UsageRow[];
  totals: { costUsd: number; marginUsd: number; totalUsd: number; seconds: number; charges: number };
}

export interface LedgerTransaction {
  id: string;
  kind: string;
  amountUsd: number;
  description: string;
  reference: string;
  deploymentId: string | null;
  detail: Record<string, unknown>;
  actor: { type: 'user' | 'api_key' | 'system' | 'webhook'; id: string | null };
  createdAt: string;
  entries: Array<{ account: string; amountUsd: number }>;
}

export interface Subscription {
  plan: PlanId;
  monthlyFeeUsd: number | null;
  periodStart: string | null;
  periodEnd: string | null;
  renewsAt: string | null;
}

export interface PlanChange {
  plan: PlanId;
  previousPlan: PlanId;
  periodStart: string;
  periodEnd: string;
  proration: { remainingSeconds: number; periodSeconds: number; creditUsd: number; chargeUsd: number; netUsd: number };
  balanceUsd: number;
}

export interface InvoiceLine {
  kind: string;
  description: string;
  deploymentId: string | null;
  gpuModel: string | null;
  provider: string | null;
  hours: number | null;
  unitPriceUsd: number | null;
  amountUsd: number;
  transactionId: string | null;
}

export interface InvoiceSummary {
  id: string | null;
  status: 'issued' | 'upcoming';
  currency: 'USD';
  periodStart: string;
  periodEnd: string;
  issuedAt: string | null;
  openingBalanceUsd: number;
  closingBalanceUsd: number;
  chargesUsd: number;
  paymentsUsd: number;
  totals: Record<string, number>;
  transactionCount: number;
}

export interface Invoice extends InvoiceSummary {
  lines: InvoiceLine[];
}

export type PaymentProvider = 'stripe' | 'paypal';
export type PaymentStatus = 'created' | 'approved' | 'paid' | 'partially_refunded' | 'refunded' | 'disputed' | 'failed';

export interface Checkout {
  orderId: string;
  provider: PaymentProvider;
  checkoutUrl: string;
  amountUsd: number;
  status: PaymentStatus;
}

export interface Payment {
  id: string;
  provider: PaymentProvider;
  status: PaymentStatus;
  amountUsd: number;
  currency: string;
  refundedUsd: number;
  disputedUsd: number;
  checkoutUrl: string | null;
  providerOrderId: string | null;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  paidAt: string | null;
}

// ---------------------------------------------------------------- platform admin

export interface AdminRevenue {
  creditPurchasedUsd: number;
  refundedUsd: number;
  disputedUsd: number;
  usageChargedUsd: number;
  marginUsd: number;
  subscriptionUsd: number;
  adjustmentsUsd: number;
}

export type AdminWindow = '24h' | '7d' | '30d' | '90d';

export interface AdminOverview {
  window: AdminWindow;
  from: string;
  to: string;
  tenants: { total: number; newInWindow: number; byPlan: Record<string, number> };
  users: { total: number };
  deployments: { active: number; running: number; createdInWindow: number; failedInWindow: number; reachedRunningShare: number | null; gpuHoursInWindow: number };
  revenue: AdminRevenue;
  outstandingCreditUsd: number;
  daily: Array<{ day: string; revenue: AdminRevenue; signups: number; deploymentsCreated: number }>;
  providers: Array<{ provider: string; status: 'healthy' | 'degraded' | 'down'; offers: number; lastSuccessAt: string | null; consecutiveFailures: number }>;
}

export interface AdminTenant {
  id: string;
  name: string;
  plan: string;
  createdAt: string;
  members: number;
  activeDeployments: number;
  balanceUsd: number;
  monthlySpendCapUsd: number | null;
}

export interface BillingEvent {
  id: string;
  tenantId: string | null;
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  detail: Record<string, unknown>;
  createdAt: string;
}

export interface Adjustment {
  transactionId: string;
  tenantId: string;
  amountUsd: number;
  reason: string;
  balanceUsd: number;
  createdAt: string;
}

export interface WebhookEvent {
  id: string;
  provider: PaymentProvider;
  eventId: string;
  type: string;
  status: 'received' | 'processed' | 'ignored' | 'failed' | 'rejected-mismatch';
  outcome: string | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  signatureMethod: 'hmac' | 'cert' | 'api';
  tenantId: string | null;
  orderId: string | null;
  receivedAt: string;
  processedAt: string | null;
}

// ---------------------------------------------------------------- recommendations and the assistant

export type WorkloadKind = 'llm_inference' | 'llm_finetune' | 'training' | 'image_generation' | 'batch';
export type Precision = 'fp32' | 'bf16' | 'fp16' | 'int8' | 'int4';
export type FinetuneMethod = 'full' | 'lora' | 'qlora';
export type Criterion = 'cost' | 'time' | 'freshness' | 'availability' | 'reliability' | 'interruption';
export type Stage =
  | 'gpuModels'
  | 'providers'
  | 'excludeProviders'
  | 'regions'
  | 'countries'
  | 'interruptible'
  | 'gpuCount'
  | 'gpuMemory'
  | 'minTflops'
  | 'tokensPerSecond'
  | 'deadline'
  | 'maxPricePerGpuHour'
  | 'budgetUsd';

/** The body of POST /v1/recommendations (see RecommendationRequest in /openapi.json). */
export interface RecommendationRequest {
  gpuMemoryGb?: number;
  gpuCount?: number;
  minTflops?: number;
  hours?: number;
  kind?: WorkloadKind;
  modelParamsB?: number;
  precision?: Precision;
  finetuneMethod?: FinetuneMethod;
  contextTokens?: number;
  batchSize?: number;
  tokensPerSecond?: number;
  datasetTokens?: number;
  epochs?: number;
  gpuModels?: string[];
  budgetUsd?: number;
  maxPricePerGpuHour?: number;
  interruptible?: boolean;
  regions?: string[];
  countries?: string[];
  providers?: string[];
  excludeProviders?: string[];
  weights?: Partial<Record<Criterion, number>>;
  limit?: number;
}

export interface RecommendationFactor {
  criterion: Criterion;
  impact: number;
  detail: string;
}

export interface Recommendation {
  rank: number;
  score: number;
  offer: Offer;
  estimate: { gpusNeeded: number; gpusUsed: number; memoryPerGpuGb: number; hours: number; expectedExtraHours: number; tokensPerSecond: number | null };
  cost: { totalUsd: number; computeUsd: number; expectedPreemptionUsd: number; expectedInterruptions: number; interruptionProbability: number; hazardPerHour: number };
  criteria: { costUsd: number; hours: number; ageSeconds: number; freshness: number; availability: number; reliability: number; interruptionProbability: number };
  reliability: { score: number; health: number; deploymentSuccess: number; uptime7d: number | null };
  explanation: { comparedWith: number; relation: 'above' | 'below'; advantages: RecommendationFactor[]; disadvantages: RecommendationFactor[]; summary: string } | null;
}

export interface Relaxation {
  constraint: Stage;
  suggested: number | null;
  wouldAllow: number;
  cheapestTotalUsd: number | null;
  message: string;
}

export interface RecommendationResult {
  interpretation: {
    source: 'raw' | 'described';
    kind: WorkloadKind | null;
    precision: Precision | null;
    finetuneMethod: FinetuneMethod | null;
    modelShape: { basis: string; paramsB: number } | null;
    memory: { totalGb: number; shardedGb: number; perGpuGb: number };
    minGpuCount: number;
    minTflopsPerGpu: number | null;
    minTokensPerSecond: number | null;
    hours: number | null;
    deadlineHours: number | null;
    formulas: string[];
    assumptions: string[];
  };
  weights: Record<Criterion, number>;
  market: { listedOffers: number; freshOffers: number; knownGpuOffers: number; evaluatedAt: string };
  funnel: Array<{ constraint: Stage; excluded: number; remaining: number }>;
  matched: number;
  data: Recommendation[];
  diagnosis: { message: string; mostRestrictive: Stage | null; relaxations: Relaxation[] } | null;
}

export interface AssistantFilters {
  gpuModels?: string[];
  minGpuCount?: number;
  maxGpuCount?: number;
  minVramGb?: number;
  maxPricePerHour?: number;
  maxPricePerGpuHour?: number;
  countries?: string[];
  regions?: string[];
  providers?: string[];
  excludeProviders?: string[];
  pricing?: Pricing[];
  sort?: 'cheapest' | 'fastest' | 'most_vram';
  limit?: number;
}

export interface AssistantInterpretation {
  intent: 'search_offers' | 'recommend' | 'price_trend' | 'help';
  summary: string;
  filters?: AssistantFilters;
  workload?: RecommendationRequest;
  query?: { gpuModels?: string[]; pricing?: string; window?: '24h' | '7d' | '30d'; forecast?: boolean };
  modelName?: string;
  confidence: number;
  unparsed: string[];
  refined: boolean;
  source: 'parser' | 'parser+ai';
}

export interface TrendSeries {
  model: string;
  points: HistoryPoint[];
  summary: { firstMedianUsd: number; lastMedianUsd: number; changePct: number; lowUsd: number; highUsd: number; from: string; to: string } | null;
  forecast: { estimate: true; horizonHours: number; points: ForecastPoint[]; backtestMapePercent: number | null; reason: string | null } | null;
}

export type AssistantData =
  | { kind: 'offers'; offers: Offer[]; relaxed?: { dropped: 'price' | 'location' | 'pricing' | 'providers'; offers: Offer[] } }
  | { kind: 'recommendations'; recommendations: RecommendationResult }
  | { kind: 'trend'; trend: { window: string; pricing: string; bucketSeconds: number; series: TrendSeries[] } }
  | null;

export interface AssistantAnswer {
  conversationId: string | null;
  interpretation: AssistantInterpretation;
  data: AssistantData;
  reply: string;
  replySource: 'template' | 'ai';
}
