// Turns an adapter's per-record readings into normalized offers, one set of rules for all providers:
// prices to micro-dollars, GPU names through the registry, unusable records counted and dropped.
import { resolveGpuModel } from '../catalog/gpus';
import { UNKNOWN_GPU, type Availability, type NormalizedOffer, type OfferSource, type Pricing } from '../catalog/offer';
import { perGpu, usdToMicro } from '../money';
import type { ProviderPull } from './types';

export interface OfferReading {
  externalId: string;
  rawGpuName: string;
  gpuCount: number | null | undefined;
  /** Per-GPU VRAM as the provider reports it; also a hint for picking between same-family models. */
  vramGbPerGpu?: number | null;
  vcpus?: number | null;
  ramGb?: number | null;
  storageGb?: number | null;
  /** Whole-instance price per hour in decimal USD. */
  pricePerHourUsd: number | null | undefined;
  pricing: Pricing;
  region: string | null | undefined;
  country?: string | null;
  availability: Availability;
  interconnect?: string | null;
  observedAt?: number;
}

/**
 * The GPU name to report for a record: the first of `candidates` (trimmed, blanks dropped) that the
 * registry resolves, with the per-GPU VRAM as a hint. When none resolves, `fallback` if given, else the
 * first candidate, so the provider's own text reaches `unknownGpuNames` and the registry can learn it.
 */
export function pickGpuName(
  candidates: ReadonlyArray<string | null | undefined>,
  vramGb?: number | null,
  fallback?: string,
): string {
  const names = candidates.map((name) => name?.trim()).filter((name): name is string => !!name);
  return names.find((name) => resolveGpuModel(name, vramGb)) ?? fallback ?? names[0] ?? '';
}

function positiveOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

export class OfferCollector {
  private readonly offers: NormalizedOffer[] = [];
  private readonly seen = new Set<string>();
  private readonly unknown: Record<string, number> = {};
  private skippedCount = 0;

  constructor(
    private readonly provider: string,
    private readonly now: number,
    private readonly source: OfferSource = 'live',
  ) {}

  /** Adds one reading; returns false (and counts it skipped) when it cannot be a usable offer. */
  add(reading: OfferReading): boolean {
    const gpuCount = reading.gpuCount;
    const price = reading.pricePerHourUsd;
    if (
      !reading.externalId ||
      this.seen.has(reading.externalId) ||
      typeof gpuCount !== 'number' ||
      !Number.isInteger(gpuCount) ||
      gpuCount < 1 ||
      typeof price !== 'number' ||
      !Number.isFinite(price) ||
      price <= 0 ||
      !reading.rawGpuName?.trim()
    ) {
      this.skippedCount++;
      return false;
    }
    const pricePerHourMicroUsd = usdToMicro(price);
    if (pricePerHourMicroUsd < gpuCount) {
      // Rounds to less than a micro-dollar per GPU-hour: a placeholder price, not a real one.
      this.skippedCount++;
      return false;
    }
    const reportedVram = positiveOrNull(reading.vramGbPerGpu);
    const spec = resolveGpuModel(reading.rawGpuName, reportedVram);
    const rawGpuName = reading.rawGpuName.trim();
    if (!spec) this.unknown[rawGpuName] = (this.unknown[rawGpuName] ?? 0) + 1;
    this.seen.add(reading.externalId);
    this.offers.push({
      provider: this.provider,
      externalId: reading.externalId,
      gpuModel: spec?.name ?? UNKNOWN_GPU,
      rawGpuName,
      gpuCount,
      vramGbPerGpu: spec?.vramGb ?? Math.round(reportedVram ?? 0),
      vcpus: positiveOrNull(reading.vcpus),
      ramGb: positiveOrNull(reading.ramGb),
      storageGb: positiveOrNull(reading.storageGb),
      pricePerHourMicroUsd,
      pricePerGpuHourMicroUsd: perGpu(pricePerHourMicroUsd, gpuCount),
      pricing: reading.pricing,
      region: reading.region?.trim() || 'unknown',
      country: reading.country?.trim().toUpperCase() || null,
      availability: reading.availability,
      observedAt: reading.observedAt ?? this.now,
      source: this.source,
      interconnect: reading.interconnect?.trim() || null,
    });
    return true;
  }

  /** Counts a provider record the adapter could not read at all. */
  skip(): void {
    this.skippedCount++;
  }

  result(): ProviderPull {
    return { offers: this.offers, unknownGpuNames: { ...this.unknown }, skipped: this.skippedCount };
  }
}
