import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { foldRevenue } from '../../src/admin/kpis';
import { billingEventStatement } from '../../src/billing/events';
import { post, type Posting } from '../../src/billing/ledger';
import { randomId } from '../../src/catalog/ids';
import { signAccessToken } from '../../src/tenancy/jwt';
import { insertDeployment } from '../deployments/fixtures';
import { send, type ProblemBody } from '../tenancy/calls';
import { addApiKey, createTenant } from '../tenancy/fixtures';

const db = env.DB;

function posting(tenantId: string, kind: Posting['kind'], entries: Posting['entries']): Posting {
  return { tenantId, kind, reference: randomId('ref_'), description: kind, entries, actor: { type: 'system', id: null } };
}

interface Overview {
  tenants: { total: number; newInWindow: number; byPlan: Record<string, number> };
  users: { total: number };
  deployments: { active: number; running: number; createdInWindow: number; failedInWindow: number; reachedRunningShare: number | null; gpuHoursInWindow: number };
  revenue: Record<string, number>;
  outstandingCreditUsd: number;
  daily: { day: string; revenue: Record<string, number>; signups: number; deploymentsCreated: number }[];
  providers: unknown[];
}

describe('admin API access', () => {
  it('answers 401 to anonymous callers, 403 to tenant owners and to API keys, 200 to platform admins', async () => {
    const plain = await createTenant();
    const staff = await createTenant({ platformAdmin: true });
    const staffKey = await addApiKey(staff.tenantId, 'owner');
    for (const path of ['/v1/admin/overview', '/v1/admin/tenants', '/v1/admin/billing-events']) {
      expect((await send('GET', path, null)).status).toBe(401);
      const owner = await send<ProblemBody>('GET', path, plain.ownerToken);
      expect(owner.status).toBe(403);
      expect(owner.res.headers.get('content-type')).toBe('application/problem+json');
      expect((await send('GET', path, staffKey.key)).status).toBe(403);
      expect((await send('GET', path, staff.ownerToken)).status).toBe(200);
    }
  });

  it('treats a user listed in PLATFORM_ADMIN_EMAILS as a platform admin, in /v1/me too', async () => {
    const tenant = await createTenant();
    const userId = randomId('usr_');
    const email = String(env.PLATFORM_ADMIN_EMAILS).split(',')[0]!.trim();
    await db.batch([
      db.prepare('INSERT INTO users (id, email, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)').bind(userId, email, 'x', Date.now()),
      db.prepare(`INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?1, ?2, 'viewer', ?3)`).bind(tenant.tenantId, userId, Date.now()),
    ]);
    const token = await signAccessToken(env, { sub: userId, tid: tenant.tenantId, role: 'viewer' });
    const me = await send<{ user: { isPlatformAdmin: boolean } }>('GET', '/v1/me', token);
    expect(me.body.user.isPlatformAdmin).toBe(true);
    expect((await send('GET', '/v1/admin/overview', token)).status).toBe(200);
    const owner = await send<{ user: { isPlatformAdmin: boolean } }>('GET', '/v1/me', tenant.ownerToken);
    expect(owner.body.user.isPlatformAdmin).toBe(false);
  });

  it('refuses unknown query fields and windows with a problem naming the field', async () => {
    const staff = await createTenant({ platformAdmin: true });
    const bad = await send<ProblemBody>('GET', '/v1/admin/overview?window=1y', staff.ownerToken);
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.field)).toEqual(['query.window']);
    const unknown = await send<ProblemBody>('GET', '/v1/admin/tenants?sort=name', staff.ownerToken);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors?.map((e) => e.field)).toEqual(['query.sort']);
  });
});

