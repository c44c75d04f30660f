import { afterEach, describe, expect, it } from 'vitest';
import { parseRunPodOffer } from '../src/providers/runpod';
import { podJob, provisionJob, SECRET, stopAgents } from './helpers/agent';
import { API_KEY, FAILURES, providerAgent } from './helpers/providers';
import { answer, on, send, startCallbackServer, startServer, waitFor, type Recorded, type Route, type TestServer } from './helpers/servers';

const servers: TestServer[] = [];
afterEach(async () => {
  await stopAgents();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A pod as GET /pods/{id} documents it. */
function runpodPod(overrides: Record<string, unknown> = {}) {
  return {
    id: 'xedezhzb9la3ye',
    name: 'gpubroker-dep_rp1',
    desiredStatus: 'RUNNING',
    imageName: 'ghcr.io/acme/train:1',
    costPerHr: '0.74',
    interruptible: false,
    lastStartedAt: new Date(Date.now() - 90_000).toISOString(),
    publicIp: '203.0.113.7',
    portMappings: { '22': 10341 },
    ports: ['8080/http', '22/tcp'],
    gpu: { id: 'NVIDIA H100 80GB HBM3', count: 1, displayName: 'H100 SXM' },
    ...overrides,
  };
}

/** A RunPod REST fixture: `routes` first, then an empty account with the pod created on POST. `observe` sees every request. */
async function runpod(routes: Route[] = [], observe: (req: Recorded) => void = () => {}): Promise<TestServer> {
  const server = await startServer((req, res) => {
    observe(req);
    if (answer(routes, req, res)) return;
    if (req.method === 'GET' && req.path === '/pods') return send(res, 200, []);
    if (req.method === 'POST' && req.path === '/pods') return send(res, 201, runpodPod({ ...req.json(), desiredStatus: 'RUNNING', publicIp: '', portMappings: {} }));
    if (req.method === 'GET' && req.path.startsWith('/pods/')) return send(res, 200, runpodPod({ id: req.path.split('/')[2] }));
    if (req.method === 'POST' && /^\/pods\/[^/]+\/(stop|start)$/.test(req.path)) return send(res, 200, {});
    if (req.method === 'DELETE' && req.path.startsWith('/pods/')) return send(res, 204, '');
    send(res, 404, { error: 'not found' });
  });
  servers.push(server);
  return server;
}

const job = (overrides: Parameters<typeof provisionJob>[1] = {}) =>
  provisionJob('http://127.0.0.1:9/cb', {
    deploymentId: 'dep_rp1',
    target: { provider: 'runpod', offerExternalId: 'NVIDIA H100 80GB HBM3:community:2x:spot', gpuCount: 2, region: 'community', pricing: 'spot' },
    spec: { image: 'ghcr.io/acme/train:1', command: ['python', 'train.py'], env: { HF_TOKEN: 'hf_x' }, ports: [8080], sshPublicKey: 'ssh-ed25519 AAAA test', diskGb: 80 },
    ...overrides,
  });

describe('the RunPod client', () => {
  it('creates a pod with POST /pods in the documented shape, with the bearer key', async () => {
    const server = await runpod();
    const { call } = providerAgent('runpod', server.url);
    const response = await call('POST', '/v1/jobs', job());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ podId: 'xedezhzb9la3ye', status: 'provisioning' });

    const create = server.requests.find((r) => r.method === 'POST' && r.path === '/pods')!;
    expect(create.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(create.headers['content-type']).toBe('application/json');
    expect(create.json()).toEqual({
      name: 'gpubroker-dep_rp1',
      imageName: 'ghcr.io/acme/train:1',
      computeType: 'GPU',
      gpuTypeIds: ['NVIDIA H100 80GB HBM3'],
      gpuCount: 2,
      cloudType: 'COMMUNITY',
      interruptible: true,
      supportPublicIp: true,
      env: { HF_TOKEN: 'hf_x', PUBLIC_KEY: 'ssh-ed25519 AAAA test' },
      ports: ['8080/http', '22/tcp'],
      containerDiskInGb: 80,
      dockerStartCmd: ['python', 'train.py'],
    });
  });

  it('looks for a live pod already named for the deployment first, and adopts it', async () => {
    const server = await runpod([on('GET', '/pods', (res) => send(res, 200, [runpodPod({ id: 'existing1' }), runpodPod({ id: 'other', name: 'someone-else' })]))]);
    const { call } = providerAgent('runpod', server.url);
    expect(await (await call('POST', '/v1/jobs', job())).json()).toMatchObject({ podId: 'existing1', status: 'provisioning' });
    expect(server.requests.some((r) => r.method === 'POST' && r.path === '/pods')).toBe(false);
  });

  it('maps a "no instances available" answer to no_capacity', async () => {
    const server = await runpod([
      on('POST', '/pods', (res) => send(res, 500, { error: 'create pod: There are no longer any instances available with the requested specifications. Please refresh and try again.' })),
    ]);
    const { call } = providerAgent('runpod', server.url);
    const response = await call('POST', '/v1/jobs', job());
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'no_capacity', retryable: false, detail: expect.stringContaining('no longer any instances') });
  });

  for (const failure of FAILURES) {
    it(`maps ${failure.name}`, async () => {
      const server = await runpod([on('POST', '/pods', failure.respond)]);
      const { call } = providerAgent('runpod', server.url);
      const response = await call('POST', '/v1/jobs', job());
      expect(response.status).toBe(failure.expected.status);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ code: failure.expected.code, retryable: failure.expected.retryable });
    });
  }

  it('maps another 4xx to a provider_error that retrying will not fix', async () => {
    const server = await runpod([on('POST', '/pods', (res) => send(res, 400, { error: 'invalid image name' }))]);
    const { call } = providerAgent('runpod', server.url);
    const response = await call('POST', '/v1/jobs', job());
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'provider_error', retryable: false, detail: expect.stringContaining('invalid image name') });
  });

  it('reads a running pod with its SSH address and proxied HTTP URL', async () => {
    const server = await runpod();
    const { call } = providerAgent('runpod', server.url);
    const pod = await (await call('GET', '/v1/pods/runpod/xedezhzb9la3ye')).json();
    expect(pod).toMatchObject({
      podId: 'xedezhzb9la3ye',
      provider: 'runpod',
      deploymentId: 'dep_rp1',
      status: 'running',
      connection: { sshHost: '203.0.113.7', sshPort: 10341, httpUrl: 'https://xedezhzb9la3ye-8080.proxy.runpod.net' },
    });
    expect(pod.uptimeSeconds).toBeGreaterThanOrEqual(89);
    const read = server.requests.at(-1)!;
    expect([read.method, read.path, read.headers.authorization]).toEqual(['GET', '/pods/xedezhzb9la3ye', `Bearer ${API_KEY}`]);
  });

  it('reads EXITED as stopped, a rented pod without an address as provisioning, and a 404 as not_found', async () => {
    const server = await runpod([
      on('GET', '/pods/exited', (res) => send(res, 200, runpodPod({ id: 'exited', desiredStatus: 'EXITED' }))),
      on('GET', '/pods/booting', (res) => send(res, 200, runpodPod({ id: 'booting', publicIp: null, portMappings: null }))),
      on('GET', '/pods/gone', (res) => send(res, 404, { error: 'pod not found' })),
    ]);
    const { call } = providerAgent('runpod', server.url);
    expect((await (await call('GET', '/v1/pods/runpod/exited')).json()).status).toBe('stopped');
    expect((await (await call('GET', '/v1/pods/runpod/booting')).json()).status).toBe('provisioning');
    expect((await (await call('GET', '/v1/pods/runpod/gone')).json()).status).toBe('not_found');
  });

  it('stops with POST /pods/{id}/stop, starts with /start, and terminates with DELETE', async () => {
    let state = 'RUNNING';
    const server = await runpod([on('GET', '/pods/p1', (res) => send(res, 200, runpodPod({ id: 'p1', desiredStatus: state })))], (req) => {
      if (req.method === 'POST' && req.path === '/pods/p1/stop') state = 'EXITED';
      if (req.method === 'POST' && req.path === '/pods/p1/start') state = 'RUNNING';
      if (req.method === 'DELETE' && req.path === '/pods/p1') state = 'TERMINATED';
    });
    const callbacks = await startCallbackServer(SECRET);
    servers.push(callbacks);
    const { call } = providerAgent('runpod', server.url);
    const base = job({ callbackUrl: `${callbacks.url}/cb` });
    expect(await (await call('POST', '/v1/jobs', podJob(base, 'stop', 'p1'))).json()).toMatchObject({ status: 'stopping' });
    await waitFor(() => callbacks.events.find((e) => e.status === 'stopped'));
    expect(await (await call('POST', '/v1/jobs', podJob(base, 'start', 'p1'))).json()).toMatchObject({ status: 'starting' });
    await waitFor(() => callbacks.events.find((e) => e.status === 'running'));
    expect(await (await call('POST', '/v1/jobs', podJob(base, 'terminate', 'p1'))).json()).toMatchObject({ status: 'terminating' });
    await waitFor(() => callbacks.events.find((e) => e.status === 'terminated'));
    const actions = server.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
    expect(actions).toEqual(['POST /pods/p1/stop', 'POST /pods/p1/start', 'DELETE /pods/p1']);
  });

  it('reports a spot pod that RunPod stopped by itself as preempted', async () => {
    let state = 'RUNNING';
    const server = await runpod([on('GET', '/pods/xedezhzb9la3ye', (res) => send(res, 200, runpodPod({ desiredStatus: state, interruptible: true })))]);
    const callbacks = await startCallbackServer(SECRET);
    servers.push(callbacks);
    const { call } = providerAgent('runpod', server.url);
    await call('POST', '/v1/jobs', job({ callbackUrl: `${callbacks.url}/cb` }));
    await waitFor(() => callbacks.events.find((e) => e.status === 'running'));
    state = 'EXITED';
    expect(await waitFor(() => callbacks.events.find((e) => e.status === 'preempted'))).toMatchObject({ reason: 'preempted', provider: 'runpod' });
  });

  it('lists only live pods named gpubroker-…', async () => {
    const server = await runpod([
      on('GET', '/pods', (res) =>
        send(res, 200, [
          runpodPod({ id: 'a' }),
          runpodPod({ id: 'b', name: 'my-notebook' }),
          runpodPod({ id: 'c', name: 'gpubroker-dep_old', desiredStatus: 'TERMINATED' }),
          runpodPod({ id: 'd', name: 'gpubroker-dep_2', desiredStatus: 'EXITED' }),
        ]),
      ),
    ]);
    const { call } = providerAgent('runpod', server.url);
    const { pods } = await (await call('GET', '/v1/pods?provider=runpod')).json();
    expect(pods.map((p: { podId: string; deploymentId: string; status: string }) => [p.podId, p.deploymentId, p.status])).toEqual([
      ['a', 'dep_rp1', 'running'],
      ['d', 'dep_2', 'stopped'],
    ]);
  });

  it('reads offer ids in the Worker\'s form and bare GPU type ids', () => {
    const base = { provider: 'runpod' as const, gpuModel: 'x', gpuCount: 1, pricing: 'on_demand' as const };
    expect(parseRunPodOffer({ ...base, offerExternalId: 'NVIDIA A100 80GB PCIe:secure:1x:on_demand', region: 'secure' })).toEqual({ gpuTypeId: 'NVIDIA A100 80GB PCIe', cloudType: 'SECURE' });
    expect(parseRunPodOffer({ ...base, offerExternalId: 'NVIDIA L4', region: 'community' })).toEqual({ gpuTypeId: 'NVIDIA L4', cloudType: 'COMMUNITY' });
  });
});
