import { createExecutionContext, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PLANS } from '../../src/billing/plans';
import type { Bindings } from '../../src/env';
import type { BucketState } from '../../src/limits/token-bucket';
import { api, json, testEnv } from '../helpers';
import { bearer, createTenant } from '../tenancy/fixtures';

// Limiter objects keep their storage for the whole file: every test uses its own IPs and tenants.
let ipSeq = 0;
const uniqueIp = () => `198.51.100.${++ipSeq}`;
const fromIp = (ip: string, init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), 'CF-Connecting-IP': ip } });

/** Calls the worker with a different environment (settings or bindings). */
async function fetchWith(bindings: Bindings, path: string, init?: RequestInit): Promise<Response> {
  const { default: worker } = await import('../../src/index');
  return worker.fetch!(new Request(`http://gpubroker.test${path}`, init), bindings, createExecutionContext());
}

const limiter = (name: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('rate-limit headers', () => {
  it('tells an anonymous caller its per-IP limit on every /v1 response', async () => {
    const res = await api('/v1/plans', fromIp(uniqueIp()));
    expect(res.status).toBe(200);
    const { anonymous } = await json<{ anonymous: { requestsPerMinute: number } }>(res);
    expect(res.headers.get('RateLimit-Limit')).toBe(String(anonymous.requestsPerMinute));
    expect(res.headers.get('RateLimit-Remaining')).toBe(String(anonymous.requestsPerMinute - 1));
    expect(Number(res.headers.get('RateLimit-Reset'))).toBeGreaterThanOrEqual(1);
  });

  it('tells an API-key caller its plan limit, also on error answers', async () => {
    const t = await createTenant({ plan: 'pro' });
    const ok = await api('/v1/plans', { headers: bearer(t.apiKey) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('RateLimit-Limit')).toBe(String(PLANS.pro.requestsPerMinute));
    expect(ok.headers.get('RateLimit-Remaining')).toBe(String(PLANS.pro.requestsPerMinute - 1));
    const invalid = await api('/v1/offers?limit=100000', { headers: bearer(t.apiKey) });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('RateLimit-Remaining')).toBe(String(PLANS.pro.requestsPerMinute - 2));
  });

  it('counts a tenant once across its users and API keys', async () => {
    const t = await createTenant({ plan: 'basic' });
    await api('/v1/plans', { headers: bearer(t.apiKey) });
    const res = await api('/v1/plans', { headers: bearer(t.ownerToken) });
    expect(res.headers.get('RateLimit-Limit')).toBe(String(PLANS.basic.requestsPerMinute));
    expect(res.headers.get('RateLimit-Remaining')).toBe(String(PLANS.basic.requestsPerMinute - 2));
  });

  it('leaves /healthz, /openapi.json and /docs unlimited', async () => {
    for (const path of ['/healthz', '/openapi.json', '/docs']) {
      const res = await api(path, fromIp(uniqueIp()));
      expect(res.status, path).toBe(200);
      expect(res.headers.get('RateLimit-Limit'), path).toBeNull();
    }
  });
});

describe('429 Too Many Requests', () => {
  it('refuses a free-plan tenant after 10 requests with Retry-After and a problem body', async () => {
    const t = await createTenant({ plan: 'free' });
    for (let i = 0; i < 10; i++) expect((await api('/v1/plans', { headers: bearer(t.apiKey) })).status).toBe(200);
    const res = await api('/v1/plans', { headers: bearer(t.apiKey) });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get('Retry-After'))).toBeLessThanOrEqual(6);
    expect(res.headers.get('RateLimit-Limit')).toBe('10');
    expect(res.headers.get('RateLimit-Remaining')).toBe('0');
    expect(Number(res.headers.get('RateLimit-Reset'))).toBeGreaterThanOrEqual(54);
    expect(await res.json()).toMatchObject({
      type: 'https://gpubroker.dev/problems/rate-limited',
      status: 429,
      title: 'Too many requests',
      requestId: res.headers.get('X-Request-Id'),
    });
  });

  it('admits exactly the bucket (10) of 200 concurrent requests from one free-plan tenant', async () => {
    const t = await createTenant({ plan: 'free' });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 200 }, () => api('/v1/plans', { headers: bearer(t.apiKey) })));
    // The bucket refills one token per 6 s; a burst that takes less than that admits exactly 10.
    const refilled = Math.floor((Date.now() - started) / 6_000);
    const admitted = answers.filter((r) => r.status === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(10 + refilled);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(200 - admitted);
    await Promise.all(answers.map((r) => r.body?.cancel()));
  });

  it('admits exactly the bucket (150) of 200 concurrent takes on one limiter object', async () => {
    const stub = limiter(`test:concurrent:${crypto.randomUUID()}`);
    const now = Date.now(); // one instant, so no token refills while the calls queue
    const decisions = await Promise.all(Array.from({ length: 200 }, () => stub.take(150, now)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(150);
    expect(decisions.filter((d) => !d.allowed).every((d) => d.remaining === 0 && d.retryAfterSeconds >= 1)).toBe(true);
  });

  it('limits anonymous callers per IP: one IP spending its bucket leaves another untouched', async () => {
    const bindings = testEnv({ ANON_RATE_LIMIT_PER_MIN: '3' });
    const [a, b] = [uniqueIp(), uniqueIp()];
    for (let i = 0; i < 3; i++) expect((await fetchWith(bindings, '/v1/plans', fromIp(a))).status).toBe(200);
    const refused = await fetchWith(bindings, '/v1/plans', fromIp(a));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(15); // one token per 20 s
    expect(Number(refused.headers.get('Retry-After'))).toBeLessThanOrEqual(20);
    const other = await fetchWith(bindings, '/v1/plans', fromIp(b));
    expect(other.status).toBe(200);
    expect(other.headers.get('RateLimit-Limit')).toBe('3');
    expect(other.headers.get('RateLimit-Remaining')).toBe('2');
  });
});

