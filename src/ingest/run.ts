// One ingestion pass (the cron trigger): pull every enabled provider concurrently, each with its own
// timeout; store each provider's offers as soon as they arrive; record health; then sweep stale
// offers and rebuild the market summary. One provider failing never stops the others.
import { runAlertPass, type AlertPassReport } from '../alerts/matching';
import { randomId } from '../catalog/ids';
import { readConfig, type Bindings, type Config } from '../env';
import { changeFromRow, removalFromRow, type LiveChange } from '../live/changes';
import { publishChanges, type IngestionChanges, type PublishReport } from '../live/publish';
import { GPU_MODELS } from '../catalog/gpus';
import { ADAPTERS } from '../providers/registry';
import { planProviders, type ProviderSetup } from '../providers/registry';
import { ProviderError, type ProviderPull } from '../providers/types';
import { circuitOpen, INITIAL_HEALTH, nextHealth, type HealthRow, type HealthState, type PullFailure, type PullSuccess } from './health';
import { offerRowOf, refreshMarketSummary, storeOffers, sweepOffers, type LiveBudget, type StoredChange, type SweepResult } from './store';

export interface ProviderReport {
  provider: string;
  outcome: 'ok' | 'failed' | 'skipped';
  reason?: string;
  offers?: number;
  changed?: number;
  latencyMs?: number;
}

export interface IngestionReport {
  runId: string | null;
  /** Set when another pass holds the lease and this one did nothing. */
  skipped?: 'lease_held';
  startedAt: number;
  durationMs: number;
  providers: ProviderReport[];
  offersSeen: number;
  historyRows: number;
  markedUnavailable: number;
  deleted: number;
  /** Offer ids that are new or changed price/availability. */
  changedOfferIds: string[];
  /** What the live rooms were sent: each change (`changes`) or, past LIVE_MAX_CHANGES, a resync. */
  live?: PublishReport & { mode: IngestionChanges['kind']; changes: number; ms: number };
  /** The price-alert pass that followed; absent when it failed (logged, never failing the ingestion). */
  alerts?: AlertPassReport;
}

export interface IngestOptions {
  now?: () => number;
  /** The fetch adapters use; tests pass one that serves fixtures. */
  fetch?: typeof fetch;
}

const LEASE = 'ingestion';

async function acquireLease(db: D1Database, holder: string, now: number, ttlMs: number): Promise<boolean> {
  const row = await db
    .prepare(
      `INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.expires_at < ?4
       RETURNING holder`,
    )
    .bind(LEASE, holder, now + ttlMs, now)
    .first<{ holder: string }>();
  return row?.holder === holder;
}

async function releaseLease(db: D1Database, holder: string): Promise<void> {
  await db.prepare('DELETE FROM leases WHERE name = ?1 AND holder = ?2').bind(LEASE, holder).run();
}

async function loadHealth(db: D1Database): Promise<Map<string, HealthState>> {
  const { results } = await db.prepare('SELECT * FROM provider_health').all<HealthRow>();
  return new Map(
    results.map((r) => [
      r.provider,
      {
        status: r.status,
        lastAttemptAt: r.last_attempt_at,
        lastSuccessAt: r.last_success_at,
        lastErrorAt: r.last_error_at,
        lastErrorKind: r.last_error_kind,
        lastError: r.last_error,
        latencyMs: r.latency_ms,
        offerCount: r.offer_count,
        unknownGpuCount: r.unknown_gpu_count,
        skippedCount: r.skipped_count,
        consecutiveFailures: r.consecutive_failures,
        circuitOpenUntil: r.circuit_open_until,
      },
    ]),
  );
}

