// The deploy-job consumer's fault paths against a scripted agent: duplicate deliveries, an agent
// that is down or failing, no capacity with and without failover, and the dead-letter queue.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../src/index';
import { beforeEach, describe, expect, it } from 'vitest';
import { backoffSeconds, processJob } from '../../src/deployments/consumer';
import type { DeployJob } from '../../src/deployments/jobs';
import { fund } from '../billing/fixtures';
import { ingestAt } from '../helpers';
import { idem, send } from '../tenancy/calls';
import { createTenant, type TestTenant } from '../tenancy/fixtures';
import { agentDown, fakeAgent, okJob, refuse } from './fake-agent';

let t: TestTenant;

beforeEach(async () => {
  t = await createTenant({ plan: 'pro' });
  await fund(t.tenantId, 500);
  await ingestAt(Date.now());
});

/** Creates a deployment through the API; returns it and the provision job it queued. */
async function deploy(body: Record<string, unknown> = {}, gpu = 'A100-80GB'): Promise<{ id: string; job: DeployJob; offerId: string }> {
  const offers = (await send<{ data: { id: string }[] }>('GET', `/v1/offers?gpu=${gpu}&limit=1`, null)).body.data;
  const res = await send<{ id: string }>('POST', '/v1/deployments', t.ownerToken, { offerId: offers[0]!.id, name: 'job-test', image: 'busybox', ...body }, idem());
  expect(res.status).toBe(202);
  const job = await env.DB.prepare('SELECT job_id AS jobId, tenant_id AS tenantId, deployment_id AS deploymentId, action FROM deployment_jobs WHERE deployment_id = ?1').bind(res.body.id).first<Omit<DeployJob, 'attempt'>>();
  return { id: res.body.id, job: { ...job!, attempt: 1 }, offerId: offers[0]!.id };
}

const statusOf = async (id: string) => env.DB.prepare('SELECT status, status_reason, pod_id, offer_id, offer_attempts FROM deployments WHERE id = ?1').bind(id).first<{ status: string; status_reason: string; pod_id: string | null; offer_id: string; offer_attempts: number }>();
const jobsOf = async (id: string) => (await env.DB.prepare('SELECT action, state, outcome FROM deployment_jobs WHERE deployment_id = ?1 ORDER BY created_at, job_id').bind(id).all<{ action: string; state: string; outcome: string | null }>()).results;

async function deliver(queue: string, job: DeployJob, attempts = 1) {
  const batch = createMessageBatch<DeployJob>(queue, [{ id: crypto.randomUUID(), timestamp: new Date(), attempts, body: job }]);
  const ctx = createExecutionContext();
  await worker.queue!(batch as MessageBatch<unknown>, env);
  return getQueueResult(batch, ctx);
}

