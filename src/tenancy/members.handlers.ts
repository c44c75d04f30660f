// Member endpoints. Every statement names the caller's tenant, so another tenant's member is simply
// not found (404). Owner rules: only owners grant, take away or remove `owner`, and the last owner
// stays; that last rule is checked inside the UPDATE/DELETE itself so two owners demoting each other
// at once cannot both succeed.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { randomId } from '../catalog/ids';
import { decodeCursor, fingerprint } from '../http/cursor';
import { notFound, Problem } from '../http/problem';
import { auditStatement, auditStatementIfChanged } from './audit';
import { forbidden, tenantOf } from './auth.middleware';
import type { addMemberRoute, changeMemberRoleRoute, listMembersRoute, removeMemberRoute } from './members.routes';
import { iso } from '../http/time';
import { DEFAULT_PAGE_SIZE, toPage } from './paging';
import { hashPassword } from './passwords';
import { roleAtLeast, type Role, type TenantPrincipal } from './principal';

interface MemberRow {
  user_id: string;
  email: string;
  role: Role;
  created_at: number;
}

const toApiMember = (row: MemberRow) => ({ id: row.user_id, email: row.email, role: row.role, createdAt: iso(row.created_at) });

const conflict = (slug: string, detail: string) => new Problem(409, slug, 'Conflict', detail);
const lastOwner = () => conflict('last-owner', 'the last owner cannot be demoted or removed; make another member owner first');

const SORT = { s: 'createdAt', o: 'a' } as const;

function findMember(db: D1Database, tenantId: string, userId: string): Promise<MemberRow | null> {
  return db
    .prepare(
      `SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.tenant_id = ?1 AND m.user_id = ?2`,
    )
    .bind(tenantId, userId)
    .first<MemberRow>();
}

async function ownerCount(db: D1Database, tenantId: string): Promise<number> {
  const row = await db.prepare(`SELECT COUNT(*) AS n FROM memberships WHERE tenant_id = ?1 AND role = 'owner'`).bind(tenantId).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Only owners may touch the owner role, whether granting it or changing or removing an owner. */
function assertOwnerRule(actor: TenantPrincipal, touchesOwner: boolean, what: string): void {
  if (touchesOwner && actor.role !== 'owner') throw forbidden(`only owners can ${what}`);
}

/**
 * Why a guarded UPDATE/DELETE changed nothing: the member is gone (404), is the last owner (409), or
 * changed role while this request ran (409, read again and retry).
 */
async function noChangeProblem(db: D1Database, tenantId: string, userId: string): Promise<Problem> {
  const now = await findMember(db, tenantId, userId);
  if (!now) return notFound(`no member ${userId}`);
  if (now.role === 'owner' && (await ownerCount(db, tenantId)) <= 1) return lastOwner();
  return conflict('concurrent-change', 'the membership changed while this request ran; read it again and retry');
}

// Matches only while the row still has the role the permission checks saw, and never leaves the
// tenant without an owner.
const GUARD = `tenant_id = ?1 AND user_id = ?2 AND role = ?3
  AND (?3 <> 'owner' OR (SELECT COUNT(*) FROM memberships WHERE tenant_id = ?1 AND role = 'owner') > 1)`;

export const listMembers: RouteHandler<typeof listMembersRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const query = c.req.valid('query');
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const f = fingerprint({});
  const params: (string | number)[] = [tenantId];
  let after = '';
  if (query.cursor) {
    const state = decodeCursor(query.cursor, { ...SORT, f });
    params.push(state.v, state.id);
    after = 'AND (m.created_at, m.user_id) > (?2, ?3)';
  }
  params.push(limit + 1);
  const { results } = await c.var.readDb
    .prepare(
      `SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.tenant_id = ?1 ${after} ORDER BY m.created_at, m.user_id LIMIT ?${params.length}`,
    )
    .bind(...params)
    .all<MemberRow>();
  const page = toPage(results, limit, { ...SORT, f, key: (row) => ({ v: row.created_at, id: row.user_id }) });
  return c.json({ data: page.rows.map(toApiMember), nextCursor: page.nextCursor }, 200);
};

