// Lambda adapter: lists every instance type once per region that has capacity now; a type with no
// capacity anywhere is still listed once (region "unknown", unavailable) so users see it exists.
// Spec: https://docs-api.lambda.ai/api/cloud#listInstanceTypes
import { z } from 'zod';
import { OfferCollector, pickGpuName } from './collector';
import { requestJson } from './http';
import { ProviderError, type ProviderAdapter, type ProviderContext, type ProviderPull } from './types';

const ID = 'lambda';

/** Region used for an instance type that no region has capacity for right now. */
export const NO_CAPACITY_REGION = 'unknown';

/** Lambda's region names by prefix or exact name; descriptions ("Virginia, USA") are the fallback. */
const COUNTRY_BY_REGION: ReadonlyArray<[RegExp, string]> = [
  [/^us-/, 'US'],
  [/^europe-central-/, 'DE'],
  [/^europe-south-/, 'IT'],
  [/^asia-northeast-/, 'JP'],
  [/^asia-south-/, 'IN'],
  [/^me-west-/, 'IL'],
  [/^australia-/, 'AU'],
];

const COUNTRY_BY_NAME: Readonly<Record<string, string>> = {
  usa: 'US',
  'united states': 'US',
  germany: 'DE',
  italy: 'IT',
  japan: 'JP',
  india: 'IN',
  israel: 'IL',
  australia: 'AU',
};

/** Informational fields: a malformed one becomes null rather than costing the record. */
const Num = z.number().nullish().catch(null);
const Str = z.string().nullish().catch(null);

const RegionSchema = z.object({ name: z.string().min(1), description: Str });

/** The documented type is integer cents; an example in Lambda's own spec shows it as a string. */
const CentsSchema = z.union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/).transform(Number)]);

const InstanceTypeSchema = z.object({
  instance_type: z.object({
    name: z.string().min(1).nullish(),
    description: Str,
    gpu_description: Str,
    price_cents_per_hour: CentsSchema.nullish(),
    specs: z.object({ vcpus: Num, memory_gib: Num, storage_gib: Num, gpus: z.number().nullish() }).nullish(),
  }),
  regions_with_capacity_available: z.array(z.unknown()).nullish(),
});

const ResponseSchema = z.object({ data: z.record(z.string(), z.unknown()) });

function countryOf(region: z.infer<typeof RegionSchema>): string | null {
  const byName = COUNTRY_BY_REGION.find(([pattern]) => pattern.test(region.name));
  if (byName) return byName[1];
  const last = region.description?.split(',').pop()?.trim().toLowerCase();
  return (last && COUNTRY_BY_NAME[last]) || null;
}

interface GpuDescription {
  model: string;
  vramGb: number | null;
  formFactor: string | null;
}

/** "H100 (80 GB SXM5)" → H100, 80, SXM5; "GH200 (96 GB)" → GH200, 96; "8x A100 (40 GB SXM4)" too. */
function parseGpuDescription(text: string): GpuDescription {
  const cleaned = text.trim().replace(/^\d+\s*x\s+/i, '');
  const match = /^(.*?)\s*\(\s*(\d+(?:\.\d+)?)\s*GB\s*([^)]*)\)\s*$/i.exec(cleaned);
  if (!match) return { model: cleaned, vramGb: null, formFactor: null };
  return { model: match[1] ?? cleaned, vramGb: Number(match[2]), formFactor: match[3]?.trim() || null };
}

/**
 * The registry name for Lambda's GPU: model with form factor ("H100 SXM5", "H100 SXM"), then the
 * bare model; when none is known, Lambda's own text so the registry can learn it.
 */
function gpuName(description: string, parsed: GpuDescription): string {
  const { model, formFactor, vramGb } = parsed;
  const candidates = formFactor ? [`${model} ${formFactor}`, `${model} ${formFactor.replace(/\d+$/, '')}`, model] : [model];
  return pickGpuName(candidates, vramGb, description.trim());
}

function gpuCountOf(name: string, specsGpus: number | null | undefined, description: string | null | undefined): number | null {
  if (typeof specsGpus === 'number') return specsGpus;
  const fromName = /^gpu_(\d+)x_/i.exec(name) ?? /^(\d+)\s*x\s/i.exec(description ?? '');
  return fromName ? Number(fromName[1]) : null;
}

export const lambda: ProviderAdapter = {
  id: ID,
  displayName: 'Lambda',
  defaultBaseUrl: 'https://cloud.lambda.ai/api/v1',
  keyOptional: false,
  docsUrl: 'https://docs-api.lambda.ai/api/cloud#listInstanceTypes',

  async listOffers(ctx: ProviderContext): Promise<ProviderPull> {
    if (!ctx.apiKey) throw new ProviderError(ID, 'auth', 'LAMBDA_API_KEY is not set');
    const body = await requestJson(ID, ctx, 'instance-types', {
      headers: { authorization: `Bearer ${ctx.apiKey}` },
    });
    const parsed = ResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new ProviderError(ID, 'bad_response', `expected { data: { <instance type>: {...} } }: ${z.prettifyError(parsed.error)}`);
    }

    const collector = new OfferCollector(ID, ctx.now);
    for (const [key, record] of Object.entries(parsed.data.data)) {
      const result = InstanceTypeSchema.safeParse(record);
      if (!result.success) {
        collector.skip();
        continue;
      }
      const type = result.data.instance_type;
      const name = type.name ?? key;
      const description = type.gpu_description ?? type.description ?? '';
      const gpu = parseGpuDescription(description);
      const cents = type.price_cents_per_hour;
      const common = {
        rawGpuName: description ? gpuName(description, gpu) : '',
        gpuCount: gpuCountOf(name, type.specs?.gpus, type.description),
        vramGbPerGpu: gpu.vramGb,
        vcpus: type.specs?.vcpus,
        ramGb: type.specs?.memory_gib,
        storageGb: type.specs?.storage_gib,
        pricePerHourUsd: typeof cents === 'number' ? cents / 100 : null,
        pricing: 'on_demand' as const,
      };
      const regions = result.data.regions_with_capacity_available ?? [];
      if (regions.length === 0) {
        collector.add({ ...common, externalId: `${name}:${NO_CAPACITY_REGION}`, region: NO_CAPACITY_REGION, availability: 'unavailable' });
        continue;
      }
      for (const entry of regions) {
        const region = RegionSchema.safeParse(entry).data;
        if (!region) {
          collector.skip();
          continue;
        }
        collector.add({
          ...common,
          externalId: `${name}:${region.name}`,
          region: region.name,
          country: countryOf(region),
          availability: 'available',
        });
      }
    }
    return collector.result();
  },
};
