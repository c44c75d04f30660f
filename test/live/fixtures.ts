// A stored offer row for tests that build live changes by hand.
import type { OfferRow } from '../../src/market/offers.query';

export const NOW = Date.UTC(2026, 10, 1, 12);

export function offerRow(overrides: Partial<OfferRow> = {}): OfferRow {
  return {
    id: 'ofr_aaaaaaaaaaaaa',
    provider: 'runpod',
    external_id: 'x1',
    gpu_model: 'H100-80GB',
    raw_gpu_name: 'H100 80GB HBM3',
    gpu_count: 1,
    vram_gb_per_gpu: 80,
    total_vram_gb: 80,
    vcpus: 16,
    ram_gb: 128,
    storage_gb: 200,
    price_per_hour_micro: 2_500_000,
    price_per_gpu_hour_micro: 2_500_000,
    pricing: 'on_demand',
    region: 'us-east',
    country: 'US',
    availability: 'available',
    interconnect: null,
    source: 'live',
    observed_at: NOW,
    first_seen_at: NOW - 3_600_000,
    changed_at: NOW,
    ...overrides,
  };
}

