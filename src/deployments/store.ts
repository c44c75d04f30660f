// Deployment rows and their transitions. A transition is one guarded UPDATE (only from the status it
// was decided on, so two writers cannot both move a deployment) plus its event row, in one batch.
import { randomId } from '../catalog/ids';
import { iso, isoOrNull } from '../http/time';
import { microToUsd } from '../money';
import { canTransition, costMicroAt, runMsAt, type DeploymentStatus, type Reason } from './state';

export interface DeploymentRow {
  id: string;
  tenant_id: string;
  name: string;
  status: DeploymentStatus;
  status_reason: string | null;
  offer_id: string;
  provider: string;
  offer_external_id: string;
  gpu_model: string;
  gpu_count: number;
  region: string;
  pricing: string;
  quoted_price_per_hour_micro: number;
  spec: string;
  env_ciphertext: string | null;
  max_hours: number | null;
  max_spend_micro: number | null;
  failover: string | null;
  offer_attempts: number;
  tried_offers: string;
  pod_id: string | null;
  connection: string | null;
  gpu_utilization: number | null;
  run_ms: number;
  cost_micro: number;
  running_since: number | null;
  /** Platform margin locked at creation, in basis points. */
  margin_bps: number;
  /** Running time and cost already charged to the ledger (the metering mark). */
  billed_run_ms: number;
  billed_cost_micro: number;
  status_since: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface EventRow {
  id: string;
  at: number;
  from_status: string | null;
  to_status: string | null;
  reason: string | null;
  detail: string | null;
  source: string;
}

export interface DeploymentSpec {
  image: string;
  command?: string[];
  ports?: number[];
  sshPublicKey?: string;
  diskGb?: number;
}

export interface Failover {
  enabled: boolean;
  maxPricePerGpuHourMicro: number | null;
  sameGpuModel: true;
}

export type EventSource = 'api' | 'queue' | 'agent' | 'reconcile';

export async function loadDeployment(db: D1Database | D1DatabaseSession, tenantId: string, id: string): Promise<DeploymentRow | null> {
  return db.prepare('SELECT * FROM deployments WHERE tenant_id = ?1 AND id = ?2').bind(tenantId, id).first<DeploymentRow>();
}

/** Closed intervals at their prices, plus the open one at the current locked price. */
export function costSoFarMicro(row: Pick<DeploymentRow, 'cost_micro' | 'quoted_price_per_hour_micro' | 'running_since'>, now: number): number {
  return row.cost_micro + (row.running_since === null ? 0 : costMicroAt(row.quoted_price_per_hour_micro, Math.max(0, now - row.running_since)));
}

export function toApiDeployment(row: DeploymentRow, now: number) {
  const runMs = runMsAt(row.run_ms, row.running_since, now);
  const spec = JSON.parse(row.spec) as DeploymentSpec;
  const failover = row.failover ? (JSON.parse(row.failover) as Failover) : null;
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    statusReason: row.status_reason,
    statusSince: iso(row.status_since),
    offerId: row.offer_id,
    provider: row.provider,
    region: row.region,
    gpuModel: row.gpu_model,
    gpuCount: row.gpu_count,
    pricing: row.pricing,
    quotedPricePerHourUsd: microToUsd(row.quoted_price_per_hour_micro),
    image: spec.image,
    command: spec.command ?? null,
    ports: spec.ports ?? [],
    diskGb: spec.diskGb ?? null,
    hasSshKey: spec.sshPublicKey !== undefined,
    envKeys: null as string[] | null,
    maxHours: row.max_hours,
    maxSpendUsd: row.max_spend_micro === null ? null : microToUsd(row.max_spend_micro),
    failover: failover && { enabled: failover.enabled, maxPricePerGpuHourUsd: failover.maxPricePerGpuHourMicro === null ? null : microToUsd(failover.maxPricePerGpuHourMicro), sameGpuModel: true },
    offerAttempts: row.offer_attempts,
    podId: row.pod_id,
    connection: row.connection ? (JSON.parse(row.connection) as Record<string, unknown>) : null,
    gpuUtilization: row.gpu_utilization,
    uptimeSeconds: Math.floor(runMs / 1000),
    costSoFarUsd: microToUsd(costSoFarMicro(row, now)),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    runningSince: isoOrNull(row.running_since),
  };
}

