import { afterEach, describe, expect, it } from 'vitest';
import { podJob, provisionJob, startAgent, stopAgents } from './helpers/agent';
import { eventually } from './helpers/servers';

afterEach(stopAgents);

const CALLBACK = 'http://127.0.0.1:9/cb';

describe('GET /v1/pods/:provider/:podId', () => {
  it('shows a running pod with its deployment, connection, utilisation and uptime', async () => {
    const { call } = startAgent({ SIM_BOOT_MS: '20' });
    const job = provisionJob(CALLBACK);
    const { podId } = await (await call('POST', '/v1/jobs', job)).json();
    const pod = await eventually(async () => (await call('GET', `/v1/pods/sim/${podId}`)).json(), (p) => p.status === 'running');
    expect(pod).toEqual({
      podId,
      provider: 'sim',
      name: `gpubroker-${job.deploymentId}`,
      deploymentId: job.deploymentId,
      status: 'running',
      connection: { sshHost: `${podId}.sim.gpubroker.local`, sshPort: expect.any(Number), httpUrl: `https://${podId}-8080.sim.gpubroker.local` },
      gpuUtilization: expect.any(Number),
      uptimeSeconds: expect.any(Number),
      observedAt: expect.any(String),
    });
  });

  it('shows a pod that is still booting as provisioning, without connection details', async () => {
    const { call } = startAgent({ SIM_BOOT_MS: '60000' });
    const { podId } = await (await call('POST', '/v1/jobs', provisionJob(CALLBACK))).json();
    const pod = await (await call('GET', `/v1/pods/sim/${podId}`)).json();
    expect(pod.status).toBe('provisioning');
    expect(pod.connection).toBeUndefined();
  });

  it('answers 200 with status not_found for a pod the provider does not know', async () => {
    const { call } = startAgent();
    const response = await call('GET', '/v1/pods/sim/sim-deadbeef');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ podId: 'sim-deadbeef', provider: 'sim', name: '', deploymentId: null, status: 'not_found', observedAt: expect.any(String) });
  });

  it('refuses an unknown provider naming the path parameter', async () => {
    const { call } = startAgent();
    const response = await call('GET', '/v1/pods/aws/i-123');
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([{ field: 'path.provider', message: expect.any(String) }]);
  });

  it('answers a provider failure as a retryable problem', async () => {
    const { call, sim } = startAgent();
    sim.failNext('status', 'unavailable');
    const response = await call('GET', '/v1/pods/sim/sim-1');
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'provider_error', retryable: true });
  });
});

describe('GET /v1/pods?provider=', () => {
  it('lists every live gpubroker pod at the provider, for orphan detection', async () => {
    const { call } = startAgent();
    const a = provisionJob(CALLBACK);
    const b = provisionJob(CALLBACK);
    const podA = (await (await call('POST', '/v1/jobs', a)).json()).podId;
    const podB = (await (await call('POST', '/v1/jobs', b)).json()).podId;

    const { pods } = await (await call('GET', '/v1/pods?provider=sim')).json();
    expect(pods.map((p: { podId: string; deploymentId: string }) => [p.podId, p.deploymentId]).sort()).toEqual(
      [
        [podA, a.deploymentId],
        [podB, b.deploymentId],
      ].sort(),
    );

    await call('POST', '/v1/jobs', podJob(a, 'terminate', podA));
    const listed = (body: { pods: Array<{ podId: string }> }) => body.pods.map((p) => p.podId);
    const after = await eventually(async () => (await call('GET', '/v1/pods?provider=sim')).json(), (body) => listed(body).length === 1);
    expect(listed(after)).toEqual([podB]);
  });

  it('requires the provider query parameter', async () => {
    const { call } = startAgent();
    const response = await call('GET', '/v1/pods');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_request', errors: [{ field: 'query.provider', message: expect.any(String) }] });
  });

  it('answers provider_auth for a provider without a key', async () => {
    const { call } = startAgent();
    const response = await call('GET', '/v1/pods?provider=lambda');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'provider_auth' });
  });
});
