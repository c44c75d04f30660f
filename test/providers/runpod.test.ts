import { describe, expect, it } from 'vitest';
import awkward from '../../src/providers/fixtures/runpod/gpu-types-awkward.json';
import gpuTypes from '../../src/providers/fixtures/runpod/gpu-types.json';
import graphqlError from '../../src/providers/fixtures/runpod/graphql-error.json';
import graphqlUnauthorized from '../../src/providers/fixtures/runpod/graphql-unauthorized.json';
import { RUNPOD_QUERY, runpod } from '../../src/providers/runpod';
import { type Answer, describeTransportFailures, fakeFetch, makeContext, offerById as offer, pullOffers, TEST_NOW as NOW } from './support';

const BASE = 'https://runpod.test';
const KEY = 'rpa_test_key';
const H100 = 'NVIDIA H100 80GB HBM3';

const CONTEXT = { baseUrl: BASE, apiKey: KEY };

function pull(answer: Answer = { body: gpuTypes }) {
  return pullOffers(runpod, { '/graphql': answer }, CONTEXT);
}

describe('runpod adapter: request', () => {
  it('posts one GraphQL query to /graphql with the key as a bearer token', async () => {
    const { requests } = await pull();
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe(`${BASE}/graphql`);
    expect(request!.headers.get('authorization')).toBe(`Bearer ${KEY}`);
    expect(request!.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(request!.body!)).toEqual({ query: RUNPOD_QUERY });
  });

  it('asks for secure and community lowest prices at 1, 2, 4 and 8 GPUs in that one query', async () => {
    const { requests } = await pull();
    const query = (JSON.parse(requests[0]!.body!) as { query: string }).query;
    for (const count of [1, 2, 4, 8]) {
      expect(query).toContain(`secure${count}: lowestPrice(input: { gpuCount: ${count}, secureCloud: true })`);
      expect(query).toContain(`community${count}: lowestPrice(input: { gpuCount: ${count}, secureCloud: false })`);
    }
    expect(query).toContain('uninterruptablePrice');
    expect(query).toContain('minimumBidPrice');
    expect(query).toContain('stockStatus');
  });

  it('refuses to call RunPod without a key', async () => {
    const { fetch, requests } = fakeFetch({ '/graphql': { body: gpuTypes } });
    await expect(runpod.listOffers(makeContext(runpod, { ...CONTEXT, apiKey: undefined, fetch }))).rejects.toMatchObject({ kind: 'auth' });
    expect(requests).toHaveLength(0);
  });
});

describe('runpod adapter: normal catalogue', () => {
  it('lists an on-demand and a spot offer per GPU type, cloud and pod size RunPod prices', async () => {
    const { result } = await pull();
    expect(result.offers).toHaveLength(37);
    expect(result.skipped).toBe(0);
    expect(result.unknownGpuNames).toEqual({});
    expect(new Set(result.offers.map((o) => o.externalId)).size).toBe(37);
  });

  it('maps a one-GPU secure H100 SXM to canonical H100-80GB at its per-GPU price', async () => {
    const { result } = await pull();
    expect(offer(result.offers, `${H100}:secure:1x:on_demand`)).toEqual({
      provider: 'runpod',
      externalId: `${H100}:secure:1x:on_demand`,
      gpuModel: 'H100-80GB',
      rawGpuName: 'H100 SXM',
      gpuCount: 1,
      vramGbPerGpu: 80,
      vcpus: 20,
      ramGb: 125,
      storageGb: null,
      pricePerHourMicroUsd: 2_690_000,
      pricePerGpuHourMicroUsd: 2_690_000,
      pricing: 'on_demand',
      region: 'secure',
      country: 'US',
      availability: 'available',
      observedAt: NOW,
      source: 'live',
      interconnect: null,
    });
  });

  it('prices a pod of N GPUs at N times the per-GPU price', async () => {
    const { result } = await pull();
    const four = offer(result.offers, `${H100}:secure:4x:on_demand`);
    expect(four.gpuCount).toBe(4);
    expect(four.pricePerHourMicroUsd).toBe(10_760_000);
    expect(four.pricePerGpuHourMicroUsd).toBe(2_690_000);
    const eight = offer(result.offers, 'NVIDIA A100 80GB PCIe:secure:8x:on_demand');
    expect(eight.pricePerHourMicroUsd).toBe(13_120_000);
    expect(eight.vcpus).toBe(64);
    expect(eight.ramGb).toBe(936);
  });

  it('turns the minimum bid into a spot offer for the whole pod', async () => {
    const { result } = await pull();
    const spot = offer(result.offers, `${H100}:secure:2x:spot`);
    expect(spot.pricing).toBe('spot');
    expect(spot.pricePerHourMicroUsd).toBe(3_500_000);
    expect(spot.pricePerGpuHourMicroUsd).toBe(1_750_000);
  });

  it('lists no spot offer where RunPod gives no bid price', async () => {
    const { result } = await pull();
    expect(result.offers.find((o) => o.externalId === `${H100}:secure:8x:spot`)).toBeUndefined();
    expect(result.offers.filter((o) => o.gpuModel === 'MI300X').map((o) => o.pricing)).toEqual(['on_demand', 'on_demand']);
  });

  it('maps stock High and Medium to available, Low to limited, and None or null to unavailable', async () => {
    const { result } = await pull();
    expect(offer(result.offers, `${H100}:secure:1x:on_demand`).availability).toBe('available');
    expect(offer(result.offers, `${H100}:secure:2x:on_demand`).availability).toBe('available');
    expect(offer(result.offers, `${H100}:secure:4x:on_demand`).availability).toBe('limited');
    expect(offer(result.offers, `${H100}:secure:8x:on_demand`).availability).toBe('unavailable');
    expect(offer(result.offers, `${H100}:community:2x:on_demand`).availability).toBe('unavailable');
  });

  it('keeps community cloud prices apart from secure cloud prices', async () => {
    const { result } = await pull();
    const community = offer(result.offers, `${H100}:community:1x:on_demand`);
    expect(community.region).toBe('community');
    expect(community.pricePerHourMicroUsd).toBe(2_390_000);
    expect(community.country).toBeNull();
  });

  it('skips a cloud the GPU type is not offered in', async () => {
    const { result } = await pull();
    expect(result.offers.filter((o) => o.gpuModel === 'H100-NVL-94GB').every((o) => o.region === 'secure')).toBe(true);
  });

  it('resolves every RunPod name in the fixture to its canonical model', async () => {
    const { result } = await pull();
    expect(new Set(result.offers.map((o) => o.gpuModel))).toEqual(
      new Set(['H100-80GB', 'H100-PCIE-80GB', 'H100-NVL-94GB', 'A100-PCIE-80GB', 'RTX-4090', 'MI300X']),
    );
  });

  it('gives the same external ids on every pull', async () => {
    const first = await pull();
    const second = await pull();
    expect(second.result.offers.map((o) => o.externalId)).toEqual(first.result.offers.map((o) => o.externalId));
  });
});

