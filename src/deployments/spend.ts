// A tenant's deployment spend in the current calendar month (UTC), from locked prices and running
// time: what the monthly spend cap is checked against until the billing ledger (issue 6) meters it.
import { costSoFarMicro } from './store';

export function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export async function monthSpendMicro(db: D1Database, tenantId: string, now: number): Promise<number> {
  const { results } = await db
    .prepare(
      `SELECT quoted_price_per_hour_micro, cost_micro, running_since FROM deployments
       WHERE tenant_id = ?1 AND (created_at >= ?2 OR status NOT IN ('terminated', 'failed'))`,
    )
    .bind(tenantId, monthStart(now))
    .all<{ quoted_price_per_hour_micro: number; cost_micro: number; running_since: number | null }>();
  return results.reduce((sum, r) => sum + costSoFarMicro(r, now), 0);
}
