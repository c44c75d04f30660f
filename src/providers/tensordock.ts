// TensorDock adapter (API v2): each location lists its GPU models with a per-GPU price, the most GPUs
// one VM can take there now, and separate per-vCPU / per-GB rates; offers price a small VM bundle.
import { z } from 'zod';
import type { Availability } from '../catalog/offer';
import { OfferCollector, pickGpuName } from './collector';
import { requestJson } from './http';
import { ProviderError, type ProviderAdapter, type ProviderContext, type ProviderPull } from './types';

const ID = 'tensordock';

/**
 * TensorDock bills vCPUs, RAM and storage on top of the GPUs, so a GPU price alone is not an instance
 * price. Offers price the smallest VM that is usable for GPU work: 4 vCPUs and 16 GB RAM per GPU
 * (capped at what the location can give) and 100 GB of storage, the documented minimum disk.
 */
export const TENSORDOCK_BUNDLE = { vcpusPerGpu: 4, ramGbPerGpu: 16, storageGb: 100 } as const;

/** GPU counts offered per model and location, besides the location's maximum itself. */
const STANDARD_COUNTS = [1, 2, 4, 8] as const;

const Num = z.number().nullish().catch(null);

const GpuSchema = z.object({
  v0Name: z.string().min(1),
  displayName: z.string().nullish().catch(null),
  /** The most GPUs of this model one VM can have in this location right now. */
  max_count: Num,
  /** USD per GPU-hour. */
  price_per_hr: z.union([z.number(), z.string()]).nullish().catch(null),
  resources: z.object({ max_vcpus: Num, max_ram_gb: Num, max_storage_gb: Num }).nullish().catch(null),
  pricing: z.object({ per_vcpu_hr: Num, per_gb_ram_hr: Num, per_gb_storage_hr: Num }).nullish().catch(null),
});
type Gpu = z.infer<typeof GpuSchema>;

const LocationSchema = z.object({
  id: z.string().min(1),
  city: z.string().nullish().catch(null),
  stateprovince: z.string().nullish().catch(null),
  country: z.string().nullish().catch(null),
  gpus: z.array(z.unknown()).nullish(),
});

const LocationsResponseSchema = z.object({ data: z.object({ locations: z.array(z.unknown()) }) });

/** Country names as TensorDock writes them ("United States") → ISO 3166-1 alpha-2. */
const COUNTRY_CODES: Readonly<Record<string, string>> = {
  'united states': 'US', 'united states of america': 'US', usa: 'US', canada: 'CA', mexico: 'MX', brazil: 'BR',
  chile: 'CL', argentina: 'AR', 'united kingdom': 'GB', uk: 'GB', 'great britain': 'GB', ireland: 'IE',
  germany: 'DE', france: 'FR', netherlands: 'NL', 'the netherlands': 'NL', belgium: 'BE', luxembourg: 'LU',
  switzerland: 'CH', austria: 'AT', italy: 'IT', spain: 'ES', portugal: 'PT', poland: 'PL', czechia: 'CZ',
  'czech republic': 'CZ', slovakia: 'SK', hungary: 'HU', romania: 'RO', bulgaria: 'BG', greece: 'GR',
  croatia: 'HR', slovenia: 'SI', serbia: 'RS', ukraine: 'UA', finland: 'FI', sweden: 'SE', norway: 'NO',
  denmark: 'DK', iceland: 'IS', estonia: 'EE', latvia: 'LV', lithuania: 'LT', turkey: 'TR', israel: 'IL',
  'united arab emirates': 'AE', 'saudi arabia': 'SA', india: 'IN', singapore: 'SG', japan: 'JP',
  'south korea': 'KR', korea: 'KR', taiwan: 'TW', 'hong kong': 'HK', china: 'CN', thailand: 'TH',
  vietnam: 'VN', malaysia: 'MY', indonesia: 'ID', philippines: 'PH', australia: 'AU', 'new zealand': 'NZ',
  'south africa': 'ZA', kazakhstan: 'KZ',
};

function countryCode(country: string | null | undefined): string | null {
  const name = country?.trim();
  if (!name) return null;
  if (/^[A-Za-z]{2}$/.test(name)) return name.toUpperCase();
  return COUNTRY_CODES[name.toLowerCase()] ?? null;
}

