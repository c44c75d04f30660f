// POST /internal/agent/events: the agent's signed status reports moving deployments.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { signatureHeader, SIGNATURE_HEADER } from '../../workers/agent/src/signing';
import { api, json } from '../helpers';
import { createTenant, type TestTenant } from '../tenancy/fixtures';
import { insertDeployment } from './fixtures';

let t: TestTenant;
beforeEach(async () => {
  t = await createTenant();
});

async function post(body: unknown, { secret = env.AGENT_SECRET!, at = Date.now(), tamper = false } = {}) {
  const text = JSON.stringify(body);
  const signature = await signatureHeader(secret, text, at);
  return api('/internal/agent/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
    body: tamper ? text.replace('running', 'stopped') : text,
  });
}

const event = (deploymentId: string, status: string, extra: Record<string, unknown> = {}) => ({
  eventId: `evt-${crypto.randomUUID()}`,
  deploymentId,
  podId: 'pod-fixture',
  provider: 'sim',
  status,
  observedAt: new Date().toISOString(),
  ...extra,
});

const row = (id: string) => env.DB.prepare('SELECT status, status_reason, connection, running_since, run_ms FROM deployments WHERE id = ?1').bind(id).first<Record<string, unknown>>();

describe('POST /internal/agent/events', () => {
  it('moves a provisioning deployment to running with its connection details, once per event id', async () => {
    const dep = await insertDeployment(t.tenantId, { status: 'provisioning', running_since: null });
    const body = event(dep.id, 'running', { connection: { sshHost: 'p1.sim.gpubroker.local', sshPort: 22022 }, gpuUtilization: 0.4 });
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ applied: true });
    expect(await row(dep.id)).toMatchObject({ status: 'running', status_reason: 'provisioned', running_since: expect.any(Number) });
    expect(JSON.parse((await row(dep.id))!.connection as string)).toEqual({ sshHost: 'p1.sim.gpubroker.local', sshPort: 22022 });
    // The same report again (a retried callback) changes nothing and writes no second event.
    expect(await json(await post(body))).toEqual({ applied: false });
    const { n } = (await env.DB.prepare('SELECT COUNT(*) AS n FROM deployment_events WHERE deployment_id = ?1').bind(dep.id).first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it('closes the running interval when the pod stops', async () => {
    const dep = await insertDeployment(t.tenantId, { status: 'stopping', running_since: null, run_ms: 5000 });
    expect(await json(await post(event(dep.id, 'stopped')))).toEqual({ applied: true });
    expect(await row(dep.id)).toMatchObject({ status: 'stopped', run_ms: 5000 });
  });

  it('ignores a report about a pod the deployment no longer has', async () => {
    const dep = await insertDeployment(t.tenantId, { status: 'provisioning', pod_id: 'pod-new' });
    expect(await json(await post(event(dep.id, 'running')))).toEqual({ applied: false });
    expect(await row(dep.id)).toMatchObject({ status: 'provisioning' });
  });

  it('fails a preempted pod without failover', async () => {
    const dep = await insertDeployment(t.tenantId, { status: 'running', pricing: 'spot' });
    expect(await json(await post(event(dep.id, 'preempted', { reason: 'preempted' })))).toEqual({ applied: true });
    expect(await row(dep.id)).toMatchObject({ status: 'failed', status_reason: 'preempted' });
  });

  it.each([
    ['no signature', async (id: string) => api('/internal/agent/events', { method: 'POST', body: JSON.stringify(event(id, 'running')) })],
    ['a signature with another secret', (id: string) => post(event(id, 'running'), { secret: 'not-the-secret' })],
    ['a timestamp six minutes old', (id: string) => post(event(id, 'running'), { at: Date.now() - 6 * 60_000 })],
    ['a body changed after signing', (id: string) => post(event(id, 'running'), { tamper: true })],
  ])('refuses a callback with %s with 401 and changes nothing', async (_name, send) => {
    const dep = await insertDeployment(t.tenantId, { status: 'provisioning', running_since: null });
    const res = await send(dep.id);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await row(dep.id)).toMatchObject({ status: 'provisioning' });
  });

  it('answers a signed but malformed report with 400 naming the field', async () => {
    const res = await post({ eventId: 'e1', deploymentId: 'dep_0000000000000000', podId: 'p', provider: 'sim', status: 'exploded' });
    expect(res.status).toBe(400);
    expect((await json<{ errors: { field: string }[] }>(res)).errors[0]!.field).toBe('body.status');
  });
});
