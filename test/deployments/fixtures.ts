// Deployments made straight in D1, for tests about reading, isolation and transitions rather than
// about creating them.
import { env } from 'cloudflare:workers';
import { randomId } from '../../src/catalog/ids';
import type { DeploymentRow } from '../../src/deployments/store';

export async function insertDeployment(tenantId: string, overrides: Partial<DeploymentRow> = {}): Promise<DeploymentRow> {
  const now = Date.now();
  const row: DeploymentRow = {
    id: randomId('dep_'),
    tenant_id: tenantId,
    name: 'fixture',
    status: 'running',
    status_reason: 'provisioned',
    offer_id: 'ofr_aaaaaaaaaaaaa',
    provider: 'sim',
    offer_external_id: 'sim-1',
    gpu_model: 'A100-80GB',
    gpu_count: 1,
    region: 'us-east-1',
    pricing: 'on_demand',
    quoted_price_per_hour_micro: 2_000_000,
    spec: JSON.stringify({ image: 'busybox' }),
    env_ciphertext: null,
    max_hours: null,
    max_spend_micro: null,
    failover: null,
    offer_attempts: 1,
    tried_offers: '[]',
    pod_id: 'pod-fixture',
    connection: null,
    gpu_utilization: null,
    run_ms: 0,
    cost_micro: 0,
    running_since: now,
    margin_bps: 1000,
    billed_run_ms: 0,
    billed_cost_micro: 0,
    status_since: now,
    created_by: null,
    created_at: now,
    updated_at: now,
    ...overrides,
  };
  const columns = Object.keys(row) as (keyof DeploymentRow)[];
  await env.DB.prepare(`INSERT INTO deployments (${columns.join(', ')}) VALUES (${columns.map((_, i) => `?${i + 1}`).join(', ')})`)
    .bind(...columns.map((k) => row[k]))
    .run();
  return row;
}