describe('GET /v1/admin/overview', () => {
  it('reports revenue from the ledger, credit still owed, deployments and tenants', async () => {
    const staff = await createTenant({ platformAdmin: true, plan: 'free' });
    const a = await createTenant({ plan: 'pro' });
    const b = await createTenant({ plan: 'basic' });
    const now = Date.now();
    // A buys $50, is charged $2.00 + $0.20 margin, and is refunded $5; B buys $100 and pays a $29 fee.
    for (const p of [
      posting(a.tenantId, 'credit_purchase', [{ account: 'credit', amountMicro: 50_000_000 }, { account: 'payments:stripe', amountMicro: -50_000_000 }]),
      posting(a.tenantId, 'usage', [
        { account: 'credit', amountMicro: -2_200_000 },
        { account: 'revenue:usage', amountMicro: 2_000_000 },
        { account: 'revenue:margin', amountMicro: 200_000 },
      ]),
      posting(a.tenantId, 'refund', [{ account: 'credit', amountMicro: -5_000_000 }, { account: 'payments:stripe', amountMicro: 5_000_000 }]),
      posting(b.tenantId, 'credit_purchase', [{ account: 'credit', amountMicro: 100_000_000 }, { account: 'payments:paypal', amountMicro: -100_000_000 }]),
      posting(b.tenantId, 'subscription_fee', [{ account: 'credit', amountMicro: -29_000_000 }, { account: 'revenue:subscription', amountMicro: 29_000_000 }]),
    ]) {
      expect((await post(db, p, now)).posted).toBe(true);
    }
    // One running 2-GPU deployment for an hour so far, one that ran 30 min on 1 GPU and ended, one that failed before running.
    await insertDeployment(a.tenantId, { gpu_count: 2, running_since: now - 3_600_000, created_at: now - 3_700_000 });
    await insertDeployment(a.tenantId, { status: 'terminated', running_since: null, run_ms: 1_800_000 });
    await insertDeployment(b.tenantId, { status: 'failed', running_since: null, run_ms: 0 });

    const res = await send<Overview>('GET', '/v1/admin/overview?window=7d', staff.ownerToken);
    expect(res.status).toBe(200);
    const o = res.body;
    expect(o.revenue).toEqual({
      creditPurchasedUsd: 150,
      refundedUsd: 5,
      disputedUsd: 0,
      usageChargedUsd: 2.2,
      marginUsd: 0.2,
      subscriptionUsd: 29,
      adjustmentsUsd: 0,
    });
    expect(o.outstandingCreditUsd).toBe(113.8); // A: 50 − 2.2 − 5; B: 100 − 29
    expect(o.tenants).toMatchObject({ total: 3, newInWindow: 3, byPlan: { free: 1, pro: 1, basic: 1 } });
    expect(o.deployments).toMatchObject({ active: 1, running: 1, createdInWindow: 3, failedInWindow: 1 });
    expect(o.deployments.reachedRunningShare).toBeCloseTo(2 / 3, 10);
    // 2 GPUs × ~1 h running + 1 GPU × 0.5 h.
    expect(o.deployments.gpuHoursInWindow).toBeGreaterThanOrEqual(2.5);
    expect(o.deployments.gpuHoursInWindow).toBeLessThan(2.51);
    // Seven days ending now touch eight calendar days (the first and the last in part).
    expect(o.daily).toHaveLength(8);
    const today = o.daily.find((d) => d.day === new Date(now).toISOString().slice(0, 10));
    expect(today?.revenue.creditPurchasedUsd).toBe(150);
    expect(today?.signups).toBe(3);
    // The running deployment was created 62 min ago: just after midnight UTC that is yesterday.
    expect(o.daily.reduce((n, d) => n + d.deploymentsCreated, 0)).toBe(3);
  });

  it('leaves out ledger activity before the window', async () => {
    const staff = await createTenant({ platformAdmin: true });
    const old = Date.now() - 10 * 86_400_000;
    await post(db, posting(staff.tenantId, 'credit_purchase', [{ account: 'credit', amountMicro: 7_000_000 }, { account: 'payments:stripe', amountMicro: -7_000_000 }]), old);
    const week = await send<Overview>('GET', '/v1/admin/overview?window=7d', staff.ownerToken);
    expect(week.body.revenue.creditPurchasedUsd).toBe(0);
    expect(week.body.outstandingCreditUsd).toBe(7);
    const month = await send<Overview>('GET', '/v1/admin/overview', staff.ownerToken);
    expect(month.body.revenue.creditPurchasedUsd).toBe(7);
  });
});

