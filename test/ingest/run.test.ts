import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { runIngestion } from '../../src/ingest/run';
import { ingestAt, routeFetch, testEnv } from '../helpers';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const MIN = 60_000;

async function count(sql: string, ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql).bind(...params).first<{ n: number }>();
  return row?.n ?? -1;
}

async function health(provider: string) {
  return env.DB.prepare('SELECT * FROM provider_health WHERE provider = ?1').bind(provider).first<{
    status: string;
    last_error_kind: string | null;
    last_error: string | null;
    last_success_at: number | null;
    consecutive_failures: number;
    circuit_open_until: number | null;
    offer_count: number;
    latency_ms: number | null;
  }>();
}

const failing = (status: number, headers: Record<string, string> = {}) =>
  routeFetch({ '': () => new Response('{"error":"nope"}', { status, headers }) });

describe('ingestion', () => {
  it('stores every simulated offer with a history row on the first pass', async () => {
    const report = await ingestAt(T0);
    expect(report.providers.find((p) => p.provider === 'sim')).toMatchObject({ outcome: 'ok', offers: 300 });
    expect(await count('SELECT COUNT(*) AS n FROM offers WHERE provider = ?1', 'sim')).toBe(300);
    expect(await count('SELECT COUNT(*) AS n FROM price_history')).toBe(300);
    expect(report.changedOfferIds).toHaveLength(300);
  });

  it('appends no history when a pass sees the same prices again', async () => {
    await ingestAt(T0);
    const second = await ingestAt(T0 + 1000);
    expect(second.changedOfferIds).toHaveLength(0);
    expect(await count('SELECT COUNT(*) AS n FROM price_history')).toBe(300);
    expect(await count('SELECT COUNT(*) AS n FROM offers WHERE last_seen_at = ?1', T0 + 1000)).toBe(300);
  });

  it('appends history only for offers whose price or availability changed', async () => {
    await ingestAt(T0);
    const before = await env.DB.prepare('SELECT id, price_per_hour_micro AS p, availability AS a FROM offers').all<{ id: string; p: number; a: string }>();
    const later = await ingestAt(T0 + 7 * MIN);
    const after = await env.DB.prepare('SELECT id, price_per_hour_micro AS p, availability AS a FROM offers').all<{ id: string; p: number; a: string }>();
    const old = new Map(before.results.map((r) => [r.id, r]));
    const changed = after.results.filter((r) => old.get(r.id)!.p !== r.p || old.get(r.id)!.a !== r.a).map((r) => r.id);
    expect(changed.length).toBeGreaterThan(10);
    expect(changed.length).toBeLessThan(300);
    expect([...later.changedOfferIds].sort()).toEqual(changed.sort());
    expect(await count('SELECT COUNT(*) AS n FROM price_history')).toBe(300 + changed.length);
  });

  it('marks offers unseen for ten minutes unavailable and deletes them after a day', async () => {
    await ingestAt(T0);
    // sim-200 … sim-299 vanish from the next pulls; some of them were already unavailable.
    const listedBefore = await count(
      `SELECT COUNT(*) AS n FROM offers WHERE CAST(substr(external_id, 5) AS INTEGER) >= 200 AND availability <> 'unavailable'`,
    );
    const shrunk = await ingestAt(T0 + 11 * MIN, { SIM_OFFERS: '200' });
    expect(shrunk.markedUnavailable).toBe(listedBefore);
    expect(await count(`SELECT COUNT(*) AS n FROM offers WHERE availability = 'unavailable' AND last_seen_at = ?1`, T0)).toBe(100);
    expect(
      await count(
        `SELECT COUNT(*) AS n FROM price_history h JOIN offers o ON o.id = h.offer_id
         WHERE h.availability = 'unavailable' AND h.observed_at = ?1 AND o.last_seen_at = ?2`,
        T0 + 11 * MIN,
        T0,
      ),
    ).toBe(listedBefore);
    const dayLater = await ingestAt(T0 + 25 * 60 * MIN, { SIM_OFFERS: '200' });
    expect(dayLater.deleted).toBe(100);
    expect(await count('SELECT COUNT(*) AS n FROM offers')).toBe(200);
  });

  it('keeps ingesting other providers when one answers 5xx, and records the failure', async () => {
    const report = await ingestAt(T0, { RUNPOD_API_KEY: 'rp_test' }, failing(503));
    expect(report.providers.find((p) => p.provider === 'runpod')).toMatchObject({ outcome: 'failed' });
    expect(report.providers.find((p) => p.provider === 'sim')).toMatchObject({ outcome: 'ok', offers: 300 });
    expect(await health('runpod')).toMatchObject({ status: 'degraded', last_error_kind: 'unavailable', consecutive_failures: 1, last_success_at: null });
    expect(await health('sim')).toMatchObject({ status: 'healthy', offer_count: 300, consecutive_failures: 0 });
    const run = await env.DB.prepare('SELECT status, providers_ok, providers_failed FROM ingestion_runs').first();
    expect(run).toMatchObject({ status: 'partial', providers_ok: 1, providers_failed: 1 });
  });

  it('calls providers through the runtime fetch when none is injected (a refused connection is a network error)', async () => {
    // (The pool's fetch is patched, so this cannot reproduce wrangler dev's "Illegal invocation" from an
    // unbound global fetch; that fix was checked by hand under `npm start`.)
    await runIngestion(testEnv({ RUNPOD_API_KEY: 'rp_test', RUNPOD_API_URL: 'http://127.0.0.1:9' }), { now: () => T0 });
    const h = await health('runpod');
    expect(h).toMatchObject({ last_error_kind: 'network' });
    expect(h?.last_error).not.toContain('Illegal invocation');
  });

  it('records invalid JSON from a provider as a bad response', async () => {
    await ingestAt(T0, { RUNPOD_API_KEY: 'rp_test' }, routeFetch({ '': () => new Response('<html>oops', { status: 200 }) }));
    expect(await health('runpod')).toMatchObject({ last_error_kind: 'bad_response' });
  });

  it('gives up on a provider that does not answer within the timeout without delaying the others', async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const report = await ingestAt(T0, { LAMBDA_API_KEY: 'secret_x', PROVIDER_TIMEOUT_MS: '200' }, hang);
    expect(report.providers.find((p) => p.provider === 'lambda')).toMatchObject({ outcome: 'failed' });
    expect(await health('lambda')).toMatchObject({ last_error_kind: 'timeout' });
    expect(await count('SELECT COUNT(*) AS n FROM offers WHERE provider = ?1', 'sim')).toBe(300);
  });

  it('opens the circuit after three failures, skips the provider while open, then tries again', async () => {
    const calls: string[] = [];
    const counting: typeof fetch = async (input) => {
      calls.push(String(input instanceof Request ? input.url : input));
      return new Response('down', { status: 500 });
    };
    const env2 = { LAMBDA_API_KEY: 'secret_x', CIRCUIT_COOLDOWN_SECONDS: '300' };
    for (let i = 0; i < 3; i++) await ingestAt(T0 + i * MIN, env2, counting);
    const opened = await health('lambda');
    expect(opened).toMatchObject({ status: 'down', consecutive_failures: 3, circuit_open_until: T0 + 2 * MIN + 300_000 });
    const callsWhenOpened = calls.length;

    const skipped = await ingestAt(T0 + 3 * MIN, env2, counting);
    expect(skipped.providers.find((p) => p.provider === 'lambda')).toMatchObject({ outcome: 'skipped', reason: 'circuit open' });
    expect(calls.length).toBe(callsWhenOpened);

    const trial = await ingestAt(T0 + 8 * MIN, env2, counting);
    expect(trial.providers.find((p) => p.provider === 'lambda')).toMatchObject({ outcome: 'failed' });
    expect(calls.length).toBeGreaterThan(callsWhenOpened);
    // The failed trial reopens the circuit for twice as long.
    expect(await health('lambda')).toMatchObject({ consecutive_failures: 4, circuit_open_until: T0 + 8 * MIN + 600_000 });
  });

  it('waits as long as a rate-limited provider asks before calling it again', async () => {
    await ingestAt(T0, { LAMBDA_API_KEY: 'secret_x' }, failing(429, { 'Retry-After': '900' }));
    expect(await health('lambda')).toMatchObject({ last_error_kind: 'rate_limited', circuit_open_until: T0 + 900_000 });
  });

  it('lets only one of two overlapping passes run', async () => {
    const [a, b] = await Promise.all([ingestAt(T0), ingestAt(T0)]);
    expect([a.skipped, b.skipped].filter((s) => s === 'lease_held')).toHaveLength(1);
    expect(await count('SELECT COUNT(*) AS n FROM ingestion_runs')).toBe(1);
    expect(await count('SELECT COUNT(*) AS n FROM price_history')).toBe(300);
  });

  it('summarizes the market per GPU model with min, median and max per GPU-hour', async () => {
    await ingestAt(T0);
    const rows = await env.DB.prepare(
      `SELECT gpu_model, price_per_gpu_hour_micro AS p FROM offers WHERE availability <> 'unavailable' AND gpu_model = 'H100-80GB' ORDER BY p`,
    ).all<{ p: number }>();
    const prices = rows.results.map((r) => r.p);
    expect(prices.length).toBeGreaterThan(2);
    const mid = prices.length >> 1;
    const median = prices.length % 2 ? prices[mid]! : Math.round((prices[mid - 1]! + prices[mid]!) / 2);
    const summary = await env.DB.prepare(`SELECT * FROM market_summary WHERE gpu_model = 'H100-80GB' AND pricing = 'all'`).first();
    expect(summary).toMatchObject({ offer_count: prices.length, min_micro: prices[0], max_micro: prices.at(-1), median_micro: median, provider_count: 1 });
    expect(await count(`SELECT COUNT(*) AS n FROM gpu_price_buckets WHERE gpu_model = 'H100-80GB' AND pricing = 'all'`)).toBe(1);
  });
});

describe('live changes of an ingestion', () => {
  it('streams every change with its old values while they fit in LIVE_MAX_CHANGES', async () => {
    await ingestAt(T0, { SIM_OFFERS: '3000' });
    const report = await ingestAt(T0 + MIN, { SIM_OFFERS: '3000', LIVE_MAX_CHANGES: '5000' });
    expect(report.live).toMatchObject({ mode: 'changes', changes: report.changedOfferIds.length });
  });

  it('stops reading old values once the budget is spent, and tells the rooms to resync', async () => {
    // 12,000 new offers are two batches (10,000 offers each at most); with a budget of 10 only the first reads old values.
    const report = await ingestAt(T0, { SIM_OFFERS: '12000', LIVE_MAX_CHANGES: '10' });
    expect(report.changedOfferIds).toHaveLength(12000);
    expect(report.live).toMatchObject({ mode: 'resync', changes: 0 });
    expect(await count('SELECT COUNT(*) AS n FROM price_history')).toBe(12000);
  });
});
