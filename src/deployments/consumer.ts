// The DEPLOY_JOBS consumer. Idempotent on the job id: a job whose row is no longer `queued` is
// acknowledged without effect, so a redelivered message never provisions a second pod. A message is
// acknowledged only after its outcome is stored; agent outages and provider 5xx retry with
// exponential backoff, and a job that exhausts its retries lands in the dead-letter queue, whose
// consumer marks the deployment failed.
import type { Bindings } from '../env';
import { AgentClient, callbackUrl, type AgentJobRequest, type AgentJobResult } from './agent-client';
import { openEnv } from './env-crypto';
import { failOverOrFail } from './failover';
import { JOB_ACTIONS, type DeployJob } from './jobs';
import { FINAL } from './state';
import { applyTransition, loadDeployment, type DeploymentRow, type DeploymentSpec } from './store';

export const DEAD_LETTER_SUFFIX = '-dlq';

/** Seconds before redelivery: 2, 4, 8 … capped at 5 minutes. */
export function backoffSeconds(attempts: number): number {
  return Math.min(300, 2 ** Math.max(1, attempts));
}

function isJob(body: unknown): body is DeployJob {
  const b = body as Partial<DeployJob> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.jobId === 'string' &&
    typeof b.tenantId === 'string' &&
    typeof b.deploymentId === 'string' &&
    typeof b.attempt === 'number' &&
    (JOB_ACTIONS as readonly string[]).includes(b.action as string)
  );
}

