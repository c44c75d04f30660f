import { describe, expect, it } from 'vitest';
import { datacrunch } from '../../src/providers/datacrunch';
import availabilityAwkward from '../../src/providers/fixtures/datacrunch/instance-availability-awkward.json';
import spotAvailability from '../../src/providers/fixtures/datacrunch/instance-availability-spot.json';
import availability from '../../src/providers/fixtures/datacrunch/instance-availability.json';
import instanceTypesAwkward from '../../src/providers/fixtures/datacrunch/instance-types-awkward.json';
import instanceTypes from '../../src/providers/fixtures/datacrunch/instance-types.json';
import token from '../../src/providers/fixtures/datacrunch/token.json';
import { describeTransportFailures, fakeFetch, makeContext, offerById as offer, pullOffers, type Routes, TEST_NOW as NOW } from './support';

const BASE = 'https://dc.test/v1';
const KEY = 'client-id-123:client-secret-456';

function routes(overrides: Routes = {}): Routes {
  return {
    [`POST ${BASE}/oauth2/token`]: { body: token },
    [`GET ${BASE}/instance-types?currency=usd`]: { body: instanceTypes },
    [`GET ${BASE}/instance-availability`]: { body: availability },
    [`GET ${BASE}/instance-availability?is_spot=true`]: { body: spotAvailability },
    ...overrides,
  };
}

const CONTEXT = { baseUrl: BASE, apiKey: KEY };

function pull(overrides: Routes = {}) {
  return pullOffers(datacrunch, routes(overrides), CONTEXT);
}

describe('datacrunch adapter: requests', () => {
  it('exchanges the client credentials from the key for an OAuth2 token first', async () => {
    const { requests } = await pull();
    const first = requests[0]!;
    expect(first.method).toBe('POST');
    expect(first.url).toBe(`${BASE}/oauth2/token`);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(first.body ?? '{}')).toEqual({
      grant_type: 'client_credentials',
      client_id: 'client-id-123',
      client_secret: 'client-secret-456',
    });
  });

  it('reads USD instance types and on-demand and spot availability with the bearer token', async () => {
    const { requests } = await pull();
    const reads = requests.slice(1);
    expect(reads.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      `GET ${BASE}/instance-availability`,
      `GET ${BASE}/instance-availability?is_spot=true`,
      `GET ${BASE}/instance-types?currency=usd`,
    ]);
    for (const r of reads) expect(r.headers.get('authorization')).toBe(`Bearer ${token.access_token}`);
  });

  it('refuses a key that is not client_id:client_secret without calling the API', async () => {
    const { fetch, requests } = fakeFetch(routes());
    await expect(datacrunch.listOffers(makeContext(datacrunch, { ...CONTEXT, apiKey: 'just-one-part', fetch }))).rejects.toMatchObject({ kind: 'auth' });
    expect(requests).toHaveLength(0);
  });
});

describe('datacrunch adapter: mapping', () => {
  it('maps an instance type to an on-demand offer in a location where it is deployable', async () => {
    const { result } = await pull();
    expect(offer(result.offers, '1H100.80S.30V:FIN-01:on_demand')).toEqual({
      provider: 'datacrunch',
      externalId: '1H100.80S.30V:FIN-01:on_demand',
      gpuModel: 'H100-80GB',
      rawGpuName: 'H100 SXM5 80GB',
      gpuCount: 1,
      vramGbPerGpu: 80,
      vcpus: 30,
      ramGb: 120,
      storageGb: null,
      pricePerHourMicroUsd: 2_290_000,
      pricePerGpuHourMicroUsd: 2_290_000,
      pricing: 'on_demand',
      region: 'FIN-01',
      country: 'FI',
      availability: 'available',
      observedAt: NOW,
      source: 'live',
      interconnect: 'sxm5',
    });
  });

  it('prices spot offers from spot_price and marks them by spot availability', async () => {
    const { result } = await pull();
    const fin01 = offer(result.offers, '1H100.80S.30V:FIN-01:spot');
    expect(fin01).toMatchObject({ pricing: 'spot', pricePerHourMicroUsd: 1_150_000, availability: 'available' });
    // FIN-03 has H100s on demand but none as spot.
    expect(offer(result.offers, '1H100.80S.30V:FIN-03:spot').availability).toBe('unavailable');
    expect(offer(result.offers, '1H100.80S.30V:FIN-03:on_demand').availability).toBe('available');
  });

  it('splits total GPU memory and the instance price across the GPUs of a multi-GPU type', async () => {
    const { result } = await pull();
    expect(offer(result.offers, '8A100.176V:FIN-03:on_demand')).toMatchObject({
      gpuModel: 'A100-80GB',
      gpuCount: 8,
      vramGbPerGpu: 80,
      vcpus: 176,
      ramGb: 960,
      pricePerHourMicroUsd: 10_320_000,
      pricePerGpuHourMicroUsd: 1_290_000,
      availability: 'available',
    });
    expect(offer(result.offers, '2A6000.20V:FIN-01:on_demand')).toMatchObject({
      gpuModel: 'A6000',
      gpuCount: 2,
      vramGbPerGpu: 48,
      pricePerHourMicroUsd: 1_020_000,
      pricePerGpuHourMicroUsd: 510_000,
    });
  });

  it('places ICE-01 in Iceland and the FIN locations in Finland', async () => {
    const { result } = await pull();
    expect(offer(result.offers, '1V100.6V:ICE-01:on_demand')).toMatchObject({
      gpuModel: 'V100',
      country: 'IS',
      region: 'ICE-01',
      pricePerHourMicroUsd: 190_000,
      availability: 'available',
    });
    const countries = new Set(result.offers.filter((o) => o.region.startsWith('FIN-')).map((o) => o.country));
    expect([...countries]).toEqual(['FI']);
  });

  it('lists every GPU type in every location, unavailable where the API does not list it', async () => {
    const { result } = await pull();
    // 4 GPU types × 3 locations × (on-demand + spot).
    expect(result.offers).toHaveLength(24);
    expect(offer(result.offers, '8A100.176V:FIN-01:on_demand').availability).toBe('unavailable');
    expect(result.offers.filter((o) => o.availability === 'available')).toHaveLength(7);
  });

  it('counts a CPU-only instance type as skipped once and makes no offer of it', async () => {
    const { result } = await pull();
    expect(result.skipped).toBe(1);
    expect(result.offers.some((o) => o.externalId.startsWith('CPU.'))).toBe(false);
    expect(result.unknownGpuNames).toEqual({});
  });

  it('builds the same unique externalIds on every pull', async () => {
    const first = (await pull()).result.offers.map((o) => o.externalId);
    const second = (await pull()).result.offers.map((o) => o.externalId);
    expect(new Set(first).size).toBe(first.length);
    expect([...second].sort()).toEqual([...first].sort());
  });
});

