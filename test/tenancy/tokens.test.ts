import { env } from 'cloudflare:workers';
import { createLocalJWKSet, exportSPKI, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, json } from '../helpers';
import { JWT_AUDIENCE, JWT_ISSUER, signAccessToken } from '../../src/tenancy/jwt';
import { toBase64Url } from '../../src/encoding';
import { sha256Hex } from '../../src/tenancy/secrets';
import { freshIp, me, postJson, refresh, signup, type MeBody, type SessionBody } from './auth-client';
import { addApiKey, addMember, createTenant } from './fixtures';

const OUR_KEY = JSON.parse(env.JWT_PRIVATE_KEY as string) as JWK & { kid: string };
const FOREIGN_KEY = JSON.parse(env.TEST_FOREIGN_PRIVATE_KEY as string) as JWK & { kid: string };

async function signWith(
  jwk: JWK,
  kid: string,
  claims: { sub: string; tid: string },
  options: { iss?: string; aud?: string; iat?: number; nbf?: number; exp?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tid: claims.tid, role: 'owner' })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(options.iss ?? JWT_ISSUER)
    .setAudience(options.aud ?? JWT_AUDIENCE)
    .setIssuedAt(options.iat ?? now)
    .setNotBefore(options.nbf ?? now)
    .setExpirationTime(options.exp ?? now + 900)
    .sign(await importJWK({ ...jwk, alg: 'ES256' }, 'ES256'));
}

const encodeJson = (value: unknown) => toBase64Url(new TextEncoder().encode(JSON.stringify(value)));

function claimsOf(t: { ownerId: string; tenantId: string }) {
  const now = Math.floor(Date.now() / 1000);
  return { sub: t.ownerId, tid: t.tenantId, role: 'owner', iss: JWT_ISSUER, aud: JWT_AUDIENCE, iat: now, nbf: now, exp: now + 900 };
}

async function expectRejected(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="gpubroker"/);
  expect(await json(res)).toMatchObject({ status: 401, title: 'Unauthorized' });
}

function meWithHeader(authorization?: string): Promise<Response> {
  return api('/v1/me', { headers: { 'cf-connecting-ip': freshIp(), ...(authorization === undefined ? {} : { Authorization: authorization }) } });
}

describe('POST /v1/auth/refresh', () => {
  it('exchanges a refresh token for a new pair in the same family and uses the old one up', async () => {
    const s = await signup();
    const res = await refresh(s.refreshToken);
    expect(res.status).toBe(200);
    const next = await json<SessionBody>(res);
    expect(next).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, tenantId: s.tenant.id });
    expect(next.refreshToken).not.toBe(s.refreshToken);
    expect((await me(next.accessToken)).status).toBe(200);
    const row = async (token: string) =>
      env.DB.prepare('SELECT family_id, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?1')
        .bind(await sha256Hex(token))
        .first<{ family_id: string; used_at: number | null; revoked_at: number | null }>();
    const old = await row(s.refreshToken);
    expect(old!.used_at).not.toBeNull();
    expect(await row(next.refreshToken)).toEqual({ family_id: old!.family_id, used_at: null, revoked_at: null });
    expect((await env.DB.prepare('SELECT count(*) AS n FROM refresh_tokens').first<{ n: number }>())!.n).toBe(2);
  });

  it('revokes the whole family when a rotated token comes back, so the newest token stops working too', async () => {
    const s = await signup();
    const next = await json<SessionBody>(await refresh(s.refreshToken));
    const replay = await refresh(s.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.headers.get('content-type')).toBe('application/problem+json');
    expect((await refresh(next.refreshToken)).status).toBe(401);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM refresh_tokens WHERE revoked_at IS NULL').first<{ n: number }>())!.n).toBe(0);
    // Each presentation of a dead token is recorded: the replay, then the newest token after it.
    const audit = await env.DB.prepare(`SELECT actor_type, target_id FROM audit_log WHERE action = 'auth.refresh_reuse'`).all();
    expect(audit.results).toEqual([
      { actor_type: 'anonymous', target_id: s.user.id },
      { actor_type: 'anonymous', target_id: s.user.id },
    ]);
  });

  it('lets only one of two concurrent refreshes with the same token win, and treats the other as reuse', async () => {
    const s = await signup();
    const answers = await Promise.all([refresh(s.refreshToken), refresh(s.refreshToken)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = await json<SessionBody>(answers.find((r) => r.status === 200)!);
    expect((await refresh(winner.refreshToken)).status).toBe(401);
  });

  it('refuses an expired refresh token', async () => {
    const s = await signup();
    await env.DB.prepare('UPDATE refresh_tokens SET expires_at = ?1').bind(Date.now() - 1).run();
    expect((await refresh(s.refreshToken)).status).toBe(401);
  });

  it('refuses an unknown refresh token with the same answer as a used one', async () => {
    const s = await signup();
    await refresh(s.refreshToken);
    const used = await json<{ detail: string }>(await refresh(s.refreshToken));
    const unknown = await refresh('A'.repeat(43));
    expect(unknown.status).toBe(401);
    expect((await json<{ detail: string }>(unknown)).detail).toBe(used.detail);
  });

  it('refuses the refresh token of a user removed from the tenant', async () => {
    const s = await signup();
    await env.DB.prepare('DELETE FROM memberships WHERE user_id = ?1').bind(s.user.id).run();
    expect((await refresh(s.refreshToken)).status).toBe(401);
  });
});

