import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { api, json } from '../helpers';
import { hashPassword } from '../../src/tenancy/passwords';
import { sha256Hex } from '../../src/tenancy/secrets';
import { lockedUntil } from '../../src/tenancy/throttle';
import { freshIp, me, postJson, signup, SIGNUP_PASSWORD, type MeBody, type SessionBody, type SignupBody } from './auth-client';
import { createTenant, PASSWORD } from './fixtures';

const MINUTE = 60_000;

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: Array<{ field: string; message: string }>;
}

const count = async (sql: string, ...params: unknown[]) => (await env.DB.prepare(sql).bind(...params).first<{ n: number }>())!.n;

function login(body: Record<string, unknown>, ip = freshIp()): Promise<Response> {
  return postJson('/v1/auth/login', body, ip);
}

/** Failed-login rows as the login handler writes them, at chosen times. */
async function insertFailures(subject: string, times: number[]): Promise<void> {
  await env.DB.batch(times.map((at) => env.DB.prepare('INSERT INTO login_failures (subject, at) VALUES (?1, ?2)').bind(subject, at)));
}

/** The problem body without the per-request parts, for comparing two answers. */
function comparable(p: ProblemBody): Omit<ProblemBody, 'requestId'> {
  const { requestId: _requestId, ...rest } = p;
  return rest;
}