describe('datacrunch adapter: awkward records', () => {
  const awkward = {
    [`GET ${BASE}/instance-types?currency=usd`]: { body: instanceTypesAwkward },
    [`GET ${BASE}/instance-availability`]: { body: availabilityAwkward },
    [`GET ${BASE}/instance-availability?is_spot=true`]: { body: [] },
  };

  it('keeps an offer whose GPU the registry does not know as "unknown" and counts the name', async () => {
    const { result } = await pull(awkward);
    expect(offer(result.offers, '1QX9.12V:FIN-02:on_demand')).toMatchObject({
      gpuModel: 'unknown',
      rawGpuName: 'Quantix QX9',
      vramGbPerGpu: 32,
      pricePerHourMicroUsd: 750_000,
    });
    expect(result.unknownGpuNames).toEqual({ 'Quantix QX9': 2 });
  });

  it('skips zero prices instead of listing free GPUs', async () => {
    const { result } = await pull(awkward);
    expect(result.offers.some((o) => o.externalId.startsWith('1A100.22V'))).toBe(false);
  });

  it('reads numeric prices and tolerates null memory and a null spot price', async () => {
    const { result } = await pull(awkward);
    expect(offer(result.offers, '1L40S.20V:FIN-02:on_demand')).toMatchObject({
      gpuModel: 'L40S',
      vramGbPerGpu: 48,
      ramGb: null,
      vcpus: 20,
      pricePerHourMicroUsd: 990_000,
      availability: 'available',
    });
    expect(result.offers.some((o) => o.externalId === '1L40S.20V:FIN-02:spot')).toBe(false);
  });

  it('counts unreadable records and zero prices as skipped without failing the pull', async () => {
    const { result } = await pull(awkward);
    // Two zero prices, one record without instance_type, one that is not an object.
    expect(result.skipped).toBe(4);
    expect(result.offers).toHaveLength(3);
  });
});

// Failures injected into the instance-types read, after the token exchange and beside the availability reads.
describeTransportFailures('datacrunch', {
  adapter: datacrunch,
  context: CONTEXT,
  prelude: routes(),
  target: `GET ${BASE}/instance-types?currency=usd`,
  unauthorizedBody: { code: 'unauthorized_request' },
  wrongShapes: { 'instance types that are not a list': { instance_types: instanceTypes } },
});

describe('datacrunch adapter: token and availability failures', () => {
  it('reports a rejected token request as an auth error', async () => {
    const p = pull({ [`POST ${BASE}/oauth2/token`]: { status: 401, body: { code: 'unauthorized_request' } } });
    await expect(p).rejects.toMatchObject({ kind: 'auth', status: 401 });
  });

  it('reports an unavailable token endpoint as unavailable', async () => {
    const p = pull({ [`POST ${BASE}/oauth2/token`]: { status: 503, text: 'maintenance' } });
    await expect(p).rejects.toMatchObject({ kind: 'unavailable', status: 503 });
  });

  it('reports a token response without an access token as a bad response', async () => {
    const p = pull({ [`POST ${BASE}/oauth2/token`]: { body: { token_type: 'Bearer', expires_in: 3600 } } });
    await expect(p).rejects.toMatchObject({ kind: 'bad_response' });
  });

  it('reports a failing availability read as unavailable', async () => {
    const p = pull({ [`GET ${BASE}/instance-availability`]: { status: 500, text: 'oops' } });
    await expect(p).rejects.toMatchObject({ kind: 'unavailable', status: 500 });
  });
});