export const toApiEvent = (row: EventRow) => ({
  id: row.id,
  at: iso(row.at),
  from: row.from_status,
  to: row.to_status,
  reason: row.reason,
  detail: row.detail,
  source: row.source,
});

export interface Transition {
  to: DeploymentStatus;
  reason: Reason;
  detail?: string | null;
  source: EventSource;
  /** Extra column assignments for the UPDATE, e.g. `pod_id`. */
  set?: Record<string, string | number | null>;
  agentEventId?: string;
}

/**
 * The statements that move `row` to `t.to` (guarded on its current status) and record the event.
 * Running time is accounted here: entering `running` opens an interval, leaving it closes one.
 * Throws if the transition is illegal; callers check `canTransition` first when that is expected.
 */
export function transitionStatements(db: D1Database, row: DeploymentRow, t: Transition, now: number): D1PreparedStatement[] {
  if (!canTransition(row.status, t.to)) throw new Error(`illegal transition ${row.status} → ${t.to}`);
  const set: Record<string, string | number | null> = { status: t.to, status_reason: t.reason, status_since: now, updated_at: now, ...t.set };
  if (row.status !== 'running' && t.to === 'running') set.running_since = now;
  if (row.status === 'running' && t.to !== 'running') {
    set.run_ms = runMsAt(row.run_ms, row.running_since, now);
    set.cost_micro = costSoFarMicro(row, now);
    set.running_since = null;
  }
  const columns = Object.keys(set);
  const assignments = columns.map((c, i) => `${c} = ?${i + 4}`).join(', ');
  return [
    db
      .prepare(`UPDATE deployments SET ${assignments} WHERE tenant_id = ?1 AND id = ?2 AND status = ?3 RETURNING id`)
      .bind(row.tenant_id, row.id, row.status, ...columns.map((c) => set[c] ?? null)),
    eventStatement(db, row, { from: row.status, to: t.to, reason: t.reason, detail: t.detail ?? null, source: t.source, agentEventId: t.agentEventId }, now, true),
  ];
}

/**
 * Runs a transition (and `also`, in the same batch); true when this writer moved the deployment,
 * false when another got there first (the guarded UPDATE matched no row, so nothing was written
 * but `also`). Throws on an illegal transition, like `transitionStatements`.
 */
export async function applyTransition(db: D1Database, row: DeploymentRow, t: Transition, now: number, also: D1PreparedStatement[] = []): Promise<boolean> {
  const [update] = await db.batch<{ id: string }>([...transitionStatements(db, row, t, now), ...also]);
  return (update?.results.length ?? 0) > 0;
}

/**
 * An event row. With `afterTransition`, it is only written if the preceding guarded UPDATE moved
 * the row (its status is now `to`), so a lost race writes neither.
 */
export function eventStatement(
  db: D1Database,
  row: Pick<DeploymentRow, 'tenant_id' | 'id'>,
  e: { from: string | null; to: string | null; reason: string | null; detail: string | null; source: EventSource; agentEventId?: string | undefined },
  now: number,
  afterTransition = false,
): D1PreparedStatement {
  const guard = afterTransition ? 'WHERE (SELECT status FROM deployments WHERE tenant_id = ?2 AND id = ?3) = ?6 AND changes() = 1' : '';
  return db
    .prepare(
      `INSERT OR IGNORE INTO deployment_events (id, tenant_id, deployment_id, at, from_status, to_status, reason, detail, source, agent_event_id)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 ${guard}`,
    )
    .bind(randomId('evt_'), row.tenant_id, row.id, now, e.from, e.to, e.reason, e.detail?.slice(0, 1000) ?? null, e.source, e.agentEventId ?? null);
}