describe('foldRevenue', () => {
  it('nets disputes won and proration credits', () => {
    expect(
      foldRevenue([
        { kind: 'dispute', account: 'credit', amount: -40 },
        { kind: 'dispute_won', account: 'credit', amount: 40 },
        { kind: 'dispute', account: 'credit', amount: -10 },
        { kind: 'subscription_fee', account: 'revenue:subscription', amount: 99 },
        { kind: 'subscription_credit', account: 'revenue:subscription', amount: -29 },
        { kind: 'adjustment', account: 'credit', amount: -3 },
      ]),
    ).toMatchObject({ disputedMicro: 10, subscriptionMicro: 70, adjustmentsMicro: -3 });
  });
});

describe('GET /v1/admin/tenants', () => {
  it('lists tenants newest first with balance and counts, filtered by name or plan, in pages', async () => {
    const staff = await createTenant({ platformAdmin: true, name: 'GPUBroker Staff' });
    const acme = await createTenant({ name: 'Acme Robotics', plan: 'corp' });
    await createTenant({ name: 'Zeta Labs', plan: 'free' });
    await post(db, posting(acme.tenantId, 'credit_purchase', [{ account: 'credit', amountMicro: 12_340_000 }, { account: 'payments:stripe', amountMicro: -12_340_000 }]), Date.now());
    await insertDeployment(acme.tenantId);

    const found = await send<{ data: Record<string, unknown>[] }>('GET', '/v1/admin/tenants?q=ACME', staff.ownerToken);
    expect(found.body.data).toEqual([
      expect.objectContaining({ id: acme.tenantId, name: 'Acme Robotics', plan: 'corp', members: 1, activeDeployments: 1, balanceUsd: 12.34, monthlySpendCapUsd: null }),
    ]);
    expect((await send<{ data: unknown[] }>('GET', `/v1/admin/tenants?q=${acme.tenantId}`, staff.ownerToken)).body.data).toHaveLength(1);
    expect((await send<{ data: unknown[] }>('GET', '/v1/admin/tenants?q=%25', staff.ownerToken)).body.data).toHaveLength(0);
    const free = await send<{ data: { name: string }[] }>('GET', '/v1/admin/tenants?plan=free', staff.ownerToken);
    expect(free.body.data.map((t) => t.name)).toEqual(['Zeta Labs']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; nextCursor: string | null } } = await send('GET', `/v1/admin/tenants?limit=1${cursor ? `&cursor=${cursor}` : ''}`, staff.ownerToken);
      seen.push(...page.body.data.map((t) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    expect(seen).toContain(staff.tenantId);
  });
});

describe('GET /v1/admin/billing-events', () => {
  it('lists billing alerts across tenants, newest first, by severity', async () => {
    const staff = await createTenant({ platformAdmin: true });
    await db.batch([
      billingEventStatement(db, { tenantId: 'ten_a', kind: 'low_balance', severity: 'warning', reference: 'r1', detail: { balanceUsd: 3 } }, 1000),
      billingEventStatement(db, { tenantId: null, kind: 'payment_mismatch', severity: 'critical', reference: 'r2', detail: { provider: 'stripe' } }, 2000),
    ]);
    const all = await send<{ data: { kind: string; tenantId: string | null; detail: unknown }[] }>('GET', '/v1/admin/billing-events', staff.ownerToken);
    expect(all.body.data.map((e) => e.kind)).toEqual(['payment_mismatch', 'low_balance']);
    expect(all.body.data[0]).toMatchObject({ tenantId: null, detail: { provider: 'stripe' } });
    const critical = await send<{ data: { kind: string }[] }>('GET', '/v1/admin/billing-events?severity=critical', staff.ownerToken);
    expect(critical.body.data.map((e) => e.kind)).toEqual(['payment_mismatch']);
  });
});