export async function handleDeployJobs(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const dead = batch.queue.endsWith(DEAD_LETTER_SUFFIX);
  for (const message of batch.messages) {
    if (!isJob(message.body)) {
      console.error(`deploy queue: dropping a malformed message ${message.id}`);
      message.ack();
      continue;
    }
    try {
      const done = dead ? await buryJob(env, message.body) : await processJob(env, message.body);
      if (done) message.ack();
      else message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    } catch (err) {
      console.error(`deploy job ${message.body.jobId} failed; retrying: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}

const finishJob = (db: D1Database, jobId: string, outcome: string, now: number) =>
  db.prepare(`UPDATE deployment_jobs SET state = 'done', outcome = ?2, finished_at = ?3 WHERE job_id = ?1 AND state = 'queued'`).bind(jobId, outcome.slice(0, 500), now);

/** Runs one job; true when its outcome is stored (ack), false to retry later. */
export async function processJob(env: Bindings, job: DeployJob): Promise<boolean> {
  const db = env.DB;
  const state = await db
    .prepare(`UPDATE deployment_jobs SET deliveries = deliveries + 1 WHERE job_id = ?1 AND tenant_id = ?2 RETURNING state`)
    .bind(job.jobId, job.tenantId)
    .first<{ state: string }>();
  if (!state) {
    console.error(`deploy job ${job.jobId}: no such job; dropped`);
    return true;
  }
  if (state.state !== 'queued') return true; // a duplicate delivery: its outcome is already stored
  const now = Date.now();
  const dep = await loadDeployment(db, job.tenantId, job.deploymentId);
  if (!dep) {
    await finishJob(db, job.jobId, 'deployment missing', now).run();
    return true;
  }
  const skip = superseded(dep, job);
  if (skip) {
    await finishJob(db, job.jobId, `superseded: ${skip}`, now).run();
    return true;
  }
  if (job.action === 'terminate' && dep.pod_id === null) {
    // Nothing was provisioned (or it was never confirmed): nothing to tear down.
    await applyTransition(db, dep, { to: 'terminated', reason: 'user_requested', detail: 'no pod to terminate', source: 'queue' }, now, [finishJob(db, job.jobId, 'terminated: no pod', now)]);
    return true;
  }

  const request = await agentRequest(env, dep, job);
  const result = await new AgentClient(env).job(request);
  if (!result.ok && result.retryable) {
    console.warn(`deploy job ${job.jobId} (${job.action}): ${result.code}: ${result.message}; will retry`);
    return false;
  }
  await storeOutcome(env, dep, job, result, Date.now());
  return true;
}

/** Why a job no longer applies to the deployment as it is now, or null. */
function superseded(dep: DeploymentRow, job: DeployJob): string | null {
  if (FINAL.has(dep.status)) return `deployment is ${dep.status}`;
  if (job.action === 'provision' && (dep.status !== 'pending' && dep.status !== 'provisioning')) return `deployment is ${dep.status}`;
  if (job.action === 'provision' && job.attempt !== dep.offer_attempts) return `offer attempt ${job.attempt} replaced by ${dep.offer_attempts}`;
  if (job.action === 'stop' && dep.status !== 'stopping') return `deployment is ${dep.status}`;
  if (job.action === 'start' && dep.status !== 'provisioning') return `deployment is ${dep.status}`;
  if (job.action === 'terminate' && dep.status !== 'terminating') return `deployment is ${dep.status}`;
  return null;
}

async function agentRequest(env: Bindings, dep: DeploymentRow, job: DeployJob): Promise<AgentJobRequest> {
  const request: AgentJobRequest = {
    jobId: job.jobId,
    deploymentId: dep.id,
    action: job.action,
    attempt: job.attempt,
    callbackUrl: callbackUrl(env),
    target: {
      provider: dep.provider,
      offerExternalId: dep.offer_external_id,
      gpuModel: dep.gpu_model,
      gpuCount: dep.gpu_count,
      region: dep.region,
      pricing: dep.pricing,
      ...(dep.pod_id && job.action !== 'provision' ? { podId: dep.pod_id } : {}),
      // An interruptible (bid) offer is bid at the price we quoted and locked.
      ...(dep.pricing === 'interruptible' ? { bidPricePerHourUsd: dep.quoted_price_per_hour_micro / 1_000_000 } : {}),
    },
  };
  if (job.action === 'provision') {
    const spec = JSON.parse(dep.spec) as DeploymentSpec;
    const podEnv = dep.env_ciphertext ? await openEnv(env.DEPLOY_ENV_KEY, dep.id, dep.env_ciphertext) : undefined;
    request.spec = {
      name: `gpubroker-${dep.id}`,
      image: spec.image,
      ...(spec.command ? { command: spec.command } : {}),
      ...(podEnv ? { env: podEnv } : {}),
      ...(spec.ports ? { ports: spec.ports } : {}),
      ...(spec.sshPublicKey ? { sshPublicKey: spec.sshPublicKey } : {}),
      ...(spec.diskGb ? { diskGb: spec.diskGb } : {}),
    };
  }
  return request;
}

/** Stores what the agent answered: the pod id, a failover, or a failure with its reason. */
async function storeOutcome(env: Bindings, dep: DeploymentRow, job: DeployJob, result: AgentJobResult, now: number): Promise<void> {
  const db = env.DB;
  const done = finishJob(db, job.jobId, result.ok ? `ok: ${result.status}${result.replayed ? ' (replayed)' : ''}` : `${result.code}: ${result.message}`, now);
  if (result.ok) {
    if (job.action === 'provision' && dep.status === 'pending') {
      await applyTransition(db, dep, { to: 'provisioning', reason: 'user_requested', detail: `pod ${result.podId} at ${dep.provider}`, source: 'queue', set: { pod_id: result.podId } }, now, [done]);
    } else if (job.action === 'provision') {
      await db.batch([db.prepare('UPDATE deployments SET pod_id = ?3, updated_at = ?4 WHERE tenant_id = ?1 AND id = ?2').bind(dep.tenant_id, dep.id, result.podId, now), done]);
    } else if (job.action === 'terminate' && result.status === 'terminated') {
      await applyTransition(db, dep, { to: 'terminated', reason: 'user_requested', source: 'queue' }, now, [done]);
    } else {
      await done.run();
    }
    return;
  }
  // A final refusal from the agent.
  if (job.action === 'provision' && result.code === 'no_capacity') {
    await failOverOrFail(env, dep, 'no_capacity', now, { source: 'queue', detail: 'the provider has no capacity for this offer', also: [done] });
    return;
  }
  if (result.code === 'not_found' && (job.action === 'terminate' || job.action === 'stop')) {
    const to = job.action === 'terminate' ? 'terminated' : 'failed';
    await applyTransition(db, dep, { to, reason: 'pod_gone', detail: 'the provider no longer has the pod', source: 'queue' }, now, [done]);
    return;
  }
  await applyTransition(db, dep, { to: 'failed', reason: 'provider_error', detail: `${result.code}: ${result.message}`, source: 'queue' }, now, [done]);
}

/** A job that exhausted its retries: recorded as dead, and its deployment failed with the reason. */
export async function buryJob(env: Bindings, job: DeployJob): Promise<boolean> {
  const db = env.DB;
  const now = Date.now();
  const row = await db
    .prepare(`UPDATE deployment_jobs SET state = 'dead', outcome = 'retries exhausted', finished_at = ?2 WHERE job_id = ?1 AND state = 'queued' RETURNING job_id`)
    .bind(job.jobId, now)
    .first();
  if (!row) return true;
  const dep = await loadDeployment(db, job.tenantId, job.deploymentId);
  if (!dep || FINAL.has(dep.status)) return true;
  await applyTransition(db, dep, { to: 'failed', reason: 'retries_exhausted', detail: `${job.action} job ${job.jobId} failed on every retry (agent or provider unreachable)`, source: 'queue' }, now);
  return true;
}

