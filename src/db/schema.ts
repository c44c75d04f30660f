// D1 schema (drizzle). Money columns are integer micro-dollars (`*_micro`), times are epoch ms.
// Migrations in /migrations are generated from this file by drizzle-kit and read before commit.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** The live market: one row per provider offer, upserted by every ingestion. */
export const offers = sqliteTable(
  'offers',
  {
    id: text('id').primaryKey(),
    provider: text('provider').notNull(),
    externalId: text('external_id').notNull(),
    gpuModel: text('gpu_model').notNull(),
    rawGpuName: text('raw_gpu_name').notNull(),
    gpuCount: integer('gpu_count').notNull(),
    vramGbPerGpu: integer('vram_gb_per_gpu').notNull(),
    totalVramGb: integer('total_vram_gb').notNull(),
    vcpus: real('vcpus'),
    ramGb: real('ram_gb'),
    storageGb: real('storage_gb'),
    pricePerHourMicro: integer('price_per_hour_micro').notNull(),
    pricePerGpuHourMicro: integer('price_per_gpu_hour_micro').notNull(),
    pricing: text('pricing', { enum: ['on_demand', 'spot', 'interruptible'] }).notNull(),
    region: text('region').notNull(),
    country: text('country'),
    availability: text('availability', { enum: ['available', 'limited', 'unavailable'] }).notNull(),
    interconnect: text('interconnect'),
    source: text('source', { enum: ['live', 'sim'] }).notNull(),
    observedAt: integer('observed_at').notNull(),
    firstSeenAt: integer('first_seen_at').notNull(),
    /** Last ingestion that saw the offer; drives the stale and delete sweeps. */
    lastSeenAt: integer('last_seen_at').notNull(),
    /** Last time the price or availability changed. */
    changedAt: integer('changed_at').notNull(),
  },
  (t) => [
    // Every index is paid for on each ingestion (100k rows a minute), so there are only these:
    // one per sort, with `id` as the keyset tie-breaker, so a page is an index range scan...
    index('offers_by_price').on(t.pricePerHourMicro, t.id),
    index('offers_by_gpu_price').on(t.pricePerGpuHourMicro, t.id),
    index('offers_by_vram').on(t.vramGbPerGpu, t.id),
    index('offers_by_count').on(t.gpuCount, t.id),
    index('offers_by_observed').on(t.observedAt, t.id),
    // ...and the two price sorts within one GPU model, the most common search.
    // (No unique (provider, external_id): `id` is derived from exactly that pair. No last_seen_at
    // index: the stale sweep's scan costs less than rewriting that index for every row each pull.)
    index('offers_model_price').on(t.gpuModel, t.pricePerHourMicro, t.id),
    index('offers_model_gpu_price').on(t.gpuModel, t.pricePerGpuHourMicro, t.id),
  ],
);

/** One row per offer each time its price or availability changed (and when first seen). */
export const priceHistory = sqliteTable(
  'price_history',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    offerId: text('offer_id').notNull(),
    provider: text('provider').notNull(),
    gpuModel: text('gpu_model').notNull(),
    gpuCount: integer('gpu_count').notNull(),
    pricing: text('pricing').notNull(),
    pricePerHourMicro: integer('price_per_hour_micro').notNull(),
    pricePerGpuHourMicro: integer('price_per_gpu_hour_micro').notNull(),
    availability: text('availability').notNull(),
    observedAt: integer('observed_at').notNull(),
  },
  (t) => [index('price_history_offer').on(t.offerId, t.observedAt), index('price_history_observed').on(t.observedAt)],
);

/**
 * Market price distribution per GPU model and pricing type in 5-minute buckets, written by every
 * ingestion: min and max fold over the bucket, median is the latest pull's. Feeds the history API.
 */
