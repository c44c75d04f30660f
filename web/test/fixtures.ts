// An offer as GET /v1/offers returns it, with the fields a test cares about overridden.
import type { LiveChange, Offer } from '../src/lib/types';

export function offer(overrides: Partial<Offer> = {}): Offer {
  return {
    id: 'ofr_aaaaaaaaaaaaa',
    provider: 'sim',
    externalId: 'sim-1',
    gpuModel: 'H100-80GB',
    rawGpuName: 'H100-80GB',
    gpuCount: 1,
    vramGbPerGpu: 80,
    totalVramGb: 80,
    vcpus: 16,
    ramGb: 128,
    storageGb: 500,
    pricePerHourUsd: 2.5,
    pricePerGpuHourUsd: 2.5,
    pricing: 'on_demand',
    region: 'us-east-1',
    country: 'US',
    availability: 'available',
    interconnect: null,
    source: 'sim',
    observedAt: '2026-05-01T12:00:00.000Z',
    ageSeconds: 0,
    firstSeenAt: '2026-05-01T11:00:00.000Z',
    changedAt: '2026-05-01T12:00:00.000Z',
    ...overrides,
  };
}

export function change(o: Offer, kind: LiveChange['kind'] = 'changed', inView = true): LiveChange {
  return { kind, offerId: o.id, offer: o, observedAt: o.observedAt, inView };
}
