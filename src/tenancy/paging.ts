// Keyset paging for the account lists (members, API keys, audit): the shared `limit`/`cursor` query
// fields and the step that turns `limit + 1` fetched rows into a page and its `nextCursor`.
import { z } from '@hono/zod-openapi';
import { encodeCursor } from '../http/cursor';

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