export const gpuPriceBuckets = sqliteTable(
  'gpu_price_buckets',
  {
    gpuModel: text('gpu_model').notNull(),
    pricing: text('pricing').notNull(),
    bucketStart: integer('bucket_start').notNull(),
    minMicro: integer('min_micro').notNull(),
    medianMicro: integer('median_micro').notNull(),
    maxMicro: integer('max_micro').notNull(),
    offerCount: integer('offer_count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.gpuModel, t.pricing, t.bucketStart] }), index('gpu_price_buckets_start').on(t.bucketStart)],
);

/** Health of each provider's price API, with the circuit breaker's state. */
export const providerHealth = sqliteTable('provider_health', {
  provider: text('provider').primaryKey(),
  status: text('status', { enum: ['healthy', 'degraded', 'down'] }).notNull(),
  lastAttemptAt: integer('last_attempt_at'),
  lastSuccessAt: integer('last_success_at'),
  lastErrorAt: integer('last_error_at'),
  lastErrorKind: text('last_error_kind'),
  lastError: text('last_error'),
  latencyMs: integer('latency_ms'),
  offerCount: integer('offer_count').notNull().default(0),
  unknownGpuCount: integer('unknown_gpu_count').notNull().default(0),
  skippedCount: integer('skipped_count').notNull().default(0),
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
  circuitOpenUntil: integer('circuit_open_until'),
  updatedAt: integer('updated_at').notNull(),
});

/** One row per ingestion pass; also the lease that keeps two cron passes from overlapping. */
export const ingestionRuns = sqliteTable(
  'ingestion_runs',
  {
    id: text('id').primaryKey(),
    startedAt: integer('started_at').notNull(),
    finishedAt: integer('finished_at'),
    status: text('status', { enum: ['running', 'succeeded', 'partial', 'failed'] }).notNull(),
    providersOk: integer('providers_ok').notNull().default(0),
    providersFailed: integer('providers_failed').notNull().default(0),
    providersSkipped: integer('providers_skipped').notNull().default(0),
    offersSeen: integer('offers_seen').notNull().default(0),
    historyRows: integer('history_rows').notNull().default(0),
    markedUnavailable: integer('marked_unavailable').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
    durationMs: integer('duration_ms'),
  },
  (t) => [index('ingestion_runs_started').on(t.startedAt)],
);

/** Single-row leases by name: `ingestion` is held by the pass that is running. */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

/**
 * Current market per GPU model and pricing type (`all` folds every pricing type), rebuilt by each
 * ingestion so `GET /v1/gpus` is one small read instead of a scan of every offer.
 */
export const marketSummary = sqliteTable(
  'market_summary',
  {
    gpuModel: text('gpu_model').notNull(),
    pricing: text('pricing').notNull(),
    offerCount: integer('offer_count').notNull(),
    providerCount: integer('provider_count').notNull(),
    minMicro: integer('min_micro').notNull(),
    medianMicro: integer('median_micro').notNull(),
    maxMicro: integer('max_micro').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** Quartiles per GPU-hour, linear interpolation between closest ranks (as `percentile` in src/market/analytics-math.ts). */
    p25Micro: integer('p25_micro').notNull().default(0),
    p75Micro: integer('p75_micro').notNull().default(0),
    /** Listed offers by availability (`offer_count` = available + limited). */
    availableCount: integer('available_count').notNull().default(0),
    limitedCount: integer('limited_count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.gpuModel, t.pricing] })],
);

/** Raw GPU names no registry alias matched, per provider: the to-do list for the registry. */
export const unknownGpuNames = sqliteTable(
  'unknown_gpu_names',
  {
    provider: text('provider').notNull(),
    rawName: text('raw_name').notNull(),
    offerCount: integer('offer_count').notNull(),
    firstSeenAt: integer('first_seen_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.rawName] })],
);

// ---------------------------------------------------------------------------------------------
// Tenancy and identity. Every tenant-owned table leads with `tenant_id`, and so do its indexes.

export const tenants = sqliteTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  plan: text('plan').notNull(),
  createdAt: integer('created_at').notNull(),
  /** Owner-set ceiling on deployment spend per calendar month (UTC); null: none. */
  monthlySpendCapMicro: integer('monthly_spend_cap_micro'),
});

export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    /** Lower-cased, trimmed. */
    email: text('email').notNull(),
    /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`: parameters travel with the hash. */
    passwordHash: text('password_hash').notNull(),
    isPlatformAdmin: integer('is_platform_admin', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('users_email').on(t.email)],
);

export const memberships = sqliteTable(
  'memberships',
  {
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    role: text('role', { enum: ['owner', 'admin', 'member', 'viewer'] }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] }), index('memberships_user').on(t.userId)],
);

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: ['owner', 'admin', 'member', 'viewer'] }).notNull(),
    /** Hex SHA-256 of the whole key; the key itself is never stored. */
    keyHash: text('key_hash').notNull(),
    /** First characters of the key, shown in lists so people can tell keys apart. */
    preview: text('preview').notNull(),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.keyHash), index('api_keys_tenant').on(t.tenantId, t.createdAt)],
);

/** Refresh tokens, rotated on use; a reused one revokes its whole family. */
export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    familyId: text('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('refresh_tokens_hash').on(t.tokenHash), index('refresh_tokens_family').on(t.tenantId, t.familyId)],
);

/** Failed logins, per account and per IP, for throttling (rows older than the window are pruned). */
export const loginFailures = sqliteTable(
  'login_failures',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** `email:<sha256>` or `ip:<address>`: emails are hashed so the table does not list who tried. */
    subject: text('subject').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('login_failures_subject').on(t.subject, t.at)],
);

/** Append-only record of security-relevant actions. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    at: integer('at').notNull(),
    actorType: text('actor_type', { enum: ['user', 'api_key', 'system', 'anonymous'] }).notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ip: text('ip'),
    /** JSON object with action-specific detail; never a secret. */
    detail: text('detail').notNull().default('{}'),
  },
  (t) => [index('audit_log_tenant').on(t.tenantId, t.at, t.id)],
);

/** Stored first responses of POSTs with an Idempotency-Key, replayed for 24 hours. */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    tenantId: text('tenant_id').notNull(),
    key: text('key').notNull(),
    /** HMAC of method, path and body (keyed by the Idempotency-Key): the same key with another request is refused. */
    requestHash: text('request_hash').notNull(),
    /** `in_progress` while the first request runs; then `done`. */
    state: text('state', { enum: ['in_progress', 'done'] }).notNull(),
    status: integer('status'),
    headers: text('headers'),
    body: text('body'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] }), index('idempotency_keys_expires').on(t.expiresAt)],
);

/**
 * A tenant's GPU pod. The price is locked at creation (`quoted_price_per_hour_micro`); cost is that
 * price times the time spent `running` (`run_ms` closed intervals plus the open one since
 * `running_since`).
 */
export const deployments = sqliteTable(
  'deployments',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    status: text('status').notNull(),
    statusReason: text('status_reason'),
    offerId: text('offer_id').notNull(),
    provider: text('provider').notNull(),
    offerExternalId: text('offer_external_id').notNull(),
    gpuModel: text('gpu_model').notNull(),
    gpuCount: integer('gpu_count').notNull(),
    region: text('region').notNull(),
    pricing: text('pricing').notNull(),
    quotedPricePerHourMicro: integer('quoted_price_per_hour_micro').notNull(),
    /** JSON: image, command, ports, sshPublicKey, diskGb (never env). */
    spec: text('spec').notNull(),
    /** AES-GCM ciphertext of the env object (`v1.<iv b64url>.<ct b64url>`); null: no env. */
    envCiphertext: text('env_ciphertext'),
    maxHours: real('max_hours'),
    maxSpendMicro: integer('max_spend_micro'),
    /** JSON `{enabled, maxPricePerGpuHourMicro, sameGpuModel}` or null. */
    failover: text('failover'),
    /** Offers tried so far, this one included (failover stops at 3). */
    offerAttempts: integer('offer_attempts').notNull().default(1),
    /** JSON array of the offer ids tried before this one. */
    triedOffers: text('tried_offers').notNull().default('[]'),
    podId: text('pod_id'),
    /** JSON connection details from the agent once running. */
    connection: text('connection'),
    gpuUtilization: real('gpu_utilization'),
    runMs: integer('run_ms').notNull().default(0),
    /** Cost of the closed running intervals, each at the price locked then (failover can change it). */
    costMicro: integer('cost_micro').notNull().default(0),
    runningSince: integer('running_since'),
    /** Platform margin in basis points, locked at creation (billing charges cost × (1 + margin)). */
    marginBps: integer('margin_bps').notNull().default(1000),
    /** Running time already charged to the ledger (src/billing/meter.ts): the metering mark. */
    billedRunMs: integer('billed_run_ms').notNull().default(0),
    /** Cost (before margin) already charged, at the prices of the time charged. */
    billedCostMicro: integer('billed_cost_micro').notNull().default(0),
    /** When the current status was entered (stuck-transition detection). */
    statusSince: integer('status_since').notNull(),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('deployments_by_tenant').on(t.tenantId, t.createdAt, t.id),
    index('deployments_by_tenant_status').on(t.tenantId, t.status),
    index('deployments_by_status').on(t.status, t.statusSince),
    // The metering pass's work list: running, or stopped with cost not yet charged. Partial, so it
    // holds only those rows however many deployments have ever existed.
    index('deployments_unbilled')
      .on(t.id)
      .where(sql`running_since IS NOT NULL OR cost_micro <> billed_cost_micro`),
  ],
);

/** Every transition of a deployment, and notes (failover attempts, drift repairs). */
export const deploymentEvents = sqliteTable(
  'deployment_events',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    deploymentId: text('deployment_id').notNull(),
    at: integer('at').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    reason: text('reason'),
    detail: text('detail'),
    source: text('source').notNull(),
    /** The agent's event id, so a redelivered callback is applied once. */
    agentEventId: text('agent_event_id'),
  },
  (t) => [index('deployment_events_by_deployment').on(t.tenantId, t.deploymentId, t.at), uniqueIndex('deployment_events_agent_event').on(t.agentEventId)],
);

/** Queue jobs, by the producer-made job id: the consumer's idempotency record. */
export const deploymentJobs = sqliteTable(
  'deployment_jobs',
  {
    jobId: text('job_id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    deploymentId: text('deployment_id').notNull(),
    action: text('action').notNull(),
    /** `queued`, `done` (outcome stored) or `dead` (retries exhausted). */
    state: text('state').notNull(),
    deliveries: integer('deliveries').notNull().default(0),
    outcome: text('outcome'),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [index('deployment_jobs_by_deployment').on(t.tenantId, t.deploymentId)],
);

// ---------------------------------------------------------------------------------------------
// Billing ledger (src/billing/ledger.ts). Double-entry and append-only: a transaction is a set of
// entries whose signed amounts sum to zero; rows are never updated or deleted. The tenant's prepaid
// credit is the account `credit` (its entries' sum is the balance); the other accounts are where
// that money came from or went (payments:stripe, revenue:usage, …).

export const ledgerTransactions = sqliteTable(
  'ledger_transactions',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    /** credit_purchase | usage | subscription_fee | subscription_credit | refund | dispute | dispute_won | adjustment */
    kind: text('kind').notNull(),
    /**
     * What this transaction accounts for, unique across the ledger so nothing is recorded twice:
     * `stripe:pi_…`, `usage:dep_…:<fromMs>`, `subscription:ten_…:<periodStart>`, `adjustment:<uuid>` …
     */
    reference: text('reference').notNull(),
    /** Net change of the tenant's credit (the sum of its `credit` entries): + adds credit, − draws on it. */
    creditDeltaMicro: integer('credit_delta_micro').notNull(),
    description: text('description').notNull(),
    /** Set on usage charges (and anything else about one deployment), for usage reports and invoices. */
    deploymentId: text('deployment_id'),
    /** JSON object with kind-specific detail (metering window, payment ids, reason); never a secret. */
    detail: text('detail').notNull().default('{}'),
    actorType: text('actor_type', { enum: ['user', 'api_key', 'system', 'webhook'] }).notNull(),
    actorId: text('actor_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('ledger_transactions_reference').on(t.reference),
    index('ledger_transactions_by_tenant').on(t.tenantId, t.createdAt, t.id),
    index('ledger_transactions_by_deployment').on(t.tenantId, t.deploymentId, t.createdAt),
    // Platform-wide reports (admin KPIs) read a time range across tenants.
    index('ledger_transactions_by_time').on(t.createdAt),
    // Usage reports, invoices and this month's fees read one kind over a time range.
    index('ledger_transactions_by_kind').on(t.tenantId, t.kind, t.createdAt),
  ],
);

export const ledgerEntries = sqliteTable(
  'ledger_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    transactionId: text('transaction_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    account: text('account').notNull(),
    /** Signed micro-dollars; the entries of one transaction sum to zero. */
    amountMicro: integer('amount_micro').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('ledger_entries_by_transaction').on(t.transactionId), index('ledger_entries_by_account').on(t.tenantId, t.account, t.createdAt)],
);

/** Per tenant: the `credit` balance, kept in the same batch as every posting that changes it. */
export const billingAccounts = sqliteTable(
  'billing_accounts',
  {
    tenantId: text('tenant_id').primaryKey(),
    balanceMicro: integer('balance_micro').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
    /** The latest top-up (credit purchase or positive adjustment) and the balance it left: the low-balance reference. */
    topupTransactionId: text('topup_transaction_id'),
    topupBalanceMicro: integer('topup_balance_micro'),
    /** When the balance reached zero (or below); cleared by any posting that makes it positive. Grace runs from here. */
    exhaustedAt: integer('exhausted_at'),
    /** Usage charged in the calendar month (UTC) starting at `usage_month_start`, kept by the metering batches. */
    usageMonthStart: integer('usage_month_start'),
    usageMonthMicro: integer('usage_month_micro').notNull().default(0),
    /** End of the last calendar month the invoice pass has handled for this tenant. */
    invoicedThrough: integer('invoiced_through'),
  },
  (t) => [
    index('billing_accounts_exhausted').on(t.exhaustedAt).where(sql`exhausted_at IS NOT NULL`),
    index('billing_accounts_invoiced').on(t.invoicedThrough),
  ],
);

/**
 * Billing events worth a person's attention: a low balance, credit exhausted, a payment that did not
 * match its order. `reference` makes raising the same event twice a no-op.
 */
export const billingEvents = sqliteTable(
  'billing_events',
  {
    id: text('id').primaryKey(),
    /** Null when no tenant could be identified (a webhook for an unknown order). */
    tenantId: text('tenant_id'),
    kind: text('kind').notNull(),
    severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
    reference: text('reference').notNull(),
    /** JSON object; never a secret. */
    detail: text('detail').notNull().default('{}'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('billing_events_reference').on(t.reference),
    index('billing_events_by_tenant').on(t.tenantId, t.createdAt, t.id),
    // The platform's alert feed (admin), newest first across tenants.
    index('billing_events_by_time').on(t.createdAt, t.id),
  ],
);

// ---------------------------------------------------------------------------------------------
// Market analytics (issue 7): provider health history.

/**
 * How each provider's pulls went, per hour: every ingestion pass adds one attempt (ok or failed) or
 * one circuit-open skip to its provider's current hour. Feeds uptime (`src/market/provider-uptime.ts`);
 * rows older than HISTORY_RETENTION_DAYS are pruned by the sweep. Providers a deployment does not
 * pull at all (disabled, no key) get no rows.
 */
export const providerHealthHourly = sqliteTable(
  'provider_health_hourly',
  {
    provider: text('provider').notNull(),
    /** Start of the UTC hour, epoch ms. */
    hourStart: integer('hour_start').notNull(),
    pullsOk: integer('pulls_ok').notNull().default(0),
    pullsFailed: integer('pulls_failed').notNull().default(0),
    /** Passes that did not call the provider because its circuit was open. */
    skipped: integer('skipped').notNull().default(0),
    /** Sum of the durations of the successful pulls (failures are mostly timeouts: they would say nothing). */
    latencyMsSum: integer('latency_ms_sum').notNull().default(0),
    /** Most offers one successful pull returned in the hour. */
    offersMax: integer('offers_max').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.provider, t.hourStart] }), index('provider_health_hourly_hour').on(t.hourStart)],
);

/**
 * Each provider's place in the current market, rebuilt with `market_summary` by every ingestion so
 * `GET /v1/market/providers` reads a few rows instead of every offer: listed offers, the median of
 * (offer price / market median of its GPU model and pricing type), and how fresh its prices are.
 */
export const providerMarket = sqliteTable('provider_market', {
  provider: text('provider').primaryKey(),
  /** Listed (not unavailable) offers. */
  offerCount: integer('offer_count').notNull(),
  /** Listed offers of a known GPU model, the ones the price index compares. */
  indexedCount: integer('indexed_count').notNull(),
  /** Median of price / market median; 1 = the market, null: no offer of a known GPU model. */
  priceIndex: real('price_index'),
  newestObservedAt: integer('newest_observed_at').notNull(),
  medianObservedAt: integer('median_observed_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

// ── Assistant (issue 7): conversations per tenant, each keeping its last 20 turns ─────────────────

/** An assistant conversation of a tenant; `turn_count` numbers its turns (and finds the ones to prune). */
export const assistantConversations = sqliteTable(
  'assistant_conversations',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    /** `usr_…` or `key_…` of the caller who started it. */
    createdBy: text('created_by'),
    turnCount: integer('turn_count').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('assistant_conversations_by_tenant').on(t.tenantId, t.updatedAt)],
);

/** One message and its answer. `facts` is the request after refinement, which the next follow-up refines. */
export const assistantTurns = sqliteTable(
  'assistant_turns',
  {
    tenantId: text('tenant_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    seq: integer('seq').notNull(),
    message: text('message').notNull(),
    intent: text('intent').notNull(),
    /** JSON Facts (src/optimizer/assistant/interpretation.ts). */
    facts: text('facts').notNull(),
    /** JSON interpretation as answered. */
    interpretation: text('interpretation').notNull(),
    reply: text('reply').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.conversationId, t.seq] })],
);

// ---------------------------------------------------------------------------------------------
// Payments (src/billing/payments/). A payment order is one checkout we started with a provider;
// webhook events are every signed delivery a provider made, stored raw before they are processed
// and processed once per (provider, event id). Crediting goes through the ledger (reference
// `payment:<orderId>`), so two event types announcing the same payment credit it once.

export const paymentOrders = sqliteTable(
  'payment_orders',
  {
    /** `pay_…`: also sent to the provider (Stripe metadata/client_reference_id, PayPal custom_id). */
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    provider: text('provider', { enum: ['stripe', 'paypal'] }).notNull(),
    /** Stripe Checkout Session id (`cs_…`) or PayPal order id; null only on a `failed` order. */
    providerOrderId: text('provider_order_id'),
    /** Stripe PaymentIntent id (`pi_…`) or PayPal capture id, once known; refunds and disputes find the order by it. */
    providerPaymentId: text('provider_payment_id'),
    amountMicro: integer('amount_micro').notNull(),
    currency: text('currency').notNull().default('USD'),
    /** created | approved | paid | partially_refunded | refunded | disputed | failed */
    status: text('status').notNull(),
    refundedMicro: integer('refunded_micro').notNull().default(0),
    disputedMicro: integer('disputed_micro').notNull().default(0),
    /** Bumped by every change: each money move is a compare-and-set on it, in the batch that posts it. */
    version: integer('version').notNull().default(0),
    checkoutUrl: text('checkout_url'),
    /** Why a `failed` order failed (the provider's status and error code; never a secret). */
    lastError: text('last_error'),
    /** `usr_…` or `key_…` of the caller who started the checkout. */
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    paidAt: integer('paid_at'),
  },
  (t) => [
    index('payment_orders_by_tenant').on(t.tenantId, t.createdAt, t.id),
    uniqueIndex('payment_orders_provider_order').on(t.provider, t.providerOrderId),
    uniqueIndex('payment_orders_provider_payment').on(t.provider, t.providerPaymentId),
  ],
);

export const paymentWebhookEvents = sqliteTable(
  'payment_webhook_events',
  {
    /** `whk_…` */
    id: text('id').primaryKey(),
    provider: text('provider', { enum: ['stripe', 'paypal'] }).notNull(),
    /** The provider's event id (`evt_…`, `WH-…`): a second delivery of it is a duplicate. */
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    /** The body exactly as received (after its signature verified), for retries and audits. */
    body: text('body').notNull(),
    /** JSON object of the delivery headers worth keeping (signature, transmission ids, user agent); never a secret. */
    headers: text('headers').notNull(),
    /** How the signature was verified: `hmac` (Stripe), `cert` (PayPal certificate) or `api` (PayPal's verify API). */
    signatureMethod: text('signature_method', { enum: ['hmac', 'cert', 'api'] }).notNull(),
    /** received | processed | ignored | failed | rejected-mismatch */
    status: text('status').notNull(),
    /** What processing did, in a few words: `credited`, `already credited`, `awaiting payment`, `amount mismatch` … */
    outcome: text('outcome'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** When the retry pass may try a `failed` event again; null: not scheduled. */
    nextAttemptAt: integer('next_attempt_at'),
    /** Known once the event was matched to one of our orders. */
    tenantId: text('tenant_id'),
    orderId: text('order_id'),
    receivedAt: integer('received_at').notNull(),
    processedAt: integer('processed_at'),
  },
  (t) => [
    uniqueIndex('payment_webhook_events_provider_event').on(t.provider, t.eventId),
    index('payment_webhook_events_retry').on(t.status, t.nextAttemptAt),
    index('payment_webhook_events_by_tenant').on(t.tenantId, t.receivedAt),
  ],
);

// ---------------------------------------------------------------------------------------------
// Billing: subscriptions, invoices and metering runs (src/billing/). Plans are in src/billing/plans.ts;
// the tenant's current plan stays on `tenants.plan`, read on every request.

/**
 * A paid plan's billing period: the fee is paid through `period_end` (a calendar month, UTC) and
 * renewed by the cron pass. No row: nothing to renew (the free plan, or a plan set by contract).
 */
export const billingSubscriptions = sqliteTable(
  'billing_subscriptions',
  {
    tenantId: text('tenant_id').primaryKey(),
    plan: text('plan').notNull(),
    periodStart: integer('period_start').notNull(),
    periodEnd: integer('period_end').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('billing_subscriptions_period_end').on(t.periodEnd)],
);

/** A tenant's monthly statement, built from the ledger once the month is over; never changed after. */
export const invoices = sqliteTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    periodStart: integer('period_start').notNull(),
    periodEnd: integer('period_end').notNull(),
    issuedAt: integer('issued_at').notNull(),
    /** Sum of the credit entries posted before the period. */
    openingBalanceMicro: integer('opening_balance_micro').notNull(),
    closingBalanceMicro: integer('closing_balance_micro').notNull(),
    /** What the tenant was charged (usage, fees, net of subscription credits and adjustments…): −(closing − opening) − payments. */
    chargesMicro: integer('charges_micro').notNull(),
    /** JSON: amount per ledger kind (charges positive, credits negative), as issued. */
    totals: text('totals').notNull(),
    transactionCount: integer('transaction_count').notNull(),
  },
  (t) => [uniqueIndex('invoices_by_period').on(t.tenantId, t.periodStart), index('invoices_by_tenant').on(t.tenantId, t.periodStart, t.id)],
);

export const invoiceLines = sqliteTable(
  'invoice_lines',
  {
    invoiceId: text('invoice_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    position: integer('position').notNull(),
    /** The ledger kind the line sums (usage, subscription_fee, adjustment, credit_purchase, …). */
    kind: text('kind').notNull(),
    description: text('description').notNull(),
    deploymentId: text('deployment_id'),
    gpuModel: text('gpu_model'),
    provider: text('provider'),
    /** Usage lines: running time in milliseconds. */
    quantityMs: integer('quantity_ms'),
    /** Usage lines: the locked hourly price including the margin. */
    unitPriceMicro: integer('unit_price_micro'),
    /** Charges positive, credits and payments negative. */
    amountMicro: integer('amount_micro').notNull(),
    /** A line for one transaction names it; a usage line sums many. */
    transactionId: text('transaction_id'),
  },
  (t) => [primaryKey({ columns: [t.invoiceId, t.position] }), index('invoice_lines_by_tenant').on(t.tenantId, t.invoiceId)],
);

/** One row per metering pass: what it charged, how long it took and how many D1 statements it issued. */
export const billingRuns = sqliteTable(
  'billing_runs',
  {
    id: text('id').primaryKey(),
    startedAt: integer('started_at').notNull(),
    finishedAt: integer('finished_at').notNull(),
    durationMs: integer('duration_ms').notNull(),
    deploymentsSeen: integer('deployments_seen').notNull(),
    deploymentsCharged: integer('deployments_charged').notNull(),
    chargedMicro: integer('charged_micro').notNull(),
    statements: integer('statements').notNull(),
    /** JSON: the whole pass report (budget stops, renewals, invoices). */
    report: text('report').notNull(),
  },
  (t) => [index('billing_runs_started').on(t.startedAt)],
);


// ---------------------------------------------------------------------------------------------
// Price alerts (src/alerts/). Tenant-owned: every row has tenant_id and the API's indexes lead with
// it. The matcher, which runs across tenants after each ingestion, has its own two indexes: alerts by
// (status, model, price cap), and matches by the pass that found them. (No index of matches by offer:
// on a first pass that stores millions of matches it cost more than all else; the matcher reaches a
// changed offer's matches through the alerts that can hold them instead.)

/** A tenant's watch on the market: a rule over offers and where to deliver what newly matches it. */
export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    name: text('name'),
    /** `active` or `deleted` (soft delete: deliveries keep pointing at it). */
    status: text('status', { enum: ['active', 'deleted'] }).notNull(),
    gpuModel: text('gpu_model').notNull(),
    minGpuCount: integer('min_gpu_count').notNull().default(1),
    /** null: no upper bound; equal to min_gpu_count for an exact count. */
    maxGpuCount: integer('max_gpu_count'),
    maxPricePerGpuHourMicro: integer('max_price_per_gpu_hour_micro').notNull(),
    /** `,on_demand,spot,`: commas around every item so SQL tests membership with instr(); null: any. */
    pricing: text('pricing'),
    /** Lower-cased region prefix; null: any. */
    regionPrefix: text('region_prefix'),
    /** `,DE,FR,` like `pricing`; null: any. */
    countries: text('countries'),
    /** `available`: only available offers; `limited`: available or limited. */
    minAvailability: text('min_availability', { enum: ['available', 'limited'] }).notNull(),
    deliveryType: text('delivery_type', { enum: ['webhook', 'live'] }).notNull(),
    webhookUrl: text('webhook_url'),
    /** The Standard Webhooks signing secret sealed with ALERTS_SECRET_KEY (`v1.<iv>.<ct>`); null for live. */
    secretCiphertext: text('secret_ciphertext'),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    deletedAt: integer('deleted_at'),
    /** Last full evaluation against the whole market; null: never (a new alert). */
    evaluatedAt: integer('evaluated_at'),
    lastFiredAt: integer('last_fired_at'),
    /** Offers that fired the alert so far. */
    fireCount: integer('fire_count').notNull().default(0),
  },
  (t) => [
    index('alerts_by_tenant').on(t.tenantId, t.status, t.createdAt, t.id),
    index('alerts_active_by_model').on(t.status, t.gpuModel, t.maxPricePerGpuHourMicro),
  ],
);

/** Offers an alert has fired for and that still match it; a row is removed when the offer stops matching. */
export const alertMatches = sqliteTable(
  'alert_matches',
  {
    tenantId: text('tenant_id').notNull(),
    alertId: text('alert_id').notNull(),
    offerId: text('offer_id').notNull(),
    matchedAt: integer('matched_at').notNull(),
    /** The alert pass that found the match; its delivery is built from the pass's new matches. */
    passId: text('pass_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.alertId, t.offerId] }),
    index('alert_matches_by_pass').on(t.passId, t.tenantId, t.alertId),
  ],
);

/**
 * One alert pass per ingestion: `matched` once its new matches are stored, `delivered` once their
 * deliveries are. A pass left `matched` (the Worker died in between) is finished by a later one.
 */
export const alertPasses = sqliteTable('alert_passes', {
  id: text('id').primaryKey(),
  state: text('state', { enum: ['matched', 'delivered'] }).notNull(),
  startedAt: integer('started_at').notNull(),
  /** Random token of the writer that delivered the pass: two finishers race, only one writes deliveries. */
  finishedBy: text('finished_by'),
});

/** One message to an alert's destination: a batch of newly matching offers. `id` is the webhook-id. */
export const alertDeliveries = sqliteTable(
  'alert_deliveries',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    alertId: text('alert_id').notNull(),
    kind: text('kind', { enum: ['webhook', 'live'] }).notNull(),
    /** `pending` until delivered or given up (`failed`). */
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
    offerCount: integer('offer_count').notNull(),
    /** JSON array of the offer ids in the payload (at most 50; `offer_count` says how many matched). */
    offerIds: text('offer_ids').notNull(),
    /** The exact JSON body sent (the same on every retry, so the signature scheme's id stays meaningful). */
    payload: text('payload').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    /** Live deliveries: sockets that received it. */
    sockets: integer('sockets'),
    createdAt: integer('created_at').notNull(),
    /** When the queue should next hand the delivery to the consumer (now, or after a retry's backoff); a
     *  pending delivery long past it lost its message and is sent again. */
    dueAt: integer('due_at').notNull(),
    /** An attempt in flight holds the delivery until then, so a duplicate message cannot send it twice. */
    claimedUntil: integer('claimed_until'),
    deliveredAt: integer('delivered_at'),
    failedAt: integer('failed_at'),
  },
  (t) => [index('alert_deliveries_by_alert').on(t.tenantId, t.alertId, t.createdAt, t.id), index('alert_deliveries_by_status').on(t.status, t.dueAt)],
);

/** Every webhook attempt of a delivery: status code, latency, error, the start of the response. */
export const alertDeliveryAttempts = sqliteTable(
  'alert_delivery_attempts',
  {
    tenantId: text('tenant_id').notNull(),
    deliveryId: text('delivery_id').notNull(),
    attempt: integer('attempt').notNull(),
    at: integer('at').notNull(),
    statusCode: integer('status_code'),
    latencyMs: integer('latency_ms'),
    error: text('error'),
    /** At most 200 characters of the response body. */
    responseSnippet: text('response_snippet'),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.deliveryId, t.attempt] })],
);
