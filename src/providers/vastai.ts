// Vast.ai adapter: searches rentable, unrented machines and lists each as an on-demand offer
// (dph_total) and an interruptible one (min_bid). Spec: https://docs.vast.ai/api-reference/search/search-offers
import { z } from 'zod';
import type { Availability } from '../catalog/offer';
import { OfferCollector } from './collector';
import { requestJson } from './http';
import { ProviderError, type ProviderAdapter, type ProviderContext, type ProviderPull } from './types';

const ID = 'vastai';

/** Cheapest first, so a capped result keeps the offers people compare on price. */
export const VASTAI_SEARCH_LIMIT = 500;

/** The search body documented for `POST /api/v0/bundles/`: each filter is `{ operator: value }`. */
export const VASTAI_SEARCH = {
  verified: { eq: true },
  rentable: { eq: true },
  rented: { eq: false },
  order: [['dph_total', 'asc']],
  type: 'on-demand',
  limit: VASTAI_SEARCH_LIMIT,
} as const;

const MB_PER_GB = 1024;

/** Informational fields: a malformed one becomes null rather than costing the record. */
const Num = z.number().nullish().catch(null);
const Str = z.string().nullish().catch(null);

/** Identity, GPU and prices must be right or the record is skipped; the rest is best effort. */
const OfferSchema = z.object({
  id: z.union([z.number(), z.string().min(1)]),
  gpu_name: z.string().nullish(),
  num_gpus: z.number().nullish(),
  /** Per-GPU memory in MB. */
  gpu_ram: Num,
  cpu_cores_effective: Num,
  /** Host memory in MB. */
  cpu_ram: Num,
  /** GB. */
  disk_space: Num,
  dph_total: z.number().nullish(),
  min_bid: z.number().nullish(),
  /** "Texas, US", or just "SE". */
  geolocation: Str,
  bw_nvlink: Num,
  rentable: z.boolean().nullish().catch(null),
  rented: z.boolean().nullish().catch(null),
});

const ResponseSchema = z.object({ offers: z.array(z.unknown()) });

/** MB to GB, to one decimal: 24564 MB of VRAM reads as 24 GB, 128796 MB of RAM as 125.8 GB. */
const mbToGb = (mb: number | null | undefined): number | null =>
  typeof mb === 'number' ? Math.round((mb / MB_PER_GB) * 10) / 10 : null;

/** The country is the last comma-separated part of the geolocation when it is a two-letter code. */
function countryOf(geolocation: string | null | undefined): string | null {
  const last = geolocation?.split(',').pop()?.trim();
  return last && /^[A-Za-z]{2}$/.test(last) ? last : null;
}

function availabilityOf(offer: z.infer<typeof OfferSchema>): Availability {
  return offer.rentable === false || offer.rented === true ? 'unavailable' : 'available';
}

export const vastai: ProviderAdapter = {
  id: ID,
  displayName: 'Vast.ai',
  defaultBaseUrl: 'https://console.vast.ai/api/v0',
  keyOptional: true,
  docsUrl: 'https://docs.vast.ai/api-reference/search/search-offers',

  async listOffers(ctx: ProviderContext): Promise<ProviderPull> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (ctx.apiKey) headers.authorization = `Bearer ${ctx.apiKey}`;
    const body = await requestJson(ID, ctx, 'bundles/', { method: 'POST', headers, body: JSON.stringify(VASTAI_SEARCH) });
    const parsed = ResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new ProviderError(ID, 'bad_response', `expected { offers: [...] }: ${z.prettifyError(parsed.error)}`);
    }

    const collector = new OfferCollector(ID, ctx.now);
    for (const record of parsed.data.offers) {
      const result = OfferSchema.safeParse(record);
      if (!result.success) {
        collector.skip();
        continue;
      }
      const offer = result.data;
      const common = {
        rawGpuName: offer.gpu_name ?? '',
        gpuCount: offer.num_gpus,
        vramGbPerGpu: mbToGb(offer.gpu_ram),
        vcpus: offer.cpu_cores_effective,
        ramGb: mbToGb(offer.cpu_ram),
        storageGb: offer.disk_space,
        region: offer.geolocation,
        country: countryOf(offer.geolocation),
        availability: availabilityOf(offer),
        interconnect: (offer.bw_nvlink ?? 0) > 0 ? 'NVLink' : null,
      };
      collector.add({ ...common, externalId: `${offer.id}:on_demand`, pricePerHourUsd: offer.dph_total, pricing: 'on_demand' });
      // The same machine rented as an interruptible instance at the host's minimum bid.
      if (offer.min_bid !== null && offer.min_bid !== undefined) {
        collector.add({ ...common, externalId: `${offer.id}:interruptible`, pricePerHourUsd: offer.min_bid, pricing: 'interruptible' });
      }
    }
    return collector.result();
  },
};