describe('POST /v1/auth/logout', () => {
  it('revokes the refresh token and its family, and audits the logout', async () => {
    const s = await signup();
    const next = await json<SessionBody>(await refresh(s.refreshToken));
    const res = await postJson('/v1/auth/logout', { refreshToken: next.refreshToken }, freshIp());
    expect(res.status).toBe(204);
    expect((await refresh(next.refreshToken)).status).toBe(401);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM refresh_tokens WHERE revoked_at IS NULL').first<{ n: number }>())!.n).toBe(0);
    const audit = await env.DB.prepare(`SELECT actor_type, actor_id FROM audit_log WHERE action = 'auth.logout'`).all();
    expect(audit.results).toEqual([{ actor_type: 'user', actor_id: s.user.id }]);
  });

  it('answers 204 for an unknown refresh token', async () => {
    expect((await postJson('/v1/auth/logout', { refreshToken: 'unknown-token' }, freshIp())).status).toBe(204);
  });
});

describe('GET /v1/me rejects bad credentials with 401 problem+json', () => {
  it('rejects a call with no Authorization header', async () => {
    await expectRejected(await meWithHeader());
  });

  it('rejects a Basic credential', async () => {
    await expectRejected(await meWithHeader('Basic x'));
  });

  it('rejects "Bearer" with no token', async () => {
    await expectRejected(await meWithHeader('Bearer'));
  });

  it('rejects a bearer that is not a JWT', async () => {
    await expectRejected(await meWithHeader('Bearer not.a.jwt'));
  });

  it('rejects an expired access token', async () => {
    const t = await createTenant();
    const token = await signAccessToken(env, { sub: t.ownerId, tid: t.tenantId, role: 'owner' }, Date.now() - 16 * 60_000);
    await expectRejected(await me(token));
  });

  it('rejects a token that is not valid yet (nbf in the future)', async () => {
    const t = await createTenant();
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(await me(await signWith(OUR_KEY, OUR_KEY.kid, { sub: t.ownerId, tid: t.tenantId }, { nbf: now + 600, exp: now + 1800 })));
  });

  it('rejects a token signed by another key that claims our key id', async () => {
    const t = await createTenant();
    await expectRejected(await me(await signWith(FOREIGN_KEY, OUR_KEY.kid, { sub: t.ownerId, tid: t.tenantId })));
  });

  it('rejects a token signed by another key under its own key id', async () => {
    const t = await createTenant();
    await expectRejected(await me(await signWith(FOREIGN_KEY, FOREIGN_KEY.kid, { sub: t.ownerId, tid: t.tenantId })));
  });

  it('rejects an unsigned token (alg: none)', async () => {
    const t = await createTenant();
    const token = `${encodeJson({ alg: 'none', typ: 'JWT', kid: OUR_KEY.kid })}.${encodeJson(claimsOf(t))}.`;
    await expectRejected(await me(token));
  });

  it('rejects an HS256 token whose HMAC secret is our public JWK (algorithm confusion)', async () => {
    const t = await createTenant();
    const { d: _d, ...publicJwk } = OUR_KEY;
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const token = await new SignJWT(claimsOf(t)).setProtectedHeader({ alg: 'HS256', kid: OUR_KEY.kid, typ: 'JWT' }).sign(secret);
    await expectRejected(await me(token));
  });

  it('rejects an HS256 token whose HMAC secret is our public key as PEM (algorithm confusion)', async () => {
    const t = await createTenant();
    const { d: _d, ...publicJwk } = OUR_KEY;
    const publicKey = (await importJWK({ ...publicJwk, alg: 'ES256' }, 'ES256', { extractable: true })) as CryptoKey;
    const pem = await exportSPKI(publicKey);
    const token = await new SignJWT(claimsOf(t)).setProtectedHeader({ alg: 'HS256', kid: OUR_KEY.kid, typ: 'JWT' }).sign(new TextEncoder().encode(pem));
    await expectRejected(await me(token));
  });

  it('rejects a token from another issuer', async () => {
    const t = await createTenant();
    await expectRejected(await me(await signWith(OUR_KEY, OUR_KEY.kid, { sub: t.ownerId, tid: t.tenantId }, { iss: 'https://evil.example' })));
  });

  it('rejects a token for another audience', async () => {
    const t = await createTenant();
    await expectRejected(await me(await signWith(OUR_KEY, OUR_KEY.kid, { sub: t.ownerId, tid: t.tenantId }, { aud: 'some-other-api' })));
  });

  it('rejects the still-unexpired token of a user removed from the tenant', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    expect((await me(member.token)).status).toBe(200);
    await env.DB.prepare('DELETE FROM memberships WHERE tenant_id = ?1 AND user_id = ?2').bind(t.tenantId, member.userId).run();
    await expectRejected(await me(member.token));
  });

  it('rejects a revoked API key on the next request', async () => {
    const t = await createTenant();
    const key = await addApiKey(t.tenantId, 'member');
    expect((await me(key.key)).status).toBe(200);
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1').bind(key.id, Date.now()).run();
    await expectRejected(await me(key.key));
  });

  it('rejects an expired API key', async () => {
    const t = await createTenant();
    const key = await addApiKey(t.tenantId, 'member', { expiresAt: Date.now() - 1000 });
    await expectRejected(await me(key.key));
  });
});

describe('GET /.well-known/jwks.json', () => {
  it('serves public keys, cacheable for 5 minutes, that verify the tokens we sign', async () => {
    const res = await api('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const set = await json<{ keys: JWK[] }>(res);
    expect(set.keys.some((k) => 'd' in k)).toBe(false);
    const s = await signup();
    const { payload, protectedHeader } = await jwtVerify(s.accessToken, createLocalJWKSet(set), {
      algorithms: ['ES256'],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
    });
    expect(protectedHeader.kid).toBe(OUR_KEY.kid);
    expect(payload).toMatchObject({ sub: s.user.id, tid: s.tenant.id });
  });

  it('does not verify a token signed with a key it does not list', async () => {
    const set = await json<{ keys: JWK[] }>(await api('/.well-known/jwks.json'));
    const t = await createTenant();
    const forged = await signWith(FOREIGN_KEY, OUR_KEY.kid, { sub: t.ownerId, tid: t.tenantId });
    await expect(jwtVerify(forged, createLocalJWKSet(set), { algorithms: ['ES256'] })).rejects.toThrow();
    const who = await json<MeBody>(await me(t.ownerToken));
    expect(who.user?.id).toBe(t.ownerId);
  });
});
