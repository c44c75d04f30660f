// Credit for test tenants through a real ledger posting (an admin-style adjustment), and readers of
// the rows billing tests look at.
import { env } from 'cloudflare:workers';
import { randomId } from '../../src/catalog/ids';
import { post } from '../../src/billing/ledger';

/** Adds `usd` of credit to the tenant (a posted `adjustment`); returns the transaction id. */
export async function fund(tenantId: string, usd: number, at = Date.now(), kind: 'adjustment' | 'credit_purchase' = 'adjustment'): Promise<string> {
  const amountMicro = Math.round(usd * 1e6);
  const { posted, transactionId } = await post(
    env.DB,
    {
      tenantId,
      kind,
      reference: `test-credit:${randomId('ref_')}`,
      description: 'Test credit',
      entries: [
        { account: 'credit', amountMicro },
        { account: kind === 'adjustment' ? 'adjustments' : 'payments:stripe', amountMicro: -amountMicro },
      ],
      actor: { type: 'system', id: null },
    },
    at,
  );
  if (!posted) throw new Error('test credit was not posted');
  return transactionId;
}

export interface UsageTxn {
  id: string;
  reference: string;
  credit_delta_micro: number;
  deployment_id: string;
  detail: string;
  created_at: number;
}

export async function usageOf(deploymentId: string): Promise<UsageTxn[]> {
  const { results } = await env.DB.prepare(
    `SELECT id, reference, credit_delta_micro, deployment_id, detail, created_at FROM ledger_transactions WHERE kind = 'usage' AND deployment_id = ?1 ORDER BY created_at, reference`,
  )
    .bind(deploymentId)
    .all<UsageTxn>();
  return results;
}

export async function entriesOf(transactionId: string): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare('SELECT account, amount_micro FROM ledger_entries WHERE transaction_id = ?1').bind(transactionId).all<{ account: string; amount_micro: number }>();
  return Object.fromEntries(results.map((r) => [r.account, r.amount_micro]));
}

export async function marksOf(deploymentId: string): Promise<{ billed_run_ms: number; billed_cost_micro: number; run_ms: number; cost_micro: number; status: string }> {
  return (await env.DB.prepare('SELECT billed_run_ms, billed_cost_micro, run_ms, cost_micro, status FROM deployments WHERE id = ?1').bind(deploymentId).first())!;
}

export async function eventsOf(tenantId: string, kind: string): Promise<{ reference: string; detail: string }[]> {
  const { results } = await env.DB.prepare('SELECT reference, detail FROM billing_events WHERE tenant_id = ?1 AND kind = ?2 ORDER BY created_at').bind(tenantId, kind).all<{ reference: string; detail: string }>();
  return results;
}
