// A tenant's billing: what it has (balance, reserved, available), what it spent (ledger, usage), and
// its plan. Every query filters by the caller's tenant.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { decodeCursor, fingerprint } from '../http/cursor';
import { badRequest } from '../http/problem';
import { iso, isoOrNull } from '../http/time';
import { microToUsd } from '../money';
import { tenantOf } from '../tenancy/auth.middleware';
import { DEFAULT_PAGE_SIZE, toPage } from '../tenancy/paging';
import { creditState, LOW_BALANCE_PERCENT } from './account';
import type { changePlanRoute, getBalanceRoute, getSubscriptionRoute, listLedgerRoute, usageRoute } from './billing.routes';
import { MAX_USAGE_SPAN_DAYS } from './billing.routes';
import type { LedgerAccount, LedgerKind } from './ledger';
import { monthStart, nextMonthStart } from './period';
import { PLANS } from './plans';
import { changePlan } from './subscriptions';

export const getBalance: RouteHandler<typeof getBalanceRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const config = c.var.config;
  const now = Date.now();
  const db = c.var.readDb;
  const month = monthStart(now);
  const [state, fees] = await Promise.all([
    creditState(db, actor.tenantId, now, config),
    db
      .prepare(
        `SELECT COALESCE(-SUM(credit_delta_micro), 0) AS fees FROM ledger_transactions
         WHERE tenant_id = ?1 AND kind IN ('subscription_fee', 'subscription_credit') AND created_at >= ?2`,
      )
      .bind(actor.tenantId, month)
      .first<{ fees: number }>(),
  ]);
  const feesMicro = fees?.fees ?? 0;
  return c.json(
    {
      currency: 'USD' as const,
      balanceUsd: microToUsd(state.balanceMicro),
      availableUsd: microToUsd(state.availableMicro),
      reservedUsd: microToUsd(state.accruedMicro + state.holdsMicro),
      reserved: { accruedUsd: microToUsd(state.accruedMicro), holdsUsd: microToUsd(state.holdsMicro) },
      thisMonth: {
        monthStart: iso(month),
        usageUsd: microToUsd(state.monthUsageMicro),
        unbilledUsd: microToUsd(state.accruedMicro),
        feesUsd: microToUsd(feesMicro),
        totalUsd: microToUsd(state.monthUsageMicro + state.accruedMicro + feesMicro),
      },
      marginPercent: config.PLATFORM_MARGIN_BPS / 100,
      lowBalance: state.lowBalance,
      lowBalanceThresholdUsd: state.topUpBalanceMicro === null ? null : microToUsd(Math.floor((state.topUpBalanceMicro * LOW_BALANCE_PERCENT) / 100)),
      exhaustedAt: isoOrNull(state.exhaustedAt),
      graceEndsAt: state.exhaustedAt === null ? null : iso(state.exhaustedAt + config.BILLING_GRACE_SECONDS * 1000),
      plan: actor.plan,
    },
    200,
  );
};

interface TransactionRow {
  id: string;
  kind: LedgerKind;
  reference: string;
  credit_delta_micro: number;
  description: string;
  deployment_id: string | null;
  detail: string;
  actor_type: 'user' | 'api_key' | 'system' | 'webhook';
  actor_id: string | null;
  created_at: number;
}

const LEDGER_SORT = { s: 'createdAt', o: 'd' } as const;

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export const listLedger: RouteHandler<typeof listLedgerRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const query = c.req.valid('query');
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const f = fingerprint({ kind: query.kind ?? null, deploymentId: query.deploymentId ?? null });
  const params: (string | number)[] = [tenantId];
  const where = ['tenant_id = ?1'];
  if (query.kind) {
    params.push(query.kind);
    where.push(`kind = ?${params.length}`);
  }
  if (query.deploymentId) {
    params.push(query.deploymentId);
    where.push(`deployment_id = ?${params.length}`);
  }
  if (query.cursor) {
    const state = decodeCursor(query.cursor, { ...LEDGER_SORT, f });
    params.push(state.v, state.id);
    where.push(`(created_at, id) < (?${params.length - 1}, ?${params.length})`);
  }
  params.push(limit + 1);
  const db = c.var.readDb;
  const { results } = await db
    .prepare(
      `SELECT id, kind, reference, credit_delta_micro, description, deployment_id, detail, actor_type, actor_id, created_at FROM ledger_transactions
       WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?${params.length}`,
    )
    .bind(...params)
    .all<TransactionRow>();
  const page = toPage(results, limit, { ...LEDGER_SORT, f, key: (row) => ({ v: row.created_at, id: row.id }) });
  const entries = new Map<string, { account: LedgerAccount; amountUsd: number }[]>();
  if (page.rows.length > 0) {
    const { results: rows } = await db
      .prepare('SELECT transaction_id, account, amount_micro FROM ledger_entries WHERE tenant_id = ?1 AND transaction_id IN (SELECT value FROM json_each(?2)) ORDER BY id')
      .bind(tenantId, JSON.stringify(page.rows.map((r) => r.id)))
      .all<{ transaction_id: string; account: LedgerAccount; amount_micro: number }>();
    for (const e of rows) {
      const list = entries.get(e.transaction_id) ?? [];
      list.push({ account: e.account, amountUsd: microToUsd(e.amount_micro) });
      entries.set(e.transaction_id, list);
    }
  }
  return c.json(
    {
      data: page.rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        amountUsd: microToUsd(r.credit_delta_micro),
        description: r.description,
        reference: r.reference,
        deploymentId: r.deployment_id,
        detail: parseObject(r.detail),
        actor: { type: r.actor_type, id: r.actor_id },
        createdAt: iso(r.created_at),
        entries: entries.get(r.id) ?? [],
      })),
      nextCursor: page.nextCursor,
    },
    200,
  );
};

