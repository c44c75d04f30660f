// The billing API as a tenant sees it: balance (reserved, available), the ledger with its entries,
// usage sums per group, the credit check on deployment creation, admin adjustments, and isolation.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { meterUsage } from '../../src/billing/meter';
import { insertDeployment } from '../deployments/fixtures';
import { ingestAt, testEnv } from '../helpers';
import { auditRows, idem, send, type ProblemBody } from '../tenancy/calls';
import { addApiKey, addMember, createTenant, type TestTenant } from '../tenancy/fixtures';
import { fund } from './fixtures';

const db = env.DB;
let t: TestTenant;

beforeEach(async () => {
  t = await createTenant({ plan: 'pro' });
});

interface Balance {
  balanceUsd: number;
  availableUsd: number;
  reservedUsd: number;
  reserved: { accruedUsd: number; holdsUsd: number };
  thisMonth: { usageUsd: number; unbilledUsd: number; feesUsd: number; totalUsd: number };
  marginPercent: number;
  lowBalance: boolean;
  lowBalanceThresholdUsd: number | null;
  exhaustedAt: string | null;
  graceEndsAt: string | null;
}

describe('GET /v1/billing/balance', () => {
  it('shows the balance, what running and starting deployments reserve, and what is left', async () => {
    const now = Date.now();
    await fund(t.tenantId, 100, now - 3_600_000);
    // Running for 10 min at $3.60/h (1,000 µ$/s): charged for 5 min by a pass, 5 min accrued since.
    await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 3_600_000, running_since: now - 600_000 });
    await meterUsage(db, now - 300_000);
    // Provisioning at $6/h: held for 10 minutes ($1) + 10%.
    await insertDeployment(t.tenantId, { status: 'provisioning', quoted_price_per_hour_micro: 6_000_000, running_since: null });
    const { status, body } = await send<Balance>('GET', '/v1/billing/balance', t.ownerToken);
    expect(status).toBe(200);
    expect(body.balanceUsd).toBe(100 - 0.33);
    expect(body.reserved.accruedUsd).toBeGreaterThanOrEqual(0.33);
    expect(body.reserved.accruedUsd).toBeLessThan(0.34);
    expect(body.reserved.holdsUsd).toBe(1.1);
    expect(body.availableUsd).toBeCloseTo(body.balanceUsd - body.reserved.accruedUsd - 1.1, 6);
    expect(body.thisMonth).toMatchObject({ usageUsd: 0.33, feesUsd: 0 });
    expect(body).toMatchObject({ marginPercent: 10, lowBalance: false, lowBalanceThresholdUsd: 20, exhaustedAt: null, graceEndsAt: null });
  });

  it('flags a low balance and, at zero, the end of the grace period', async () => {
    const now = Date.now();
    await fund(t.tenantId, 10, now - 1_000_000);
    await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 36_000_000, running_since: now - 1_000_000 }); // $36/h = 10,000 µ$/s
    await meterUsage(db, now - 200_000); // 800 s × 11,000 µ$ = $8.80 → $1.20 left: under 20% of $10
    let body = (await send<Balance>('GET', '/v1/billing/balance', t.ownerToken)).body;
    expect(body).toMatchObject({ balanceUsd: 1.2, lowBalance: true, exhaustedAt: null });
    await meterUsage(db, now); // 200 s more: $2.20 → −$1.00
    body = (await send<Balance>('GET', '/v1/billing/balance', t.ownerToken)).body;
    expect(body.balanceUsd).toBe(-1);
    expect(Date.parse(body.graceEndsAt!) - Date.parse(body.exhaustedAt!)).toBe(900_000);
  });
});

interface LedgerPage {
  data: { id: string; kind: string; amountUsd: number; reference: string; deploymentId: string | null; entries: { account: string; amountUsd: number }[]; detail: Record<string, unknown> }[];
  nextCursor: string | null;
}

