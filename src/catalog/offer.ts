// The normalized offer every provider adapter produces and every later stage consumes.
// Money is integer micro-dollars here; decimal USD appears only at the API edge.

export const PRICING_TYPES = ['on_demand', 'spot', 'interruptible'] as const;
export type Pricing = (typeof PRICING_TYPES)[number];

export const AVAILABILITY = ['available', 'limited', 'unavailable'] as const;
export type Availability = (typeof AVAILABILITY)[number];

export const OFFER_SOURCES = ['live', 'sim'] as const;
export type OfferSource = (typeof OFFER_SOURCES)[number];

/** Canonical GPU model name from the registry, or "unknown" when the provider's name did not map. */
export type GpuModelName = string;
export const UNKNOWN_GPU = 'unknown';

export interface NormalizedOffer {
  provider: string;
  /** The provider's own identifier for this offer; unique per provider. */
  externalId: string;
  gpuModel: GpuModelName;
  /** The GPU name exactly as the provider wrote it, kept so unknown names can be added to the registry. */
  rawGpuName: string;
  gpuCount: number;
  vramGbPerGpu: number;
  vcpus: number | null;
  ramGb: number | null;
  storageGb: number | null;
  /** Whole-instance price per hour, integer micro-dollars. */
  pricePerHourMicroUsd: number;
  /** Price per GPU-hour, integer micro-dollars (pricePerHour / gpuCount, rounded). */
  pricePerGpuHourMicroUsd: number;
  pricing: Pricing;
  region: string;
  /** ISO 3166-1 alpha-2 country code, upper case, or null when the provider does not say. */
  country: string | null;
  availability: Availability;
  /** Epoch milliseconds at which the provider reported this price. */
  observedAt: number;
  source: OfferSource;
  interconnect: string | null;
}
