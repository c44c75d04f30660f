import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { NormalizedOffer } from '../../src/catalog/offer';
import { refreshMarketSummary, storeOffers } from '../../src/ingest/store';
import { percentile } from '../../src/market/analytics-math';
import instanceTypes from '../../src/providers/fixtures/lambda/instance-types.json';
import { api, ingestAt, json, routeFetch } from '../helpers';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const micro = (usd: number) => Math.round(usd * 1e6);

function offer(provider: string, externalId: string, perGpuHourUsd: number, o: Partial<NormalizedOffer> = {}): NormalizedOffer {
  const gpuCount = o.gpuCount ?? 1;
  return {
    provider,
    externalId,
    gpuModel: 'H100-80GB',
    rawGpuName: 'H100 SXM',
    gpuCount,
    vramGbPerGpu: 80,
    vcpus: 16,
    ramGb: 128,
    storageGb: 500,
    pricePerHourMicroUsd: micro(perGpuHourUsd) * gpuCount,
    pricePerGpuHourMicroUsd: micro(perGpuHourUsd),
    pricing: 'on_demand',
    region: 'us-east-1',
    country: 'US',
    availability: 'available',
    observedAt: Date.now(),
    source: 'live',
    interconnect: null,
    ...o,
  };
}

/**
 * H100-80GB listed per GPU-hour — on_demand: 2.00, 2.40 (runpod), 3.00, 3.20 limited (lambda);
 * spot: 1.00 (runpod), 1.50 limited (lambda); plus an unavailable on_demand 0.50 (not listed) and a
 * lambda offer of a GPU the registry does not know.
 */
async function seedMarket(now: number): Promise<void> {
  const at = (minutesAgo: number) => now - minutesAgo * MIN;
  await storeOffers(env.DB, [
    offer('runpod', 'r1', 2.0, { observedAt: at(10) }),
    offer('runpod', 'r2', 2.4, { observedAt: at(20) }),
    offer('runpod', 'r3', 1.0, { pricing: 'spot', observedAt: at(30) }),
    offer('runpod', 'r4', 0.5, { availability: 'unavailable', observedAt: at(1) }),
  ], now);
  await storeOffers(env.DB, [
    offer('lambda', 'l1', 3.0, { observedAt: at(5) }),
    offer('lambda', 'l2', 3.2, { availability: 'limited', observedAt: at(5) }),
    offer('lambda', 'l3', 1.5, { pricing: 'spot', availability: 'limited', observedAt: at(5) }),
    offer('lambda', 'l4', 5.0, { gpuModel: 'unknown', rawGpuName: 'Quantum X', observedAt: at(65) }),
  ], now);
  await refreshMarketSummary(env.DB, now);
}

