import { afterEach, describe, expect, it } from 'vitest';
import { podJob, provisionJob, SECRET, stopAgents } from './helpers/agent';
import { API_KEY, FAILURES, providerAgent } from './helpers/providers';
import { answer, on, send, startCallbackServer, startServer, waitFor, type Recorded, type Route, type TestServer } from './helpers/servers';

const servers: TestServer[] = [];
afterEach(async () => {
  await stopAgents();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** An instance as GET /instances/{id}/ documents it. */
function instance(overrides: Record<string, unknown> = {}) {
  return {
    id: 777,
    label: 'gpubroker-dep_va1',
    actual_status: 'running',
    intended_status: 'running',
    cur_state: 'running',
    image_uuid: 'ghcr.io/acme/train:1',
    ssh_host: 'ssh4.vast.ai',
    ssh_port: 20776,
    public_ipaddr: '198.51.100.20',
    ports: { '22/tcp': [{ HostIp: '0.0.0.0', HostPort: '40022' }], '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '40080' }] },
    gpu_name: 'RTX 4090',
    gpu_util: 87,
    start_date: Date.now() / 1000 - 120,
    dph_total: 0.42,
    ...overrides,
  };
}

async function vast(routes: Route[] = [], observe: (req: Recorded) => void = () => {}): Promise<TestServer> {
  const server = await startServer((req, res) => {
    observe(req);
    if (answer(routes, req, res)) return;
    if (req.method === 'GET' && req.path === '/instances/') return send(res, 200, { instances_found: 0, instances: [] });
    if (req.method === 'PUT' && /^\/asks\/\d+\/$/.test(req.path)) return send(res, 200, { success: true, new_contract: 777 });
    if (req.method === 'POST' && /^\/instances\/\d+\/ssh\/$/.test(req.path)) return send(res, 200, { success: true });
    if (req.method === 'GET' && /^\/instances\/\d+\/$/.test(req.path)) return send(res, 200, { instances: instance({ id: Number(req.path.split('/')[2]) }) });
    if (req.method === 'PUT' && /^\/instances\/\d+\/$/.test(req.path)) return send(res, 200, { success: true });
    if (req.method === 'DELETE' && /^\/instances\/\d+\/$/.test(req.path)) return send(res, 200, { success: true });
    send(res, 404, { success: false, error: 'not_found', msg: 'no such route' });
  });
  servers.push(server);
  return server;
}

const job = (overrides: Parameters<typeof provisionJob>[1] = {}) =>
  provisionJob('http://127.0.0.1:9/cb', {
    deploymentId: 'dep_va1',
    target: { provider: 'vastai', offerExternalId: '4242:on_demand', gpuModel: 'RTX4090-24GB', gpuCount: 1, region: 'Texas, US', pricing: 'on_demand' },
    spec: { image: 'ghcr.io/acme/train:1', command: ['python', 'serve.py'], env: { HF_TOKEN: 'hf_x' }, ports: [8080], sshPublicKey: 'ssh-ed25519 AAAA test', diskGb: 40 },
    ...overrides,
  });

describe('the Vast.ai client', () => {
  it('rents the offer with PUT /asks/{id}/ in the documented shape, then attaches the SSH key', async () => {
    const server = await vast();
    const { call } = providerAgent('vastai', server.url);
    const response = await call('POST', '/v1/jobs', job());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ podId: '777', status: 'provisioning' });

    const rent = server.requests.find((r) => r.method === 'PUT' && r.path === '/asks/4242/')!;
    expect(rent.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(rent.json()).toEqual({
      image: 'ghcr.io/acme/train:1',
      label: 'gpubroker-dep_va1',
      disk: 40,
      env: { HF_TOKEN: 'hf_x', '-p 8080:8080': '1' },
      runtype: 'args',
      args: ['python', 'serve.py'],
    });
    const key = server.requests.find((r) => r.path === '/instances/777/ssh/')!;
    expect([key.method, key.json()]).toEqual(['POST', { ssh_key: 'ssh-ed25519 AAAA test' }]);
  });

  it('bids for an interruptible instance, and refuses one without a bid naming the field', async () => {
    const server = await vast();
    const { call } = providerAgent('vastai', server.url);
    const noBid = await call('POST', '/v1/jobs', job({ target: { provider: 'vastai', offerExternalId: '4242:interruptible', pricing: 'interruptible' } }));
    expect(noBid.status).toBe(400);
    expect((await noBid.json()).errors).toEqual([{ field: 'body.target.bidPricePerHourUsd', message: expect.any(String) }]);

    const withBid = await call('POST', '/v1/jobs', job({ target: { provider: 'vastai', offerExternalId: '4242:interruptible', pricing: 'interruptible', bidPricePerHourUsd: 0.21 } }));
    expect(withBid.status).toBe(200);
    expect(server.requests.find((r) => r.method === 'PUT')!.json()).toMatchObject({ price: 0.21 });
  });

  it('refuses an offer id that is not an ask id', async () => {
    const server = await vast();
    const { call } = providerAgent('vastai', server.url);
    const response = await call('POST', '/v1/jobs', job({ target: { provider: 'vastai', offerExternalId: 'abc', pricing: 'on_demand' } }));
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].field).toBe('body.target.offerExternalId');
  });

  it('maps an ask that is gone or taken to no_capacity', async () => {
    for (const respond of [
      (res: Parameters<Route['respond']>[0]) => send(res, 404, { success: false, error: 'no_such_ask', msg: 'Instance type by id 4242 is not available.' }),
      (res: Parameters<Route['respond']>[0]) => send(res, 400, { success: false, error: 'invalid_args', msg: 'error 404/3603: no_such_ask  Instance type by id 4242 is not available.' }),
      (res: Parameters<Route['respond']>[0]) => send(res, 409, { success: false, msg: 'offer already rented' }),
      (res: Parameters<Route['respond']>[0]) => send(res, 200, { success: false, msg: 'no_such_ask' }),
    ]) {
      const server = await vast([on('PUT', '/asks/4242/', respond)]);
      const { call } = providerAgent('vastai', server.url);
      const response = await call('POST', '/v1/jobs', job());
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'no_capacity', retryable: false });
    }
  });

  for (const failure of FAILURES) {
    it(`maps ${failure.name}`, async () => {
      const server = await vast([on('PUT', '/asks/4242/', failure.respond)]);
      const { call } = providerAgent('vastai', server.url);
      const response = await call('POST', '/v1/jobs', job());
      expect(response.status).toBe(failure.expected.status);
      expect(await response.json()).toMatchObject({ code: failure.expected.code, retryable: failure.expected.retryable });
    });
  }

  it('reads a running instance with direct SSH, its HTTP port and GPU utilisation', async () => {
    const server = await vast();
    const { call } = providerAgent('vastai', server.url);
    const pod = await (await call('GET', '/v1/pods/vastai/777')).json();
    expect(pod).toMatchObject({
      podId: '777',
      deploymentId: 'dep_va1',
      status: 'running',
      connection: { sshHost: '198.51.100.20', sshPort: 40022, httpUrl: 'http://198.51.100.20:40080' },
      gpuUtilization: 0.87,
    });
    expect(pod.uptimeSeconds).toBeGreaterThanOrEqual(119);
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('falls back to the SSH proxy, and reads loading, stopped and offline states', async () => {
    const server = await vast([
      on('GET', '/instances/1/', (res) => send(res, 200, { instances: instance({ id: 1, ports: {} }) })),
      on('GET', '/instances/2/', (res) => send(res, 200, { instances: instance({ id: 2, actual_status: 'loading' }) })),
      on('GET', '/instances/3/', (res) => send(res, 200, { instances: instance({ id: 3, actual_status: 'stopped', intended_status: 'stopped' }) })),
      on('GET', '/instances/4/', (res) => send(res, 200, { instances: instance({ id: 4, actual_status: 'offline' }) })),
      on('GET', '/instances/5/', (res) => send(res, 404, { success: false, error: 'not_found' })),
      on('GET', '/instances/6/', (res) => send(res, 200, { instances: null })),
    ]);
    const { call } = providerAgent('vastai', server.url);
    const read = async (id: number) => (await call('GET', `/v1/pods/vastai/${id}`)).json();
    expect((await read(1)).connection).toEqual({ sshHost: 'ssh4.vast.ai', sshPort: 20776 });
    expect((await read(2)).status).toBe('provisioning');
    expect((await read(3)).status).toBe('stopped');
    expect(await read(4)).toMatchObject({ status: 'running', detail: 'host offline' });
    expect((await read(5)).status).toBe('not_found');
    expect((await read(6)).status).toBe('not_found');
  });

  it('stops and starts with PUT /instances/{id}/ and destroys with DELETE', async () => {
    let status = 'running';
    const server = await vast([on('GET', '/instances/777/', (res) => send(res, 200, { instances: instance({ actual_status: status }) }))], (req) => {
      if (req.method === 'PUT' && req.path === '/instances/777/') status = req.json().state;
    });
    const callbacks = await startCallbackServer(SECRET);
    servers.push(callbacks);
    const { call } = providerAgent('vastai', server.url);
    const base = job({ callbackUrl: `${callbacks.url}/cb` });
    expect(await (await call('POST', '/v1/jobs', podJob(base, 'stop', '777'))).json()).toMatchObject({ status: 'stopping' });
    await waitFor(() => callbacks.events.find((e) => e.status === 'stopped'));
    expect(await (await call('POST', '/v1/jobs', podJob(base, 'start', '777'))).json()).toMatchObject({ status: 'starting' });
    await waitFor(() => callbacks.events.find((e) => e.status === 'running'));
    await call('POST', '/v1/jobs', podJob(base, 'terminate', '777'));
    const writes = server.requests.filter((r) => r.method !== 'GET').map((r) => [r.method, r.path, r.body ? r.json() : null]);
    expect(writes).toEqual([
      ['PUT', '/instances/777/', { state: 'stopped' }],
      ['PUT', '/instances/777/', { state: 'running' }],
      ['DELETE', '/instances/777/', null],
    ]);
  });

  it('lists only instances labelled gpubroker-…', async () => {
    const server = await vast([
      on('GET', '/instances/', (res) =>
        send(res, 200, { instances_found: 3, instances: [instance({ id: 1 }), instance({ id: 2, label: null }), instance({ id: 3, label: 'gpubroker-dep_z', actual_status: 'loading' })] }),
      ),
    ]);
    const { call } = providerAgent('vastai', server.url);
    const { pods } = await (await call('GET', '/v1/pods?provider=vastai')).json();
    expect(pods.map((p: { podId: string; deploymentId: string; status: string }) => [p.podId, p.deploymentId, p.status])).toEqual([
      ['1', 'dep_va1', 'running'],
      ['3', 'dep_z', 'provisioning'],
    ]);
  });
});
