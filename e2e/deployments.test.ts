// A deployment end to end, every part real and separate: API → D1 → DEPLOY_JOBS queue → consumer →
// the agent process (its simulated cloud) → signed HTTP callbacks → D1; and the reconcile pass on cron.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, startStack, type Stack } from './stack';

let stack: Stack;
let token: string;
let noCapacityOffer: { id: string; externalId: string };

interface Deployment {
  id: string;
  status: string;
  statusReason: string;
  podId: string | null;
  offerId: string;
  offerAttempts: number;
  connection: { sshHost?: string; sshPort?: number; httpUrl?: string } | null;
  events: { from: string | null; to: string | null; reason: string }[];
}

const call = apiCaller(() => stack.api, () => token);

async function until(id: string, test: (d: Deployment) => boolean, what: string, timeoutMs = 20_000): Promise<Deployment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dep = (await call<Deployment>('GET', `/v1/deployments/${id}`)).body;
    if (test(dep)) return dep;
    if (Date.now() > deadline) throw new Error(`deployment ${id} is ${dep.status} (${dep.statusReason}), waited for ${what}; events ${JSON.stringify(dep.events)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const offers = async (query: string) => (await call<{ data: { id: string; externalId: string; provider: string }[] }>('GET', `/v1/offers?${query}`)).body.data;

beforeAll(async () => {
  // The sim's offers are the same for a seed, so the offer the agent will refuse is known up front.
  stack = await startStack({ SIM_BOOT_MS: '800', AGENT_POLL_MS: '200', SIM_NO_CAPACITY_RATE: '0', SIM_PREEMPT_RATE: '0', SIM_NO_CAPACITY_OFFERS: 'sim-17' });
  await stack.cron();
  const signup = await fetch(`${stack.api}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ email: `e2e-${Date.now()}@example.com`, password: 'correct horse battery staple', organization: 'E2E' }),
  });
  expect(signup.status).toBe(201);
  const account = (await signup.json()) as { accessToken: string; tenant: { id: string }; user: { email: string } };
  token = account.accessToken;
  // Deployments need credit: the user is made a platform admin in the local database (test setup)
  // and grants its own tenant $100 through the admin adjustment endpoint, a real ledger posting.
  await stack.sql(`UPDATE users SET is_platform_admin = 1 WHERE email = '${account.user.email}'`);
  const credit = await call<{ balanceUsd: number }>('POST', '/v1/admin/billing/adjustments', { tenantId: account.tenant.id, amountUsd: 100, reason: 'e2e test credit' });
  expect(credit).toMatchObject({ status: 201, body: { balanceUsd: 100 } });
  const sim17 = (await offers('provider=sim&limit=200')).find((o) => o.externalId === 'sim-17');
  noCapacityOffer = sim17!;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('deployments end to end', () => {
  it('reaches running with connection details, stops, starts, terminates; one pod, every transition recorded', async () => {
    const offer = (await offers('provider=sim&gpu=A100-80GB&limit=1'))[0]!;
    const created = await call<Deployment>('POST', '/v1/deployments', { offerId: offer.id, name: 'e2e', image: 'pytorch/pytorch:2.4.0', env: { HF_TOKEN: 'hf_e2e' }, ports: [8888] });
    expect(created.status).toBe(202);
    const id = created.body.id;
    const running = await until(id, (d) => d.status === 'running', 'running');
    expect(running.connection?.sshHost).toBeTruthy();
    expect((await call('POST', `/v1/deployments/${id}/stop`)).status).toBe(202);
    await until(id, (d) => d.status === 'stopped', 'stopped');
    expect((await call('POST', `/v1/deployments/${id}/start`)).status).toBe(202);
    await until(id, (d) => d.status === 'running', 'running again');
    expect((await call('DELETE', `/v1/deployments/${id}`)).status).toBe(202);
    const done = await until(id, (d) => d.status === 'terminated', 'terminated');
    expect(done.events.map((e) => `${e.from ?? '∅'}→${e.to}`)).toEqual([
      '∅→pending',
      'pending→provisioning',
      'provisioning→running',
      'running→stopping',
      'stopping→stopped',
      'stopped→provisioning',
      'provisioning→running',
      'running→terminating',
      'terminating→terminated',
    ]);

    // Billing: the next cron pass charges the running time, including the last partial window, once:
    // the usage charges of this deployment add up to its cost at the locked price plus the 10% margin.
    const costMicro = Math.round((done as Deployment & { costSoFarUsd: number }).costSoFarUsd * 1e6);
    expect(costMicro).toBeGreaterThan(0);
    await stack.cron();
    let chargedMicro = 0;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      const ledger = await call<{ data: { amountUsd: number }[] }>('GET', `/v1/billing/ledger?kind=usage&deploymentId=${id}&limit=200`);
      chargedMicro = ledger.body.data.reduce((s, t) => s - Math.round(t.amountUsd * 1e6), 0);
      if (chargedMicro >= costMicro) break;
    }
    expect(chargedMicro).toBe(costMicro + Math.floor(costMicro / 10));
    const balance = await call<{ balanceUsd: number; thisMonth: { usageUsd: number } }>('GET', '/v1/billing/balance');
    expect(balance.body.balanceUsd).toBeLessThan(100);
  });

  it('fails over from an offer without capacity to the next one of the same GPU', async () => {
    const created = await call<Deployment>('POST', '/v1/deployments', { offerId: noCapacityOffer.id, name: 'e2e-failover', image: 'busybox', failover: { enabled: true } });
    expect(created.status).toBe(202);
    const running = await until(created.body.id, (d) => d.status === 'running', 'running after failover');
    expect(running.offerAttempts).toBe(2);
    expect(running.offerId).not.toBe(noCapacityOffer.id);
    expect(running.events.map((e) => e.reason)).toContain('failover');
    // A new tenant is on the free plan (one deployment at a time): free the slot for the next test.
    await call('DELETE', `/v1/deployments/${created.body.id}`);
    await until(created.body.id, (d) => d.status === 'terminated', 'terminated');
  });

  it('fails without failover when the offer has no capacity', async () => {
    const created = await call<Deployment>('POST', '/v1/deployments', { offerId: noCapacityOffer.id, name: 'e2e-nocap', image: 'busybox' });
    expect(created.status).toBe(202);
    const failed = await until(created.body.id, (d) => d.status === 'failed', 'failed');
    expect(failed.statusReason).toBe('no_capacity');
  });
});
