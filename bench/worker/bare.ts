// The floor for `npm run bench`: the least a Worker can do to answer an offer search on the same
// local D1 database — the SQL that `buildOfferSearch` makes for a hard-coded, already-parsed query
// (no Hono, no zod, no middleware, no response mapping), run and returned as JSON. The gap between
// the API and this Worker is what the framework, validation and mapping cost.
//
// Routes (all GET):
//   /v1/offers?q=<name>       the search `name` (see QUERIES) → the raw D1 rows as JSON
//   /v1/offers?q=<name>&variant=plus   the same with a candidate fix applied to the SQL (see plusVariant)
//   /explain?q=<name>         EXPLAIN QUERY PLAN of that search, plus the rows D1 read running it
//   /explain?sort=<key>[&gpu=<model>]   the same for an ad-hoc sort key and optional single GPU filter
//   /analyze                  runs ANALYZE (what D1's own `PRAGMA optimize` does in production)
//   /runs                     the ingestion_runs rows, newest first
//   /stats                    row counts of the tables the benchmark touches
import { buildOfferSearch } from '../../src/market/offers.query';
import type { OfferQuery, SortKey } from '../../src/market/offers.schemas';

interface Env {
  DB: D1Database;
}

/** The parsed form of each benchmark query (what the API's zod schema makes of the query string). */
export const QUERIES: Record<string, OfferQuery> = {
  // gpu=H100-80GB,A100-80GB&maxPricePerGpuHour=3&minGpuCount=2&sort=pricePerGpuHour&limit=50
  main: { gpu: ['H100-80GB', 'A100-80GB'], maxPricePerGpuHour: 3, minGpuCount: 2, sort: 'pricePerGpuHour', limit: 50 },
  // gpu=H100-80GB&pricing=on_demand&minGpuCount=2&sort=price
  single: { gpu: ['H100-80GB'], pricing: ['on_demand'], minGpuCount: 2, sort: 'price' },
  // no parameters: every listed offer, default sort (pricePerGpuHour asc), default limit
  nofilter: {},
};

const SORTS: readonly SortKey[] = ['price', 'pricePerGpuHour', 'vram', 'gpuCount', 'observedAt'];

/**
 * A candidate fix, measured but not applied to src/: a unary `+` on the gpu_count range terms stops
 * SQLite from choosing offers_model_count (gpu_model, gpu_count, id) for them, so it can walk the
 * (gpu_model, sort column, id) index in order and stop at LIMIT instead of sorting every match.
 */
function plusVariant(sql: string, sort: SortKey | undefined): string {
  // Terms src/ already writes as `+gpu_count` stay as they are, so the variant is then the same SQL.
  return sort === 'gpuCount' ? sql : sql.replace(/(^|[^+])\bgpu_count ([<>]=)/g, '$1+gpu_count $2');
}

function problem(status: number, detail: string): Response {
  return Response.json({ status, detail }, { status });
}

function queryFrom(url: URL): OfferQuery | string {
  const name = url.searchParams.get('q');
  if (name !== null) return QUERIES[name] ?? `unknown query "${name}"`;
  const sort = url.searchParams.get('sort');
  if (sort === null || !(SORTS as readonly string[]).includes(sort)) return `sort must be one of ${SORTS.join(', ')}`;
  const gpu = url.searchParams.get('gpu');
  return gpu ? { gpu: [gpu], sort: sort as SortKey } : { sort: sort as SortKey };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/v1/offers': {
        const q = QUERIES[url.searchParams.get('q') ?? 'main'];
        if (!q) return problem(404, 'unknown query');
        const search = buildOfferSearch(q, Date.now());
        const sql = url.searchParams.get('variant') === 'plus' ? plusVariant(search.sql, search.sort) : search.sql;
        const { results } = await env.DB.prepare(sql).bind(...search.params).all();
        return Response.json(results);
      }
      case '/explain': {
        const q = queryFrom(url);
        if (typeof q === 'string') return problem(400, q);
        const search = buildOfferSearch(q, Date.now());
        const sql = url.searchParams.get('variant') === 'plus' ? plusVariant(search.sql, search.sort) : search.sql;
        const params = search.params;
        const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ id: number; parent: number; detail: string }>();
        // Run it once too: D1 reports how many rows the statement read, the cost the plan implies.
        const run = await env.DB.prepare(sql).bind(...params).all();
        return Response.json({
          sql,
          params,
          plan: plan.results.map((r) => ({ id: r.id, parent: r.parent, detail: r.detail })),
          rows: run.results.length,
          rowsRead: run.meta.rows_read ?? null,
          durationMs: run.meta.duration ?? null,
        });
      }
      case '/analyze': {
        await env.DB.prepare('ANALYZE').run();
        const { results } = await env.DB.prepare('SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx').all();
        return Response.json(results);
      }
      case '/runs': {
        const { results } = await env.DB.prepare('SELECT * FROM ingestion_runs ORDER BY started_at DESC').all();
        return Response.json(results);
      }
      case '/stats': {
        const row = await env.DB.prepare(
          `SELECT (SELECT COUNT(*) FROM offers) AS offers,
                  (SELECT COUNT(*) FROM offers WHERE availability <> 'unavailable') AS listed,
                  (SELECT COUNT(*) FROM price_history) AS priceHistory`,
        ).first();
        return Response.json(row);
      }
      case '/ping':
        return new Response('ok');
      default:
        return problem(404, 'not found');
    }
  },
} satisfies ExportedHandler<Env>;
