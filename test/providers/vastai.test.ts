import { describe, expect, it } from 'vitest';
import awkward from '../../src/providers/fixtures/vastai/bundles-awkward.json';
import bundles from '../../src/providers/fixtures/vastai/bundles.json';
import type { ProviderContext } from '../../src/providers/types';
import { VASTAI_SEARCH, vastai } from '../../src/providers/vastai';
import { type Answer, describeTransportFailures, offerById as offer, pullOffers, TEST_NOW as NOW } from './support';

const BASE = 'https://vast.test/api/v0';

const CONTEXT = { baseUrl: BASE, apiKey: undefined };

function pull(answer: Answer = { body: bundles }, overrides: Partial<ProviderContext> = {}) {
  return pullOffers(vastai, { '/bundles/': answer }, { ...CONTEXT, ...overrides });
}

describe('vastai adapter: request', () => {
  it('posts the search for rentable, unrented machines, cheapest first, to /bundles/', async () => {
    const { requests } = await pull();
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe(`${BASE}/bundles/`);
    expect(request!.headers.get('content-type')).toBe('application/json');
    const search = JSON.parse(request!.body!) as typeof VASTAI_SEARCH;
    expect(search).toEqual(VASTAI_SEARCH);
    expect(search.rentable).toEqual({ eq: true });
    expect(search.rented).toEqual({ eq: false });
    expect(search.order).toEqual([['dph_total', 'asc']]);
    expect(search.type).toBe('on-demand');
    expect(search.limit).toBeGreaterThan(0);
  });

  it('sends no Authorization header when no key is set', async () => {
    const { requests } = await pull();
    expect(requests[0]!.headers.has('authorization')).toBe(false);
  });

  it('sends the key as a bearer token when one is set', async () => {
    const { requests } = await pull({ body: bundles }, { apiKey: 'vast-key-1' });
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer vast-key-1');
  });
});

describe('vastai adapter: normal search result', () => {
  it('lists every machine once on demand and once interruptible', async () => {
    const { result } = await pull();
    expect(result.offers).toHaveLength(12);
    expect(result.offers.filter((o) => o.pricing === 'on_demand')).toHaveLength(6);
    expect(result.offers.filter((o) => o.pricing === 'interruptible')).toHaveLength(6);
    expect(result.skipped).toBe(0);
    expect(result.unknownGpuNames).toEqual({});
  });

  it('maps a single RTX 4090 in Texas to a normalized on-demand offer', async () => {
    const { result } = await pull();
    expect(offer(result.offers, '18234561:on_demand')).toEqual({
      provider: 'vastai',
      externalId: '18234561:on_demand',
      gpuModel: 'RTX-4090',
      rawGpuName: 'RTX 4090',
      gpuCount: 1,
      vramGbPerGpu: 24,
      vcpus: 16,
      ramGb: 125.8,
      storageGb: 200.5,
      pricePerHourMicroUsd: 346_700,
      pricePerGpuHourMicroUsd: 346_700,
      pricing: 'on_demand',
      region: 'Texas, US',
      country: 'US',
      availability: 'available',
      observedAt: NOW,
      source: 'live',
      interconnect: null,
    });
  });

  it('prices the whole machine from dph_total and divides it per GPU', async () => {
    const { result } = await pull();
    const h100 = offer(result.offers, '19011873:on_demand');
    expect(h100.gpuModel).toBe('H100-80GB');
    expect(h100.gpuCount).toBe(8);
    expect(h100.pricePerHourMicroUsd).toBe(17_208_100);
    expect(h100.pricePerGpuHourMicroUsd).toBe(2_151_013);
  });

  it('turns the minimum bid into an interruptible offer on the same machine', async () => {
    const { result } = await pull();
    const bid = offer(result.offers, '18234562:interruptible');
    expect(bid.pricing).toBe('interruptible');
    expect(bid.gpuCount).toBe(4);
    expect(bid.pricePerHourMicroUsd).toBe(800_000);
    expect(bid.pricePerGpuHourMicroUsd).toBe(200_000);
  });

  it('takes the country from the last part of the geolocation and keeps the geolocation as region', async () => {
    const { result } = await pull();
    const quebec = offer(result.offers, '19011873:on_demand');
    expect(quebec.region).toBe('Quebec, CA');
    expect(quebec.country).toBe('CA');
    expect(offer(result.offers, '19054470:on_demand').country).toBe('SE');
  });

  it('converts per-GPU VRAM from MB and uses it to pick the model', async () => {
    const { result } = await pull();
    const a100 = offer(result.offers, '19054470:on_demand');
    expect(a100.gpuModel).toBe('A100-80GB');
    expect(a100.vramGbPerGpu).toBe(80);
    expect(offer(result.offers, '18870020:on_demand').gpuModel).toBe('H100-PCIE-80GB');
    expect(offer(result.offers, '18999101:on_demand').gpuModel).toBe('L40S');
  });

  it('marks machines with NVLink bandwidth as NVLink', async () => {
    const { result } = await pull();
    expect(offer(result.offers, '19011873:on_demand').interconnect).toBe('NVLink');
    expect(offer(result.offers, '18234562:on_demand').interconnect).toBeNull();
  });
});

