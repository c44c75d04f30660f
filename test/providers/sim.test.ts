import { describe, expect, it } from 'vitest';
import { getGpuModel } from '../../src/catalog/gpus';
import { sim } from '../../src/providers/sim';
import type { ProviderContext } from '../../src/providers/types';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

function ctx(now: number, settings: Record<string, string> = {}): ProviderContext {
  return {
    baseUrl: sim.defaultBaseUrl,
    apiKey: undefined,
    fetch: () => Promise.reject(new Error('the simulator must not use the network')),
    now,
    signal: new AbortController().signal,
    settings: { SIM_SEED: 'seed-a', SIM_OFFERS: '400', ...settings },
  };
}

describe('simulated provider', () => {
  it('lists the configured number of offers without touching the network', async () => {
    const pull = await sim.listOffers(ctx(T0));
    expect(pull.offers).toHaveLength(400);
    expect(pull.skipped).toBe(0);
    expect(pull.unknownGpuNames).toEqual({});
  });

  it('spreads offers over many GPU models, regions, counts and all pricing types', async () => {
    const { offers } = await sim.listOffers(ctx(T0));
    expect(new Set(offers.map((o) => o.gpuModel)).size).toBeGreaterThanOrEqual(15);
    expect(new Set(offers.map((o) => o.region)).size).toBeGreaterThanOrEqual(12);
    expect(new Set(offers.map((o) => o.gpuCount))).toEqual(new Set([1, 2, 4, 8]));
    expect(new Set(offers.map((o) => o.pricing))).toEqual(new Set(['on_demand', 'spot', 'interruptible']));
    for (const o of offers) expect(getGpuModel(o.gpuModel)).toBeDefined();
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const a = await sim.listOffers(ctx(T0));
    const again = await sim.listOffers(ctx(T0));
    const other = await sim.listOffers(ctx(T0, { SIM_SEED: 'seed-b' }));
    expect(again.offers).toEqual(a.offers);
    expect(other.offers.map((o) => o.pricePerHourMicroUsd)).not.toEqual(a.offers.map((o) => o.pricePerHourMicroUsd));
  });

  it('moves some prices between pulls a few minutes apart, by small steps', async () => {
    const before = (await sim.listOffers(ctx(T0))).offers;
    const after = (await sim.listOffers(ctx(T0 + 5 * 60_000))).offers;
    const moved = after.filter((o, i) => o.pricePerHourMicroUsd !== before[i]!.pricePerHourMicroUsd);
    expect(moved.length).toBeGreaterThan(40);
    expect(moved.length).toBeLessThan(400);
    for (const o of moved) {
      const old = before.find((b) => b.externalId === o.externalId)!;
      expect(Math.abs(o.pricePerHourMicroUsd / old.pricePerHourMicroUsd - 1)).toBeLessThan(0.35);
    }
  });

  it('changes availability of some offers between pulls', async () => {
    const before = (await sim.listOffers(ctx(T0))).offers;
    const after = (await sim.listOffers(ctx(T0 + 20 * 60_000))).offers;
    const flipped = after.filter((o, i) => o.availability !== before[i]!.availability);
    expect(flipped.length).toBeGreaterThan(10);
    expect(new Set(after.map((o) => o.availability))).toEqual(new Set(['available', 'limited', 'unavailable']));
  });

  it('prices spot below on-demand for the same GPU model on average', async () => {
    const { offers } = await sim.listOffers(ctx(T0, { SIM_OFFERS: '3000' }));
    const mean = (pricing: string) => {
      const xs = offers.filter((o) => o.gpuModel === 'A100-80GB' && o.pricing === pricing).map((o) => o.pricePerGpuHourMicroUsd);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    expect(mean('spot')).toBeLessThan(mean('on_demand') * 0.8);
  });
});
