// Billing logic the pages share, pure: what a plan change will cost (the API's proration, so the
// confirm dialog can say it before anything is charged), the balance warnings, the add-credit amount
// check, a suggested top-up, and the labels of ledger kinds and order statuses.
import { formatCost, formatDateTime } from './format';
import type { Balance, PaymentStatus, Plan, Subscription } from './types';

const MICRO = 1_000_000;

/** The start of the calendar month (UTC) holding `now`, and of the next one. */
export function monthBounds(now: number): { start: number; end: number } {
  const d = new Date(now);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

/** ⌊fee × seconds left ÷ seconds in the period⌋, in micro-dollars, as the API computes it. */
export function prorateMicro(feeMicro: number, now: number, start: number, end: number): { amountMicro: number; remainingSeconds: number; periodSeconds: number } {
  const periodSeconds = Math.round((end - start) / 1000);
  const remainingSeconds = Math.max(0, Math.min(periodSeconds, Math.floor((end - now) / 1000)));
  return { amountMicro: Math.floor((feeMicro * remainingSeconds) / periodSeconds), remainingSeconds, periodSeconds };
}

export interface PlanChangeQuote {
  /** The new plan's fee for the rest of the month. */
  chargeUsd: number;
  /** The unused part of a fee paid for the current plan this month, given back. */
  creditUsd: number;
  /** chargeUsd − creditUsd: what leaves (or, negative, returns to) the credit now. */
  netUsd: number;
  remainingSeconds: number;
  periodSeconds: number;
  periodEnd: number;
  /** Why the API would refuse it, when it certainly would (before asking it). */
  refusal: 'same-plan' | 'contract-plan' | null;
}

/**
 * What POST /v1/billing/subscription will charge for moving to `target` at `now`. Only a fee paid
 * for this month (the subscription has a period holding `now`) is given back, as the API does. The
 * server's answer is the truth; this is what the confirm dialog says beforehand (to the second).
 */
export function quotePlanChange(current: Subscription, target: Plan, now: number): PlanChangeQuote {
  const { start, end } = monthBounds(now);
  const paid =
    current.periodStart !== null && current.periodEnd !== null && Date.parse(current.periodStart) <= now && now < Date.parse(current.periodEnd)
      ? (current.monthlyFeeUsd ?? 0)
      : 0;
  const credit = prorateMicro(Math.round(paid * MICRO), now, start, end);
  const charge = prorateMicro(Math.round((target.monthlyFeeUsd ?? 0) * MICRO), now, start, end);
  const refusal = target.id === current.plan ? 'same-plan' : target.id === 'enterprise' || current.plan === 'enterprise' ? 'contract-plan' : null;
  return {
    chargeUsd: charge.amountMicro / MICRO,
    creditUsd: credit.amountMicro / MICRO,
    netUsd: (charge.amountMicro - credit.amountMicro) / MICRO,
    remainingSeconds: charge.remainingSeconds,
    periodSeconds: charge.periodSeconds,
    periodEnd: end,
    refusal,
  };
}

export interface Notice {
  tone: 'error' | 'warn' | 'info';
  /** Stable name, for tests and for the page to choose an action. */
  code: 'grace' | 'exhausted' | 'empty' | 'low';
  text: string;
}

/** What the balance should warn about, most urgent first (at most one). */
export function balanceNotice(b: Balance, now: number): Notice | null {
  if (b.exhaustedAt && b.graceEndsAt) {
    const ends = Date.parse(b.graceEndsAt);
    return ends > now
      ? { tone: 'error', code: 'grace', text: `Your credit ran out. Running deployments stop at ${formatDateTime(b.graceEndsAt)} unless you add credit.` }
      : { tone: 'error', code: 'exhausted', text: 'Your credit ran out and running deployments were stopped. Add credit to deploy again.' };
  }
  if (b.balanceUsd <= 0 && b.lowBalanceThresholdUsd === null) {
    return { tone: 'info', code: 'empty', text: 'Deployments draw on prepaid credit. Add credit to deploy your first pod.' };
  }
  if (b.lowBalance) {
    return { tone: 'warn', code: 'low', text: `Your balance is low (${formatCost(b.availableUsd)} available). Add credit so running deployments are not stopped.` };
  }
  return null;
}

export const CHECKOUT_MIN_USD = 5;
export const CHECKOUT_MAX_USD = 10_000;
export const TOP_UP_AMOUNTS = [25, 50, 100, 250] as const;

/** The amount typed into "Add credit", or why the API would refuse it. */
export function parseCheckoutAmount(text: string): { amountUsd: number; error: null } | { amountUsd: null; error: string } {
  const t = text.trim().replace(/^\$/, '').replace(/,/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return { amountUsd: null, error: 'An amount in dollars, at most two decimals, e.g. 50 or 12.50.' };
  const amountUsd = Number(t);
  if (amountUsd < CHECKOUT_MIN_USD || amountUsd > CHECKOUT_MAX_USD) return { amountUsd: null, error: `Between $${CHECKOUT_MIN_USD} and $${CHECKOUT_MAX_USD.toLocaleString('en-US')}.` };
  return { amountUsd, error: null };
}

/** A round top-up that covers `shortUsd` (at least the checkout minimum): 10, 25, 50, 100, 250, 500, then thousands. */
export function suggestTopUp(shortUsd: number): number {
  const need = Math.max(CHECKOUT_MIN_USD, Number.isFinite(shortUsd) ? shortUsd : 0);
  for (const step of [10, 25, 50, 100, 250, 500]) if (need <= step) return step;
  return Math.min(CHECKOUT_MAX_USD, Math.ceil(need / 1000) * 1000);
}

const LEDGER_KINDS: Record<string, string> = {
  credit_purchase: 'Credit purchase',
  usage: 'GPU usage',
  subscription_fee: 'Plan fee',
  subscription_credit: 'Plan credit',
  adjustment: 'Adjustment',
  refund: 'Refund',
  dispute: 'Dispute',
  dispute_won: 'Dispute won',
};

export function ledgerKindLabel(kind: string): string {
  return LEDGER_KINDS[kind] ?? kind.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

const PAYMENT_TONES: Record<PaymentStatus, string> = {
  created: 'amber',
  approved: 'blue',
  paid: 'green',
  partially_refunded: 'amber',
  refunded: '',
  disputed: 'red',
  failed: 'red',
};

export function paymentTone(status: PaymentStatus): string {
  return PAYMENT_TONES[status] ?? '';
}

export function paymentStatusLabel(status: PaymentStatus): string {
  return status === 'created' ? 'awaiting payment' : status.replace(/_/g, ' ');
}

/** The provider's checkout page, only if it is an http(s) URL (never a javascript: one). */
export function safeCheckoutUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}
