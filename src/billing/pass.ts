// The billing cron pass, run beside reconcile on every tick: meter running time, stop deployments of
// tenants out of credit past their grace, renew subscriptions, issue last month's invoices. Each step
// is idempotent, so an overlapping or retried pass changes nothing twice. The pass is recorded in
// `billing_runs` with its D1 statement count.
import { randomId } from '../catalog/ids';
import { readConfig, type Bindings } from '../env';
import { enforceCredit, type EnforcementReport } from './enforce';
import { issueInvoices, type IssueReport } from './invoices';
import { meterUsage, type MeterReport } from './meter';
import { renewSubscriptions, type RenewalReport } from './subscriptions';

export interface BillingPassReport {
  runId: string;
  meter: Omit<MeterReport, 'tenants'> & { tenants: number; ms: number };
  enforcement: EnforcementReport | null;
  renewals: RenewalReport | null;
  invoices: IssueReport | null;
  /** Every D1 statement the pass issued, its own record included. */
  statements: number;
  durationMs: number;
  errors: string[];
}

export async function runBillingPass(env: Bindings, now = Date.now()): Promise<BillingPassReport> {
  const config = readConfig(env);
  const started = Date.now();
  const errors: string[] = [];
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run();
    } catch (err) {
      errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      console.error(`billing ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return null;
    }
  };
  const meterStarted = Date.now();
  const metered = await step('metering', () => meterUsage(env.DB, now));
  const meter = { ...(metered ?? { deploymentsSeen: 0, deploymentsCharged: 0, chargedMicro: 0, skipped: 0, statements: 0, sqlMs: {} }), tenants: metered?.tenants.length ?? 0, ms: Date.now() - meterStarted };
  const enforcement = await step('enforcement', () => enforceCredit(env, now, config.BILLING_GRACE_SECONDS));
  const renewals = await step('renewals', () => renewSubscriptions(env.DB, now));
  const invoices = await step('invoices', () => issueInvoices(env.DB, now));
  const report: BillingPassReport = {
    runId: randomId('bil_'),
    meter,
    enforcement,
    renewals,
    invoices,
    statements: meter.statements + (enforcement?.statements ?? 0) + (renewals?.statements ?? 0) + (invoices?.statements ?? 0) + 1,
    durationMs: Date.now() - started,
    errors,
  };
  await env.DB.prepare(
    `INSERT INTO billing_runs (id, started_at, finished_at, duration_ms, deployments_seen, deployments_charged, charged_micro, statements, report)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
  )
    .bind(report.runId, now, now + report.durationMs, report.durationMs, meter.deploymentsSeen, meter.deploymentsCharged, meter.chargedMicro, report.statements, JSON.stringify(report))
    .run();
  return report;
}

/** One log line for a pass that did something. */
export function describePass(r: BillingPassReport): string | null {
  const busy = r.meter.deploymentsCharged + (r.enforcement?.stopped ?? 0) + (r.renewals?.renewed ?? 0) + (r.renewals?.downgraded ?? 0) + (r.invoices?.issued ?? 0) + r.errors.length;
  if (busy === 0) return null;
  return (
    `billing ${r.runId}: charged ${r.meter.deploymentsCharged}/${r.meter.deploymentsSeen} deployments ${r.meter.chargedMicro / 1e6} USD in ${r.meter.ms} ms` +
    (r.meter.skipped ? ` (${r.meter.skipped} taken by another pass)` : '') +
    `; stopped ${r.enforcement?.stopped ?? 0}; renewed ${r.renewals?.renewed ?? 0}, downgraded ${r.renewals?.downgraded ?? 0}; invoices ${r.invoices?.issued ?? 0}` +
    `; ${r.statements} D1 statements, ${r.durationMs} ms` +
    (r.errors.length ? `; errors: ${r.errors.join('; ')}` : '')
  );
}