function saveHealthStatement(db: D1Database, provider: string, h: HealthState, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR REPLACE INTO provider_health (provider, status, last_attempt_at, last_success_at, last_error_at,
         last_error_kind, last_error, latency_ms, offer_count, unknown_gpu_count, skipped_count,
         consecutive_failures, circuit_open_until, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)`,
    )
    .bind(
      provider,
      h.status,
      h.lastAttemptAt,
      h.lastSuccessAt,
      h.lastErrorAt,
      h.lastErrorKind,
      h.lastError,
      h.latencyMs,
      h.offerCount,
      h.unknownGpuCount,
      h.skippedCount,
      h.consecutiveFailures,
      h.circuitOpenUntil,
      now,
    );
}

const HOUR_MS = 3_600_000;

/** One pass's outcome for a provider, folded into its hour of `provider_health_hourly`. */
type HourlyOutcome = { kind: 'ok'; latencyMs: number; offers: number } | { kind: 'failed' } | { kind: 'skipped' };

function healthHourStatement(db: D1Database, provider: string, at: number, outcome: HourlyOutcome): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO provider_health_hourly (provider, hour_start, pulls_ok, pulls_failed, skipped, latency_ms_sum, offers_max)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (provider, hour_start) DO UPDATE SET
         pulls_ok = pulls_ok + excluded.pulls_ok,
         pulls_failed = pulls_failed + excluded.pulls_failed,
         skipped = skipped + excluded.skipped,
         latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum,
         offers_max = MAX(offers_max, excluded.offers_max)`,
    )
    .bind(
      provider,
      Math.floor(at / HOUR_MS) * HOUR_MS,
      outcome.kind === 'ok' ? 1 : 0,
      outcome.kind === 'failed' ? 1 : 0,
      outcome.kind === 'skipped' ? 1 : 0,
      outcome.kind === 'ok' ? Math.round(outcome.latencyMs) : 0,
      outcome.kind === 'ok' ? outcome.offers : 0,
    );
}

