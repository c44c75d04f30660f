import { describe, expect, it } from 'vitest';
import { TENSORDOCK_BUNDLE, tensordock } from '../../src/providers/tensordock';
import locationsAwkward from '../../src/providers/fixtures/tensordock/locations-awkward.json';
import locations from '../../src/providers/fixtures/tensordock/locations.json';
import { type Answer, describeTransportFailures, fakeFetch, makeContext, offerById as offer, pullOffers, TEST_NOW as NOW } from './support';

const BASE = 'https://td.test/api/v2';
const KEY = 'td-token-abc';
const AUSTIN = '6f1c1f5e-3c1a-4a43-9a57-1b2f3c4d5e01';
const HELSINKI = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c02';
const WINNIPEG = '50cf200c-be1b-4983-a316-369d2eea10ec';
const ATLANTIS = '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b03';

const CONTEXT = { baseUrl: BASE, apiKey: KEY };

function pull(answer: Answer = { body: locations }) {
  return pullOffers(tensordock, { '/locations': answer }, CONTEXT);
}

describe('tensordock adapter: requests', () => {
  it('reads the v2 locations with the key as a bearer token', async () => {
    const { requests } = await pull();
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('GET');
    expect(requests[0]!.url).toBe(`${BASE}/locations`);
    expect(requests[0]!.headers.get('authorization')).toBe(`Bearer ${KEY}`);
  });

  it('needs a key, as the v2 API documents', async () => {
    expect(tensordock.keyOptional).toBe(false);
    const { fetch, requests } = fakeFetch({});
    await expect(tensordock.listOffers(makeContext(tensordock, { ...CONTEXT, apiKey: undefined, fetch }))).rejects.toMatchObject({ kind: 'auth' });
    expect(requests).toHaveLength(0);
  });
});

describe('tensordock adapter: mapping', () => {
  it('prices a one-GPU VM as the GPU plus the minimal vCPU, RAM and storage bundle', async () => {
    const { result } = await pull();
    // 2.20 GPU + 4 vCPU × 0.003 + 16 GB × 0.002 + 100 GB × 0.00005 = 2.249
    expect(offer(result.offers, `${AUSTIN}:h100-sxm5-80gb:1`)).toEqual({
      provider: 'tensordock',
      externalId: `${AUSTIN}:h100-sxm5-80gb:1`,
      gpuModel: 'H100-80GB',
      rawGpuName: 'H100 SXM5 80GB',
      gpuCount: 1,
      vramGbPerGpu: 80,
      vcpus: TENSORDOCK_BUNDLE.vcpusPerGpu,
      ramGb: TENSORDOCK_BUNDLE.ramGbPerGpu,
      storageGb: TENSORDOCK_BUNDLE.storageGb,
      pricePerHourMicroUsd: 2_249_000,
      pricePerGpuHourMicroUsd: 2_249_000,
      pricing: 'on_demand',
      region: 'Austin, Texas',
      country: 'US',
      availability: 'available',
      observedAt: NOW,
      source: 'live',
      interconnect: 'sxm5',
    });
  });

  it('scales the bundle with the GPU count and divides the price per GPU', async () => {
    const { result } = await pull();
    // 8 × 2.20 + 32 vCPU × 0.003 + 128 GB × 0.002 + 100 GB × 0.00005 = 17.957
    expect(offer(result.offers, `${AUSTIN}:h100-sxm5-80gb:8`)).toMatchObject({
      gpuCount: 8,
      vcpus: 32,
      ramGb: 128,
      storageGb: 100,
      pricePerHourMicroUsd: 17_957_000,
      pricePerGpuHourMicroUsd: 2_244_625,
    });
  });

  it('lists the standard GPU counts up to the most a VM can take there, plus that maximum', async () => {
    const { result } = await pull();
    const counts = (v0Name: string) =>
      result.offers.filter((o) => o.externalId.includes(`:${v0Name}:`)).map((o) => o.gpuCount).sort((a, b) => a - b);
    expect(counts('h100-sxm5-80gb')).toEqual([1, 2, 4, 8]);
    expect(counts('geforcertx4090-pcie-24gb')).toEqual([1, 2, 3]);
    expect(result.offers).toHaveLength(11);
  });

  it('marks the largest VM that still fits as limited and a model with none free as unavailable', async () => {
    const { result } = await pull();
    expect(offer(result.offers, `${AUSTIN}:geforcertx4090-pcie-24gb:2`).availability).toBe('available');
    expect(offer(result.offers, `${AUSTIN}:geforcertx4090-pcie-24gb:3`).availability).toBe('limited');
    expect(offer(result.offers, `${WINNIPEG}:geforcertx3090-pcie-24gb:1`).availability).toBe('limited');
    expect(offer(result.offers, `${HELSINKI}:rtxa6000-pcie-48gb:1`).availability).toBe('unavailable');
  });

  it('resolves consumer and data-centre GPU names to canonical models', async () => {
    const { result } = await pull();
    expect(offer(result.offers, `${AUSTIN}:geforcertx4090-pcie-24gb:1`)).toMatchObject({
      gpuModel: 'RTX-4090',
      vramGbPerGpu: 24,
      interconnect: 'pcie',
      pricePerHourMicroUsd: 399_000,
    });
    expect(offer(result.offers, `${HELSINKI}:a100-pcie-80gb:2`)).toMatchObject({ gpuModel: 'A100-PCIE-80GB', vramGbPerGpu: 80 });
    expect(offer(result.offers, `${HELSINKI}:rtxa6000-pcie-48gb:1`).gpuModel).toBe('A6000');
    expect(offer(result.offers, `${WINNIPEG}:geforcertx3090-pcie-24gb:1`).gpuModel).toBe('RTX-3090');
  });

  it('turns country names into ISO codes', async () => {
    const { result } = await pull();
    expect(offer(result.offers, `${HELSINKI}:a100-pcie-80gb:1`)).toMatchObject({ country: 'FI', region: 'Helsinki, Uusimaa' });
    expect(offer(result.offers, `${WINNIPEG}:geforcertx3090-pcie-24gb:1`)).toMatchObject({ country: 'CA', region: 'Winnipeg, Manitoba' });
  });

  it('builds the same unique externalIds on every pull', async () => {
    const first = (await pull()).result.offers.map((o) => o.externalId);
    const second = (await pull()).result.offers.map((o) => o.externalId);
    expect(new Set(first).size).toBe(first.length);
    expect([...second].sort()).toEqual([...first].sort());
  });
});

