import { describe, expect, it } from 'vitest';
import { interpretationChips } from '../src/lib/assistant';
import { ReadCache } from '../src/lib/cache';
import { describeIndex, sortProviders } from '../src/lib/providers';
import type { AssistantInterpretation, ProviderAnalytics } from '../src/lib/types';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('read cache', () => {
  it('answers a repeated read from memory until it is older than the TTL', async () => {
    const c = clock();
    const cache = new ReadCache(30_000, c);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('/v1/billing/balance', load)).toBe(1);
    c.advance(29_000);
    expect(await cache.get('/v1/billing/balance', load)).toBe(1);
    c.advance(2_000);
    expect(await cache.get('/v1/billing/balance', load)).toBe(2);
    expect(await cache.get('/v1/billing/balance', load, 0)).toBe(3);
  });

  it('shares one request between concurrent reads of the same key', async () => {
    const cache = new ReadCache(30_000, clock());
    let loads = 0;
    let release!: (v: number) => void;
    const load = () => {
      loads += 1;
      return new Promise<number>((r) => (release = r));
    };
    const a = cache.get('k', load);
    const b = cache.get('k', load);
    release(7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
    expect(loads).toBe(1);
  });

  it('keeps nothing from a failed read, nor from a read a write invalidated while it was in flight', async () => {
    const cache = new ReadCache(30_000, clock());
    await expect(cache.get('k', async () => Promise.reject(new Error('offline')))).rejects.toThrow('offline');
    expect(await cache.get('k', async () => 1)).toBe(1);
    let release!: (v: number) => void;
    const stale = cache.get('/v1/billing/balance', () => new Promise<number>((r) => (release = r)));
    cache.invalidate('/v1/billing');
    release(50);
    expect(await stale).toBe(50);
    expect(await cache.get('/v1/billing/balance', async () => 100)).toBe(100);
  });

  it('invalidates by prefix, or everything', async () => {
    const cache = new ReadCache(30_000, clock());
    cache.set('/v1/billing/balance', 1);
    cache.set('/v1/plans', 2);
    cache.invalidate('/v1/billing');
    expect(await cache.get('/v1/billing/balance', async () => 10)).toBe(10);
    expect(await cache.get('/v1/plans', async () => 20)).toBe(2);
    cache.invalidate();
    expect(await cache.get('/v1/plans', async () => 20)).toBe(20);
  });
});

describe('what the assistant understood, as chips', () => {
  const base = { confidence: 1, unparsed: [], refined: false, source: 'parser' as const, summary: '' };

  it('shows an offer search by count and model, place, price and order', () => {
    const i: AssistantInterpretation = {
      ...base,
      intent: 'search_offers',
      filters: { gpuModels: ['H100-80GB', 'H100-PCIE-80GB', 'H100-NVL-94GB'], minGpuCount: 8, maxGpuCount: 8, maxPricePerHour: 25, countries: ['AT', 'BE', 'DE', 'FR', 'NL'], pricing: ['spot'], excludeProviders: ['vastai'], sort: 'cheapest' },
    };
    expect(interpretationChips(i)).toEqual(['8× H100-80GB + 2 more', '≤ $25.00/h', 'in 5 countries', 'Spot', 'not vastai', 'cheapest first']);
  });

  it('shows a job to size by kind, model, method and limits', () => {
    const i: AssistantInterpretation = { ...base, intent: 'recommend', workload: { kind: 'llm_finetune', modelParamsB: 70, finetuneMethod: 'lora', hours: 10, budgetUsd: 300, datasetTokens: 2e9, countries: ['US'] } };
    expect(interpretationChips(i)).toEqual(['fine-tune', '70B params', 'LoRA', '2B tokens', '10 h', 'budget $300', 'in US']);
    expect(interpretationChips({ ...i, modelName: 'Llama 3 70B' })[1]).toBe('Llama 3 70B');
  });

  it('shows a trend question by models, pricing, window and forecast; help has none', () => {
    expect(interpretationChips({ ...base, intent: 'price_trend', query: { gpuModels: ['A100-80GB'], pricing: 'spot', window: '7d', forecast: true } })).toEqual(['A100-80GB', 'Spot', 'last 7 days', 'forecast']);
    expect(interpretationChips({ ...base, intent: 'price_trend', query: { pricing: 'all', window: '24h', forecast: false } })).toEqual(['most-listed GPUs', 'last 24 h']);
    expect(interpretationChips({ ...base, intent: 'help' })).toEqual([]);
  });
});

describe('providers view', () => {
  const p = (id: string, enabled: boolean, offers: number): ProviderAnalytics => ({
    id,
    name: id.toUpperCase(),
    enabled,
    offers,
    indexedOffers: offers,
    priceIndex: null,
    freshness: { newestObservedAt: null, newestAgeSeconds: null, medianObservedAt: null, medianAgeSeconds: null },
    health: { status: 'healthy', lastSuccessAt: null, consecutiveFailures: 0 },
    uptime7d: null,
  });

  it('puts enabled providers with the most offers first', () => {
    expect(sortProviders([p('b', false, 0), p('c', true, 10), p('a', false, 0), p('d', true, 200)]).map((x) => x.id)).toEqual(['d', 'c', 'a', 'b']);
  });

  it('says a price index in words', () => {
    expect(describeIndex(0.918)).toEqual({ text: '8% below market', tone: 'cheap' });
    expect(describeIndex(1.004)).toEqual({ text: 'at market', tone: '' });
    expect(describeIndex(1.12)).toEqual({ text: '12% above market', tone: 'dear' });
    expect(describeIndex(null).text).toBe('no comparable offers');
  });
});
