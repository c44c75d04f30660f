import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/tenancy/passwords';
import { addApiKey, addMember, createTenant } from './fixtures';
import { auditRows, idem, roleOf, send, type ProblemBody } from './calls';

interface Member {
  id: string;
  email: string;
  role: string;
  createdAt: string;
}
interface MemberPage {
  data: Member[];
  nextCursor: string | null;
}

const NEW_PASSWORD = 'a brand new passphrase';

async function ownerCount(tenantId: string): Promise<number> {
  return (await env.DB.prepare(`SELECT COUNT(*) AS n FROM memberships WHERE tenant_id = ?1 AND role = 'owner'`).bind(tenantId).first<{ n: number }>())!.n;
}

describe('GET /v1/members', () => {
  it('lets a viewer list every member with id, email, role and join time', async () => {
    const t = await createTenant();
    const viewer = await addMember(t.tenantId, 'viewer');
    const { status, body } = await send<MemberPage>('GET', '/v1/members', viewer.token);
    expect(status).toBe(200);
    expect(body.nextCursor).toBeNull();
    expect(body.data.map((m) => [m.id, m.email, m.role])).toEqual([
      [t.ownerId, t.ownerEmail, 'owner'],
      [viewer.userId, viewer.email, 'viewer'],
    ]);
    expect(Date.parse(body.data[0]!.createdAt)).not.toBeNaN();
  });

  it('pages through members with limit and cursor, each member exactly once', async () => {
    const t = await createTenant();
    for (const role of ['admin', 'member', 'viewer', 'member'] as const) await addMember(t.tenantId, role);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body }: { status: number; body: MemberPage } = await send<MemberPage>('GET', `/v1/members?limit=2${cursor ? `&cursor=${cursor}` : ''}`, t.ownerToken);
      expect(status).toBe(200);
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((m) => m.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
  });

  it('answers 400 naming the cursor when it is not one of ours', async () => {
    const t = await createTenant();
    const { status, body } = await send<ProblemBody>('GET', '/v1/members?cursor=not-a-cursor', t.ownerToken);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.field).toBe('query.cursor');
  });

  it('answers 401 to an anonymous caller', async () => {
    const { status } = await send('GET', '/v1/members', null);
    expect(status).toBe(401);
  });
});

