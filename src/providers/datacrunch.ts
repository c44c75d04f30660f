// DataCrunch (now branded Verda) adapter: exchanges the client credentials for an OAuth2 token, then
// reads instance types (prices) and per-location availability, on-demand and spot, into offers.
import { z } from 'zod';
import type { Availability, Pricing } from '../catalog/offer';
import { OfferCollector, pickGpuName } from './collector';
import { requestJson } from './http';
import { ProviderError, type ProviderAdapter, type ProviderContext, type ProviderPull } from './types';

const ID = 'datacrunch';

/** The API writes prices as decimal strings ("2.19"); the official SDKs also accept numbers. */
const Usd = z.union([z.number(), z.string()]).nullish().catch(null);
/** Informational numbers: a malformed one becomes null rather than costing the whole record. */
const Num = z.number().nullish().catch(null);
const Sized = z.object({ size_in_gigabytes: Num, description: z.string().nullish().catch(null) }).nullish().catch(null);

const InstanceTypeSchema = z.object({
  instance_type: z.string().min(1),
  price_per_hour: Usd,
  spot_price: Usd,
  name: z.string().nullish().catch(null),
  model: z.string().nullish().catch(null),
  gpu: z.object({ description: z.string().nullish().catch(null), number_of_gpus: Num }).nullish(),
  /** Total VRAM of the instance, all GPUs together. */
  gpu_memory: Sized,
  memory: Sized,
  storage: Sized,
  cpu: z.object({ number_of_cores: Num }).nullish().catch(null),
});
type InstanceType = z.infer<typeof InstanceTypeSchema>;

const LocationAvailabilitySchema = z.object({
  location_code: z.string().min(1),
  availabilities: z.array(z.string()).nullish(),
});

const TokenSchema = z.object({ access_token: z.string().min(1) });

function parseOrThrow<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new ProviderError(ID, 'bad_response', `${what}: ${issue?.message ?? 'unexpected shape'}${where}`);
  }
  return parsed.data;
}

/** `DATACRUNCH_API_KEY` carries both OAuth2 client credentials as `client_id:client_secret`. */
function clientCredentials(apiKey: string | undefined): { clientId: string; clientSecret: string } {
  const separator = apiKey?.indexOf(':') ?? -1;
  const clientId = apiKey?.slice(0, separator).trim() ?? '';
  const clientSecret = apiKey?.slice(separator + 1).trim() ?? '';
  if (!apiKey || separator < 0 || !clientId || !clientSecret) {
    throw new ProviderError(ID, 'auth', 'DATACRUNCH_API_KEY must be "client_id:client_secret"');
  }
  return { clientId, clientSecret };
}

