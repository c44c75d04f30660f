import { afterEach, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signatureHeader } from '../src/signing';
import { provisionJob, SECRET, signedCall, startAgent, stopAgents, type TestResponse } from './helpers/agent';

afterEach(stopAgents);

async function expectUnauthorized(response: Response | TestResponse, reason: RegExp): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const problem = (await response.json()) as { type: string; detail: string };
  expect(problem).toMatchObject({ status: 401, code: 'invalid_signature', retryable: false, title: 'Invalid signature' });
  expect(problem.type).toMatch(/^https:\/\//);
  expect(problem.detail).toMatch(reason);
}

describe('the agent', () => {
  it('answers /healthz unsigned with the providers it has', async () => {
    const { agent } = startAgent({ RUNPOD_API_KEY: 'rp_key' });
    const response = await agent.app.request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', providers: ['sim', 'runpod'] });
  });

  it('refuses a job without a signature', async () => {
    const { agent } = startAgent();
    const response = await agent.app.request('/v1/jobs', { method: 'POST', body: JSON.stringify(provisionJob('http://127.0.0.1:1/cb')) });
    await expectUnauthorized(response, /missing/);
  });

  it('refuses a job signed with another secret', async () => {
    const { agent } = startAgent();
    await expectUnauthorized(await signedCall(agent, 'POST', '/v1/jobs', provisionJob('http://127.0.0.1:1/cb'), 'not-the-agent-secret-at-all'), /does not match/);
  });

  it('refuses a job whose signature is more than five minutes old', async () => {
    const { agent, sim } = startAgent();
    const body = JSON.stringify(provisionJob('http://127.0.0.1:1/cb'));
    const header = await signatureHeader(SECRET, body, Date.now() - 6 * 60 * 1000);
    await expectUnauthorized(await agent.app.request('/v1/jobs', { method: 'POST', headers: { [SIGNATURE_HEADER]: header }, body }), /5-minute/);
    expect(sim.livePodCount()).toBe(0);
  });

  it('refuses a job whose body was changed after signing', async () => {
    const { agent, sim } = startAgent();
    const job = provisionJob('http://127.0.0.1:1/cb');
    const header = await signatureHeader(SECRET, JSON.stringify(job));
    const tampered = JSON.stringify({ ...job, target: { ...job.target, gpuCount: 8 } });
    await expectUnauthorized(await agent.app.request('/v1/jobs', { method: 'POST', headers: { [SIGNATURE_HEADER]: header }, body: tampered }), /does not match/);
    expect(sim.livePodCount()).toBe(0);
  });

  it('refuses a malformed signature header', async () => {
    const { agent } = startAgent();
    const response = await agent.app.request('/v1/pods?provider=sim', { headers: { [SIGNATURE_HEADER]: 'sha256=deadbeef' } });
    await expectUnauthorized(response, /malformed/);
  });

  it('refuses unsigned pod reads too', async () => {
    const { agent } = startAgent();
    await expectUnauthorized(await agent.app.request('/v1/pods/sim/sim-1'), /missing/);
    await expectUnauthorized(await agent.app.request('/v1/pods?provider=sim'), /missing/);
  });

  it('answers an unknown route with a problem', async () => {
    const { call } = startAgent();
    const response = await call('GET', '/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'not_found', retryable: false });
  });
});
