import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { recommend, RecommendationRequestSchema } from '../../src/optimizer';
import { dropMarketSnapshot } from '../../src/optimizer/snapshot';
import { insertDeployment } from '../deployments/fixtures';
import { api, ingestAt, json } from '../helpers';
import { reco, seedOffers } from './fixtures';

// A 70B bf16 model needs (140 + 1.342) × 1.1 = 155.5 GB: 2 × 80 GB, or one B200.
const LLAMA_70B = { kind: 'llm_inference', modelParamsB: 70, precision: 'bf16', hours: 10 } as const;

/** A small market for LLAMA_70B; each offer's fate is in its name. */
async function market(now = Date.now()) {
  const [a, b, c, d, e, f, g] = await seedOffers(
    [
      { provider: 'runpod', externalId: 'a-2xh100-5', gpuModel: 'H100-80GB', gpuCount: 2, pricePerHour: 5 },
      { provider: 'lambda', externalId: 'b-2xh100-4-limited', gpuModel: 'H100-80GB', gpuCount: 2, pricePerHour: 4, availability: 'limited' },
      { provider: 'sim', externalId: 'c-1xb200-6', gpuModel: 'B200', gpuCount: 1, pricePerHour: 6, region: 'eu-central-1', country: 'DE' },
      { provider: 'sim', externalId: 'd-1xh100-too-small', gpuModel: 'H100-80GB', gpuCount: 1, pricePerHour: 2 },
      { provider: 'sim', externalId: 'e-2xh100-spot', gpuModel: 'H100-80GB', gpuCount: 2, pricePerHour: 2.5, pricing: 'spot' },
      { provider: 'sim', externalId: 'f-4xa100-6.4', gpuModel: 'A100-80GB', gpuCount: 4, pricePerHour: 6.4, region: 'us-west-2' },
      { provider: 'sim', externalId: 'g-stale', gpuModel: 'H100-80GB', gpuCount: 2, pricePerHour: 1, ageSeconds: 700 },
    ],
    now,
  );
  return { a: a!, b: b!, c: c!, d: d!, e: e!, f: f!, g: g! };
}

