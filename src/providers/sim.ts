// The simulated provider: a market that needs no network. Every offer's attributes, price walk and
// availability are pure functions of (SIM_SEED, offer index, pull time), so two runs with the same
// seed see the same market at the same minute, and prices move between pulls like a real market's.
import { OfferCollector } from './collector';
import { ProviderError, type ProviderAdapter, type ProviderContext, type ProviderPull } from './types';
import type { Availability, Pricing } from '../catalog/offer';

/** Base on-demand USD per GPU-hour, roughly the 2026 market median per model. */
const MODELS: ReadonlyArray<{ name: string; perGpuUsd: number; weight: number }> = [
  { name: 'H100-80GB', perGpuUsd: 2.49, weight: 12 },
  { name: 'H100-PCIE-80GB', perGpuUsd: 2.09, weight: 5 },
  { name: 'H100-NVL-94GB', perGpuUsd: 2.59, weight: 3 },
  { name: 'H200', perGpuUsd: 3.49, weight: 5 },
  { name: 'B200', perGpuUsd: 5.49, weight: 3 },
  { name: 'GH200', perGpuUsd: 1.99, weight: 2 },
  { name: 'A100-80GB', perGpuUsd: 1.59, weight: 10 },
  { name: 'A100-40GB', perGpuUsd: 1.19, weight: 5 },
  { name: 'L40S', perGpuUsd: 0.95, weight: 7 },
  { name: 'L40', perGpuUsd: 0.85, weight: 2 },
  { name: 'L4', perGpuUsd: 0.45, weight: 5 },
  { name: 'A10', perGpuUsd: 0.6, weight: 4 },
  { name: 'A40', perGpuUsd: 0.45, weight: 3 },
  { name: 'A6000', perGpuUsd: 0.55, weight: 6 },
  { name: 'RTX-6000-ADA', perGpuUsd: 0.85, weight: 3 },
  { name: 'RTX-4090', perGpuUsd: 0.39, weight: 10 },
  { name: 'RTX-5090', perGpuUsd: 0.69, weight: 3 },
  { name: 'RTX-3090', perGpuUsd: 0.22, weight: 6 },
  { name: 'V100', perGpuUsd: 0.29, weight: 2 },
  { name: 'T4', perGpuUsd: 0.19, weight: 2 },
  { name: 'MI300X', perGpuUsd: 2.19, weight: 3 },
];

const REGIONS: ReadonlyArray<{ region: string; country: string; factor: number }> = [
  { region: 'us-east-1', country: 'US', factor: 1.0 },
  { region: 'us-west-2', country: 'US', factor: 1.02 },
  { region: 'us-central-1', country: 'US', factor: 0.97 },
  { region: 'ca-central-1', country: 'CA', factor: 1.03 },
  { region: 'eu-central-1', country: 'DE', factor: 1.08 },
  { region: 'eu-west-1', country: 'IE', factor: 1.06 },
  { region: 'eu-west-2', country: 'GB', factor: 1.09 },
  { region: 'eu-north-1', country: 'SE', factor: 0.98 },
  { region: 'eu-north-2', country: 'FI', factor: 0.95 },
  { region: 'eu-north-3', country: 'IS', factor: 0.94 },
  { region: 'eu-south-1', country: 'FR', factor: 1.07 },
  { region: 'ap-northeast-1', country: 'JP', factor: 1.15 },
  { region: 'ap-southeast-1', country: 'SG', factor: 1.12 },
  { region: 'ap-south-1', country: 'IN', factor: 0.99 },
  { region: 'ap-southeast-2', country: 'AU', factor: 1.14 },
  { region: 'sa-east-1', country: 'BR', factor: 1.18 },
];

const COUNTS = [1, 1, 1, 2, 2, 4, 4, 8, 8, 8] as const;
const PRICING: ReadonlyArray<{ pricing: Pricing; discount: number; share: number }> = [
  { pricing: 'on_demand', discount: 1, share: 0.6 },
  { pricing: 'spot', discount: 0.62, share: 0.25 },
  { pricing: 'interruptible', discount: 0.52, share: 0.15 },
];

const STEP_MS = 60_000;
/** How many past repricing epochs the price remembers: bounds the walk's work and drift. */
const WALK_MEMORY = 8;
const WALK_STEP = 0.035;

