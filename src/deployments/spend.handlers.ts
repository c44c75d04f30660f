// Spend endpoints: the month's cost so far against the owner-set cap.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { iso } from '../http/time';
import { microToUsd, usdToMicro } from '../money';
import { auditStatementIfChanged } from '../tenancy/audit';
import { tenantOf } from '../tenancy/auth.middleware';
import { monthSpendMicro, monthStart } from './spend';
import type { getSpendRoute, putSpendCapRoute } from './spend.routes';

async function spendOf(db: D1Database, tenantId: string) {
  const now = Date.now();
  const row = await db.prepare('SELECT monthly_spend_cap_micro AS cap FROM tenants WHERE id = ?1').bind(tenantId).first<{ cap: number | null }>();
  return {
    monthlyCapUsd: row?.cap == null ? null : microToUsd(row.cap),
    spentThisMonthUsd: microToUsd(await monthSpendMicro(db, tenantId, now)),
    monthStart: iso(monthStart(now)),
  };
}

export const getSpend: RouteHandler<typeof getSpendRoute, AppEnv> = async (c) => c.json(await spendOf(c.env.DB, tenantOf(c.var.principal).tenantId), 200);

export const putSpendCap: RouteHandler<typeof putSpendCapRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const { monthlyCapUsd } = c.req.valid('json');
  const cap = monthlyCapUsd === null ? null : usdToMicro(monthlyCapUsd);
  const db = c.env.DB;
  const now = Date.now();
  await db.batch([
    db.prepare('UPDATE tenants SET monthly_spend_cap_micro = ?2 WHERE id = ?1 AND monthly_spend_cap_micro IS NOT ?2').bind(actor.tenantId, cap),
    auditStatementIfChanged(db, { tenantId: actor.tenantId, action: 'spend_cap.change', actor, targetType: 'tenant', targetId: actor.tenantId, detail: { monthlyCapUsd }, at: now }),
  ]);
  return c.json(await spendOf(db, actor.tenantId), 200);
};
