// The market as the optimizer reads it: every listed offer in compact columns, plus per-provider
// reliability evidence, held per isolate and reloaded when a newer ingestion has finished.
//
// Why a snapshot: a recommendation ranks every offer that fits (thousands), and reading 5,000 rows
// from D1 per request costs more than the 50 ms a request may take (measured locally: ~120 ms for
// 11,000 rows through the model index). The offers only change when an ingestion runs (once a
// minute), so each isolate reads them once per ingestion — one statement, `raw()` arrays, every
// column the API shows — and answers from memory until the next one finishes. Whether one has
// finished is one indexed single-row read, done at most once per KEY_TTL_MS; a request inside that
// window touches no D1 at all. Without any finished ingestion (tests that write offers directly)
// nothing is cached.
import type { Pricing } from '../catalog/offer';
import type { OfferRow } from '../market/offers.query';
import { providerUptime } from '../market/provider-uptime';
import type { ProviderEvidence } from './reliability';

export const PRICINGS: readonly Pricing[] = ['on_demand', 'spot', 'interruptible'];

/** Listed offers, column by column; repeated strings interned into small tables. */
export interface OfferColumns {
  n: number;
  ids: string[];
  externalIds: string[];
  model: Uint32Array;
  models: string[];
  rawGpuName: Uint32Array;
  rawGpuNames: string[];
  provider: Uint32Array;
  providers: string[];
  region: Uint32Array;
  regions: string[];
  country: Uint32Array;
  /** Index 0 is "no country". */
  countries: (string | null)[];
  /** Index into PRICINGS. */
  pricing: Uint8Array;
  /** 1 available, 0 limited (unavailable offers are not in the snapshot). */
  available: Uint8Array;
  gpuCount: Uint16Array;
  vramGbPerGpu: Float32Array;
  totalVramGb: Float32Array;
  /** NaN where the provider does not say. */
  vcpus: Float64Array;
  ramGb: Float64Array;
  storageGb: Float64Array;
  pricePerHourMicro: Float64Array;
  pricePerGpuHourMicro: Float64Array;
  interconnect: Uint32Array;
  /** Index 0 is "none". */
  interconnects: (string | null)[];
  source: Uint8Array;
  observedAt: Float64Array;
  firstSeenAt: Float64Array;
  changedAt: Float64Array;
  /** Offer indices per model (index into `models`): a request limited to some GPU models reads only theirs. */
  byModel: Int32Array[];
  /** observedAt per model, ascending: how many of a skipped model's offers are fresh, by binary search. */
  observedByModel: Float64Array[];
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
/** Uptime is the share of the last 7 days' ingestion passes in which the provider's pull succeeded. */
export const UPTIME_WINDOW_MS = 7 * 86_400_000;
/** Deployment outcomes change between ingestions; reread them at most this often. */
export const EVIDENCE_TTL_MS = 60_000;

type Db = D1Database | D1DatabaseSession;
type Row = [
  number, string, string, string, string, string, number, number, number, number | null, number | null, number | null, number, number,
  string, string, string | null, string, string | null, string, number, number, number,
];

const SOURCES: readonly OfferRow['source'][] = ['live', 'sim'];
/**
 * OFFER_COLUMNS of the offer search (Row above), a chunk at a time in rowid order. Small chunks for two
 * reasons: the rows of one `raw()` result are plain JS arrays of ~22 values (100k at once would hold
 * ~60 MB of them next to the columns being built, against a Worker's 128 MB), and a load in the
 * background shares the isolate's one thread with the requests it serves: between chunks they run.
 */
const OFFERS_SQL = `SELECT rowid, id, provider, external_id, gpu_model, raw_gpu_name, gpu_count, vram_gb_per_gpu, total_vram_gb,
  vcpus, ram_gb, storage_gb, price_per_hour_micro, price_per_gpu_hour_micro, pricing, region, country,
  availability, interconnect, source, observed_at, first_seen_at, changed_at
  FROM offers WHERE rowid > ?1 AND availability <> 'unavailable' ORDER BY rowid LIMIT ?2`;
export const LOAD_CHUNK_ROWS = 5_000;

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

function emptyColumns(capacity: number): OfferColumns {
  return {
    n: 0,
    ids: [],
    externalIds: [],
    model: new Uint32Array(capacity),
    models: [],
    rawGpuName: new Uint32Array(capacity),
    rawGpuNames: [],
    provider: new Uint32Array(capacity),
    providers: [],
    region: new Uint32Array(capacity),
    regions: [],
    country: new Uint32Array(capacity),
    countries: [],
    pricing: new Uint8Array(capacity),
    available: new Uint8Array(capacity),
    gpuCount: new Uint16Array(capacity),
    vramGbPerGpu: new Float32Array(capacity),
    totalVramGb: new Float32Array(capacity),
    vcpus: new Float64Array(capacity),
    ramGb: new Float64Array(capacity),
    storageGb: new Float64Array(capacity),
    pricePerHourMicro: new Float64Array(capacity),
    pricePerGpuHourMicro: new Float64Array(capacity),
    interconnect: new Uint32Array(capacity),
    interconnects: [],
    source: new Uint8Array(capacity),
    observedAt: new Float64Array(capacity),
    firstSeenAt: new Float64Array(capacity),
    changedAt: new Float64Array(capacity),
    byModel: [],
    observedByModel: [],
  };
}

/** The typed columns of `c` copied into arrays of `capacity` (rows arrived while loading). */
function grown(c: OfferColumns, capacity: number): OfferColumns {
  const next = emptyColumns(capacity);
  for (const key of Object.keys(next) as (keyof OfferColumns)[]) {
    const from = c[key];
    const to = next[key];
    if (ArrayBuffer.isView(from) && ArrayBuffer.isView(to)) (to as unknown as Float64Array).set(from as unknown as Float64Array);
  }
  return { ...c, ...Object.fromEntries(Object.entries(next).filter(([, v]) => ArrayBuffer.isView(v))) };
}

/** `expectedRows` sizes the columns (the last snapshot's count); they grow if more arrive. */
export async function loadOffers(db: Db, chunkRows = LOAD_CHUNK_ROWS, expectedRows = 4096): Promise<OfferColumns> {
  let capacity = Math.max(1024, Math.ceil(expectedRows * 1.1));
  let cols = emptyColumns(capacity);
  const models = new Interner();
  const rawNames = new Interner();
  const providers = new Interner();
  const regions = new Interner();
  const countries = new Interner(null);
  const interconnects = new Interner(null);
  let n = 0;
  for (let after = 0; ; ) {
    const rows = await db.prepare(OFFERS_SQL).bind(after, chunkRows).raw<Row>();
    if (n + rows.length > capacity) {
      capacity = Math.max(capacity * 2, n + rows.length);
      cols = grown(cols, capacity);
    }
    for (const r of rows) {
      const i = n++;
      cols.ids[i] = r[1];
      cols.provider[i] = providers.id(r[2]);
      cols.externalIds[i] = r[3];
      cols.model[i] = models.id(r[4]);
      cols.rawGpuName[i] = rawNames.id(r[5]);
      cols.gpuCount[i] = r[6];
      cols.vramGbPerGpu[i] = r[7];
      cols.totalVramGb[i] = r[8];
      cols.vcpus[i] = r[9] ?? NaN;
      cols.ramGb[i] = r[10] ?? NaN;
      cols.storageGb[i] = r[11] ?? NaN;
      cols.pricePerHourMicro[i] = r[12];
      cols.pricePerGpuHourMicro[i] = r[13];
      cols.pricing[i] = Math.max(0, PRICINGS.indexOf(r[14] as Pricing));
      cols.region[i] = regions.id(r[15]);
      cols.country[i] = countries.id(r[16]);
      cols.available[i] = r[17] === 'available' ? 1 : 0;
      cols.interconnect[i] = interconnects.id(r[18]);
      cols.source[i] = Math.max(0, SOURCES.indexOf(r[19] as OfferRow['source']));
      cols.observedAt[i] = r[20];
      cols.firstSeenAt[i] = r[21];
      cols.changedAt[i] = r[22];
    }
    if (rows.length < chunkRows) break;
    after = rows[rows.length - 1]![0];
  }
  cols.n = n;
  cols.models = models.values as string[];
  cols.rawGpuNames = rawNames.values as string[];
  cols.providers = providers.values as string[];
  cols.regions = regions.values as string[];
  cols.countries = countries.values;
  cols.interconnects = interconnects.values;
  const counts = new Int32Array(cols.models.length);
  for (let i = 0; i < n; i++) counts[cols.model[i]!]!++;
  cols.byModel = Array.from(counts, (k) => new Int32Array(k));
  const filled = new Int32Array(cols.models.length);
  for (let i = 0; i < n; i++) {
    const m = cols.model[i]!;
    cols.byModel[m]![filled[m]!++] = i;
  }
  const observedAt = cols.observedAt;
  cols.observedByModel = cols.byModel.map((list) => Float64Array.from(list, (i) => observedAt[i]!).sort());
  return cols;
}

/** How many of `sorted` (ascending) are at least `since`. */
export function countAtLeast(sorted: Float64Array, since: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < since) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}