/** 32-bit integer hash of a few integers (murmur3 finalizer mix); the simulator's only randomness. */
export function hash32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (v | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Uniform in [0, 1). */
function unit(...values: number[]): number {
  return hash32(...values) / 4294967296;
}

function seedNumber(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return h >>> 0;
}

const MODEL_WEIGHT_TOTAL = MODELS.reduce((sum, m) => sum + m.weight, 0);

function pickModel(u: number): (typeof MODELS)[number] {
  let acc = 0;
  for (const model of MODELS) {
    acc += model.weight / MODEL_WEIGHT_TOTAL;
    if (u < acc) return model;
  }
  return MODELS[MODELS.length - 1]!;
}

function pickPricing(u: number): (typeof PRICING)[number] {
  let acc = 0;
  for (const p of PRICING) {
    acc += p.share;
    if (u < acc) return p;
  }
  return PRICING[0]!;
}

export interface SimOffer {
  index: number;
  model: string;
  gpuCount: number;
  pricing: Pricing;
  region: string;
  country: string;
  pricePerHourUsd: number;
  availability: Availability;
  vcpus: number;
  ramGb: number;
  storageGb: number;
  interconnect: string | null;
}

/** The simulated offer `index` at pull time `now`. Pure: same inputs, same offer. */
export function simOffer(seed: number, index: number, now: number): SimOffer {
  const model = pickModel(unit(seed, index, 1));
  const gpuCount = COUNTS[Math.floor(unit(seed, index, 2) * COUNTS.length)]!;
  const pricing = pickPricing(unit(seed, index, 3));
  const place = REGIONS[Math.floor(unit(seed, index, 4) * REGIONS.length)]!;
  const hostFactor = 0.85 + unit(seed, index, 5) * 0.35;

  // Each offer reprices every `period` minutes; its price is a walk over the last WALK_MEMORY epochs.
  const step = Math.floor(now / STEP_MS);
  const period = 2 + Math.floor(unit(seed, index, 6) * 9);
  const phase = Math.floor(unit(seed, index, 7) * period);
  const epoch = Math.floor((step + phase) / period);
  let drift = 0;
  for (let j = 0; j < WALK_MEMORY; j++) drift += (unit(seed, index, 8, epoch - j) - 0.5) * 2 * WALK_STEP;
  const volatility = pricing.pricing === 'on_demand' ? 0.5 : 1.5;
  const perGpu = model.perGpuUsd * pricing.discount * place.factor * hostFactor * Math.exp(drift * volatility);
  const pricePerHourUsd = Math.max(0.01, Math.round(perGpu * gpuCount * 1000) / 1000);

  const availPeriod = 3 + Math.floor(unit(seed, index, 9) * 12);
  const a = unit(seed, index, 10, Math.floor((step + phase) / availPeriod));
  const availability: Availability = a < 0.78 ? 'available' : a < 0.9 ? 'limited' : 'unavailable';

  const cpusPerGpu = [8, 12, 16, 24, 32][Math.floor(unit(seed, index, 11) * 5)]!;
  const big = model.perGpuUsd >= 1.5;
  return {
    index,
    model: model.name,
    gpuCount,
    pricing: pricing.pricing,
    region: place.region,
    country: place.country,
    pricePerHourUsd,
    availability,
    vcpus: cpusPerGpu * gpuCount,
    ramGb: (big ? 128 : 48) * gpuCount,
    storageGb: (big ? 500 : 200) * gpuCount,
    interconnect: gpuCount > 1 && big ? (unit(seed, index, 12) < 0.7 ? 'nvlink' : 'pcie') : null,
  };
}

export const sim: ProviderAdapter = {
  id: 'sim',
  displayName: 'Simulated market',
  defaultBaseUrl: 'sim://local',
  keyOptional: true,
  docsUrl: 'https://github.com/gpubroker/gpubroker#simulated-provider',
  async listOffers(ctx: ProviderContext): Promise<ProviderPull> {
    const seed = seedNumber(ctx.settings.SIM_SEED ?? 'gpubroker');
    const count = Number(ctx.settings.SIM_OFFERS ?? 300);
    const collector = new OfferCollector('sim', ctx.now, 'sim');
    for (let i = 0; i < count; i++) {
      if (i % 5000 === 0 && ctx.signal.aborted) throw new ProviderError('sim', 'timeout', 'generation timed out');
      const o = simOffer(seed, i, ctx.now);
      collector.add({
        externalId: `sim-${i}`,
        rawGpuName: o.model,
        gpuCount: o.gpuCount,
        vcpus: o.vcpus,
        ramGb: o.ramGb,
        storageGb: o.storageGb,
        pricePerHourUsd: o.pricePerHourUsd,
        pricing: o.pricing,
        region: o.region,
        country: o.country,
        availability: o.availability,
        interconnect: o.interconnect,
      });
    }
    return collector.result();
  },
};
