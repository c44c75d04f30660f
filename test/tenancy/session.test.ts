// The browser session: the refresh token only in a __Host- httpOnly cookie, rotated on every refresh,
// its reuse revoking the login, and every cookie route refusing cross-site requests.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { api, json } from '../helpers';
import { sha256Hex } from '../../src/tenancy/secrets';
import { freshIp, me, SIGNUP_PASSWORD, type MeBody } from './auth-client';
import { createTenant, PASSWORD } from './fixtures';

const ORIGIN = 'http://gpubroker.test';
const COOKIE = '__Host-gpb_session';

interface BrowserSession {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  tenantId: string;
}

interface ProblemBody {
  type: string;
  status: number;
  detail?: string;
}

/** A same-origin browser call: the CSRF header, our Origin, Sec-Fetch-Site, and the cookie if any. */
function browser(path: string, options: { body?: unknown; cookie?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = {
    'cf-connecting-ip': freshIp(),
    'x-gpubroker-csrf': '1',
    origin: ORIGIN,
    'sec-fetch-site': 'same-origin',
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(options.cookie ? { cookie: `theme=dark; ${COOKIE}=${options.cookie}` } : {}),
    ...options.headers,
  };
  return api(path, { method: 'POST', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
}

/** The refresh token a Set-Cookie header carries, after checking every attribute the browser needs. */
function cookieToken(res: Response): string {
  const header = res.headers.get('set-cookie');
  expect(header).not.toBeNull();
  const [pair, ...attributes] = header!.split(';').map((s) => s.trim());
  expect(attributes.sort()).toEqual(['HttpOnly', 'Max-Age=2592000', 'Path=/', 'SameSite=Strict', 'Secure']);
  const [name, value] = pair!.split('=');
  expect(name).toBe(COOKIE);
  expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return value!;
}

const tokenRow = async (token: string) =>
  env.DB.prepare('SELECT used_at, revoked_at, family_id FROM refresh_tokens WHERE token_hash = ?1')
    .bind(await sha256Hex(token))
    .first<{ used_at: number | null; revoked_at: number | null; family_id: string }>();

describe('browser session: signup and login', () => {
  it('signup sets the refresh token as an httpOnly __Host- cookie, never in the body, and the access token works', async () => {
    const email = `${crypto.randomUUID()}@example.com`;
    const res = await browser('/v1/auth/session/signup', { body: { email, password: SIGNUP_PASSWORD, organization: 'Cookie Co' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const token = cookieToken(res);
    const body = await json<Record<string, unknown> & { accessToken: string; apiKey: { key: string } }>(res);
    expect(body).not.toHaveProperty('refreshToken');
    expect(JSON.stringify(body)).not.toContain(token);
    expect(body.apiKey.key).toMatch(/^gpb_live_/);
    expect((await json<MeBody>(await me(body.accessToken))).user?.email).toBe(email);
    expect(await tokenRow(token)).toMatchObject({ used_at: null, revoked_at: null });
  });

  it('login sets the cookie and answers the access token with the tenant', async () => {
    const t = await createTenant();
    const res = await browser('/v1/auth/session/login', { body: { email: t.ownerEmail, password: PASSWORD } });
    expect(res.status).toBe(200);
    const token = cookieToken(res);
    const body = await json<BrowserSession>(res);
    expect(body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900, tenantId: t.tenantId });
    expect(await tokenRow(token)).not.toBeNull();
  });

  it('a wrong password answers 401 problem+json and sets no cookie', async () => {
    const t = await createTenant();
    const res = await browser('/v1/auth/session/login', { body: { email: t.ownerEmail, password: 'not the password at all' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

describe('browser session: refresh', () => {
  it('rotates: a new access token and a new cookie, the old token spent', async () => {
    const t = await createTenant();
    const first = cookieToken(await browser('/v1/auth/session/login', { body: { email: t.ownerEmail, password: PASSWORD } }));
    const res = await browser('/v1/auth/session/refresh', { cookie: first });
    expect(res.status).toBe(200);
    const second = cookieToken(res);
    expect(second).not.toBe(first);
    const body = await json<BrowserSession>(res);
    expect(body.tenantId).toBe(t.tenantId);
    expect((await me(body.accessToken)).status).toBe(200);
    expect((await tokenRow(first))!.used_at).not.toBeNull();
    expect(await tokenRow(second)).toMatchObject({ used_at: null, revoked_at: null, family_id: (await tokenRow(first))!.family_id });
  });

  it('a reused cookie revokes the whole login, clears the cookie, and the newer token stops working too', async () => {
    const t = await createTenant();
    const first = cookieToken(await browser('/v1/auth/session/login', { body: { email: t.ownerEmail, password: PASSWORD } }));
    const second = cookieToken(await browser('/v1/auth/session/refresh', { cookie: first }));
    const reuse = await browser('/v1/auth/session/refresh', { cookie: first });
    expect(reuse.status).toBe(401);
    expect(reuse.headers.get('content-type')).toBe('application/problem+json');
    expect(reuse.headers.get('set-cookie')).toBe(`${COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict`);
    expect((await tokenRow(second))!.revoked_at).not.toBeNull();
    const audit = await env.DB.prepare(`SELECT count(*) AS n FROM audit_log WHERE tenant_id = ?1 AND action = 'auth.refresh_reuse'`).bind(t.tenantId).first<{ n: number }>();
    expect(audit!.n).toBe(1);
    expect((await browser('/v1/auth/session/refresh', { cookie: second })).status).toBe(401);
  });

  it('answers 401 problem+json without a cookie', async () => {
    const res = await browser('/v1/auth/session/refresh');
    expect(res.status).toBe(401);
    expect((await json<ProblemBody>(res)).detail).toMatch(/no session/);
  });

  it('refuses a refresh without the CSRF header, from another Origin, without an Origin, or cross-site, with 403 problem+json, spending nothing', async () => {
    const t = await createTenant();
    const token = cookieToken(await browser('/v1/auth/session/login', { body: { email: t.ownerEmail, password: PASSWORD } }));
    const refusals: Record<string, string>[] = [
      { 'x-gpubroker-csrf': '' },
      { origin: 'https://evil.example' },
      { origin: '' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of refusals) {
      const res = await browser('/v1/auth/session/refresh', { cookie: token, headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await json<ProblemBody>(res)).toMatchObject({ status: 403, type: 'https://gpubroker.dev/problems/csrf' });
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(await tokenRow(token)).toMatchObject({ used_at: null, revoked_at: null });
    expect((await browser('/v1/auth/session/refresh', { cookie: token })).status).toBe(200);
  });

  it('refuses a cross-origin login and signup too (no login CSRF)', async () => {
    const t = await createTenant();
    const login = await browser('/v1/auth/session/login', { body: { email: t.ownerEmail, password: PASSWORD }, headers: { origin: 'https://evil.example' } });
    expect(login.status).toBe(403);
    const signup = await browser('/v1/auth/session/signup', {
      body: { email: `${crypto.randomUUID()}@example.com`, password: SIGNUP_PASSWORD, organization: 'X' },
      headers: { 'x-gpubroker-csrf': '' },
    });
    expect(signup.status).toBe(403);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM tenants').first<{ n: number }>())!.n).toBe(1);
  });
});

describe('browser session: logout', () => {
  it('revokes the login and clears the cookie; a later refresh with it is refused', async () => {
    const t = await createTenant();
    const token = cookieToken(await browser('/v1/auth/session/login', { body: { email: t.ownerEmail, password: PASSWORD } }));
    const res = await browser('/v1/auth/session/logout', { cookie: token });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=; Max-Age=0;`));
    expect((await tokenRow(token))!.revoked_at).not.toBeNull();
    expect((await browser('/v1/auth/session/refresh', { cookie: token })).status).toBe(401);
  });

  it('refuses a cross-site logout with 403, leaving the session alive', async () => {
    const t = await createTenant();
    const token = cookieToken(await browser('/v1/auth/session/login', { body: { email: t.ownerEmail, password: PASSWORD } }));
    expect((await browser('/v1/auth/session/logout', { cookie: token, headers: { 'sec-fetch-site': 'same-site' } })).status).toBe(403);
    expect((await tokenRow(token))!.revoked_at).toBeNull();
  });
});

describe('OpenAPI', () => {
  it('documents the browser session routes', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await api('/openapi.json'));
    for (const path of ['/v1/auth/session/signup', '/v1/auth/session/login', '/v1/auth/session/refresh', '/v1/auth/session/logout']) {
      expect(doc.paths[path]?.post, path).toBeDefined();
    }
  });
});
