import { describe, expect, it } from 'vitest';
import invalidKey from '../../src/providers/fixtures/lambda/error-invalid-api-key.json';
import awkward from '../../src/providers/fixtures/lambda/instance-types-awkward.json';
import instanceTypes from '../../src/providers/fixtures/lambda/instance-types.json';
import { lambda } from '../../src/providers/lambda';
import { type Answer, describeTransportFailures, fakeFetch, makeContext, offerById as offer, pullOffers, TEST_NOW as NOW } from './support';

const BASE = 'https://lambda.test/api/v1';
const KEY = 'secret_lambda_key';

const CONTEXT = { baseUrl: BASE, apiKey: KEY };

function pull(answer: Answer = { body: instanceTypes }) {
  return pullOffers(lambda, { '/instance-types': answer }, CONTEXT);
}

describe('lambda adapter: request', () => {
  it('gets /instance-types with the key as a bearer token', async () => {
    const { requests } = await pull();
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.method).toBe('GET');
    expect(request!.url).toBe(`${BASE}/instance-types`);
    expect(request!.headers.get('authorization')).toBe(`Bearer ${KEY}`);
    expect(request!.body).toBeUndefined();
  });

  it('refuses to call Lambda without a key', async () => {
    const { fetch, requests } = fakeFetch({ '/instance-types': { body: instanceTypes } });
    await expect(lambda.listOffers(makeContext(lambda, { ...CONTEXT, apiKey: undefined, fetch }))).rejects.toMatchObject({ kind: 'auth' });
    expect(requests).toHaveLength(0);
  });
});

describe('lambda adapter: normal instance types', () => {
  it('lists each instance type once per region with capacity', async () => {
    const { result } = await pull();
    expect(result.offers.map((o) => o.externalId).sort()).toEqual(
      [
        'gpu_1x_a100_sxm4:asia-northeast-1',
        'gpu_1x_a10:me-west-1',
        'gpu_1x_a10:us-east-1',
        'gpu_1x_gh200:us-east-3',
        'gpu_1x_h100_pcie:us-east-1',
        'gpu_1x_h100_pcie:us-west-1',
        'gpu_2x_a6000:us-south-1',
        'gpu_8x_a100_80gb_sxm4:europe-central-1',
        'gpu_8x_b200_sxm6:us-midwest-1',
        'gpu_8x_h100_sxm5:unknown',
      ].sort(),
    );
    expect(result.skipped).toBe(0);
    expect(result.unknownGpuNames).toEqual({});
  });

  it('maps a one-GPU H100 PCIe in Virginia to a normalized on-demand offer', async () => {
    const { result } = await pull();
    expect(offer(result.offers, 'gpu_1x_h100_pcie:us-east-1')).toEqual({
      provider: 'lambda',
      externalId: 'gpu_1x_h100_pcie:us-east-1',
      gpuModel: 'H100-PCIE-80GB',
      rawGpuName: 'H100 PCIe',
      gpuCount: 1,
      vramGbPerGpu: 80,
      vcpus: 26,
      ramGb: 200,
      storageGb: 1024,
      pricePerHourMicroUsd: 2_490_000,
      pricePerGpuHourMicroUsd: 2_490_000,
      pricing: 'on_demand',
      region: 'us-east-1',
      country: 'US',
      availability: 'available',
      observedAt: NOW,
      source: 'live',
      interconnect: null,
    });
  });

  it('keeps an instance type with no capacity anywhere as one unavailable offer', async () => {
    const { result } = await pull();
    const sold = offer(result.offers, 'gpu_8x_h100_sxm5:unknown');
    expect(sold.availability).toBe('unavailable');
    expect(sold.region).toBe('unknown');
    expect(sold.country).toBeNull();
    expect(sold.gpuModel).toBe('H100-80GB');
  });

  it('reads the price in cents as the whole instance and divides it per GPU', async () => {
    const { result } = await pull();
    const eight = offer(result.offers, 'gpu_8x_h100_sxm5:unknown');
    expect(eight.gpuCount).toBe(8);
    expect(eight.pricePerHourMicroUsd).toBe(23_920_000);
    expect(eight.pricePerGpuHourMicroUsd).toBe(2_990_000);
    expect(offer(result.offers, 'gpu_2x_a6000:us-south-1').pricePerGpuHourMicroUsd).toBe(800_000);
  });

  it('uses the memory in the GPU description to tell A100 40 GB from 80 GB', async () => {
    const { result } = await pull();
    expect(offer(result.offers, 'gpu_1x_a100_sxm4:asia-northeast-1').gpuModel).toBe('A100-40GB');
    expect(offer(result.offers, 'gpu_8x_a100_80gb_sxm4:europe-central-1').gpuModel).toBe('A100-80GB');
  });

  it('resolves every Lambda GPU in the fixture to its canonical model', async () => {
    const { result } = await pull();
    expect(new Set(result.offers.map((o) => o.gpuModel))).toEqual(
      new Set(['H100-PCIE-80GB', 'H100-80GB', 'A100-40GB', 'A100-80GB', 'A10', 'GH200', 'A6000', 'B200']),
    );
  });

  it('derives the country from the region name', async () => {
    const { result } = await pull();
    expect(offer(result.offers, 'gpu_1x_a100_sxm4:asia-northeast-1').country).toBe('JP');
    expect(offer(result.offers, 'gpu_8x_a100_80gb_sxm4:europe-central-1').country).toBe('DE');
    expect(offer(result.offers, 'gpu_1x_a10:me-west-1').country).toBe('IL');
    expect(offer(result.offers, 'gpu_8x_b200_sxm6:us-midwest-1').country).toBe('US');
  });
});

