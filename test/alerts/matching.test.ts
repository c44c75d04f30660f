// The alert pass after each ingestion: an alert fires once per matching offer, again only after the
// offer stopped matching (price over the cap, stale, gone) and came back; one delivery per alert and
// pass, capped at 50 offers; stored matches equal the rule applied by hand to the whole market.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { runAlertPass, type AlertPayload } from '../../src/alerts/matching';
import type { Bindings } from '../../src/env';
import type { OfferRow } from '../../src/market/offers.query';
import { send } from '../tenancy/calls';
import { createTenant, type TestTenant } from '../tenancy/fixtures';
import { CapturedQueue, fakeOutside, ingestMarket, ingestSim, type LambdaType } from './fakes';

const MIN = 60_000;
const H100 = 'H100 (80 GB SXM5)';
const A100 = 'A100 (80 GB SXM4)';

let t: TestTenant;
let queue: CapturedQueue;
let T0: number;

beforeEach(async () => {
  t = await createTenant({ plan: 'pro' });
  queue = new CapturedQueue();
  fakeOutside({ 'hooks.example.com': ['93.184.216.34'] });
  T0 = Date.now();
});

async function createAlert(rule: Record<string, unknown>, delivery: Record<string, unknown> = { type: 'webhook', url: 'https://hooks.example.com/gpu' }, token = t.ownerToken): Promise<string> {
  const res = await send<{ id: string }>('POST', '/v1/alerts', token, { rule, delivery });
  expect(res.status).toBe(201);
  return res.body.id;
}

interface DeliveryRecord {
  id: string;
  alert_id: string;
  kind: string;
  status: string;
  offer_count: number;
  offer_ids: string;
  payload: string;
}

async function deliveriesOf(alertId: string): Promise<(DeliveryRecord & { body: AlertPayload })[]> {
  const { results } = await env.DB.prepare('SELECT * FROM alert_deliveries WHERE tenant_id = ?1 AND alert_id = ?2 ORDER BY created_at, rowid')
    .bind(t.tenantId, alertId)
    .all<DeliveryRecord>();
  return results.map((r) => ({ ...r, body: JSON.parse(r.payload) as AlertPayload }));
}

async function matchesOf(alertId: string): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT offer_id FROM alert_matches WHERE tenant_id = ?1 AND alert_id = ?2').bind(t.tenantId, alertId).all<{ offer_id: string }>();
  return results.map((r) => r.offer_id).sort();
}

const offerIdOf = async (externalId: string) =>
  (await env.DB.prepare(`SELECT id FROM offers WHERE provider = 'lambda' AND external_id = ?1`).bind(externalId).first<{ id: string }>())!.id;

const h100x1 = (cents: number, regions: string[]): LambdaType => ({ name: 'gpu_1x_h100_sxm5', gpu: H100, gpus: 1, cents, regions });
const h100x8: LambdaType = { name: 'gpu_8x_h100_sxm5', gpu: H100, gpus: 8, cents: 2400, regions: ['us-east-1'] };
const a100x1: LambdaType = { name: 'gpu_1x_a100_sxm4', gpu: A100, gpus: 1, cents: 129, regions: ['us-east-1'] };