describe('POST /v1/auth/signup', () => {
  it('returns an access token and an API key that both authenticate GET /v1/me', async () => {
    const email = `${crypto.randomUUID()}@example.com`;
    const res = await postJson('/v1/auth/signup', { email, password: SIGNUP_PASSWORD, organization: 'Acme Research' }, freshIp());
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await json<SignupBody>(res);
    expect(body.tenant).toMatchObject({ name: 'Acme Research', plan: 'free' });
    expect(body.tenant.id).toMatch(/^ten_/);
    expect(body.user).toEqual({ id: expect.stringMatching(/^usr_/), email });
    expect(body.apiKey.key).toMatch(/^gpb_live_[A-Za-z0-9_-]{43}$/);
    expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });

    const asUser = await me(body.accessToken);
    expect(asUser.status).toBe(200);
    expect(await json<MeBody>(asUser)).toEqual({
      kind: 'user',
      user: { id: body.user.id, email, isPlatformAdmin: false },
      apiKey: null,
      tenant: body.tenant,
      role: 'owner',
      memberships: [{ tenantId: body.tenant.id, tenantName: 'Acme Research', role: 'owner' }],
    });

    const asKey = await me(body.apiKey.key);
    expect(asKey.status).toBe(200);
    expect(await json<MeBody>(asKey)).toEqual({
      kind: 'api_key',
      user: null,
      apiKey: { id: body.apiKey.id, name: 'Default key', role: 'admin' },
      tenant: body.tenant,
      role: 'admin',
      memberships: [],
    });
  });

  it('stores the email lower-cased and the password as a PBKDF2 hash with its parameters', async () => {
    await postJson('/v1/auth/signup', { email: 'Ada.Lovelace@Example.COM', password: SIGNUP_PASSWORD, organization: 'Analytical' }, freshIp());
    const user = await env.DB.prepare('SELECT email, password_hash FROM users').first<{ email: string; password_hash: string }>();
    expect(user!.email).toBe('ada.lovelace@example.com');
    expect(user!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(user!.password_hash).not.toContain(SIGNUP_PASSWORD);
  });

  it('stores only hashes of the API key and the refresh token, and audits the signup', async () => {
    const body = await signup();
    const key = await env.DB.prepare('SELECT key_hash, preview, role FROM api_keys WHERE id = ?1').bind(body.apiKey.id).first<{ key_hash: string; preview: string; role: string }>();
    expect(key).toEqual({ key_hash: await sha256Hex(body.apiKey.key), preview: body.apiKey.preview, role: 'admin' });
    const token = await env.DB.prepare('SELECT tenant_id, user_id, created_at, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?1')
      .bind(await sha256Hex(body.refreshToken))
      .first<{ tenant_id: string; user_id: string; created_at: number; expires_at: number; used_at: number | null; revoked_at: number | null }>();
    expect(token).toMatchObject({ tenant_id: body.tenant.id, user_id: body.user.id, used_at: null, revoked_at: null });
    expect(token!.expires_at - token!.created_at).toBe(30 * 86_400_000);
    const { results } = await env.DB.prepare('SELECT action FROM audit_log WHERE tenant_id = ?1 ORDER BY action').bind(body.tenant.id).all<{ action: string }>();
    expect(results.map((r) => r.action)).toEqual(['api_key.create', 'tenant.signup']);
  });

  it('answers 409 when the email is already registered, in any letter case, and creates nothing', async () => {
    await signup('grace@example.com');
    const res = await postJson('/v1/auth/signup', { email: 'Grace@Example.com', password: SIGNUP_PASSWORD, organization: 'Other' }, freshIp());
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await json<ProblemBody>(res)).toMatchObject({ status: 409, title: 'Email already registered' });
    expect(await count('SELECT count(*) AS n FROM tenants')).toBe(1);
  });

  it('answers 400 naming body.password when the password is shorter than 12 characters', async () => {
    const res = await postJson('/v1/auth/signup', { email: 'short@example.com', password: 'elevenchars', organization: 'Acme' }, freshIp());
    expect(res.status).toBe(400);
    const body = await json<ProblemBody>(res);
    expect(body.errors?.map((e) => e.field)).toEqual(['body.password']);
    expect(JSON.stringify(body)).not.toContain('elevenchars');
    expect(await count('SELECT count(*) AS n FROM users')).toBe(0);
  });

  it('answers 400 naming body.email when the email is not an address', async () => {
    const res = await postJson('/v1/auth/signup', { email: 'not-an-email', password: SIGNUP_PASSWORD, organization: 'Acme' }, freshIp());
    expect(res.status).toBe(400);
    expect((await json<ProblemBody>(res)).errors?.map((e) => e.field)).toEqual(['body.email']);
  });

  it('answers 400 naming an unknown field, so nobody can choose a plan or an admin flag at signup', async () => {
    const res = await postJson(
      '/v1/auth/signup',
      { email: 'sneaky@example.com', password: SIGNUP_PASSWORD, organization: 'Acme', plan: 'enterprise' },
      freshIp(),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await json<ProblemBody>(res);
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.field).toBe('body.plan');
    expect(await count('SELECT count(*) AS n FROM tenants')).toBe(0);
  });
});

