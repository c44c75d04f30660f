// The deployment API on its own: validation, offer checks, limits, secrets and the state machine's
// 409s. The pod side (queue → agent → events) is in flow.test.ts.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { fund } from '../billing/fixtures';
import { ingestAt } from '../helpers';
import { idem, send, type ProblemBody } from '../tenancy/calls';
import { addMember, createTenant, type TestTenant } from '../tenancy/fixtures';
import { insertDeployment } from './fixtures';

interface Deployment {
  id: string;
  status: string;
  offerId: string;
  quotedPricePerHourUsd: number;
  envKeys: string[] | null;
  events?: { from: string | null; to: string | null; reason: string }[];
}

let t: TestTenant;
let offer: { id: string; pricePerHourUsd: number };

beforeEach(async () => {
  t = await createTenant({ plan: 'pro' });
  await fund(t.tenantId, 500);
  await ingestAt(Date.now());
  const page = (await send<{ data: { id: string; pricePerHourUsd: number }[] }>('GET', '/v1/offers?gpu=A100-80GB&limit=1', null)).body;
  offer = page.data[0]!;
});

const create = (body: Record<string, unknown>, token = t.ownerToken, headers: Record<string, string> = idem()) =>
  send<Deployment & ProblemBody>('POST', '/v1/deployments', token, body, headers);

describe('POST /v1/deployments', () => {
  it('accepts a fresh offer with 202, locks its price, queues a provision job and keeps env values secret', async () => {
    const res = await create({ offerId: offer.id, name: 'train-1', image: 'pytorch/pytorch:2.4.0', env: { HF_TOKEN: 'hf_supersecret', MODE: 'train' } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending', offerId: offer.id, quotedPricePerHourUsd: offer.pricePerHourUsd, envKeys: ['HF_TOKEN', 'MODE'] });
    expect(JSON.stringify(res.body)).not.toContain('hf_supersecret');

    const row = await env.DB.prepare('SELECT * FROM deployments WHERE id = ?1').bind(res.body.id).first<Record<string, string>>();
    expect(row!.env_ciphertext).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain('hf_supersecret');
    const job = await env.DB.prepare('SELECT action, state FROM deployment_jobs WHERE deployment_id = ?1').bind(res.body.id).first();
    expect(job).toEqual({ action: 'provision', state: 'queued' });

    const got = await send<Deployment>('GET', `/v1/deployments/${res.body.id}`, t.ownerToken);
    expect(got.status).toBe(200);
    expect(got.body.events![0]).toMatchObject({ from: null, to: 'pending', reason: 'user_requested' });
    expect(JSON.stringify(got.body)).not.toContain('hf_supersecret');
  });

  it('replays the first answer for the same Idempotency-Key and creates one deployment', async () => {
    const headers = idem();
    const first = await create({ offerId: offer.id, name: 'once', image: 'busybox' }, t.ownerToken, headers);
    const again = await create({ offerId: offer.id, name: 'once', image: 'busybox' }, t.ownerToken, headers);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    const { n } = (await env.DB.prepare('SELECT COUNT(*) AS n FROM deployments WHERE tenant_id = ?1').bind(t.tenantId).first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it('requires an Idempotency-Key', async () => {
    const res = await create({ offerId: offer.id, name: 'x', image: 'busybox' }, t.ownerToken, {});
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.field).toBe('header.Idempotency-Key');
  });

  it.each([
    [{ offerId: 'ofr_0000000000000', name: 'x', image: 'busybox' }, 422, 'body.offerId'],
    [{ offerId: 'nope', name: 'x', image: 'busybox' }, 400, 'body.offerId'],
    [{ name: 'x', image: 'busybox' }, 400, 'body.offerId'],
    [{ offerId: 'OFFER', name: 'x', image: 'busybox', gpus: 2 }, 400, 'body'],
    [{ offerId: 'OFFER', name: 'x', image: 'busybox', env: { '1BAD': 'v' } }, 400, 'body.env.1BAD'],
    [{ offerId: 'OFFER', name: 'x', image: 'busybox', ports: [70000] }, 400, 'body.ports.0'],
    [{ offerId: 'OFFER', name: 'x', image: 'busybox', failover: { enabled: true, sameGpuModel: false } }, 400, 'body.failover.sameGpuModel'],
  ])('refuses %j with %i naming %s', async (body: Record<string, unknown>, status, field) => {
    const res = await create({ ...body, ...(body.offerId === 'OFFER' ? { offerId: offer.id } : {}) });
    expect(res.status).toBe(status);
    expect(res.res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.errors!.map((e) => e.field).join(' ')).toContain(field);
  });

  it('refuses an offer that is stale or unavailable with 422', async () => {
    await env.DB.prepare('UPDATE offers SET observed_at = ?2 WHERE id = ?1').bind(offer.id, Date.now() - 11 * 60_000).run();
    expect((await create({ offerId: offer.id, name: 'x', image: 'busybox' })).body.detail).toMatch(/last observed 11 min ago/);
    await env.DB.prepare(`UPDATE offers SET observed_at = ?2, availability = 'unavailable' WHERE id = ?1`).bind(offer.id, Date.now()).run();
    const res = await create({ offerId: offer.id, name: 'x', image: 'busybox' });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/unavailable/);
  });

  it("refuses a deployment past the plan's concurrent limit with 409", async () => {
    const free = await createTenant({ plan: 'free' });
    await fund(free.tenantId, 500);
    expect((await create({ offerId: offer.id, name: 'a', image: 'busybox' }, free.ownerToken)).status).toBe(202);
    const second = await create({ offerId: offer.id, name: 'b', image: 'busybox' }, free.ownerToken);
    expect(second.status).toBe(409);
    expect(second.body.type).toMatch(/deployment-limit$/);
  });

  it('refuses with 402 when the monthly spend cap would be exceeded', async () => {
    await env.DB.prepare('UPDATE tenants SET monthly_spend_cap_micro = 1000000 WHERE id = ?1').bind(t.tenantId).run();
    await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 4_000_000, running_since: Date.now() - 30 * 60_000 }); // 2 USD spent
    const res = await create({ offerId: offer.id, name: 'x', image: 'busybox' });
    expect(res.status).toBe(402);
    expect(res.body.type).toMatch(/spend-cap$/);
  });

  it('lets members deploy but not viewers', async () => {
    const viewer = await addMember(t.tenantId, 'viewer');
    expect((await create({ offerId: offer.id, name: 'x', image: 'busybox' }, viewer.token)).status).toBe(403);
    const member = await addMember(t.tenantId, 'member');
    expect((await create({ offerId: offer.id, name: 'x', image: 'busybox' }, member.token)).status).toBe(202);
  });
});

describe('deployment actions', () => {
  it('answers 409 to a transition the state machine does not allow, and records legal ones as events', async () => {
    const dep = await insertDeployment(t.tenantId, { status: 'pending', pod_id: null, running_since: null });
    const stop = await send<ProblemBody>('POST', `/v1/deployments/${dep.id}/stop`, t.ownerToken);
    expect(stop.status).toBe(409);
    expect(stop.body.detail).toMatch(/it is pending; stop needs running/);
    const term = await send<Deployment>('DELETE', `/v1/deployments/${dep.id}`, t.ownerToken);
    expect(term.status).toBe(202);
    expect(term.body.status).toBe('terminating');
    expect((await send('DELETE', `/v1/deployments/${dep.id}`, t.ownerToken)).status).toBe(409);
    const events = await send<{ data: { from: string; to: string; reason: string }[] }>('GET', `/v1/deployments/${dep.id}/events`, t.ownerToken);
    // The terminate job may already have been consumed (nothing was provisioned, so it ends the deployment at once).
    const moves = events.body.data.map((e) => `${e.from}→${e.to}`);
    expect(moves[0]).toBe('pending→terminating');
    expect(moves.slice(1)).toEqual(moves.length > 1 ? ['terminating→terminated'] : []);
  });

  it('refuses to stop a pod at a provider that cannot resume it', async () => {
    const dep = await insertDeployment(t.tenantId, { provider: 'lambda' });
    const res = await send<ProblemBody>('POST', `/v1/deployments/${dep.id}/stop`, t.ownerToken);
    expect(res.status).toBe(409);
    expect(res.body.type).toMatch(/not-supported$/);
  });

  it('counts running time at the locked price as cost so far', async () => {
    const dep = await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 3_600_000, running_since: Date.now() - 600_000, cost_micro: 500_000 });
    const got = await send<{ costSoFarUsd: number; uptimeSeconds: number }>('GET', `/v1/deployments/${dep.id}`, t.ownerToken);
    expect(got.body.uptimeSeconds).toBeGreaterThanOrEqual(600);
    expect(got.body.costSoFarUsd).toBeCloseTo(0.5 + 0.6, 2);
  });

  it('lists deployments newest first with a status filter and cursor pages', async () => {
    for (let i = 0; i < 3; i++) await insertDeployment(t.tenantId, { created_at: Date.now() + i, status: i === 1 ? 'stopped' : 'running' });
    const page1 = await send<{ data: Deployment[]; nextCursor: string }>('GET', '/v1/deployments?limit=2', t.ownerToken);
    expect(page1.body.data).toHaveLength(2);
    const page2 = await send<{ data: Deployment[]; nextCursor: string | null }>('GET', `/v1/deployments?limit=2&cursor=${page1.body.nextCursor}`, t.ownerToken);
    expect(page2.body.data).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    const stopped = await send<{ data: Deployment[] }>('GET', '/v1/deployments?status=stopped', t.ownerToken);
    expect(stopped.body.data.map((d) => d.status)).toEqual(['stopped']);
  });
});