describe('POST /v1/members', () => {
  it('refuses a viewer with 403 and adds no one', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const viewer = await addMember(t.tenantId, 'viewer');
    const { status, body } = await send<ProblemBody>('POST', '/v1/members', viewer.token, { email: other.ownerEmail, role: 'viewer' });
    expect(status).toBe(403);
    expect(body.status).toBe(403);
    expect(await roleOf(t.tenantId, other.ownerId)).toBeNull();
  });

  it('lets an admin add an existing user by email, stored and audited', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const admin = await addMember(t.tenantId, 'admin');
    const { status, body } = await send<Member>('POST', '/v1/members', admin.token, { email: `  ${other.ownerEmail.toUpperCase()} `, role: 'member' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ id: other.ownerId, email: other.ownerEmail, role: 'member' });
    expect(await roleOf(t.tenantId, other.ownerId)).toBe('member');
    const [row] = await auditRows(t.tenantId, 'member.add');
    expect(row).toMatchObject({ actor_type: 'user', actor_id: admin.userId, target_type: 'user', target_id: other.ownerId, ip: '198.51.100.7' });
    expect(JSON.parse(row!.detail)).toEqual({ oldRole: null, newRole: 'member', createdUser: false });
  });

  it('creates the user with a hashed password when a password is given', async () => {
    const t = await createTenant();
    const email = `new-${crypto.randomUUID()}@example.com`;
    const { status, body } = await send<Member>('POST', '/v1/members', t.ownerToken, { email, role: 'viewer', password: NEW_PASSWORD });
    expect(status).toBe(201);
    expect(body.id).toMatch(/^usr_/);
    const user = await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?1').bind(body.id).first<{ password_hash: string }>();
    expect(user!.password_hash).not.toContain(NEW_PASSWORD);
    expect(await verifyPassword(NEW_PASSWORD, user!.password_hash)).toBe(true);
    expect(await roleOf(t.tenantId, body.id)).toBe('viewer');
    expect(JSON.parse((await auditRows(t.tenantId, 'member.add'))[0]!.detail)).toMatchObject({ createdUser: true });
  });

  it('answers 404 for an unknown email without a password', async () => {
    const t = await createTenant();
    const { status, body } = await send<ProblemBody>('POST', '/v1/members', t.ownerToken, { email: 'nobody@example.com', role: 'viewer' });
    expect(status).toBe(404);
    expect(body.detail).toMatch(/password/);
  });

  it('answers 409 and leaves the account alone when a password is given for an existing email', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const before = await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?1').bind(other.ownerId).first<{ password_hash: string }>();
    const { status, body } = await send<ProblemBody>('POST', '/v1/members', t.ownerToken, { email: other.ownerEmail, role: 'viewer', password: NEW_PASSWORD });
    expect(status).toBe(409);
    expect(body.type).toMatch(/user-exists$/);
    const after = await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?1').bind(other.ownerId).first<{ password_hash: string }>();
    expect(after).toEqual(before);
    expect(await roleOf(t.tenantId, other.ownerId)).toBeNull();
  });

  it('answers 409 when the user is already a member', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    const { status, body } = await send<ProblemBody>('POST', '/v1/members', t.ownerToken, { email: member.email, role: 'admin' });
    expect(status).toBe(409);
    expect(body.type).toMatch(/already-member$/);
    expect(await roleOf(t.tenantId, member.userId)).toBe('member');
  });

  it('refuses an admin who tries to grant owner with 403', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const admin = await addMember(t.tenantId, 'admin');
    const { status } = await send('POST', '/v1/members', admin.token, { email: other.ownerEmail, role: 'owner' });
    expect(status).toBe(403);
    expect(await roleOf(t.tenantId, other.ownerId)).toBeNull();
  });

  it('lets an owner add another owner', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const { status } = await send('POST', '/v1/members', t.ownerToken, { email: other.ownerEmail, role: 'owner' });
    expect(status).toBe(201);
    expect(await ownerCount(t.tenantId)).toBe(2);
  });

  it('answers 400 naming a password shorter than 12 characters', async () => {
    const t = await createTenant();
    const { status, body } = await send<ProblemBody>('POST', '/v1/members', t.ownerToken, { email: 'short@example.com', role: 'viewer', password: 'short' });
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.field)).toEqual(['body.password']);
  });

  it('answers 400 naming an unknown field', async () => {
    const t = await createTenant();
    const { status, body } = await send<ProblemBody>('POST', '/v1/members', t.ownerToken, { email: t.ownerEmail, role: 'viewer', isPlatformAdmin: true });
    expect(status).toBe(400);
    expect(JSON.stringify(body.errors)).toContain('isPlatformAdmin');
  });

  it('replays the first answer for a repeated Idempotency-Key and adds the member once', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const headers = idem();
    const first = await send<Member>('POST', '/v1/members', t.ownerToken, { email: other.ownerEmail, role: 'viewer' }, headers);
    const again = await send<Member>('POST', '/v1/members', t.ownerToken, { email: other.ownerEmail, role: 'viewer' }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await auditRows(t.tenantId, 'member.add')).toHaveLength(1);
  });
});

