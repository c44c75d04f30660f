// Running out of credit: the exhaustion is recorded and announced once, running deployments are
// stopped (budget_exhausted) only after the grace period, a top-up ends it; the low-balance warning is
// raised once per top-up. And the cron pass that runs it all records itself.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { enforceCredit } from '../../src/billing/enforce';
import { meterUsage } from '../../src/billing/meter';
import { describePass, runBillingPass } from '../../src/billing/pass';
import { fakeAgent, okJob } from '../deployments/fake-agent';
import { insertDeployment } from '../deployments/fixtures';
import { testEnv } from '../helpers';
import { createTenant, type TestTenant } from '../tenancy/fixtures';
import { eventsOf, fund } from './fixtures';

const db = env.DB;
const T0 = Date.UTC(2026, 10, 10, 12);
const GRACE = 900;
let t: TestTenant;

beforeEach(async () => {
  t = await createTenant();
  fakeAgent(okJob);
});

const statusOf = (id: string) => db.prepare('SELECT status, status_reason FROM deployments WHERE id = ?1').bind(id).first<{ status: string; status_reason: string }>();
const exhaustedAt = async (tenantId: string) => (await db.prepare('SELECT exhausted_at FROM billing_accounts WHERE tenant_id = ?1').bind(tenantId).first<{ exhausted_at: number | null }>())?.exhausted_at;

describe('credit exhausted', () => {
  it('stops running deployments with budget_exhausted only after the grace period, once', async () => {
    await fund(t.tenantId, 1, T0 - 1000);
    // $36/h = 10,000 µ$/s + 10% = 11,000 µ$/s: 100 s use $1.10, leaving −$0.10.
    const dep = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 36_000_000, running_since: T0, pod_id: 'pod-1' });
    const other = await createTenant();
    await fund(other.tenantId, 100, T0 - 1000);
    const solvent = await insertDeployment(other.tenantId, { quoted_price_per_hour_micro: 36_000_000, running_since: T0, pod_id: 'pod-2' });

    await meterUsage(db, T0 + 100_000);
    expect(await exhaustedAt(t.tenantId)).toBe(T0 + 100_000);
    expect((await eventsOf(t.tenantId, 'credit_exhausted')).map((e) => e.reference)).toEqual([`credit_exhausted:${t.tenantId}:${T0 + 100_000}`]);

    // Still within the grace: it keeps running (and keeps being charged).
    expect((await enforceCredit(env, T0 + 100_000 + (GRACE - 1) * 1000, GRACE)).stopped).toBe(0);
    await meterUsage(db, T0 + 200_000);
    expect(await exhaustedAt(t.tenantId)).toBe(T0 + 100_000);
    expect(await eventsOf(t.tenantId, 'credit_exhausted')).toHaveLength(1);

    expect((await enforceCredit(env, T0 + 100_000 + GRACE * 1000, GRACE)).stopped).toBe(1);
    expect(await statusOf(dep.id)).toEqual({ status: 'stopping', status_reason: 'budget_exhausted' });
    expect(await statusOf(solvent.id)).toEqual({ status: 'running', status_reason: 'provisioned' });
    const job = await db.prepare('SELECT action FROM deployment_jobs WHERE deployment_id = ?1').bind(dep.id).first();
    expect(job).toEqual({ action: 'stop' });
    expect((await enforceCredit(env, T0 + 100_000 + GRACE * 1000 + 60_000, GRACE)).stopped).toBe(0);
    expect(await eventsOf(t.tenantId, 'deployments_stopped')).toHaveLength(1);
  });

  it('ends the exhaustion (and its grace) when credit is added', async () => {
    await fund(t.tenantId, 1, T0 - 1000);
    const dep = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 36_000_000, running_since: T0, pod_id: 'pod-1' });
    await meterUsage(db, T0 + 100_000);
    await fund(t.tenantId, 50, T0 + 150_000);
    expect(await exhaustedAt(t.tenantId)).toBeNull();
    expect((await enforceCredit(env, T0 + 5_000_000, GRACE)).stopped).toBe(0);
    expect((await statusOf(dep.id))!.status).toBe('running');
  });
});

describe('low balance', () => {
  it('warns once when the balance falls under 20% of what the latest top-up left, and again after the next top-up', async () => {
    const first = await fund(t.tenantId, 10, T0 - 1000, 'credit_purchase');
    await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 36_000_000, running_since: T0 });
    await meterUsage(db, T0 + 700_000); // $7.70 used: $2.30 left, 23% of $10
    expect(await eventsOf(t.tenantId, 'low_balance')).toEqual([]);
    await meterUsage(db, T0 + 750_000); // $8.25: $1.75 left, 17.5%
    await meterUsage(db, T0 + 800_000); // $8.80: $1.20 left
    const events = await eventsOf(t.tenantId, 'low_balance');
    expect(events.map((e) => e.reference)).toEqual([`low_balance:${t.tenantId}:${first}`]);
    expect(JSON.parse(events[0]!.detail)).toEqual({ balanceUsd: 1.75, topUpBalanceUsd: 10, thresholdPercent: 20 });

    // A top-up of $10 leaves $11.20: the next warning is under $2.24.
    const second = await fund(t.tenantId, 10, T0 + 900_000, 'credit_purchase');
    await meterUsage(db, T0 + 1_500_000); // $7.70 more: $3.50 left
    expect(await eventsOf(t.tenantId, 'low_balance')).toHaveLength(1);
    await meterUsage(db, T0 + 1_650_000); // $1.65 more: $1.85 left
    expect((await eventsOf(t.tenantId, 'low_balance')).map((e) => e.reference)).toEqual([`low_balance:${t.tenantId}:${first}`, `low_balance:${t.tenantId}:${second}`]);
  });
});

describe('runBillingPass', () => {
  it('meters, records itself with its statement count, and describes what it did', async () => {
    await fund(t.tenantId, 100, T0 - 1000);
    await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 3_600_000, running_since: T0 });
    const report = await runBillingPass(testEnv(), T0 + 60_000);
    expect(report.meter).toMatchObject({ deploymentsSeen: 1, deploymentsCharged: 1, chargedMicro: 66_000, statements: 7 });
    expect(report.errors).toEqual([]);
    const row = await db.prepare('SELECT deployments_charged, charged_micro, statements FROM billing_runs WHERE id = ?1').bind(report.runId).first();
    expect(row).toEqual({ deployments_charged: 1, charged_micro: 66_000, statements: report.statements });
    expect(describePass(report)).toMatch(/charged 1\/1 deployments 0\.066 USD/);
    // Nothing new a second later: nothing to say.
    expect(describePass(await runBillingPass(testEnv(), T0 + 60_500))).toBeNull();
  });
});
