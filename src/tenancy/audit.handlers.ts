// Reading the audit log: the caller's tenant only, newest first, keyset-paged on (at, id), which is
// exactly the `audit_log_tenant` index.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { decodeCursor, fingerprint } from '../http/cursor';
import type { listAuditRoute } from './audit.routes';
import { tenantOf } from './auth.middleware';
import { iso } from '../http/time';
import { DEFAULT_PAGE_SIZE, toPage } from './paging';

interface AuditRow {
  id: string;
  at: number;
  actor_type: 'user' | 'api_key' | 'system' | 'anonymous';
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  detail: string;
}

type DetailValue = string | number | boolean | null;

function parseDetail(text: string): Record<string, DetailValue> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).filter((e): e is [string, DetailValue] => e[1] === null || ['string', 'number', 'boolean'].includes(typeof e[1])));
    }
  } catch {
    // A row written by hand with bad JSON: show no detail rather than fail the page.
  }
  return {};
}

const toApiEntry = (row: AuditRow) => ({
  id: row.id,
  at: iso(row.at),
  actor: { type: row.actor_type, id: row.actor_id },
  action: row.action,
  target: row.target_type === null ? null : { type: row.target_type, id: row.target_id },
  ip: row.ip,
  detail: parseDetail(row.detail),
});

const SORT = { s: 'at', o: 'd' } as const;

export const listAudit: RouteHandler<typeof listAuditRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const query = c.req.valid('query');
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const f = fingerprint({ action: query.action ?? null });
  const params: (string | number)[] = [tenantId];
  const where = ['tenant_id = ?1'];
  if (query.action) {
    params.push(query.action);
    where.push(`action = ?${params.length}`);
  }
  if (query.cursor) {
    const state = decodeCursor(query.cursor, { ...SORT, f });
    params.push(state.v, state.id);
    where.push(`(at, id) < (?${params.length - 1}, ?${params.length})`);
  }
  params.push(limit + 1);
  const { results } = await c.var.readDb
    .prepare(
      `SELECT id, at, actor_type, actor_id, action, target_type, target_id, ip, detail FROM audit_log
       WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ?${params.length}`,
    )
    .bind(...params)
    .all<AuditRow>();
  const page = toPage(results, limit, { ...SORT, f, key: (row) => ({ v: row.at, id: row.id }) });
  return c.json({ data: page.rows.map(toApiEntry), nextCursor: page.nextCursor }, 200);
};