describe('RateLimiter state', () => {
  it('is kept in storage: a new stub for the same name sees the spent bucket', async () => {
    const name = `test:durable:${crypto.randomUUID()}`;
    const now = Date.now();
    for (let i = 0; i < 5; i++) await limiter(name).take(5, now);
    const again = limiter(name);
    expect(await again.take(5, now)).toMatchObject({ allowed: false, remaining: 0 });
    const stored = await runInDurableObject(again, (_instance, state) => state.storage.kv.get<BucketState>('bucket'));
    expect(stored).toMatchObject({ tokens: 0, updatedAt: now });
  });

  it('forgets a bucket once it has refilled, and keeps one that has not', async () => {
    const idle = limiter(`test:alarm:${crypto.randomUUID()}`);
    // Spent a minute ago: by the alarm it has refilled.
    await idle.take(5, Date.now() - 61_000);
    // Its alarm is already due, so it may have fired by now; run it if it has not.
    await runDurableObjectAlarm(idle);
    expect(await runInDurableObject(idle, (_i, state) => [...state.storage.kv.list()])).toEqual([]);

    const busy = limiter(`test:alarm:${crypto.randomUUID()}`);
    for (let i = 0; i < 5; i++) await busy.take(5);
    expect(await runDurableObjectAlarm(busy)).toBe(true);
    expect(await runInDurableObject(busy, (_i, state) => state.storage.kv.get('bucket'))).toBeDefined();
    expect(await busy.take(5)).toMatchObject({ allowed: false });
  });
});

describe('when the limiter is unreachable', () => {
  it('lets the request through and logs the event without secrets', async () => {
    const t = await createTenant({ plan: 'free' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const broken = {
      ...env,
      RATE_LIMITER: {
        idFromName: (name: string) => env.RATE_LIMITER.idFromName(name),
        get: () => {
          throw new Error('Durable Object unreachable');
        },
      },
    } as unknown as Bindings;
    const res = await fetchWith(broken, '/v1/plans', { headers: bearer(t.apiKey) });
    expect(res.status).toBe(200);
    expect(res.headers.get('RateLimit-Limit')).toBeNull();
    const lines = warn.mock.calls.map((args) => args.join(' '));
    expect(lines.some((l) => l.includes('rate limiter unreachable') && l.includes(t.tenantId))).toBe(true);
    expect(lines.some((l) => l.includes(t.apiKey))).toBe(false);
  });
});

describe('plan limit multiplier', () => {
  it('scales every plan limit by PLAN_RATE_LIMIT_MULTIPLIER and leaves anonymous limits alone', async () => {
    const t = await createTenant({ plan: 'free' });
    const keyed = await fetchWith(testEnv({ PLAN_RATE_LIMIT_MULTIPLIER: '3' }), '/v1/plans', { headers: bearer(t.apiKey) });
    expect(keyed.headers.get('RateLimit-Limit')).toBe(String(PLANS.free.requestsPerMinute * 3));
    const anon = await fetchWith(testEnv({ PLAN_RATE_LIMIT_MULTIPLIER: '3', ANON_RATE_LIMIT_PER_MIN: '60' }), '/v1/plans', fromIp(uniqueIp()));
    expect(anon.headers.get('RateLimit-Limit')).toBe('60');
  });
});
