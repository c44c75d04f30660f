// The reconcile pass against a scripted agent: drift repair, stuck transitions, budgets, orphans and
// resending jobs whose send was lost.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { reconcileDeployments, STUCK_AFTER_MS } from '../../src/deployments/reconcile';
import { createTenant, type TestTenant } from '../tenancy/fixtures';
import { fakeAgent, okJob, type AgentCall } from './fake-agent';
import { insertDeployment } from './fixtures';

let t: TestTenant;
beforeEach(async () => {
  t = await createTenant();
});

const row = (id: string) => env.DB.prepare('SELECT status, status_reason FROM deployments WHERE id = ?1').bind(id).first<{ status: string; status_reason: string }>();

/** An agent whose pods are `pods` (by pod id) and whose provider listings are `listed`. */
function agentWith(pods: Record<string, Record<string, unknown>>, listed: Record<string, unknown>[] = []): AgentCall[] {
  return fakeAgent((call) => {
    if (call.method === 'POST') return okJob(call);
    if (call.path.startsWith('/v1/pods?')) return Response.json({ pods: call.path.endsWith('provider=sim') ? listed : [] });
    const podId = decodeURIComponent(call.path.split('/').pop()!);
    return Response.json({ podId, provider: 'sim', deploymentId: null, status: 'not_found', ...pods[podId] });
  });
}

describe('reconcile', () => {
  it('terminates a deployment whose pod is gone, and moves one whose running callback was missed', async () => {
    const gone = await insertDeployment(t.tenantId, { status: 'running', pod_id: 'pod-gone' });
    const missed = await insertDeployment(t.tenantId, { status: 'provisioning', pod_id: 'pod-up', running_since: null });
    agentWith({ 'pod-up': { status: 'running', connection: { sshHost: 'h', sshPort: 22 } } });
    const report = await reconcileDeployments(env);
    expect(report.repaired).toBe(2);
    expect(await row(gone.id)).toEqual({ status: 'terminated', status_reason: 'pod_gone' });
    expect(await row(missed.id)).toEqual({ status: 'running', status_reason: 'reconciled' });
  });

  it('reports, without changing, a pod running that D1 believes stopped', async () => {
    const dep = await insertDeployment(t.tenantId, { status: 'stopped', pod_id: 'pod-zombie', running_since: null });
    agentWith({ 'pod-zombie': { status: 'running' } });
    await reconcileDeployments(env);
    expect(await row(dep.id)).toMatchObject({ status: 'stopped' });
    const note = await env.DB.prepare('SELECT detail FROM deployment_events WHERE deployment_id = ?1').bind(dep.id).first<{ detail: string }>();
    expect(note!.detail).toMatch(/running although it should be stopped/);
  });

  it('fails a deployment stuck provisioning for over 15 minutes and terminates its pod', async () => {
    const dep = await insertDeployment(t.tenantId, { status: 'provisioning', pod_id: 'pod-slow', running_since: null, status_since: Date.now() - STUCK_AFTER_MS - 1000 });
    const calls = agentWith({ 'pod-slow': { status: 'provisioning' } });
    expect((await reconcileDeployments(env)).stuck).toBe(1);
    expect(await row(dep.id)).toEqual({ status: 'failed', status_reason: 'stuck' });
    expect(calls.find((c) => c.method === 'POST')!.body).toMatchObject({ action: 'terminate', target: { podId: 'pod-slow' } });
  });

  it.each([
    ['maxHours', { max_hours: 1, running_since: Date.now() - 3_601_000 }, 'max_hours_reached'],
    ['maxSpendUsd', { max_spend_micro: 1_000_000, quoted_price_per_hour_micro: 4_000_000, running_since: Date.now() - 20 * 60_000 }, 'budget_exhausted'],
  ])('stops a running pod that reached its %s, with the reason, and queues the stop', async (_name, overrides, reason) => {
    const dep = await insertDeployment(t.tenantId, { pod_id: 'pod-b', ...overrides });
    agentWith({ 'pod-b': { status: 'running' } });
    expect((await reconcileDeployments(env)).budgetStops).toBe(1);
    expect(await row(dep.id)).toEqual({ status: 'stopping', status_reason: reason });
    const job = await env.DB.prepare('SELECT action, state FROM deployment_jobs WHERE deployment_id = ?1').bind(dep.id).first();
    expect(job).toEqual({ action: 'stop', state: 'queued' });
  });

  it("stops running pods when the tenant's monthly spend cap is reached", async () => {
    await env.DB.prepare('UPDATE tenants SET monthly_spend_cap_micro = 500000 WHERE id = ?1').bind(t.tenantId).run();
    const dep = await insertDeployment(t.tenantId, { pod_id: 'pod-c', quoted_price_per_hour_micro: 2_000_000, running_since: Date.now() - 30 * 60_000 });
    agentWith({ 'pod-c': { status: 'running' } });
    await reconcileDeployments(env);
    expect(await row(dep.id)).toEqual({ status: 'stopping', status_reason: 'spend_cap_reached' });
  });

  it('terminates an orphan: a pod with our name whose deployment is final or unknown', async () => {
    const dead = await insertDeployment(t.tenantId, { status: 'terminated', pod_id: 'pod-old' });
    const calls = agentWith({}, [
      { podId: 'pod-orphan', provider: 'sim', deploymentId: dead.id, status: 'running' },
      { podId: 'pod-stranger', provider: 'sim', deploymentId: 'dep_zzzzzzzzzzzzzzzz', status: 'running' },
    ]);
    expect((await reconcileDeployments(env)).orphansTerminated).toBe(2);
    expect(calls.filter((c) => c.method === 'POST').map((c) => (c.body!.target as { podId: string }).podId).sort()).toEqual(['pod-orphan', 'pod-stranger']);
  });

  it('resends a job that was stored but never delivered', async () => {
    const dep = await insertDeployment(t.tenantId, { status: 'pending', pod_id: null, running_since: null });
    await env.DB.prepare(`INSERT INTO deployment_jobs (job_id, tenant_id, deployment_id, action, state, created_at) VALUES ('job_lost', ?1, ?2, 'provision', 'queued', ?3)`)
      .bind(t.tenantId, dep.id, Date.now() - 3 * 60_000)
      .run();
    agentWith({});
    expect((await reconcileDeployments(env)).resent).toBe(1);
  });
});