function positive(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

function usd(value: number | string | null | undefined): number | null {
  const n = typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** Per-GPU VRAM from the names: "h100-sxm5-80gb", "H100 SXM5 80GB" → 80. */
function vramOf(gpu: Gpu): number | null {
  const match = /(\d+)\s*gb\b/i.exec(`${gpu.v0Name} ${gpu.displayName ?? ''}`);
  return match ? Number(match[1]) : null;
}

/**
 * The GPU name to report: the first spelling the registry knows, trying the display name and then
 * v0Name ("geforcertx4090-pcie-24gb"), each as written, without the memory size, and last without the
 * form factor. A name nothing resolves is reported as the provider displays it.
 */
function gpuName(gpu: Gpu, vram: number | null): string {
  const names = [gpu.displayName?.trim(), gpu.v0Name.replace(/[-_]+/g, ' ').trim()].filter((n): n is string => !!n);
  const candidates = names.flatMap((name) => {
    const noMemory = name.replace(/\b\d+\s*gb\b/gi, ' ').replace(/\s+/g, ' ').trim();
    const noForm = noMemory.replace(/\b(pcie|sxm\d*|nvlink)\b/gi, ' ').replace(/\s+/g, ' ').trim();
    return [name, noMemory, noForm];
  });
  return pickGpuName(candidates, vram, names[0] ?? gpu.v0Name);
}

function interconnectOf(gpu: Gpu): string | null {
  const text = `${gpu.v0Name} ${gpu.displayName ?? ''}`;
  const sxm = /\bsxm\d*\b/i.exec(text.replace(/[-_]/g, ' '));
  if (sxm) return sxm[0].toLowerCase();
  return /pcie/i.test(text) ? 'pcie' : null;
}

/** GPU counts to list: the standard sizes up to the location's maximum, and the maximum itself. */
function countsFor(maxCount: number): number[] {
  if (maxCount < 1) return [1];
  return [...new Set([...STANDARD_COUNTS.filter((c) => c <= maxCount), maxCount])].sort((a, b) => a - b);
}

function availabilityOf(count: number, maxCount: number | null): Availability {
  if (maxCount === null) return 'limited';
  if (count > maxCount) return 'unavailable';
  // Taking the location's whole remaining capacity: the last VM of that size there.
  return count === maxCount ? 'limited' : 'available';
}

export const tensordock: ProviderAdapter = {
  id: ID,
  displayName: 'TensorDock',
  defaultBaseUrl: 'https://dashboard.tensordock.com/api/v2',
  keyOptional: false,
  docsUrl: 'https://dashboard.tensordock.com/api/docs/fetch-hostnodes',

  async listOffers(ctx: ProviderContext): Promise<ProviderPull> {
    if (!ctx.apiKey) throw new ProviderError(ID, 'auth', 'TENSORDOCK_API_KEY is not set');
    const body = await requestJson(ID, ctx, '/locations', { headers: { authorization: `Bearer ${ctx.apiKey}` } });
    const parsed = LocationsResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new ProviderError(ID, 'bad_response', `locations: expected { data: { locations: [...] } }`);
    }

    const collector = new OfferCollector(ID, ctx.now);
    for (const rawLocation of parsed.data.data.locations) {
      const location = LocationSchema.safeParse(rawLocation);
      if (!location.success) {
        collector.skip();
        continue;
      }
      const { id, city, stateprovince, country } = location.data;
      const region = [city?.trim(), stateprovince?.trim()].filter(Boolean).join(', ') || id;
      for (const rawGpu of location.data.gpus ?? []) {
        const gpuParsed = GpuSchema.safeParse(rawGpu);
        const gpuPrice = gpuParsed.success ? usd(gpuParsed.data.price_per_hr) : null;
        // Unreadable entries and missing or non-positive GPU prices count once, not once per GPU count.
        if (!gpuParsed.success || gpuPrice === null || gpuPrice <= 0) {
          collector.skip();
          continue;
        }
        const gpu = gpuParsed.data;
        const vram = vramOf(gpu);
        const rawGpuName = gpuName(gpu, vram);
        const maxCount = typeof gpu.max_count === 'number' && Number.isInteger(gpu.max_count) && gpu.max_count >= 0 ? gpu.max_count : null;
        const rates = gpu.pricing;
        for (const count of countsFor(maxCount ?? 1)) {
          const vcpus = Math.min(TENSORDOCK_BUNDLE.vcpusPerGpu * count, positive(gpu.resources?.max_vcpus) ?? Infinity);
          const ramGb = Math.min(TENSORDOCK_BUNDLE.ramGbPerGpu * count, positive(gpu.resources?.max_ram_gb) ?? Infinity);
          const storageGb = TENSORDOCK_BUNDLE.storageGb;
          // A rate the API leaves out is taken as not billed: the price is then the GPUs plus what is known.
          const price =
            gpuPrice * count +
            (positive(rates?.per_vcpu_hr) ?? 0) * vcpus +
            (positive(rates?.per_gb_ram_hr) ?? 0) * ramGb +
            (positive(rates?.per_gb_storage_hr) ?? 0) * storageGb;
          collector.add({
            externalId: `${id}:${gpu.v0Name}:${count}`,
            rawGpuName,
            gpuCount: count,
            vramGbPerGpu: vram,
            vcpus,
            ramGb,
            storageGb,
            pricePerHourUsd: price,
            pricing: 'on_demand',
            region,
            country: countryCode(country),
            availability: availabilityOf(count, maxCount),
            interconnect: interconnectOf(gpu),
          });
        }
      }
    }
    return collector.result();
  },
};