/** Offer `i` as the row the offer search reads, for the API's offer mapping. */
export function offerRow(o: OfferColumns, i: number): OfferRow {
  const nullable = (x: number) => (Number.isNaN(x) ? null : x);
  return {
    id: o.ids[i]!,
    provider: o.providers[o.provider[i]!]!,
    external_id: o.externalIds[i]!,
    gpu_model: o.models[o.model[i]!]!,
    raw_gpu_name: o.rawGpuNames[o.rawGpuName[i]!]!,
    gpu_count: o.gpuCount[i]!,
    vram_gb_per_gpu: o.vramGbPerGpu[i]!,
    total_vram_gb: o.totalVramGb[i]!,
    vcpus: nullable(o.vcpus[i]!),
    ram_gb: nullable(o.ramGb[i]!),
    storage_gb: nullable(o.storageGb[i]!),
    price_per_hour_micro: o.pricePerHourMicro[i]!,
    price_per_gpu_hour_micro: o.pricePerGpuHourMicro[i]!,
    pricing: PRICINGS[o.pricing[i]!]!,
    region: o.regions[o.region[i]!]!,
    country: o.countries[o.country[i]!] ?? null,
    availability: o.available[i] ? 'available' : 'limited',
    interconnect: o.interconnects[o.interconnect[i]!] ?? null,
    source: SOURCES[o.source[i]!]!,
    observed_at: o.observedAt[i]!,
    first_seen_at: o.firstSeenAt[i]!,
    changed_at: o.changedAt[i]!,
  };
}

