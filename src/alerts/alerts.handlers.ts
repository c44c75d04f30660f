// Alert endpoints. Creating one checks the webhook URL (form and DNS), seals its signing secret and
// inserts the row only while the tenant is under its plan's alert limit, in one guarded statement.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { PLANS } from '../billing/plans';
import { randomId } from '../catalog/ids';
import { notFound, Problem } from '../http/problem';
import { auditStatementIfChanged } from '../tenancy/audit';
import { tenantOf } from '../tenancy/auth.middleware';
import { newestFirstPage } from '../tenancy/paging';
import type { createAlertRoute, deleteAlertRoute, getAlertRoute, listAlertsRoute, listDeliveriesRoute } from './alerts.routes';
import { guardUrl } from './dns';
import { resolverFor } from './outbound';
import { ruleColumns } from './rule';
import { sealSecret, SecretKeyError } from './secret-box';
import { newSigningSecret } from './signing';
import { loadAlert, toApiAlert, toApiDelivery, type AlertRow, type AttemptRow, type DeliveryRow } from './store';

const URL_FIELD = 'body.delivery.url';

export const createAlert: RouteHandler<typeof createAlertRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const body = c.req.valid('json');
  const config = c.var.config;
  const db = c.env.DB;
  const id = randomId('alr_');
  const now = Date.now();

  let webhookUrl: string | null = null;
  let secret: string | null = null;
  let sealed: string | null = null;
  if (body.delivery.type === 'webhook') {
    const verdict = await guardUrl(body.delivery.url, { allowPrivate: config.ALERTS_ALLOW_PRIVATE_URLS }, resolverFor(c.env));
    if (!verdict.ok && 'unavailable' in verdict) {
      throw new Problem(503, 'dns-unavailable', 'Cannot check the webhook URL now', `${verdict.reason}; try again shortly`, [{ field: URL_FIELD, message: verdict.reason }], {
        'Retry-After': '5',
      });
    }
    if (!verdict.ok) {
      throw new Problem(422, 'webhook-url-refused', 'Webhook URL refused', `${URL_FIELD}: ${verdict.reason}`, [{ field: URL_FIELD, message: verdict.reason }]);
    }
    webhookUrl = verdict.url.toString();
    secret = newSigningSecret();
    try {
      sealed = await sealSecret(c.env.ALERTS_SECRET_KEY, id, secret);
    } catch (err) {
      if (err instanceof SecretKeyError) throw new Problem(500, 'misconfigured', 'Server misconfigured', err.message);
      throw err;
    }
  }

  const limit = PLANS[actor.plan].alerts;
  const row: AlertRow = {
    id,
    tenant_id: actor.tenantId,
    name: body.name ?? null,
    status: 'active',
    ...ruleColumns(body.rule),
    delivery_type: body.delivery.type,
    webhook_url: webhookUrl,
    secret_ciphertext: sealed,
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
    deleted_at: null,
    evaluated_at: null,
    last_fired_at: null,
    fire_count: 0,
  };
  const columns = Object.keys(row) as (keyof AlertRow)[];
  // One statement checks the limit and inserts, so two concurrent creates cannot both pass the count.
  const [inserted] = await db.batch<{ id: string }>([
    db
      .prepare(
        `INSERT INTO alerts (${columns.join(', ')})
         SELECT ${columns.map((_, i) => `?${i + 1}`).join(', ')}
         WHERE (SELECT COUNT(*) FROM alerts WHERE tenant_id = ?${columns.length + 1} AND status = 'active') < ?${columns.length + 2}
         RETURNING id`,
      )
      .bind(...columns.map((k) => row[k]), actor.tenantId, limit),
    auditStatementIfChanged(db, {
      tenantId: actor.tenantId,
      action: 'alert.create',
      actor,
      targetType: 'alert',
      targetId: id,
      detail: { gpuModel: row.gpu_model, delivery: row.delivery_type },
      at: now,
    }),
  ]);
  if ((inserted?.results.length ?? 0) === 0) {
    throw new Problem(409, 'alert-limit', 'Alert limit reached', `the ${PLANS[actor.plan].name} plan allows ${limit} alerts; delete one or upgrade`);
  }
  return c.json({ ...toApiAlert(row), ...(secret ? { signingSecret: secret } : {}) }, 201);
};

