// Platform admin reads. Cross-tenant by design (that is the point of the admin API), read-only, and
// reached only through `requirePlatformAdmin`.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { decodeCursor, fingerprint } from '../http/cursor';
import { iso, isoOrNull } from '../http/time';
import { microToUsd } from '../money';
import { DEFAULT_PAGE_SIZE, toPage } from '../tenancy/paging';
import { WINDOWS, type listBillingEventsRoute, type listTenantsRoute, type overviewRoute } from './admin.routes';
import { DAY_MS, dailyRevenue, foldRevenue, type LedgerSum, type RevenueFigures } from './kpis';

const revenueUsd = (r: RevenueFigures) => ({
  creditPurchasedUsd: microToUsd(r.creditPurchasedMicro),
  refundedUsd: microToUsd(r.refundedMicro),
  disputedUsd: microToUsd(r.disputedMicro),
  usageChargedUsd: microToUsd(r.usageChargedMicro),
  marginUsd: microToUsd(r.marginMicro),
  subscriptionUsd: microToUsd(r.subscriptionMicro),
  adjustmentsUsd: microToUsd(r.adjustmentsMicro),
});

const dayIso = (day: number) => iso(day * DAY_MS).slice(0, 10);

export const getOverview: RouteHandler<typeof overviewRoute, AppEnv> = async (c) => {
  const window = c.req.valid('query').window ?? '30d';
  const to = Date.now();
  const from = to - WINDOWS[window];
  const db = c.var.readDb;
  const [tenants, plans, users, live, created, ledger, outstanding, signupsByDay, deploymentsByDay, providers] = await Promise.all([
    db.prepare('SELECT COUNT(*) AS total, COALESCE(SUM(created_at >= ?1), 0) AS fresh FROM tenants').bind(from).first<{ total: number; fresh: number }>(),
    db.prepare('SELECT plan, COUNT(*) AS n FROM tenants GROUP BY plan').all<{ plan: string; n: number }>(),
    db.prepare('SELECT COUNT(*) AS total FROM users').first<{ total: number }>(),
    db
      .prepare(`SELECT COALESCE(SUM(status NOT IN ('terminated', 'failed')), 0) AS active, COALESCE(SUM(status = 'running'), 0) AS running FROM deployments`)
      .first<{ active: number; running: number }>(),
    db
      .prepare(
        `SELECT COUNT(*) AS created, COALESCE(SUM(status = 'failed'), 0) AS failed,
           COALESCE(SUM(status IN ('terminated', 'failed', 'running', 'stopped')), 0) AS settled,
           COALESCE(SUM(run_ms > 0 OR running_since IS NOT NULL), 0) AS ran,
           COALESCE(SUM((run_ms + CASE WHEN running_since IS NULL THEN 0 ELSE MAX(0, ?2 - running_since) END) * gpu_count), 0) AS gpu_ms
         FROM deployments WHERE created_at >= ?1`,
      )
      .bind(from, to)
      .first<{ created: number; failed: number; settled: number; ran: number; gpu_ms: number }>(),
    db
      .prepare(
        `SELECT t.created_at / ${DAY_MS} AS day, t.kind, e.account, SUM(e.amount_micro) AS amount
         FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
         WHERE t.created_at >= ?1 AND t.created_at < ?2 GROUP BY day, t.kind, e.account`,
      )
      .bind(from, to)
      .all<LedgerSum>(),
    db.prepare('SELECT COALESCE(SUM(balance_micro), 0) AS total FROM billing_accounts WHERE balance_micro > 0').first<{ total: number }>(),
    db.prepare(`SELECT created_at / ${DAY_MS} AS day, COUNT(*) AS n FROM tenants WHERE created_at >= ?1 GROUP BY day`).bind(from).all<{ day: number; n: number }>(),
    db.prepare(`SELECT created_at / ${DAY_MS} AS day, COUNT(*) AS n FROM deployments WHERE created_at >= ?1 GROUP BY day`).bind(from).all<{ day: number; n: number }>(),
    db
      .prepare('SELECT provider, status, offer_count, last_success_at, consecutive_failures FROM provider_health ORDER BY provider')
      .all<{ provider: string; status: 'healthy' | 'degraded' | 'down'; offer_count: number; last_success_at: number | null; consecutive_failures: number }>(),
  ]);
  const signups = new Map(signupsByDay.results.map((r) => [r.day, r.n]));
  const deploys = new Map(deploymentsByDay.results.map((r) => [r.day, r.n]));
  return c.json(
    {
      window,
      from: iso(from),
      to: iso(to),
      tenants: { total: tenants?.total ?? 0, newInWindow: tenants?.fresh ?? 0, byPlan: Object.fromEntries(plans.results.map((r) => [r.plan, r.n])) },
      users: { total: users?.total ?? 0 },
      deployments: {
        active: live?.active ?? 0,
        running: live?.running ?? 0,
        createdInWindow: created?.created ?? 0,
        failedInWindow: created?.failed ?? 0,
        reachedRunningShare: created && created.settled > 0 ? Math.min(1, created.ran / created.settled) : null,
        gpuHoursInWindow: Math.round(((created?.gpu_ms ?? 0) / 3_600_000) * 1000) / 1000,
      },
      revenue: revenueUsd(foldRevenue(ledger.results)),
      outstandingCreditUsd: microToUsd(outstanding?.total ?? 0),
      daily: dailyRevenue(ledger.results, from, to).map(({ day, revenue }) => ({
        day: dayIso(day),
        revenue: revenueUsd(revenue),
        signups: signups.get(day) ?? 0,
        deploymentsCreated: deploys.get(day) ?? 0,
      })),
      providers: providers.results.map((p) => ({
        provider: p.provider,
        status: p.status,
        offers: p.offer_count,
        lastSuccessAt: isoOrNull(p.last_success_at),
        consecutiveFailures: p.consecutive_failures,
      })),
    },
    200,
  );
};

