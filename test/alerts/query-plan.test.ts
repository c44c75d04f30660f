// The matcher's statements use the indexes its cost rests on: changed offers by primary key, then
// alerts by (status, model, price cap); named alerts by primary key, then offers by (model, price).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CLEAR_FOR_ALERTS_SQL, CLEAR_FOR_OFFERS_SQL, CLEAR_RISEN_SQL, NEW_FOR_ALERTS_SQL, NEW_FOR_OFFERS_SQL, PASS_MATCHES_SQL } from '../../src/alerts/matching';

async function plan(sql: string, ...params: (string | number)[]): Promise<string> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
  return results.map((r) => r.detail).join(' | ');
}

describe('alert matching query plans', () => {
  it.each([
    ['new matches', NEW_FOR_OFFERS_SQL, ['[]', 0, 'pas_x']],
    ['matches a price rise clears', CLEAR_RISEN_SQL, ['[]']],
  ] as const)('finds %s from each changed offer, its prior state, and the alerts whose cap lies between its old and new price', async (_, sql, params) => {
    const p = await plan(sql, ...params);
    expect(p).toMatch(/SCAN j VIRTUAL TABLE/);
    expect(p).toMatch(/SEARCH o USING INDEX sqlite_autoindex_offers_1 \(id=\?\)/);
    expect(p).toContain('price_history_offer (offer_id=?)');
    expect(p).toContain('alerts_active_by_model (status=? AND gpu_model=? AND max_price_per_gpu_hour_micro>? AND max_price_per_gpu_hour_micro<?)');
    expect(p).not.toMatch(/SCAN (a|o|h|p|alerts|offers|alert_matches)\b/);
  });

  it('checks a named alert with one range scan of its model under its cap', async () => {
    const p = await plan(NEW_FOR_ALERTS_SQL, '[]', 0, 'pas_x');
    expect(p.indexOf('SCAN j')).toBe(0);
    expect(p).toMatch(/SEARCH a USING INDEX sqlite_autoindex_alerts_1 \(id=\?\)/);
    expect(p).toContain('offers_model_gpu_price (gpu_model=? AND price_per_gpu_hour_micro<?)');
  });

  it('clears matches through the alerts that can hold them and the match key, never a scan', async () => {
    const forOffers = await plan(CLEAR_FOR_OFFERS_SQL, '[]');
    expect(forOffers).toMatch(/alert_matches_1 \(tenant_id=\? AND alert_id=\? AND offer_id=\?\)/);
    expect(forOffers).toContain('alerts_active_by_model (status=? AND gpu_model=? AND max_price_per_gpu_hour_micro>?)');
    expect(await plan(CLEAR_FOR_ALERTS_SQL, '[]')).toMatch(/alert_matches_1 \(tenant_id=\? AND alert_id=\?\)/);
    expect(await plan(CLEAR_RISEN_SQL, '[]')).toMatch(/alert_matches_1 \(tenant_id=\? AND alert_id=\? AND offer_id=\?\)/);
    for (const sql of [CLEAR_FOR_OFFERS_SQL, CLEAR_FOR_ALERTS_SQL, CLEAR_RISEN_SQL]) expect(await plan(sql, '[]')).not.toMatch(/SCAN (alert_matches|alerts|offers|a|o|h|p)\b/);
  });

  it("reads a pass's new matches through the pass index, each offer by its key", async () => {
    const p = await plan(PASS_MATCHES_SQL, 'pas_x');
    expect(p).toContain('alert_matches_by_pass (pass_id=?)');
    expect(p).toMatch(/SEARCH o USING INDEX sqlite_autoindex_offers_1 \(id=\?\)/);
    expect(p).not.toMatch(/SCAN (m|o)\b/);
  });
});
