import { afterEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../src/events';
import { podJob, provisionJob, SECRET, startAgent, stopAgents } from './helpers/agent';
import { startCallbackServer, waitFor, type CallbackServer } from './helpers/servers';

const servers: CallbackServer[] = [];
afterEach(async () => {
  await stopAgents();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function callbackServer(statuses: number[] = []): Promise<CallbackServer> {
  const server = await startCallbackServer(SECRET, statuses);
  servers.push(server);
  return server;
}

const statuses = (events: AgentEvent[]) => events.map((e) => e.status);
const eventFor = (server: CallbackServer, status: string) => () => server.events.find((e) => e.status === status);

describe('pod events', () => {
  it('report provisioning then running, signed and in order, with connection details', async () => {
    const callbacks = await callbackServer();
    const { call } = startAgent();
    const job = provisionJob(`${callbacks.url}/internal/agent/events`);
    const { podId } = await (await call('POST', '/v1/jobs', job)).json();

    const running = await waitFor(eventFor(callbacks, 'running'), 3000, 'running event');
    expect(statuses(callbacks.events)).toEqual(['provisioning', 'running']);
    expect(callbacks.attempts.every((a) => a.signed)).toBe(true);
    expect(callbacks.requests.every((r) => r.path === '/internal/agent/events' && r.method === 'POST')).toBe(true);
    expect(running).toMatchObject({
      eventId: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
      deploymentId: job.deploymentId,
      jobId: job.jobId,
      podId,
      provider: 'sim',
      status: 'running',
      connection: { sshHost: `${podId}.sim.gpubroker.local`, sshPort: expect.any(Number), httpUrl: `https://${podId}-8080.sim.gpubroker.local` },
      gpuUtilization: expect.any(Number),
    });
    expect(running.gpuUtilization).toBeGreaterThanOrEqual(0);
    expect(running.gpuUtilization).toBeLessThanOrEqual(1);
    expect(new Date(running.observedAt).toISOString()).toBe(running.observedAt);
    expect(new Set(callbacks.events.map((e) => e.eventId)).size).toBe(callbacks.events.length);
  });

  it('never carry the pod env or the API keys', async () => {
    const callbacks = await callbackServer();
    const { call } = startAgent({ RUNPOD_API_KEY: 'rp_key_value' });
    await call('POST', '/v1/jobs', provisionJob(`${callbacks.url}/cb`, { spec: { env: { HF_TOKEN: 'hf_very_secret' } } }));
    await waitFor(eventFor(callbacks, 'running'));
    const sent = callbacks.requests.map((r) => r.body).join('\n');
    expect(sent).not.toContain('hf_very_secret');
    expect(sent).not.toContain('rp_key_value');
  });

  it('follow a stop, a start and a terminate to their end states', async () => {
    const callbacks = await callbackServer();
    const { call, agent } = startAgent();
    const job = provisionJob(`${callbacks.url}/cb`);
    const { podId } = await (await call('POST', '/v1/jobs', job)).json();
    await waitFor(eventFor(callbacks, 'running'));

    const stop = podJob(job, 'stop', podId);
    expect(await (await call('POST', '/v1/jobs', stop)).json()).toEqual({ jobId: stop.jobId, podId, status: 'stopping', replayed: false });
    const stopped = await waitFor(eventFor(callbacks, 'stopped'));
    expect(stopped).toMatchObject({ jobId: stop.jobId, reason: 'requested' });
    expect((await (await call('GET', `/v1/pods/sim/${podId}`)).json()).status).toBe('stopped');

    const start = podJob(job, 'start', podId);
    expect(await (await call('POST', '/v1/jobs', start)).json()).toMatchObject({ status: 'starting' });
    await waitFor(() => callbacks.events.find((e) => e.status === 'running' && e.jobId === start.jobId), 3000, 'running after start');

    const terminate = podJob(job, 'terminate', podId);
    expect(await (await call('POST', '/v1/jobs', terminate)).json()).toMatchObject({ status: 'terminating' });
    const terminated = await waitFor(eventFor(callbacks, 'terminated'));
    expect(terminated).toMatchObject({ jobId: terminate.jobId, reason: 'requested' });

    expect(statuses(callbacks.events)).toEqual(['provisioning', 'running', 'stopped', 'provisioning', 'running', 'terminated']);
    await waitFor(() => agent.watcher.size === 0, 2000, 'the watch to end');
    expect((await (await call('GET', `/v1/pods/sim/${podId}`)).json()).status).toBe('terminated');
  });

  it('answer a stop of a pod that is already stopped at once, and still announce it', async () => {
    const callbacks = await callbackServer();
    const { call } = startAgent();
    const job = provisionJob(`${callbacks.url}/cb`);
    const { podId } = await (await call('POST', '/v1/jobs', job)).json();
    await call('POST', '/v1/jobs', podJob(job, 'stop', podId));
    await waitFor(eventFor(callbacks, 'stopped'));
    const again = podJob(job, 'stop', podId);
    expect(await (await call('POST', '/v1/jobs', again)).json()).toMatchObject({ status: 'stopped' });
    await waitFor(() => callbacks.events.find((e) => e.status === 'stopped' && e.jobId === again.jobId));
  });

  it('report preempted when the provider reclaims a spot pod', async () => {
    const callbacks = await callbackServer();
    const { call, agent } = startAgent({ SIM_PREEMPT_OFFERS: 'sim-spot', SIM_PREEMPT_AFTER_MS: '150' });
    const job = provisionJob(`${callbacks.url}/cb`, { target: { offerExternalId: 'sim-spot', pricing: 'spot' } });
    await call('POST', '/v1/jobs', job);
    const preempted = await waitFor(eventFor(callbacks, 'preempted'), 3000, 'preempted event');
    expect(preempted).toMatchObject({ status: 'preempted', reason: 'preempted', jobId: job.jobId, deploymentId: job.deploymentId });
    expect(statuses(callbacks.events)).toEqual(['provisioning', 'running', 'preempted']);
    await waitFor(() => agent.watcher.size === 0, 2000, 'the watch to end');
  });

  it('never report preemption for an on-demand pod on a preemptible offer', async () => {
    const callbacks = await callbackServer();
    const { call } = startAgent({ SIM_PREEMPT_OFFERS: 'sim-spot', SIM_PREEMPT_AFTER_MS: '50' });
    await call('POST', '/v1/jobs', provisionJob(`${callbacks.url}/cb`, { target: { offerExternalId: 'sim-spot', pricing: 'on_demand' } }));
    await waitFor(eventFor(callbacks, 'running'));
    await new Promise((r) => setTimeout(r, 200));
    expect(statuses(callbacks.events)).toEqual(['provisioning', 'running']);
  });

  it('report a pod the provider reclaimed as preempted even when the provider does not say why', async () => {
    const callbacks = await callbackServer();
    const { call, sim } = startAgent();
    const job = provisionJob(`${callbacks.url}/cb`, { target: { pricing: 'interruptible' } });
    const { podId } = await (await call('POST', '/v1/jobs', job)).json();
    await waitFor(eventFor(callbacks, 'running'));
    sim.preempt(podId);
    expect(await waitFor(eventFor(callbacks, 'preempted'))).toMatchObject({ reason: 'preempted', podId });
  });

  it('are retried with the same event id when the callback answers 503 first', async () => {
    const callbacks = await callbackServer([503, 503]);
    const { call } = startAgent();
    await call('POST', '/v1/jobs', provisionJob(`${callbacks.url}/cb`));
    await waitFor(eventFor(callbacks, 'running'), 3000, 'running event');
    const [first, second, third] = callbacks.attempts;
    expect([first?.answered, second?.answered, third?.answered]).toEqual([503, 503, 204]);
    expect(first?.event.status).toBe('provisioning');
    expect(second?.event.eventId).toBe(first?.event.eventId);
    expect(third?.event.eventId).toBe(first?.event.eventId);
    expect(statuses(callbacks.events)).toEqual(['provisioning', 'running']);
  });

  it('are not retried when the callback refuses them with a 4xx', async () => {
    const callbacks = await callbackServer([400]);
    const { call } = startAgent();
    await call('POST', '/v1/jobs', provisionJob(`${callbacks.url}/cb`));
    await waitFor(eventFor(callbacks, 'running'));
    expect(callbacks.attempts.map((a) => [a.event.status, a.answered])).toEqual([
      ['provisioning', 400],
      ['running', 204],
    ]);
  });

  it('give up after the retry budget when the callback keeps failing, and carry on watching', async () => {
    const callbacks = await callbackServer([503, 503, 503, 503, 503, 503, 503, 503, 503, 503]);
    // 20 ms doubling within 100 ms: 20, 40, 80 → four attempts in all.
    const { call } = startAgent({ AGENT_CALLBACK_RETRY_MS: '100', SIM_BOOT_MS: '30' });
    await call('POST', '/v1/jobs', provisionJob(`${callbacks.url}/cb`));
    await waitFor(() => callbacks.attempts.find((a) => a.event.status === 'running'), 3000, 'running attempt');
    const provisioning = callbacks.attempts.filter((a) => a.event.status === 'provisioning');
    expect(provisioning).toHaveLength(4);
  });
});