async function seedBucket(gpuModel: string, pricing: string, bucketStart: number, medianUsd: number): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO gpu_price_buckets (gpu_model, pricing, bucket_start, min_micro, median_micro, max_micro, offer_count)
     VALUES (?1, ?2, ?3, ?4, ?4, ?4, 1)`,
  )
    .bind(gpuModel, pricing, bucketStart, micro(medianUsd))
    .run();
}

interface SummaryRow {
  gpuModel: string;
  pricing: string;
  offers: number;
  providers: number;
  minPricePerGpuHourUsd: number;
  p25PricePerGpuHourUsd: number;
  medianPricePerGpuHourUsd: number;
  p75PricePerGpuHourUsd: number;
  maxPricePerGpuHourUsd: number;
  availability: { available: number; limited: number; availableShare: number; limitedShare: number };
  change24h: { at: string; fromMedianPricePerGpuHourUsd: number; absoluteUsd: number; percent: number } | null;
  change7d: { at: string; fromMedianPricePerGpuHourUsd: number; absoluteUsd: number; percent: number } | null;
}

interface Problem {
  status: number;
  errors?: { field: string; message: string }[];
}

async function expectBadRequest(path: string, field: string): Promise<void> {
  const res = await api(path);
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = await json<Problem>(res);
  expect(body.errors?.map((e) => e.field)).toContain(field);
}

describe('GET /v1/market/summary', () => {
  it('gives min, quartiles, median, max and availability per GPU model and pricing type', async () => {
    const now = Date.now();
    await seedMarket(now);
    const res = await api('/v1/market/summary?gpu=H100');
    expect(res.status).toBe(200);
    const body = await json<{ updatedAt: string; data: SummaryRow[] }>(res);
    expect(body.updatedAt).toBe(new Date(now).toISOString());
    expect(body.data.map((r) => r.pricing)).toEqual(['all', 'on_demand', 'spot']);
    const [all, onDemand, spot] = body.data;
    // on_demand 2.00 2.40 3.00 3.20: p25 at rank 0.75 → 2.00 + 0.75·0.40; median 2.70; p75 at 2.25 → 3.00 + 0.25·0.20.
    expect(onDemand).toMatchObject({
      offers: 4,
      providers: 2,
      minPricePerGpuHourUsd: 2,
      p25PricePerGpuHourUsd: 2.3,
      medianPricePerGpuHourUsd: 2.7,
      p75PricePerGpuHourUsd: 3.05,
      maxPricePerGpuHourUsd: 3.2,
      availability: { available: 3, limited: 1, availableShare: 0.75, limitedShare: 0.25 },
    });
    // all 1.00 1.50 2.00 2.40 3.00 3.20: p25 at 1.25 → 1.50 + 0.25·0.50; median at 2.5 → 2.20; p75 at 3.75 → 2.40 + 0.75·0.60.
    expect(all).toMatchObject({
      offers: 6,
      providers: 2,
      minPricePerGpuHourUsd: 1,
      p25PricePerGpuHourUsd: 1.625,
      medianPricePerGpuHourUsd: 2.2,
      p75PricePerGpuHourUsd: 2.85,
      maxPricePerGpuHourUsd: 3.2,
      availability: { available: 4, limited: 2, availableShare: 0.6667, limitedShare: 0.3333 },
    });
    // spot 1.00 1.50: 1.125 / 1.25 / 1.375.
    expect(spot).toMatchObject({ offers: 2, providers: 2, p25PricePerGpuHourUsd: 1.125, medianPricePerGpuHourUsd: 1.25, p75PricePerGpuHourUsd: 1.375 });
    // No history yet: no change.
    expect(all!.change24h).toBeNull();
    expect(all!.change7d).toBeNull();
  });

  it('compares the median with the history bucket 24 h and 7 d earlier, if one is close enough', async () => {
    const now = Date.now();
    await seedBucket('H100-80GB', 'all', now - DAY - 10 * MIN, 2.0);
    await seedBucket('H100-80GB', 'all', now - DAY - 50 * MIN, 9.99); // older than the latest before "then": ignored
    await seedBucket('H100-80GB', 'on_demand', now - 7 * DAY - 30 * MIN, 3.0);
    await seedBucket('H100-80GB', 'spot', now - DAY - 2 * HOUR, 1.0); // more than 1 h before "then": too old
    await seedMarket(now);
    const { data } = await json<{ data: SummaryRow[] }>(await api('/v1/market/summary?gpu=H100-80GB'));
    const by = Object.fromEntries(data.map((r) => [r.pricing, r]));
    // all: 2.20 now vs 2.00 then → +0.20, +10 %.
    expect(by.all!.change24h).toEqual({
      at: new Date(now - DAY - 10 * MIN).toISOString(),
      fromMedianPricePerGpuHourUsd: 2,
      absoluteUsd: 0.2,
      percent: 10,
    });
    expect(by.all!.change7d).toBeNull();
    // on_demand: 2.70 now vs 3.00 a week ago → −0.30, −10 %.
    expect(by.on_demand!.change7d).toMatchObject({ fromMedianPricePerGpuHourUsd: 3, absoluteUsd: -0.3, percent: -10 });
    expect(by.on_demand!.change24h).toBeNull();
    expect(by.spot!.change24h).toBeNull();
  });

  it('filters by pricing type, and comes from ingestion on the simulated market too', async () => {
    await ingestAt(Date.now());
    const { data } = await json<{ data: SummaryRow[] }>(await api('/v1/market/summary?pricing=spot,all'));
    expect(data.length).toBeGreaterThan(4);
    expect(new Set(data.map((r) => r.pricing))).toEqual(new Set(['spot', 'all']));
    for (const r of data) {
      expect(r.minPricePerGpuHourUsd).toBeLessThanOrEqual(r.p25PricePerGpuHourUsd);
      expect(r.p25PricePerGpuHourUsd).toBeLessThanOrEqual(r.medianPricePerGpuHourUsd);
      expect(r.medianPricePerGpuHourUsd).toBeLessThanOrEqual(r.p75PricePerGpuHourUsd);
      expect(r.p75PricePerGpuHourUsd).toBeLessThanOrEqual(r.maxPricePerGpuHourUsd);
      expect(r.availability.available + r.availability.limited).toBe(r.offers);
    }
  });

  it('computes at ingestion the same quartiles as percentile() over the listed offers, for every group', async () => {
    await ingestAt(Date.now(), { SIM_OFFERS: '2000' });
    const { results } = await env.DB.prepare(
      `SELECT gpu_model, pricing, price_per_gpu_hour_micro AS p FROM offers
       WHERE availability <> 'unavailable' AND gpu_model <> 'unknown' ORDER BY p`,
    ).all<{ gpu_model: string; pricing: string; p: number }>();
    const groups = new Map<string, number[]>();
    for (const r of results) {
      for (const key of [`${r.gpu_model}/${r.pricing}`, `${r.gpu_model}/all`]) groups.set(key, [...(groups.get(key) ?? []), r.p]);
    }
    const { data } = await json<{ data: SummaryRow[] }>(await api('/v1/market/summary'));
    expect(data).toHaveLength(groups.size);
    const sizes = new Set<number>();
    for (const row of data) {
      const prices = groups.get(`${row.gpuModel}/${row.pricing}`)!;
      sizes.add(prices.length % 4);
      const q = (x: number) => Math.round(percentile(prices, x)) / 1e6;
      expect([row.p25PricePerGpuHourUsd, row.medianPricePerGpuHourUsd, row.p75PricePerGpuHourUsd]).toEqual([q(0.25), q(0.5), q(0.75)]);
    }
    // Every remainder of n / 4, so every interpolation case of the SQL was exercised.
    expect(sizes).toEqual(new Set([0, 1, 2, 3]));
  });

  it('rejects an unknown GPU, pricing type or parameter with a problem naming it', async () => {
    await expectBadRequest('/v1/market/summary?gpu=Quantum-Foo', 'query.gpu');
    await expectBadRequest('/v1/market/summary?pricing=reserved', 'query.pricing');
    await expectBadRequest('/v1/market/summary?window=24h', 'query.window');
  });
});

interface ProviderRow {
  id: string;
  enabled: boolean;
  offers: number;
  indexedOffers: number;
  priceIndex: number | null;
  freshness: { newestObservedAt: string | null; newestAgeSeconds: number | null; medianObservedAt: string | null; medianAgeSeconds: number | null };
  health: { status: string; lastSuccessAt: string | null; consecutiveFailures: number };
  uptime7d: { uptime: number; pulls: number; failures: number; skipped: number; avgLatencyMs: number | null } | null;
}

describe('GET /v1/market/providers', () => {
  it('gives each provider its offers, price index, freshness, health and 7-day uptime', async () => {
    const now = Date.now();
    const keys = { LAMBDA_API_KEY: 'secret_x', SIM_ENABLED: 'false' };
    const up = routeFetch({ '/instance-types': () => Response.json(instanceTypes) });
    const down = routeFetch({ '': () => new Response('down', { status: 502 }) });
    // Real passes at chosen times: one failure 8 days ago (outside the window), then ok, failed, ok.
    await ingestAt(now - 8 * DAY, keys, down);
    await ingestAt(now - 3 * HOUR, keys, up);
    await ingestAt(now - 2 * HOUR, keys, down);
    await ingestAt(now - HOUR, keys, up);
    // The market itself is seeded, so the index can be checked by hand.
    await env.DB.prepare('DELETE FROM offers').run();
    await seedMarket(now);

    const res = await api('/v1/market/providers');
    expect(res.status).toBe(200);
    const { data } = await json<{ data: ProviderRow[] }>(res);
    const runpod = data.find((p) => p.id === 'runpod')!;
    const lambda = data.find((p) => p.id === 'lambda')!;
    // runpod: 2.00/2.70 = .741, 2.40/2.70 = .889 (on_demand), 1.00/1.25 = .800 (spot) → median 0.8.
    expect(runpod).toMatchObject({ enabled: false, offers: 3, indexedOffers: 3, priceIndex: 0.8, uptime7d: null });
    expect(runpod.health).toEqual({ status: 'unknown', lastSuccessAt: null, consecutiveFailures: 0 });
    // Observed 10, 20, 30 minutes ago (the unavailable one is not listed): newest 10 min, median 20 min.
    expect(runpod.freshness.newestObservedAt).toBe(new Date(now - 10 * MIN).toISOString());
    expect(runpod.freshness.medianObservedAt).toBe(new Date(now - 20 * MIN).toISOString());
    expect(runpod.freshness.newestAgeSeconds).toBeGreaterThanOrEqual(600);
    expect(runpod.freshness.newestAgeSeconds).toBeLessThan(630);
    expect(runpod.freshness.medianAgeSeconds).toBeGreaterThanOrEqual(1200);
    // lambda: 3.00/2.70 = 1.111, 3.20/2.70 = 1.185, 1.50/1.25 = 1.200 → 1.185; its unknown-GPU offer is listed, not indexed.
    expect(lambda).toMatchObject({ offers: 4, indexedOffers: 3, priceIndex: 1.185 });
    // Observed 5, 5, 5 and 65 minutes ago: median at rank 1.5 → 5 minutes.
    expect(lambda.freshness.medianObservedAt).toBe(new Date(now - 5 * MIN).toISOString());
    expect(lambda.health).toEqual({ status: 'healthy', lastSuccessAt: new Date(now - HOUR).toISOString(), consecutiveFailures: 0 });
    // 2 ok and 1 failed pull in the last 7 days.
    expect(lambda.uptime7d).toMatchObject({ uptime: 0.6667, pulls: 3, failures: 1, skipped: 0 });
  });

  it('puts the lone simulated provider near the market (index ≈ 1) and leaves a provider never pulled empty', async () => {
    await ingestAt(Date.now());
    const { data } = await json<{ data: ProviderRow[] }>(await api('/v1/market/providers'));
    const sim = data.find((p) => p.id === 'sim')!;
    expect(sim.offers).toBeGreaterThan(200);
    expect(sim.priceIndex).toBeGreaterThan(0.8);
    expect(sim.priceIndex).toBeLessThan(1.2);
    expect(sim.uptime7d).toMatchObject({ uptime: 1, pulls: 1, failures: 0 });
    const lambda = data.find((p) => p.id === 'lambda')!;
    expect(lambda).toMatchObject({ offers: 0, indexedOffers: 0, priceIndex: null, uptime7d: null });
    expect(lambda.freshness).toEqual({ newestObservedAt: null, newestAgeSeconds: null, medianObservedAt: null, medianAgeSeconds: null });
  });
});

interface Forecast {
  model: string;
  pricing: string;
  estimate: boolean;
  note: string;
  parameters: { alpha: number; beta: number } | null;
  history: { points: number; from: string | null; to: string | null; stepSeconds: number };
  backtest: { trainPoints: number; points: number; maeUsd: number; rmseUsd: number; mapePercent: number; naiveMaeUsd: number } | null;
  forecast: { t: string; pricePerGpuHourUsd: number; lower80Usd: number; upper80Usd: number; lower95Usd: number; upper95Usd: number }[];
  reason: string | null;
}

describe('GET /v1/gpus/{model}/forecast', () => {
  it('answers an empty forecast with the reason when there is not enough history', async () => {
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    for (let k = 0; k < 5; k++) await seedBucket('A100-80GB', 'all', hour - k * HOUR, 1.5);
    const res = await api('/v1/gpus/A100-80GB/forecast');
    expect(res.status).toBe(200);
    const body = await json<Forecast>(res);
    expect(body).toMatchObject({ model: 'A100-80GB', pricing: 'all', estimate: true, forecast: [], parameters: null, backtest: null });
    expect(body.history.points).toBe(5);
    expect(body.reason).toContain('not enough history');
  });

  it('forecasts hourly medians with the back-test error, parameters and widening intervals', async () => {
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    // 36 hours of a price rising 2 cents an hour with a ±1 cent wobble, three 5-minute buckets per hour.
    for (let k = 35; k >= 0; k--) {
      const level = 2 + 0.02 * (35 - k) + (k % 2 ? 0.01 : -0.01);
      for (const m of [0, 20, 40]) await seedBucket('H100-80GB', 'spot', hour - k * HOUR + m * MIN, level);
    }
    const res = await api('/v1/gpus/H100-80GB/forecast?horizonHours=6&pricing=spot');
    expect(res.status).toBe(200);
    const body = await json<Forecast>(res);
    expect(body).toMatchObject({ estimate: true, pricing: 'spot', reason: null });
    expect(body.note).toMatch(/estimate/i);
    expect(body.history).toMatchObject({ points: 36, stepSeconds: 3600, to: new Date(hour).toISOString() });
    expect(body.backtest).toMatchObject({ trainPoints: 24, points: 12 });
    expect(body.backtest!.maeUsd).toBeGreaterThan(0);
    expect(body.backtest!.maeUsd).toBeLessThan(0.05);
    expect(body.parameters!.alpha).toBeGreaterThan(0);
    expect(body.forecast.map((p) => p.t)).toEqual([1, 2, 3, 4, 5, 6].map((h) => new Date(hour + h * HOUR).toISOString()));
    // The last level is about 2.70 and rising: the forecast keeps rising.
    expect(body.forecast[0]!.pricePerGpuHourUsd).toBeGreaterThan(2.66);
    expect(body.forecast[5]!.pricePerGpuHourUsd).toBeGreaterThan(body.forecast[0]!.pricePerGpuHourUsd);
    for (const p of body.forecast) {
      expect(p.lower95Usd).toBeLessThanOrEqual(p.lower80Usd);
      expect(p.lower80Usd).toBeLessThanOrEqual(p.pricePerGpuHourUsd);
      expect(p.pricePerGpuHourUsd).toBeLessThanOrEqual(p.upper80Usd);
      expect(p.upper80Usd).toBeLessThanOrEqual(p.upper95Usd);
    }
    const width = (p: Forecast['forecast'][number]) => p.upper95Usd - p.lower95Usd;
    expect(width(body.forecast[5]!)).toBeGreaterThan(width(body.forecast[0]!));
  });

  it('rejects bad parameters with a problem naming them, and an unknown model with 404', async () => {
    await expectBadRequest('/v1/gpus/H100/forecast?horizonHours=0', 'query.horizonHours');
    await expectBadRequest('/v1/gpus/H100/forecast?horizonHours=49', 'query.horizonHours');
    await expectBadRequest('/v1/gpus/H100/forecast?horizonHours=six', 'query.horizonHours');
    await expectBadRequest('/v1/gpus/H100/forecast?pricing=reserved', 'query.pricing');
    await expectBadRequest('/v1/gpus/H100/forecast?window=7d', 'query.window');
    const missing = await api('/v1/gpus/Quantum-Foo/forecast');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('value metrics on offers', () => {
  it('gives price per FP16 TFLOP-hour and per VRAM GB-hour, null for an unknown GPU', async () => {
    const now = Date.now();
    await storeOffers(env.DB, [
      // 8 × H100-80GB (989.5 dense FP16 TFLOPS, 80 GB each) at 2.50 per GPU-hour = 20.00 an hour.
      offer('runpod', 'big', 2.5, { gpuCount: 8 }),
      offer('runpod', 'odd', 1.0, { gpuModel: 'unknown', rawGpuName: 'Quantum X', vramGbPerGpu: 48 }),
    ], now);
    const { data } = await json<{ data: Array<Record<string, unknown>> }>(await api('/v1/offers?provider=runpod&gpu=H100-80GB,unknown&sort=price&order=desc'));
    const [big, odd] = data;
    // 20 / (989.5 × 8) = 0.0025265… → 0.002527 (to the micro-dollar); 20 / 640 GB = 0.03125.
    expect(big).toMatchObject({ gpuModel: 'H100-80GB', pricePerHourUsd: 20, pricePerFp16TflopHourUsd: 0.002527, pricePerVramGbHourUsd: 0.03125 });
    expect(odd).toMatchObject({ gpuModel: 'unknown', pricePerFp16TflopHourUsd: null, pricePerVramGbHourUsd: null });
    const one = await json<Record<string, unknown>>(await api(`/v1/offers/${big!.id as string}`));
    expect(one).toMatchObject({ pricePerFp16TflopHourUsd: 0.002527, pricePerVramGbHourUsd: 0.03125 });
  });
});

describe('OpenAPI document', () => {
  it('describes the analytics endpoints and the value metrics of an offer', async () => {
    const doc = await json<{
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    }>(await api('/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/market/summary', '/v1/market/providers', '/v1/gpus/{model}/forecast']));
    expect(doc.paths['/v1/gpus/{model}/forecast']!.get!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['model', 'horizonHours', 'pricing']));
    expect(Object.keys(doc.components.schemas.Offer!.properties)).toEqual(expect.arrayContaining(['pricePerFp16TflopHourUsd', 'pricePerVramGbHourUsd']));
  });
});
