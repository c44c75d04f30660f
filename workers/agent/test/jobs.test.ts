import { afterEach, describe, expect, it } from 'vitest';
import { podJob, provisionJob, startAgent, stopAgents } from './helpers/agent';

afterEach(stopAgents);

const CALLBACK = 'http://127.0.0.1:9/internal/agent/events';

describe('POST /v1/jobs', () => {
  it('provisions a pod and answers as soon as the provider accepted', async () => {
    const { call, sim } = startAgent({ SIM_BOOT_MS: '60000' });
    const job = provisionJob(CALLBACK);
    const response = await call('POST', '/v1/jobs', job);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({ jobId: job.jobId, podId: expect.stringMatching(/^sim-[0-9a-f]{8}$/), status: 'provisioning', replayed: false });
    expect(sim.livePodCount()).toBe(1);
  });

  it('replays the first result for the same jobId and never creates a second pod', async () => {
    const { call, sim } = startAgent();
    const job = provisionJob(CALLBACK);
    const first = await (await call('POST', '/v1/jobs', job)).json();
    const again = await (await call('POST', '/v1/jobs', { ...job, attempt: 2 })).json();
    expect(again).toEqual({ ...first, replayed: true });
    expect(sim.livePodCount()).toBe(1);
  });

  it('answers concurrent duplicates of a job with one pod', async () => {
    const { call, sim } = startAgent();
    const job = provisionJob(CALLBACK);
    const answers = await Promise.all([1, 2, 3].map(() => call('POST', '/v1/jobs', job).then((r) => r.json())));
    expect(new Set(answers.map((a) => a.podId)).size).toBe(1);
    expect(answers.filter((a) => a.replayed === false)).toHaveLength(1);
    expect(sim.livePodCount()).toBe(1);
  });

  it('refuses a jobId reused for a different job', async () => {
    const { call } = startAgent();
    const job = provisionJob(CALLBACK);
    await call('POST', '/v1/jobs', job);
    const response = await call('POST', '/v1/jobs', { ...job, target: { ...job.target, gpuCount: 2 } });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'job_conflict', retryable: false });
  });

  it('adopts the live pod of a deployment instead of creating another when a new job provisions it again', async () => {
    const { call, sim } = startAgent();
    const job = provisionJob(CALLBACK);
    const first = await (await call('POST', '/v1/jobs', job)).json();
    const retry = await (await call('POST', '/v1/jobs', { ...job, jobId: `${job.jobId}-retry` })).json();
    expect(retry).toMatchObject({ podId: first.podId, status: 'provisioning', replayed: false });
    expect(sim.livePodCount()).toBe(1);
  });

  it('answers 409 no_capacity when the provider has no machine for the offer', async () => {
    const { call, sim } = startAgent({ SIM_NO_CAPACITY_OFFERS: 'sim-full,sim-gone' });
    const response = await call('POST', '/v1/jobs', provisionJob(CALLBACK, { target: { offerExternalId: 'sim-full' } }));
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 409, code: 'no_capacity', retryable: false, title: 'No capacity', detail: expect.stringContaining('sim-full') });
    expect(sim.livePodCount()).toBe(0);
  });

  it('answers a provider outage as retryable, and a retry of the same job then succeeds', async () => {
    const { call, sim } = startAgent();
    const job = provisionJob(CALLBACK);
    sim.failNext('provision', 'unavailable');
    const failed = await call('POST', '/v1/jobs', job);
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({ code: 'provider_error', retryable: true });
    const retried = await call('POST', '/v1/jobs', job);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ replayed: false, status: 'provisioning' });
  });

  it('answers a provider timeout as 504 provider_timeout, retryable', async () => {
    const { call, sim } = startAgent();
    sim.failNext('provision', 'timeout');
    const response = await call('POST', '/v1/jobs', provisionJob(CALLBACK));
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: 'provider_timeout', retryable: true });
  });

  it('answers 401 provider_auth for a provider this agent has no key for', async () => {
    const { call } = startAgent();
    const response = await call('POST', '/v1/jobs', provisionJob(CALLBACK, { target: { provider: 'runpod' } }));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'provider_auth', retryable: false, detail: expect.stringContaining('RUNPOD_API_KEY') });
  });

  it('answers 409 not_found when stopping a pod the provider does not have', async () => {
    const { call } = startAgent();
    const job = provisionJob(CALLBACK);
    const response = await call('POST', '/v1/jobs', podJob(job, 'stop', 'sim-00000000'));
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'not_found', retryable: false });
  });

  it('answers terminate of a pod that is already gone as terminated', async () => {
    const { call } = startAgent();
    const response = await call('POST', '/v1/jobs', podJob(provisionJob(CALLBACK), 'terminate', 'sim-00000000'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ podId: 'sim-00000000', status: 'terminated', replayed: false });
  });
});

describe('POST /v1/jobs validation', () => {
  async function problemFor(body: unknown) {
    const { call } = startAgent();
    const response = await call('POST', '/v1/jobs', body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = await response.json();
    expect(problem).toMatchObject({ status: 400, code: 'invalid_request', retryable: false });
    return problem as { detail: string; errors: Array<{ field: string; message: string }> };
  }

  it('names every missing field', async () => {
    const problem = await problemFor({ action: 'provision' });
    const fields = problem.errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.jobId', 'body.deploymentId', 'body.attempt', 'body.callbackUrl', 'body.target']));
    expect(problem.detail).toContain('body.jobId');
  });

  it('names bad nested fields', async () => {
    const job = provisionJob(CALLBACK, { target: { provider: 'aws', gpuCount: 0, pricing: 'cheap' }, spec: { image: '', ports: [70000] } });
    const fields = (await problemFor(job)).errors.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['body.target.provider', 'body.target.gpuCount', 'body.target.pricing', 'body.spec.image', 'body.spec.ports.0']),
    );
  });

  it('requires a spec to provision', async () => {
    const { spec: _spec, ...job } = provisionJob(CALLBACK);
    expect((await problemFor(job)).errors).toEqual([{ field: 'body.spec', message: 'required for provision' }]);
  });

  it('requires target.podId to stop, start or terminate', async () => {
    for (const action of ['stop', 'start', 'terminate'] as const) {
      const { target, ...job } = podJob(provisionJob(CALLBACK), action, 'x');
      const { podId: _podId, ...withoutPod } = target;
      expect((await problemFor({ ...job, target: withoutPod })).errors).toEqual([{ field: 'body.target.podId', message: `required for ${action}` }]);
    }
  });

  it('refuses a callback URL that is not http(s)', async () => {
    const fields = (await problemFor(provisionJob('ftp://example.com/cb'))).errors.map((e) => e.field);
    expect(fields).toEqual(['body.callbackUrl']);
  });

  it('refuses deployment ids that cannot be part of a pod name', async () => {
    const fields = (await problemFor(provisionJob(CALLBACK, { deploymentId: 'dep with spaces' }))).errors.map((e) => e.field);
    expect(fields).toEqual(['body.deploymentId']);
  });

  it('refuses a body that is not JSON', async () => {
    expect((await problemFor('{"jobId": ')).errors).toEqual([{ field: 'body', message: 'not valid JSON' }]);
  });
});
