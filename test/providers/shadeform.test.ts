import { describe, expect, it } from 'vitest';
import { shadeform } from '../../src/providers/shadeform';
import instanceTypesAwkward from '../../src/providers/fixtures/shadeform/instance-types-awkward.json';
import instanceTypes from '../../src/providers/fixtures/shadeform/instance-types.json';
import { type Answer, describeTransportFailures, fakeFetch, makeContext, offerById as offer, pullOffers, TEST_NOW as NOW } from './support';

const BASE = 'https://sf.test/v1';
const KEY = 'sf-key-xyz';

const CONTEXT = { baseUrl: BASE, apiKey: KEY };

function pull(answer: Answer = { body: instanceTypes }) {
  return pullOffers(shadeform, { '/instances/types': answer }, CONTEXT);
}

describe('shadeform adapter: requests', () => {
  it('reads instance types with the key in the X-API-KEY header', async () => {
    const { requests } = await pull();
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('GET');
    expect(requests[0]!.url).toBe(`${BASE}/instances/types`);
    expect(requests[0]!.headers.get('x-api-key')).toBe(KEY);
    expect(requests[0]!.headers.get('authorization')).toBeNull();
  });

  it('refuses to pull without a key', async () => {
    const { fetch, requests } = fakeFetch({});
    await expect(shadeform.listOffers(makeContext(shadeform, { ...CONTEXT, apiKey: undefined, fetch }))).rejects.toMatchObject({ kind: 'auth' });
    expect(requests).toHaveLength(0);
  });
});

describe('shadeform adapter: mapping', () => {
  it('maps an instance type in one region to an offer priced from integer cents', async () => {
    const { result } = await pull();
    expect(offer(result.offers, 'lambdalabs:H100:us-south-1')).toEqual({
      provider: 'shadeform',
      externalId: 'lambdalabs:H100:us-south-1',
      gpuModel: 'H100-PCIE-80GB',
      // The interconnect picks the PCIe part; Shadeform's gpu_type alone says only "H100".
      rawGpuName: 'H100 PCIe',
      gpuCount: 1,
      vramGbPerGpu: 80,
      vcpus: 26,
      ramGb: 200,
      storageGb: 1024,
      pricePerHourMicroUsd: 2_490_000,
      pricePerGpuHourMicroUsd: 2_490_000,
      pricing: 'on_demand',
      region: 'lambdalabs:us-south-1',
      country: 'US',
      availability: 'available',
      observedAt: NOW,
      source: 'live',
      interconnect: 'pcie',
    });
  });

  it('makes one offer per region, available only where Shadeform says so', async () => {
    const { result } = await pull();
    expect(offer(result.offers, 'lambdalabs:H100:us-west-1').availability).toBe('unavailable');
    expect(result.offers).toHaveLength(7);
    expect(result.offers.filter((o) => o.availability === 'available')).toHaveLength(5);
  });

  it('keeps the underlying cloud apart when two clouds sell the same shade instance type', async () => {
    const { result } = await pull();
    expect(offer(result.offers, 'hyperstack:A6000:canada-1')).toMatchObject({
      gpuModel: 'A6000',
      region: 'hyperstack:canada-1',
      pricePerHourMicroUsd: 500_000,
    });
    expect(offer(result.offers, 'massedcompute:A6000:wichita-usa-1')).toMatchObject({
      gpuModel: 'A6000',
      region: 'massedcompute:wichita-usa-1',
      pricePerHourMicroUsd: 570_000,
    });
  });

  it('divides a multi-GPU price per GPU and keeps the SXM interconnect', async () => {
    const { result } = await pull();
    expect(offer(result.offers, 'crusoe:H100x8:us-east1-a')).toMatchObject({
      gpuModel: 'H100-80GB',
      rawGpuName: 'H100',
      gpuCount: 8,
      vramGbPerGpu: 80,
      pricePerHourMicroUsd: 27_800_000,
      pricePerGpuHourMicroUsd: 3_475_000,
      interconnect: 'sxm5',
    });
  });

  it('maps a memory-suffixed GPU type like A100_80G to its canonical model', async () => {
    const { result } = await pull();
    expect(offer(result.offers, 'datacrunch:A100_80Gx8:helsinki-finland-1')).toMatchObject({
      gpuModel: 'A100-80GB',
      pricePerHourMicroUsd: 10_320_000,
      pricePerGpuHourMicroUsd: 1_290_000,
    });
  });

  it('takes the country from the display name, or from a country word in the region slug', async () => {
    const { result } = await pull();
    expect(offer(result.offers, 'datacrunch:A100_80Gx8:helsinki-finland-1').country).toBe('FI');
    expect(offer(result.offers, 'massedcompute:A6000:wichita-usa-1').country).toBe('US');
    expect(offer(result.offers, 'hyperstack:A6000:canada-1').country).toBe('CA');
    expect(offer(result.offers, 'crusoe:H100x8:eu-iceland1-a').country).toBe('IS');
  });

  it('builds the same unique externalIds on every pull', async () => {
    const first = (await pull()).result.offers.map((o) => o.externalId);
    const second = (await pull()).result.offers.map((o) => o.externalId);
    expect(new Set(first).size).toBe(first.length);
    expect([...second].sort()).toEqual([...first].sort());
  });
});

describe('shadeform adapter: awkward records', () => {
  const awkward = { body: instanceTypesAwkward };

  it('keeps an offer whose GPU the registry does not know as "unknown" and counts the name', async () => {
    const { result } = await pull(awkward);
    expect(offer(result.offers, 'excesssupply:QX9:us-east-1')).toMatchObject({
      gpuModel: 'unknown',
      rawGpuName: 'QX9',
      vramGbPerGpu: 32,
      country: 'US',
    });
    expect(result.unknownGpuNames).toEqual({ QX9: 1 });
  });

  it('skips a zero price instead of listing a free GPU', async () => {
    const { result } = await pull(awkward);
    expect(result.offers.some((o) => o.externalId.startsWith('vultr:'))).toBe(false);
  });

  it('tolerates null specs and a missing available flag, which it reads as unavailable', async () => {
    const { result } = await pull(awkward);
    expect(offer(result.offers, 'denvr:L40S:oslo-norway-1')).toMatchObject({
      gpuModel: 'L40S',
      vramGbPerGpu: 48,
      vcpus: null,
      storageGb: null,
      interconnect: null,
      country: 'NO',
      availability: 'available',
      pricePerHourMicroUsd: 990_000,
    });
    expect(offer(result.offers, 'denvr:L40S:oslo-norway-2').availability).toBe('unavailable');
  });

  it('lists only on-demand availability entries', async () => {
    const { result } = await pull(awkward);
    expect(result.offers.filter((o) => o.externalId === 'denvr:L40S:oslo-norway-1')).toHaveLength(1);
    expect(result.offers.every((o) => o.pricing === 'on_demand')).toBe(true);
  });

  it('counts unreadable records and zero prices as skipped without failing the pull', async () => {
    const { result } = await pull(awkward);
    // The zero-priced L4, the region entry without a region, the type without configuration.
    expect(result.skipped).toBe(3);
    expect(result.offers).toHaveLength(3);
  });
});

describeTransportFailures('shadeform', {
  adapter: shadeform,
  context: CONTEXT,
  target: '/instances/types',
  unauthorizedBody: { error: 'invalid api key' },
  wrongShapes: { 'a response without instance_types': instanceTypes.instance_types },
});