describe('vastai adapter: awkward records', () => {
  it('keeps the usable records and counts the unusable ones', async () => {
    const { result } = await pull({ body: awkward });
    expect(result.offers).toHaveLength(6);
    // a zero dph_total, two offers without a GPU count, two without a GPU name, one record without id
    expect(result.skipped).toBe(6);
  });

  it('keeps an unknown GPU as "unknown" and counts its name', async () => {
    const { result } = await pull({ body: awkward });
    const unknown = offer(result.offers, '20000001:on_demand');
    expect(unknown.gpuModel).toBe('unknown');
    expect(unknown.rawGpuName).toBe('Imaginary RTX 9999');
    expect(unknown.vramGbPerGpu).toBe(32);
    expect(result.unknownGpuNames).toEqual({ 'Imaginary RTX 9999': 2 });
  });

  it('skips a zero on-demand price but keeps the interruptible offer of that machine', async () => {
    const { result } = await pull({ body: awkward });
    expect(result.offers.find((o) => o.externalId === '20000002:on_demand')).toBeUndefined();
    expect(offer(result.offers, '20000002:interruptible').pricePerHourMicroUsd).toBe(150_000);
  });

  it('lists no interruptible offer when there is no minimum bid', async () => {
    const { result } = await pull({ body: awkward });
    expect(offer(result.offers, '20000003:on_demand').gpuModel).toBe('RTX-3090');
    expect(result.offers.find((o) => o.externalId === '20000003:interruptible')).toBeUndefined();
  });

  it('reads a missing geolocation as unknown region and no country', async () => {
    const { result } = await pull({ body: awkward });
    const noPlace = offer(result.offers, '20000003:on_demand');
    expect(noPlace.region).toBe('unknown');
    expect(noPlace.country).toBeNull();
  });

  it('reads a bare country code geolocation and malformed details without dropping the offer', async () => {
    const { result } = await pull({ body: awkward });
    const t4 = offer(result.offers, '20000004:on_demand');
    expect(t4.gpuModel).toBe('T4');
    expect(t4.region).toBe('SE');
    expect(t4.country).toBe('SE');
    expect(t4.vcpus).toBeNull();
    expect(t4.ramGb).toBeNull();
    expect(t4.storageGb).toBeNull();
  });
});

describeTransportFailures('vastai', {
  adapter: vastai,
  context: CONTEXT,
  target: '/bundles/',
  unauthorizedBody: { success: false, error: 'auth_error', msg: 'Invalid user key' },
  wrongShapes: { 'offers that are not a list': { offers: 'none' } },
});
