// The market as the optimizer reads it: every listed offer in compact columns, plus per-provider
// reliability evidence, held per isolate and reloaded when a newer ingestion has finished.
//
// Why a snapshot: a recommendation ranks every offer that fits (thousands), and D1 reads rows at
// ~10 µs each at best; 5,000 rows per request is 50+ ms before any ranking. The offers only change
// when an ingestion runs (once a minute), so each isolate reads them once per ingestion — one
// statement, ~12 small columns, `raw()` arrays — and answers from memory until the next one
// finishes. A request then costs one indexed single-row read (the latest ingestion run) plus a
// primary-key read of the offers it returns. Without any finished ingestion (tests that write
// offers directly) nothing is cached.
import type { Pricing } from '../catalog/offer';
import type { ProviderEvidence } from './reliability';

export const PRICINGS: readonly Pricing[] = ['on_demand', 'spot', 'interruptible'];

/** Listed offers, column by column; strings interned into small tables. */
export interface OfferColumns {
  n: number;
  ids: string[];
  model: Uint16Array;
  models: string[];
  provider: Uint16Array;
  providers: string[];
  region: Uint16Array;
  regions: string[];
  country: Uint16Array;
  /** Index 0 is "no country". */
  countries: (string | null)[];
  /** Index into PRICINGS. */
  pricing: Uint8Array;
  /** 1 available, 0 limited (unavailable offers are not in the snapshot). */
  available: Uint8Array;
  gpuCount: Uint16Array;
  vramGbPerGpu: Float32Array;
  pricePerHourMicro: Float64Array;
  pricePerGpuHourMicro: Float64Array;
  observedAt: Float64Array;
}

export interface MarketSnapshot {
  /** The ingestion run the offers are from (`id:finishedAt`), or null when not cached. */
  key: string | null;
  loadedAt: number;
  offers: OfferColumns;
  evidence: Map<string, ProviderEvidence>;
  evidenceLoadedAt: number;
}

/** Deployment outcomes older than this say little about a provider today. */
export const DEPLOYMENT_WINDOW_MS = 30 * 86_400_000;
/** Deployment outcomes change between ingestions; reread them at most this often. */
export const EVIDENCE_TTL_MS = 60_000;

type Db = D1Database | D1DatabaseSession;
type Row = [string, string, string, number, number, number, number, string, string, string | null, string, number];

const OFFERS_SQL = `SELECT id, provider, gpu_model, gpu_count, vram_gb_per_gpu, price_per_hour_micro, price_per_gpu_hour_micro,
  pricing, region, country, availability, observed_at FROM offers WHERE availability <> 'unavailable'`;

class Interner {
  readonly values: (string | null)[] = [];
  private readonly index = new Map<string | null, number>();
  constructor(first?: string | null) {
    if (first !== undefined) this.id(first);
  }
  id(value: string | null): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}

export async function loadOffers(db: Db): Promise<OfferColumns> {
  const rows = await db.prepare(OFFERS_SQL).raw<Row>();
  const n = rows.length;
  const models = new Interner();
  const providers = new Interner();
  const regions = new Interner();
  const countries = new Interner(null);
  const cols: OfferColumns = {
    n,
    ids: new Array<string>(n),
    model: new Uint16Array(n),
    models: [],
    provider: new Uint16Array(n),
    providers: [],
    region: new Uint16Array(n),
    regions: [],
    country: new Uint16Array(n),
    countries: [],
    pricing: new Uint8Array(n),
    available: new Uint8Array(n),
    gpuCount: new Uint16Array(n),
    vramGbPerGpu: new Float32Array(n),
    pricePerHourMicro: new Float64Array(n),
    pricePerGpuHourMicro: new Float64Array(n),
    observedAt: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    cols.ids[i] = r[0];
    cols.provider[i] = providers.id(r[1]);
    cols.model[i] = models.id(r[2]);
    cols.gpuCount[i] = r[3];
    cols.vramGbPerGpu[i] = r[4];
    cols.pricePerHourMicro[i] = r[5];
    cols.pricePerGpuHourMicro[i] = r[6];
    cols.pricing[i] = Math.max(0, PRICINGS.indexOf(r[7] as Pricing));
    cols.region[i] = regions.id(r[8]);
    cols.country[i] = countries.id(r[9]);
    cols.available[i] = r[10] === 'available' ? 1 : 0;
    cols.observedAt[i] = r[11];
  }
  cols.models = models.values as string[];
  cols.providers = providers.values as string[];
  cols.regions = regions.values as string[];
  cols.countries = countries.values;
  return cols;
}

