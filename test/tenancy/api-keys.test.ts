import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/tenancy/keys';
import { addApiKey, addMember, createTenant } from './fixtures';
import { auditRows, idem, send, type ProblemBody } from './calls';

interface ApiKey {
  id: string;
  name: string;
  role: string;
  preview: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdBy: string | null;
}
interface CreatedKey extends ApiKey {
  key: string;
}
interface KeyPage {
  data: ApiKey[];
  nextCursor: string | null;
}

const create = (token: string, body: Record<string, unknown>, headers: Record<string, string> = idem()) =>
  send<CreatedKey & ProblemBody>('POST', '/v1/api-keys', token, body, headers);

async function storedKey(id: string) {
  return env.DB.prepare('SELECT * FROM api_keys WHERE id = ?1').bind(id).first<Record<string, unknown>>();
}

describe('POST /v1/api-keys', () => {
  it('shows the new key once and stores only its hash and preview', async () => {
    const t = await createTenant();
    const { status, body } = await create(t.ownerToken, { name: 'CI deploys', role: 'member' });
    expect(status).toBe(201);
    expect(body.key).toMatch(/^gpb_live_[A-Za-z0-9_-]{43}$/);
    expect(body).toMatchObject({ name: 'CI deploys', role: 'member', createdBy: t.ownerId, expiresAt: null, lastUsedAt: null, revokedAt: null });
    expect(body.preview.startsWith(body.key.slice(0, 13))).toBe(true);
    const row = await storedKey(body.id);
    expect(row).toMatchObject({ tenant_id: t.tenantId, key_hash: await hashApiKey(body.key), preview: body.preview, role: 'member', created_by: t.ownerId });
    expect(JSON.stringify(row)).not.toContain(body.key);
    const audits = (await auditRows(t.tenantId, 'api_key.create')).filter((r) => r.target_id === body.id);
    expect(audits).toHaveLength(1);
    const [audit] = audits;
    expect(audit).toMatchObject({ actor_type: 'user', actor_id: t.ownerId, target_type: 'api_key', target_id: body.id });
    expect(JSON.parse(audit!.detail)).toEqual({ name: 'CI deploys', role: 'member', expiresAt: null });
    expect(audit!.detail).not.toContain(body.key);
  });

  it('makes a key that authenticates on the next request', async () => {
    const t = await createTenant();
    const { body } = await create(t.ownerToken, { name: 'reader', role: 'viewer' });
    const { status } = await send('GET', '/v1/members', body.key);
    expect(status).toBe(200);
    const row = await storedKey(body.id);
    expect(row!.last_used_at).not.toBeNull();
  });

  it('sets expiresAt from expiresInDays', async () => {
    const t = await createTenant();
    const before = Date.now();
    const { status, body } = await create(t.ownerToken, { name: 'temp', role: 'viewer', expiresInDays: 30 });
    expect(status).toBe(201);
    const expires = Date.parse(body.expiresAt!);
    expect(expires).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000);
    expect((await storedKey(body.id))!.expires_at).toBe(expires);
  });

  it('keeps an explicit future expiresAt', async () => {
    const t = await createTenant();
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const { status, body } = await create(t.ownerToken, { name: 'an hour', role: 'viewer', expiresAt: at });
    expect(status).toBe(201);
    expect(body.expiresAt).toBe(at);
  });

  it('answers 400 naming an expiresAt in the past', async () => {
    const t = await createTenant();
    const { status, body } = await create(t.ownerToken, { name: 'old', role: 'viewer', expiresAt: '2020-01-01T00:00:00Z' });
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.field)).toEqual(['body.expiresAt']);
  });

  it('answers 400 when both expiresAt and expiresInDays are given', async () => {
    const t = await createTenant();
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const { status, body } = await create(t.ownerToken, { name: 'both', role: 'viewer', expiresAt: at, expiresInDays: 2 });
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.field)).toEqual(['body.expiresInDays']);
  });

  it('answers 400 naming an unknown field', async () => {
    const t = await createTenant();
    const { status, body } = await create(t.ownerToken, { name: 'x', role: 'viewer', tenantId: 'ten_other' });
    expect(status).toBe(400);
    expect(JSON.stringify(body.errors)).toContain('tenantId');
  });

  it('refuses a member with 403 and stores no key', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    const { status } = await create(member.token, { name: 'mine', role: 'viewer' });
    expect(status).toBe(403);
    expect((await env.DB.prepare('SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ?1').bind(t.tenantId).first<{ n: number }>())!.n).toBe(1);
  });

  it("refuses a key whose role is above the creator's with 403", async () => {
    const t = await createTenant();
    const admin = await addMember(t.tenantId, 'admin');
    const { status, body } = await create(admin.token, { name: 'escalate', role: 'owner' });
    expect(status).toBe(403);
    expect(body.detail).toMatch(/exceed/);
    expect((await env.DB.prepare(`SELECT COUNT(*) AS n FROM api_keys WHERE role = 'owner'`).first<{ n: number }>())!.n).toBe(0);
  });

  it('refuses an admin API key that tries to mint an owner key with 403', async () => {
    const t = await createTenant();
    const { status } = await create(t.apiKey, { name: 'escalate', role: 'owner' });
    expect(status).toBe(403);
  });

  it('lets an owner create an owner key', async () => {
    const t = await createTenant();
    const { status, body } = await create(t.ownerToken, { name: 'break glass', role: 'owner' });
    expect(status).toBe(201);
    expect(body.role).toBe('owner');
  });

  it('answers 400 without an Idempotency-Key and stores no key', async () => {
    const t = await createTenant();
    const { status, body } = await create(t.ownerToken, { name: 'no key', role: 'viewer' }, {});
    expect(status).toBe(400);
    expect(body.errors?.[0]?.field).toBe('header.Idempotency-Key');
    expect(await auditRows(t.tenantId, 'api_key.create')).toHaveLength(1); // the signup key only
  });

  it('replays the first answer for a repeated Idempotency-Key and creates one key', async () => {
    const t = await createTenant();
    const headers = idem();
    const first = await create(t.ownerToken, { name: 'once', role: 'viewer' }, headers);
    const again = await create(t.ownerToken, { name: 'once', role: 'viewer' }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.res.headers.get('Idempotent-Replayed')).toBe('true');
    expect((await env.DB.prepare(`SELECT COUNT(*) AS n FROM api_keys WHERE name = 'once'`).first<{ n: number }>())!.n).toBe(1);
  });
});

