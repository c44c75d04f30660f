// The market's filter state: parsed from and written to the URL (so a view can be shared), turned
// into the /v1/offers query and the live subscription, and checked against an offer on the client
// (for live changes). The URL uses the API's own parameter names. Pure.
import type { Offer, Pricing } from './types';

export const SORT_KEYS = ['pricePerGpuHour', 'price', 'vram', 'gpuCount', 'observedAt'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const PRICING_TYPES: readonly Pricing[] = ['on_demand', 'spot', 'interruptible'];

export interface OfferFilters {
  gpu: string[];
  minGpuCount: number | null;
  maxGpuCount: number | null;
  minVramGb: number | null;
  minTotalVramGb: number | null;
  maxPricePerHour: number | null;
  maxPricePerGpuHour: number | null;
  provider: string[];
  region: string;
  country: string[];
  pricing: Pricing[];
  availableOnly: boolean;
  maxAgeSeconds: number | null;
  sort: SortKey;
  order: 'asc' | 'desc';
}

export const defaultOrder = (sort: SortKey): 'asc' | 'desc' => (sort === 'observedAt' ? 'desc' : 'asc');

export function emptyFilters(): OfferFilters {
  return {
    gpu: [],
    minGpuCount: null,
    maxGpuCount: null,
    minVramGb: null,
    minTotalVramGb: null,
    maxPricePerHour: null,
    maxPricePerGpuHour: null,
    provider: [],
    region: '',
    country: [],
    pricing: [],
    availableOnly: true,
    maxAgeSeconds: null,
    sort: 'pricePerGpuHour',
    order: 'asc',
  };
}

const listOf = (v: string | null) => (v ? [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))] : []);

function numberOf(v: string | null, min: number, integer: boolean): number | null {
  if (v === null || v.trim() === '') return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) return null;
  return n;
}

/** Filters from a query string; values the API would refuse are dropped, unknown names ignored. */
export function parseFilters(params: URLSearchParams): OfferFilters {
  const f = emptyFilters();
  f.gpu = listOf(params.get('gpu')).slice(0, 20);
  f.minGpuCount = numberOf(params.get('minGpuCount'), 1, true);
  f.maxGpuCount = numberOf(params.get('maxGpuCount'), 1, true);
  if (f.minGpuCount !== null && f.maxGpuCount !== null && f.maxGpuCount < f.minGpuCount) f.maxGpuCount = null;
  f.minVramGb = numberOf(params.get('minVramGb'), 0, false);
  f.minTotalVramGb = numberOf(params.get('minTotalVramGb'), 0, false);
  f.maxPricePerHour = positive(numberOf(params.get('maxPricePerHour'), 0, false));
  f.maxPricePerGpuHour = positive(numberOf(params.get('maxPricePerGpuHour'), 0, false));
  f.provider = listOf(params.get('provider')).map((p) => p.toLowerCase());
  const region = params.get('region')?.trim() ?? '';
  f.region = /^[A-Za-z0-9 ,._-]{1,64}$/.test(region) ? region : '';
  f.country = listOf(params.get('country')).map((c) => c.toUpperCase()).filter((c) => /^[A-Z]{2}$/.test(c));
  f.pricing = listOf(params.get('pricing')).filter((p): p is Pricing => (PRICING_TYPES as readonly string[]).includes(p));
  const available = params.get('availableOnly');
  f.availableOnly = !(available === 'false' || available === '0');
  f.maxAgeSeconds = numberOf(params.get('maxAgeSeconds'), 1, true);
  const sort = params.get('sort');
  f.sort = (SORT_KEYS as readonly string[]).includes(sort ?? '') ? (sort as SortKey) : 'pricePerGpuHour';
  const order = params.get('order');
  f.order = order === 'asc' || order === 'desc' ? order : defaultOrder(f.sort);
  return f;
}

const positive = (n: number | null) => (n !== null && n > 0 ? n : null);

/** The query string for these filters: defaults left out, a fixed order, so equal views have equal URLs. */
export function filtersToParams(f: OfferFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.gpu.length) p.set('gpu', f.gpu.join(','));
  if (f.minGpuCount !== null) p.set('minGpuCount', String(f.minGpuCount));
  if (f.maxGpuCount !== null) p.set('maxGpuCount', String(f.maxGpuCount));
  if (f.minVramGb !== null) p.set('minVramGb', String(f.minVramGb));
  if (f.minTotalVramGb !== null) p.set('minTotalVramGb', String(f.minTotalVramGb));
  if (f.maxPricePerHour !== null) p.set('maxPricePerHour', String(f.maxPricePerHour));
  if (f.maxPricePerGpuHour !== null) p.set('maxPricePerGpuHour', String(f.maxPricePerGpuHour));
  if (f.provider.length) p.set('provider', f.provider.join(','));
  if (f.region) p.set('region', f.region);
  if (f.country.length) p.set('country', f.country.join(','));
  if (f.pricing.length) p.set('pricing', f.pricing.join(','));
  if (!f.availableOnly) p.set('availableOnly', 'false');
  if (f.maxAgeSeconds !== null) p.set('maxAgeSeconds', String(f.maxAgeSeconds));
  if (f.sort !== 'pricePerGpuHour') p.set('sort', f.sort);
  if (f.order !== defaultOrder(f.sort)) p.set('order', f.order);
  return p;
}

