// A tenant's deployment spend in the current calendar month (UTC), for the monthly spend cap: the
// usage the billing ledger charged this month (margin included) plus running time not charged yet.
import { monthDeploymentSpendMicro } from '../billing/account';

export { monthStart } from '../billing/period';

export function monthSpendMicro(db: D1Database, tenantId: string, now: number): Promise<number> {
  return monthDeploymentSpendMicro(db, tenantId, now);
}