interface TenantRow {
  id: string;
  name: string;
  plan: string;
  created_at: number;
  monthly_spend_cap_micro: number | null;
  members: number;
  active: number;
  balance: number;
}

const TENANT_SORT = { s: 'createdAt', o: 'd' } as const;

export const listTenants: RouteHandler<typeof listTenantsRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const f = fingerprint({ q: query.q ?? null, plan: query.plan ?? null });
  const params: (string | number)[] = [];
  const where: string[] = [];
  if (query.q) {
    params.push(query.q, `%${query.q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
    where.push(`(t.id = ?${params.length - 1} OR lower(t.name) LIKE ?${params.length} ESCAPE '\\')`);
  }
  if (query.plan) {
    params.push(query.plan);
    where.push(`t.plan = ?${params.length}`);
  }
  if (query.cursor) {
    const state = decodeCursor(query.cursor, { ...TENANT_SORT, f });
    params.push(state.v, state.id);
    where.push(`(t.created_at, t.id) < (?${params.length - 1}, ?${params.length})`);
  }
  params.push(limit + 1);
  const { results } = await c.var.readDb
    .prepare(
      `SELECT t.id, t.name, t.plan, t.created_at, t.monthly_spend_cap_micro,
         (SELECT COUNT(*) FROM memberships m WHERE m.tenant_id = t.id) AS members,
         (SELECT COUNT(*) FROM deployments d WHERE d.tenant_id = t.id AND d.status NOT IN ('terminated', 'failed')) AS active,
         COALESCE((SELECT balance_micro FROM billing_accounts b WHERE b.tenant_id = t.id), 0) AS balance
       FROM tenants t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY t.created_at DESC, t.id DESC LIMIT ?${params.length}`,
    )
    .bind(...params)
    .all<TenantRow>();
  const page = toPage(results, limit, { ...TENANT_SORT, f, key: (r) => ({ v: r.created_at, id: r.id }) });
  return c.json(
    {
      data: page.rows.map((r) => ({
        id: r.id,
        name: r.name,
        plan: r.plan,
        createdAt: iso(r.created_at),
        members: r.members,
        activeDeployments: r.active,
        balanceUsd: microToUsd(r.balance),
        monthlySpendCapUsd: r.monthly_spend_cap_micro === null ? null : microToUsd(r.monthly_spend_cap_micro),
      })),
      nextCursor: page.nextCursor,
    },
    200,
  );
};

const EVENT_SORT = { s: 'createdAt', o: 'd' } as const;

function parseObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export const listBillingEvents: RouteHandler<typeof listBillingEventsRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const f = fingerprint({ severity: query.severity ?? null });
  const params: (string | number)[] = [];
  const where: string[] = [];
  if (query.severity) {
    params.push(query.severity);
    where.push(`severity = ?${params.length}`);
  }
  if (query.cursor) {
    const state = decodeCursor(query.cursor, { ...EVENT_SORT, f });
    params.push(state.v, state.id);
    where.push(`(created_at, id) < (?${params.length - 1}, ?${params.length})`);
  }
  params.push(limit + 1);
  const { results } = await c.var.readDb
    .prepare(
      `SELECT id, tenant_id, kind, severity, detail, created_at FROM billing_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT ?${params.length}`,
    )
    .bind(...params)
    .all<{ id: string; tenant_id: string | null; kind: string; severity: 'info' | 'warning' | 'critical'; detail: string; created_at: number }>();
  const page = toPage(results, limit, { ...EVENT_SORT, f, key: (r) => ({ v: r.created_at, id: r.id }) });
  return c.json(
    {
      data: page.rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, kind: r.kind, severity: r.severity, detail: parseObject(r.detail), createdAt: iso(r.created_at) })),
      nextCursor: page.nextCursor,
    },
    200,
  );
};