describe('tensordock adapter: awkward records', () => {
  const awkward = { body: locationsAwkward };

  it('keeps an offer whose GPU the registry does not know as "unknown" and counts the name', async () => {
    const { result } = await pull(awkward);
    expect(offer(result.offers, `${ATLANTIS}:quantix-qx9-32gb:1`)).toMatchObject({
      gpuModel: 'unknown',
      rawGpuName: 'Quantix QX9 32GB',
      vramGbPerGpu: 32,
    });
    expect(result.unknownGpuNames).toEqual({ 'Quantix QX9 32GB': 1 });
  });

  it('prices only the GPUs when the location gives no resource rates, and falls back to the location id', async () => {
    const { result } = await pull(awkward);
    expect(offer(result.offers, `${ATLANTIS}:quantix-qx9-32gb:1`)).toMatchObject({
      pricePerHourMicroUsd: 500_000,
      region: ATLANTIS,
      country: null,
    });
  });

  it('lists one limited GPU when the maximum count is missing, pricing the rates it has', async () => {
    const { result } = await pull(awkward);
    // 0.30 GPU (a decimal string) + 4 vCPU × 0.003; no RAM or storage rate given.
    expect(offer(result.offers, `${ATLANTIS}:l4-pcie-24gb:1`)).toMatchObject({
      gpuModel: 'L4',
      gpuCount: 1,
      availability: 'limited',
      pricePerHourMicroUsd: 312_000,
    });
  });

  it('skips zero prices and unreadable entries, once each, without failing the pull', async () => {
    const { result } = await pull(awkward);
    expect(result.offers.some((o) => o.externalId.includes('l40s'))).toBe(false);
    // The zero-priced L40S, the GPU without v0Name, the location without id.
    expect(result.skipped).toBe(3);
    expect(result.offers).toHaveLength(2);
  });
});

describeTransportFailures('tensordock', {
  adapter: tensordock,
  context: CONTEXT,
  target: '/locations',
  wrongShapes: { 'a response without data.locations': { hostnodes: {} } },
});
