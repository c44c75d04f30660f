// RunPod adapter: one GraphQL query for every GPU type's lowest secure and community price at 1, 2, 4
// and 8 GPUs, turned into on-demand and spot offers. Spec: https://graphql-spec.runpod.io/
import { z } from 'zod';
import type { Availability, Pricing } from '../catalog/offer';
import { OfferCollector, pickGpuName } from './collector';
import { requestJson } from './http';
import { ProviderError, type ProviderAdapter, type ProviderContext, type ProviderPull } from './types';

const ID = 'runpod';

/** Pod sizes we list. RunPod prices one GPU-hour; a pod of N GPUs costs N times that. */
const GPU_COUNTS = [1, 2, 4, 8] as const;

/** `secureCloud: true` asks Secure Cloud only, `false` Community Cloud only. */
const CLOUDS = [
  { key: 'secure', secureCloud: true, flag: 'secureCloud' },
  { key: 'community', secureCloud: false, flag: 'communityCloud' },
] as const;

type Cloud = (typeof CLOUDS)[number];

const alias = (cloud: Cloud, count: number): string => `${cloud.key}${count}`;

const LOWEST_PRICE_FIELDS = 'gpuName gpuTypeId uninterruptablePrice minimumBidPrice minVcpu minMemory stockStatus countryCode';

/** The whole catalogue in one request: an aliased `lowestPrice` per (cloud, GPU count). */
export const RUNPOD_QUERY = [
  'query GpuOffers { gpuTypes { id displayName memoryInGb secureCloud communityCloud',
  ...CLOUDS.flatMap((cloud) =>
    GPU_COUNTS.map(
      (count) =>
        `${alias(cloud, count)}: lowestPrice(input: { gpuCount: ${count}, secureCloud: ${cloud.secureCloud} }) { ${LOWEST_PRICE_FIELDS} }`,
    ),
  ),
  '} }',
].join(' ');

/** Informational fields: a malformed one becomes null rather than costing the record. */
const Num = z.number().nullish().catch(null);
const Str = z.string().nullish().catch(null);

/** Prices are per GPU-hour. A malformed price drops that pod size (counted as skipped). */
const LowestPriceSchema = z.object({
  uninterruptablePrice: z.number().nullish(),
  minimumBidPrice: z.number().nullish(),
  minVcpu: Num,
  minMemory: Num,
  stockStatus: Str,
  countryCode: Str,
});

type LowestPrice = z.infer<typeof LowestPriceSchema>;

const GpuTypeSchema = z.object({
  id: z.string().min(1),
  displayName: Str,
  memoryInGb: Num,
  secureCloud: z.boolean().nullish().catch(null),
  communityCloud: z.boolean().nullish().catch(null),
});

type GpuType = z.infer<typeof GpuTypeSchema>;

const GraphQlErrorsSchema = z.object({
  errors: z.array(z.object({ message: z.string().nullish() }).loose()).min(1),
});

const ResponseSchema = z.object({ data: z.object({ gpuTypes: z.array(z.unknown()) }) });

/** RunPod's stock levels; anything else (null, "None") means none to rent now. */
function availabilityOf(stockStatus: string | null | undefined): Availability {
  switch (stockStatus?.trim().toLowerCase()) {
    case 'high':
    case 'medium':
      return 'available';
    case 'low':
      return 'limited';
    default:
      return 'unavailable';
  }
}

function country(code: string | null | undefined): string | null {
  return code && /^[A-Za-z]{2}$/.test(code.trim()) ? code.trim() : null;
}

function throwGraphQlErrors(body: unknown): void {
  const parsed = GraphQlErrorsSchema.safeParse(body);
  if (!parsed.success) return;
  const message = parsed.data.errors.map((e) => e.message ?? 'unknown error').join('; ');
  const kind = /unauthori[sz]ed|unauthenticated|forbidden|api[ _-]?key|permission/i.test(message) ? 'auth' : 'bad_response';
  throw new ProviderError(ID, kind, `GraphQL error: ${message.slice(0, 200)}`, 200);
}

function addPodSize(
  collector: OfferCollector,
  gpu: GpuType,
  cloud: Cloud,
  count: number,
  price: LowestPrice,
): void {
  const vramGb = gpu.memoryInGb;
  const common = {
    // RunPod gives two names (display name and id); the one the registry knows, else the display name.
    rawGpuName: pickGpuName([gpu.displayName, gpu.id], vramGb),
    gpuCount: count,
    vramGbPerGpu: vramGb,
    // minVcpu / minMemory answer for the requested gpuCount, so they describe the whole pod.
    vcpus: price.minVcpu,
    ramGb: price.minMemory,
    storageGb: null,
    region: cloud.key,
    country: country(price.countryCode),
    availability: availabilityOf(price.stockStatus),
  };
  const perGpuPrices: Array<[Pricing, number | null | undefined]> = [
    ['on_demand', price.uninterruptablePrice],
    ['spot', price.minimumBidPrice],
  ];
  for (const [pricing, perGpuUsd] of perGpuPrices) {
    if (perGpuUsd === null || perGpuUsd === undefined) continue; // not sold this way in this cloud
    collector.add({
      ...common,
      externalId: `${gpu.id}:${cloud.key}:${count}x:${pricing}`,
      pricePerHourUsd: perGpuUsd * count,
      pricing,
    });
  }
}

export const runpod: ProviderAdapter = {
  id: ID,
  displayName: 'RunPod',
  defaultBaseUrl: 'https://api.runpod.io',
  keyOptional: false,
  docsUrl: 'https://graphql-spec.runpod.io/',

  async listOffers(ctx: ProviderContext): Promise<ProviderPull> {
    if (!ctx.apiKey) throw new ProviderError(ID, 'auth', 'RUNPOD_API_KEY is not set');
    const body = await requestJson(ID, ctx, 'graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.apiKey}` },
      body: JSON.stringify({ query: RUNPOD_QUERY }),
    });
    throwGraphQlErrors(body);
    const parsed = ResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new ProviderError(ID, 'bad_response', `expected { data: { gpuTypes: [...] } }: ${z.prettifyError(parsed.error)}`);
    }

    const collector = new OfferCollector(ID, ctx.now);
    for (const record of parsed.data.data.gpuTypes) {
      const gpu = GpuTypeSchema.safeParse(record);
      if (!gpu.success) {
        collector.skip();
        continue;
      }
      for (const cloud of CLOUDS) {
        if (gpu.data[cloud.flag] === false) continue; // this GPU type is not in that cloud at all
        for (const count of GPU_COUNTS) {
          // Each pod size is read on its own so one malformed price does not drop the GPU type.
          const price = LowestPriceSchema.nullish().safeParse((record as Record<string, unknown>)[alias(cloud, count)]);
          if (!price.success) collector.skip();
          else if (price.data) addPodSize(collector, gpu.data, cloud, count, price.data);
        }
      }
    }
    return collector.result();
  },
};