export const addMember: RouteHandler<typeof addMemberRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const { email, role, password } = c.req.valid('json');
  assertOwnerRule(actor, role === 'owner', 'grant the owner role');
  const db = c.env.DB;
  const user = await db.prepare('SELECT id FROM users WHERE email = ?1').bind(email).first<{ id: string }>();
  if (user && password !== undefined) {
    throw conflict('user-exists', 'a user with this email already exists; add them without a password (their password is never changed here)');
  }
  if (!user && password === undefined) throw notFound('no user has this email; send a password to create the account');
  if (user && (await findMember(db, actor.tenantId, user.id))) throw conflict('already-member', 'this user is already a member; change their role instead');

  const now = Date.now();
  const userId = user?.id ?? randomId('usr_');
  const statements: D1PreparedStatement[] = [];
  if (!user && password !== undefined) {
    statements.push(
      db.prepare('INSERT INTO users (id, email, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)').bind(userId, email, await hashPassword(password), now),
    );
  }
  statements.push(
    db.prepare('INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)').bind(actor.tenantId, userId, role, now),
    auditStatement(db, {
      tenantId: actor.tenantId,
      action: 'member.add',
      actor,
      targetType: 'user',
      targetId: userId,
      detail: { oldRole: null, newRole: role, createdUser: !user },
      at: now,
    }),
  );
  try {
    await db.batch(statements);
  } catch (err) {
    // A concurrent request added the same member or created the same email first.
    const message = err instanceof Error ? err.message : '';
    if (message.includes('UNIQUE constraint failed: memberships')) throw conflict('already-member', 'this user is already a member; change their role instead');
    if (message.includes('UNIQUE constraint failed: users')) throw conflict('user-exists', 'a user with this email already exists; add them without a password');
    throw err;
  }
  return c.json({ id: userId, email, role, createdAt: iso(now) }, 201);
};

export const changeMemberRole: RouteHandler<typeof changeMemberRoleRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const { role } = c.req.valid('json');
  const db = c.env.DB;
  const member = await findMember(db, actor.tenantId, id);
  if (!member) throw notFound(`no member ${id}`);
  assertOwnerRule(actor, member.role === 'owner' || role === 'owner', 'grant or take away the owner role');
  if (member.role === role) return c.json(toApiMember(member), 200);
  if (member.role === 'owner' && (await ownerCount(db, actor.tenantId)) <= 1) throw lastOwner();

  const [update] = await db.batch([
    db.prepare(`UPDATE memberships SET role = ?4 WHERE ${GUARD}`).bind(actor.tenantId, id, member.role, role),
    auditStatementIfChanged(db, {
      tenantId: actor.tenantId,
      action: 'member.role_change',
      actor,
      targetType: 'user',
      targetId: id,
      detail: { oldRole: member.role, newRole: role },
    }),
  ]);
  if (!update?.meta.changes) throw await noChangeProblem(db, actor.tenantId, id);
  return c.json(toApiMember({ ...member, role }), 200);
};

export const removeMember: RouteHandler<typeof removeMemberRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const db = c.env.DB;
  // Look up first (in the caller's tenant only): another tenant's member is a 404 for every role.
  const member = await findMember(db, actor.tenantId, id);
  if (!member) throw notFound(`no member ${id}`);
  const leaving = actor.kind === 'user' && actor.userId === id;
  if (!leaving && !roleAtLeast(actor.role, 'admin')) throw forbidden('removing another member requires the admin role or higher');
  assertOwnerRule(actor, member.role === 'owner', 'remove an owner');
  if (member.role === 'owner' && (await ownerCount(db, actor.tenantId)) <= 1) throw lastOwner();

  const now = Date.now();
  const [removal] = await db.batch([
    db.prepare(`DELETE FROM memberships WHERE ${GUARD}`).bind(actor.tenantId, id, member.role),
    auditStatementIfChanged(db, {
      tenantId: actor.tenantId,
      action: 'member.remove',
      actor,
      targetType: 'user',
      targetId: id,
      detail: { oldRole: member.role, newRole: null, left: leaving },
      at: now,
    }),
    // End the removed user's sessions in this tenant, but only if the membership really is gone.
    db
      .prepare(
        `UPDATE refresh_tokens SET revoked_at = ?3 WHERE tenant_id = ?1 AND user_id = ?2 AND revoked_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM memberships WHERE tenant_id = ?1 AND user_id = ?2)`,
      )
      .bind(actor.tenantId, id, now),
  ]);
  if (!removal?.meta.changes) throw await noChangeProblem(db, actor.tenantId, id);
  return c.body(null, 204);
};
