// The alert endpoints: create, list, get, delete; validation and URL refusals as problem+json naming
// the field; roles, plan limits, Idempotency-Key, and another tenant's alert answering 404.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { setAlertsFetch } from '../../src/alerts/outbound';
import { openSecret } from '../../src/alerts/secret-box';
import worker from '../../src/index';
import { PLANS } from '../../src/billing/plans';
import { api } from '../helpers';
import { auditRows, idem, send, type ProblemBody } from '../tenancy/calls';
import { addMember, createTenant, type TestTenant } from '../tenancy/fixtures';
import { fakeOutside, type Outside } from './fakes';

interface Alert {
  id: string;
  name: string | null;
  status: string;
  rule: Record<string, unknown>;
  delivery: { type: string; url?: string };
  signingSecret?: string;
  createdAt: string;
  lastFiredAt: string | null;
  firedOffers: number;
  matchingOffers?: number;
}

const HOOK = 'https://hooks.example.com/gpu';
const webhookAlert = (over: Record<string, unknown> = {}) => ({
  name: 'cheap H100',
  rule: { gpu: 'h100', maxPricePerGpuHour: 2.5, minGpuCount: 8, maxGpuCount: 8, pricing: ['on_demand', 'spot'], region: 'EU-', countries: ['de', 'FR', 'DE'], minAvailability: 'available' },
  delivery: { type: 'webhook', url: HOOK },
  ...over,
});
const liveAlert = { rule: { gpu: 'A100-80GB', maxPricePerGpuHour: 1.5 }, delivery: { type: 'live' } };

let t: TestTenant;
let outside: Outside;

beforeEach(async () => {
  t = await createTenant({ plan: 'pro' });
  outside = fakeOutside({ 'hooks.example.com': ['93.184.216.34'], 'rebind.example.com': ['192.168.10.20'] });
});

