// Offers, market summaries, price buckets and conversations written straight to D1, so assistant
// answers can be checked against a market whose every price is known.
import { env } from 'cloudflare:workers';
import { getGpuModel } from '../../src/catalog/gpus';
import { offerId, randomId } from '../../src/catalog/ids';
import { appendTurnStatements } from '../../src/optimizer/assistant/conversations';
import { understand } from '../../src/optimizer/assistant/interpret';

export interface OfferFixture {
  externalId: string;
  provider?: string;
  gpuModel?: string;
  gpuCount?: number;
  pricePerHourUsd: number;
  pricing?: 'on_demand' | 'spot' | 'interruptible';
  region?: string;
  country?: string | null;
  availability?: 'available' | 'limited' | 'unavailable';
}

/** Inserts the offers (observed `now`) and returns their ids in the order given. */
export async function insertOffers(fixtures: OfferFixture[], now = Date.now()): Promise<string[]> {
  const statements = fixtures.map((f) => {
    const provider = f.provider ?? 'sim';
    const gpuModel = f.gpuModel ?? 'H100-80GB';
    const count = f.gpuCount ?? 1;
    const vram = getGpuModel(gpuModel)?.vramGb ?? 24;
    const perHour = Math.round(f.pricePerHourUsd * 1e6);
    return env.DB.prepare(
      `INSERT INTO offers (id, provider, external_id, gpu_model, raw_gpu_name, gpu_count, vram_gb_per_gpu, total_vram_gb, vcpus, ram_gb,
         storage_gb, price_per_hour_micro, price_per_gpu_hour_micro, pricing, region, country, availability, interconnect, source,
         observed_at, first_seen_at, last_seen_at, changed_at)
       VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, NULL, NULL, NULL, ?8, ?9, ?10, ?11, ?12, ?13, NULL, 'sim', ?14, ?14, ?14, ?14)`,
    ).bind(
      offerId(provider, f.externalId),
      provider,
      f.externalId,
      gpuModel,
      count,
      vram,
      vram * count,
      perHour,
      Math.round(perHour / count),
      f.pricing ?? 'on_demand',
      f.region ?? 'us-east-1',
      f.country === undefined ? 'US' : f.country,
      f.availability ?? 'available',
      now,
    );
  });
  await env.DB.batch(statements);
  return fixtures.map((f) => offerId(f.provider ?? 'sim', f.externalId));
}

/** A market_summary row (what "most-listed" and "fastest" read). */
export async function insertSummary(gpuModel: string, offers: number, medianUsd = 2): Promise<void> {
  const micro = Math.round(medianUsd * 1e6);
  await env.DB.prepare(
    `INSERT INTO market_summary (gpu_model, pricing, offer_count, provider_count, min_micro, median_micro, max_micro, updated_at)
     VALUES (?1, 'all', ?2, 1, ?3, ?3, ?3, ?4)`,
  )
    .bind(gpuModel, offers, micro, Date.now())
    .run();
}

/** A 5-minute price bucket of a model and pricing type. */
export async function insertBucket(gpuModel: string, pricing: string, bucketStart: number, median: number, min = median, max = median, offers = 10): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO gpu_price_buckets (gpu_model, pricing, bucket_start, min_micro, median_micro, max_micro, offer_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
  )
    .bind(gpuModel, pricing, bucketStart, Math.round(min * 1e6), Math.round(median * 1e6), Math.round(max * 1e6), offers)
    .run();
}

/** A tenant's conversation with one turn, written as the API writes it; returns its id. */
export async function insertConversation(tenantId: string, message = 'cheapest 8x H100 in Europe under $25/h'): Promise<string> {
  const id = randomId('cnv_');
  const { interpretation, request } = understand(message);
  await env.DB.batch(
    appendTurnStatements(env.DB, { tenantId, conversationId: id, create: true, createdBy: null, message, request, interpretation, reply: 'fixture', now: Date.now() }),
  );
  return id;
}
