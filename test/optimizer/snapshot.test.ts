import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { OFFER_COLUMNS, type OfferRow } from '../../src/market/offers.query';
import { dropMarketSnapshot, loadOffers, marketSnapshot, offerRow } from '../../src/optimizer/snapshot';
import { ingestAt } from '../helpers';
import { seedOffers } from './fixtures';

beforeEach(() => dropMarketSnapshot());

describe('market snapshot', () => {
  it('loads every listed offer in chunks, and gives each back as the stored row', async () => {
    await seedOffers([
      { provider: 'runpod', externalId: 'x1', gpuModel: 'H100-80GB', gpuCount: 8, pricePerHour: 20, country: null },
      { provider: 'lambda', externalId: 'x2', gpuModel: 'A100-80GB', gpuCount: 1, pricePerHour: 1.5, availability: 'limited' },
      { provider: 'sim', externalId: 'x3', gpuModel: 'L4', gpuCount: 2, pricePerHour: 0.9, pricing: 'spot', region: 'eu-west-1', country: 'IE' },
      { provider: 'sim', externalId: 'x4', gpuModel: 'L4', gpuCount: 1, pricePerHour: 0.5, availability: 'unavailable' },
      { provider: 'sim', externalId: 'x5', gpuModel: 'mystery', gpuCount: 1, pricePerHour: 0.1 },
    ]);
    const o = await loadOffers(env.DB, 2);
    expect(o.n).toBe(4);
    const { results } = await env.DB.prepare(`SELECT ${OFFER_COLUMNS} FROM offers WHERE availability <> 'unavailable'`).all<OfferRow>();
    const byId = new Map(results.map((r) => [r.id, r]));
    for (let i = 0; i < o.n; i++) expect(offerRow(o, i)).toEqual(byId.get(o.ids[i]!));
    // Offers by GPU model: two L4 rows were seeded, one is unavailable.
    const l4 = o.models.indexOf('L4');
    expect(o.byModel[l4]!.length).toBe(1);
    expect(o.observedByModel[l4]!.length).toBe(1);
  });

  it('grows its columns when more rows arrive than expected', async () => {
    // 2,000 listed offers, read 500 at a time into columns sized for 1 (at least 1,024).
    const row = (rowid: number) => [rowid, `ofr_${rowid}`, 'sim', `e${rowid}`, 'T4', 'T4', 1, 16, 16, null, null, null, 1000 * rowid, 1000 * rowid, 'on_demand', 'us-east-1', 'US', 'available', null, 'sim', 1, 1, 1];
    const all = Array.from({ length: 2000 }, (_, k) => row(k + 1));
    let queries = 0;
    const db = {
      prepare: () => ({
        bind: (after: number, limit: number) => ({
          raw: async () => {
            queries++;
            return all.filter((r) => (r[0] as number) > after).slice(0, limit);
          },
        }),
      }),
    } as unknown as D1Database;
    const o = await loadOffers(db, 500, 1);
    expect(queries).toBe(5);
    expect(o.n).toBe(2000);
    expect(o.ids[1999]).toBe('ofr_2000');
    expect(o.pricePerHourMicro[1999]).toBe(2_000_000);
    expect(offerRow(o, 1500)).toMatchObject({ id: 'ofr_1501', price_per_hour_micro: 1_501_000, vcpus: null, country: 'US', pricing: 'on_demand', availability: 'available' });
    expect(o.byModel[0]!.length).toBe(2000);
  });

  it('answers from the current snapshot while a newer ingestion loads in the background', async () => {
    await ingestAt(Date.now() - 60_000);
    const first = await marketSnapshot(env.DB, Date.now(), { ttlMs: 0 });
    await ingestAt(Date.now());
    const pending: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => pending.push(p);
    const during = await marketSnapshot(env.DB, Date.now(), { ttlMs: 1, waitUntil });
    expect(during.key).toBe(first.key);
    expect(pending.length).toBe(1);
    await Promise.all(pending);
    const after = await marketSnapshot(env.DB, Date.now(), { ttlMs: 1, waitUntil });
    expect(after.key).not.toBe(first.key);
    expect(pending.length).toBe(1);
    expect(Math.max(...after.offers.observedAt.subarray(0, after.offers.n))).toBeGreaterThan(Math.max(...first.offers.observedAt.subarray(0, first.offers.n)));
  });

  it('loads a newer ingestion before answering when the TTL is 0', async () => {
    await ingestAt(Date.now() - 60_000);
    const first = await marketSnapshot(env.DB, Date.now(), { ttlMs: 0 });
    await ingestAt(Date.now());
    const pending: Promise<unknown>[] = [];
    const next = await marketSnapshot(env.DB, Date.now(), { ttlMs: 0, waitUntil: (p) => pending.push(p) });
    expect(next.key).not.toBe(first.key);
    expect(pending).toEqual([]);
  });
});
