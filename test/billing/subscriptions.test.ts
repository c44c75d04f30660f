// Plan changes prorated to the second, refused when credit is short (nothing written), the new plan's
// limits applied on the next request, and the monthly renewal: once per period, or a downgrade.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { readBalance } from '../../src/billing/ledger';
import type { PlanId } from '../../src/billing/plans';
import { changePlan, prorate, renewSubscriptions } from '../../src/billing/subscriptions';
import type { TenantPrincipal } from '../../src/tenancy/principal';
import { insertDeployment } from '../deployments/fixtures';
import { ingestAt } from '../helpers';
import { auditRows, idem, send, type ProblemBody } from '../tenancy/calls';
import { addMember, createTenant, type TestTenant } from '../tenancy/fixtures';
import { eventsOf, fund } from './fixtures';

const db = env.DB;
const NOV_1 = Date.UTC(2026, 10, 1);
const DEC_1 = Date.UTC(2026, 11, 1);
const settings = { BILLING_MIN_RUNTIME_MINUTES: 10 };
let t: TestTenant;

beforeEach(async () => {
  t = await createTenant({ plan: 'free' });
});

const owner = (tenant: TestTenant, plan: PlanId): TenantPrincipal => ({ kind: 'user', tenantId: tenant.tenantId, plan, role: 'owner', ip: '203.0.113.9', userId: tenant.ownerId, keyId: null, isPlatformAdmin: false });
const planOf = async (tenantId: string) => (await db.prepare('SELECT plan FROM tenants WHERE id = ?1').bind(tenantId).first<{ plan: string }>())!.plan;
const subscriptionOf = (tenantId: string) => db.prepare('SELECT plan, period_start, period_end FROM billing_subscriptions WHERE tenant_id = ?1').bind(tenantId).first();
const ledgerOf = async (tenantId: string) =>
  (await db.prepare(`SELECT kind, credit_delta_micro, reference FROM ledger_transactions WHERE tenant_id = ?1 AND kind LIKE 'subscription%' ORDER BY created_at, kind`).bind(tenantId).all<{ kind: string; credit_delta_micro: number; reference: string }>()).results;

describe('proration', () => {
  it('prorates to the second, rounded down', () => {
    // 16 Nov 12:34:56 → 1 Dec: 14 d 11 h 25 min 4 s = 1,250,704 s of November's 2,592,000 s.
    expect(prorate(99_000_000, Date.UTC(2026, 10, 16, 12, 34, 56), NOV_1, DEC_1)).toEqual({ amountMicro: 47_769_944, remainingSeconds: 1_250_704, periodSeconds: 2_592_000 });
    expect(prorate(99_000_000, NOV_1, NOV_1, DEC_1).amountMicro).toBe(99_000_000);
    expect(prorate(99_000_000, DEC_1 - 1, NOV_1, DEC_1).amountMicro).toBe(0);
  });

  it('credits the unused old fee and charges the new one for the rest of the month, hand-checked', async () => {
    await fund(t.tenantId, 1000, NOV_1 - 1000);
    // 1 Nov 00:00:00: free → pro for the whole month, $99.
    const first = await changePlan(db, owner(t, 'free'), 'pro', NOV_1, settings);
    expect(first).toMatchObject({ creditMicro: 0, chargeMicro: 99_000_000, balanceMicro: 901_000_000, remainingSeconds: 2_592_000 });
    // 16 Nov 12:34:56: pro → corp.
    //   credit = floor(99,000,000 × 1,250,704 / 2,592,000)  = floor(47,769,944.44)  =  47,769,944 µ$
    //   charge = floor(499,000,000 × 1,250,704 / 2,592,000) = floor(240,779,820.99) = 240,779,820 µ$
    //   net    = 193,009,876 µ$; balance 901,000,000 − 193,009,876 = 707,990,124 µ$
    const at = Date.UTC(2026, 10, 16, 12, 34, 56);
    const second = await changePlan(db, owner(t, 'pro'), 'corp', at, settings);
    expect(second).toMatchObject({ plan: 'corp', previousPlan: 'pro', creditMicro: 47_769_944, chargeMicro: 240_779_820, balanceMicro: 707_990_124 });
    expect(await readBalance(db, t.tenantId)).toBe(707_990_124);
    expect((await ledgerOf(t.tenantId)).map((r) => [r.kind, r.credit_delta_micro])).toEqual([
      ['subscription_fee', -99_000_000],
      ['subscription_credit', 47_769_944],
      ['subscription_fee', -240_779_820],
    ]);
    expect(await subscriptionOf(t.tenantId)).toEqual({ plan: 'corp', period_start: NOV_1, period_end: DEC_1 });
    expect(await planOf(t.tenantId)).toBe('corp');

    // Down to free the same second: the unused corp fee comes back (240,779,820 µ$) and nothing renews.
    const third = await changePlan(db, owner(t, 'corp'), 'free', at, settings);
    expect(third).toMatchObject({ creditMicro: 240_779_820, chargeMicro: 0, balanceMicro: 948_769_944 });
    expect(await subscriptionOf(t.tenantId)).toBeNull();
  });

  it('gives nothing back for a plan that was never paid through the API (set by contract or an admin)', async () => {
    const contract = await createTenant({ plan: 'pro' });
    await fund(contract.tenantId, 1000, NOV_1);
    const change = await changePlan(db, owner(contract, 'pro'), 'basic', Date.UTC(2026, 10, 16), settings);
    // Half of November left: basic's $29 / 2, no credit.
    expect(change).toMatchObject({ creditMicro: 0, chargeMicro: 14_500_000 });
  });
});