/** The GET /v1/offers query (the same names; sort and order always explicit). */
export function filtersToApiQuery(f: OfferFilters, limit: number): URLSearchParams {
  const p = filtersToParams(f);
  p.set('sort', f.sort);
  p.set('order', f.order);
  p.set('limit', String(limit));
  return p;
}

/** How many filters are narrowing the view (for the "Filters · 3" badge). */
export function activeFilterCount(f: OfferFilters): number {
  const e = emptyFilters();
  let n = 0;
  for (const key of Object.keys(e) as (keyof OfferFilters)[]) {
    if (key === 'sort' || key === 'order') continue;
    if (JSON.stringify(f[key]) !== JSON.stringify(e[key])) n++;
  }
  return n;
}

/**
 * Replaces GPU aliases (`H100`) with canonical names (`H100-80GB`) using the catalog, so offers
 * can be matched on the client. Unknown names are kept: the API will name them in its 400.
 */
export function canonicalGpus(f: OfferFilters, catalog: ReadonlyArray<{ name: string; aliases: string[] }>): OfferFilters {
  const byName = new Map<string, string>();
  for (const g of catalog) {
    byName.set(g.name.toLowerCase(), g.name);
    for (const a of g.aliases) if (!byName.has(a.toLowerCase())) byName.set(a.toLowerCase(), g.name);
  }
  const gpu = [...new Set(f.gpu.map((g) => byName.get(g.toLowerCase()) ?? g))];
  return { ...f, gpu };
}

/** Whether an offer (as of `now`) belongs in the view: the same rules /v1/offers applies. */
export function matchesFilters(o: Offer, f: OfferFilters, now: number): boolean {
  if (f.gpu.length && !f.gpu.includes(o.gpuModel)) return false;
  if (f.minGpuCount !== null && o.gpuCount < f.minGpuCount) return false;
  if (f.maxGpuCount !== null && o.gpuCount > f.maxGpuCount) return false;
  if (f.minVramGb !== null && o.vramGbPerGpu < f.minVramGb) return false;
  if (f.minTotalVramGb !== null && o.totalVramGb < f.minTotalVramGb) return false;
  if (f.maxPricePerHour !== null && o.pricePerHourUsd > f.maxPricePerHour) return false;
  if (f.maxPricePerGpuHour !== null && o.pricePerGpuHourUsd > f.maxPricePerGpuHour) return false;
  if (f.provider.length && !f.provider.includes(o.provider)) return false;
  if (f.region && !o.region.toLowerCase().startsWith(f.region.toLowerCase())) return false;
  if (f.country.length && (o.country === null || !f.country.includes(o.country))) return false;
  if (f.pricing.length && !f.pricing.includes(o.pricing)) return false;
  if (f.availableOnly && o.availability === 'unavailable') return false;
  if (f.maxAgeSeconds !== null && now - Date.parse(o.observedAt) > f.maxAgeSeconds * 1000) return false;
  return true;
}

/**
 * The live subscription for a view: the narrowest channel (one GPU model, else one provider, else
 * the whole market) and the part of the filter the live protocol understands. The rest is checked
 * on the client with matchesFilters.
 */
export function liveSubscription(f: OfferFilters): { channels: string[]; filter: Record<string, string | number> } {
  const channels = f.gpu.length === 1 ? [`gpu:${f.gpu[0]}`] : f.gpu.length === 0 && f.provider.length === 1 ? [`provider:${f.provider[0]}`] : ['market'];
  const filter: Record<string, string | number> = {};
  if (f.maxPricePerGpuHour !== null) filter.maxPricePerGpuHour = f.maxPricePerGpuHour;
  if (f.pricing.length === 1) filter.pricing = f.pricing[0]!;
  if (f.minGpuCount !== null) filter.minGpuCount = f.minGpuCount;
  if (f.maxGpuCount !== null) filter.maxGpuCount = f.maxGpuCount;
  if (f.minVramGb !== null) filter.minVramGb = f.minVramGb;
  if (f.gpu.length > 1) filter.gpuModels = f.gpu.join(',');
  if (f.provider.length > 0 && !channels[0]!.startsWith('provider:')) filter.providers = f.provider.join(',');
  if (f.country.length) filter.countries = f.country.join(',');
  return { channels, filter };
}
