// Platform KPIs from the books: what came in (credit bought), what went back (refunds, disputes),
// what tenants were charged (usage with our margin, plan fees), and what we still owe (credit not yet
// spent). Pure folding of ledger sums, so the arithmetic is unit-testable without D1.

/** One `(kind, account)` sum of ledger entries, optionally per UTC day. */
export interface LedgerSum {
  kind: string;
  account: string;
  amount: number;
  day?: number;
}

export interface RevenueFigures {
  creditPurchasedMicro: number;
  refundedMicro: number;
  /** Disputed amounts net of disputes won. */
  disputedMicro: number;
  /** What tenants were charged for GPU time, margin included. */
  usageChargedMicro: number;
  /** Our part of the usage charges. */
  marginMicro: number;
  /** Plan fees net of proration credits. */
  subscriptionMicro: number;
  /** Manual adjustments to tenants' credit (+ granted, − taken). */
  adjustmentsMicro: number;
}

export const EMPTY_REVENUE: RevenueFigures = {
  creditPurchasedMicro: 0,
  refundedMicro: 0,
  disputedMicro: 0,
  usageChargedMicro: 0,
  marginMicro: 0,
  subscriptionMicro: 0,
  adjustmentsMicro: 0,
};

/**
 * Folds ledger sums into revenue figures. Everything a tenant gains or loses is read on its `credit`
 * account (so each figure is what the tenant saw); margin and plan fees on our revenue accounts.
 */
export function foldRevenue(sums: readonly LedgerSum[]): RevenueFigures {
  const r = { ...EMPTY_REVENUE };
  for (const { kind, account, amount } of sums) {
    if (account === 'credit') {
      if (kind === 'credit_purchase') r.creditPurchasedMicro += amount;
      else if (kind === 'refund') r.refundedMicro -= amount;
      else if (kind === 'dispute' || kind === 'dispute_won') r.disputedMicro -= amount;
      else if (kind === 'usage') r.usageChargedMicro -= amount;
      else if (kind === 'adjustment') r.adjustmentsMicro += amount;
    } else if (account === 'revenue:margin' && kind === 'usage') {
      r.marginMicro += amount;
    } else if (account === 'revenue:subscription') {
      r.subscriptionMicro += amount;
    }
  }
  return r;
}

export const DAY_MS = 86_400_000;

/** Revenue per UTC day from `from` to `to`, every day present (zeros where nothing happened). */
export function dailyRevenue(sums: readonly LedgerSum[], from: number, to: number): { day: number; revenue: RevenueFigures }[] {
  const byDay = new Map<number, LedgerSum[]>();
  for (const s of sums) {
    if (s.day === undefined) continue;
    const list = byDay.get(s.day) ?? [];
    list.push(s);
    byDay.set(s.day, list);
  }
  const out: { day: number; revenue: RevenueFigures }[] = [];
  for (let day = Math.floor(from / DAY_MS); day * DAY_MS < to; day++) out.push({ day, revenue: foldRevenue(byDay.get(day) ?? []) });
  return out;
}