describe('POST /v1/billing/subscription', () => {
  const change = (plan: string, token = t.ownerToken, headers: Record<string, string> = idem()) =>
    send<{ plan: string; proration: { creditUsd: number; chargeUsd: number; netUsd: number; remainingSeconds: number; periodSeconds: number }; balanceUsd: number } & ProblemBody>(
      'POST',
      '/v1/billing/subscription',
      token,
      { plan },
      headers,
    );

  it("upgrades with a prorated fee, and the plan's rate and deployment limits apply on the next request", async () => {
    await fund(t.tenantId, 500);
    await ingestAt(Date.now());
    const offer = (await send<{ data: { id: string }[] }>('GET', '/v1/offers?gpu=A100-80GB&limit=1', null)).body.data[0]!;
    await insertDeployment(t.tenantId, { status: 'stopped', running_since: null });
    const deploy = () => send<ProblemBody>('POST', '/v1/deployments', t.ownerToken, { offerId: offer.id, name: 'second', image: 'busybox' }, idem());
    expect((await deploy()).status).toBe(409); // free: one deployment at a time
    const before = await send('GET', '/v1/billing/balance', t.ownerToken);
    expect(before.res.headers.get('RateLimit-Limit')).toBe('10');

    const res = await change('basic');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ plan: 'basic', previousPlan: 'free' });
    const { remainingSeconds, periodSeconds } = res.body.proration;
    expect(res.body.proration.chargeUsd).toBe(Math.floor((29_000_000 * remainingSeconds) / periodSeconds) / 1e6);
    expect(res.body.proration.creditUsd).toBe(0);
    expect(res.body.balanceUsd).toBeCloseTo(500 - res.body.proration.chargeUsd, 6);

    const after = await send<{ plan: string; periodEnd: string }>('GET', '/v1/billing/subscription', t.ownerToken);
    expect(after.res.headers.get('RateLimit-Limit')).toBe('30');
    expect(after.body.plan).toBe('basic');
    expect(Date.parse(after.body.periodEnd)).toBe(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1));
    expect((await deploy()).status).toBe(202);

    const audit = await auditRows(t.tenantId, 'plan.change');
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ from: 'free', to: 'basic', chargeUsd: res.body.proration.chargeUsd });
  });

  it('refuses with 402 when the credit is short, and writes nothing', async () => {
    const res = await change('pro'); // no credit at all
    expect(res.status).toBe(402);
    expect(res.body.type).toMatch(/insufficient-credit$/);
    // $5 against the $49.50 that pro costs for the second half of November.
    await fund(t.tenantId, 5);
    await expect(changePlan(db, owner(t, 'free'), 'pro', Date.UTC(2026, 10, 16), settings)).rejects.toMatchObject({ status: 402, slug: 'insufficient-credit' });
    expect(await planOf(t.tenantId)).toBe('free');
    expect(await ledgerOf(t.tenantId)).toEqual([]);
    expect(await subscriptionOf(t.tenantId)).toBeNull();
    expect(await auditRows(t.tenantId, 'plan.change')).toEqual([]);
    expect(await readBalance(db, t.tenantId)).toBe(5_000_000);
  });

  it('refuses enterprise (per contract), the current plan, other roles, and bad input', async () => {
    await fund(t.tenantId, 5000);
    const enterprise = await change('enterprise');
    expect(enterprise.status).toBe(422);
    expect(enterprise.body.detail).toMatch(/contract/);
    expect((await change('free')).status).toBe(409);
    const admin = await addMember(t.tenantId, 'admin');
    expect((await change('pro', admin.token)).status).toBe(403);
    expect((await change('platinum')).body.errors![0]!.field).toBe('body.plan');
    expect((await change('pro', t.ownerToken, {})).status).toBe(400);
    expect(await ledgerOf(t.tenantId)).toEqual([]);
  });

  it('refuses a downgrade below the number of deployments running', async () => {
    await fund(t.tenantId, 500);
    expect((await change('basic')).status).toBe(200);
    await insertDeployment(t.tenantId);
    await insertDeployment(t.tenantId);
    const res = await change('free');
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/terminate 1 first/);
  });
});

