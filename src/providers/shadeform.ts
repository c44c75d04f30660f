// Shadeform adapter: a marketplace reselling many clouds. Each instance type (a cloud's machine) is
// listed with a price in cents and per-region availability; one offer per type and region. The
// underlying cloud stays visible in the offer's externalId and region.
import { z } from 'zod';
import { resolveGpuModel } from '../catalog/gpus';
import type { Availability } from '../catalog/offer';
import { OfferCollector, pickGpuName } from './collector';
import { requestJson } from './http';
import { ProviderError, type ProviderAdapter, type ProviderContext, type ProviderPull } from './types';

const ID = 'shadeform';

const Num = z.number().nullish().catch(null);
const Text = z.string().nullish().catch(null);

const InstanceTypeSchema = z.object({
  cloud: z.string().min(1),
  shade_instance_type: z.string().min(1),
  configuration: z.object({
    memory_in_gb: Num,
    storage_in_gb: Num,
    vcpus: Num,
    num_gpus: Num,
    gpu_type: Text,
    interconnect: Text,
    vram_per_gpu_in_gb: Num,
  }),
  /** Whole-instance price in integer US cents per hour. */
  hourly_price: Num,
  availability: z.array(z.unknown()).nullish(),
});
type InstanceType = z.infer<typeof InstanceTypeSchema>;

const RegionAvailabilitySchema = z.object({
  region: z.string().min(1),
  available: z.boolean().nullish().catch(null),
  display_name: Text,
  /** Not in Shadeform's reference, but seen in responses; only on-demand entries become offers. */
  rental_type: Text,
});

const ResponseSchema = z.object({ instance_types: z.array(z.unknown()) });

/** Country words in region slugs and display names ("helsinki-finland-1", "wichita-usa-1"). */
const COUNTRY_WORDS: Readonly<Record<string, string>> = {
  usa: 'US', canada: 'CA', mexico: 'MX', brazil: 'BR', finland: 'FI', iceland: 'IS', norway: 'NO', sweden: 'SE',
  denmark: 'DK', germany: 'DE', france: 'FR', netherlands: 'NL', belgium: 'BE', uk: 'GB', england: 'GB',
  ireland: 'IE', spain: 'ES', portugal: 'PT', italy: 'IT', poland: 'PL', switzerland: 'CH', austria: 'AT',
  israel: 'IL', india: 'IN', singapore: 'SG', japan: 'JP', korea: 'KR', taiwan: 'TW', australia: 'AU',
};

/**
 * The country of a region when it is clear: the leading code of the display name ("US, Wichita, KS",
 * "FI, Central"), else a country word in the display name or slug, else a `us-` cloud-style prefix.
 */
function countryOf(region: string, displayName: string | null | undefined): string | null {
  const lead = displayName?.split(',')[0]?.trim();
  if (lead && /^[A-Z]{2}$/.test(lead) && lead !== 'EU') return lead;
  const words = `${displayName ?? ''} ${region}`.toLowerCase().split(/[^a-z]+/).filter(Boolean);
  for (const word of words) {
    const code = COUNTRY_WORDS[word];
    if (code) return code;
  }
  return /^us[-_]/i.test(region) ? 'US' : null;
}

/**
 * The GPU name to report: Shadeform's gpu_type as written ("H100", "A100_80G") unless adding the
 * interconnect names a different model ("H100" + pcie is the H100 PCIe, not the SXM part); failing
 * both, the type without its memory suffix. A name nothing resolves is reported as written.
 */
function gpuName(type: InstanceType): string {
  const gpuType = type.configuration.gpu_type?.trim() || type.shade_instance_type.replace(/x\d+$/i, '');
  const vram = type.configuration.vram_per_gpu_in_gb;
  const interconnect = type.configuration.interconnect?.trim() ?? '';
  const forms = [/sxm/i.test(interconnect) ? 'SXM' : /pcie/i.test(interconnect) ? 'PCIe' : '', interconnect].filter(Boolean);
  const bases = [gpuType, gpuType.replace(/[_\s-]+\d+\s*GB?$/i, '')].filter(Boolean);
  const candidates = new Set<string>();
  for (const base of bases) {
    for (const form of forms) candidates.add(`${base} ${form}`);
    candidates.add(base);
  }
  const picked = pickGpuName([...candidates], vram, gpuType);
  // Shadeform's own spelling when it names the same model as the candidate that resolved.
  return resolveGpuModel(gpuType, vram)?.name === resolveGpuModel(picked, vram)?.name ? gpuType : picked;
}

function availabilityOf(available: boolean | null | undefined): Availability {
  return available === true ? 'available' : 'unavailable';
}

export const shadeform: ProviderAdapter = {
  id: ID,
  displayName: 'Shadeform',
  defaultBaseUrl: 'https://api.shadeform.ai/v1',
  keyOptional: false,
  docsUrl: 'https://docs.shadeform.ai/api-reference/instances/instances-types',

  async listOffers(ctx: ProviderContext): Promise<ProviderPull> {
    if (!ctx.apiKey) throw new ProviderError(ID, 'auth', 'SHADEFORM_API_KEY is not set');
    const body = await requestJson(ID, ctx, '/instances/types', { headers: { 'x-api-key': ctx.apiKey } });
    const parsed = ResponseSchema.safeParse(body);
    if (!parsed.success) throw new ProviderError(ID, 'bad_response', 'instances/types: expected { instance_types: [...] }');

    const collector = new OfferCollector(ID, ctx.now);
    for (const raw of parsed.data.instance_types) {
      const typeParsed = InstanceTypeSchema.safeParse(raw);
      const cents = typeParsed.success ? typeParsed.data.hourly_price : null;
      // Unreadable types and missing or non-positive prices count once, not once per region.
      if (!typeParsed.success || typeof cents !== 'number' || !(cents > 0)) {
        collector.skip();
        continue;
      }
      const type = typeParsed.data;
      const config = type.configuration;
      const rawGpuName = gpuName(type);
      for (const rawEntry of type.availability ?? []) {
        const entry = RegionAvailabilitySchema.safeParse(rawEntry);
        if (!entry.success) {
          collector.skip();
          continue;
        }
        const { region, available, display_name: displayName, rental_type: rentalType } = entry.data;
        if (rentalType && rentalType !== 'on_demand') continue;
        collector.add({
          externalId: `${type.cloud}:${type.shade_instance_type}:${region}`,
          rawGpuName,
          gpuCount: config.num_gpus,
          vramGbPerGpu: config.vram_per_gpu_in_gb,
          vcpus: config.vcpus,
          ramGb: config.memory_in_gb,
          storageGb: config.storage_in_gb,
          pricePerHourUsd: cents / 100,
          pricing: 'on_demand',
          region: `${type.cloud}:${region}`,
          country: countryOf(region, displayName),
          availability: availabilityOf(available),
          interconnect: config.interconnect,
        });
      }
    }
    return collector.result();
  },
};
