import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { api, ingestAt, json, routeFetch } from '../helpers';

interface Gpu {
  name: string;
  vramGb: number;
  fp16Tflops: number;
  memoryBandwidthGbps: number;
  market: {
    offers: number;
    providers: number;
    minPricePerGpuHourUsd: number | null;
    medianPricePerGpuHourUsd: number | null;
    maxPricePerGpuHourUsd: number | null;
    byPricing: Record<string, { offers: number }>;
  };
}

describe('GET /v1/gpus', () => {
  it('lists every registry model with specs and the market summary of the last ingestion', async () => {
    await ingestAt(Date.now());
    const res = await api('/v1/gpus');
    expect(res.status).toBe(200);
    const { data } = await json<{ data: Gpu[] }>(res);
    expect(data.length).toBeGreaterThanOrEqual(25);
    const h100 = data.find((g) => g.name === 'H100-80GB')!;
    expect(h100).toMatchObject({ vramGb: 80 });
    expect(h100.fp16Tflops).toBeGreaterThan(500);
    const listed = await env.DB.prepare(
      `SELECT COUNT(*) AS n, MIN(price_per_gpu_hour_micro) AS lo FROM offers WHERE gpu_model = 'H100-80GB' AND availability <> 'unavailable'`,
    ).first<{ n: number; lo: number }>();
    expect(h100.market.offers).toBe(listed!.n);
    expect(h100.market.minPricePerGpuHourUsd).toBe(listed!.lo / 1e6);
    expect(h100.market.minPricePerGpuHourUsd!).toBeLessThanOrEqual(h100.market.medianPricePerGpuHourUsd!);
    expect(h100.market.medianPricePerGpuHourUsd!).toBeLessThanOrEqual(h100.market.maxPricePerGpuHourUsd!);
    const byPricing = Object.values(h100.market.byPricing).reduce((a, p) => a + p.offers, 0);
    expect(byPricing).toBe(h100.market.offers);
  });

  it('shows models with no offers with an empty market, and hides them with listedOnly=true', async () => {
    await ingestAt(Date.now());
    const all = (await json<{ data: Gpu[] }>(await api('/v1/gpus'))).data;
    const listed = (await json<{ data: Gpu[] }>(await api('/v1/gpus?listedOnly=true'))).data;
    const empty = all.filter((g) => g.market.offers === 0);
    expect(empty.length).toBeGreaterThan(0);
    expect(empty[0]!.market.minPricePerGpuHourUsd).toBeNull();
    expect(listed.length).toBe(all.length - empty.length);
  });

  it('finds one model by alias and answers 404 for an unknown one', async () => {
    const res = await api(`/v1/gpus/${encodeURIComponent('NVIDIA A100-SXM4-80GB')}`);
    expect(res.status).toBe(200);
    expect((await json<Gpu>(res)).name).toBe('A100-80GB');
    const missing = await api('/v1/gpus/Quantum-Foo-9000');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('GET /v1/gpus/{model}/history', () => {
  it('returns min, median and max per bucket from successive ingestions', async () => {
    const now = Date.now();
    for (const minutesAgo of [180, 120, 60, 30, 0]) await ingestAt(now - minutesAgo * 60_000);
    const res = await api('/v1/gpus/H100-80GB/history?window=24h');
    expect(res.status).toBe(200);
    const body = await json<{ bucketSeconds: number; data: { t: string; minPricePerGpuHourUsd: number; medianPricePerGpuHourUsd: number; maxPricePerGpuHourUsd: number }[] }>(res);
    expect(body.bucketSeconds).toBe(900);
    expect(body.data.length).toBe(5);
    for (const p of body.data) {
      expect(p.minPricePerGpuHourUsd).toBeLessThanOrEqual(p.medianPricePerGpuHourUsd);
      expect(p.medianPricePerGpuHourUsd).toBeLessThanOrEqual(p.maxPricePerGpuHourUsd);
    }
    const times = body.data.map((p) => Date.parse(p.t));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('filters history by pricing type and rejects an unknown window', async () => {
    await ingestAt(Date.now());
    const spot = await json<{ data: unknown[]; pricing: string }>(await api('/v1/gpus/A100-80GB/history?window=7d&pricing=spot'));
    expect(spot.pricing).toBe('spot');
    expect(spot.data).toHaveLength(1);
    const bad = await api('/v1/gpus/A100-80GB/history?window=1y');
    expect(bad.status).toBe(400);
    expect((await json<{ errors: { field: string }[] }>(bad)).errors[0]!.field).toBe('query.window');
  });
});

describe('GET /v1/providers', () => {
  it('reports every adapter with health, freshness, offer counts and why disabled ones are off', async () => {
    await ingestAt(Date.now(), { LAMBDA_API_KEY: 'secret_x' }, routeFetch({ '': () => new Response('nope', { status: 502 }) }));
    const res = await api('/v1/providers');
    expect(res.status).toBe(200);
    const { data } = await json<{ data: Array<Record<string, unknown> & { id: string; offers: { total: number; listed: number }; freshness: { ageSeconds: number | null } }> }>(res);
    expect(data.map((p) => p.id).sort()).toEqual(['datacrunch', 'lambda', 'runpod', 'shadeform', 'sim', 'tensordock', 'vastai']);
    const sim = data.find((p) => p.id === 'sim')!;
    expect(sim).toMatchObject({ enabled: true, status: 'healthy', lastError: null });
    expect(sim.offers.total).toBe(300);
    expect(sim.freshness.ageSeconds).toBeLessThan(60);
    // The test env itself has no LAMBDA_API_KEY, so the API reports it disabled, with its last failure kept.
    expect(data.find((p) => p.id === 'lambda')).toMatchObject({ status: 'degraded', lastErrorKind: 'unavailable', consecutiveFailures: 1 });
    expect(data.find((p) => p.id === 'runpod')).toMatchObject({ enabled: false, disabledReason: 'RUNPOD_API_KEY is not set', status: 'unknown' });
  });

  it('lists GPU names a provider sent that the registry did not know', async () => {
    const body = JSON.stringify({
      instance_types: [
        {
          cloud: 'hyperstack',
          shade_instance_type: 'Z9000x1',
          cloud_instance_type: 'z9000',
          hourly_price: 150,
          configuration: { memory_in_gb: 64, storage_in_gb: 500, vcpus: 8, num_gpus: 1, gpu_type: 'Z9000', interconnect: 'pcie', vram_per_gpu_in_gb: 48 },
          availability: [{ region: 'canada-1', available: true, display_name: 'CA, Montreal' }],
        },
      ],
    });
    await ingestAt(Date.now(), { SHADEFORM_API_KEY: 'sf_x' }, routeFetch({ 'instances/types': () => new Response(body) }));
    const previous = await env.DB.prepare(`SELECT gpu_model FROM offers WHERE provider = 'shadeform'`).first<{ gpu_model: string }>();
    expect(previous?.gpu_model).toBe('unknown');
    const { data } = await json<{ data: Array<{ id: string; unknownGpuNames: { name: string; offers: number }[]; offers: { unknownGpu: number } }> }>(
      await api('/v1/providers'),
    );
    const shadeform = data.find((p) => p.id === 'shadeform')!;
    expect(shadeform.offers.unknownGpu).toBe(1);
    expect(shadeform.unknownGpuNames).toEqual([{ name: expect.stringContaining('Z9000'), offers: 1 }]);
  });
});

describe('service endpoints', () => {
  it('answers /healthz with the last ingestion', async () => {
    await ingestAt(Date.now());
    const res = await api('/healthz');
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ status: 'ok', lastIngestion: { status: 'succeeded', offersSeen: 300 } });
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const doc = await json<{ openapi: string; paths: Record<string, Record<string, { parameters?: { name: string }[] }>> }>(await api('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/offers', '/v1/offers/{id}', '/v1/gpus', '/v1/gpus/{model}', '/v1/gpus/{model}/history', '/v1/providers']),
    );
    const params = doc.paths['/v1/offers']!.get!.parameters!.map((p) => p.name);
    expect(params).toEqual(expect.arrayContaining(['gpu', 'minGpuCount', 'maxPricePerGpuHour', 'provider', 'region', 'country', 'pricing', 'sort', 'cursor']));
  });

  it('serves a self-contained API reference page at /docs', async () => {
    const res = await api('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('/v1/offers');
    expect(html).toContain('maxPricePerGpuHour');
    expect(html).not.toMatch(/<script/i);
  });

  it('answers an unknown route with 404 problem+json carrying the request id it was given', async () => {
    const res = await api('/v1/nothing-here', { headers: { 'X-Request-Id': 'req-test-123' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('req-test-123');
    expect(await json(res)).toMatchObject({ status: 404, requestId: 'req-test-123' });
  });
});
