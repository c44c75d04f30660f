// The reconcile pass (every cron tick): D1 says what each deployment should be, the agent says what
// each pod is, and this pass repairs the difference. It also resends jobs whose send was lost,
// fails transitions that are stuck, enforces budgets (maxHours, maxSpendUsd, the tenant's monthly
// cap) and terminates orphans: pods with our name that no live deployment owns.
import { randomId } from '../catalog/ids';
import type { Bindings } from '../env';
import { AgentClient, callbackUrl, type AgentPod } from './agent-client';
import { newJob, sendJob, transitionAndQueue, type DeployJob } from './jobs';
import { monthSpendMicro } from './spend';
import { canTransition, FINAL, runMsAt, type DeploymentStatus, type Reason } from './state';
import { applyTransition, costSoFarMicro, eventStatement, type DeploymentRow } from './store';

export const STUCK_AFTER_MS = 15 * 60_000;
const RESEND_AFTER_MS = 2 * 60_000;
const PER_PASS = 200;
const PROVIDERS = ['sim', 'runpod', 'vastai', 'lambda'];
const RESUMABLE = new Set(['sim', 'runpod', 'vastai']);

export interface ReconcileReport {
  checked: number;
  repaired: number;
  resent: number;
  stuck: number;
  budgetStops: number;
  orphansTerminated: number;
}

export async function reconcileDeployments(env: Bindings, now = Date.now()): Promise<ReconcileReport> {
  const db = env.DB;
  const agent = new AgentClient(env);
  const report: ReconcileReport = { checked: 0, repaired: 0, resent: 0, stuck: 0, budgetStops: 0, orphansTerminated: 0 };

  // 1. Jobs stored but never delivered (the send after the D1 write failed): send again.
  const { results: lost } = await db
    .prepare(`SELECT job_id, tenant_id, deployment_id, action FROM deployment_jobs WHERE state = 'queued' AND deliveries = 0 AND created_at < ?1 LIMIT ?2`)
    .bind(now - RESEND_AFTER_MS, PER_PASS)
    .all<{ job_id: string; tenant_id: string; deployment_id: string; action: DeployJob['action'] }>();
  for (const j of lost) {
    const dep = await db.prepare('SELECT offer_attempts FROM deployments WHERE tenant_id = ?1 AND id = ?2').bind(j.tenant_id, j.deployment_id).first<{ offer_attempts: number }>();
    if (await sendJob(env.DEPLOY_JOBS, { jobId: j.job_id, tenantId: j.tenant_id, deploymentId: j.deployment_id, action: j.action, attempt: dep?.offer_attempts ?? 1 })) report.resent++;
  }

  const { results: live } = await db
    .prepare(`SELECT * FROM deployments WHERE status NOT IN ('terminated', 'failed') ORDER BY status_since LIMIT ?1`)
    .bind(PER_PASS)
    .all<DeploymentRow>();
  const spendByTenant = new Map<string, { cap: number; spent: number } | null>();

  for (const dep of live) {
    report.checked++;
    // 2. Stuck: pending or provisioning for too long.
    if ((dep.status === 'provisioning' || dep.status === 'pending') && now - dep.status_since > STUCK_AFTER_MS) {
      await applyTransition(db, dep, { to: 'failed', reason: 'stuck', detail: `${dep.status} for over ${STUCK_AFTER_MS / 60_000} min`, source: 'reconcile' }, now);
      if (dep.pod_id) await terminatePod(env, agent, dep.provider, dep.pod_id, dep.id);
      report.stuck++;
      continue;
    }
    // 3. Drift between D1 and the provider.
    if (dep.pod_id) {
      const pod = await agent.pod(dep.provider, dep.pod_id);
      if (pod && (await repairDrift(db, dep, pod, now))) {
        report.repaired++;
        continue;
      }
    }
    // 4. Budgets of a running pod.
    if (dep.status === 'running') {
      const reason = await overBudget(db, dep, spendByTenant, now);
      if (reason) {
        await stopFor(env, dep, reason, now);
        report.budgetStops++;
      }
    }
  }

  // 5. Orphans: pods named gpubroker-<id> whose deployment is unknown or final.
  for (const provider of PROVIDERS) {
    const pods = await agent.pods(provider);
    for (const pod of pods ?? []) {
      if (pod.status === 'terminated' || pod.status === 'not_found' || !pod.deploymentId) continue;
      const owner = await db.prepare('SELECT status, pod_id FROM deployments WHERE id = ?1').bind(pod.deploymentId).first<{ status: DeploymentStatus; pod_id: string | null }>();
      if (owner && !FINAL.has(owner.status) && (owner.pod_id === null || owner.pod_id === pod.podId)) continue;
      console.warn(`reconcile: terminating orphan pod ${pod.podId} at ${provider} (deployment ${pod.deploymentId} is ${owner?.status ?? 'unknown'})`);
      await terminatePod(env, agent, provider, pod.podId, pod.deploymentId);
      report.orphansTerminated++;
    }
  }
  return report;
}

