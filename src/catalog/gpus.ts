// GPU model registry: canonical names, specs, and every alias providers use for them.
// Specs are vendor datasheet figures (dense, no sparsity); sources are noted per entry.

export type GpuVendor = 'NVIDIA' | 'AMD' | 'Intel';

export interface GpuSpec {
  /** Canonical name, e.g. `H100-80GB`. Used in offers, filters and URLs. */
  name: string;
  vendor: GpuVendor;
  architecture: string;
  vramGb: number;
  /** Memory bandwidth in GB/s. */
  memoryBandwidthGbps: number;
  /** Dense FP16 tensor TFLOPS (FP32 accumulate where the vendor distinguishes). */
  fp16Tflops: number;
  /** Dense BF16 tensor TFLOPS; 0 where the GPU has no BF16 support. */
  bf16Tflops: number;
  formFactor: 'SXM' | 'PCIe' | 'OAM' | 'superchip' | 'NVL';
  /** Family key shared by models that differ only in memory (A100-40GB / A100-80GB): lets a VRAM hint pick one. */
  family: string;
  /** The model a bare family name means when no VRAM hint is given. */
  familyDefault?: boolean;
  /** Names providers use for this model, matched case-insensitively after `gpuKey` folding. */
  aliases: readonly string[];
}

export const GPU_MODELS: readonly GpuSpec[] = [
  // Filled in below; see the registry tests for the required coverage.
];

/**
 * Folds a provider's GPU name to a lookup key: lower case, vendor and marketing words dropped,
 * separators removed. "NVIDIA GeForce RTX 4090" → "rtx4090", "h100_sxm" → "h100sxm".
 */
export function gpuKey(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/\b(nvidia|geforce|tesla|amd|radeon|instinct|intel|gpu|graphics)\b/g, ' ')
    .replace(/[^a-z0-9]+/g, '');
}

const byName = new Map<string, GpuSpec>();
const byKey = new Map<string, GpuSpec>();
const byFamily = new Map<string, GpuSpec[]>();

function index(): void {
  for (const spec of GPU_MODELS) {
    byName.set(spec.name, spec);
    for (const alias of [spec.name, ...spec.aliases]) {
      const key = gpuKey(alias);
      const existing = byKey.get(key);
      if (existing && existing !== spec) throw new Error(`alias "${alias}" maps to both ${existing.name} and ${spec.name}`);
      byKey.set(key, spec);
    }
    const family = byFamily.get(spec.family) ?? [];
    family.push(spec);
    byFamily.set(spec.family, family);
  }
}
index();

/** The spec for a canonical name, or undefined. */
export function getGpuModel(name: string): GpuSpec | undefined {
  return byName.get(name);
}

/**
 * Maps a provider's GPU name to a canonical model. `vramGbHint` (per GPU) picks between models of
 * one family that differ only in memory, e.g. "A100" with 80 → A100-80GB.
 */
export function resolveGpuModel(raw: string, vramGbHint?: number | null): GpuSpec | undefined {
  const key = gpuKey(raw);
  if (!key) return undefined;
  const direct = byKey.get(key);
  const family = byFamily.get(direct?.family ?? key);
  if (family && vramGbHint && vramGbHint > 0) {
    // Providers report usable VRAM a little under the marketing figure (79.6 for 80); take the closest.
    let best: GpuSpec | undefined;
    for (const spec of family) {
      if (!best || Math.abs(spec.vramGb - vramGbHint) < Math.abs(best.vramGb - vramGbHint)) best = spec;
    }
    if (best && Math.abs(best.vramGb - vramGbHint) <= Math.max(4, best.vramGb * 0.1)) return best;
  }
  if (direct) return direct;
  return family?.find((spec) => spec.familyDefault) ?? (family?.length === 1 ? family[0] : undefined);
}

/** All canonical names, in registry order. */
export function canonicalGpuNames(): string[] {
  return GPU_MODELS.map((spec) => spec.name);
}
