// API key endpoints. Keys are stored as SHA-256 plus a preview; the key itself exists only in the
// create response. Revocation sets `revoked_at`, which the auth middleware reads on every request.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { randomId } from '../catalog/ids';
import { decodeCursor, fingerprint } from '../http/cursor';
import { notFound } from '../http/problem';
import type { createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from './api-keys.routes';
import { auditStatement, auditStatementIfChanged } from './audit';
import { forbidden, tenantOf } from './auth.middleware';
import { generateApiKey } from './keys';
import { iso, isoOrNull } from '../http/time';
import { DEFAULT_PAGE_SIZE, toPage } from './paging';
import { roleAtLeast, type Role } from './principal';

const DAY_MS = 86_400_000;

interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  preview: string;
  created_by: string | null;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

const KEY_COLUMNS = 'id, name, role, preview, created_by, created_at, expires_at, last_used_at, revoked_at';

const toApiKey = (row: ApiKeyRow) => ({
  id: row.id,
  name: row.name,
  role: row.role,
  preview: row.preview,
  createdAt: iso(row.created_at),
  expiresAt: isoOrNull(row.expires_at),
  lastUsedAt: isoOrNull(row.last_used_at),
  revokedAt: isoOrNull(row.revoked_at),
  createdBy: row.created_by,
});

const SORT = { s: 'createdAt', o: 'd' } as const;

export const listApiKeys: RouteHandler<typeof listApiKeysRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const query = c.req.valid('query');
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const f = fingerprint({});
  const params: (string | number)[] = [tenantId];
  let before = '';
  if (query.cursor) {
    const state = decodeCursor(query.cursor, { ...SORT, f });
    params.push(state.v, state.id);
    before = 'AND (created_at, id) < (?2, ?3)';
  }
  params.push(limit + 1);
  const { results } = await c.var.readDb
    .prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant_id = ?1 ${before} ORDER BY created_at DESC, id DESC LIMIT ?${params.length}`)
    .bind(...params)
    .all<ApiKeyRow>();
  const page = toPage(results, limit, { ...SORT, f, key: (row) => ({ v: row.created_at, id: row.id }) });
  return c.json({ data: page.rows.map(toApiKey), nextCursor: page.nextCursor }, 200);
};

export const createApiKey: RouteHandler<typeof createApiKeyRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const body = c.req.valid('json');
  if (!roleAtLeast(actor.role, body.role)) throw forbidden(`a key's role cannot exceed yours (${actor.role})`);
  const now = Date.now();
  const expiresAt = body.expiresAt !== undefined ? Date.parse(body.expiresAt) : body.expiresInDays !== undefined ? now + body.expiresInDays * DAY_MS : null;
  const key = await generateApiKey();
  const row: ApiKeyRow = {
    id: randomId('key_'),
    name: body.name,
    role: body.role,
    preview: key.preview,
    created_by: actor.userId,
    created_at: now,
    expires_at: expiresAt,
    last_used_at: null,
    revoked_at: null,
  };
  const db = c.env.DB;
  await db.batch([
    db
      .prepare(
        `INSERT INTO api_keys (id, tenant_id, name, role, key_hash, preview, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
      )
      .bind(row.id, actor.tenantId, row.name, row.role, key.hash, row.preview, row.created_by, now, expiresAt),
    auditStatement(db, {
      tenantId: actor.tenantId,
      action: 'api_key.create',
      actor,
      targetType: 'api_key',
      targetId: row.id,
      detail: { name: row.name, role: row.role, expiresAt: isoOrNull(expiresAt) },
      at: now,
    }),
  ]);
  return c.json({ ...toApiKey(row), key: key.key }, 201);
};

export const revokeApiKey: RouteHandler<typeof revokeApiKeyRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const db = c.env.DB;
  const row = await db.prepare('SELECT role, name, revoked_at FROM api_keys WHERE tenant_id = ?1 AND id = ?2').bind(actor.tenantId, id).first<Pick<ApiKeyRow, 'role' | 'name' | 'revoked_at'>>();
  if (!row) throw notFound(`no API key ${id}`);
  if (!roleAtLeast(actor.role, row.role)) throw forbidden(`only an ${row.role} can revoke an ${row.role} key`);
  // Idempotent: a second revoke changes nothing and writes no second audit row.
  if (row.revoked_at === null) {
    await db.batch([
      db.prepare('UPDATE api_keys SET revoked_at = ?3 WHERE tenant_id = ?1 AND id = ?2 AND revoked_at IS NULL').bind(actor.tenantId, id, Date.now()),
      auditStatementIfChanged(db, {
        tenantId: actor.tenantId,
        action: 'api_key.revoke',
        actor,
        targetType: 'api_key',
        targetId: id,
        detail: { name: row.name, role: row.role },
      }),
    ]);
  }
  return c.body(null, 204);
};
