// POST /internal/agent/events: status reports from the pod agent, signed with AGENT_SECRET over
// timestamp + body (forged or replayed-late callbacks are 401). Each report is applied once (its
// eventId is unique in deployment_events) and only as a legal transition of the pod the deployment
// has now, so a late report about a pod replaced by failover changes nothing.
import type { Context } from 'hono';
import { z } from 'zod';
import { SIGNATURE_HEADER, verifySignature } from '../../workers/agent/src/signing';
import type { AppEnv } from '../app-env';
import { badRequest, notFound, Problem, validationProblem } from '../http/problem';
import { unauthorized } from '../tenancy/auth.middleware';
import { failOverOrFail } from './failover';
import { canTransition, FINAL, type DeploymentStatus, type Reason } from './state';
import { applyTransition, type DeploymentRow } from './store';

const MAX_BODY = 64 * 1024;

export const AgentEventSchema = z.object({
  eventId: z.string().min(1).max(200),
  deploymentId: z.string().regex(/^dep_[0-9a-z]{16}$/),
  jobId: z.string().max(100).optional(),
  podId: z.string().min(1).max(200),
  provider: z.string().max(40),
  status: z.enum(['provisioning', 'running', 'stopped', 'terminated', 'failed', 'preempted']),
  reason: z.string().max(100).optional(),
  detail: z.string().max(1000).optional(),
  connection: z.object({ sshHost: z.string().max(255).optional(), sshPort: z.number().int().optional(), httpUrl: z.string().max(500).optional() }).optional(),
  gpuUtilization: z.number().min(0).max(1).optional(),
  observedAt: z.string().optional(),
});
export type AgentEvent = z.output<typeof AgentEventSchema>;

export async function receiveAgentEvent(c: Context<AppEnv>): Promise<Response> {
  const secret = c.env.AGENT_SECRET;
  if (!secret) throw new Problem(500, 'misconfigured', 'Server misconfigured', 'AGENT_SECRET is not set');
  const length = Number(c.req.header('content-length') ?? '0');
  if (length > MAX_BODY) throw new Problem(413, 'too-large', 'Body too large', `at most ${MAX_BODY} bytes`);
  const raw = await c.req.text();
  if (raw.length > MAX_BODY) throw new Problem(413, 'too-large', 'Body too large', `at most ${MAX_BODY} bytes`);
  const verdict = await verifySignature(secret, c.req.header(SIGNATURE_HEADER), raw);
  if (!verdict.ok) throw unauthorized(`agent signature rejected: ${verdict.reason}`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw badRequest('the body is not JSON');
  }
  const parsed = AgentEventSchema.safeParse(json);
  if (!parsed.success) throw validationProblem(parsed.error, 'body');
  const event = parsed.data;
  const dep = await c.env.DB.prepare('SELECT * FROM deployments WHERE id = ?1').bind(event.deploymentId).first<DeploymentRow>();
  if (!dep) throw notFound(`no deployment ${event.deploymentId}`);
  const applied = await applyAgentEvent(c.env, dep, event, Date.now());
  return c.json({ applied }, 200);
}

/** Applies one agent report; false when it changes nothing (duplicate, stale pod, or not a legal move). */
export async function applyAgentEvent(env: AppEnv['Bindings'], dep: DeploymentRow, event: AgentEvent, now: number): Promise<boolean> {
  const db = env.DB;
  if (dep.pod_id !== null && dep.pod_id !== event.podId) return false; // about a pod this deployment no longer has
  if (FINAL.has(dep.status)) return false;
  const seen = await db.prepare('SELECT 1 FROM deployment_events WHERE agent_event_id = ?1').bind(event.eventId).first();
  if (seen) return false;
  const detail = event.detail ?? null;
  const podSet = { pod_id: event.podId };

  const move = async (to: DeploymentStatus, reason: Reason, set: Record<string, string | number | null> = {}): Promise<boolean> => {
    if (!canTransition(dep.status, to)) return false;
    return applyTransition(db, dep, { to, reason, detail, source: 'agent', agentEventId: event.eventId, set: { ...podSet, ...set } }, now);
  };

  switch (event.status) {
    case 'provisioning':
      if (dep.status === 'pending') return move('provisioning', 'user_requested');
      return false;
    case 'running': {
      const set = { connection: event.connection ? JSON.stringify(event.connection) : dep.connection, gpu_utilization: event.gpuUtilization ?? null };
      if (dep.status === 'provisioning') return move('running', 'provisioned', set);
      if (dep.status === 'running') {
        // A utilisation or connection refresh: no transition, no event row.
        await db.prepare('UPDATE deployments SET connection = ?3, gpu_utilization = ?4, updated_at = ?5 WHERE tenant_id = ?1 AND id = ?2').bind(dep.tenant_id, dep.id, set.connection, set.gpu_utilization, now).run();
        return true;
      }
      return false;
    }
    case 'stopped':
      return move('stopped', dep.status === 'stopping' ? 'user_requested' : 'reconciled', { gpu_utilization: null });
    case 'terminated':
      return move('terminated', dep.status === 'terminating' ? 'user_requested' : 'pod_gone', { gpu_utilization: null });
    case 'failed':
      return dep.status === 'provisioning' ? failOrFailover(env, dep, event, 'provider_error', now) : move('failed', 'provider_error');
    case 'preempted':
      return failOrFailover(env, dep, event, 'preempted', now);
  }
}

function failOrFailover(env: AppEnv['Bindings'], dep: DeploymentRow, event: AgentEvent, why: Reason, now: number): Promise<boolean> {
  if (!canTransition(dep.status, 'failed')) return Promise.resolve(false);
  return failOverOrFail(env, dep, why, now, { source: 'agent', detail: event.detail ?? `pod ${event.podId} ${event.status}`, agentEventId: event.eventId });
}