describe('GET /v1/billing/ledger', () => {
  it('lists transactions newest first with balanced entries, filters by kind, and pages', async () => {
    const now = Date.now();
    await fund(t.tenantId, 50, now - 10_000);
    const dep = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 3_600_000, running_since: now - 9_000 });
    await meterUsage(db, now - 5_000);
    await meterUsage(db, now);
    const all = await send<LedgerPage>('GET', '/v1/billing/ledger', t.ownerToken);
    expect(all.status).toBe(200);
    expect(all.body.data.map((d) => d.kind)).toEqual(['usage', 'usage', 'adjustment']);
    expect(all.body.data[0]!).toMatchObject({ amountUsd: -0.0055, deploymentId: dep.id, reference: `usage:${dep.id}:4000` });
    expect(all.body.data[0]!.entries).toEqual([
      { account: 'credit', amountUsd: -0.0055 },
      { account: 'revenue:usage', amountUsd: 0.005 },
      { account: 'revenue:margin', amountUsd: 0.0005 },
    ]);
    for (const txn of all.body.data) expect(txn.entries.reduce((s, e) => s + Math.round(e.amountUsd * 1e6), 0)).toBe(0);

    const page1 = await send<LedgerPage>('GET', '/v1/billing/ledger?kind=usage&limit=1', t.ownerToken);
    expect(page1.body.data).toHaveLength(1);
    const page2 = await send<LedgerPage>('GET', `/v1/billing/ledger?kind=usage&limit=1&cursor=${page1.body.nextCursor}`, t.ownerToken);
    expect(page2.body.data[0]!.reference).toBe(`usage:${dep.id}:0`);
    expect(page2.body.nextCursor).toBeNull();
    // A cursor of another query is refused.
    expect((await send<ProblemBody>('GET', `/v1/billing/ledger?limit=1&cursor=${page1.body.nextCursor}`, t.ownerToken)).status).toBe(400);
  });

  it('refuses bad filters with problem+json, lets viewers read, and shows nothing of other tenants', async () => {
    const bad = await send<ProblemBody>('GET', '/v1/billing/ledger?kind=cash', t.ownerToken);
    expect(bad.status).toBe(400);
    expect(bad.res.headers.get('content-type')).toBe('application/problem+json');
    expect(bad.body.errors![0]!.field).toBe('query.kind');
    const other = await createTenant();
    await fund(other.tenantId, 7);
    const viewer = await addMember(t.tenantId, 'viewer');
    expect((await send<LedgerPage>('GET', '/v1/billing/ledger', viewer.token)).body.data).toEqual([]);
    expect((await send('GET', '/v1/billing/ledger', null)).status).toBe(401);
  });
});

interface Usage {
  data: { key: string; deploymentName?: string | null; costUsd: number; marginUsd: number; totalUsd: number; seconds: number; charges: number }[];
  totals: { costUsd: number; marginUsd: number; totalUsd: number; seconds: number; charges: number };
}

describe('GET /v1/billing/usage', () => {
  const T = Date.UTC(2026, 9, 10, 12); // 10 October 2026, 12:00 UTC

  beforeEach(async () => {
    await fund(t.tenantId, 1000, T - 86_400_000);
    await insertDeployment(t.tenantId, { name: 'a100-sim', quoted_price_per_hour_micro: 3_600_000, running_since: T, gpu_model: 'A100-80GB', provider: 'sim' });
    await insertDeployment(t.tenantId, { name: 'h100-runpod', quoted_price_per_hour_micro: 7_200_000, running_since: T, gpu_model: 'H100-80GB', provider: 'runpod' });
    await insertDeployment(t.tenantId, { name: 'a100-lambda', quoted_price_per_hour_micro: 3_600_000, running_since: T, gpu_model: 'A100-80GB', provider: 'lambda' });
    await meterUsage(db, T + 3_600_000); // day 1: one hour each
    await meterUsage(db, T + 86_400_000); // day 2: the next 23 hours
  });

  it('sums cost, margin, total and seconds per GPU model', async () => {
    const { status, body } = await send<Usage>('GET', '/v1/billing/usage?from=2026-10-01&to=2026-11-01&groupBy=gpu', t.ownerToken);
    expect(status).toBe(200);
    // A100: 2 × 24 h × $3.60 = $172.80 + 10%; H100: 24 h × $7.20 = $172.80 + 10%.
    expect(body.data).toEqual([
      { key: 'A100-80GB', costUsd: 172.8, marginUsd: 17.28, totalUsd: 190.08, seconds: 172_800, charges: 4 },
      { key: 'H100-80GB', costUsd: 172.8, marginUsd: 17.28, totalUsd: 190.08, seconds: 86_400, charges: 2 },
    ]);
    expect(body.totals).toEqual({ costUsd: 345.6, marginUsd: 34.56, totalUsd: 380.16, seconds: 259_200, charges: 6 });
  });

  it('groups per provider, per deployment (with its name) and per day', async () => {
    const byProvider = (await send<Usage>('GET', '/v1/billing/usage?from=2026-10-01&to=2026-11-01&groupBy=provider', t.ownerToken)).body;
    expect(byProvider.data.map((d) => [d.key, d.totalUsd])).toEqual([
      ['runpod', 190.08],
      ['lambda', 95.04],
      ['sim', 95.04],
    ]);
    const byDeployment = (await send<Usage>('GET', '/v1/billing/usage?from=2026-10-01&to=2026-11-01', t.ownerToken)).body;
    expect(byDeployment.data.map((d) => d.deploymentName).sort()).toEqual(['a100-lambda', 'a100-sim', 'h100-runpod']);
    const byDay = (await send<Usage>('GET', '/v1/billing/usage?from=2026-10-10&to=2026-10-12T00:00:00Z&groupBy=day', t.ownerToken)).body;
    expect(byDay.data.map((d) => [d.key, d.seconds])).toEqual([
      ['2026-10-11', 3 * 82_800],
      ['2026-10-10', 3 * 3_600],
    ]);
    // Only postings inside [from, to): the 10th alone has the first hour.
    const oneDay = (await send<Usage>('GET', '/v1/billing/usage?from=2026-10-10&to=2026-10-11&groupBy=gpu', t.ownerToken)).body;
    expect(oneDay.totals.seconds).toBe(3 * 3_600);
  });

  it.each([
    ['from=2026-10-05&to=2026-10-01', 'query.to'],
    ['from=2025-01-01&to=2026-10-01', 'query.to'],
    ['from=yesterday', 'query.from'],
    ['from=2026-13-45', 'query.from'],
    ['groupBy=region', 'query.groupBy'],
    ['limit=5', 'query.limit'],
  ])('refuses %s naming %s', async (qs, field) => {
    const res = await send<ProblemBody>('GET', `/v1/billing/usage?${qs}`, t.ownerToken);
    expect(res.status).toBe(400);
    expect(res.res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.errors!.map((e) => e.field)).toContain(field);
  });

  it("does not count another tenant's usage", async () => {
    const other = await createTenant();
    const body = (await send<Usage>('GET', '/v1/billing/usage?from=2026-10-01&to=2026-11-01', other.ownerToken)).body;
    expect(body.data).toEqual([]);
    expect(body.totals.totalUsd).toBe(0);
  });
});