function usd(value: number | string | null | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Location codes name the site: FIN-01..03 are in Finland, ICE-01 in Iceland. */
function countryOf(locationCode: string): string | null {
  if (/^FIN-/i.test(locationCode)) return 'FI';
  if (/^ICE-/i.test(locationCode)) return 'IS';
  return null;
}

/**
 * The GPU name to report: the first of the type's names (e.g. "H100 SXM5 80GB", "1x H100 SXM5 80GB",
 * "H100") the registry knows, with or without its memory size; else the name as written.
 */
function gpuName(type: InstanceType, vramGbPerGpu: number | null): string {
  const names = [type.name, type.gpu?.description?.replace(/^\s*\d+\s*x\s*/i, ''), type.model];
  const candidates = names.flatMap((name) => [name, name?.replace(/\b\d+\s*GB\b/gi, ' ').replace(/\s+/g, ' ')]);
  return pickGpuName(candidates, vramGbPerGpu);
}

function interconnectOf(type: InstanceType): string | null {
  const text = `${type.name ?? ''} ${type.gpu?.description ?? ''}`;
  const sxm = /\bSXM\d*\b/i.exec(text);
  if (sxm) return sxm[0].toLowerCase();
  return /\bPCIe\b/i.test(text) ? 'pcie' : null;
}

/** location code → instance types deployable there now. */
function availabilityMap(body: unknown, what: string): Map<string, Set<string>> {
  const entries = parseOrThrow(z.array(z.unknown()), body, what);
  const map = new Map<string, Set<string>>();
  for (const entry of entries) {
    const parsed = LocationAvailabilitySchema.safeParse(entry);
    if (!parsed.success) continue;
    const set = map.get(parsed.data.location_code) ?? new Set<string>();
    for (const type of parsed.data.availabilities ?? []) set.add(type);
    map.set(parsed.data.location_code, set);
  }
  return map;
}

export const datacrunch: ProviderAdapter = {
  id: ID,
  displayName: 'DataCrunch (Verda)',
  defaultBaseUrl: 'https://api.datacrunch.io/v1',
  keyOptional: false,
  docsUrl: 'https://api.datacrunch.io/v1/docs',

  async listOffers(ctx: ProviderContext): Promise<ProviderPull> {
    const { clientId, clientSecret } = clientCredentials(ctx.apiKey);
    const tokenBody = await requestJson(ID, ctx, '/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    });
    const { access_token: token } = parseOrThrow(TokenSchema, tokenBody, 'token response');
    const auth = { authorization: `Bearer ${token}` };

    const [typesBody, onDemandBody, spotBody] = await Promise.all([
      requestJson(ID, ctx, '/instance-types', { headers: auth, query: { currency: 'usd' } }),
      requestJson(ID, ctx, '/instance-availability', { headers: auth }),
      requestJson(ID, ctx, '/instance-availability', { headers: auth, query: { is_spot: true } }),
    ]);
    const types = parseOrThrow(z.array(z.unknown()), typesBody, 'instance types');
    const onDemand = availabilityMap(onDemandBody, 'instance availability');
    const spot = availabilityMap(spotBody, 'spot instance availability');
    const locations = [...new Set([...onDemand.keys(), ...spot.keys()])].sort();

    const collector = new OfferCollector(ID, ctx.now);
    for (const raw of types) {
      const parsed = InstanceTypeSchema.safeParse(raw);
      const gpuCount = parsed.success ? parsed.data.gpu?.number_of_gpus : undefined;
      // Unreadable records and CPU-only instance types count once, not once per location.
      if (!parsed.success || typeof gpuCount !== 'number' || !Number.isInteger(gpuCount) || gpuCount < 1) {
        collector.skip();
        continue;
      }
      const type = parsed.data;
      const totalVram = type.gpu_memory?.size_in_gigabytes;
      const vramGbPerGpu = totalVram && totalVram > 0 ? totalVram / gpuCount : null;
      const rawGpuName = gpuName(type, vramGbPerGpu);
      const prices: Array<{ pricing: Pricing; usd: number | undefined; where: Map<string, Set<string>> }> = [
        { pricing: 'on_demand', usd: usd(type.price_per_hour), where: onDemand },
      ];
      // No spot price means the type is not sold as spot: no offer rather than a skipped one.
      if (type.spot_price !== null && type.spot_price !== undefined && type.spot_price !== '') {
        prices.push({ pricing: 'spot', usd: usd(type.spot_price), where: spot });
      }
      for (const location of locations) {
        for (const price of prices) {
          const availability: Availability = price.where.get(location)?.has(type.instance_type) ? 'available' : 'unavailable';
          collector.add({
            externalId: `${type.instance_type}:${location}:${price.pricing}`,
            rawGpuName,
            gpuCount,
            vramGbPerGpu,
            vcpus: type.cpu?.number_of_cores,
            ramGb: type.memory?.size_in_gigabytes,
            storageGb: type.storage?.size_in_gigabytes,
            pricePerHourUsd: price.usd,
            pricing: price.pricing,
            region: location,
            country: countryOf(location),
            availability,
            interconnect: interconnectOf(type),
          });
        }
      }
    }
    return collector.result();
  },
};