describe('PATCH /v1/members/{id}', () => {
  it('lets an admin change a member to viewer, stored and audited with old and new role', async () => {
    const t = await createTenant();
    const admin = await addMember(t.tenantId, 'admin');
    const member = await addMember(t.tenantId, 'member');
    const { status, body } = await send<Member>('PATCH', `/v1/members/${member.userId}`, admin.token, { role: 'viewer' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: member.userId, email: member.email, role: 'viewer' });
    expect(await roleOf(t.tenantId, member.userId)).toBe('viewer');
    const rows = await auditRows(t.tenantId, 'member.role_change');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_id: admin.userId, target_id: member.userId });
    expect(JSON.parse(rows[0]!.detail)).toEqual({ oldRole: 'member', newRole: 'viewer' });
  });

  it('refuses a member who tries to change roles with 403', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    const viewer = await addMember(t.tenantId, 'viewer');
    const { status } = await send('PATCH', `/v1/members/${viewer.userId}`, member.token, { role: 'admin' });
    expect(status).toBe(403);
    expect(await roleOf(t.tenantId, viewer.userId)).toBe('viewer');
  });

  it('refuses an admin who tries to promote someone to owner with 403', async () => {
    const t = await createTenant();
    const admin = await addMember(t.tenantId, 'admin');
    const { status } = await send('PATCH', `/v1/members/${admin.userId}`, admin.token, { role: 'owner' });
    expect(status).toBe(403);
    expect(await roleOf(t.tenantId, admin.userId)).toBe('admin');
  });

  it('refuses an admin who tries to demote an owner with 403', async () => {
    const t = await createTenant();
    const admin = await addMember(t.tenantId, 'admin');
    await addMember(t.tenantId, 'owner'); // not the last owner, so only the role rule can refuse
    const { status } = await send('PATCH', `/v1/members/${t.ownerId}`, admin.token, { role: 'viewer' });
    expect(status).toBe(403);
    expect(await roleOf(t.tenantId, t.ownerId)).toBe('owner');
  });

  it('refuses an admin API key that tries to promote someone to owner with 403', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    const { status } = await send('PATCH', `/v1/members/${member.userId}`, t.apiKey, { role: 'owner' });
    expect(status).toBe(403);
    expect(await roleOf(t.tenantId, member.userId)).toBe('member');
  });

  it('keeps the last owner: demoting them answers 409 and changes nothing', async () => {
    const t = await createTenant();
    const { status, body } = await send<ProblemBody>('PATCH', `/v1/members/${t.ownerId}`, t.ownerToken, { role: 'admin' });
    expect(status).toBe(409);
    expect(body.type).toMatch(/last-owner$/);
    expect(await roleOf(t.tenantId, t.ownerId)).toBe('owner');
    expect(await auditRows(t.tenantId, 'member.role_change')).toHaveLength(0);
  });

  it('lets an owner hand over ownership and then be demoted', async () => {
    const t = await createTenant();
    const admin = await addMember(t.tenantId, 'admin');
    const promote = await send('PATCH', `/v1/members/${admin.userId}`, t.ownerToken, { role: 'owner' });
    expect(promote.status).toBe(200);
    const demote = await send<Member>('PATCH', `/v1/members/${t.ownerId}`, t.ownerToken, { role: 'admin' });
    expect(demote.status).toBe(200);
    expect(demote.body.role).toBe('admin');
    expect(await roleOf(t.tenantId, admin.userId)).toBe('owner');
    expect(await roleOf(t.tenantId, t.ownerId)).toBe('admin');
    // The demotion holds on the next request: the former owner can no longer grant owner.
    const again = await send('PATCH', `/v1/members/${t.ownerId}`, t.ownerToken, { role: 'owner' });
    expect(again.status).toBe(403);
  });

  it('leaves exactly one owner when every owner demotes another at the same time', async () => {
    // Four owners in a ring, all at once: each request passes the early owner count, so only the
    // guard inside the UPDATE can stop the last demotion.
    const t = await createTenant();
    const owners = [{ userId: t.ownerId, token: t.ownerToken }];
    for (let i = 0; i < 3; i++) owners.push(await addMember(t.tenantId, 'owner'));
    const results = await Promise.all(
      owners.map((o, i) => send('PATCH', `/v1/members/${owners[(i + 1) % owners.length]!.userId}`, o.token, { role: 'admin' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 409]);
    expect(await ownerCount(t.tenantId)).toBe(1);
    expect(await auditRows(t.tenantId, 'member.role_change')).toHaveLength(3);
  });

  it('answers 200 without an audit row when the role is unchanged', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    const { status } = await send('PATCH', `/v1/members/${member.userId}`, t.ownerToken, { role: 'member' });
    expect(status).toBe(200);
    expect(await auditRows(t.tenantId, 'member.role_change')).toHaveLength(0);
  });

  it('answers 404 for a user who is not a member', async () => {
    const t = await createTenant();
    const { status } = await send('PATCH', '/v1/members/usr_0000000000000000', t.ownerToken, { role: 'viewer' });
    expect(status).toBe(404);
  });

  it('answers 400 naming a role that does not exist', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    const { status, body } = await send<ProblemBody>('PATCH', `/v1/members/${member.userId}`, t.ownerToken, { role: 'superuser' });
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.field)).toEqual(['body.role']);
  });
});

