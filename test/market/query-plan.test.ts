import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { buildOfferSearch } from '../../src/market/offers.query';
import { OfferQuerySchema, SORTS } from '../../src/market/offers.schemas';

async function plan(query: Record<string, string>): Promise<string> {
  const search = buildOfferSearch(OfferQuerySchema.parse(query), Date.now());
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${search.sql}`).bind(...search.params).all<{ detail: string }>();
  return results.map((r) => r.detail).join(' | ');
}

describe('offer search query plans', () => {
  it.each(SORTS)('walks an index in %s order, with no sort step, without filters', async (sort) => {
    const p = await plan({ sort });
    expect(p).toMatch(/USING INDEX offers_by_/);
    expect(p).not.toContain('TEMP B-TREE');
  });

  it.each(SORTS)('walks an index in %s order, with no sort step, for one GPU model and other filters', async (sort) => {
    const p = await plan({ sort, gpu: 'H100-80GB', minGpuCount: '2', maxPricePerHour: '40', pricing: 'on_demand', minVramGb: '40' });
    expect(p).toMatch(/USING INDEX offers_(by|model)_/);
    expect(p).not.toContain('TEMP B-TREE');
  });

  it('leads with the GPU model and the price range for the benchmark search over two models', async () => {
    const p = await plan({ gpu: 'H100-80GB,A100-80GB', maxPricePerGpuHour: '3', minGpuCount: '2', sort: 'pricePerGpuHour' });
    expect(p).toContain('offers_model_gpu_price (gpu_model=? AND price_per_gpu_hour_micro<?)');
  });

  it('keeps using the sort index on later pages', async () => {
    const first = buildOfferSearch(OfferQuerySchema.parse({ sort: 'vram' }), Date.now());
    expect(first.sql).not.toContain('(vram_gb_per_gpu, id) >');
    const { nextCursorFor } = await import('../../src/market/offers.query');
    const cursor = nextCursorFor(first, { id: 'ofr_0000000000000', vram_gb_per_gpu: 48 } as never);
    const p = await plan({ sort: 'vram', cursor });
    expect(p).toContain('offers_by_vram');
    expect(p).not.toContain('TEMP B-TREE');
  });
});
