import { describe, expect, it } from 'vitest';
import { afterError, afterRead, MAX_POLLS, pollDelayMs, readReturn, safeReturnPath, type ReturnState } from '../src/lib/checkout-return';
import type { Payment, PaymentStatus } from '../src/lib/types';

const payment = (status: PaymentStatus, overrides: Partial<Payment> = {}): Payment => ({
  id: 'pay_0123456789abcdef',
  provider: 'stripe',
  status,
  amountUsd: 50,
  currency: 'USD',
  refundedUsd: 0,
  disputedUsd: 0,
  checkoutUrl: null,
  providerOrderId: 'cs_test_1',
  failureReason: null,
  createdAt: '2026-11-29T12:00:00.000Z',
  updatedAt: '2026-11-29T12:00:00.000Z',
  paidAt: null,
  ...overrides,
});

describe('checkout return', () => {
  it('reads our own return links only', () => {
    expect(readReturn(new URLSearchParams('order=pay_0123456789abcdef&result=success'))).toEqual({ orderId: 'pay_0123456789abcdef', result: 'success' });
    expect(readReturn(new URLSearchParams('order=pay_0123456789abcdef&result=cancelled'))).toEqual({ orderId: 'pay_0123456789abcdef', result: 'cancelled' });
    expect(readReturn(new URLSearchParams('order=pay_0123456789abcdef&result=cancel'))?.result).toBe('cancelled');
    expect(readReturn(new URLSearchParams('order=pay_0123456789abcdef'))?.result).toBe('success');
    expect(readReturn(new URLSearchParams('order=%3Cscript%3E&result=success'))).toBeNull();
    expect(readReturn(new URLSearchParams('result=success'))).toBeNull();
  });

  it('waits for the webhook with backoff while the order is unpaid, then shows it paid', () => {
    const first = afterRead('success', payment('created'), 0);
    expect(first).toEqual({ state: { kind: 'waiting', payment: payment('created'), attempt: 1 }, pollInMs: 1000 });
    const second = afterRead('success', payment('approved'), 1);
    expect(second.state.kind).toBe('waiting');
    expect(second.pollInMs).toBe(1500);
    const paid = afterRead('success', payment('paid', { paidAt: '2026-11-29T12:00:03.000Z' }), 2);
    expect(paid).toEqual({ state: { kind: 'paid', payment: payment('paid', { paidAt: '2026-11-29T12:00:03.000Z' }) }, pollInMs: null });
  });

  it('stops polling after its last read and says the confirmation is slow', () => {
    expect(afterRead('success', payment('created'), MAX_POLLS - 2).pollInMs).not.toBeNull();
    expect(afterRead('success', payment('created'), MAX_POLLS - 1)).toEqual({ state: { kind: 'slow', payment: payment('created') }, pollInMs: null });
  });

  it('backs off to at most 8 s between reads', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(pollDelayMs)).toEqual([1000, 1500, 2250, 3375, 5063, 7594, 8000, 8000]);
  });

  it('reads a cancelled checkout once, but shows a credited order as paid whatever the link says', () => {
    expect(afterRead('cancelled', payment('created'), 0)).toEqual({ state: { kind: 'cancelled', payment: payment('created') }, pollInMs: null });
    expect(afterRead('cancelled', payment('paid'), 0).state.kind).toBe('paid');
    expect(afterRead('success', payment('partially_refunded'), 0).state.kind).toBe('paid');
    expect(afterRead('success', payment('failed', { failureReason: 'card declined' }), 0)).toEqual({ state: { kind: 'failed', payment: payment('failed', { failureReason: 'card declined' }) }, pollInMs: null });
  });

  it('treats an order of another tenant as not ours, and keeps polling through a passing error', () => {
    const checking: ReturnState = { kind: 'checking' };
    expect(afterError(404, 'not found', 0, checking)).toEqual({ state: { kind: 'invalid' }, pollInMs: null });
    expect(afterError(0, 'offline', 0, checking)).toEqual({ state: { kind: 'checking' }, pollInMs: 1000 });
    const waiting: ReturnState = { kind: 'waiting', payment: payment('created'), attempt: 3 };
    expect(afterError(503, 'try again', 3, waiting)).toEqual({ state: { kind: 'waiting', payment: payment('created'), attempt: 4 }, pollInMs: 3375 });
    expect(afterError(503, 'try again', MAX_POLLS - 1, waiting)).toEqual({ state: { kind: 'error', message: 'try again' }, pollInMs: null });
  });

  it('goes back only to a path of this app', () => {
    expect(safeReturnPath('/deploy/ofr_1?maxHours=2')).toBe('/deploy/ofr_1?maxHours=2');
    expect(safeReturnPath('//evil.example/x')).toBeNull();
    expect(safeReturnPath('https://evil.example/')).toBeNull();
    expect(safeReturnPath('/checkout/return?order=pay_x')).toBeNull();
    expect(safeReturnPath(null)).toBeNull();
  });
});