describe('GET /v1/api-keys', () => {
  it('lists keys newest first without ever showing a key or its hash', async () => {
    const t = await createTenant();
    const made = await create(t.ownerToken, { name: 'second', role: 'member' });
    const res = await send<KeyPage>('GET', '/v1/api-keys', t.ownerToken);
    expect(res.status).toBe(200);
    expect(res.body.data.map((k) => k.id)).toEqual([made.body.id, t.apiKeyId]);
    expect(Object.keys(res.body.data[0]!).sort()).toEqual(['createdAt', 'createdBy', 'expiresAt', 'id', 'lastUsedAt', 'name', 'preview', 'revokedAt', 'role']);
    const text = JSON.stringify(res.body);
    const hashes = await env.DB.prepare('SELECT key_hash FROM api_keys').all<{ key_hash: string }>();
    for (const secret of [made.body.key, t.apiKey, ...hashes.results.map((r) => r.key_hash)]) expect(text).not.toContain(secret);
  });

  it('pages through keys with limit and cursor, each key exactly once', async () => {
    const t = await createTenant();
    for (let i = 0; i < 4; i++) await addApiKey(t.tenantId, 'viewer');
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: { status: number; body: KeyPage } = await send<KeyPage>('GET', `/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`, t.ownerToken);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((k) => k.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('refuses a member with 403', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    expect((await send('GET', '/v1/api-keys', member.token)).status).toBe(403);
  });
});

describe('DELETE /v1/api-keys/{id}', () => {
  it('revokes a key so its next request answers 401, stored and audited', async () => {
    const t = await createTenant();
    const { body: made } = await create(t.ownerToken, { name: 'doomed', role: 'viewer' });
    expect((await send('GET', '/v1/members', made.key)).status).toBe(200);
    const { status } = await send('DELETE', `/v1/api-keys/${made.id}`, t.ownerToken);
    expect(status).toBe(204);
    const next = await send<ProblemBody>('GET', '/v1/members', made.key);
    expect(next.status).toBe(401);
    expect(next.res.headers.get('content-type')).toContain('application/problem+json');
    expect((await storedKey(made.id))!.revoked_at).not.toBeNull();
    const [audit] = await auditRows(t.tenantId, 'api_key.revoke');
    expect(audit).toMatchObject({ actor_id: t.ownerId, target_type: 'api_key', target_id: made.id });
    expect(JSON.parse(audit!.detail)).toEqual({ name: 'doomed', role: 'viewer' });
  });

  it('shows the revocation time in the list', async () => {
    const t = await createTenant();
    await send('DELETE', `/v1/api-keys/${t.apiKeyId}`, t.ownerToken);
    const { body } = await send<KeyPage>('GET', '/v1/api-keys', t.ownerToken);
    expect(body.data[0]!.revokedAt).not.toBeNull();
  });

  it('answers 204 again for a second revoke, keeping the first time and one audit row', async () => {
    const t = await createTenant();
    const key = await addApiKey(t.tenantId, 'viewer');
    expect((await send('DELETE', `/v1/api-keys/${key.id}`, t.ownerToken)).status).toBe(204);
    const first = (await storedKey(key.id))!.revoked_at;
    expect((await send('DELETE', `/v1/api-keys/${key.id}`, t.ownerToken)).status).toBe(204);
    expect((await storedKey(key.id))!.revoked_at).toBe(first);
    expect(await auditRows(t.tenantId, 'api_key.revoke')).toHaveLength(1);
  });

  it('lets a key revoke itself, effective on its next request', async () => {
    const t = await createTenant();
    expect((await send('DELETE', `/v1/api-keys/${t.apiKeyId}`, t.apiKey)).status).toBe(204);
    expect((await send('GET', '/v1/api-keys', t.apiKey)).status).toBe(401);
  });

  it('refuses an admin who tries to revoke an owner key with 403', async () => {
    const t = await createTenant();
    const admin = await addMember(t.tenantId, 'admin');
    const ownerKey = await addApiKey(t.tenantId, 'owner');
    const { status } = await send('DELETE', `/v1/api-keys/${ownerKey.id}`, admin.token);
    expect(status).toBe(403);
    expect((await storedKey(ownerKey.id))!.revoked_at).toBeNull();
  });

  it('refuses a member with 403', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    const { status } = await send('DELETE', `/v1/api-keys/${t.apiKeyId}`, member.token);
    expect(status).toBe(403);
    expect((await storedKey(t.apiKeyId))!.revoked_at).toBeNull();
  });

  it('answers 404 for a key that does not exist', async () => {
    const t = await createTenant();
    expect((await send('DELETE', '/v1/api-keys/key_0000000000000000', t.ownerToken)).status).toBe(404);
  });

  it('answers 400 for an id that is not a key id', async () => {
    const t = await createTenant();
    const { status, body } = await send<ProblemBody>('DELETE', '/v1/api-keys/usr_0000000000000000', t.ownerToken);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.field).toBe('path.id');
  });
});