// Several ingestions per test: generous on a shared, busy machine.
describe('alert matching after ingestion', { timeout: 30_000 }, () => {
  it('fires once per matching offer across several ingestions, for offers listed before the alert existed too', async () => {
    await ingestMarket(T0, [h100x1(200, ['us-east-1', 'us-west-1']), h100x8, a100x1], queue);
    const id = await createAlert({ gpu: 'H100', maxPricePerGpuHour: 2.5 });

    const first = await ingestMarket(T0 + MIN, [h100x1(200, ['us-east-1', 'us-west-1']), h100x8, a100x1], queue);
    expect(first.alerts).toMatchObject({ activeAlerts: 1, fullChecks: 1, newMatches: 2, webhookDeliveries: 1 });
    const east = await offerIdOf('gpu_1x_h100_sxm5:us-east-1');
    const west = await offerIdOf('gpu_1x_h100_sxm5:us-west-1');
    expect(await matchesOf(id)).toEqual([east, west].sort());
    let deliveries = await deliveriesOf(id);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ kind: 'webhook', status: 'pending', offer_count: 2 });
    expect(queue.messages).toEqual([{ deliveryId: deliveries[0]!.id, tenantId: t.tenantId, alertId: id }]);

    // The payload: the alert, its rule, and the offers in the /v1/offers shape, cheapest first.
    const body = deliveries[0]!.body;
    expect(body).toMatchObject({ type: 'price_alert.triggered', data: { alertId: id, offerCount: 2, truncated: false, rule: { gpuModel: 'H100-80GB', maxPricePerGpuHourUsd: 2.5 } } });
    const listed = await send<Record<string, unknown>>('GET', `/v1/offers/${body.data.offers[0]!.id}`, null);
    const { ageSeconds: _a, ...shape } = listed.body;
    expect(body.data.offers[0]).toMatchObject(shape);
    expect(Object.keys(body.data.offers[0]!).sort()).toEqual(Object.keys(listed.body).sort());

    // The same market again, then a price move that still matches: nothing fires.
    await ingestMarket(T0 + 2 * MIN, [h100x1(200, ['us-east-1', 'us-west-1']), h100x8, a100x1], queue);
    const moved = await ingestMarket(T0 + 3 * MIN, [h100x1(210, ['us-east-1', 'us-west-1']), h100x8, a100x1], queue);
    expect(moved.alerts).toMatchObject({ fullChecks: 0, changedOffers: 2, newMatches: 0, clearedMatches: 0 });
    expect(await deliveriesOf(id)).toHaveLength(1);

    // A new region lists a new offer: it alone fires.
    await ingestMarket(T0 + 4 * MIN, [h100x1(210, ['us-east-1', 'us-west-1', 'europe-central-1']), h100x8, a100x1], queue);
    deliveries = await deliveriesOf(id);
    expect(deliveries).toHaveLength(2);
    const europe = await offerIdOf('gpu_1x_h100_sxm5:europe-central-1');
    expect(deliveries[1]).toMatchObject({ offer_count: 1 });
    expect(deliveries[1]!.body.data.offers.map((o) => o.id)).toEqual([europe]);
    expect(queue.messages).toHaveLength(2);
    const alert = await send<{ firedOffers: number; lastFiredAt: string; matchingOffers: number }>('GET', `/v1/alerts/${id}`, t.ownerToken);
    expect(alert.body).toMatchObject({ firedOffers: 3, matchingOffers: 3, lastFiredAt: expect.any(String) });
  });

  it('fires again for an offer that went over the price limit or away, once it matches again', async () => {
    const id = await createAlert({ gpu: 'H100-80GB', maxPricePerGpuHour: 2.5 });
    await ingestMarket(T0, [h100x1(200, ['us-east-1', 'us-west-1'])], queue);
    const east = await offerIdOf('gpu_1x_h100_sxm5:us-east-1');
    const west = await offerIdOf('gpu_1x_h100_sxm5:us-west-1');
    expect(await matchesOf(id)).toEqual([east, west].sort());

    // us-west-1 loses capacity: its offer is no longer listed, goes stale after ten minutes, and clears.
    await ingestMarket(T0 + 5 * MIN, [h100x1(200, ['us-east-1'])], queue);
    expect(await matchesOf(id)).toEqual([east, west].sort());
    const stale = await ingestMarket(T0 + 11 * MIN, [h100x1(200, ['us-east-1'])], queue);
    expect(stale.markedUnavailable).toBe(1);
    expect(stale.alerts).toMatchObject({ clearedMatches: 1, newMatches: 0 });
    expect(await matchesOf(id)).toEqual([east]);

    // Capacity is back: the same offer fires again, alone.
    const back = await ingestMarket(T0 + 12 * MIN, [h100x1(200, ['us-east-1', 'us-west-1'])], queue);
    expect(back.alerts).toMatchObject({ newMatches: 1 });
    let deliveries = await deliveriesOf(id);
    expect(deliveries.map((d) => JSON.parse(d.offer_ids) as string[])).toEqual([[east, west].sort(), [west]]);

    // Over the price limit clears both; under it again fires both, in one delivery.
    const over = await ingestMarket(T0 + 13 * MIN, [h100x1(260, ['us-east-1', 'us-west-1'])], queue);
    expect(over.alerts).toMatchObject({ clearedMatches: 2, newMatches: 0 });
    expect(await matchesOf(id)).toEqual([]);
    await ingestMarket(T0 + 14 * MIN, [h100x1(249, ['us-east-1', 'us-west-1'])], queue);
    deliveries = await deliveriesOf(id);
    expect(deliveries).toHaveLength(3);
    expect(deliveries[2]!.offer_count).toBe(2);

    // Deleted a day later: the match goes with the offer.
    const gone = await ingestMarket(T0 + 25 * 60 * MIN, [h100x1(249, ['us-east-1'])], queue);
    expect(gone.deleted).toBe(1);
    expect(await matchesOf(id)).toEqual([east]);
  });

  it('never fires for offers above the price limit, or of another GPU, count or region', async () => {
    const cheap = await createAlert({ gpu: 'H100', maxPricePerGpuHour: 1.99 });
    const eight = await createAlert({ gpu: 'H100', maxPricePerGpuHour: 5, minGpuCount: 8 });
    const west = await createAlert({ gpu: 'H100', maxPricePerGpuHour: 5, region: 'US-WEST', maxGpuCount: 1 });
    const germany = await createAlert({ gpu: 'H100', maxPricePerGpuHour: 5, countries: ['DE'] });
    const spot = await createAlert({ gpu: 'H100', maxPricePerGpuHour: 5, pricing: ['spot', 'interruptible'] });
    const report = await ingestMarket(T0, [h100x1(200, ['us-east-1', 'us-west-1']), h100x8, a100x1], queue);
    expect(report.alerts).toMatchObject({ activeAlerts: 5, fullChecks: 5 });
    expect(await deliveriesOf(cheap)).toEqual([]);
    expect(await matchesOf(eight)).toEqual([await offerIdOf('gpu_8x_h100_sxm5:us-east-1')]);
    expect(await matchesOf(west)).toEqual([await offerIdOf('gpu_1x_h100_sxm5:us-west-1')]);
    expect(await matchesOf(germany)).toEqual([]);
    expect(await matchesOf(spot)).toEqual([]); // Lambda lists on-demand only
    expect(queue.messages).toHaveLength(2);
  });

  it('stops firing for a deleted alert', async () => {
    const id = await createAlert({ gpu: 'H100', maxPricePerGpuHour: 2.5 });
    await ingestMarket(T0, [h100x1(200, ['us-east-1'])], queue);
    expect((await send('DELETE', `/v1/alerts/${id}`, t.ownerToken)).status).toBe(204);
    expect(await matchesOf(id)).toEqual([]);
    const after = await ingestMarket(T0 + MIN, [h100x1(200, ['us-east-1', 'us-west-1'])], queue);
    expect(after.alerts).toMatchObject({ activeAlerts: 0, newMatches: 0 });
    expect(await deliveriesOf(id)).toHaveLength(1);
    expect(queue.messages).toHaveLength(1);
  });

  it('batches one alert\'s new matches of a pass into one delivery of at most 50 offers, the cheapest, with the count', async () => {
    const id = await createAlert({ gpu: 'H100', maxPricePerGpuHour: 100 });
    await ingestSim(T0, queue, { SIM_OFFERS: '2000' });
    const listed = await env.DB.prepare(`SELECT COUNT(*) AS n FROM offers WHERE gpu_model = 'H100-80GB' AND availability <> 'unavailable'`).first<{ n: number }>();
    expect(listed!.n).toBeGreaterThan(50);
    const [delivery, ...more] = await deliveriesOf(id);
    expect(more).toEqual([]);
    expect(delivery).toMatchObject({ offer_count: listed!.n });
    expect(delivery!.body.data).toMatchObject({ offerCount: listed!.n, truncated: true });
    const prices = delivery!.body.data.offers.map((o) => o.pricePerGpuHourUsd);
    expect(prices).toHaveLength(50);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    const cheapest = await env.DB.prepare(`SELECT MIN(price_per_gpu_hour_micro) AS p FROM offers WHERE gpu_model = 'H100-80GB' AND availability <> 'unavailable'`).first<{ p: number }>();
    expect(prices[0]).toBe(cheapest!.p / 1e6);
    expect(await matchesOf(id)).toHaveLength(listed!.n);
  });

  it('keeps the stored matches equal to the rule applied by hand to the whole simulated market, pass after pass', async () => {
    const rules: (Record<string, unknown> & { gpu: string; maxPricePerGpuHour: number })[] = [
      { gpu: 'RTX-4090', maxPricePerGpuHour: 0.4 },
      { gpu: 'A100-80GB', maxPricePerGpuHour: 1.6, pricing: ['spot', 'interruptible'], minAvailability: 'available' },
      { gpu: 'H100-80GB', maxPricePerGpuHour: 3, minGpuCount: 2, region: 'eu-' },
      { gpu: 'L40S', maxPricePerGpuHour: 1.2, countries: ['US', 'CA'], maxGpuCount: 4 },
      // Caps across each model's price range, so prices moving between passes cross them both ways.
      ...[
        ['H100-80GB', 2.49],
        ['A100-80GB', 1.59],
        ['RTX-4090', 0.39],
        ['L40S', 0.95],
      ].flatMap(([gpu, base]) => [0.55, 0.8, 1.05].map((f) => ({ gpu: gpu as string, maxPricePerGpuHour: Math.round((base as number) * f * 1000) / 1000 }))),
    ];
    const ids = [];
    for (const rule of rules) ids.push(await createAlert(rule, { type: 'live' }));
    const truth = (rows: OfferRow[], rule: (typeof rules)[number]) =>
      rows
        .filter(
          (o) =>
            o.gpu_model === rule.gpu &&
            o.price_per_gpu_hour_micro <= rule.maxPricePerGpuHour * 1e6 &&
            (o.availability === 'available' || (o.availability === 'limited' && rule.minAvailability !== 'available')) &&
            (!rule.pricing || (rule.pricing as string[]).includes(o.pricing)) &&
            o.gpu_count >= ((rule.minGpuCount as number | undefined) ?? 1) &&
            o.gpu_count <= ((rule.maxGpuCount as number | undefined) ?? 1024) &&
            (!rule.region || o.region.toLowerCase().startsWith(String(rule.region))) &&
            (!rule.countries || (o.country !== null && (rule.countries as string[]).includes(o.country))),
        )
        .map((o) => o.id)
        .sort();
    let previous: string[][] = rules.map(() => []);
    let fired = 0;
    for (const minutes of [0, 1, 2, 3, 7, 12, 20, 33, 34]) {
      await ingestSim(T0 + minutes * MIN, queue);
      const { results: rows } = await env.DB.prepare('SELECT * FROM offers').all<OfferRow>();
      const expected = rules.map((rule) => truth(rows, rule));
      for (let i = 0; i < rules.length; i++) {
        expect(await matchesOf(ids[i]!)).toEqual(expected[i]);
        // What fired this pass is exactly what matches now and did not before.
        const newly = expected[i]!.filter((o) => !previous[i]!.includes(o));
        const all = await deliveriesOf(ids[i]!);
        const firedNow = all.filter((d) => JSON.parse(d.payload).timestamp === new Date(T0 + minutes * MIN).toISOString());
        expect(firedNow.flatMap((d) => JSON.parse(d.offer_ids) as string[]).sort()).toEqual(newly);
        fired += newly.length;
      }
      previous = expected;
    }
    expect(fired).toBeGreaterThan(100);
  });

  it('finishes, at the next pass, a pass that stored its matches but died before their delivery', async () => {
    const id = await createAlert({ gpu: 'H100', maxPricePerGpuHour: 2.5 });
    await env.DB.prepare('ALTER TABLE alert_deliveries RENAME TO alert_deliveries_away').run();
    try {
      const broken = await ingestMarket(T0, [h100x1(200, ['us-east-1', 'us-west-1'])], queue);
      expect(broken.alerts).toBeUndefined();
    } finally {
      await env.DB.prepare('ALTER TABLE alert_deliveries_away RENAME TO alert_deliveries').run();
    }
    expect(await matchesOf(id)).toHaveLength(2);
    expect(await env.DB.prepare(`SELECT state FROM alert_passes`).all()).toMatchObject({ results: [{ state: 'matched' }] });

    // Not at once (it may still be running somewhere), but five minutes on, two passes finish it together:
    // only one of them writes its deliveries.
    const soon = await ingestMarket(T0 + MIN, [h100x1(200, ['us-east-1', 'us-west-1'])], queue);
    expect(soon.alerts).toMatchObject({ recovered: 0, webhookDeliveries: 0 });
    const later = { ...env, ALERT_DELIVERIES: queue } as unknown as Bindings;
    const both = await Promise.all([runAlertPass(later, { changedOfferIds: [] }, T0 + 6 * MIN), runAlertPass(later, { changedOfferIds: [] }, T0 + 6 * MIN)]);
    expect(both.map((r) => r.recovered).sort()).toEqual([0, 1]);
    const deliveries = await deliveriesOf(id);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ offer_count: 2 });
    expect(queue.messages).toHaveLength(1);
    expect(await env.DB.prepare('SELECT fire_count FROM alerts WHERE id = ?1').bind(id).first()).toEqual({ fire_count: 2 });
    expect((await env.DB.prepare(`SELECT state FROM alert_passes`).all()).results.every((r) => r.state === 'delivered')).toBe(true);
  });

  it('never fails the ingestion when the alert pass fails, and resends a delivery whose queue send failed', async () => {
    const id = await createAlert({ gpu: 'H100', maxPricePerGpuHour: 2.5 });
    await env.DB.prepare('ALTER TABLE alert_matches RENAME TO alert_matches_away').run();
    try {
      const report = await ingestMarket(T0, [h100x1(200, ['us-east-1'])], queue);
      expect(report.providers.find((p) => p.provider === 'lambda')).toMatchObject({ outcome: 'ok', offers: 1 });
      expect(report.alerts).toBeUndefined();
      expect(await env.DB.prepare('SELECT status FROM ingestion_runs WHERE id = ?1').bind(report.runId).first()).toEqual({ status: 'succeeded' });
    } finally {
      await env.DB.prepare('ALTER TABLE alert_matches_away RENAME TO alert_matches').run();
    }
    // The alert is still new (never checked), so the next pass fires it; this time the queue is down.
    const broken = { sendBatch: () => Promise.reject(new Error('queue unavailable')) } as unknown as CapturedQueue;
    const next = await ingestMarket(T0 + MIN, [h100x1(200, ['us-east-1'])], broken);
    expect(next.alerts).toMatchObject({ webhookDeliveries: 1 });
    const [pending] = await deliveriesOf(id);
    expect(pending).toMatchObject({ status: 'pending' });
    // Ten minutes on, the overdue delivery is sent again.
    const later = await ingestMarket(T0 + 12 * MIN, [h100x1(200, ['us-east-1'])], queue);
    expect(later.alerts).toMatchObject({ resent: 1, webhookDeliveries: 0 });
    expect(queue.messages).toEqual([{ deliveryId: pending!.id, tenantId: t.tenantId, alertId: id }]);
  });
});