/**
 * Reliability evidence per provider: health now, uptime over 7 days (the hourly health history), and
 * deployments of the last 30 days. A deployment counts once: failed for the provider's reasons, else
 * succeeded if it ever ran. It is counted for the provider it is on now (a failover moves it); counts
 * across tenants, never anything tenant-specific.
 */
export async function loadEvidence(db: Db, now: number): Promise<Map<string, ProviderEvidence>> {
  const [health, deployments, uptime] = await Promise.all([
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
    providerUptime(db, now - UPTIME_WINDOW_MS),
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
  for (const [provider, u] of uptime) of(provider).uptime7d = u.uptime;
  return evidence;
}

let cached: MarketSnapshot | null = null;
/** The ingestion being loaded (by a request, or in the background), and since when (wall clock). */
let loading: { key: string; since: number } | null = null;
/**
 * How often an isolate checks for a newer ingestion by default (RECOMMEND_SNAPSHOT_TTL_MS). A request
 * within this window of the last check reads nothing from D1.
 */
export const SNAPSHOT_TTL_MS = 1_000;
/** A snapshot older than this is never answered from while a newer one loads. */
export const STALE_MAX_MS = 5 * 60_000;
let checked: { key: string | null; at: number } | null = null;
/** A load taking longer than this is presumed dead (its request cancelled); the next request loads itself. */
const LOAD_WAIT_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The latest finished ingestion, as a cache key; null when none has finished. */
async function latestIngestion(db: Db): Promise<string | null> {
  const run = await db
    .prepare('SELECT id, finished_at FROM ingestion_runs WHERE finished_at IS NOT NULL ORDER BY started_at DESC LIMIT 1')
    .first<{ id: string; finished_at: number }>();
  return run ? `${run.id}:${run.finished_at}` : null;
}

async function load(db: Db, key: string | null, now: number): Promise<MarketSnapshot> {
  const [offers, evidence] = await Promise.all([loadOffers(db, LOAD_CHUNK_ROWS, cached?.offers.n), loadEvidence(db, now)]);
  return { key, loadedAt: Date.now(), offers, evidence, evidenceLoadedAt: now };
}

/** Loads `key` and makes it the isolate's snapshot (unless a newer one got there first). */
async function loadAndKeep(db: Db, key: string, now: number): Promise<MarketSnapshot> {
  loading = { key, since: Date.now() };
  try {
    const snapshot = await load(db, key, now);
    if (!cached || cached.loadedAt <= snapshot.loadedAt) cached = snapshot;
    return snapshot;
  } finally {
    if (loading?.key === key) loading = null;
  }
}

let evidenceLoading = false;

/** Same offers; the deployment evidence reread when old (in the background when it can be). */
async function withFreshEvidence(db: Db, current: MarketSnapshot, now: number, options: SnapshotOptions): Promise<MarketSnapshot> {
  if (now - current.evidenceLoadedAt <= EVIDENCE_TTL_MS && now >= current.evidenceLoadedAt) return current;
  const reload = () =>
    loadEvidence(db, now).then((evidence) => {
      const fresher = { ...(cached?.key === current.key ? cached : current), evidence, evidenceLoadedAt: now };
      if (cached?.key === current.key) cached = fresher;
      return fresher;
    });
  if ((options.ttlMs ?? SNAPSHOT_TTL_MS) > 0 && options.waitUntil) {
    if (!evidenceLoading) {
      evidenceLoading = true;
      options.waitUntil(
        reload()
          .catch((err: unknown) => console.error(`recommendations: reloading provider evidence failed: ${String(err)}`))
          .finally(() => {
            evidenceLoading = false;
          }),
      );
    }
    return current;
  }
  return reload();
}

export interface SnapshotOptions {
  /** false: read everything afresh and leave the isolate's snapshot alone. */
  cache?: boolean;
  /**
   * Check for a newer ingestion at most this often (default SNAPSHOT_TTL_MS). 0: check on every
   * request and load a newer ingestion before answering.
   */
  ttlMs?: number;
  /**
   * With a TTL above 0: when a newer ingestion is found and the isolate holds a snapshot under
   * STALE_MAX_MS old, the new one loads through this (ctx.waitUntil) while requests keep being answered
   * from the old one — a minute older prices, each still held to the 10-minute freshness limit —
   * instead of one request per ingestion waiting seconds for the load.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/**
 * The snapshot for the latest finished ingestion (see SnapshotOptions for how current it is).
 *
 * When another request is already loading the ingestion and there is no snapshot to answer from,
 * this one polls for the result instead of loading 100k rows a second time. It does not await that
 * request's promise: the Workers runtime ties I/O to the request that started it, and a promise
 * settled from another request's context can be cancelled with it.
 */
export async function marketSnapshot(db: Db, now: number, options: SnapshotOptions = {}): Promise<MarketSnapshot> {
  if (options.cache === false) return load(db, null, now);
  // Wall-clock time, not `now`: the TTL is about time between requests, whatever time the caller ranks at.
  const ttl = options.ttlMs ?? SNAPSHOT_TTL_MS;
  let key: string | null;
  if (checked && checked.key !== null && Date.now() - checked.at < ttl && Date.now() >= checked.at) key = checked.key;
  else {
    key = await latestIngestion(db);
    checked = { key, at: Date.now() };
  }
  if (key === null) return load(db, null, now);
  const current = cached;
  if (current?.key === key) return withFreshEvidence(db, current, now, options);

  if (ttl > 0 && options.waitUntil && current && current.key !== null && Date.now() - current.loadedAt < STALE_MAX_MS) {
    if (loading?.key !== key || Date.now() - loading.since >= LOAD_WAIT_MS) {
      options.waitUntil(loadAndKeep(db, key, now).catch((err: unknown) => console.error(`recommendations: loading the market snapshot failed: ${String(err)}`)));
    }
    return withFreshEvidence(db, current, now, options);
  }
  for (let waited = 0; loading?.key === key && cached?.key !== key && Date.now() - loading.since < LOAD_WAIT_MS; waited++) await sleep(Math.min(50, 5 + waited * 5));
  if (cached?.key === key) return withFreshEvidence(db, cached, now, options);
  return loadAndKeep(db, key, now);
}

/** Forgets the isolate's snapshot (tests, and a caller that knows the offers changed). */
export function dropMarketSnapshot(): void {
  evidenceLoading = false;
  cached = null;
  loading = null;
  checked = null;
}
