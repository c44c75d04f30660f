import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { api, json } from '../helpers';
import { addApiKey, addMember, createTenant } from './fixtures';
import { idem, send, type ProblemBody } from './calls';

interface AuditEntry {
  id: string;
  at: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  ip: string | null;
  detail: Record<string, unknown>;
}
interface AuditPage {
  data: AuditEntry[];
  nextCursor: string | null;
}

/** Follows nextCursor to the end. */
async function walk(token: string, query: string, limit: number): Promise<{ entries: AuditEntry[]; pages: number }> {
  const entries: AuditEntry[] = [];
  let cursor: string | null = null;
  for (let pages = 1; pages < 50; pages++) {
    const res: { status: number; body: AuditPage } = await send<AuditPage>('GET', `/v1/audit?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`, token);
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(limit);
    entries.push(...res.body.data);
    cursor = res.body.nextCursor;
    if (!cursor) return { entries, pages };
  }
  throw new Error('pagination did not end');
}

describe('GET /v1/audit', () => {
  it('lists a row for each member and key action, newest first, with actor, target, ip and detail', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const add = await send<{ id: string }>('POST', '/v1/members', t.ownerToken, { email: other.ownerEmail, role: 'viewer' });
    await send('PATCH', `/v1/members/${add.body.id}`, t.ownerToken, { role: 'member' });
    await send('DELETE', `/v1/members/${add.body.id}`, t.ownerToken);
    const key = await send<{ id: string }>('POST', '/v1/api-keys', t.ownerToken, { name: 'bot', role: 'viewer' }, idem());
    await send('DELETE', `/v1/api-keys/${key.body.id}`, t.ownerToken);

    const { status, body } = await send<AuditPage>('GET', '/v1/audit', t.ownerToken);
    expect(status).toBe(200);
    // Newest first: by time, then by id for rows written in the same millisecond.
    const keys = body.data.map((e) => [Date.parse(e.at), e.id] as const);
    expect([...keys].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : -1))).toEqual(keys);
    // Signup wrote the first two rows (the tenant and its first key) in one batch.
    expect(body.data.slice(5).map((e) => e.action).sort()).toEqual(['api_key.create', 'tenant.signup']);
    expect(body.data.slice(0, 5).map((e) => e.action).sort()).toEqual(['api_key.create', 'api_key.revoke', 'member.add', 'member.remove', 'member.role_change']);
    const byAction = Object.fromEntries(body.data.slice(0, 5).map((e) => [e.action, e]));
    for (const entry of body.data.slice(0, 5)) {
      expect(entry.actor).toEqual({ type: 'user', id: t.ownerId });
      expect(entry.ip).toBe('198.51.100.7');
      expect(entry.id).toMatch(/^aud_/);
      expect(Date.parse(entry.at)).not.toBeNaN();
    }
    expect(byAction['member.add']!.target).toEqual({ type: 'user', id: other.ownerId });
    expect(byAction['member.add']!.detail).toEqual({ oldRole: null, newRole: 'viewer', createdUser: false });
    expect(byAction['member.role_change']!.detail).toEqual({ oldRole: 'viewer', newRole: 'member' });
    expect(byAction['member.remove']!.detail).toEqual({ oldRole: 'member', newRole: null, left: false });
    expect(byAction['api_key.create']!.target).toEqual({ type: 'api_key', id: key.body.id });
    expect(byAction['api_key.revoke']!.detail).toEqual({ name: 'bot', role: 'viewer' });
  });

  it('records an API key as the actor when a key did the action', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    await send('PATCH', `/v1/members/${member.userId}`, t.apiKey, { role: 'viewer' });
    const { body } = await send<AuditPage>('GET', '/v1/audit?action=member.role_change', t.ownerToken);
    expect(body.data).toHaveLength(1);
    expect(body.data[0]!.actor).toEqual({ type: 'api_key', id: t.apiKeyId });
  });

  it('pages newest first through every row exactly once', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    for (const role of ['viewer', 'member', 'admin', 'viewer', 'member'] as const) {
      expect((await send('PATCH', `/v1/members/${member.userId}`, t.ownerToken, { role })).status).toBe(200);
    }
    const stored = (await env.DB.prepare('SELECT COUNT(*) AS n FROM audit_log WHERE tenant_id = ?1').bind(t.tenantId).first<{ n: number }>())!.n;
    expect(stored).toBe(7);
    const { entries, pages } = await walk(t.ownerToken, '', 2);
    expect(pages).toBe(4);
    expect(entries).toHaveLength(7);
    expect(new Set(entries.map((e) => e.id)).size).toBe(7);
    const times = entries.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('filters by action, also across pages', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    for (const role of ['viewer', 'admin', 'member'] as const) await send('PATCH', `/v1/members/${member.userId}`, t.ownerToken, { role });
    const { entries } = await walk(t.ownerToken, '&action=member.role_change', 2);
    expect(entries.map((e) => e.detail.newRole)).toEqual(['member', 'admin', 'viewer']);
  });

  it('refuses a cursor from another filter with 400', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    await send('PATCH', `/v1/members/${member.userId}`, t.ownerToken, { role: 'viewer' });
    const first = await send<AuditPage>('GET', '/v1/audit?limit=1', t.ownerToken);
    const { status, body } = await send<ProblemBody>('GET', `/v1/audit?limit=1&action=member.role_change&cursor=${first.body.nextCursor}`, t.ownerToken);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.field).toBe('query.cursor');
  });

  it('lets an admin read the log', async () => {
    const t = await createTenant();
    const admin = await addMember(t.tenantId, 'admin');
    expect((await send('GET', '/v1/audit', admin.token)).status).toBe(200);
  });

  it('refuses members and viewers with 403, users and keys alike', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    const viewer = await addMember(t.tenantId, 'viewer');
    const memberKey = await addApiKey(t.tenantId, 'member');
    for (const token of [member.token, viewer.token, memberKey.key]) {
      const { status, body } = await send<ProblemBody>('GET', '/v1/audit', token);
      expect(status).toBe(403);
      expect(body.type).toMatch(/forbidden$/);
    }
  });

  it('answers 401 to an anonymous caller', async () => {
    expect((await send('GET', '/v1/audit', null)).status).toBe(401);
  });

  it('is append-only: the API has no route that changes or deletes an entry', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await api('/openapi.json'));
    const auditPaths = Object.entries(doc.paths).filter(([path]) => path.startsWith('/v1/audit'));
    expect(auditPaths.map(([path, ops]) => [path, Object.keys(ops)])).toEqual([['/v1/audit', ['get']]]);
    const t = await createTenant();
    const [entry] = (await send<AuditPage>('GET', '/v1/audit', t.ownerToken)).body.data;
    for (const method of ['DELETE', 'PATCH', 'PUT']) {
      expect((await send(method, `/v1/audit/${entry!.id}`, t.ownerToken, method === 'DELETE' ? undefined : {})).status).toBe(404);
      expect((await send(method, '/v1/audit', t.ownerToken, method === 'DELETE' ? undefined : {})).status).toBe(404);
    }
  });
});