describe('POST /v1/auth/login', () => {
  it('returns tokens for the right password, and records a login but no failure', async () => {
    const t = await createTenant();
    const res = await login({ email: t.ownerEmail.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await json<SessionBody>(res);
    expect(body).toMatchObject({ tenantId: t.tenantId, tokenType: 'Bearer', expiresIn: 900 });
    const who = await json<MeBody>(await me(body.accessToken));
    expect(who.user?.id).toBe(t.ownerId);
    expect(await count('SELECT count(*) AS n FROM refresh_tokens WHERE token_hash = ?1', await sha256Hex(body.refreshToken))).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'auth.login' AND tenant_id = ?1 AND actor_id = ?2`, t.tenantId, t.ownerId)).toBe(1);
    expect(await count('SELECT count(*) AS n FROM login_failures')).toBe(0);
  });

  it('answers a wrong password and an unknown email with the same 401 body', async () => {
    const t = await createTenant();
    const wrong = await login({ email: t.ownerEmail, password: 'not the password at all' });
    const unknown = await login({ email: 'nobody@example.com', password: PASSWORD });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.headers.get('content-type')).toBe('application/problem+json');
    expect(wrong.headers.get('www-authenticate')).toBe(unknown.headers.get('www-authenticate'));
    const wrongText = await wrong.text();
    expect(wrongText).not.toContain('not the password at all');
    expect(comparable(JSON.parse(wrongText) as ProblemBody)).toEqual(comparable(await json<ProblemBody>(unknown)));
    expect(await count('SELECT count(*) AS n FROM refresh_tokens')).toBe(0);
  });

  it('audits a failed login in the tenant of a known account, never for an unknown email', async () => {
    const t = await createTenant();
    await login({ email: t.ownerEmail, password: 'not the password at all' });
    await login({ email: 'nobody@example.com', password: 'not the password at all' });
    const { results } = await env.DB.prepare('SELECT tenant_id, actor_type, target_id, detail FROM audit_log WHERE action = ?1')
      .bind('auth.login_failed')
      .all<{ tenant_id: string; actor_type: string; target_id: string; detail: string }>();
    expect(results).toEqual([{ tenant_id: t.tenantId, actor_type: 'anonymous', target_id: t.ownerId, detail: '{}' }]);
    // Each failure counts once for the account and once for the address.
    expect(await count('SELECT count(*) AS n FROM login_failures')).toBe(4);
  });

  it('signs in to the requested tenant when the user is a member, else to the oldest membership', async () => {
    const home = await createTenant({ name: 'Home' });
    const other = await createTenant({ name: 'Other' });
    const stranger = await createTenant({ name: 'Stranger' });
    await env.DB.prepare(`INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?1, ?2, 'viewer', ?3)`)
      .bind(other.tenantId, home.ownerId, Date.now() + MINUTE)
      .run();
    const asked = await json<SessionBody>(await login({ email: home.ownerEmail, password: PASSWORD, tenantId: other.tenantId }));
    expect(asked.tenantId).toBe(other.tenantId);
    const who = await json<MeBody>(await me(asked.accessToken));
    expect(who).toMatchObject({ role: 'viewer', tenant: { id: other.tenantId, name: 'Other' } });
    expect(who.memberships.map((m) => m.tenantName)).toEqual(['Home', 'Other']);
    expect((await json<SessionBody>(await login({ email: home.ownerEmail, password: PASSWORD }))).tenantId).toBe(home.tenantId);
    expect((await json<SessionBody>(await login({ email: home.ownerEmail, password: PASSWORD, tenantId: stranger.tenantId }))).tenantId).toBe(home.tenantId);
  });

  it('re-hashes a password stored with fewer iterations than today', async () => {
    const t = await createTenant();
    await env.DB.prepare('UPDATE users SET password_hash = ?2 WHERE id = ?1').bind(t.ownerId, await hashPassword(PASSWORD, 1000)).run();
    expect((await login({ email: t.ownerEmail, password: PASSWORD })).status).toBe(200);
    const stored = await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?1').bind(t.ownerId).first<{ password_hash: string }>();
    expect(stored!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect((await login({ email: t.ownerEmail, password: PASSWORD })).status).toBe(200);
  });

  it('answers 400 naming an unknown field', async () => {
    const res = await login({ email: 'a@example.com', password: PASSWORD, remember: true });
    expect(res.status).toBe(400);
    expect((await json<ProblemBody>(res)).errors![0]!.field).toBe('body.remember');
  });
});

describe('login throttling', () => {
  it('locks an account after 5 failures: the right password then gets 429 with Retry-After', async () => {
    const t = await createTenant();
    for (let i = 0; i < 5; i++) expect((await login({ email: t.ownerEmail, password: `wrong password ${i}` })).status).toBe(401);
    const res = await login({ email: t.ownerEmail, password: PASSWORD });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(890);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(await json<ProblemBody>(res)).toMatchObject({ status: 429, title: 'Too many login attempts' });
    expect(await count('SELECT count(*) AS n FROM refresh_tokens')).toBe(0);
  });

  it('locks an unknown email exactly like a known one, so a 429 does not reveal whether it exists', async () => {
    const t = await createTenant();
    const lockedAnswer = async (email: string) => {
      const ip = freshIp();
      for (let i = 0; i < 5; i++) await login({ email, password: 'wrong password here' }, ip);
      // A new address, so only the account's lock speaks.
      return login({ email, password: PASSWORD }, freshIp());
    };
    const known = await lockedAnswer(t.ownerEmail);
    const unknown = await lockedAnswer('nobody@example.com');
    expect(known.status).toBe(429);
    expect(unknown.status).toBe(429);
    expect(comparable(await json<ProblemBody>(known))).toEqual(comparable(await json<ProblemBody>(unknown)));
  });

  it('locks an address after 5 failures across different emails, but not the account from elsewhere', async () => {
    const t = await createTenant();
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await login({ email: `guess${i}@example.com`, password: PASSWORD }, ip)).status).toBe(401);
    expect((await login({ email: t.ownerEmail, password: PASSWORD }, ip)).status).toBe(429);
    expect((await login({ email: t.ownerEmail, password: PASSWORD }, freshIp())).status).toBe(200);
  });

  it('lets the 5 allowed attempts through and refuses the rest when 10 arrive at once', async () => {
    const t = await createTenant();
    const ip = freshIp();
    const statuses = await Promise.all(Array.from({ length: 10 }, (_, i) => login({ email: t.ownerEmail, password: `wrong password ${i}` }, ip)).map(async (r) => (await r).status));
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    expect(await count('SELECT count(*) AS n FROM login_failures WHERE subject = ?1', `ip:${ip}`)).toBe(5);
  });

  it('unlocks 15 minutes after the fifth failure', async () => {
    const t = await createTenant();
    const now = Date.now();
    await insertFailures(`email:${await sha256Hex(t.ownerEmail)}`, [20, 19, 18, 17, 16].map((m) => now - m * MINUTE));
    expect((await login({ email: t.ownerEmail, password: PASSWORD })).status).toBe(200);
  });

  it('counts Retry-After from the fifth failure, not from the oldest one', async () => {
    const t = await createTenant();
    const now = Date.now();
    // The oldest left the 15-minute window 5 minutes ago; the fifth locks until 5 minutes from now.
    await insertFailures(`email:${await sha256Hex(t.ownerEmail)}`, [20, 19, 18, 17, 10].map((m) => now - m * MINUTE));
    const res = await login({ email: t.ownerEmail, password: PASSWORD });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(290);
    expect(retryAfter).toBeLessThanOrEqual(300);
  });

  it('prunes failures older than 30 minutes, of any account, on the next failure', async () => {
    const now = Date.now();
    await insertFailures('email:someone-else', [31 * MINUTE, 29 * MINUTE].map((ago) => now - ago));
    await login({ email: 'nobody@example.com', password: 'not the password at all' });
    const { results } = await env.DB.prepare('SELECT subject, at FROM login_failures ORDER BY id').all<{ subject: string; at: number }>();
    expect(results.map((r) => r.subject.split(':')[0])).toEqual(['email', 'email', 'ip']);
    expect(results[0]).toEqual({ subject: 'email:someone-else', at: now - 29 * MINUTE });
  });

  it('never locks for 5 failures spread over more than 15 minutes', () => {
    const now = Date.now();
    expect(lockedUntil([16, 12, 8, 4, 0].map((m) => now - m * MINUTE), now)).toBeNull();
    expect(lockedUntil([14, 12, 8, 4, 0].map((m) => now - m * MINUTE), now)).toBe(now + 15 * MINUTE);
  });
});

describe('OpenAPI', () => {
  it('documents every identity route', async () => {
    const res = await api('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(res);
    for (const [path, method] of [
      ['/v1/auth/signup', 'post'],
      ['/v1/auth/login', 'post'],
      ['/v1/auth/refresh', 'post'],
      ['/v1/auth/logout', 'post'],
      ['/v1/me', 'get'],
      ['/.well-known/jwks.json', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });
});
