import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { idempotency } from '../../src/http/idempotency';
import { json } from '../helpers';
import { bearer, createTenant } from '../tenancy/fixtures';

// The real app (body guard, auth, rate limit, error handler) plus test-only routes behind the middleware.
const app = createApp();
let calls = 0;
let gate: { entered: () => void; release: Promise<void> } | undefined;

app.post('/v1/test/things', idempotency({ required: true }), async (c) => {
  calls++;
  if (gate) {
    gate.entered();
    await gate.release;
  }
  const body = await c.req.json<Record<string, unknown>>();
  c.header('Location', `/v1/test/things/${calls}`);
  return c.json({ call: calls, received: body }, 201);
});
app.post('/v1/test/optional', idempotency(), async (c) => {
  calls++;
  return c.json({ call: calls }, 200);
});
app.post('/v1/test/refuses', idempotency(), async (c) => {
  calls++;
  return c.json({ call: calls, error: 'no' }, 409);
});
let failuresLeft = 0;
app.post('/v1/test/flaky', idempotency(), async (c) => {
  calls++;
  if (failuresLeft > 0) {
    failuresLeft--;
    throw new Error('the database fell over');
  }
  return c.json({ call: calls }, 201);
});
app.post('/v1/test/unavailable', idempotency(), async (c) => {
  calls++;
  return c.json({ call: calls }, 503);
});

app.post('/v1/test/empty', idempotency(), (c) => c.body(null, 204));

let ipSeq = 0;
const uniqueIp = () => `192.0.2.${++ipSeq}`;

async function post(path: string, init: { key?: string; body?: unknown; auth?: string; ip?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'CF-Connecting-IP': init.ip ?? uniqueIp() };
  if (init.key !== undefined) headers['Idempotency-Key'] = init.key;
  if (init.auth) Object.assign(headers, bearer(init.auth));
  return app.request(path, { method: 'POST', headers, body: JSON.stringify(init.body ?? {}) }, env, createExecutionContext());
}

