import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { api, ingestAt, json } from '../helpers';

interface Offer {
  id: string;
  provider: string;
  gpuModel: string;
  gpuCount: number;
  vramGbPerGpu: number;
  totalVramGb: number;
  pricePerHourUsd: number;
  pricePerGpuHourUsd: number;
  pricing: string;
  region: string;
  country: string | null;
  availability: string;
  observedAt: string;
  ageSeconds: number;
}
interface Page {
  data: Offer[];
  nextCursor: string | null;
}
interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId: string;
  errors?: { field: string; message: string }[];
}

const get = async (path: string) => {
  const res = await api(path);
  return { res, body: await json<Page>(res) };
};

/** Follows nextCursor to the end and returns every offer in order. */
async function walk(query: string, limit = 37): Promise<Offer[]> {
  const all: Offer[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const { res, body } = await get(`/v1/offers?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    all.push(...body.data);
    cursor = body.nextCursor;
    if (!cursor) return all;
  }
  throw new Error('pagination did not end');
}

async function listedCount(where = "availability <> 'unavailable'"): Promise<number> {
  return (await env.DB.prepare(`SELECT COUNT(*) AS n FROM offers WHERE ${where}`).first<{ n: number }>())!.n;
}

beforeEach(async () => {
  await ingestAt(Date.now());
});

describe('GET /v1/offers', () => {
  it('returns a first page of listed offers, cheapest per GPU-hour first, with USD prices and ages', async () => {
    const { res, body } = await get('/v1/offers');
    expect(res.status).toBe(200);
    expect(body.data).toHaveLength(50);
    expect(body.nextCursor).toEqual(expect.any(String));
    const prices = body.data.map((o) => o.pricePerGpuHourUsd);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    for (const o of body.data) {
      expect(o.availability).not.toBe('unavailable');
      expect(o.pricePerGpuHourUsd).toBeCloseTo(o.pricePerHourUsd / o.gpuCount, 5);
      expect(o.ageSeconds).toBeGreaterThanOrEqual(0);
      expect(o.ageSeconds).toBeLessThan(60);
      expect(Date.parse(o.observedAt)).not.toBeNaN();
    }
  });

  it('accepts provider aliases for GPU names and answers with the canonical model', async () => {
    const canonical = await walk('gpu=H100-80GB', 200);
    const aliased = await walk(`gpu=${encodeURIComponent('NVIDIA H100 80GB HBM3')}`, 200);
    expect(canonical.length).toBeGreaterThan(0);
    expect(aliased.map((o) => o.id)).toEqual(canonical.map((o) => o.id));
    expect(new Set(canonical.map((o) => o.gpuModel))).toEqual(new Set(['H100-80GB']));
  });

  it('combines a list of GPU models with OR', async () => {
    const both = await walk('gpu=H100-80GB,A100-80GB', 200);
    expect(new Set(both.map((o) => o.gpuModel))).toEqual(new Set(['H100-80GB', 'A100-80GB']));
    expect(both.length).toBe(await listedCount(`availability <> 'unavailable' AND gpu_model IN ('H100-80GB','A100-80GB')`));
  });

  it.each([
    ['minGpuCount=4', (o: Offer) => o.gpuCount >= 4, 'gpu_count >= 4'],
    ['maxGpuCount=2', (o: Offer) => o.gpuCount <= 2, 'gpu_count <= 2'],
    ['minVramGb=48', (o: Offer) => o.vramGbPerGpu >= 48, 'vram_gb_per_gpu >= 48'],
    ['minTotalVramGb=320', (o: Offer) => o.totalVramGb >= 320, 'total_vram_gb >= 320'],
    ['maxPricePerHour=2.5', (o: Offer) => o.pricePerHourUsd <= 2.5, 'price_per_hour_micro <= 2500000'],
    ['maxPricePerGpuHour=0.5', (o: Offer) => o.pricePerGpuHourUsd <= 0.5, 'price_per_gpu_hour_micro <= 500000'],
    ['provider=sim', (o: Offer) => o.provider === 'sim', "provider = 'sim'"],
    ['region=eu-', (o: Offer) => o.region.startsWith('eu-'), "region LIKE 'eu-%'"],
    ['country=de,FI', (o: Offer) => o.country === 'DE' || o.country === 'FI', "country IN ('DE','FI')"],
    ['pricing=spot,interruptible', (o: Offer) => o.pricing !== 'on_demand', "pricing <> 'on_demand'"],
  ])('filters by %s', async (query, holds, where) => {
    const offers = await walk(query, 200);
    expect(offers.length).toBeGreaterThan(0);
    expect(offers.every(holds)).toBe(true);
    expect(offers.length).toBe(await listedCount(`availability <> 'unavailable' AND ${where}`));
  });

  it('includes unavailable offers only when availableOnly=false', async () => {
    const unavailable = await listedCount("availability = 'unavailable'");
    expect(unavailable).toBeGreaterThan(0);
    expect(await walk('availableOnly=false', 200)).toHaveLength(300);
    expect(await walk('', 200)).toHaveLength(300 - unavailable);
  });

  it('leaves out offers older than maxAgeSeconds', async () => {
    await env.DB.prepare(`UPDATE offers SET observed_at = observed_at - 3600000 WHERE external_id IN ('sim-1','sim-2','sim-3')`).run();
    const all = await walk('availableOnly=false', 200);
    const fresh = await walk('availableOnly=false&maxAgeSeconds=600', 200);
    expect(all.length - fresh.length).toBe(3);
  });

  it.each(['price', 'pricePerGpuHour', 'vram', 'gpuCount', 'observedAt'] as const)('sorts by %s in both orders', async (sort) => {
    const key: Record<string, (o: Offer) => number> = {
      price: (o) => o.pricePerHourUsd,
      pricePerGpuHour: (o) => o.pricePerGpuHourUsd,
      vram: (o) => o.vramGbPerGpu,
      gpuCount: (o) => o.gpuCount,
      observedAt: (o) => Date.parse(o.observedAt),
    };
    const asc = (await get(`/v1/offers?sort=${sort}&order=asc&limit=200`)).body.data.map(key[sort]!);
    const desc = (await get(`/v1/offers?sort=${sort}&order=desc&limit=200`)).body.data.map(key[sort]!);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
  });

  it.each([
    ['sort=price', 'ascending price'],
    ['sort=vram&order=desc', 'descending VRAM with many ties'],
    ['gpu=A100-80GB,H100-80GB&sort=gpuCount', 'GPU count within two models'],
  ])('walks every page of %s without gaps or repeats (%s)', async (query) => {
    const paged = await walk(query, 23);
    const single = (await get(`/v1/offers?${query}&limit=200`)).body.data;
    expect(single.length).toBeLessThanOrEqual(200);
    const full = single.length < 200 ? single : await walk(query, 200);
    expect(paged.map((o) => o.id)).toEqual(full.map((o) => o.id));
    expect(new Set(paged.map((o) => o.id)).size).toBe(paged.length);
  });

  it('rejects a cursor used with different filters', async () => {
    const first = (await get('/v1/offers?gpu=H100-80GB&limit=5')).body;
    const res = await api(`/v1/offers?gpu=A100-80GB&limit=5&cursor=${first.nextCursor}`);
    expect(res.status).toBe(400);
    const problem = await json<ProblemBody>(res);
    expect(problem.errors?.[0]?.field).toBe('query.cursor');
  });

  it.each([
    ['sort=cheapest', 'query.sort'],
    ['order=up', 'query.order'],
    ['maxPricePerGpuHour=-1', 'query.maxPricePerGpuHour'],
    ['maxPricePerHour=abc', 'query.maxPricePerHour'],
    ['limit=0', 'query.limit'],
    ['limit=5000', 'query.limit'],
    ['limit=2.5', 'query.limit'],
    ['cursor=!!!', 'query.cursor'],
    ['cursor=eyJub3QiOiJhIGN1cnNvciJ9', 'query.cursor'],
    ['gpu=Quantum%20Foo%209000', 'query.gpu'],
    ['gpu=', 'query.gpu'],
    ['provider=aws', 'query.provider'],
    ['country=USA', 'query.country'],
    ['pricing=reserved', 'query.pricing'],
    ['availableOnly=maybe', 'query.availableOnly'],
    ['minGpuCount=8&maxGpuCount=2', 'query.maxGpuCount'],
    ['maxAgeSeconds=0', 'query.maxAgeSeconds'],
    ['region=%25%27%3B', 'query.region'],
    ['maxprice=3', 'query.maxprice'],
  ])('answers %s with 400 problem+json naming %s', async (query, field) => {
    const res = await api(`/v1/offers?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await json<ProblemBody>(res);
    expect(problem).toMatchObject({ status: 400, title: 'Invalid request', type: expect.stringContaining('invalid-request') });
    expect(problem.requestId).toEqual(expect.any(String));
    expect(problem.errors?.map((e) => e.field)).toContain(field);
    expect(JSON.stringify(problem)).not.toMatch(/at .*\.ts|stack/i);
  });
});

describe('GET /v1/offers/{id}', () => {
  it('returns one offer', async () => {
    const first = (await get('/v1/offers?limit=1')).body.data[0]!;
    const res = await api(`/v1/offers/${first.id}`);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ id: first.id, gpuModel: first.gpuModel, pricePerHourUsd: first.pricePerHourUsd });
  });

  it('answers 404 problem+json for a well-formed id that does not exist', async () => {
    const res = await api('/v1/offers/ofr_0000000000000');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers 400 naming path.id for a malformed id', async () => {
    const res = await api('/v1/offers/not-an-id');
    expect(res.status).toBe(400);
    expect((await json<ProblemBody>(res)).errors?.[0]?.field).toBe('path.id');
  });
});
