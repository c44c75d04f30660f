// The one money type: integer micro-dollars. Decimal USD only at the API edge.

export type MicroUsd = number;

export const MICRO_PER_USD = 1_000_000;

/** Converts a decimal USD amount (as providers publish it) to integer micro-dollars. */
export function usdToMicro(usd: number): MicroUsd {
  if (!Number.isFinite(usd)) throw new RangeError(`not a finite amount: ${usd}`);
  return Math.round(usd * MICRO_PER_USD);
}

/** Converts integer cents (as some providers publish prices) to micro-dollars. */
export function centsToMicro(cents: number): MicroUsd {
  if (!Number.isFinite(cents)) throw new RangeError(`not a finite amount: ${cents}`);
  return Math.round(cents * 10_000);
}

/** Micro-dollars to a decimal USD number for API responses (exact to the micro-dollar). */
export function microToUsd(micro: MicroUsd): number {
  return micro / MICRO_PER_USD;
}

/** Per-GPU price of a whole-instance price, rounded to the nearest micro-dollar. */
export function perGpu(pricePerHour: MicroUsd, gpuCount: number): MicroUsd {
  if (!Number.isInteger(gpuCount) || gpuCount < 1) throw new RangeError(`bad gpu count: ${gpuCount}`);
  return Math.round(pricePerHour / gpuCount);
}