describe('renewal', () => {
  beforeEach(async () => {
    await fund(t.tenantId, 250, NOV_1 - 1000);
    await changePlan(db, owner(t, 'free'), 'pro', NOV_1, settings); // $151 left
  });

  it('charges the next month once, however often or concurrently the pass runs', async () => {
    expect((await renewSubscriptions(db, DEC_1 - 1)).renewed).toBe(0);
    const runs = await Promise.all([renewSubscriptions(db, DEC_1 + 30_000), renewSubscriptions(db, DEC_1 + 30_000)]);
    await renewSubscriptions(db, DEC_1 + 90_000);
    expect(runs.reduce((s, r) => s + r.renewed, 0)).toBe(1);
    expect((await ledgerOf(t.tenantId)).map((r) => [r.reference, r.credit_delta_micro])).toEqual([
      [expect.stringMatching(/^subscription:ten_\w+:chg_\w+:fee$/), -99_000_000],
      [`subscription:${t.tenantId}:${DEC_1}`, -99_000_000],
    ]);
    expect(await subscriptionOf(t.tenantId)).toEqual({ plan: 'pro', period_start: DEC_1, period_end: Date.UTC(2027, 0, 1) });
    expect(await planOf(t.tenantId)).toBe('pro');
  });

  it('moves a tenant that cannot pay to the free plan, with an event and an audit row', async () => {
    await fund(t.tenantId, -120, NOV_1 + 1000); // $31 left, the fee is $99
    const report = await renewSubscriptions(db, DEC_1 + 30_000);
    expect(report).toMatchObject({ renewed: 0, downgraded: 1 });
    expect(await planOf(t.tenantId)).toBe('free');
    expect(await subscriptionOf(t.tenantId)).toBeNull();
    expect(await readBalance(db, t.tenantId)).toBe(31_000_000);
    expect((await eventsOf(t.tenantId, 'subscription_downgraded')).map((e) => JSON.parse(e.detail))).toEqual([{ from: 'pro', to: 'free', feeUsd: 99, periodStart: '2026-12-01T00:00:00.000Z' }]);
    const audit = await auditRows(t.tenantId, 'plan.change');
    expect(audit.at(-1)).toMatchObject({ actor_type: 'system' });
    expect(JSON.parse(audit.at(-1)!.detail)).toMatchObject({ from: 'pro', to: 'free', reason: 'renewal_unpaid' });
    expect((await renewSubscriptions(db, DEC_1 + 90_000)).downgraded).toBe(0);
  });
});
