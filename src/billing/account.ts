// A tenant's credit as the rest of the product sees it: the ledger balance, what running deployments
// have used but not been charged yet, holds for deployments about to start, this month's spend, and
// the low-balance and exhaustion state. Deployment creation asks here whether credit suffices.
import { Problem } from '../http/problem';
import { minimumRuntimeCharge, unbilledAt, type MeteredRow } from './metering';
import { monthStart } from './period';

/** A low-balance warning is raised when the balance falls under this share of the balance the latest top-up left. */
export const LOW_BALANCE_PERCENT = 20;

interface AccountRow {
  balance_micro: number;
  topup_transaction_id: string | null;
  topup_balance_micro: number | null;
  exhausted_at: number | null;
  usage_month_start: number | null;
  usage_month_micro: number;
}

interface ExposureRow extends MeteredRow {
  status: string;
}

export interface CreditState {
  balanceMicro: number;
  /** Running time used but not charged yet, including the margin. */
  accruedMicro: number;
  /** Deployments pending or provisioning: the minimum runtime each needs to start. */
  holdsMicro: number;
  /** balance − accrued − holds: what a new deployment or plan change may spend. */
  availableMicro: number;
  /** Usage charged this calendar month (UTC), including the margin. */
  monthUsageMicro: number;
  /** Balance the latest top-up left, the low-balance reference; null before any top-up. */
  topUpBalanceMicro: number | null;
  lowBalance: boolean;
  exhaustedAt: number | null;
}

export interface CreditSettings {
  BILLING_MIN_RUNTIME_MINUTES: number;
}

export function isLowBalance(balanceMicro: number, topUpBalanceMicro: number | null): boolean {
  return balanceMicro <= 0 || (topUpBalanceMicro !== null && balanceMicro * 100 < topUpBalanceMicro * LOW_BALANCE_PERCENT);
}

export async function creditState(db: D1Database | D1DatabaseSession, tenantId: string, now: number, settings: CreditSettings): Promise<CreditState> {
  const [account, deployments] = await db.batch([
    db
      .prepare('SELECT balance_micro, topup_transaction_id, topup_balance_micro, exhausted_at, usage_month_start, usage_month_micro FROM billing_accounts WHERE tenant_id = ?1')
      .bind(tenantId),
    db
      .prepare(
        `SELECT status, run_ms, cost_micro, running_since, quoted_price_per_hour_micro, margin_bps, billed_run_ms, billed_cost_micro FROM deployments
         WHERE tenant_id = ?1 AND (status NOT IN ('terminated', 'failed') OR cost_micro <> billed_cost_micro)`,
      )
      .bind(tenantId),
  ]);
  const a = (account?.results[0] as AccountRow | undefined) ?? null;
  let accruedMicro = 0;
  let holdsMicro = 0;
  for (const d of (deployments?.results ?? []) as ExposureRow[]) {
    accruedMicro += unbilledAt(d, now).chargeMicro;
    if (d.status === 'pending' || d.status === 'provisioning') holdsMicro += minimumRuntimeCharge(d.quoted_price_per_hour_micro, d.margin_bps, settings.BILLING_MIN_RUNTIME_MINUTES);
  }
  const balanceMicro = a?.balance_micro ?? 0;
  const topUpBalanceMicro = a?.topup_transaction_id ? a.topup_balance_micro : null;
  return {
    balanceMicro,
    accruedMicro,
    holdsMicro,
    availableMicro: balanceMicro - accruedMicro - holdsMicro,
    monthUsageMicro: a && a.usage_month_start === monthStart(now) ? a.usage_month_micro : 0,
    topUpBalanceMicro,
    lowBalance: isLowBalance(balanceMicro, topUpBalanceMicro),
    exhaustedAt: a?.exhausted_at ?? null,
  };
}

/**
 * Refuses (402 `insufficient-credit`) a deployment whose minimum runtime the available credit cannot
 * cover. Two requests at the same instant can both pass: the exposure is bounded by one minimum
 * runtime each, and the metering pass and the grace period catch up with it.
 */
export async function requireCreditFor(
  db: D1Database | D1DatabaseSession,
  tenantId: string,
  pricePerHourMicro: number,
  marginBps: number,
  now: number,
  settings: CreditSettings,
): Promise<void> {
  const need = minimumRuntimeCharge(pricePerHourMicro, marginBps, settings.BILLING_MIN_RUNTIME_MINUTES);
  if (need === 0) return;
  const state = await creditState(db, tenantId, now, settings);
  if (state.availableMicro < need) {
    throw new Problem(
      402,
      'insufficient-credit',
      'Insufficient credit',
      `${settings.BILLING_MIN_RUNTIME_MINUTES} minutes at ${pricePerHourMicro / 1e6} USD/h plus the ${marginBps / 100}% margin need ${need / 1e6} USD; ` +
        `available credit is ${state.availableMicro / 1e6} USD (balance ${state.balanceMicro / 1e6}, reserved ${(state.accruedMicro + state.holdsMicro) / 1e6}); add credit and retry`,
    );
  }
}

/** This month's deployment spend for the spend cap: usage charged this month plus running time not charged yet. */
export async function monthDeploymentSpendMicro(db: D1Database | D1DatabaseSession, tenantId: string, now: number): Promise<number> {
  const state = await creditState(db, tenantId, now, { BILLING_MIN_RUNTIME_MINUTES: 0 });
  return state.monthUsageMicro + state.accruedMicro;
}