export const listAlerts: RouteHandler<typeof listAlertsRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const query = c.req.valid('query');
  const page = await newestFirstPage<AlertRow>(c.var.readDb, 'alerts', { tenantId, fixed: `status = 'active'`, limit: query.limit, cursor: query.cursor });
  return c.json({ data: page.rows.map(toApiAlert), nextCursor: page.nextCursor }, 200);
};

export const getAlert: RouteHandler<typeof getAlertRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const row = await loadAlert(c.var.readDb, tenantId, id);
  if (!row) throw notFound(`no alert ${id}`);
  const matches = await c.var.readDb
    .prepare('SELECT COUNT(*) AS n FROM alert_matches WHERE tenant_id = ?1 AND alert_id = ?2')
    .bind(tenantId, id)
    .first<{ n: number }>();
  return c.json({ ...toApiAlert(row), matchingOffers: matches?.n ?? 0 }, 200);
};

export const deleteAlert: RouteHandler<typeof deleteAlertRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const db = c.env.DB;
  const now = Date.now();
  // The secret goes with the alert: nothing can be signed for it any more.
  const [deleted] = await db.batch<{ id: string }>([
    db
      .prepare(
        `UPDATE alerts SET status = 'deleted', deleted_at = ?3, updated_at = ?3, secret_ciphertext = NULL
         WHERE tenant_id = ?1 AND id = ?2 AND status = 'active' RETURNING id`,
      )
      .bind(actor.tenantId, id, now),
    auditStatementIfChanged(db, { tenantId: actor.tenantId, action: 'alert.delete', actor, targetType: 'alert', targetId: id, at: now }),
    db.prepare('DELETE FROM alert_matches WHERE tenant_id = ?1 AND alert_id = ?2').bind(actor.tenantId, id),
    db
      .prepare(
        `UPDATE alert_deliveries SET status = 'failed', failed_at = ?3, last_error = 'alert deleted before delivery'
         WHERE tenant_id = ?1 AND alert_id = ?2 AND status = 'pending'`,
      )
      .bind(actor.tenantId, id, now),
  ]);
  if ((deleted?.results.length ?? 0) === 0) throw notFound(`no alert ${id}`);
  return c.body(null, 204);
};

export const listDeliveries: RouteHandler<typeof listDeliveriesRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const query = c.req.valid('query');
  const db = c.var.readDb;
  if (!(await loadAlert(db, tenantId, id))) throw notFound(`no alert ${id}`);
  const page = await newestFirstPage<DeliveryRow>(db, 'alert_deliveries', { tenantId, match: { alert_id: id, status: query.status }, limit: query.limit, cursor: query.cursor });
  const attempts = new Map<string, AttemptRow[]>();
  if (page.rows.length > 0) {
    const { results: rows } = await db
      .prepare(
        `SELECT delivery_id, attempt, at, status_code, latency_ms, error, response_snippet FROM alert_delivery_attempts
         WHERE tenant_id = ?1 AND delivery_id IN (SELECT value FROM json_each(?2)) ORDER BY delivery_id, attempt`,
      )
      .bind(tenantId, JSON.stringify(page.rows.map((r) => r.id)))
      .all<AttemptRow>();
    for (const row of rows) attempts.set(row.delivery_id, [...(attempts.get(row.delivery_id) ?? []), row]);
  }
  return c.json({ data: page.rows.map((r) => toApiDelivery(r, attempts.get(r.id) ?? [])), nextCursor: page.nextCursor }, 200);
};