describe('POST /v1/alerts', () => {
  it('creates a webhook alert, resolves the GPU alias, and shows the signing secret once', async () => {
    const res = await send<Alert>('POST', '/v1/alerts', t.ownerToken, webhookAlert(), idem());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^alr_[0-9a-z]{16}$/),
      name: 'cheap H100',
      status: 'active',
      rule: {
        gpuModel: 'H100-80GB',
        minGpuCount: 8,
        maxGpuCount: 8,
        maxPricePerGpuHourUsd: 2.5,
        pricing: ['on_demand', 'spot'],
        region: 'eu-',
        countries: ['DE', 'FR'],
        minAvailability: 'available',
      },
      delivery: { type: 'webhook', url: HOOK },
      lastFiredAt: null,
      firedOffers: 0,
    });
    expect(res.body.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // The name was resolved at creation (two DoH queries: A and AAAA).
    expect(outside.dohCalls).toBe(2);

    const stored = await env.DB.prepare('SELECT * FROM alerts WHERE id = ?1').bind(res.body.id).first<Record<string, unknown>>();
    expect(stored).toMatchObject({ tenant_id: t.tenantId, gpu_model: 'H100-80GB', max_price_per_gpu_hour_micro: 2_500_000, pricing: ',on_demand,spot,', countries: ',DE,FR,' });
    // Sealed, never stored readable; it opens to the secret shown.
    expect(JSON.stringify(stored)).not.toContain(res.body.signingSecret!.slice(6));
    expect(await openSecret(env.ALERTS_SECRET_KEY, res.body.id, String(stored!.secret_ciphertext))).toBe(res.body.signingSecret);

    const again = await send<Alert>('GET', `/v1/alerts/${res.body.id}`, t.ownerToken);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: res.body.id, matchingOffers: 0 });
    expect(again.body).not.toHaveProperty('signingSecret');
    expect(await auditRows(t.tenantId, 'alert.create')).toEqual([expect.objectContaining({ target_id: res.body.id })]);
  });

  it('creates a live alert with defaults: every pricing type, any region, available or limited', async () => {
    const res = await send<Alert>('POST', '/v1/alerts', t.apiKey, liveAlert);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: null,
      rule: { gpuModel: 'A100-80GB', minGpuCount: 1, maxGpuCount: null, pricing: ['on_demand', 'spot', 'interruptible'], region: null, countries: null, minAvailability: 'limited' },
      delivery: { type: 'live' },
    });
    expect(res.body).not.toHaveProperty('signingSecret');
  });

  it('replays the first answer, secret included, for the same Idempotency-Key and body', async () => {
    const key = idem();
    const first = await send<Alert>('POST', '/v1/alerts', t.ownerToken, webhookAlert(), key);
    const second = await send<Alert>('POST', '/v1/alerts', t.ownerToken, webhookAlert(), key);
    expect(second.status).toBe(201);
    expect(second.res.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    const count = await env.DB.prepare('SELECT COUNT(*) AS n FROM alerts WHERE tenant_id = ?1').bind(t.tenantId).first<{ n: number }>();
    expect(count?.n).toBe(1);
    expect((await send('POST', '/v1/alerts', t.ownerToken, webhookAlert({ name: 'other' }), key)).status).toBe(422);
  });

  it('names each bad field of the rule and the delivery', async () => {
    const res = await send<ProblemBody>('POST', '/v1/alerts', t.ownerToken, {
      rule: { gpu: 'H900', maxPricePerGpuHour: -1, minGpuCount: 4, maxGpuCount: 2, pricing: ['reserved'], countries: ['Germany'], region: 'eu west!' },
      delivery: { type: 'email', url: HOOK },
      colour: 'blue',
    });
    expect(res.status).toBe(400);
    expect(res.res.headers.get('content-type')).toBe('application/problem+json');
    const fields = res.body.errors!.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['body.rule.gpu', 'body.rule.maxPricePerGpuHour', 'body.rule.pricing.0', 'body.rule.countries.0', 'body.rule.region', 'body.delivery.type', 'body.colour']),
    );
    const counts = await send<ProblemBody>('POST', '/v1/alerts', t.ownerToken, { rule: { gpu: 'H100', maxPricePerGpuHour: 2, minGpuCount: 4, maxGpuCount: 2 }, delivery: { type: 'live' } });
    expect(counts.body.errors).toEqual([{ field: 'body.rule.maxGpuCount', message: 'must be at least minGpuCount' }]);
    const missing = await send<ProblemBody>('POST', '/v1/alerts', t.ownerToken, { rule: { gpu: 'H100' }, delivery: { type: 'webhook' } });
    expect(missing.body.errors!.map((e) => e.field)).toEqual(expect.arrayContaining(['body.rule.maxPricePerGpuHour', 'body.delivery.url']));
    const notUrl = await send<ProblemBody>('POST', '/v1/alerts', t.ownerToken, webhookAlert({ delivery: { type: 'webhook', url: 'hooks.example.com/gpu' } }));
    expect(notUrl.status).toBe(400);
    expect(notUrl.body.errors).toEqual([{ field: 'body.delivery.url', message: 'not a valid absolute URL' }]);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM alerts').first<{ n: number }>()).toEqual({ n: 0 });
  });

  it.each([
    ['http://hooks.example.com/gpu', /must be https/],
    ['https://127.0.0.1/hook', /loopback/],
    ['https://[::ffff:169.254.169.254]/', /link-local/],
    ['https://localhost:8443/', /localhost/],
    ['https://rebind.example.com/hook', /resolves to 192\.168\.10\.20, a private address/],
    ['https://nowhere.example.com/hook', /does not resolve/],
  ])('refuses the webhook URL %s with 422 naming body.delivery.url', async (url, why) => {
    const res = await send<ProblemBody>('POST', '/v1/alerts', t.ownerToken, webhookAlert({ delivery: { type: 'webhook', url } }));
    expect(res.status).toBe(422);
    expect(res.res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.type).toBe('https://gpubroker.dev/problems/webhook-url-refused');
    expect(res.body.errors).toEqual([{ field: 'body.delivery.url', message: expect.stringMatching(why) }]);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM alerts').first<{ n: number }>()).toEqual({ n: 0 });
  });

  it('answers 503 with Retry-After when the URL cannot be checked because DNS is down', async () => {
    setAlertsFetch(async () => new Response('unavailable', { status: 502 }));
    const res = await send<ProblemBody>('POST', '/v1/alerts', t.ownerToken, webhookAlert());
    expect(res.status).toBe(503);
    expect(res.res.headers.get('retry-after')).toBe('5');
    expect(res.body.errors![0]!.field).toBe('body.delivery.url');
  });

  it('accepts a local receiver when ALERTS_ALLOW_PRIVATE_URLS is set, without resolving it', async () => {
    const request = new Request('http://gpubroker.test/v1/alerts', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(webhookAlert({ delivery: { type: 'webhook', url: 'http://127.0.0.1:8823/hook' } })),
    });
    const res = await worker.fetch(request, { ...env, ALERTS_ALLOW_PRIVATE_URLS: 'true' }, { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext);
    expect(res.status).toBe(201);
    expect(((await res.json()) as Alert).delivery).toEqual({ type: 'webhook', url: 'http://127.0.0.1:8823/hook' });
    expect(outside.dohCalls).toBe(0);
  });

  it('needs the member role: a viewer may read but not create', async () => {
    const viewer = await addMember(t.tenantId, 'viewer');
    expect((await send('POST', '/v1/alerts', viewer.token, liveAlert)).status).toBe(403);
    expect((await send('GET', '/v1/alerts', viewer.token)).status).toBe(200);
    expect((await send('POST', '/v1/alerts', null, liveAlert)).status).toBe(401);
  });

  it("holds the tenant to its plan's number of alerts (409), counting only those not deleted", async () => {
    const free = await createTenant({ plan: 'free' });
    const ids: string[] = [];
    for (let i = 0; i < PLANS.free.alerts; i++) ids.push((await send<Alert>('POST', '/v1/alerts', free.ownerToken, liveAlert)).body.id);
    const over = await send<ProblemBody>('POST', '/v1/alerts', free.ownerToken, liveAlert);
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ type: 'https://gpubroker.dev/problems/alert-limit', detail: expect.stringContaining('allows 3 alerts') });
    expect((await send('DELETE', `/v1/alerts/${ids[0]}`, free.ownerToken)).status).toBe(204);
    expect((await send('POST', '/v1/alerts', free.ownerToken, liveAlert)).status).toBe(201);
  });
});

