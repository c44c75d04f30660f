import { afterEach, describe, expect, it } from 'vitest';
import { lambdaUserData } from '../src/providers/lambda-user-data';
import { podJob, provisionJob, SECRET, stopAgents } from './helpers/agent';
import { API_KEY, FAILURES, providerAgent } from './helpers/providers';
import { answer, on, send, startCallbackServer, startServer, waitFor, type Recorded, type Route, type TestServer } from './helpers/servers';

const servers: TestServer[] = [];
afterEach(async () => {
  await stopAgents();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** An instance as GET /instances/{id} documents it, inside Lambda's `data` envelope. */
function instance(overrides: Record<string, unknown> = {}) {
  return {
    id: '0920582c7ff041399e34823a0be62549',
    name: 'gpubroker-dep_la1',
    ip: '192.0.2.44',
    private_ip: '10.0.2.100',
    status: 'active',
    ssh_key_names: ['gpubroker-dep_la1'],
    region: { name: 'us-east-1', description: 'Virginia, USA' },
    instance_type: { name: 'gpu_1x_h100_pcie', description: '1x H100 (80 GB PCIe)' },
    hostname: '192-0-2-44.cloud.lambdalabs.com',
    jupyter_url: 'https://jupyter-3ac4c5c6-9026.lambdaspaces.com/?token=abc',
    ...overrides,
  };
}

const lambdaError = (code: string, message: string) => ({ error: { code, message, suggestion: 'try again' } });

async function lambda(routes: Route[] = [], observe: (req: Recorded) => void = () => {}): Promise<TestServer> {
  const server = await startServer((req, res) => {
    observe(req);
    if (answer(routes, req, res)) return;
    if (req.method === 'GET' && req.path === '/instances') return send(res, 200, { data: [] });
    if (req.method === 'GET' && req.path === '/ssh-keys') return send(res, 200, { data: [{ id: 'k0', name: 'laptop', public_key: 'ssh-ed25519 AAAA laptop' }] });
    if (req.method === 'POST' && req.path === '/ssh-keys') return send(res, 200, { data: { id: 'k1', ...req.json() } });
    if (req.method === 'POST' && req.path === '/instance-operations/launch') return send(res, 200, { data: { instance_ids: ['0920582c7ff041399e34823a0be62549'] } });
    if (req.method === 'GET' && req.path.startsWith('/instances/')) return send(res, 200, { data: instance({ id: req.path.split('/')[2] }) });
    if (req.method === 'POST' && req.path === '/instance-operations/terminate') return send(res, 200, { data: { terminated_instances: [instance({ status: 'terminating' })] } });
    send(res, 404, lambdaError('global/object-does-not-exist', 'no such route'));
  });
  servers.push(server);
  return server;
}

const job = (overrides: Parameters<typeof provisionJob>[1] = {}) =>
  provisionJob('http://127.0.0.1:9/cb', {
    deploymentId: 'dep_la1',
    target: { provider: 'lambda', offerExternalId: 'gpu_1x_h100_pcie:us-east-1', gpuModel: 'H100-80GB', gpuCount: 1, region: 'us-east-1', pricing: 'on_demand' },
    spec: { image: 'ghcr.io/acme/train:1', command: ['python', 'train.py'], env: { HF_TOKEN: 'hf_x' }, ports: [8080], sshPublicKey: 'ssh-ed25519 AAAA user' },
    ...overrides,
  });

describe('the Lambda client', () => {
  it('registers the job\'s SSH key under the pod name and launches in the documented shape', async () => {
    const server = await lambda();
    const { call } = providerAgent('lambda', server.url);
    const response = await call('POST', '/v1/jobs', job());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ podId: '0920582c7ff041399e34823a0be62549', status: 'provisioning' });

    expect(server.requests.map((r) => `${r.method} ${r.path}`).slice(0, 4)).toEqual(['GET /instances', 'GET /ssh-keys', 'POST /ssh-keys', 'POST /instance-operations/launch']);
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);
    expect(server.requests[2]!.json()).toEqual({ name: 'gpubroker-dep_la1', public_key: 'ssh-ed25519 AAAA user' });
    const launch = server.requests[3]!.json();
    expect(launch).toEqual({
      region_name: 'us-east-1',
      instance_type_name: 'gpu_1x_h100_pcie',
      ssh_key_names: ['gpubroker-dep_la1'],
      name: 'gpubroker-dep_la1',
      quantity: 1,
      user_data: expect.stringMatching(/^#cloud-config\n/),
    });
    expect(launch.user_data).toContain('ghcr.io/acme/train:1');
  });

  it('reuses a key already registered under the pod name', async () => {
    const server = await lambda([on('GET', '/ssh-keys', (res) => send(res, 200, { data: [{ id: 'k1', name: 'gpubroker-dep_la1', public_key: 'x' }] }))]);
    const { call } = providerAgent('lambda', server.url);
    expect((await call('POST', '/v1/jobs', job())).status).toBe(200);
    expect(server.requests.some((r) => r.method === 'POST' && r.path === '/ssh-keys')).toBe(false);
  });

  it('uses LAMBDA_SSH_KEY_NAME when the job brings no key, and refuses without either, naming the field', async () => {
    const server = await lambda();
    const noKey = job({ spec: { image: 'img', sshPublicKey: undefined } });
    const refused = await providerAgent('lambda', server.url).call('POST', '/v1/jobs', noKey);
    expect(refused.status).toBe(400);
    expect((await refused.json()).errors).toEqual([{ field: 'body.spec.sshPublicKey', message: expect.stringContaining('LAMBDA_SSH_KEY_NAME') }]);

    const { call } = providerAgent('lambda', server.url, { LAMBDA_SSH_KEY_NAME: 'ops-key' });
    expect((await call('POST', '/v1/jobs', noKey)).status).toBe(200);
    expect(server.requests.filter((r) => r.path === '/instance-operations/launch').at(-1)!.json().ssh_key_names).toEqual(['ops-key']);
  });

  it('maps insufficient capacity and quota errors to no_capacity', async () => {
    for (const code of ['instance-operations/launch/insufficient-capacity', 'global/quota-exceeded']) {
      const server = await lambda([on('POST', '/instance-operations/launch', (res) => send(res, 400, lambdaError(code, 'Not enough capacity to fulfill launch request.')))]);
      const { call } = providerAgent('lambda', server.url);
      const response = await call('POST', '/v1/jobs', job());
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'no_capacity', retryable: false });
    }
  });

  for (const failure of FAILURES) {
    it(`maps ${failure.name}`, async () => {
      const server = await lambda([on('POST', '/instance-operations/launch', failure.respond)]);
      const { call } = providerAgent('lambda', server.url);
      const response = await call('POST', '/v1/jobs', job());
      expect(response.status).toBe(failure.expected.status);
      expect(await response.json()).toMatchObject({ code: failure.expected.code, retryable: failure.expected.retryable });
    });
  }

  it('answers stop and start with not_supported without calling Lambda', async () => {
    const server = await lambda();
    const { call } = providerAgent('lambda', server.url);
    for (const action of ['stop', 'start'] as const) {
      const response = await call('POST', '/v1/jobs', podJob(job(), action, 'i-1'));
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'not_supported', retryable: false });
    }
    expect(server.requests).toHaveLength(0);
  });

  it('terminates with POST /instance-operations/terminate and reports terminated once it is gone', async () => {
    let status = 'active';
    const server = await lambda([on('GET', '/instances/i-1', (res) => send(res, 200, { data: instance({ id: 'i-1', status }) }))], (req) => {
      if (req.path === '/instance-operations/terminate') status = 'terminated';
    });
    const callbacks = await startCallbackServer(SECRET);
    servers.push(callbacks);
    const { call } = providerAgent('lambda', server.url);
    expect(await (await call('POST', '/v1/jobs', podJob(job({ callbackUrl: `${callbacks.url}/cb` }), 'terminate', 'i-1'))).json()).toMatchObject({ status: 'terminating' });
    expect(await waitFor(() => callbacks.events.find((e) => e.status === 'terminated'))).toMatchObject({ podId: 'i-1', provider: 'lambda', reason: 'requested' });
    expect(server.requests.find((r) => r.path === '/instance-operations/terminate')!.json()).toEqual({ instance_ids: ['i-1'] });
  });

  it('reads an active instance with its IP, booting as provisioning, and object-does-not-exist as not_found', async () => {
    const server = await lambda([
      on('GET', '/instances/booting', (res) => send(res, 200, { data: instance({ id: 'booting', status: 'booting', ip: null }) })),
      on('GET', '/instances/gone', (res) => send(res, 404, lambdaError('global/object-does-not-exist', 'Specified instance does not exist'))),
    ]);
    const { call } = providerAgent('lambda', server.url);
    expect(await (await call('GET', '/v1/pods/lambda/i-9')).json()).toMatchObject({
      status: 'running',
      deploymentId: 'dep_la1',
      connection: { sshHost: '192.0.2.44', sshPort: 22, httpUrl: expect.stringContaining('lambdaspaces.com') },
    });
    expect((await (await call('GET', '/v1/pods/lambda/booting')).json()).status).toBe('provisioning');
    expect((await (await call('GET', '/v1/pods/lambda/gone')).json()).status).toBe('not_found');
  });

  it('lists only live instances named gpubroker-…', async () => {
    const server = await lambda([
      on('GET', '/instances', (res) => send(res, 200, { data: [instance({ id: 'a' }), instance({ id: 'b', name: null }), instance({ id: 'c', name: 'gpubroker-dep_x', status: 'terminated' })] })),
    ]);
    const { call } = providerAgent('lambda', server.url);
    const { pods } = await (await call('GET', '/v1/pods?provider=lambda')).json();
    expect(pods.map((p: { podId: string }) => p.podId)).toEqual(['a']);
  });

  it('starts the image with Docker through cloud-init, the env in a root-only file', () => {
    const userData = lambdaUserData({ name: 'x', image: 'ghcr.io/acme/train:1', command: ['python', 'train.py'], env: { A: '1', QUOTE: 'a "b" c' }, ports: [8080, 22] });
    const config = JSON.parse(userData.replace(/^#cloud-config\n/, ''));
    expect(config.write_files).toEqual([{ path: '/etc/gpubroker/pod.env', permissions: '0600', content: 'A=1\nQUOTE=a "b" c\n' }]);
    expect(config.runcmd).toEqual([
      ['docker', 'run', '-d', '--restart', 'unless-stopped', '--gpus', 'all', '--name', 'gpubroker', '--env-file', '/etc/gpubroker/pod.env', '-p', '8080:8080', 'ghcr.io/acme/train:1', 'python', 'train.py'],
    ]);
  });

  it('refuses env values with line breaks, which a Docker env file cannot hold', async () => {
    const server = await lambda();
    const { call } = providerAgent('lambda', server.url);
    const response = await call('POST', '/v1/jobs', job({ spec: { image: 'img', sshPublicKey: 'k', env: { CERT: 'line1\nline2' } } }));
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].field).toBe('body.spec.env.CERT');
  });
});
