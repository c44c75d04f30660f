// Deploy jobs: what the API puts on the DEPLOY_JOBS queue. Each has a producer-made id, recorded in
// D1 (`deployment_jobs`) in the same batch as the change that asked for it, so the consumer can be
// idempotent on it and the reconcile pass can resend a job whose send failed.
import { randomId } from '../catalog/ids';
import type { Bindings } from '../env';
import { applyTransition, type DeploymentRow, type Transition } from './store';

export const JOB_ACTIONS = ['provision', 'stop', 'start', 'terminate'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

export interface DeployJob {
  jobId: string;
  tenantId: string;
  deploymentId: string;
  action: JobAction;
  /** Offer attempt this job belongs to (failover), starting at 1. */
  attempt: number;
}

export function newJob(tenantId: string, deploymentId: string, action: JobAction, attempt: number): DeployJob {
  return { jobId: randomId('job_'), tenantId, deploymentId, action, attempt };
}

export function jobStatement(db: D1Database, job: DeployJob, now: number): D1PreparedStatement {
  return db
    .prepare(`INSERT INTO deployment_jobs (job_id, tenant_id, deployment_id, action, state, created_at) VALUES (?1, ?2, ?3, ?4, 'queued', ?5)`)
    .bind(job.jobId, job.tenantId, job.deploymentId, job.action, now);
}

/** Sends a job whose row is stored. A failed send is logged, not thrown: the reconcile pass resends queued jobs. */
export async function sendJob(queue: Queue<DeployJob>, job: DeployJob): Promise<boolean> {
  try {
    await queue.send(job, { contentType: 'json' });
    return true;
  } catch (err) {
    console.warn(`deploy job ${job.jobId} (${job.action} ${job.deploymentId}) not sent; reconcile will resend: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

/**
 * A transition that needs the pod acted on: the move, its event, the job row (and `also`) in one
 * batch, then the job sent — only if this writer made the move, so a lost race queues nothing.
 */
export async function transitionAndQueue(env: Bindings, row: DeploymentRow, t: Transition, job: DeployJob, now: number, also: D1PreparedStatement[] = []): Promise<boolean> {
  const moved = await applyTransition(env.DB, row, t, now, [jobStatement(env.DB, job, now), ...also]);
  if (moved) await sendJob(env.DEPLOY_JOBS, job);
  return moved;
}
