import { describe, expect, it } from 'vitest';
import { balanceNotice, ledgerKindLabel, monthBounds, parseCheckoutAmount, paymentStatusLabel, prorateMicro, quotePlanChange, safeCheckoutUrl, suggestTopUp } from '../src/lib/billing';
import { formatChangePercent, formatHours, formatShare, formatSignedCost, formatTokens, formatUsdCompact, plural } from '../src/lib/format';
import type { Balance, Plan, Subscription } from '../src/lib/types';

const plan = (id: Plan['id'], monthlyFeeUsd: number | null): Plan => ({ id, name: id[0]!.toUpperCase() + id.slice(1), monthlyFeeUsd, requestsPerMinute: 10, concurrentDeployments: 1, liveConnections: 10 });
const free: Subscription = { plan: 'free', monthlyFeeUsd: 0, periodStart: null, periodEnd: null, renewsAt: null };
const NOV_START = Date.UTC(2026, 10, 1);
const DEC_START = Date.UTC(2026, 11, 1);

function balance(overrides: Partial<Balance> = {}): Balance {
  return {
    currency: 'USD',
    balanceUsd: 50,
    availableUsd: 50,
    reservedUsd: 0,
    reserved: { accruedUsd: 0, holdsUsd: 0 },
    thisMonth: { monthStart: '2026-11-01T00:00:00.000Z', usageUsd: 0, unbilledUsd: 0, feesUsd: 0, totalUsd: 0 },
    marginPercent: 10,
    lowBalance: false,
    lowBalanceThresholdUsd: 10,
    exhaustedAt: null,
    graceEndsAt: null,
    plan: 'free',
    ...overrides,
  };
}

describe('plan change quote', () => {
  it('takes the calendar month in UTC as the period', () => {
    expect(monthBounds(Date.UTC(2026, 10, 29, 23, 59))).toEqual({ start: NOV_START, end: DEC_START });
    expect(monthBounds(Date.UTC(2026, 11, 31, 12))).toEqual({ start: DEC_START, end: Date.UTC(2027, 0, 1) });
  });

  it('prorates to the second and rounds down to the micro-dollar, as the API does', () => {
    // Half of November left: 15 days of 30.
    const half = prorateMicro(29_000_000, Date.UTC(2026, 10, 16), NOV_START, DEC_START);
    expect(half).toEqual({ amountMicro: 14_500_000, remainingSeconds: 15 * 86_400, periodSeconds: 30 * 86_400 });
    // One second left of a $99 month: ⌊99e6 / 2,592,000⌋ = 38 micro-dollars.
    expect(prorateMicro(99_000_000, DEC_START - 1000, NOV_START, DEC_START).amountMicro).toBe(38);
  });

  it('charges the new fee for the rest of the month, with nothing back from a free plan', () => {
    const q = quotePlanChange(free, plan('basic', 29), Date.UTC(2026, 10, 16));
    expect(q).toMatchObject({ chargeUsd: 14.5, creditUsd: 0, netUsd: 14.5, remainingSeconds: 15 * 86_400, periodEnd: DEC_START, refusal: null });
  });

  it('gives back the unused part of a fee paid for this month, so a downgrade can return credit', () => {
    const pro: Subscription = { plan: 'pro', monthlyFeeUsd: 99, periodStart: '2026-11-01T00:00:00.000Z', periodEnd: '2026-12-01T00:00:00.000Z', renewsAt: '2026-12-01T00:00:00.000Z' };
    const q = quotePlanChange(pro, plan('basic', 29), Date.UTC(2026, 10, 16));
    expect(q.chargeUsd).toBe(14.5);
    expect(q.creditUsd).toBe(49.5);
    expect(q.netUsd).toBe(-35);
  });

  it('gives nothing back for a plan whose fee was not paid this month (set by contract or an admin)', () => {
    const unpaid: Subscription = { plan: 'pro', monthlyFeeUsd: 99, periodStart: '2026-10-01T00:00:00.000Z', periodEnd: '2026-11-01T00:00:00.000Z', renewsAt: null };
    expect(quotePlanChange(unpaid, plan('corp', 499), Date.UTC(2026, 10, 16)).creditUsd).toBe(0);
  });

  it('knows the changes the API refuses', () => {
    expect(quotePlanChange(free, plan('free', 0), NOV_START).refusal).toBe('same-plan');
    expect(quotePlanChange(free, plan('enterprise', null), NOV_START).refusal).toBe('contract-plan');
  });
});

