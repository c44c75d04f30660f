import { describe, expect, it } from 'vitest';
import { fullAt, isFull, refill, take, type BucketState } from '../../src/limits/token-bucket';

const T0 = 1_700_000_000_000;

/** Takes `n` tokens at `now`, returning the last decision and state. */
function takeN(n: number, limit: number, now: number, start?: BucketState) {
  let state = start;
  let last;
  for (let i = 0; i < n; i++) {
    last = take(state, limit, now);
    state = last.state;
  }
  return { state: state!, decision: last!.decision };
}

describe('token bucket', () => {
  it('starts full: a new caller may spend the whole burst at once', () => {
    const first = take(undefined, 10, T0);
    expect(first.decision).toEqual({ allowed: true, limit: 10, remaining: 9, resetSeconds: 6, retryAfterSeconds: 0 });
    const { decision } = takeN(10, 10, T0);
    expect(decision).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 60 });
  });

  it('refuses the request after the burst and says when one token is back', () => {
    const spent = takeN(10, 10, T0).state;
    const { state, decision } = take(spent, 10, T0);
    expect(decision).toEqual({ allowed: false, limit: 10, remaining: 0, resetSeconds: 60, retryAfterSeconds: 6 });
    expect(state.tokens).toBe(0);
  });

  it('refills at limit per minute and never above the limit', () => {
    const spent = takeN(10, 10, T0).state;
    expect(refill(spent, 10, T0 + 6_000)).toBeCloseTo(1);
    expect(refill(spent, 10, T0 + 30_000)).toBeCloseTo(5);
    expect(refill(spent, 10, T0 + 3_600_000)).toBe(10);
    expect(take(spent, 10, T0 + 5_999).decision.allowed).toBe(false);
    expect(take(spent, 10, T0 + 6_000).decision).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('rounds Retry-After up to whole seconds and never answers 0 on a refusal', () => {
    const spent = takeN(1000, 1000, T0).state; // refills one token every 60 ms
    const { decision } = take(spent, 1000, T0 + 10);
    expect(decision).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
  });

  it('ignores a clock that steps backwards', () => {
    const state: BucketState = { tokens: 3, updatedAt: T0 };
    expect(refill(state, 10, T0 - 60_000)).toBe(3);
  });

  it('applies a new limit at once: a downgrade caps the tokens, an upgrade refills faster', () => {
    const state: BucketState = { tokens: 100, updatedAt: T0 };
    expect(take(state, 10, T0).decision).toMatchObject({ allowed: true, limit: 10, remaining: 9 });
    const empty: BucketState = { tokens: 0, updatedAt: T0 };
    expect(refill(empty, 600, T0 + 1_000)).toBeCloseTo(10);
  });

  it('knows when an idle bucket is full again', () => {
    const spent = takeN(10, 10, T0).state;
    expect(fullAt(spent, 10)).toBe(T0 + 60_000);
    expect(isFull(spent, 10, T0 + 59_999)).toBe(false);
    expect(isFull(spent, 10, T0 + 60_000)).toBe(true);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => take(undefined, 0, T0)).toThrow(RangeError);
    expect(() => take(undefined, 1.5, T0)).toThrow(RangeError);
  });
});