describe('GET /v1/alerts', () => {
  it('lists the tenant\'s alerts newest first in cursor pages, never another tenant\'s', async () => {
    const other = await createTenant();
    await send('POST', '/v1/alerts', other.ownerToken, liveAlert);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await send<Alert>('POST', '/v1/alerts', t.ownerToken, { ...liveAlert, name: `a${i}` })).body.id);
    const first = await send<{ data: Alert[]; nextCursor: string | null }>('GET', '/v1/alerts?limit=3', t.ownerToken);
    expect(first.body.data.map((a) => a.name)).toEqual(['a4', 'a3', 'a2']);
    const second = await send<{ data: Alert[]; nextCursor: string | null }>('GET', `/v1/alerts?limit=3&cursor=${first.body.nextCursor}`, t.ownerToken);
    expect(second.body.data.map((a) => a.name)).toEqual(['a1', 'a0']);
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.data, ...second.body.data].map((a) => a.id).sort()).toEqual([...ids].sort());
    expect((await send<ProblemBody>('GET', '/v1/alerts?limit=0', t.ownerToken)).body.errors![0]!.field).toBe('query.limit');
    expect((await send<ProblemBody>('GET', '/v1/alerts?cursor=zzz', t.ownerToken)).status).toBe(400);
  });
});

describe('one alert, and deleting it', () => {
  it("answers 404 for another tenant's alert on every route, and leaves it untouched", async () => {
    const other = await createTenant();
    const theirs = (await send<Alert>('POST', '/v1/alerts', other.ownerToken, webhookAlert())).body.id;
    expect((await send('GET', `/v1/alerts/${theirs}`, t.ownerToken)).status).toBe(404);
    expect((await send('GET', `/v1/alerts/${theirs}/deliveries`, t.ownerToken)).status).toBe(404);
    expect((await send('DELETE', `/v1/alerts/${theirs}`, t.ownerToken)).status).toBe(404);
    expect((await send<Alert>('GET', `/v1/alerts/${theirs}`, other.ownerToken)).body.status).toBe('active');
    expect((await send<{ data: Alert[] }>('GET', '/v1/alerts', t.ownerToken)).body.data).toEqual([]);
  });

  it('deletes softly: 204, then 404 everywhere, the secret gone, pending deliveries failed', async () => {
    const { id } = (await send<Alert>('POST', '/v1/alerts', t.ownerToken, webhookAlert())).body;
    await env.DB.prepare(
      `INSERT INTO alert_deliveries (id, tenant_id, alert_id, kind, status, offer_count, offer_ids, payload, created_at, due_at)
       VALUES ('msg_pending000000000', ?1, ?2, 'webhook', 'pending', 1, '[]', '{}', ?3, ?3)`,
    )
      .bind(t.tenantId, id, Date.now())
      .run();
    const del = await api(`/v1/alerts/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.ownerToken}` } });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
    expect((await send('GET', `/v1/alerts/${id}`, t.ownerToken)).status).toBe(404);
    expect((await send('DELETE', `/v1/alerts/${id}`, t.ownerToken)).status).toBe(404);
    const row = await env.DB.prepare('SELECT status, deleted_at, secret_ciphertext FROM alerts WHERE id = ?1').bind(id).first();
    expect(row).toMatchObject({ status: 'deleted', deleted_at: expect.any(Number), secret_ciphertext: null });
    const delivery = await env.DB.prepare(`SELECT status, last_error FROM alert_deliveries WHERE id = 'msg_pending000000000'`).first();
    expect(delivery).toEqual({ status: 'failed', last_error: 'alert deleted before delivery' });
    expect(await auditRows(t.tenantId, 'alert.delete')).toHaveLength(1);
  });

  it('refuses malformed ids with 400 naming path.id', async () => {
    const res = await send<ProblemBody>('GET', '/v1/alerts/alr_x', t.ownerToken);
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.field).toBe('path.id');
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await (await api('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/alerts']!)).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/v1/alerts/{id}']!)).toEqual(expect.arrayContaining(['get', 'delete']));
    expect(doc.paths['/v1/alerts/{id}/deliveries']).toHaveProperty('get');
  });
});
