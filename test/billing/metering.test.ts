// Metering: usage charges per whole second at the locked price and margin, cumulative so windows add
// up exactly, charged once however passes overlap or repeat, and the last window of a stopped pod.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkLedger, readBalance } from '../../src/billing/ledger';
import { meterUsage } from '../../src/billing/meter';
import { chargeOf, marginOf, usageWindow } from '../../src/billing/metering';
import { applyTransition, loadDeployment } from '../../src/deployments/store';
import { insertDeployment } from '../deployments/fixtures';
import { createTenant, type TestTenant } from '../tenancy/fixtures';
import { entriesOf, fund, marksOf, usageOf } from './fixtures';

const db = env.DB;
const T0 = Date.UTC(2026, 10, 10, 12, 0, 0);
let t: TestTenant;

beforeEach(async () => {
  t = await createTenant();
  await fund(t.tenantId, 1000, T0 - 60_000);
});

describe('metering arithmetic', () => {
  it('rounds the margin down exactly, even for amounts whose product would exceed 2^53', () => {
    expect(marginOf(2_542_361, 1000)).toBe(254_236);
    expect(marginOf(9_000_000_000_000_001, 1000)).toBe(900_000_000_000_000);
    expect(chargeOf(1_000_000, 0)).toBe(1_000_000);
  });

  it('bills whole seconds of the open interval and closed intervals in full', () => {
    const row = { run_ms: 1_500, cost_micro: 1_000, running_since: 0, quoted_price_per_hour_micro: 3_600_000, margin_bps: 1000, billed_run_ms: 0, billed_cost_micro: 0 };
    // 1.5 s closed (cost 1,000 as stored) + 2.999 s open → 2 whole seconds at 1,000 micro/s.
    expect(usageWindow(row, 2_999)).toEqual({ fromRunMs: 0, toRunMs: 3_500, costMicro: 3_000, marginMicro: 300, toCostMicro: 3_000 });
    // Nothing new: the mark is at the billable total.
    expect(usageWindow({ ...row, billed_run_ms: 3_500, billed_cost_micro: 3_000 }, 2_999)).toBeNull();
    // A pass whose clock is behind the mark charges nothing (and never refunds).
    expect(usageWindow({ ...row, billed_run_ms: 9_500, billed_cost_micro: 9_000 }, 2_999)).toBeNull();
  });
});