/** The one stored row of a scope (each test uses its own tenants and IPs, and one key per scope). */
const storedRow = (scope: string) =>
  env.DB.prepare('SELECT key, state, status, body, expires_at, created_at FROM idempotency_keys WHERE tenant_id = ?1')
    .bind(scope)
    .first<{ key: string; state: string; status: number | null; body: string | null; expires_at: number; created_at: number }>();

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body without running the handler again', async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    const first = await post('/v1/test/things', { key, body: { name: 'a' }, auth: t.apiKey });
    expect(first.status).toBe(201);
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    const firstBody = await json(first);
    const before = calls;

    const again = await post('/v1/test/things', { key, body: { name: 'a' }, auth: t.apiKey });
    expect(again.status).toBe(201);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^application\/json/);
    expect(again.headers.get('Location')).toBe(first.headers.get('Location'));
    expect(await json(again)).toEqual(firstBody);
    expect(calls).toBe(before);
    // The replay is a new delivery: its own request id and rate-limit headers.
    expect(again.headers.get('X-Request-Id')).not.toBe(first.headers.get('X-Request-Id'));
    expect(again.headers.get('RateLimit-Remaining')).not.toBe(first.headers.get('RateLimit-Remaining'));
    expect(await storedRow(t.tenantId)).toMatchObject({ state: 'done', status: 201 });
  });

  it('answers 422 when the key comes back with a different body', async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    expect((await post('/v1/test/things', { key, body: { name: 'a' }, auth: t.apiKey })).status).toBe(201);
    const before = calls;
    const res = await post('/v1/test/things', { key, body: { name: 'b' }, auth: t.apiKey });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await json(res)).toMatchObject({ type: 'https://gpubroker.dev/problems/idempotency-mismatch', status: 422 });
    expect(calls).toBe(before);
  });

  it('answers 409 to a duplicate that arrives while the first request still runs', async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    gate = { entered, release: new Promise<void>((resolve) => (release = resolve)) };
    try {
      const first = post('/v1/test/things', { key, body: { n: 1 }, auth: t.apiKey });
      await inside;
      const duplicate = await post('/v1/test/things', { key, body: { n: 1 }, auth: t.apiKey });
      expect(duplicate.status).toBe(409);
      expect(duplicate.headers.get('Retry-After')).toBe('1');
      expect(await json(duplicate)).toMatchObject({ type: 'https://gpubroker.dev/problems/idempotency-conflict' });
      release();
      expect((await first).status).toBe(201);
    } finally {
      gate = undefined;
    }
    const later = await post('/v1/test/things', { key, body: { n: 1 }, auth: t.apiKey });
    expect(later.headers.get('Idempotent-Replayed')).toBe('true');
  });

  it('scopes keys by tenant: another tenant may use the same key', async () => {
    const [a, b] = [await createTenant(), await createTenant()];
    const key = 'order-1';
    const first = await json(await post('/v1/test/things', { key, body: { x: 1 }, auth: a.apiKey }));
    const other = await post('/v1/test/things', { key, body: { x: 1 }, auth: b.apiKey });
    expect(other.status).toBe(201);
    expect(other.headers.get('Idempotent-Replayed')).toBeNull();
    expect((await json(other)).call).not.toBe(first.call);
  });

  it('scopes anonymous callers by IP address', async () => {
    const key = crypto.randomUUID();
    const ip = uniqueIp();
    await post('/v1/test/things', { key, body: {}, ip });
    expect((await post('/v1/test/things', { key, body: {}, ip })).headers.get('Idempotent-Replayed')).toBe('true');
    expect((await post('/v1/test/things', { key, body: {}, ip: uniqueIp() })).headers.get('Idempotent-Replayed')).toBeNull();
    expect(await storedRow(`anon:${ip}`)).toMatchObject({ state: 'done' });
  });

  it('runs the request again once the stored response has expired (24 h)', async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    await post('/v1/test/things', { key, body: { v: 1 }, auth: t.apiKey });
    const row = await storedRow(t.tenantId);
    expect(row!.expires_at - row!.created_at).toBe(24 * 3600 * 1000);
    await env.DB.prepare('UPDATE idempotency_keys SET expires_at = ?1 WHERE tenant_id = ?2').bind(Date.now() - 1, t.tenantId).run();
    // Even a different body is fine now: the old answer is gone.
    const fresh = await post('/v1/test/things', { key, body: { v: 2 }, auth: t.apiKey });
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get('Idempotent-Replayed')).toBeNull();
    expect((await json(fresh)).received).toEqual({ v: 2 });
    expect((await storedRow(t.tenantId))!.expires_at).toBeGreaterThan(Date.now());
  });

  it('takes over a key whose first request died more than 5 minutes ago', async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    await post('/v1/test/things', { key, body: { first: true }, auth: t.apiKey });
    const old = Date.now() - 6 * 60 * 1000;
    // As if the first request had died mid-way six minutes ago.
    await env.DB.prepare(`UPDATE idempotency_keys SET state = 'in_progress', status = NULL, body = NULL, created_at = ?2 WHERE tenant_id = ?1`)
      .bind(t.tenantId, old)
      .run();
    const res = await post('/v1/test/things', { key, body: {}, auth: t.apiKey });
    expect(res.status).toBe(201);
    expect(await storedRow(t.tenantId)).toMatchObject({ state: 'done', status: 201 });
  });

  it('answers 400 naming the header when a required key is missing or malformed', async () => {
    const t = await createTenant();
    for (const key of [undefined, '', 'has space', 'x'.repeat(256)]) {
      const res = await post('/v1/test/things', { key, auth: t.apiKey });
      expect(res.status, String(key)).toBe(400);
      expect(await json(res)).toMatchObject({ errors: [{ field: 'header.Idempotency-Key' }] });
    }
    expect((await post('/v1/test/things', { key: 'x'.repeat(255), auth: t.apiKey })).status).toBe(201);
  });

  it('runs every request when the key is optional and absent', async () => {
    const t = await createTenant();
    const a = await json(await post('/v1/test/optional', { auth: t.apiKey }));
    const b = await json(await post('/v1/test/optional', { auth: t.apiKey }));
    expect(b.call).toBe((a.call as number) + 1);
  });

  it('stores and replays 4xx answers', async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    const first = await post('/v1/test/refuses', { key, auth: t.apiKey });
    expect(first.status).toBe(409);
    const again = await post('/v1/test/refuses', { key, auth: t.apiKey });
    expect(again.status).toBe(409);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await json(again)).toEqual(await json(first));
  });

  it('forgets the key when the handler throws or answers 5xx, so a retry runs', async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    failuresLeft = 1;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failed = await post('/v1/test/flaky', { key, auth: t.apiKey });
    logged.mockRestore();
    expect(failed.status).toBe(500);
    expect(await storedRow(t.tenantId)).toBeNull();
    const retried = await post('/v1/test/flaky', { key, auth: t.apiKey });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('Idempotent-Replayed')).toBeNull();

    const other = await createTenant();
    expect((await post('/v1/test/unavailable', { key, auth: other.apiKey })).status).toBe(503);
    expect(await storedRow(other.tenantId)).toBeNull();
    expect((await post('/v1/test/unavailable', { key, auth: other.apiKey })).headers.get('Idempotent-Replayed')).toBeNull();
  });

  it('keeps neither the key nor the answer readable in the table', async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    const res = await post('/v1/test/things', { key, body: { secret: 'gpb_live_pretend' }, auth: t.apiKey });
    const row = await storedRow(t.tenantId);
    expect(row!.key).not.toContain(key);
    expect(row!.body).not.toContain('gpb_live_pretend');
    const dump = JSON.stringify(await env.DB.prepare('SELECT * FROM idempotency_keys').all());
    expect(dump).not.toContain(key);
    expect(dump).not.toContain('pretend');
    expect(await json(await post('/v1/test/things', { key, body: { secret: 'gpb_live_pretend' }, auth: t.apiKey }))).toEqual(await json(res));
  });

  it('replays an answer without a body', async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    expect((await post('/v1/test/empty', { key, auth: t.apiKey })).status).toBe(204);
    const again = await post('/v1/test/empty', { key, auth: t.apiKey });
    expect(again.status).toBe(204);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
  });

  it('treats the same body on another path as a different request', async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    expect((await post('/v1/test/optional', { key, auth: t.apiKey })).status).toBe(200);
    expect((await post('/v1/test/things', { key, auth: t.apiKey })).status).toBe(422);
  });
});
