// Metering arithmetic, free of bindings: what a deployment owes for its running time and the window
// the next usage charge covers. Charges are cumulative — charge(total) − charge(already billed) — so
// however many windows a run is cut into, they add up to exactly the charge of the whole.
import { costMicroAt } from '../deployments/state';

/** The columns of a deployment that metering reads. */
export interface MeteredRow {
  run_ms: number;
  cost_micro: number;
  running_since: number | null;
  quoted_price_per_hour_micro: number;
  margin_bps: number;
  billed_run_ms: number;
  billed_cost_micro: number;
}

/** The margin on `costMicro` at `bps` basis points, rounded down; exact for any safe integer cost. */
export function marginOf(costMicro: number, bps: number): number {
  const q = Math.floor(costMicro / 10_000);
  return q * bps + Math.floor(((costMicro - q * 10_000) * bps) / 10_000);
}

/** What the tenant pays for `costMicro` of GPU time: cost plus the margin. */
export function chargeOf(costMicro: number, bps: number): number {
  return costMicro + marginOf(costMicro, bps);
}

/**
 * The running time and cost that can be billed at `now`: every closed interval in full (at the price
 * each ran at, which `cost_micro` already holds) plus the open interval in whole seconds. The open
 * interval's sub-second remainder waits for the next pass; once the interval closes it is part of
 * `cost_micro` and billed with it, so nothing is lost and nothing is billed ahead of time.
 */
export function billableAt(row: MeteredRow, now: number): { runMs: number; costMicro: number } {
  const openMs = row.running_since === null ? 0 : Math.floor(Math.max(0, now - row.running_since) / 1000) * 1000;
  return { runMs: row.run_ms + openMs, costMicro: row.cost_micro + costMicroAt(row.quoted_price_per_hour_micro, openMs) };
}

export interface UsageWindow {
  /** Running time covered, as offsets into the deployment's total running time. */
  fromRunMs: number;
  toRunMs: number;
  /** Cost before margin, and the margin, of this window alone. */
  costMicro: number;
  marginMicro: number;
  /** The billed cost once this window is posted (the new mark). */
  toCostMicro: number;
}

/** The next charge of a deployment at `now`, or null when nothing new is billable. */
export function usageWindow(row: MeteredRow, now: number): UsageWindow | null {
  const to = billableAt(row, now);
  const costMicro = to.costMicro - row.billed_cost_micro;
  // A pass whose clock is behind the last one's sees less than is billed: nothing to do, never a refund.
  if (costMicro <= 0 || to.runMs <= row.billed_run_ms) return null;
  return {
    fromRunMs: row.billed_run_ms,
    toRunMs: to.runMs,
    costMicro,
    marginMicro: marginOf(to.costMicro, row.margin_bps) - marginOf(row.billed_cost_micro, row.margin_bps),
    toCostMicro: to.costMicro,
  };
}

/** Running time that happened but is not charged yet, with what it will cost including the margin. */
export function unbilledAt(row: MeteredRow, now: number): { runMs: number; chargeMicro: number } {
  const w = usageWindow(row, now);
  return w ? { runMs: w.toRunMs - w.fromRunMs, chargeMicro: w.costMicro + w.marginMicro } : { runMs: 0, chargeMicro: 0 };
}

/** The charge for `minutes` of running at a locked price and margin: the credit a new deployment needs. */
export function minimumRuntimeCharge(pricePerHourMicro: number, marginBps: number, minutes: number): number {
  return chargeOf(costMicroAt(pricePerHourMicro, minutes * 60_000), marginBps);
}
