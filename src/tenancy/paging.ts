// Keyset paging for the tenant lists (members, API keys, audit, deployments, payments, alerts): the shared `limit`/`cursor` query
// fields and the step that turns `limit + 1` fetched rows into a page and its `nextCursor`.
import { z } from '@hono/zod-openapi';
import { decodeCursor, encodeCursor, fingerprint } from '../http/cursor';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export const pageQueryFields = {
  limit: z
    .string()
    .trim()
    .regex(/^\d{1,4}$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_PAGE_SIZE, `must be between 1 and ${MAX_PAGE_SIZE}`)
    .optional()
    .openapi({ description: `Page size, 1–${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
  cursor: z.string().max(1024).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
};

export const nextCursorField = z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' });

/**
 * Cuts the `limit + 1` rows a query fetched down to one page. The extra row only says that another
 * page exists; the cursor points after the last row shown.
 */
export function toPage<Row>(
  rows: Row[],
  limit: number,
  cursor: { s: string; o: 'a' | 'd'; f: string; key: (row: Row) => { v: number | string; id: string } },
): { rows: Row[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  if (rows.length <= limit || !last) return { rows: page, nextCursor: null };
  return { rows: page, nextCursor: encodeCursor({ s: cursor.s, o: cursor.o, f: cursor.f, ...cursor.key(last) }) };
}


/**
 * One page, newest first by (created_at, id), of a tenant's rows in `table`. `match` holds equality
 * filters (an undefined value is no filter); they and `fixed` make the cursor's fingerprint, so a
 * cursor is refused under other filters. Table and column names come from code, never from input.
 */
export async function newestFirstPage<Row extends { created_at: number; id: string }>(
  db: D1Database | D1DatabaseSession,
  table: string,
  q: { tenantId: string; match?: Record<string, string | number | undefined>; fixed?: string; limit?: number; cursor?: string },
): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const sort = { s: 'createdAt', o: 'd' } as const;
  const limit = q.limit ?? DEFAULT_PAGE_SIZE;
  const match = Object.entries(q.match ?? {}).filter((e): e is [string, string | number] => e[1] !== undefined);
  const f = fingerprint(Object.fromEntries(Object.keys(q.match ?? {}).map((k) => [k, q.match?.[k] ?? null])));
  const params: (string | number)[] = [q.tenantId];
  const where = ['tenant_id = ?1'];
  if (q.fixed) where.push(q.fixed);
  for (const [column, value] of match) {
    params.push(value);
    where.push(`${column} = ?${params.length}`);
  }
  if (q.cursor) {
    const state = decodeCursor(q.cursor, { ...sort, f });
    params.push(state.v, state.id);
    where.push(`(created_at, id) < (?${params.length - 1}, ?${params.length})`);
  }
  params.push(limit + 1);
  const { results } = await db
    .prepare(`SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?${params.length}`)
    .bind(...params)
    .all<Row>();
  return toPage(results, limit, { ...sort, f, key: (row) => ({ v: row.created_at, id: row.id }) });
}