describe('POST /v1/recommendations: ranking', () => {
  it('ranks the offers that fit by total cost alone when only cost weighs', async () => {
    const m = await market();
    const body = await reco({ ...LLAMA_70B, weights: { cost: 1 } });
    // Fits: b $4/h, a $5/h, c $6/h, f $6.4/h (× 10 h). d is one GPU (too small), e is spot, g is 11+ min old.
    expect(body.data.map((r) => r.offer.id)).toEqual([m.b, m.a, m.c, m.f]);
    expect(body.data.map((r) => r.cost.totalUsd)).toEqual([40, 50, 60, 64]);
    expect(body.data.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    // One cost criterion: closeness = (max − x) / (max − min) = (64 − x) / 24 → 1, 0.5833, 0.1667, 0.
    expect(body.data.map((r) => r.score)).toEqual([1, 0.5833, 0.1667, 0]);
    expect(body.weights).toMatchObject({ cost: 1, time: 0, reliability: 0 });
    expect(body.matched).toBe(4);
    expect(body.market).toMatchObject({ listedOffers: 7, freshOffers: 6, knownGpuOffers: 6 });
    expect(body.funnel).toEqual([
      { constraint: 'interruptible', excluded: 1, remaining: 5 },
      { constraint: 'gpuMemory', excluded: 1, remaining: 4 },
    ]);
    expect(body.diagnosis).toBeNull();
    expect(body.data[0]!.explanation).toMatchObject({ comparedWith: 2, relation: 'above' });
    expect(body.data[0]!.explanation!.summary).toBe('Ranked above #2 because it is 20% cheaper ($40.00 vs $50.00 in total).');
    // The last is compared with the one before it.
    expect(body.data[3]!.explanation).toMatchObject({ comparedWith: 3, relation: 'below' });
    expect(body.data[3]!.explanation!.summary).toBe('Ranked below #3 because #3 is 6.3% cheaper ($60.00 vs $64.00 in total).');
  });

  it('reports the estimate, cost parts and the offer in the shape of GET /v1/offers/{id}', async () => {
    const m = await market();
    const body = await reco({ ...LLAMA_70B, weights: { cost: 1 } });
    const f = body.data.find((r) => r.offer.id === m.f)!;
    // 4 × A100-80GB: 2 GPUs per replica, 2 replicas; 10 h at $6.40/h = $64.00, nothing for preemption.
    expect(f.estimate).toMatchObject({ gpusNeeded: 2, gpusUsed: 4, hours: 10, expectedExtraHours: 0 });
    // Decode: 141.342 GB per step over 2 × 2,039 GB/s × 60% → 57.78 ms; 2 replicas → 34.61 tokens/s.
    expect(f.estimate.tokensPerSecond).toBeCloseTo(34.61, 1);
    expect(f.cost).toMatchObject({ totalUsd: 64, computeUsd: 64, expectedPreemptionUsd: 0, interruptionProbability: 0 });
    const single = await json<Record<string, unknown>>(await api(`/v1/offers/${m.f}`));
    const { ageSeconds: _a, ...rest } = single;
    expect(f.offer).toMatchObject(rest);
    expect(body.interpretation.memory.totalGb).toBeCloseTo(155.476, 2);
    expect(body.interpretation.hours).toBe(10);
    expect(body.interpretation.byGpuModel).toEqual(
      expect.arrayContaining([expect.objectContaining({ gpuModel: 'H100-80GB', gpusNeeded: 2 }), expect.objectContaining({ gpuModel: 'B200', gpusNeeded: 1 })]),
    );
    expect(body.interpretation.formulas[0]).toBe('weights = 70e9 params × 2 bytes (bf16) = 140 GB');
  });

  it('explains each offer against the next with the criteria that moved the score, under the default weights', async () => {
    await market();
    const body = await reco(LLAMA_70B);
    expect(body.weights).toEqual({ cost: 0.4, time: 0.2, reliability: 0.15, interruption: 0.1, availability: 0.1, freshness: 0.05 });
    const scores = body.data.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    for (const [i, r] of body.data.entries()) {
      expect(r.explanation!.comparedWith).toBe(i + 1 < body.data.length ? i + 2 : i);
      for (const f of [...r.explanation!.advantages, ...r.explanation!.disadvantages]) expect(['cost', 'availability', 'freshness', 'time', 'reliability', 'interruption']).toContain(f.criterion);
    }
    // b is the cheapest but only `limited`; a is available: availability must show up between them.
    const b = body.data.find((r) => r.offer.availability === 'limited')!;
    const all = [...b.explanation!.advantages, ...b.explanation!.disadvantages].map((f) => f.criterion);
    expect(all).toContain('availability');
  });

  it('keeps only the chosen providers, or leaves the excluded ones out', async () => {
    const m = await market();
    const only = await reco({ ...LLAMA_70B, providers: ['lambda'] });
    expect(only.data.map((r) => r.offer.id)).toEqual([m.b]);
    expect(only.funnel[0]).toEqual({ constraint: 'providers', excluded: 5, remaining: 1 });
    const without = await reco({ ...LLAMA_70B, excludeProviders: ['lambda', 'runpod'] });
    expect(without.data.map((r) => r.offer.id).sort()).toEqual([m.c, m.f].sort());
  });

  it('restricts to the named GPU models, counting the others (fresh ones only) against gpuModels', async () => {
    const m = await market();
    const body = await reco({ ...LLAMA_70B, gpuModels: ['b200', 'NVIDIA A100-SXM4-80GB'] });
    expect(body.data.map((r) => r.offer.id).sort()).toEqual([m.c, m.f].sort());
    // Six fresh offers; a, b, d, e are H100s (g, an H100 too, is stale and not counted at all).
    expect(body.funnel).toEqual([
      { constraint: 'gpuModels', excluded: 4, remaining: 2 },
      { constraint: 'interruptible', excluded: 0, remaining: 2 },
      { constraint: 'gpuMemory', excluded: 0, remaining: 2 },
    ]);
  });

  it('filters on region prefixes and countries', async () => {
    const m = await market();
    expect((await reco({ ...LLAMA_70B, regions: ['US-WEST'] })).data.map((r) => r.offer.id)).toEqual([m.f]);
    expect((await reco({ ...LLAMA_70B, countries: ['de'] })).data.map((r) => r.offer.id)).toEqual([m.c]);
  });

  it('leaves spot offers out unless interruptible is allowed, and then prices their preemption', async () => {
    const m = await market();
    const safe = await reco({ ...LLAMA_70B, weights: { cost: 1 } });
    expect(safe.data.some((r) => r.offer.pricing !== 'on_demand')).toBe(false);
    const risky = await reco({ ...LLAMA_70B, weights: { cost: 1 }, interruptible: true });
    const e = risky.data[0]!;
    expect(e.offer.id).toBe(m.e);
    // Spot on sim: λ = 0.03/h × 10 h = 0.3 preemptions; a service loses only the 0.25 h restart:
    // 0.075 h × $2.50/h = $0.1875. Total $25.1875; P(≥ 1) = 1 − e^−0.3 = 0.2592.
    expect(e.cost).toMatchObject({ computeUsd: 25, expectedPreemptionUsd: 0.1875, totalUsd: 25.1875, interruptionProbability: 0.2592 });
    expect(e.estimate.expectedExtraHours).toBe(0.075);
    expect(e.criteria.hours).toBe(10.075);
    expect(risky.funnel.find((f) => f.constraint === 'interruptible')).toBeUndefined();
  });

  it('ranks a provider whose deployments failed below one whose deployments ran', async () => {
    await seedOffers([
      { provider: 'runpod', externalId: 'same-1', gpuModel: 'A100-80GB', gpuCount: 1, pricePerHour: 2 },
      { provider: 'lambda', externalId: 'same-2', gpuModel: 'A100-80GB', gpuCount: 1, pricePerHour: 2 },
    ]);
    for (let i = 0; i < 5; i++) {
      await insertDeployment('ten_a', { provider: 'runpod', status: 'terminated', status_reason: 'user_requested', running_since: null, run_ms: 3_600_000 });
      await insertDeployment('ten_b', { provider: 'lambda', status: 'failed', status_reason: 'no_capacity', running_since: null, run_ms: 0 });
    }
    const body = await reco({ gpuMemoryGb: 40, hours: 1, weights: { reliability: 1, cost: 1 } });
    expect(body.data.map((r) => r.offer.provider)).toEqual(['runpod', 'lambda']);
    // Beta-smoothed success: (5 + 9 × 0.9) / (5 + 0 + 9) = 0.9357 vs (0 + 8.1) / (5 + 9) = 0.5786.
    expect(body.data[0]!.reliability.deploymentSuccess).toBe(0.9357);
    expect(body.data[1]!.reliability.deploymentSuccess).toBe(0.5786);
    // Never pulled: health 0.85. Score = 0.6 × success + 0.4 × health.
    expect(body.data[0]!.reliability.score).toBeCloseTo(0.6 * 0.935714 + 0.4 * 0.85, 4);
    expect(body.data[0]!.explanation!.summary).toMatch(/more reliable provider \(0\.90 vs 0\.69\)/);
  });

  it('counts 7-day uptime from the hourly health history in provider reliability', async () => {
    await seedOffers([
      { provider: 'runpod', externalId: 'up-1', gpuModel: 'L40S', gpuCount: 1, pricePerHour: 1 },
      { provider: 'lambda', externalId: 'up-2', gpuModel: 'L40S', gpuCount: 1, pricePerHour: 1 },
    ]);
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    await env.DB.batch([
      env.DB.prepare('INSERT INTO provider_health_hourly (provider, hour_start, pulls_ok, pulls_failed, skipped) VALUES (?1, ?2, ?3, ?4, ?5)').bind('runpod', hour, 60, 0, 0),
      env.DB.prepare('INSERT INTO provider_health_hourly (provider, hour_start, pulls_ok, pulls_failed, skipped) VALUES (?1, ?2, ?3, ?4, ?5)').bind('lambda', hour, 20, 10, 30),
      // Older than 7 days: not counted.
      env.DB.prepare('INSERT INTO provider_health_hourly (provider, hour_start, pulls_ok, pulls_failed, skipped) VALUES (?1, ?2, ?3, ?4, ?5)').bind('lambda', hour - 8 * 86_400_000, 0, 60, 0),
    ]);
    const body = await reco({ gpuMemoryGb: 40, hours: 1, weights: { reliability: 1 } });
    expect(body.data.map((r) => r.offer.provider)).toEqual(['runpod', 'lambda']);
    // lambda: 20 ok of 60 passes = 1/3. Score = 0.5 × 0.9 (no deployments) + 0.25 × 0.85 (never pulled) + 0.25 × uptime.
    expect(body.data.map((r) => r.reliability.uptime7d)).toEqual([1, 0.3333]);
    expect(body.data[0]!.reliability.score).toBe(0.9125);
    expect(body.data[1]!.reliability.score).toBeCloseTo(0.45 + 0.2125 + 0.25 / 3, 4);
  });

  it('leaves out offers of GPU models that cannot meet minTflops', async () => {
    const m = await market();
    const body = await reco({ gpuMemoryGb: 150, minTflops: 900, hours: 1 });
    // H100 SXM (989.5) and B200 (2,250) qualify; A100 (312) does not.
    expect(body.data.map((r) => r.offer.id).sort()).toEqual([m.a, m.b, m.c].sort());
    expect(body.funnel.find((f) => f.constraint === 'minTflops')).toEqual({ constraint: 'minTflops', excluded: 1, remaining: 3 });
  });
});

describe('POST /v1/recommendations: nothing fits', () => {
  it('names the constraint that excluded the most offers and what relaxing each would give', async () => {
    await market();
    const body = await reco({ ...LLAMA_70B, maxPricePerGpuHour: 1.5, limit: 2 });
    expect(body.data).toEqual([]);
    expect(body.matched).toBe(0);
    // Per GPU-hour: a 2.50, b 2.00, c 6.00, f 1.60 — all four that fit are over $1.50.
    expect(body.funnel).toEqual([
      { constraint: 'interruptible', excluded: 1, remaining: 5 },
      { constraint: 'gpuMemory', excluded: 1, remaining: 4 },
      { constraint: 'maxPricePerGpuHour', excluded: 4, remaining: 0 },
    ]);
    expect(body.diagnosis!.mostRestrictive).toBe('maxPricePerGpuHour');
    const price = body.diagnosis!.relaxations.find((r) => r.constraint === 'maxPricePerGpuHour')!;
    // Enough for limit = 2: the 2nd lowest per-GPU price, $2.00, lets in f ($1.60) and b ($2.00); cheapest total b, $40.
    expect(price).toMatchObject({ suggested: 2, wouldAllow: 2, cheapestTotalUsd: 40 });
    expect(price.message).toBe('raising maxPricePerGpuHour to $2.00 would allow 2 offers; cheapest $40.00 total');
    // The spot offer (2 × $1.25/GPU-h) fails only `interruptible`: allowing it is the cheapest way out.
    const spot = body.diagnosis!.relaxations[0]!;
    expect(spot).toMatchObject({ constraint: 'interruptible', suggested: null, wouldAllow: 1, cheapestTotalUsd: 25.1875 });
    expect(body.diagnosis!.message).toBe(
      'Nothing fits: maxPricePerGpuHour excluded the most offers, 4 of 6. Relaxing one constraint: allowing interruptible (spot) offers would allow 1 offer, expected preemption cost included; cheapest $25.19 total.',
    );
  });

  it('says so when more GPUs are asked for than any offer has', async () => {
    await market();
    const body = await reco({ gpuCount: 16, hours: 1 });
    expect(body.data).toEqual([]);
    expect(body.diagnosis!.mostRestrictive).toBe('gpuCount');
    expect(body.diagnosis!.message).toMatch(/^Nothing fits: gpuCount excluded the most offers, 5 of 6 \(you asked for 16 GPUs; the largest instance passing your other filters has 4\)/);
    expect(body.diagnosis!.relaxations.find((r) => r.constraint === 'gpuCount')).toMatchObject({ suggested: 1, wouldAllow: 5 });
  });

  it('says what a budget would need to be', async () => {
    await market();
    const body = await reco({ ...LLAMA_70B, budgetUsd: 30, limit: 1 });
    expect(body.diagnosis!.relaxations.find((r) => r.constraint === 'budgetUsd')).toMatchObject({ suggested: 40, wouldAllow: 1, cheapestTotalUsd: 40 });
  });

  it('says the market is empty or stale rather than blaming a constraint', async () => {
    const empty = await reco({ gpuCount: 1 });
    expect(empty.diagnosis!.message).toBe('The market has no listed offers right now.');
    await seedOffers([{ externalId: 'old', gpuModel: 'L4', gpuCount: 1, pricePerHour: 0.5, ageSeconds: 3600 }]);
    const stale = await reco({ gpuCount: 1 });
    expect(stale.market).toMatchObject({ listedOffers: 1, freshOffers: 0 });
    expect(stale.diagnosis!.message).toMatch(/No listed offer was observed in the last 10 minutes/);
  });
});

describe('recommendations on the simulated market', () => {
  it('ranks a fine-tuning job on the ingested market; every offer shown is the stored one', async () => {
    const now = Date.now();
    await ingestAt(now);
    const body = await reco({ kind: 'llm_finetune', finetuneMethod: 'lora', modelParamsB: 8, datasetTokens: 5e8, interruptible: true, limit: 10 });
    expect(body.data.length).toBe(10);
    expect(body.matched).toBeGreaterThan(10);
    for (const r of body.data) {
      const row = await env.DB.prepare('SELECT price_per_hour_micro, availability, observed_at FROM offers WHERE id = ?1').bind(r.offer.id).first<{ price_per_hour_micro: number; availability: string }>();
      expect(r.offer.pricePerHourUsd).toBe(row!.price_per_hour_micro / 1e6);
      expect(row!.availability).not.toBe('unavailable');
      // Compute cost = price × run hours (the hours shown are rounded to 0.001).
      expect(Math.abs(r.cost.computeUsd - r.offer.pricePerHourUsd * r.estimate.hours)).toBeLessThanOrEqual(r.offer.pricePerHourUsd * 0.0005 + 1e-6);
    }
    expect(body.data.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('answers from the new market after the next ingestion', async () => {
    const t1 = Date.now() - 5 * 60_000;
    await ingestAt(t1);
    const body = { gpuMemoryGb: 20, hours: 1, weights: { cost: 1 }, limit: 3 };
    const first = await reco(body);
    await ingestAt(Date.now());
    const second = await reco(body);
    for (const r of second.data) {
      const row = await env.DB.prepare('SELECT price_per_hour_micro, observed_at FROM offers WHERE id = ?1').bind(r.offer.id).first<{ price_per_hour_micro: number; observed_at: number }>();
      expect(r.offer.pricePerHourUsd).toBe(row!.price_per_hour_micro / 1e6);
      expect(Date.parse(r.offer.observedAt)).toBe(row!.observed_at);
    }
    expect(Date.parse(second.data[0]!.offer.observedAt)).toBeGreaterThan(Date.parse(first.data[0]!.offer.observedAt));
  });

  it('gives other code the same answer through recommend(), cached or not', async () => {
    const now = Date.now();
    await ingestAt(now);
    dropMarketSnapshot();
    const request = RecommendationRequestSchema.parse({ kind: 'llm_inference', modelParamsB: 13, tokensPerSecond: 20, limit: 5 });
    const fresh = await recommend(env.DB, request, now, { cache: false });
    const cached = await recommend(env.DB, request, now);
    const again = await recommend(env.DB, request, now);
    expect(cached.data.map((r) => r.offer.id)).toEqual(fresh.data.map((r) => r.offer.id));
    expect(again.data.map((r) => r.offer.id)).toEqual(fresh.data.map((r) => r.offer.id));
    for (const r of fresh.data) expect(r.estimate.tokensPerSecond!).toBeGreaterThanOrEqual(20);
  });

  it('trusts its snapshot for snapshotTtlMs before looking for a newer ingestion', async () => {
    dropMarketSnapshot();
    await ingestAt(Date.now() - 120_000);
    const request = RecommendationRequestSchema.parse({ gpuMemoryGb: 20, hours: 1, weights: { cost: 1 }, limit: 1 });
    const before = await recommend(env.DB, request, Date.now(), { snapshotTtlMs: 60_000 });
    await ingestAt(Date.now());
    // Within the TTL: the snapshot of the first ingestion, prices observed two minutes ago.
    const within = await recommend(env.DB, request, Date.now(), { snapshotTtlMs: 60_000 });
    expect(within.data[0]!.offer.observedAt).toBe(before.data[0]!.offer.observedAt);
    // Checking again: the second ingestion.
    const after = await recommend(env.DB, request, Date.now(), { snapshotTtlMs: 0 });
    expect(Date.parse(after.data[0]!.offer.observedAt) - Date.parse(before.data[0]!.offer.observedAt)).toBeGreaterThanOrEqual(119_000);
  });
});
