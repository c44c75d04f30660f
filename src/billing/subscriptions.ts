// Plans as subscriptions: a paid plan's fee is charged from credit for a calendar month (UTC); a change
// mid-month credits the unused part of the fee paid and charges the new fee for the rest of the
// month, both prorated to the second; the cron pass renews at the start of each month, and a tenant
// whose credit cannot pay the renewal is moved to the free plan (with a billing event).
import { randomId } from '../catalog/ids';
import { Problem } from '../http/problem';
import { auditStatementIfChanged } from '../tenancy/audit';
import type { Principal } from '../tenancy/principal';
import { creditState, type CreditSettings } from './account';
import { billingEventStatement } from './events';
import { postedGuard, postingStatements, type LedgerActor, type Posting } from './ledger';
import { monthStart, nextMonthStart } from './period';
import { isPlanId, PLANS, type PlanId } from './plans';

/** The share of `feeMicro` left for the rest of the period at `now`, to the second (rounded down). */
export function prorate(feeMicro: number, now: number, periodStart: number, periodEnd: number): { amountMicro: number; remainingSeconds: number; periodSeconds: number } {
  const periodSeconds = Math.round((periodEnd - periodStart) / 1000);
  const remainingSeconds = Math.max(0, Math.min(periodSeconds, Math.floor((periodEnd - now) / 1000)));
  return { amountMicro: Math.floor((feeMicro * remainingSeconds) / periodSeconds), remainingSeconds, periodSeconds };
}

interface SubscriptionRow {
  tenant_id: string;
  plan: string;
  period_start: number;
  period_end: number;
}

export interface PlanChange {
  plan: PlanId;
  previousPlan: PlanId;
  periodStart: number;
  periodEnd: number;
  remainingSeconds: number;
  periodSeconds: number;
  /** Unused part of the fee paid for the old plan, given back. */
  creditMicro: number;
  /** The new plan's fee for the rest of the period. */
  chargeMicro: number;
  balanceMicro: number;
}

const feeOf = (plan: PlanId) => PLANS[plan].monthlyFeeMicroUsd;

function ledgerActor(actor: Principal): LedgerActor {
  if (actor.kind === 'user') return { type: 'user', id: actor.userId };
  if (actor.kind === 'api_key') return { type: 'api_key', id: actor.keyId };
  return { type: 'system', id: null };
}

const planIs = (tenantId: string, plan: string) => ({ sql: '(SELECT plan FROM tenants WHERE id = ?) = ?', params: [tenantId, plan] as (string | number)[] });
const balanceAtLeast = (tenantId: string, micro: number) => ({
  sql: 'COALESCE((SELECT balance_micro FROM billing_accounts WHERE tenant_id = ?), 0) >= ?',
  params: [tenantId, micro] as (string | number)[],
});
const both = (a: { sql: string; params: (string | number)[] }, b: { sql: string; params: (string | number)[] }) => ({ sql: `${a.sql} AND ${b.sql}`, params: [...a.params, ...b.params] });

/**
 * Moves the caller's tenant to `target`, charging and crediting the prorated fees in one batch.
 * Refuses the enterprise plan (per contract), the current plan (409), a downgrade below the number of
 * deployments running (409) and a change the available credit cannot pay (402); nothing is written then.
 */