describe('balance notice', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');

  it('warns of the grace period with the time running deployments stop, then that they were stopped', () => {
    const exhausted = { balanceUsd: -1, availableUsd: -1, lowBalance: true, exhaustedAt: '2026-11-29T11:55:00Z' };
    expect(balanceNotice(balance({ ...exhausted, graceEndsAt: '2026-11-29T12:10:00Z' }), now)).toMatchObject({ tone: 'error', code: 'grace' });
    expect(balanceNotice(balance({ ...exhausted, graceEndsAt: '2026-11-29T11:58:00Z' }), now)).toMatchObject({ tone: 'error', code: 'exhausted' });
  });

  it('invites a first top-up, warns of a low balance, and says nothing otherwise', () => {
    expect(balanceNotice(balance({ balanceUsd: 0, availableUsd: 0, lowBalance: true, lowBalanceThresholdUsd: null }), now)?.code).toBe('empty');
    const low = balanceNotice(balance({ balanceUsd: 4, availableUsd: 3.5, lowBalance: true }), now);
    expect(low).toMatchObject({ tone: 'warn', code: 'low' });
    expect(low!.text).toContain('$3.50 available');
    expect(balanceNotice(balance(), now)).toBeNull();
  });
});

describe('add credit', () => {
  it('takes dollars with at most two decimals between $5 and $10,000', () => {
    expect(parseCheckoutAmount('50')).toEqual({ amountUsd: 50, error: null });
    expect(parseCheckoutAmount(' $1,250.50 ')).toEqual({ amountUsd: 1250.5, error: null });
    expect(parseCheckoutAmount('4.99').error).toContain('$5');
    expect(parseCheckoutAmount('10001').error).toContain('$10,000');
    expect(parseCheckoutAmount('12.345').error).toContain('two decimals');
    expect(parseCheckoutAmount('5e1').error).not.toBeNull();
    expect(parseCheckoutAmount('-20').error).not.toBeNull();
    expect(parseCheckoutAmount('').error).not.toBeNull();
  });

  it('suggests a round top-up that covers what is missing', () => {
    expect(suggestTopUp(0.4)).toBe(10);
    expect(suggestTopUp(-3)).toBe(10);
    expect(suggestTopUp(10)).toBe(10);
    expect(suggestTopUp(10.01)).toBe(25);
    expect(suggestTopUp(180)).toBe(250);
    expect(suggestTopUp(1200)).toBe(2000);
    expect(suggestTopUp(Number.NaN)).toBe(10);
    expect(suggestTopUp(50_000)).toBe(10_000);
  });

  it('sends the payer only to an http(s) checkout page', () => {
    expect(safeCheckoutUrl('https://checkout.stripe.com/c/pay/cs_test_1')).toBe('https://checkout.stripe.com/c/pay/cs_test_1');
    expect(safeCheckoutUrl('http://127.0.0.1:8789/pay/stripe/cs_test_1')).toBe('http://127.0.0.1:8789/pay/stripe/cs_test_1');
    expect(safeCheckoutUrl('javascript:alert(1)')).toBeNull();
    expect(safeCheckoutUrl('/relative')).toBeNull();
  });

  it('names ledger kinds and order statuses for people', () => {
    expect(ledgerKindLabel('credit_purchase')).toBe('Credit purchase');
    expect(ledgerKindLabel('subscription_fee')).toBe('Plan fee');
    expect(ledgerKindLabel('something_new')).toBe('Something new');
    expect(paymentStatusLabel('created')).toBe('awaiting payment');
    expect(paymentStatusLabel('partially_refunded')).toBe('partially refunded');
  });
});

describe('money, percent and count formatting', () => {
  it('signs amounts that move a balance, with a true minus', () => {
    expect(formatSignedCost(50)).toBe('+$50.00');
    expect(formatSignedCost(-3.204)).toBe('−$3.20');
    expect(formatSignedCost(0.001)).toBe('$0.00');
    expect(formatSignedCost(null)).toBe('—');
  });

  it('shows shares with a decimal only where it matters', () => {
    expect(formatShare(0.42)).toBe('42%');
    expect(formatShare(0.0512)).toBe('5.1%');
    expect(formatShare(0.9951)).toBe('99.5%');
    expect(formatShare(1)).toBe('100%');
    expect(formatShare(0)).toBe('0%');
    expect(formatShare(null)).toBe('—');
  });

  it('shows changes with their sign', () => {
    expect(formatChangePercent(3.24)).toBe('+3.2%');
    expect(formatChangePercent(-0.81)).toBe('−0.8%');
    expect(formatChangePercent(0.04)).toBe('0%');
    expect(formatChangePercent(null)).toBe('—');
  });

  it('keeps compact amounts, hours, tokens and plurals short', () => {
    expect(formatUsdCompact(0)).toBe('$0');
    expect(formatUsdCompact(12.5)).toBe('$12.50');
    expect(formatUsdCompact(950)).toBe('$950');
    expect(formatUsdCompact(12_400)).toBe('$12.4k');
    expect(formatUsdCompact(-1_200_000)).toBe('−$1.2M');
    expect(formatHours(0.25)).toBe('15 min');
    expect(formatHours(4)).toBe('4 h');
    expect(formatHours(12.46)).toBe('12.5 h');
    expect(formatHours(100)).toBe('4.2 d');
    expect(formatTokens(20_000)).toBe('20k');
    expect(formatTokens(2e9)).toBe('2B');
    expect(formatTokens(512)).toBe('512');
    expect(plural(1, 'offer')).toBe('1 offer');
    expect(plural(1200, 'offer')).toBe('1,200 offers');
  });
});
