import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, buildQuery, SubmissionKey, type TokenSource } from '../src/lib/api';

interface Call {
  url: string;
  init: RequestInit;
}

function client(responses: Array<() => Response>, tokens: Partial<TokenSource> = {}) {
  const calls: Call[] = [];
  const sleeps: number[] = [];
  const source: TokenSource = { accessToken: async () => 'tok-1', renewAfterUnauthorized: async () => false, ...tokens };
  const c = new ApiClient(source, {
    fetch: async (url, init) => {
      calls.push({ url: String(url), init: init ?? {} });
      const next = responses.shift();
      if (!next) throw new TypeError('Failed to fetch');
      return next();
    },
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { c, calls, sleeps };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () => new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers } });

describe('API client', () => {
  it('sends the bearer token, JSON and an Idempotency-Key, and reads the JSON answer', async () => {
    const { c, calls } = client([json(201, { id: 'key_1' })]);
    expect(await c.post('/v1/api-keys', { name: 'CI' }, { idempotencyKey: 'idem-1' })).toEqual({ id: 'key_1' });
    const h = calls[0]!.init.headers as Record<string, string>;
    expect(h).toMatchObject({ authorization: 'Bearer tok-1', 'content-type': 'application/json', 'idempotency-key': 'idem-1' });
    expect(calls[0]!.init.body).toBe('{"name":"CI"}');
  });

  it('calls anonymously when asked, with no Authorization header', async () => {
    const { c, calls } = client([json(200, { data: [] })]);
    await c.get('/v1/plans', { auth: 'none' });
    expect((calls[0]!.init.headers as Record<string, string>).authorization).toBeUndefined();
  });

  it('turns problem+json into an ApiError with the field errors', async () => {
    const { c } = client([json(400, { type: 't', title: 'Invalid request', status: 400, detail: 'invalid body.name', errors: [{ field: 'body.name', message: 'must not be empty' }], requestId: 'req_1' })]);
    const err = await c.post('/v1/api-keys', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).fieldError('body.name')).toBe('must not be empty');
    expect((err as ApiError).userMessage).toBe('Invalid body.name');
  });

  it('renews the token once after a 401 and retries with the new one', async () => {
    let token = 'old';
    const { c, calls } = client([json(401, { title: 'Unauthorized', status: 401 }), json(200, { ok: true })], {
      accessToken: async () => token,
      renewAfterUnauthorized: async () => ((token = 'new'), true),
    });
    expect(await c.get('/v1/me')).toEqual({ ok: true });
    expect(calls.map((x) => (x.init.headers as Record<string, string>).authorization)).toEqual(['Bearer old', 'Bearer new']);
  });

  it('gives up after one renewal: a second 401 is the caller’s', async () => {
    const { c, calls } = client([json(401, { title: 'Unauthorized', status: 401 }), json(401, { title: 'Unauthorized', status: 401 })], { renewAfterUnauthorized: async () => true });
    expect(((await c.get('/v1/me').catch((e: unknown) => e)) as ApiError).status).toBe(401);
    expect(calls).toHaveLength(2);
  });

  it('waits out a short 429 on a read and retries once, but never retries a write', async () => {
    const { c, sleeps } = client([json(429, { title: 'Too many requests', status: 429 }, { 'retry-after': '3' }), json(200, { data: [] })]);
    expect(await c.get('/v1/offers')).toEqual({ data: [] });
    expect(sleeps).toEqual([3000]);
    const write = client([json(429, { title: 'Too many requests', status: 429 }, { 'retry-after': '3' })]);
    const err = (await write.c.post('/v1/deployments', {}).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBe(3);
    expect(err.userMessage).toContain('3 s');
  });

  it('reports a network failure as status 0 with a readable message', async () => {
    const { c } = client([]);
    const err = (await c.get('/v1/offers').catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(0);
    expect(err.userMessage).toMatch(/Cannot reach/);
  });

  it('pages with the previous nextCursor and builds queries without empty values', async () => {
    const { c, calls } = client([json(200, { data: [1], nextCursor: 'c2' }), json(200, { data: [2], nextCursor: null })]);
    const first = await c.page<number>('/v1/deployments', { status: 'running', limit: 2 });
    const second = await c.page<number>('/v1/deployments', { status: 'running', limit: 2 }, first.nextCursor);
    expect([first.data, second.data, second.nextCursor]).toEqual([[1], [2], null]);
    expect(calls.map((x) => x.url)).toEqual(['/v1/deployments?status=running&limit=2', '/v1/deployments?status=running&limit=2&cursor=c2']);
    expect(buildQuery({ a: '', b: undefined, c: null, d: ['x', 'y'], e: [], f: 0 })).toBe('?d=x%2Cy&f=0');
  });
});

describe('SubmissionKey', () => {
  it('reuses the key while the same body is retried, and gives a new one for a changed body or after done()', () => {
    const k = new SubmissionKey();
    const first = k.for('{"a":1}');
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(k.for('{"a":1}')).toBe(first);
    const changed = k.for('{"a":2}');
    expect(changed).not.toBe(first);
    expect(k.for('{"a":1}')).not.toBe(first);
    const again = k.for('{"a":1}');
    k.done();
    expect(k.for('{"a":1}')).not.toBe(again);
  });
});