export async function changePlan(db: D1Database, actor: Principal & { kind: 'user' | 'api_key' }, target: PlanId, now: number, settings: CreditSettings): Promise<PlanChange> {
  const tenantId = actor.tenantId;
  const [tenantRes, subRes, activeRes] = await db.batch([
    db.prepare('SELECT plan FROM tenants WHERE id = ?1').bind(tenantId),
    db.prepare('SELECT tenant_id, plan, period_start, period_end FROM billing_subscriptions WHERE tenant_id = ?1').bind(tenantId),
    db.prepare(`SELECT COUNT(*) AS n FROM deployments WHERE tenant_id = ?1 AND status NOT IN ('terminated', 'failed')`).bind(tenantId),
  ]);
  const current = (tenantRes?.results[0] as { plan: string } | undefined)?.plan;
  if (!current || !isPlanId(current)) throw new Problem(404, 'not-found', 'Not found', 'no such tenant');
  const contract = () =>
    new Problem(422, 'contract-plan', 'Priced per contract', 'the Enterprise plan is set up by contract, not through the API; contact sales@gpubroker.dev', [
      { field: 'body.plan', message: 'enterprise is priced per contract' },
    ]);
  if (target === 'enterprise' || current === 'enterprise') throw contract();
  if (target === current) throw new Problem(409, 'same-plan', 'Already on this plan', `the tenant is already on the ${PLANS[current].name} plan`);

  const limit = PLANS[target].concurrentDeployments;
  const active = (activeRes?.results[0] as { n: number } | undefined)?.n ?? 0;
  if (limit !== null && active > limit) {
    throw new Problem(409, 'deployment-limit', 'Too many deployments for this plan', `the ${PLANS[target].name} plan allows ${limit} deployments at once and ${active} are active; terminate ${active - limit} first`);
  }

  const periodStart = monthStart(now);
  const periodEnd = nextMonthStart(now);
  const sub = subRes?.results[0] as SubscriptionRow | undefined;
  // Only a fee actually paid for this period is given back: a plan set by contract or by an admin has none.
  const paidPlan = sub && sub.period_start <= now && now < sub.period_end && isPlanId(sub.plan) ? sub.plan : null;
  const oldFee = paidPlan ? (feeOf(paidPlan) ?? 0) : 0;
  const credit = prorate(oldFee, now, periodStart, periodEnd);
  const charge = prorate(feeOf(target) ?? 0, now, periodStart, periodEnd);
  const net = charge.amountMicro - credit.amountMicro;

  if (net > 0) {
    const state = await creditState(db, tenantId, now, settings);
    if (state.availableMicro < net) {
      throw new Problem(
        402,
        'insufficient-credit',
        'Insufficient credit',
        `the change costs ${net / 1e6} USD now (${charge.amountMicro / 1e6} for the ${PLANS[target].name} plan for the rest of the month, less ${credit.amountMicro / 1e6} unused); available credit is ${state.availableMicro / 1e6} USD`,
      );
    }
  }

  const changeId = randomId('chg_');
  const who = ledgerActor(actor);
  const statements: D1PreparedStatement[] = [];
  let guard = planIs(tenantId, current);
  if (credit.amountMicro > 0) {
    const p: Posting = {
      tenantId,
      kind: 'subscription_credit',
      reference: `subscription:${tenantId}:${changeId}:credit`,
      description: `Unused ${PLANS[paidPlan!].name} plan, ${credit.remainingSeconds} of ${credit.periodSeconds} s of the month`,
      entries: [
        { account: 'credit', amountMicro: credit.amountMicro },
        { account: 'revenue:subscription', amountMicro: -credit.amountMicro },
      ],
      detail: { plan: paidPlan, periodStart, periodEnd, remainingSeconds: credit.remainingSeconds, periodSeconds: credit.periodSeconds, changeId },
      actor: who,
      // Given back only if the new fee will be paid too: the balance must cover the difference.
      onlyIf: both(planIs(tenantId, current), balanceAtLeast(tenantId, net)),
    };
    const posting = postingStatements(db, p, now);
    statements.push(...posting.statements);
    guard = postedGuard(posting.transactionId);
  }
  if (charge.amountMicro > 0) {
    const p: Posting = {
      tenantId,
      kind: 'subscription_fee',
      reference: `subscription:${tenantId}:${changeId}:fee`,
      description: `${PLANS[target].name} plan, ${charge.remainingSeconds} of ${charge.periodSeconds} s of the month`,
      entries: [
        { account: 'credit', amountMicro: -charge.amountMicro },
        { account: 'revenue:subscription', amountMicro: charge.amountMicro },
      ],
      detail: { plan: target, periodStart, periodEnd, remainingSeconds: charge.remainingSeconds, periodSeconds: charge.periodSeconds, changeId },
      actor: who,
      // Runs after the credit above: the balance now includes it.
      onlyIf: both(planIs(tenantId, current), balanceAtLeast(tenantId, charge.amountMicro)),
    };
    const posting = postingStatements(db, p, now);
    statements.push(...posting.statements);
    guard = both(planIs(tenantId, current), postedGuard(posting.transactionId));
  }
  statements.push(
    db.prepare(`UPDATE tenants SET plan = ? WHERE id = ? AND ${guard.sql}`).bind(target, tenantId, ...guard.params),
    auditStatementIfChanged(db, {
      tenantId,
      action: 'plan.change',
      actor,
      targetType: 'tenant',
      targetId: tenantId,
      detail: { from: current, to: target, creditUsd: credit.amountMicro / 1e6, chargeUsd: charge.amountMicro / 1e6, changeId },
      at: now,
    }),
  );
  // The subscription follows whatever plan the tenant is on after the statements above.
  if ((feeOf(target) ?? 0) > 0) {
    statements.push(
      db
        .prepare(
          `INSERT INTO billing_subscriptions (tenant_id, plan, period_start, period_end, created_at, updated_at)
           SELECT ?1, ?2, ?3, ?4, ?5, ?5 WHERE (SELECT plan FROM tenants WHERE id = ?1) = ?2
           ON CONFLICT (tenant_id) DO UPDATE SET plan = excluded.plan, period_start = excluded.period_start, period_end = excluded.period_end, updated_at = excluded.updated_at`,
        )
        .bind(tenantId, target, periodStart, periodEnd, now),
    );
  } else {
    statements.push(db.prepare(`DELETE FROM billing_subscriptions WHERE tenant_id = ?1 AND (SELECT plan FROM tenants WHERE id = ?1) = ?2`).bind(tenantId, target));
  }
  const results = await db.batch(statements);
  const moved = (results[statements.length - 3]?.meta.changes ?? 0) === 1;
  if (!moved) {
    const now2 = await db.prepare('SELECT plan FROM tenants WHERE id = ?1').bind(tenantId).first<{ plan: string }>();
    if (now2?.plan !== current) throw new Problem(409, 'plan-changed', 'Plan changed meanwhile', `the plan was changed to ${now2?.plan} by another request; read it again`);
    throw new Problem(402, 'insufficient-credit', 'Insufficient credit', `the balance no longer covers the change (${net / 1e6} USD); add credit and retry`);
  }
  const balance = await db.prepare('SELECT balance_micro FROM billing_accounts WHERE tenant_id = ?1').bind(tenantId).first<{ balance_micro: number }>();
  return {
    plan: target,
    previousPlan: current,
    periodStart,
    periodEnd,
    remainingSeconds: charge.remainingSeconds,
    periodSeconds: charge.periodSeconds,
    creditMicro: credit.amountMicro,
    chargeMicro: charge.amountMicro,
    balanceMicro: balance?.balance_micro ?? 0,
  };
}