describe('DELETE /v1/members/{id}', () => {
  it('lets an admin remove a member, who is locked out on the next request', async () => {
    const t = await createTenant();
    const admin = await addMember(t.tenantId, 'admin');
    const member = await addMember(t.tenantId, 'member');
    expect((await send('GET', '/v1/members', member.token)).status).toBe(200);
    const { status, res } = await send('DELETE', `/v1/members/${member.userId}`, admin.token);
    expect(status).toBe(204);
    expect(await res.text()).toBe('');
    expect(await roleOf(t.tenantId, member.userId)).toBeNull();
    expect((await send('GET', '/v1/members', member.token)).status).toBe(401);
    const [row] = await auditRows(t.tenantId, 'member.remove');
    expect(row).toMatchObject({ actor_id: admin.userId, target_id: member.userId });
    expect(JSON.parse(row!.detail)).toEqual({ oldRole: 'member', newRole: null, left: false });
  });

  it("revokes the removed user's refresh tokens for that tenant only", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    const insert = (id: string, tenantId: string) =>
      env.DB.prepare(
        `INSERT INTO refresh_tokens (id, tenant_id, user_id, family_id, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, 'fam', ?1, ?4, ?5)`,
      ).bind(id, tenantId, member.userId, Date.now(), Date.now() + 86_400_000);
    await env.DB.batch([insert('rt_here', t.tenantId), insert('rt_elsewhere', other.tenantId)]);
    expect((await send('DELETE', `/v1/members/${member.userId}`, t.ownerToken)).status).toBe(204);
    const { results } = await env.DB.prepare('SELECT id, revoked_at FROM refresh_tokens ORDER BY id').all<{ id: string; revoked_at: number | null }>();
    expect(results.find((r) => r.id === 'rt_here')!.revoked_at).not.toBeNull();
    expect(results.find((r) => r.id === 'rt_elsewhere')!.revoked_at).toBeNull();
  });

  it('refuses an admin who tries to remove an owner with 403', async () => {
    const t = await createTenant();
    const admin = await addMember(t.tenantId, 'admin');
    await addMember(t.tenantId, 'owner');
    const { status } = await send('DELETE', `/v1/members/${t.ownerId}`, admin.token);
    expect(status).toBe(403);
    expect(await roleOf(t.tenantId, t.ownerId)).toBe('owner');
  });

  it('refuses a member who tries to remove someone else with 403', async () => {
    const t = await createTenant();
    const member = await addMember(t.tenantId, 'member');
    const viewer = await addMember(t.tenantId, 'viewer');
    const { status } = await send('DELETE', `/v1/members/${viewer.userId}`, member.token);
    expect(status).toBe(403);
    expect(await roleOf(t.tenantId, viewer.userId)).toBe('viewer');
  });

  it('lets a viewer leave the tenant by removing themselves', async () => {
    const t = await createTenant();
    const viewer = await addMember(t.tenantId, 'viewer');
    const { status } = await send('DELETE', `/v1/members/${viewer.userId}`, viewer.token);
    expect(status).toBe(204);
    expect(await roleOf(t.tenantId, viewer.userId)).toBeNull();
    expect(JSON.parse((await auditRows(t.tenantId, 'member.remove'))[0]!.detail)).toMatchObject({ left: true });
  });

  it('keeps the last owner: leaving answers 409 and changes nothing', async () => {
    const t = await createTenant();
    const { status, body } = await send<ProblemBody>('DELETE', `/v1/members/${t.ownerId}`, t.ownerToken);
    expect(status).toBe(409);
    expect(body.type).toMatch(/last-owner$/);
    expect(await roleOf(t.tenantId, t.ownerId)).toBe('owner');
    expect(await auditRows(t.tenantId, 'member.remove')).toHaveLength(0);
  });

  it('lets an owner leave once another owner exists', async () => {
    const t = await createTenant();
    await addMember(t.tenantId, 'owner');
    const { status } = await send('DELETE', `/v1/members/${t.ownerId}`, t.ownerToken);
    expect(status).toBe(204);
    expect(await ownerCount(t.tenantId)).toBe(1);
  });

  it('answers 404 for a user who is not a member', async () => {
    const t = await createTenant();
    const stranger = await addMember((await createTenant()).tenantId, 'member');
    const { status } = await send('DELETE', `/v1/members/${stranger.userId}`, t.ownerToken);
    expect(status).toBe(404);
  });

  it('does not let an API key count as its creator leaving: a viewer key cannot remove its creator', async () => {
    const t = await createTenant();
    const key = await addApiKey(t.tenantId, 'viewer');
    await env.DB.prepare('UPDATE api_keys SET created_by = ?2 WHERE id = ?1').bind(key.id, t.ownerId).run();
    const { status } = await send('DELETE', `/v1/members/${t.ownerId}`, key.key);
    expect(status).toBe(403);
    expect(await roleOf(t.tenantId, t.ownerId)).toBe('owner');
  });
});