describe('deploy job consumer', () => {
  it('provisions once however often the job is delivered, and signs what it sends the agent', async () => {
    const calls = fakeAgent(okJob);
    const { id, job } = await deploy({ env: { TOKEN: 'abc123' } });
    expect(await processJob(env, job)).toBe(true);
    expect(await processJob(env, job)).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({ jobId: job.jobId, deploymentId: id, action: 'provision', callbackUrl: 'http://gpubroker.test/internal/agent/events', spec: { name: `gpubroker-${id}`, image: 'busybox', env: { TOKEN: 'abc123' } } });
    expect(await statusOf(id)).toMatchObject({ status: 'provisioning', pod_id: expect.stringMatching(/^pod-/) });
    expect(await jobsOf(id)).toEqual([{ action: 'provision', state: 'done', outcome: 'ok: provisioning' }]);
  });

  it('keeps the job and retries the message with backoff while the agent is down', async () => {
    agentDown();
    const { id, job } = await deploy();
    const result = await deliver('gpubroker-deploy-jobs', job, 3);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toHaveLength(1);
    expect(await statusOf(id)).toMatchObject({ status: 'pending' });
    expect(await jobsOf(id)).toEqual([{ action: 'provision', state: 'queued', outcome: null }]);
  });

  it('backs off exponentially between redeliveries, up to five minutes', () => {
    expect([1, 2, 3, 8, 9, 20].map(backoffSeconds)).toEqual([2, 4, 8, 256, 300, 300]);
  });

  it('retries on a provider 5xx or timeout the agent reports as retryable', async () => {
    fakeAgent(refuse(502, 'provider_error', true));
    const { id, job } = await deploy();
    expect(await processJob(env, job)).toBe(false);
    expect(await statusOf(id)).toMatchObject({ status: 'pending' });
  });

  it('fails the deployment on no capacity when failover is off', async () => {
    fakeAgent(refuse(409, 'no_capacity', false));
    const { id, job } = await deploy();
    expect(await processJob(env, job)).toBe(true);
    expect(await statusOf(id)).toMatchObject({ status: 'failed', status_reason: 'no_capacity' });
  });

  it('fails over on no capacity to the next matching offer, up to three offers, then fails', async () => {
    const calls = fakeAgent(refuse(409, 'no_capacity', false));
    const { id, job, offerId } = await deploy({ failover: { enabled: true } });
    expect(await processJob(env, job)).toBe(true);
    const second = await statusOf(id);
    expect(second).toMatchObject({ status: 'provisioning', status_reason: 'failover', offer_attempts: 2 });
    expect(second!.offer_id).not.toBe(offerId);
    const next = await env.DB.prepare(`SELECT job_id AS jobId, tenant_id AS tenantId, deployment_id AS deploymentId, action FROM deployment_jobs WHERE deployment_id = ?1 AND state = 'queued'`).bind(id).first<DeployJob>();
    expect(await processJob(env, { ...next!, attempt: 2 })).toBe(true);
    const third = await env.DB.prepare(`SELECT job_id AS jobId, tenant_id AS tenantId, deployment_id AS deploymentId, action FROM deployment_jobs WHERE deployment_id = ?1 AND state = 'queued'`).bind(id).first<DeployJob>();
    expect(await processJob(env, { ...third!, attempt: 3 })).toBe(true);
    expect(await statusOf(id)).toMatchObject({ status: 'failed', status_reason: 'no_capacity', offer_attempts: 3 });
    // Three different offers were tried, all of the same GPU model and count.
    const tried = calls.map((c) => (c.body!.target as { offerExternalId: string; gpuModel: string }));
    expect(new Set(tried.map((x) => x.offerExternalId)).size).toBe(3);
    expect(new Set(tried.map((x) => x.gpuModel))).toEqual(new Set(['A100-80GB']));
    const events = (await send<{ data: { reason: string }[] }>('GET', `/v1/deployments/${id}/events`, t.ownerToken)).body.data;
    expect(events.map((e) => e.reason)).toEqual(['user_requested', 'failover', 'failover', 'no_capacity']);
  });

  it('ignores a stale provision job of an offer a failover replaced', async () => {
    const calls = fakeAgent(okJob);
    const { id, job } = await deploy();
    await env.DB.prepare('UPDATE deployments SET offer_attempts = 2 WHERE id = ?1').bind(id).run();
    expect(await processJob(env, job)).toBe(true);
    expect(calls).toHaveLength(0);
    expect((await jobsOf(id))[0]!.outcome).toMatch(/^superseded/);
  });

  it('marks the deployment failed when its job lands in the dead-letter queue', async () => {
    agentDown();
    const { id, job } = await deploy();
    const result = await deliver('gpubroker-deploy-jobs-dlq', job);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await statusOf(id)).toMatchObject({ status: 'failed', status_reason: 'retries_exhausted' });
    expect((await jobsOf(id))[0]!.state).toBe('dead');
  });

  it('acknowledges and drops a malformed message instead of retrying it forever', async () => {
    const batch = createMessageBatch('gpubroker-deploy-jobs', [{ id: 'm1', timestamp: new Date(), attempts: 1, body: { hello: 'world' } }]);
    const ctx = createExecutionContext();
    await worker.queue!(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['m1']);
  });
});