const GROUP_KEYS = {
  deployment: 't.deployment_id',
  gpu: `t.detail ->> '$.gpuModel'`,
  provider: `t.detail ->> '$.provider'`,
  day: `strftime('%Y-%m-%d', t.created_at / 1000, 'unixepoch')`,
} as const;

interface UsageRow {
  key: string | null;
  deployment_name: string | null;
  cost: number;
  margin: number;
  total: number;
  ms: number;
  charges: number;
}

export const getUsage: RouteHandler<typeof usageRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const query = c.req.valid('query');
  const now = Date.now();
  const from = query.from ?? monthStart(now);
  const to = query.to ?? nextMonthStart(now);
  if (from >= to) throw badRequest('invalid query.to', [{ field: 'query.to', message: 'must be after from' }]);
  if (to - from > MAX_USAGE_SPAN_DAYS * 86_400_000) throw badRequest('invalid query.to', [{ field: 'query.to', message: `the range may span at most ${MAX_USAGE_SPAN_DAYS} days` }]);
  const key = GROUP_KEYS[query.groupBy];
  // Cost and margin are the revenue entries of each charge; the total is what left the credit account.
  const { results } = await c.var.readDb
    .prepare(
      `SELECT ${key} AS key, ${query.groupBy === 'deployment' ? 'MAX(d.name)' : 'NULL'} AS deployment_name,
         SUM(x.cost) AS cost, SUM(x.margin) AS margin, -SUM(t.credit_delta_micro) AS total, SUM(t.detail ->> '$.ms') AS ms, COUNT(*) AS charges
       FROM ledger_transactions t
       JOIN (SELECT e.transaction_id,
               SUM(CASE WHEN e.account = 'revenue:usage' THEN e.amount_micro ELSE 0 END) AS cost,
               SUM(CASE WHEN e.account = 'revenue:margin' THEN e.amount_micro ELSE 0 END) AS margin
             FROM ledger_entries e WHERE e.tenant_id = ?1 AND e.created_at >= ?2 AND e.created_at < ?3 GROUP BY e.transaction_id) x ON x.transaction_id = t.id
       ${query.groupBy === 'deployment' ? 'LEFT JOIN deployments d ON d.tenant_id = t.tenant_id AND d.id = t.deployment_id' : ''}
       WHERE t.tenant_id = ?1 AND t.kind = 'usage' AND t.created_at >= ?2 AND t.created_at < ?3
       GROUP BY 1 ORDER BY total DESC, key`,
    )
    .bind(tenantId, from, to)
    .all<UsageRow>();
  const totals = { cost: 0, margin: 0, total: 0, ms: 0, charges: 0 };
  const data = results.map((r) => {
    totals.cost += r.cost;
    totals.margin += r.margin;
    totals.total += r.total;
    totals.ms += r.ms;
    totals.charges += r.charges;
    return {
      key: r.key ?? 'unknown',
      ...(query.groupBy === 'deployment' ? { deploymentName: r.deployment_name } : {}),
      costUsd: microToUsd(r.cost),
      marginUsd: microToUsd(r.margin),
      totalUsd: microToUsd(r.total),
      seconds: r.ms / 1000,
      charges: r.charges,
    };
  });
  return c.json(
    {
      from: iso(from),
      to: iso(to),
      groupBy: query.groupBy,
      data,
      totals: { costUsd: microToUsd(totals.cost), marginUsd: microToUsd(totals.margin), totalUsd: microToUsd(totals.total), seconds: totals.ms / 1000, charges: totals.charges },
    },
    200,
  );
};

export const getSubscription: RouteHandler<typeof getSubscriptionRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const sub = await c.var.readDb
    .prepare('SELECT period_start, period_end FROM billing_subscriptions WHERE tenant_id = ?1')
    .bind(actor.tenantId)
    .first<{ period_start: number; period_end: number }>();
  const fee = PLANS[actor.plan].monthlyFeeMicroUsd;
  return c.json(
    {
      plan: actor.plan,
      monthlyFeeUsd: fee === null ? null : microToUsd(fee),
      periodStart: isoOrNull(sub?.period_start),
      periodEnd: isoOrNull(sub?.period_end),
      renewsAt: isoOrNull(sub?.period_end),
    },
    200,
  );
};

export const postChangePlan: RouteHandler<typeof changePlanRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const { plan } = c.req.valid('json');
  const change = await changePlan(c.env.DB, actor, plan, Date.now(), c.var.config);
  return c.json(
    {
      plan: change.plan,
      previousPlan: change.previousPlan,
      periodStart: iso(change.periodStart),
      periodEnd: iso(change.periodEnd),
      proration: {
        remainingSeconds: change.remainingSeconds,
        periodSeconds: change.periodSeconds,
        creditUsd: microToUsd(change.creditMicro),
        chargeUsd: microToUsd(change.chargeMicro),
        netUsd: microToUsd(change.chargeMicro - change.creditMicro),
      },
      balanceUsd: microToUsd(change.balanceMicro),
    },
    200,
  );
};