describe('meterUsage', () => {
  it('charges $2.50/h + 10% for 3,661 s as hand-computed, carrying the sub-second rest', async () => {
    const dep = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 2_500_000, running_since: T0, gpu_model: 'H100-80GB', provider: 'sim' });
    // cost   = 2,500,000 µ$/h × 3,661 s / 3,600 s = 2,542,361.1 → 2,542,361 µ$ (rounded down)
    // margin = 10% of 2,542,361 = 254,236.1 → 254,236 µ$
    // charge = 2,542,361 + 254,236 = 2,796,597 µ$ = $2.796597
    const report = await meterUsage(db, T0 + 3_661_400);
    expect(report).toMatchObject({ deploymentsSeen: 1, deploymentsCharged: 1, chargedMicro: 2_796_597, skipped: 0 });
    const [txn] = await usageOf(dep.id);
    expect(txn!.reference).toBe(`usage:${dep.id}:0`);
    expect(txn!.credit_delta_micro).toBe(-2_796_597);
    expect(await entriesOf(txn!.id)).toEqual({ credit: -2_796_597, 'revenue:usage': 2_542_361, 'revenue:margin': 254_236 });
    expect(JSON.parse(txn!.detail)).toMatchObject({ fromRunMs: 0, toRunMs: 3_661_000, ms: 3_661_000, pricePerHourMicro: 2_500_000, marginBps: 1000, gpuModel: 'H100-80GB', provider: 'sim' });
    expect(await marksOf(dep.id)).toMatchObject({ billed_run_ms: 3_661_000, billed_cost_micro: 2_542_361 });
    expect(await readBalance(db, t.tenantId)).toBe(1_000_000_000 - 2_796_597);

    // The 400 ms left over count towards the next second: at 3,662.0 s one more second is due.
    // cost(3,662 s) = 2,543,055.5 → 2,543,055; minus 2,542,361 = 694. margin 254,305 − 254,236 = 69.
    const next = await meterUsage(db, T0 + 3_662_000);
    expect(next.chargedMicro).toBe(694 + 69);
    const windows = await usageOf(dep.id);
    expect(windows.map((w) => w.reference)).toEqual([`usage:${dep.id}:0`, `usage:${dep.id}:3661000`]);
    expect(await checkLedger(db, t.tenantId)).toEqual({ balanceMicro: 1_000_000_000 - 2_797_360, creditEntriesMicro: 1_000_000_000 - 2_797_360, unbalanced: [] });
  });

  it('charges many small windows to exactly the charge of the whole run', async () => {
    const often = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 1_234_567, running_since: T0 });
    // Passes at uneven times, some less than a second apart (those charge nothing new)...
    for (const at of [999, 1_001, 7_777, 7_900, 61_003, 3_600_001, 3_600_999, 5_000_123]) await meterUsage(db, T0 + at);
    // ...against one pass over the same run for a twin that appears only now.
    const once = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 1_234_567, running_since: T0 });
    await meterUsage(db, T0 + 5_000_123);
    const sum = async (id: string) => (await usageOf(id)).reduce((s, w) => s - w.credit_delta_micro, 0);
    // 5,000 whole seconds at 1,234,567 µ$/h = 1,714,676.3 → 1,714,676; + 171,467 margin.
    expect(await sum(once.id)).toBe(1_714_676 + 171_467);
    expect(await sum(often.id)).toBe(1_714_676 + 171_467);
    expect((await usageOf(often.id)).map((w) => JSON.parse(w.detail).toRunMs)).toEqual([1_000, 7_000, 61_000, 3_600_000, 5_000_000]);
  });

  it('charges once when two passes overlap, and nothing when a pass is retried', async () => {
    const deps = await Promise.all([1, 2, 3, 4, 5].map(() => insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 3_600_000, running_since: T0 })));
    const [a, b] = await Promise.all([meterUsage(db, T0 + 60_000), meterUsage(db, T0 + 60_000)]);
    expect(a!.deploymentsCharged + b!.deploymentsCharged).toBe(5);
    // Both read the same rows before either wrote: the second's guards failed.
    expect(a!.skipped + b!.skipped).toBe(5);
    const retried = await meterUsage(db, T0 + 60_000);
    expect(retried).toMatchObject({ deploymentsSeen: 5, deploymentsCharged: 0, chargedMicro: 0 });
    for (const d of deps) {
      const windows = await usageOf(d.id);
      expect(windows).toHaveLength(1);
      expect(windows[0]!.credit_delta_micro).toBe(-(60_000 + 6_000)); // 60 s at 1,000 µ$/s, + 10%
    }
    expect(await readBalance(db, t.tenantId)).toBe(1_000_000_000 - 5 * 66_000);
    expect((await checkLedger(db, t.tenantId)).unbalanced).toEqual([]);
  });

  it('charges the last partial window of a stopped deployment once, by the next pass', async () => {
    const dep = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 3_600_000, running_since: T0 });
    await meterUsage(db, T0 + 100_000);
    // Stopped at 130.5 s: the interval closes at 130,500 µ$ (the deployment's own cost).
    const row = (await loadDeployment(db, t.tenantId, dep.id))!;
    expect(await applyTransition(db, row, { to: 'stopping', reason: 'user_requested', source: 'api' }, T0 + 130_500)).toBe(true);
    const last = await meterUsage(db, T0 + 200_000);
    expect(last.chargedMicro).toBe(30_500 + 3_050);
    expect((await meterUsage(db, T0 + 300_000)).deploymentsSeen).toBe(0);
    const windows = await usageOf(dep.id);
    expect(windows.map((w) => JSON.parse(w.detail).ms)).toEqual([100_000, 30_500]);
    expect(await marksOf(dep.id)).toMatchObject({ run_ms: 130_500, cost_micro: 130_500, billed_run_ms: 130_500, billed_cost_micro: 130_500, status: 'stopping' });
  });

  it('does not charge a window computed before the deployment stopped (its guard fails), then charges the right one', async () => {
    const dep = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 3_600_000, running_since: T0 });
    const row = (await loadDeployment(db, t.tenantId, dep.id))!;
    // The pass reads the row, the deployment stops at 50 s, then the pass writes its 120 s window.
    const pass = meterUsage(db, T0 + 120_000);
    await applyTransition(db, row, { to: 'stopping', reason: 'user_requested', source: 'api' }, T0 + 50_000);
    await pass;
    await meterUsage(db, T0 + 130_000);
    const total = (await usageOf(dep.id)).reduce((s, w) => s - w.credit_delta_micro, 0);
    expect(total).toBe(50_000 + 5_000);
  });

  it('charges each interval at its own price across a failover', async () => {
    const dep = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 2_000_000, running_since: T0 });
    await meterUsage(db, T0 + 60_000); // 60 s at $2/h = 33,333 µ$
    let row = (await loadDeployment(db, t.tenantId, dep.id))!;
    await applyTransition(db, row, { to: 'provisioning', reason: 'failover', source: 'agent', set: { quoted_price_per_hour_micro: 3_000_000, pod_id: null } }, T0 + 90_000);
    row = (await loadDeployment(db, t.tenantId, dep.id))!;
    await applyTransition(db, row, { to: 'running', reason: 'provisioned', source: 'agent' }, T0 + 100_000);
    await meterUsage(db, T0 + 160_000);
    // 90 s at $2/h = 50,000 µ$ (closed) and 60 s at $3/h = 50,000 µ$ (open): 100,000 µ$ + 10%.
    const windows = await usageOf(dep.id);
    expect(windows.map((w) => -w.credit_delta_micro)).toEqual([33_333 + 3_333, 66_667 + 6_667]);
    expect(await marksOf(dep.id)).toMatchObject({ billed_run_ms: 150_000, billed_cost_micro: 100_000 });
    expect(JSON.parse(windows[1]!.detail)).toMatchObject({ pricePerHourMicro: 3_000_000, ms: 90_000 });
  });

  it('uses the margin locked on each deployment, whatever the setting is now', async () => {
    const ten = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 3_600_000, running_since: T0, margin_bps: 1000 });
    const quarter = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 3_600_000, running_since: T0, margin_bps: 2500 });
    const none = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 3_600_000, running_since: T0, margin_bps: 0 });
    await meterUsage(db, T0 + 10_000);
    expect(await entriesOf((await usageOf(ten.id))[0]!.id)).toEqual({ credit: -11_000, 'revenue:usage': 10_000, 'revenue:margin': 1_000 });
    expect(await entriesOf((await usageOf(quarter.id))[0]!.id)).toEqual({ credit: -12_500, 'revenue:usage': 10_000, 'revenue:margin': 2_500 });
    // No margin, no zero entry.
    expect(await entriesOf((await usageOf(none.id))[0]!.id)).toEqual({ credit: -10_000, 'revenue:usage': 10_000 });
  });

  it('pages through more deployments than one chunk holds, in few statements', async () => {
    const other = await createTenant();
    await fund(other.tenantId, 10, T0 - 60_000);
    for (let i = 0; i < 7; i++) await insertDeployment(i % 2 ? t.tenantId : other.tenantId, { quoted_price_per_hour_micro: 3_600_000, running_since: T0 });
    const report = await meterUsage(db, T0 + 1_000, { chunk: 3 });
    expect(report).toMatchObject({ deploymentsSeen: 7, deploymentsCharged: 7, chargedMicro: 7 * 1_100 });
    // 3 pages read (3 + 3 + 1), each with one batch of six statements.
    expect(report.statements).toBe(3 + 3 * 6);
    expect(report.tenants.sort()).toEqual([t.tenantId, other.tenantId].sort());
    expect(await readBalance(db, other.tenantId)).toBe(10_000_000 - 4 * 1_100);
  });

  it('finds its work through the partial index, not a scan of every deployment', async () => {
    const { results } = await db
      .prepare(`EXPLAIN QUERY PLAN SELECT id FROM deployments WHERE (running_since IS NOT NULL OR cost_micro <> billed_cost_micro) AND id > ?1 ORDER BY id LIMIT ?2`)
      .bind('', 10)
      .all<{ detail: string }>();
    expect(results.map((r) => r.detail).join(' ')).toMatch(/USING (COVERING )?INDEX deployments_unbilled/);
  });
});