/** Runs the adapter with a hard deadline: aborts its requests and stops waiting when time is up. */
async function pullWithTimeout(setup: ProviderSetup, fetchImpl: typeof fetch, now: number, timeoutMs: number): Promise<ProviderPull> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ProviderError(setup.adapter.id, 'timeout', `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      setup.adapter.listOffers({
        baseUrl: setup.baseUrl,
        apiKey: setup.apiKey,
        fetch: fetchImpl,
        now,
        signal: controller.signal,
        settings: setup.settings,
      }),
      deadline,
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

async function ingestProvider(
  env: Bindings,
  config: Config,
  setup: ProviderSetup,
  prev: HealthState,
  fetchImpl: typeof fetch,
  clock: () => number,
  budget: LiveBudget,
): Promise<ProviderReport & { changedIds: string[]; changes: StoredChange[] | null }> {
  const provider = setup.adapter.id;
  const startedAt = clock();
  const policy = {
    failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD,
    cooldownMs: config.CIRCUIT_COOLDOWN_SECONDS * 1000,
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
  };
  if (circuitOpen(prev, startedAt)) {
    await healthHourStatement(env.DB, provider, startedAt, { kind: 'skipped' }).run();
    return { provider, outcome: 'skipped', reason: 'circuit open', changedIds: [], changes: [] };
  }
  try {
    const pull = await pullWithTimeout(setup, fetchImpl, startedAt, config.PROVIDER_TIMEOUT_MS);
    const latencyMs = clock() - startedAt;
    const stored = await storeOffers(env.DB, pull.offers, startedAt, budget);
    const success: PullSuccess = {
      ok: true,
      at: startedAt,
      latencyMs,
      offerCount: pull.offers.length,
      unknownGpuCount: Object.values(pull.unknownGpuNames).reduce((a, b) => a + b, 0),
      skippedCount: pull.skipped,
    };
    const unknown = Object.entries(pull.unknownGpuNames).map(([name, count]) =>
      env.DB.prepare(
        `INSERT INTO unknown_gpu_names (provider, raw_name, offer_count, first_seen_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (provider, raw_name) DO UPDATE SET offer_count = excluded.offer_count, last_seen_at = excluded.last_seen_at`,
      ).bind(provider, name.slice(0, 200), count, startedAt),
    );
    await env.DB.batch([
      saveHealthStatement(env.DB, provider, nextHealth(prev, success, policy), startedAt),
      healthHourStatement(env.DB, provider, startedAt, { kind: 'ok', latencyMs, offers: pull.offers.length }),
      ...unknown,
    ]);
    return {
      provider,
      outcome: 'ok',
      offers: pull.offers.length,
      changed: stored.changedIds.length,
      latencyMs,
      changedIds: stored.changedIds,
      changes: stored.changes,
    };
  } catch (err) {
    const latencyMs = clock() - startedAt;
    const failure: PullFailure =
      err instanceof ProviderError
        ? { ok: false, at: startedAt, latencyMs, kind: err.kind, message: err.message, retryAfterSeconds: err.retryAfterSeconds }
        : { ok: false, at: startedAt, latencyMs, kind: 'internal', message: err instanceof Error ? err.message : String(err) };
    console.warn(`ingest: ${provider} failed: ${failure.kind}: ${failure.message}`);
    await env.DB.batch([
      saveHealthStatement(env.DB, provider, nextHealth(prev, failure, policy), startedAt),
      healthHourStatement(env.DB, provider, startedAt, { kind: 'failed' }),
    ]);
    return { provider, outcome: 'failed', reason: `${failure.kind}: ${failure.message}`, latencyMs, changedIds: [], changes: [] };
  }
}

/**
 * What the live rooms are told about this pass: every change, in API shape, or, past `max` changes
 * (a first pull, a provider outage), only which GPU models and providers moved, so rooms resend
 * snapshots instead of streaming a flood of deltas.
 */
function liveChanges(
  stored: StoredChange[] | null,
  changedCount: number,
  results: { provider: string; changes: StoredChange[] | null }[],
  sweep: SweepResult,
  max: number,
  now: number,
): IngestionChanges {
  const total = changedCount + sweep.markedUnavailable + sweep.deleted;
  if (stored !== null && total <= max && sweep.staleRows !== null && sweep.deletedRows !== null) {
    const changes: LiveChange[] = stored.map((c) => changeFromRow(offerRowOf(c.offer, c.firstSeenAt), c.prior, now));
    for (const row of sweep.staleRows) {
      const prior = { pricePerHourMicro: row.price_per_hour_micro, pricePerGpuHourMicro: row.price_per_gpu_hour_micro, availability: row.availability };
      changes.push(changeFromRow({ ...row, availability: 'unavailable', changed_at: now }, prior, now));
    }
    for (const row of sweep.deletedRows) changes.push(removalFromRow(row, now));
    return { kind: 'changes', changes };
  }
  // Too many to stream: only which channels moved. A provider whose priors were not read may have
  // moved any GPU model, as may a sweep that touched more offers than it listed.
  const gpuModels = new Set<string>();
  const providers = new Set<string>();
  for (const r of results) {
    if (r.changes === null) providers.add(r.provider);
    for (const c of r.changes ?? []) {
      gpuModels.add(c.offer.gpuModel);
      providers.add(c.offer.provider);
    }
  }
  const everyModel = results.some((r) => r.changes === null) || sweep.staleRows === null || sweep.deletedRows === null;
  if (everyModel) for (const spec of GPU_MODELS) gpuModels.add(spec.name);
  if (sweep.staleRows === null || sweep.deletedRows === null) for (const adapter of ADAPTERS) providers.add(adapter.id);
  for (const row of [...(sweep.staleRows ?? []), ...(sweep.deletedRows ?? [])]) {
    gpuModels.add(row.gpu_model);
    providers.add(row.provider);
  }
  return { kind: 'resync', gpuModels, providers };
}

/** One full ingestion pass. Safe to call concurrently: a second caller finds the lease held and returns. */
export async function runIngestion(env: Bindings, options: IngestOptions = {}): Promise<IngestionReport> {
  const clock = options.now ?? Date.now;
  // Wrapped: workerd's fetch throws "Illegal invocation" when called as a method of another object (ctx.fetch).
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const config = readConfig(env);
  const startedAt = clock();
  const runId = randomId('run_');
  const leaseMs = config.PROVIDER_TIMEOUT_MS + 120_000;
  if (!(await acquireLease(env.DB, runId, startedAt, leaseMs))) {
    return {
      runId: null,
      skipped: 'lease_held',
      startedAt,
      durationMs: clock() - startedAt,
      providers: [],
      offersSeen: 0,
      historyRows: 0,
      markedUnavailable: 0,
      deleted: 0,
      changedOfferIds: [],
    };
  }
  try {
    await env.DB.prepare(`INSERT INTO ingestion_runs (id, started_at, status) VALUES (?1, ?2, 'running')`).bind(runId, startedAt).run();
    const health = await loadHealth(env.DB);
    const budget: LiveBudget = { remaining: config.LIVE_MAX_CHANGES + 1 };
    const plans = planProviders(config);
    const results = await Promise.all(
      plans.map(async (plan) => {
        if (!plan.enabled) {
          return { provider: plan.adapter.id, outcome: 'skipped' as const, reason: plan.reason, changedIds: [] as string[], changes: [] as StoredChange[] | null };
        }
        const prev = health.get(plan.setup.adapter.id) ?? INITIAL_HEALTH;
        return ingestProvider(env, config, plan.setup, prev, fetchImpl, clock, budget);
      }),
    );
    const sweepAt = clock();
    const sweep = await sweepOffers(
      env.DB,
      sweepAt,
      config.STALE_AFTER_SECONDS * 1000,
      config.DELETE_AFTER_SECONDS * 1000,
      config.HISTORY_RETENTION_DAYS * 86_400_000,
      config.LIVE_MAX_CHANGES,
    );
    // Every write of this pass has committed: the live rooms may now tell clients.
    const committedAt = clock();
    const changedIds = results.flatMap((r) => r.changedIds);
    const stored = results.every((r) => r.changes !== null) ? results.flatMap((r) => r.changes ?? []) : null;
    const live = liveChanges(stored, changedIds.length, results, sweep, config.LIVE_MAX_CHANGES, committedAt);
    // Alerts look at every offer the pass changed, marked stale or deleted; null when the sweep touched
    // too many to list, and then every alert is checked in full.
    const alertOffers = sweep.staleRows && sweep.deletedRows ? [...changedIds, ...sweep.staleRows.map((r) => r.id), ...sweep.deletedRows.map((r) => r.id)] : null;
    const [, published, alerts] = await Promise.all([
      refreshMarketSummary(env.DB, sweepAt),
      publishChanges(env, live, committedAt).then((r) => ({ ...r, ms: clock() - committedAt })),
      runAlertPass(env, { changedOfferIds: alertOffers }, committedAt).catch((err: unknown) => {
        console.error(`alerts: the pass after ingestion ${runId} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return undefined;
      }),
    ]);

    const ok = results.filter((r) => r.outcome === 'ok').length;
    const failed = results.filter((r) => r.outcome === 'failed').length;
    const report: IngestionReport = {
      runId,
      startedAt,
      durationMs: clock() - startedAt,
      providers: results.map(({ changes: _c, changedIds: _i, ...r }) => r),
      offersSeen: results.reduce((a, r) => a + (r.offers ?? 0), 0),
      // One history row per changed offer, plus one per offer the sweep marked unavailable.
      historyRows: changedIds.length + sweep.markedUnavailable,
      markedUnavailable: sweep.markedUnavailable,
      deleted: sweep.deleted,
      changedOfferIds: changedIds,
      live: { ...published, mode: live.kind, changes: live.kind === 'changes' ? live.changes.length : 0 },
      ...(alerts ? { alerts } : {}),
    };
    await env.DB.prepare(
      `UPDATE ingestion_runs SET finished_at = ?2, status = ?3, providers_ok = ?4, providers_failed = ?5,
         providers_skipped = ?6, offers_seen = ?7, history_rows = ?8, marked_unavailable = ?9, deleted = ?10,
         duration_ms = ?11 WHERE id = ?1`,
    )
      .bind(
        runId,
        clock(),
        failed === 0 ? 'succeeded' : ok > 0 ? 'partial' : 'failed',
        ok,
        failed,
        results.length - ok - failed,
        report.offersSeen,
        report.historyRows,
        report.markedUnavailable,
        report.deleted,
        report.durationMs,
      )
      .run();
    return report;
  } finally {
    await releaseLease(env.DB, runId);
  }
}