describe('credit check on POST /v1/deployments', () => {
  let offer: { id: string; pricePerHourUsd: number };
  beforeEach(async () => {
    await ingestAt(Date.now());
    const page = (await send<{ data: { id: string; pricePerHourUsd: number }[] }>('GET', '/v1/offers?gpu=A100-80GB&limit=1', null)).body;
    offer = page.data[0]!;
  });
  const create = (token = t.ownerToken) => send<{ id: string } & ProblemBody>('POST', '/v1/deployments', token, { offerId: offer.id, name: 'x', image: 'busybox' }, idem());

  it('refuses with 402 insufficient-credit when the credit cannot cover 10 minutes incl. margin, and writes nothing', async () => {
    const res = await create();
    expect(res.status).toBe(402);
    expect(res.res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.type).toMatch(/insufficient-credit$/);
    expect(res.body.detail).toMatch(/10 minutes/);
    const { n } = (await db.prepare('SELECT COUNT(*) AS n FROM deployments WHERE tenant_id = ?1').bind(t.tenantId).first<{ n: number }>())!;
    expect(n).toBe(0);
  });

  it('accepts once the credit covers the minimum runtime, and holds it for the next one', async () => {
    // 10 minutes at the offer's price plus 10%, to the micro-dollar (rounded down like the charges).
    const tenMinutes = Math.floor((Math.round(offer.pricePerHourUsd * 1e6) * 600_000) / 3_600_000);
    const need = tenMinutes + Math.floor(tenMinutes / 10);
    await fund(t.tenantId, (need - 1) / 1e6);
    expect((await create()).status).toBe(402);
    await fund(t.tenantId, 1 / 1e6);
    expect((await create()).status).toBe(202);
    // The pending deployment now holds that credit: a second one is refused.
    expect((await create()).status).toBe(402);
  });

  it('locks the platform margin configured at creation on the deployment', async () => {
    await fund(t.tenantId, 100);
    const { default: worker } = await import('../../src/index');
    const res = await worker.fetch!(
      new Request('http://gpubroker.test/v1/deployments', {
        method: 'POST',
        headers: { Authorization: `Bearer ${t.ownerToken}`, 'content-type': 'application/json', ...idem() },
        body: JSON.stringify({ offerId: offer.id, name: 'priced-at-25', image: 'busybox' }),
      }) as Request<unknown, IncomingRequestCfProperties>,
      testEnv({ PLATFORM_MARGIN_BPS: '2500' }),
      { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
    );
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    // Metering reads the locked value, whatever the setting is when it runs (metering.test.ts).
    expect(await db.prepare('SELECT margin_bps FROM deployments WHERE id = ?1').bind(id).first()).toEqual({ margin_bps: 2500 });
  });

  it('checks credit on start as well', async () => {
    const stopped = await insertDeployment(t.tenantId, { status: 'stopped', running_since: null, quoted_price_per_hour_micro: 3_600_000 });
    const refused = await send<ProblemBody>('POST', `/v1/deployments/${stopped.id}/start`, t.ownerToken);
    expect(refused.status).toBe(402);
    expect(refused.body.type).toMatch(/insufficient-credit$/);
    expect((await db.prepare('SELECT status FROM deployments WHERE id = ?1').bind(stopped.id).first<{ status: string }>())!.status).toBe('stopped');
    await fund(t.tenantId, 0.66); // 10 min at $3.60/h + 10%
    expect((await send('POST', `/v1/deployments/${stopped.id}/start`, t.ownerToken)).status).toBe(202);
  });
});

describe('POST /v1/admin/billing/adjustments', () => {
  let admin: TestTenant;
  beforeEach(async () => {
    admin = await createTenant({ platformAdmin: true, name: 'GPUBroker staff' });
  });
  const adjust = (token: string, body: Record<string, unknown>, headers: Record<string, string> = idem()) => send<Record<string, unknown> & ProblemBody>('POST', '/v1/admin/billing/adjustments', token, body, headers);

  it("lets a platform admin add or remove a tenant's credit with a reason, posted and audited once", async () => {
    const headers = idem();
    const res = await adjust(admin.ownerToken, { tenantId: t.tenantId, amountUsd: 25.5, reason: 'goodwill after outage' }, headers);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ tenantId: t.tenantId, amountUsd: 25.5, balanceUsd: 25.5 });
    // The same request again is the same answer, not a second credit.
    const again = await adjust(admin.ownerToken, { tenantId: t.tenantId, amountUsd: 25.5, reason: 'goodwill after outage' }, headers);
    expect(again.body.transactionId).toBe(res.body.transactionId);
    expect((await adjust(admin.ownerToken, { tenantId: t.tenantId, amountUsd: -0.5, reason: 'correction' })).body.balanceUsd).toBe(25);

    const ledger = (await send<LedgerPage>('GET', '/v1/billing/ledger', t.ownerToken)).body.data;
    expect(ledger.map((d) => d.amountUsd)).toEqual([-0.5, 25.5]);
    expect(ledger[1]!.entries).toEqual([
      { account: 'credit', amountUsd: 25.5 },
      { account: 'adjustments', amountUsd: -25.5 },
    ]);
    expect(ledger[1]!.detail).toMatchObject({ reason: 'goodwill after outage', adminUserId: admin.ownerId });
    const audit = await auditRows(t.tenantId, 'billing.adjustment');
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ actor_type: 'user', actor_id: admin.ownerId });
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ amountUsd: 25.5, reason: 'goodwill after outage' });
  });

  it('refuses everyone else, and bad input, without posting', async () => {
    const body = { tenantId: t.tenantId, amountUsd: 10, reason: 'free money' };
    expect((await adjust(t.ownerToken, body)).status).toBe(403);
    const key = await addApiKey(admin.tenantId, 'owner');
    expect((await adjust(key.key, body)).status).toBe(403);
    expect((await send('POST', '/v1/admin/billing/adjustments', null, body, idem())).status).toBe(401);
    for (const [bad, field] of [
      [{ ...body, amountUsd: 0 }, 'body.amountUsd'],
      [{ ...body, amountUsd: 1e6 }, 'body.amountUsd'],
      [{ ...body, amountUsd: 0.0000001 }, 'body.amountUsd'],
      [{ ...body, amountUsd: '10' }, 'body.amountUsd'],
      [{ ...body, reason: '' }, 'body.reason'],
      [{ ...body, tenantId: 'nope' }, 'body.tenantId'],
    ] as const) {
      const res = await adjust(admin.ownerToken, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.errors!.map((e) => e.field)).toContain(field);
    }
    expect((await adjust(admin.ownerToken, { ...body, tenantId: 'ten_doesnotexist00' })).status).toBe(404);
    expect((await adjust(admin.ownerToken, body, {})).status).toBe(400);
    const { n } = (await db.prepare('SELECT COUNT(*) AS n FROM ledger_transactions').first<{ n: number }>())!;
    expect(n).toBe(0);
  });
});
