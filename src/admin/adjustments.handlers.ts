// Manual credit adjustments by platform admins: one ledger posting and one audit row in the target
// tenant's log, in one batch.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { post, readBalance } from '../billing/ledger';
import { randomId } from '../catalog/ids';
import { notFound } from '../http/problem';
import { iso } from '../http/time';
import { microToUsd, usdToMicro } from '../money';
import { auditStatement } from '../tenancy/audit';
import { tenantOf } from '../tenancy/auth.middleware';
import type { createAdjustmentRoute } from './adjustments.routes';

export const createAdjustment: RouteHandler<typeof createAdjustmentRoute, AppEnv> = async (c) => {
  const admin = tenantOf(c.var.principal);
  const { tenantId, amountUsd, reason } = c.req.valid('json');
  const db = c.env.DB;
  const tenant = await db.prepare('SELECT id FROM tenants WHERE id = ?1').bind(tenantId).first<{ id: string }>();
  if (!tenant) throw notFound(`no tenant ${tenantId}`);
  const amountMicro = usdToMicro(amountUsd);
  const now = Date.now();
  const reference = `adjustment:${randomId('adj_')}`;
  const { transactionId } = await post(
    db,
    {
      tenantId,
      kind: 'adjustment',
      reference,
      description: `Adjustment: ${reason}`,
      entries: [
        { account: 'credit', amountMicro },
        { account: 'adjustments', amountMicro: -amountMicro },
      ],
      detail: { reason, adminUserId: admin.userId, adminTenantId: admin.tenantId },
      actor: { type: 'user', id: admin.userId },
    },
    now,
    [
      auditStatement(db, {
        tenantId,
        action: 'billing.adjustment',
        actor: admin,
        targetType: 'ledger_transaction',
        targetId: reference,
        detail: { amountUsd: microToUsd(amountMicro), reason, adminTenantId: admin.tenantId },
        at: now,
      }),
    ],
  );
  return c.json({ transactionId, tenantId, amountUsd: microToUsd(amountMicro), reason, balanceUsd: microToUsd(await readBalance(db, tenantId)), createdAt: iso(now) }, 201);
};
