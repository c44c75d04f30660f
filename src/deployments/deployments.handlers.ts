// Deployment endpoints. Every change is a guarded transition plus its event and (when the pod must
// be acted on) a queue job, written in one D1 batch; the job is then sent in the same request.
import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { requireCreditFor } from '../billing/account';
import { PLANS } from '../billing/plans';
import { randomId } from '../catalog/ids';
import { notFound, Problem } from '../http/problem';
import type { OfferRow } from '../market/offers.query';
import { usdToMicro } from '../money';
import { auditStatement } from '../tenancy/audit';
import { tenantOf } from '../tenancy/auth.middleware';
import { newestFirstPage } from '../tenancy/paging';
import type {
  createDeploymentRoute,
  getDeploymentRoute,
  listDeploymentsRoute,
  listEventsRoute,
  startDeploymentRoute,
  stopDeploymentRoute,
  terminateDeploymentRoute,
} from './deployments.routes';
import { EnvKeyError, sealEnv } from './env-crypto';
import { jobStatement, newJob, sendJob, transitionAndQueue } from './jobs';
import { OFFER_FRESH_MS } from './offer-freshness';
import { monthSpendMicro } from './spend';
import { FINAL, USER_ACTIONS } from './state';
import { eventStatement, loadDeployment, toApiDeployment, toApiEvent, type DeploymentRow, type EventRow, type Failover } from './store';

/** Providers whose API can stop a pod and start it again (Lambda can only terminate). */
const RESUMABLE_PROVIDERS: ReadonlySet<string> = new Set(['sim', 'runpod', 'vastai']);

const unprocessable = (detail: string, field: string) => new Problem(422, 'unprocessable', 'Cannot deploy this offer', detail, [{ field, message: detail }]);

export const createDeployment: RouteHandler<typeof createDeploymentRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const body = c.req.valid('json');
  const db = c.env.DB;
  const now = Date.now();
  const offer = await db.prepare('SELECT * FROM offers WHERE id = ?1').bind(body.offerId).first<OfferRow>();
  if (!offer) throw unprocessable(`no offer ${body.offerId}`, 'body.offerId');
  if (offer.availability === 'unavailable') throw unprocessable(`offer ${offer.id} is unavailable`, 'body.offerId');
  if (now - offer.observed_at > OFFER_FRESH_MS) {
    throw unprocessable(`offer ${offer.id} was last observed ${Math.round((now - offer.observed_at) / 60_000)} min ago; pick a fresh offer`, 'body.offerId');
  }

  const plan = PLANS[actor.plan];
  const tenant = await db
    .prepare(
      `SELECT t.monthly_spend_cap_micro AS cap,
         (SELECT COUNT(*) FROM deployments d WHERE d.tenant_id = t.id AND d.status NOT IN ('terminated', 'failed')) AS active
       FROM tenants t WHERE t.id = ?1`,
    )
    .bind(actor.tenantId)
    .first<{ cap: number | null; active: number }>();
  if (plan.concurrentDeployments !== null && (tenant?.active ?? 0) >= plan.concurrentDeployments) {
    throw new Problem(409, 'deployment-limit', 'Deployment limit reached', `the ${plan.name} plan allows ${plan.concurrentDeployments} deployments at once; terminate one or upgrade`);
  }
  if (tenant?.cap !== null && tenant?.cap !== undefined) {
    const spent = await monthSpendMicro(db, actor.tenantId, now);
    const next = body.maxSpendUsd !== undefined ? usdToMicro(body.maxSpendUsd) : offer.price_per_hour_micro;
    if (spent + next > tenant.cap) {
      throw new Problem(402, 'spend-cap', 'Monthly spend cap reached', `this month's spend is ${spent / 1e6} USD of a ${tenant.cap / 1e6} USD cap; this deployment could exceed it`);
    }
  }

  // The margin is locked now, like the price: a later change of PLATFORM_MARGIN_BPS never reprices this deployment.
  const marginBps = c.var.config.PLATFORM_MARGIN_BPS;
  await requireCreditFor(db, actor.tenantId, offer.price_per_hour_micro, marginBps, now, c.var.config);

  const id = randomId('dep_');
  let envCiphertext: string | null = null;
  if (body.env && Object.keys(body.env).length > 0) {
    try {
      envCiphertext = await sealEnv(c.env.DEPLOY_ENV_KEY, id, body.env);
    } catch (err) {
      if (err instanceof EnvKeyError) throw new Problem(500, 'misconfigured', 'Server misconfigured', err.message);
      throw err;
    }
  }
  const failover: Failover | null = body.failover
    ? { enabled: body.failover.enabled, maxPricePerGpuHourMicro: body.failover.maxPricePerGpuHour === undefined ? null : usdToMicro(body.failover.maxPricePerGpuHour), sameGpuModel: true }
    : null;
  const row: DeploymentRow = {
    id,
    tenant_id: actor.tenantId,
    name: body.name,
    status: 'pending',
    status_reason: 'user_requested',
    offer_id: offer.id,
    provider: offer.provider,
    offer_external_id: offer.external_id,
    gpu_model: offer.gpu_model,
    gpu_count: offer.gpu_count,
    region: offer.region,
    pricing: offer.pricing,
    quoted_price_per_hour_micro: offer.price_per_hour_micro,
    spec: JSON.stringify({ image: body.image, command: body.command, ports: body.ports, sshPublicKey: body.sshPublicKey, diskGb: body.diskGb }),
    env_ciphertext: envCiphertext,
    max_hours: body.maxHours ?? null,
    max_spend_micro: body.maxSpendUsd === undefined ? null : usdToMicro(body.maxSpendUsd),
    failover: failover && JSON.stringify(failover),
    offer_attempts: 1,
    tried_offers: '[]',
    pod_id: null,
    connection: null,
    gpu_utilization: null,
    run_ms: 0,
    cost_micro: 0,
    running_since: null,
    margin_bps: marginBps,
    billed_run_ms: 0,
    billed_cost_micro: 0,
    status_since: now,
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
  };
  const job = newJob(actor.tenantId, id, 'provision', 1);
  const columns = Object.keys(row) as (keyof DeploymentRow)[];
  await db.batch([
    db.prepare(`INSERT INTO deployments (${columns.join(', ')}) VALUES (${columns.map((_, i) => `?${i + 1}`).join(', ')})`).bind(...columns.map((k) => row[k])),
    eventStatement(db, row, { from: null, to: 'pending', reason: 'user_requested', detail: `offer ${offer.id} at ${offer.price_per_hour_micro / 1e6} USD/h`, source: 'api' }, now),
    jobStatement(db, job, now),
    auditStatement(db, { tenantId: actor.tenantId, action: 'deployment.create', actor, targetType: 'deployment', targetId: id, detail: { offerId: offer.id, name: body.name }, at: now }),
  ]);
  await sendJob(c.env.DEPLOY_JOBS, job);
  return c.json(withEnvKeys(row, body.env, now), 202);
};