describe('runpod adapter: awkward records', () => {
  it('keeps the usable records and counts the unusable ones', async () => {
    const { result } = await pull({ body: awkward });
    expect(result.offers).toHaveLength(9);
    // two zero prices, one malformed price, a type without id, a type that is not an object
    expect(result.skipped).toBe(5);
  });

  it('names a GPU by its id when the display name is missing', async () => {
    const { result } = await pull({ body: awkward });
    const l4 = offer(result.offers, 'NVIDIA L4:secure:1x:on_demand');
    expect(l4.gpuModel).toBe('L4');
    expect(l4.rawGpuName).toBe('NVIDIA L4');
  });

  it('keeps an unknown GPU as "unknown" and counts its name', async () => {
    const { result } = await pull({ body: awkward });
    const unknown = offer(result.offers, 'NVIDIA RTX 2000 Ada Generation:secure:2x:on_demand');
    expect(unknown.gpuModel).toBe('unknown');
    expect(unknown.rawGpuName).toBe('RTX 2000 Ada');
    expect(unknown.vramGbPerGpu).toBe(16);
    expect(unknown.pricePerHourMicroUsd).toBe(480_000);
    expect(result.unknownGpuNames).toEqual({ 'RTX 2000 Ada': 4 });
  });

  it('skips zero prices but keeps the same GPU type in the other cloud', async () => {
    const { result } = await pull({ body: awkward });
    expect(result.offers.find((o) => o.externalId.startsWith('NVIDIA RTX A6000:secure'))).toBeUndefined();
    expect(offer(result.offers, 'NVIDIA RTX A6000:community:1x:on_demand').gpuModel).toBe('A6000');
  });

  it('reads nulls and malformed details as unknown rather than dropping the offer', async () => {
    const { result } = await pull({ body: awkward });
    const l40s = offer(result.offers, 'NVIDIA L40S:secure:1x:on_demand');
    expect(l40s.gpuModel).toBe('L40S');
    expect(l40s.vramGbPerGpu).toBe(48);
    expect(l40s.vcpus).toBeNull();
    expect(l40s.ramGb).toBeNull();
    expect(l40s.availability).toBe('unavailable');
    expect(result.offers.find((o) => o.externalId === 'NVIDIA L40S:secure:2x:on_demand')).toBeUndefined();
  });
});

describeTransportFailures('runpod', {
  adapter: runpod,
  context: CONTEXT,
  target: '/graphql',
  wrongShapes: { 'gpuTypes that is not a list': { data: { gpuTypes: 'H100' } } },
});

describe('runpod adapter: GraphQL errors', () => {
  it('reports a GraphQL "unauthorized" error as an auth error', async () => {
    await expect(pull({ body: graphqlUnauthorized })).rejects.toMatchObject({ kind: 'auth' });
  });

  it('reports any other GraphQL error as a bad response', async () => {
    await expect(pull({ body: graphqlError })).rejects.toMatchObject({ kind: 'bad_response' });
  });
});