/** Brings D1 in line with the pod; true when it changed something. */
async function repairDrift(db: D1Database, dep: DeploymentRow, pod: AgentPod, now: number): Promise<boolean> {
  const move = async (to: DeploymentStatus, reason: Reason, detail: string, set: Record<string, string | number | null> = {}) => {
    if (!canTransition(dep.status, to)) return false;
    return applyTransition(db, dep, { to, reason, detail, source: 'reconcile', set }, now);
  };
  if (pod.status === 'not_found' || pod.status === 'terminated') {
    if (dep.status === 'terminating') return move('terminated', 'user_requested', 'the provider confirms the pod is gone');
    return move(dep.status === 'provisioning' ? 'failed' : 'terminated', 'pod_gone', `the provider reports the pod ${pod.status === 'not_found' ? 'does not exist' : 'terminated'}`);
  }
  if (pod.status === 'failed') return move('failed', 'provider_error', 'the provider reports the pod failed');
  if (pod.status === 'running' && dep.status === 'provisioning') {
    return move('running', 'reconciled', 'the pod is running (its callback was missed)', { connection: pod.connection ? JSON.stringify(pod.connection) : null, gpu_utilization: pod.gpuUtilization ?? null });
  }
  if (pod.status === 'stopped' && (dep.status === 'stopping' || dep.status === 'running')) return move('stopped', 'reconciled', 'the provider reports the pod stopped');
  if (pod.status === 'running' && dep.status === 'stopped') {
    // Reported, not changed: a pod running that we believe stopped costs money; the tenant decides.
    await eventStatement(db, dep, { from: 'stopped', to: 'stopped', reason: 'reconciled', detail: 'the provider reports this pod running although it should be stopped', source: 'reconcile' }, now).run();
    return true;
  }
  if (pod.status === 'running' && dep.status === 'running' && pod.gpuUtilization !== undefined) {
    await db.prepare('UPDATE deployments SET gpu_utilization = ?3 WHERE tenant_id = ?1 AND id = ?2').bind(dep.tenant_id, dep.id, pod.gpuUtilization).run();
  }
  return false;
}

async function overBudget(db: D1Database, dep: DeploymentRow, spend: Map<string, { cap: number; spent: number } | null>, now: number): Promise<Reason | null> {
  if (dep.max_hours !== null && runMsAt(dep.run_ms, dep.running_since, now) >= dep.max_hours * 3_600_000) return 'max_hours_reached';
  if (dep.max_spend_micro !== null && costSoFarMicro(dep, now) >= dep.max_spend_micro) return 'budget_exhausted';
  if (!spend.has(dep.tenant_id)) {
    const t = await db.prepare('SELECT monthly_spend_cap_micro AS cap FROM tenants WHERE id = ?1').bind(dep.tenant_id).first<{ cap: number | null }>();
    spend.set(dep.tenant_id, t?.cap === null || t?.cap === undefined ? null : { cap: t.cap, spent: await monthSpendMicro(db, dep.tenant_id, now) });
  }
  const tenant = spend.get(dep.tenant_id);
  return tenant && tenant.spent >= tenant.cap ? 'spend_cap_reached' : null;
}

/** Stops (or, where the provider cannot stop, terminates) a pod for a budget reason. */
export async function stopFor(env: Bindings, dep: DeploymentRow, reason: Reason, now: number): Promise<boolean> {
  const action = RESUMABLE.has(dep.provider) ? 'stop' : 'terminate';
  const job = newJob(dep.tenant_id, dep.id, action, dep.offer_attempts);
  return transitionAndQueue(env, dep, { to: action === 'stop' ? 'stopping' : 'terminating', reason, source: 'reconcile' }, job, now);
}

/** Asks the agent to destroy a pod outside the job flow (its deployment is already final). */
async function terminatePod(env: Bindings, agent: AgentClient, provider: string, podId: string, deploymentId: string): Promise<void> {
  const result = await agent.job({
    jobId: randomId('job_'),
    deploymentId,
    action: 'terminate',
    attempt: 1,
    callbackUrl: callbackUrl(env),
    target: { provider, offerExternalId: '', gpuModel: '', gpuCount: 0, region: '', pricing: 'on_demand', podId },
  });
  if (!result.ok && result.code !== 'not_found') console.warn(`reconcile: could not terminate pod ${podId} at ${provider}: ${result.code}: ${result.message}`);
}