function withEnvKeys(row: DeploymentRow, env: Record<string, string> | undefined, now: number) {
  return { ...toApiDeployment(row, now), envKeys: env ? Object.keys(env) : null };
}

export const listDeployments: RouteHandler<typeof listDeploymentsRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const query = c.req.valid('query');
  const page = await newestFirstPage<DeploymentRow>(c.var.readDb, 'deployments', { tenantId, match: { status: query.status }, limit: query.limit, cursor: query.cursor });
  const now = Date.now();
  return c.json({ data: page.rows.map((r) => toApiDeployment(r, now)), nextCursor: page.nextCursor }, 200);
};

async function eventsOf(c: Context<AppEnv>, tenantId: string, id: string): Promise<EventRow[]> {
  const { results } = await c.var.readDb
    .prepare('SELECT id, at, from_status, to_status, reason, detail, source FROM deployment_events WHERE tenant_id = ?1 AND deployment_id = ?2 ORDER BY at, rowid')
    .bind(tenantId, id)
    .all<EventRow>();
  return results;
}

export const getDeployment: RouteHandler<typeof getDeploymentRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const row = await loadDeployment(c.var.readDb, tenantId, id);
  if (!row) throw notFound(`no deployment ${id}`);
  const events = await eventsOf(c, tenantId, id);
  return c.json({ ...toApiDeployment(row, Date.now()), events: events.slice(-50).map(toApiEvent) }, 200);
};

export const listEvents: RouteHandler<typeof listEventsRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const row = await loadDeployment(c.var.readDb, tenantId, id);
  if (!row) throw notFound(`no deployment ${id}`);
  return c.json({ data: (await eventsOf(c, tenantId, id)).map(toApiEvent) }, 200);
};

/** stop / start / terminate: a legal transition, its event and the job that acts on the pod. */
async function userAction(c: Context<AppEnv>, id: string, action: keyof typeof USER_ACTIONS): Promise<Response> {
  const actor = tenantOf(c.var.principal);
  const db = c.env.DB;
  const row = await loadDeployment(db, actor.tenantId, id);
  if (!row) throw notFound(`no deployment ${id}`);
  const rule = USER_ACTIONS[action];
  if (action !== 'terminate' && !RESUMABLE_PROVIDERS.has(row.provider)) {
    throw new Problem(409, 'not-supported', 'Not supported by the provider', `${row.provider} pods cannot be stopped and started; terminate instead`);
  }
  if (!rule.from.includes(row.status)) {
    const why = FINAL.has(row.status) ? `it is already ${row.status}` : `it is ${row.status}; ${action} needs ${rule.from.join(' or ')}`;
    throw new Problem(409, 'invalid-transition', 'Not allowed in this state', `cannot ${action} deployment ${id}: ${why}`);
  }
  const now = Date.now();
  if (action === 'start') await requireCreditFor(db, actor.tenantId, row.quoted_price_per_hour_micro, row.margin_bps, now, c.var.config);
  const job = newJob(actor.tenantId, id, action, row.offer_attempts);
  const audit = auditStatement(db, { tenantId: actor.tenantId, action: `deployment.${action}`, actor, targetType: 'deployment', targetId: id, at: now });
  if (!(await transitionAndQueue(c.env, row, { to: rule.to, reason: 'user_requested', source: 'api' }, job, now, [audit]))) {
    throw new Problem(409, 'invalid-transition', 'Not allowed in this state', `deployment ${id} changed meanwhile; read it again`);
  }
  const updated = await loadDeployment(db, actor.tenantId, id);
  return c.json(toApiDeployment(updated!, Date.now()), 202);
}

export const stopDeployment: RouteHandler<typeof stopDeploymentRoute, AppEnv> = (c) => userAction(c, c.req.valid('param').id, 'stop') as never;
export const startDeployment: RouteHandler<typeof startDeploymentRoute, AppEnv> = (c) => userAction(c, c.req.valid('param').id, 'start') as never;
export const terminateDeployment: RouteHandler<typeof terminateDeploymentRoute, AppEnv> = (c) => userAction(c, c.req.valid('param').id, 'terminate') as never;
