// Admin handlers for stored payment webhooks.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env';
import { decodeCursor, fingerprint } from '../../http/cursor';
import { notFound, Problem } from '../../http/problem';
import { DEFAULT_PAGE_SIZE, toPage } from '../../tenancy/paging';
import type { listWebhookEventsRoute, retryWebhookEventRoute } from './admin.routes';
import { processStoredEvent } from './process';
import { FINAL_STATUSES, loadEvent, toApiEvent, type WebhookEventRow } from './webhook-events';

const SORT = { s: 'receivedAt', o: 'd' as const };

export const listWebhookEvents: RouteHandler<typeof listWebhookEventsRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const f = fingerprint({ status: query.status ?? null, provider: query.provider ?? null });
  const params: (string | number)[] = [];
  const where: string[] = [];
  if (query.status) {
    params.push(query.status);
    where.push(`status = ?${params.length}`);
  }
  if (query.provider) {
    params.push(query.provider);
    where.push(`provider = ?${params.length}`);
  }
  if (query.cursor) {
    const state = decodeCursor(query.cursor, { ...SORT, f });
    params.push(state.v, state.id);
    where.push(`(received_at, id) < (?${params.length - 1}, ?${params.length})`);
  }
  params.push(limit + 1);
  const { results } = await c.var.readDb
    .prepare(`SELECT * FROM payment_webhook_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at DESC, id DESC LIMIT ?${params.length}`)
    .bind(...params)
    .all<WebhookEventRow>();
  const page = toPage(results, limit, { ...SORT, f, key: (row) => ({ v: row.received_at, id: row.id }) });
  return c.json({ data: page.rows.map(toApiEvent), nextCursor: page.nextCursor }, 200);
};

export const retryWebhookEvent: RouteHandler<typeof retryWebhookEventRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const event = await loadEvent(c.env.DB, id);
  if (!event) throw notFound(`no webhook event ${id}`);
  if (FINAL_STATUSES.has(event.status)) throw new Problem(409, 'webhook-final', 'Already final', `event ${id} is ${event.status}; it is not processed again`);
  try {
    await processStoredEvent(c.env, event, Date.now());
  } catch {
    // Recorded on the row (status failed, lastError); the answer shows it.
  }
  return c.json(toApiEvent((await loadEvent(c.env.DB, id))!), 200);
};
