import { describe, expect, it } from 'vitest';
import { canonicalGpus, emptyFilters, filtersToApiQuery, filtersToParams, liveSubscription, matchesFilters, parseFilters } from '../src/lib/offers-query';
import { offer } from './fixtures';

describe('filters ↔ URL', () => {
  it('round-trips every filter through the query string unchanged', () => {
    const f = {
      ...emptyFilters(),
      gpu: ['H100-80GB', 'A100-80GB'],
      minGpuCount: 2,
      maxGpuCount: 8,
      minVramGb: 80,
      minTotalVramGb: 320,
      maxPricePerHour: 20,
      maxPricePerGpuHour: 2.5,
      provider: ['runpod', 'sim'],
      region: 'eu-',
      country: ['DE', 'SE'],
      pricing: ['on_demand' as const, 'spot' as const],
      availableOnly: false,
      maxAgeSeconds: 600,
      sort: 'price' as const,
      order: 'desc' as const,
    };
    const params = filtersToParams(f);
    expect(params.toString()).toBe(
      'gpu=H100-80GB%2CA100-80GB&minGpuCount=2&maxGpuCount=8&minVramGb=80&minTotalVramGb=320&maxPricePerHour=20&maxPricePerGpuHour=2.5' +
        '&provider=runpod%2Csim&region=eu-&country=DE%2CSE&pricing=on_demand%2Cspot&availableOnly=false&maxAgeSeconds=600&sort=price&order=desc',
    );
    expect(parseFilters(new URLSearchParams(params.toString()))).toEqual(f);
  });

  it('leaves defaults out of the URL, so the plain market is /market', () => {
    expect(filtersToParams(emptyFilters()).toString()).toBe('');
    expect(filtersToParams(parseFilters(new URLSearchParams('sort=pricePerGpuHour&order=asc&availableOnly=true'))).toString()).toBe('');
    // observedAt sorts newest first by default, so only an explicit asc is written.
    expect(filtersToParams({ ...emptyFilters(), sort: 'observedAt', order: 'desc' }).toString()).toBe('sort=observedAt');
  });

  it('drops values the API would refuse instead of sending a query that fails', () => {
    const f = parseFilters(new URLSearchParams('minGpuCount=0&maxGpuCount=1.5&maxPricePerGpuHour=-1&minVramGb=lots&pricing=cheap,spot&country=USA,de&sort=random&order=up&region=<script>'));
    expect(f).toEqual({ ...emptyFilters(), pricing: ['spot'], country: ['DE'] });
  });

  it('drops a maximum GPU count below the minimum', () => {
    expect(parseFilters(new URLSearchParams('minGpuCount=4&maxGpuCount=2'))).toMatchObject({ minGpuCount: 4, maxGpuCount: null });
  });

  it('builds the API query with sort, order and limit always explicit', () => {
    const q = filtersToApiQuery({ ...emptyFilters(), gpu: ['L40S'] }, 100);
    expect(Object.fromEntries(q)).toEqual({ gpu: 'L40S', sort: 'pricePerGpuHour', order: 'asc', limit: '100' });
  });

  it('replaces GPU aliases with canonical names from the catalog, keeping unknown ones', () => {
    const catalog = [{ name: 'H100-80GB', aliases: ['H100', 'H100 SXM'] }, { name: 'A100-80GB', aliases: ['A100'] }];
    expect(canonicalGpus({ ...emptyFilters(), gpu: ['h100', 'A100-80GB', 'A100', 'Z9000'] }, catalog).gpu).toEqual(['H100-80GB', 'A100-80GB', 'Z9000']);
  });
});

describe('matching an offer on the client', () => {
  const now = Date.parse('2026-05-01T12:00:00Z');
  it('applies each filter as /v1/offers does', () => {
    const o = offer({ gpuModel: 'H100-80GB', gpuCount: 8, vramGbPerGpu: 80, totalVramGb: 640, pricePerHourUsd: 20, pricePerGpuHourUsd: 2.5, region: 'eu-central-1', country: 'DE', pricing: 'spot', observedAt: '2026-05-01T11:59:00Z' });
    const base = emptyFilters();
    expect(matchesFilters(o, base, now)).toBe(true);
    expect(matchesFilters(o, { ...base, gpu: ['A100-80GB'] }, now)).toBe(false);
    expect(matchesFilters(o, { ...base, minGpuCount: 9 }, now)).toBe(false);
    expect(matchesFilters(o, { ...base, maxGpuCount: 4 }, now)).toBe(false);
    expect(matchesFilters(o, { ...base, minVramGb: 96 }, now)).toBe(false);
    expect(matchesFilters(o, { ...base, minTotalVramGb: 641 }, now)).toBe(false);
    expect(matchesFilters(o, { ...base, maxPricePerHour: 19.99 }, now)).toBe(false);
    expect(matchesFilters(o, { ...base, maxPricePerGpuHour: 2.5 }, now)).toBe(true);
    expect(matchesFilters(o, { ...base, maxPricePerGpuHour: 2.49 }, now)).toBe(false);
    expect(matchesFilters(o, { ...base, provider: ['runpod'] }, now)).toBe(false);
    expect(matchesFilters(o, { ...base, region: 'EU-' }, now)).toBe(true);
    expect(matchesFilters(o, { ...base, region: 'us-' }, now)).toBe(false);
    expect(matchesFilters(o, { ...base, country: ['US'] }, now)).toBe(false);
    expect(matchesFilters(o, { ...base, pricing: ['on_demand'] }, now)).toBe(false);
    expect(matchesFilters(o, { ...base, maxAgeSeconds: 30 }, now)).toBe(false);
    expect(matchesFilters({ ...o, availability: 'unavailable' }, base, now)).toBe(false);
    expect(matchesFilters({ ...o, availability: 'unavailable' }, { ...base, availableOnly: false }, now)).toBe(true);
  });
});

describe('live subscription for a view', () => {
  it('uses the one GPU channel, else one provider, else the market, with the filter the protocol knows', () => {
    expect(liveSubscription({ ...emptyFilters(), gpu: ['H100-80GB'], pricing: ['spot'], maxPricePerGpuHour: 3 })).toEqual({
      channels: ['gpu:H100-80GB'],
      filter: { maxPricePerGpuHour: 3, pricing: 'spot' },
    });
    expect(liveSubscription({ ...emptyFilters(), provider: ['runpod'] })).toEqual({ channels: ['provider:runpod'], filter: {} });
    expect(liveSubscription({ ...emptyFilters(), gpu: ['H100-80GB', 'H200'], provider: ['sim'], pricing: ['spot', 'on_demand'], country: ['US'] })).toEqual({
      channels: ['market'],
      filter: { gpuModels: 'H100-80GB,H200', providers: 'sim', countries: 'US' },
    });
  });
});
