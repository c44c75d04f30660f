import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/optimizer/evaluate';
import { reliability } from '../../src/optimizer/reliability';
import { CRITERIA, RecommendationRequestSchema } from '../../src/optimizer/request';
import { loadOffers } from '../../src/optimizer/snapshot';
import { interpret } from '../../src/optimizer/workload';

const now = Date.parse('2026-11-29T12:00:00Z');
const MODELS = ['H100-80GB', 'A100-80GB', 'L40S', 'RTX-4090', 'mystery'];
const PRICING = ['on_demand', 'spot', 'interruptible'];
const PROVIDERS = ['runpod', 'vastai', 'lambda', 'sim'];

/** 600 varied offers as the snapshot would hold them. */
async function market() {
  const rows = Array.from({ length: 600 }, (_, k) => {
    const model = MODELS[k % MODELS.length]!;
    const count = [1, 2, 4, 8][k % 4]!;
    const price = Math.round((0.3 + ((k * 37) % 100) / 25) * count * 1e6);
    const vram = model === 'L40S' ? 48 : model === 'RTX-4090' ? 24 : 80;
    return [k + 1, `ofr_${k}`, PROVIDERS[k % 4], `e${k}`, model, model, count, vram, vram * count, 16, 64, 200, price, Math.round(price / count),
      PRICING[k % 3], k % 2 ? 'eu-west-1' : 'us-east-1', k % 2 ? 'IE' : 'US', k % 5 === 1 ? 'limited' : 'available', null, 'sim', now - (k % 900) * 1000, now, now];
  });
  const db = { prepare: () => ({ bind: (after: number, limit: number) => ({ raw: async () => rows.filter((r) => (r[0] as number) > after).slice(0, limit) }) }) } as unknown as D1Database;
  return loadOffers(db, 1000);
}

const neutral = () => reliability({ health: null, deployments: { succeeded: 0, failed: 0 }, uptime7d: null });

describe('constraint pass', () => {
  it("puts in its columns exactly what the offer's measured object says", async () => {
    const o = await market();
    const request = RecommendationRequestSchema.parse({ kind: 'llm_finetune', modelParamsB: 8, datasetTokens: 2e8, interruptible: true });
    const ev = evaluate(o, interpret(request), request, now, neutral);
    expect(ev.candidates.length).toBeGreaterThan(100);
    ev.candidates.forEach((i, k) => {
      const m = ev.measure(i);
      const expected = { cost: m.cost.totalMicro, time: m.hours, freshness: m.freshness, availability: m.availability, reliability: m.reliability, interruption: m.cost.interruptionProbability };
      CRITERIA.forEach((c, j) => expect(ev.columns[j]![k]).toBe(expected[c]));
      expect(ev.totalMicro(i)).toBe(m.cost.totalMicro);
    });
  });

  it('counts the same funnel whether it stops at the first failure or checks every constraint', async () => {
    const o = await market();
    // Nothing can fit (a 10-GPU minimum), so the full pass runs; its funnel must match a fast pass's.
    const impossible = RecommendationRequestSchema.parse({ gpuMemoryGb: 100, gpuCount: 10, gpuModels: ['H100', 'L40S'], regions: ['us-'], maxPricePerGpuHour: 2, hours: 3 });
    const full = evaluate(o, interpret(impossible), impossible, now, neutral);
    expect(full.candidates.length).toBe(0);
    const possible = RecommendationRequestSchema.parse({ gpuMemoryGb: 100, gpuModels: ['H100', 'L40S'], regions: ['us-'], maxPricePerGpuHour: 2, hours: 3 });
    const fast = evaluate(o, interpret(possible), possible, now, neutral);
    expect(fast.candidates.length).toBeGreaterThan(0);
    // The stages before gpuCount exclude the same offers either way.
    expect(full.funnel.slice(0, 3)).toEqual(fast.funnel.slice(0, 3));
    expect(full.market).toEqual(fast.market);
    // Every fresh offer of a known GPU is counted exactly once.
    expect(full.funnel.reduce((a, f) => a + f.excluded, 0)).toBe(full.market.knownGpu);
    expect(fast.funnel.reduce((a, f) => a + f.excluded, 0) + fast.candidates.length).toBe(fast.market.knownGpu);
    // 'mystery' GPUs are fresh but not evaluated; offers older than 10 minutes are not fresh.
    expect(fast.market.fresh - fast.market.knownGpu).toBe(o.byModel[o.models.indexOf('mystery')]!.filter((i) => now - o.observedAt[i]! <= 600_000).length);
  });
});
