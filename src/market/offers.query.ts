// Offer search as one SQL statement: filters become WHERE terms, the sort an ORDER BY that an index
// serves, and the cursor a row-value keyset condition `(sortcol, id) > (?, ?)`, so every page costs
// the same however deep it is. Pure: returns SQL and parameters; the handler runs them.
import { usdToMicro } from '../money';
import { decodeCursor, encodeCursor, fingerprint } from '../http/cursor';
import type { OfferQuery, SortKey } from './offers.schemas';

const SORT_COLUMN: Record<SortKey, string> = {
  price: 'price_per_hour_micro',
  pricePerGpuHour: 'price_per_gpu_hour_micro',
  vram: 'vram_gb_per_gpu',
  gpuCount: 'gpu_count',
  observedAt: 'observed_at',
};

/** Sorts with a (gpu_model, sort column, id) index, so a GPU filter can lead the index. */
const MODEL_INDEXED_SORTS: ReadonlySet<SortKey> = new Set(['price', 'pricePerGpuHour']);

export const OFFER_COLUMNS = `id, provider, external_id, gpu_model, raw_gpu_name, gpu_count, vram_gb_per_gpu, total_vram_gb,
  vcpus, ram_gb, storage_gb, price_per_hour_micro, price_per_gpu_hour_micro, pricing, region, country,
  availability, interconnect, source, observed_at, first_seen_at, changed_at`;

export interface OfferRow {
  id: string;
  provider: string;
  external_id: string;
  gpu_model: string;
  raw_gpu_name: string;
  gpu_count: number;
  vram_gb_per_gpu: number;
  total_vram_gb: number;
  vcpus: number | null;
  ram_gb: number | null;
  storage_gb: number | null;
  price_per_hour_micro: number;
  price_per_gpu_hour_micro: number;
  pricing: 'on_demand' | 'spot' | 'interruptible';
  region: string;
  country: string | null;
  availability: 'available' | 'limited' | 'unavailable';
  interconnect: string | null;
  source: 'live' | 'sim';
  observed_at: number;
  first_seen_at: number;
  changed_at: number;
}

export interface OfferSearch {
  sql: string;
  params: (string | number)[];
  limit: number;
  sort: SortKey;
  order: 'asc' | 'desc';
  filterPrint: string;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => '\\' + ch);
}

/** Builds the search. Throws a 400 Problem for a cursor that is malformed or from another query. */
export function buildOfferSearch(q: OfferQuery, now: number): OfferSearch {
  const sort = q.sort ?? 'pricePerGpuHour';
  const order = q.order ?? (sort === 'observedAt' ? 'desc' : 'asc');
  const limit = q.limit ?? 50;
  const availableOnly = q.availableOnly ?? true;
  const column = SORT_COLUMN[sort];
  const where: string[] = [];
  const params: (string | number)[] = [];
  const bind = (value: string | number) => {
    params.push(value);
    return `?${params.length}`;
  };
  const inList = (values: readonly (string | number)[]) => values.map(bind).join(', ');
  // Only the sort column (and the GPU model, where an index pairs it with the sort) may choose the
  // index. Every other filter is written `+column`, which SQLite cannot serve from an index, so the
  // planner walks the sort's index in order and stops after `limit` matches instead of collecting
  // every row of some filter's index and sorting them (tens of thousands of rows at 100k offers).
  const filterCol = (name: string) => (name === column ? name : `+${name}`);
  const gpuCol = MODEL_INDEXED_SORTS.has(sort) ? 'gpu_model' : '+gpu_model';

  if (q.gpu?.length === 1) where.push(`${gpuCol} = ${bind(q.gpu[0]!)}`);
  else if (q.gpu) where.push(`${gpuCol} IN (${inList(q.gpu)})`);
  if (q.minGpuCount !== undefined) where.push(`${filterCol('gpu_count')} >= ${bind(q.minGpuCount)}`);
  if (q.maxGpuCount !== undefined) where.push(`${filterCol('gpu_count')} <= ${bind(q.maxGpuCount)}`);
  if (q.minVramGb !== undefined) where.push(`${filterCol('vram_gb_per_gpu')} >= ${bind(q.minVramGb)}`);
  if (q.minTotalVramGb !== undefined) where.push(`total_vram_gb >= ${bind(q.minTotalVramGb)}`);
  if (q.maxPricePerHour !== undefined) where.push(`${filterCol('price_per_hour_micro')} <= ${bind(usdToMicro(q.maxPricePerHour))}`);
  if (q.maxPricePerGpuHour !== undefined) {
    where.push(`${filterCol('price_per_gpu_hour_micro')} <= ${bind(usdToMicro(q.maxPricePerGpuHour))}`);
  }
  if (q.provider?.length === 1) where.push(`provider = ${bind(q.provider[0]!)}`);
  else if (q.provider) where.push(`provider IN (${inList(q.provider)})`);
  if (q.region) where.push(`region LIKE ${bind(escapeLike(q.region) + '%')} ESCAPE '\\'`);
  if (q.country) where.push(`country IN (${inList(q.country)})`);
  if (q.pricing) where.push(`pricing IN (${inList(q.pricing)})`);
  if (availableOnly) where.push(`availability <> 'unavailable'`);
  if (q.maxAgeSeconds !== undefined) where.push(`${filterCol('observed_at')} >= ${bind(now - q.maxAgeSeconds * 1000)}`);

  // Everything but paging and time-relative values identifies the query a cursor belongs to.
  const { cursor: _c, limit: _l, sort: _s, order: _o, ...filters } = q;
  const filterPrint = fingerprint({ ...filters, availableOnly });
  if (q.cursor) {
    const state = decodeCursor(q.cursor, { s: sort, o: order === 'asc' ? 'a' : 'd', f: filterPrint });
    where.push(`(${column}, id) ${order === 'asc' ? '>' : '<'} (${bind(state.v)}, ${bind(state.id)})`);
  }

  const dir = order === 'asc' ? 'ASC' : 'DESC';
  const sql =
    `SELECT ${OFFER_COLUMNS} FROM offers` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${column} ${dir}, id ${dir} LIMIT ${bind(limit + 1)}`;
  return { sql, params, limit, sort, order, filterPrint };
}

/** The cursor for the page after `last`, the final row shown. */
export function nextCursorFor(search: OfferSearch, last: OfferRow): string {
  const value = last[SORT_COLUMN[search.sort] as keyof OfferRow] as number;
  return encodeCursor({ s: search.sort, o: search.order === 'asc' ? 'a' : 'd', v: value, id: last.id, f: search.filterPrint });
}