describe('spend cap', () => {
  it('lets owners set and clear the monthly cap, shows the month spend, and refuses other roles', async () => {
    await insertDeployment(t.tenantId, { quoted_price_per_hour_micro: 6_000_000, running_since: Date.now() - 10 * 60_000 });
    const set = await send<{ monthlyCapUsd: number; spentThisMonthUsd: number }>('PUT', '/v1/spend/cap', t.ownerToken, { monthlyCapUsd: 250 });
    expect(set.status).toBe(200);
    expect(set.body.monthlyCapUsd).toBe(250);
    // 10 min at $6/h = $1, plus the 10% margin, not charged yet: counted as accrued.
    expect(set.body.spentThisMonthUsd).toBeCloseTo(1.1, 1);
    const admin = await addMember(t.tenantId, 'admin');
    expect((await send('PUT', '/v1/spend/cap', admin.token, { monthlyCapUsd: 1 })).status).toBe(403);
    expect((await send('PUT', '/v1/spend/cap', t.ownerToken, { monthlyCapUsd: -1 })).status).toBe(400);
    const cleared = await send<{ monthlyCapUsd: number | null }>('PUT', '/v1/spend/cap', t.ownerToken, { monthlyCapUsd: null });
    expect(cleared.body.monthlyCapUsd).toBeNull();
    expect((await send<{ monthlyCapUsd: number | null }>('GET', '/v1/spend', admin.token)).body.monthlyCapUsd).toBeNull();
  });
});
