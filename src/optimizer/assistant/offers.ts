// Offer answers: an interpretation's filters run through the market's own search (buildOfferSearch),
// so the assistant lists exactly what GET /v1/offers would. When nothing matches, the same search is
// retried with one constraint dropped at a time to say what relaxing it would give.
import { GPU_MODELS, getGpuModel } from '../../catalog/gpus';
import { toApiOffer } from '../../market/offers.handlers';
import { buildOfferSearch, type OfferRow } from '../../market/offers.query';
import type { OfferQuery, SortKey } from '../../market/offers.schemas';
import type { OfferFilters } from './interpretation';
import { PROVIDER_NAMES } from './lexicon';

export type ApiOffer = ReturnType<typeof toApiOffer>;

export const DEFAULT_OFFER_LIMIT = 5;
/** "Fastest" walks the listed models from the most TFLOPS down, one tier per query, at most this many. */
const MAX_SPEED_TIERS = 6;

type Db = D1Database | D1DatabaseSession;

export interface OfferAnswer {
  offers: ApiOffer[];
  /** Set when nothing matched: the constraint that, dropped, gives offers, and the best of them. */
  relaxed?: { dropped: 'price' | 'location' | 'pricing' | 'providers'; offers: ApiOffer[] };
}

function sortOf(filters: OfferFilters): { sort: SortKey; order: 'asc' | 'desc' } {
  if (filters.sort === 'most_vram') return { sort: 'vram', order: 'desc' };
  // A fixed multi-GPU size or a whole-instance cap compares instances; otherwise per GPU-hour, as quoted.
  const wholeInstance = (filters.minGpuCount !== undefined && filters.minGpuCount > 1) || filters.maxPricePerHour !== undefined;
  return { sort: wholeInstance ? 'price' : 'pricePerGpuHour', order: 'asc' };
}

/** The /v1/offers query for these filters (one per region prefix: that endpoint takes one). */
function queriesOf(filters: OfferFilters, limit: number): OfferQuery[] {
  const { sort, order } = sortOf(filters);
  let provider = filters.providers;
  if (filters.excludeProviders) {
    provider = (provider ?? PROVIDER_NAMES.map((p) => p.id)).filter((id) => !filters.excludeProviders!.includes(id));
    if (provider.length === 0) return [];
  }
  const base: OfferQuery = {
    gpu: filters.gpuModels,
    minGpuCount: filters.minGpuCount,
    maxGpuCount: filters.maxGpuCount,
    minVramGb: filters.minVramGb,
    maxPricePerHour: filters.maxPricePerHour,
    maxPricePerGpuHour: filters.maxPricePerGpuHour,
    provider,
    country: filters.countries,
    pricing: filters.pricing,
    sort,
    order,
    limit,
  };
  return filters.regions ? filters.regions.map((region) => ({ ...base, region })) : [base];
}

async function run(db: Db, queries: OfferQuery[], limit: number, now: number): Promise<OfferRow[]> {
  const rows: OfferRow[] = [];
  for (const query of queries) {
    const search = buildOfferSearch(query, now);
    const { results } = await db.prepare(search.sql).bind(...search.params).all<OfferRow>();
    rows.push(...results.slice(0, search.limit));
  }
  if (queries.length > 1) {
    const { sort, order } = { sort: queries[0]!.sort, order: queries[0]!.order };
    const key = (r: OfferRow) =>
      sort === 'vram' ? r.vram_gb_per_gpu : sort === 'price' ? r.price_per_hour_micro : r.price_per_gpu_hour_micro;
    rows.sort((a, b) => (order === 'desc' ? key(b) - key(a) : key(a) - key(b)) || a.id.localeCompare(b.id));
  }
  return rows.slice(0, limit);
}

/** Fastest first: per-GPU FP16 TFLOPS, then more GPUs, then cheaper; only models the market lists. */
async function fastest(db: Db, filters: OfferFilters, limit: number, now: number): Promise<OfferRow[]> {
  const { results } = await db
    .prepare(`SELECT gpu_model FROM market_summary WHERE pricing = 'all' AND offer_count > 0`)
    .all<{ gpu_model: string }>();
  const listed = new Set(results.map((r) => r.gpu_model));
  const allowed = (filters.gpuModels ?? GPU_MODELS.map((s) => s.name)).filter((name) => listed.has(name));
  const tiers = new Map<number, string[]>();
  for (const name of allowed) {
    const tflops = getGpuModel(name)!.fp16Tflops;
    tiers.set(tflops, [...(tiers.get(tflops) ?? []), name]);
  }
  const rows: OfferRow[] = [];
  for (const [, models] of [...tiers.entries()].sort((a, b) => b[0] - a[0]).slice(0, MAX_SPEED_TIERS)) {
    const queries = queriesOf({ ...filters, gpuModels: models, sort: 'cheapest' }, 200);
    const tier = await run(db, queries, 200, now);
    tier.sort((a, b) => b.gpu_count - a.gpu_count || a.price_per_gpu_hour_micro - b.price_per_gpu_hour_micro || a.id.localeCompare(b.id));
    rows.push(...tier.slice(0, limit - rows.length));
    if (rows.length >= limit) break;
  }
  return rows;
}

async function find(db: Db, filters: OfferFilters, limit: number, now: number): Promise<OfferRow[]> {
  if (filters.sort === 'fastest') return fastest(db, filters, limit, now);
  return run(db, queriesOf(filters, limit), limit, now);
}

export async function answerOffers(db: Db, filters: OfferFilters, now: number): Promise<OfferAnswer> {
  const limit = filters.limit ?? DEFAULT_OFFER_LIMIT;
  const rows = await find(db, filters, limit, now);
  const answer: OfferAnswer = { offers: rows.map((r) => toApiOffer(r, now)) };
  if (rows.length > 0) return answer;
  const relaxations: Array<[NonNullable<OfferAnswer['relaxed']>['dropped'], OfferFilters | undefined]> = [
    ['price', filters.maxPricePerHour !== undefined || filters.maxPricePerGpuHour !== undefined ? { ...filters, maxPricePerHour: undefined, maxPricePerGpuHour: undefined } : undefined],
    ['location', filters.countries || filters.regions ? { ...filters, countries: undefined, regions: undefined } : undefined],
    ['pricing', filters.pricing ? { ...filters, pricing: undefined } : undefined],
    ['providers', filters.providers || filters.excludeProviders ? { ...filters, providers: undefined, excludeProviders: undefined } : undefined],
  ];
  for (const [dropped, relaxed] of relaxations) {
    if (!relaxed) continue;
    const found = await find(db, relaxed, 1, now);
    if (found.length) return { ...answer, relaxed: { dropped, offers: found.map((r) => toApiOffer(r, now)) } };
  }
  return answer;
}
