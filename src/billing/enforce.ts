// Credit enforcement: once a tenant's credit has been exhausted for longer than the grace period,
// its running deployments are stopped (reason `budget_exhausted`) through the deployments' own stop
// path — a guarded transition, its event and a stop job — so a pod stopped here is stopped like any other.
import type { Bindings } from '../env';
import { stopFor } from '../deployments/reconcile';
import type { DeploymentRow } from '../deployments/store';
import { billingEventStatement } from './events';

/** Stops per pass: each is one batch plus a queue send; the rest follow on the next pass. */
export const STOPS_PER_PASS = 100;

export interface EnforcementReport {
  stopped: number;
  statements: number;
}

export async function enforceCredit(env: Bindings, now: number, graceSeconds: number): Promise<EnforcementReport> {
  const db = env.DB;
  const { results } = await db
    .prepare(
      `SELECT d.*, a.exhausted_at AS exhausted_at FROM billing_accounts a JOIN deployments d ON d.tenant_id = a.tenant_id AND d.status = 'running'
       WHERE a.exhausted_at IS NOT NULL AND a.exhausted_at <= ?1 AND a.balance_micro <= 0 ORDER BY a.exhausted_at LIMIT ?2`,
    )
    .bind(now - graceSeconds * 1000, STOPS_PER_PASS)
    .all<DeploymentRow & { exhausted_at: number }>();
  const report: EnforcementReport = { stopped: 0, statements: 1 };
  const told = new Set<string>();
  for (const { exhausted_at: exhaustedAt, ...dep } of results) {
    if (await stopFor(env, dep, 'budget_exhausted', now)) report.stopped++;
    report.statements += 3;
    if (!told.has(dep.tenant_id)) {
      told.add(dep.tenant_id);
      await billingEventStatement(
        db,
        {
          tenantId: dep.tenant_id,
          kind: 'deployments_stopped',
          severity: 'critical',
          reference: `deployments_stopped:${dep.tenant_id}:${exhaustedAt}`,
          detail: { reason: 'budget_exhausted', exhaustedAt: new Date(exhaustedAt).toISOString(), graceSeconds },
        },
        now,
      ).run();
      report.statements++;
    }
  }
  return report;
}