describe('lambda adapter: awkward records', () => {
  it('keeps the usable records and counts the unusable ones', async () => {
    const { result } = await pull({ body: awkward });
    expect(result.offers).toHaveLength(4);
    // a zero price, a region without a name, a CPU-only type, an instance_type that is not an object
    expect(result.skipped).toBe(4);
  });

  it('reads a price written as a string and takes the GPU count from the type name', async () => {
    const { result } = await pull({ body: awkward });
    const a6000 = offer(result.offers, 'gpu_4x_a6000:us-west-2');
    expect(a6000.gpuModel).toBe('A6000');
    expect(a6000.gpuCount).toBe(4);
    expect(a6000.pricePerHourMicroUsd).toBe(3_200_000);
    expect(a6000.pricePerGpuHourMicroUsd).toBe(800_000);
  });

  it('skips a zero price', async () => {
    const { result } = await pull({ body: awkward });
    expect(result.offers.find((o) => o.externalId.startsWith('gpu_1x_a100:'))).toBeUndefined();
  });

  it('keeps an unknown GPU as "unknown" under Lambda\'s own name and counts it', async () => {
    const { result } = await pull({ body: awkward });
    const mystery = offer(result.offers, 'gpu_1x_mystery:australia-east-1');
    expect(mystery.gpuModel).toBe('unknown');
    expect(mystery.rawGpuName).toBe('Imaginary X1 (64 GB)');
    expect(mystery.vramGbPerGpu).toBe(64);
    expect(mystery.country).toBe('AU');
    expect(result.unknownGpuNames).toEqual({ 'Imaginary X1 (64 GB)': 1 });
  });

  it('reads null specs and null regions as unknown details of an unavailable offer', async () => {
    const { result } = await pull({ body: awkward });
    const a10 = offer(result.offers, 'gpu_1x_a10:unknown');
    expect(a10.availability).toBe('unavailable');
    expect(a10.gpuCount).toBe(1);
    expect(a10.vcpus).toBeNull();
    expect(a10.ramGb).toBeNull();
  });

  it('leaves the country empty for a region it does not know and ignores malformed details', async () => {
    const { result } = await pull({ body: awkward });
    const mars = offer(result.offers, 'gpu_1x_h100_sxm5:mars-north-1');
    expect(mars.gpuModel).toBe('H100-80GB');
    expect(mars.country).toBeNull();
    expect(mars.ramGb).toBeNull();
    expect(mars.vcpus).toBe(26);
  });
});

describeTransportFailures('lambda', {
  adapter: lambda,
  context: CONTEXT,
  target: '/instance-types',
  unauthorizedBody: invalidKey,
  wrongShapes: { 'data that is a list instead of a map of instance types': { data: [] } },
});
