// Offers written straight into D1 for recommendation tests: a hand-made market whose numbers the
// tests can check by hand.
import { env } from 'cloudflare:workers';
import { offerId } from '../../src/catalog/ids';
import { getGpuModel } from '../../src/catalog/gpus';
import type { OfferRow } from '../../src/market/offers.query';
import { api, json } from '../helpers';

export interface SeedOffer {
  provider?: string;
  externalId: string;
  gpuModel: string;
  gpuCount: number;
  /** Whole-instance USD per hour. */
  pricePerHour: number;
  pricing?: OfferRow['pricing'];
  region?: string;
  country?: string | null;
  availability?: OfferRow['availability'];
  /** Seconds before `now` the price was observed (default 30). */
  ageSeconds?: number;
}

export async function seedOffers(offers: SeedOffer[], now = Date.now()): Promise<string[]> {
  const rows: OfferRow[] = offers.map((o) => {
    const provider = o.provider ?? 'sim';
    const vram = getGpuModel(o.gpuModel)?.vramGb ?? 24;
    const micro = Math.round(o.pricePerHour * 1e6);
    const observed = now - (o.ageSeconds ?? 30) * 1000;
    return {
      id: offerId(provider, o.externalId),
      provider,
      external_id: o.externalId,
      gpu_model: o.gpuModel,
      raw_gpu_name: o.gpuModel,
      gpu_count: o.gpuCount,
      vram_gb_per_gpu: vram,
      total_vram_gb: vram * o.gpuCount,
      vcpus: 16,
      ram_gb: 128,
      storage_gb: 500,
      price_per_hour_micro: micro,
      price_per_gpu_hour_micro: Math.round(micro / o.gpuCount),
      pricing: o.pricing ?? 'on_demand',
      region: o.region ?? 'us-east-1',
      country: o.country === undefined ? 'US' : o.country,
      availability: o.availability ?? 'available',
      interconnect: null,
      source: 'sim',
      observed_at: observed,
      first_seen_at: observed,
      changed_at: observed,
    };
  });
  const columns = Object.keys(rows[0]!) as (keyof OfferRow)[];
  await env.DB.batch(
    rows.map((row) =>
      env.DB.prepare(`INSERT INTO offers (${columns.join(', ')}, last_seen_at) VALUES (${columns.map((_, i) => `?${i + 1}`).join(', ')}, ?${columns.length + 1})`).bind(
        ...columns.map((c) => row[c]),
        row.observed_at,
      ),
    ),
  );
  return rows.map((r) => r.id);
}

export interface Reco {
  rank: number;
  score: number;
  offer: { id: string; provider: string; gpuModel: string; gpuCount: number; pricing: string; pricePerHourUsd: number; availability: string; observedAt: string };
  estimate: { gpusNeeded: number; gpusUsed: number; hours: number; expectedExtraHours: number; tokensPerSecond: number | null };
  cost: { totalUsd: number; computeUsd: number; expectedPreemptionUsd: number; interruptionProbability: number };
  criteria: Record<string, number>;
  reliability: { score: number; deploymentSuccess: number; health: number; uptime7d: number | null };
  explanation: { comparedWith: number; relation: string; summary: string; advantages: { criterion: string }[]; disadvantages: { criterion: string }[] } | null;
}

export interface RecoResult {
  interpretation: { memory: { totalGb: number }; hours: number | null; byGpuModel: { gpuModel: string; gpusNeeded: number | null }[]; formulas: string[]; assumptions: string[] };
  weights: Record<string, number>;
  market: { listedOffers: number; freshOffers: number; knownGpuOffers: number };
  funnel: { constraint: string; excluded: number; remaining: number }[];
  matched: number;
  data: Reco[];
  diagnosis: { message: string; mostRestrictive: string | null; relaxations: { constraint: string; suggested: number | null; wouldAllow: number; cheapestTotalUsd: number | null; message: string }[] } | null;
}

export function postReco(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return api('/v1/recommendations', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export async function reco(body: unknown): Promise<RecoResult> {
  const res = await postReco(body);
  if (res.status !== 200) throw new Error(`POST /v1/recommendations answered ${res.status}: ${await res.text()}`);
  return json<RecoResult>(res);
}