/**
 * Reliability evidence per provider: health now, and deployments of the last 30 days. A deployment
 * counts once: failed for the provider's reasons, else succeeded if it ever ran. It is counted for the
 * provider it is on now (a failover moves it); counts across tenants, never anything tenant-specific.
 */
export async function loadEvidence(db: Db, now: number): Promise<Map<string, ProviderEvidence>> {
  const [health, deployments] = await Promise.all([
    db.prepare('SELECT provider, status, consecutive_failures FROM provider_health').all<{ provider: string; status: 'healthy' | 'degraded' | 'down'; consecutive_failures: number }>(),
    db
      .prepare(
        `SELECT provider,
           SUM(CASE WHEN status = 'failed' AND status_reason IN ('no_capacity', 'provider_error', 'stuck') THEN 1 ELSE 0 END) AS failed,
           SUM(CASE WHEN NOT (status = 'failed' AND status_reason IN ('no_capacity', 'provider_error', 'stuck'))
                     AND (run_ms > 0 OR running_since IS NOT NULL) THEN 1 ELSE 0 END) AS succeeded
         FROM deployments WHERE created_at >= ?1 GROUP BY provider`,
      )
      .bind(now - DEPLOYMENT_WINDOW_MS)
      .all<{ provider: string; failed: number; succeeded: number }>(),
  ]);
  const evidence = new Map<string, ProviderEvidence>();
  const of = (provider: string): ProviderEvidence => {
    let e = evidence.get(provider);
    if (!e) {
      e = { health: null, deployments: { succeeded: 0, failed: 0 }, uptime7d: null };
      evidence.set(provider, e);
    }
    return e;
  };
  for (const h of health.results) of(h.provider).health = { status: h.status, consecutiveFailures: h.consecutive_failures };
  for (const d of deployments.results) of(d.provider).deployments = { succeeded: d.succeeded ?? 0, failed: d.failed ?? 0 };
  return evidence;
}

let cached: MarketSnapshot | null = null;
/** The ingestion another request is loading, and since when. */
let loading: { key: string; since: number } | null = null;
/** A load taking longer than this is presumed dead (its request cancelled); the next request loads itself. */
const LOAD_WAIT_MS = 15_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The latest finished ingestion, as a cache key; null when none has finished. */
async function latestIngestion(db: Db): Promise<string | null> {
  const run = await db
    .prepare('SELECT id, finished_at FROM ingestion_runs WHERE finished_at IS NOT NULL ORDER BY started_at DESC LIMIT 1')
    .first<{ id: string; finished_at: number }>();
  return run ? `${run.id}:${run.finished_at}` : null;
}

async function load(db: Db, key: string | null, now: number): Promise<MarketSnapshot> {
  const [offers, evidence] = await Promise.all([loadOffers(db), loadEvidence(db, now)]);
  return { key, loadedAt: now, offers, evidence, evidenceLoadedAt: now };
}

/**
 * The snapshot for the latest finished ingestion. `cache: false` reads everything afresh (and leaves
 * the isolate's snapshot alone).
 *
 * When another request is already loading the same ingestion, this one polls for its result instead
 * of loading 100k rows a second time. It does not await that request's promise: the Workers runtime
 * ties I/O to the request that started it, and a promise settled from another request's context can
 * be cancelled with it.
 */
export async function marketSnapshot(db: Db, now: number, options: { cache?: boolean } = {}): Promise<MarketSnapshot> {
  const key = await latestIngestion(db);
  if (options.cache === false || key === null) return load(db, null, now);
  for (let waited = 0; loading?.key === key && cached?.key !== key && Date.now() - loading.since < LOAD_WAIT_MS; waited++) await sleep(Math.min(50, 5 + waited * 5));
  const current = cached;
  if (current?.key === key) {
    if (now - current.evidenceLoadedAt <= EVIDENCE_TTL_MS && now >= current.evidenceLoadedAt) return current;
    // Same offers; only the deployment evidence is old.
    const evidence = await loadEvidence(db, now);
    const fresher = { ...current, evidence, evidenceLoadedAt: now };
    if (cached === current) cached = fresher;
    return fresher;
  }
  loading = { key, since: Date.now() };
  try {
    const snapshot = await load(db, key, now);
    // A slower load of an older ingestion never replaces a newer one.
    if (!cached || cached.loadedAt <= snapshot.loadedAt) cached = snapshot;
    return snapshot;
  } finally {
    if (loading?.key === key) loading = null;
  }
}

/** Forgets the isolate's snapshot (tests, and a caller that knows the offers changed). */
export function dropMarketSnapshot(): void {
  cached = null;
  loading = null;
}