export interface RenewalReport {
  renewed: number;
  downgraded: number;
  ended: number;
  statements: number;
}

const RENEWALS_PER_PASS = 100;

/**
 * Renews subscriptions whose period ended: the next calendar month's fee, posted once per tenant and
 * period (`subscription:<tenant>:<periodStart>`), with the period advanced in the same batch. A tenant
 * whose balance cannot pay is moved to the free plan (audit row and a `subscription_downgraded`
 * event); its running deployments go on, new ones follow the free plan's limits.
 */
export async function renewSubscriptions(db: D1Database, now: number): Promise<RenewalReport> {
  const report: RenewalReport = { renewed: 0, downgraded: 0, ended: 0, statements: 1 };
  const { results } = await db
    .prepare(
      `SELECT s.tenant_id, s.plan, s.period_start, s.period_end, t.plan AS tenant_plan FROM billing_subscriptions s JOIN tenants t ON t.id = s.tenant_id
       WHERE s.period_end <= ?1 ORDER BY s.period_end LIMIT ?2`,
    )
    .bind(now, RENEWALS_PER_PASS)
    .all<SubscriptionRow & { tenant_plan: string }>();
  const system = { kind: 'system' } as const;
  for (const s of results) {
    const plan = isPlanId(s.tenant_plan) ? s.tenant_plan : null;
    const fee = plan ? feeOf(plan) : null;
    const start = s.period_end;
    const end = nextMonthStart(start);
    const samePeriod = { sql: 'EXISTS (SELECT 1 FROM billing_subscriptions WHERE tenant_id = ? AND period_end = ?)', params: [s.tenant_id, s.period_end] as (string | number)[] };
    if (!plan || !fee) {
      // Now on a plan without a fee (free, or enterprise by contract): nothing to renew.
      await db.prepare('DELETE FROM billing_subscriptions WHERE tenant_id = ?1 AND period_end = ?2').bind(s.tenant_id, s.period_end).run();
      report.statements++;
      report.ended++;
      continue;
    }
    const posting: Posting = {
      tenantId: s.tenant_id,
      kind: 'subscription_fee',
      reference: `subscription:${s.tenant_id}:${start}`,
      description: `${PLANS[plan].name} plan, ${new Date(start).toISOString().slice(0, 7)}`,
      entries: [
        { account: 'credit', amountMicro: -fee },
        { account: 'revenue:subscription', amountMicro: fee },
      ],
      detail: { plan, periodStart: start, periodEnd: end, renewal: true },
      actor: { type: 'system', id: null },
      onlyIf: both(samePeriod, balanceAtLeast(s.tenant_id, fee)),
    };
    const { transactionId, statements } = postingStatements(db, posting, now);
    const paid = postedGuard(transactionId);
    const [first] = await db.batch([
      ...statements,
      db
        .prepare(`UPDATE billing_subscriptions SET plan = ?, period_start = ?, period_end = ?, updated_at = ? WHERE tenant_id = ? AND period_end = ? AND ${paid.sql}`)
        .bind(plan, start, end, now, s.tenant_id, s.period_end, ...paid.params),
    ]);
    report.statements += statements.length + 1;
    if ((first?.meta.changes ?? 0) === 1) {
      report.renewed++;
      continue;
    }
    // Not paid: another pass renewed it first, or the balance is short. Only the latter downgrades
    // (the UPDATE checks both again); the event and the audit row follow only a downgrade made here.
    await db.batch([
      db
        .prepare(
          `UPDATE tenants SET plan = 'free' WHERE id = ?1 AND plan = ?2
             AND EXISTS (SELECT 1 FROM billing_subscriptions WHERE tenant_id = ?1 AND period_end = ?3)
             AND COALESCE((SELECT balance_micro FROM billing_accounts WHERE tenant_id = ?1), 0) < ?4`,
        )
        .bind(s.tenant_id, plan, s.period_end, fee),
      billingEventStatement(
        db,
        {
          tenantId: s.tenant_id,
          kind: 'subscription_downgraded',
          severity: 'critical',
          reference: `subscription_downgraded:${s.tenant_id}:${start}`,
          detail: { from: plan, to: 'free', feeUsd: fee / 1e6, periodStart: new Date(start).toISOString() },
        },
        now,
        { afterChange: true },
      ),
      auditStatementIfChanged(db, { tenantId: s.tenant_id, action: 'plan.change', actor: system, targetType: 'tenant', targetId: s.tenant_id, detail: { from: plan, to: 'free', reason: 'renewal_unpaid' }, at: now }),
      db.prepare(`DELETE FROM billing_subscriptions WHERE tenant_id = ?1 AND period_end = ?2 AND (SELECT plan FROM tenants WHERE id = ?1) = 'free'`).bind(s.tenant_id, s.period_end),
    ]);
    report.statements += 4;
    const after = await db.prepare('SELECT plan FROM tenants WHERE id = ?1').bind(s.tenant_id).first<{ plan: string }>();
    report.statements++;
    if (after?.plan === 'free') report.downgraded++;
  }
  return report;
}
