// Token-bucket arithmetic, free of bindings: a bucket holds up to `limit` tokens (the burst) and
// refills at `limit` per minute; each request takes one token.

export interface BucketState {
  /** Tokens left at `updatedAt`; fractional while refilling. */
  tokens: number;
  /** Epoch milliseconds of the last decision. */
  updatedAt: number;
}

export interface Decision {
  allowed: boolean;
  limit: number;
  /** Whole tokens left after this decision. */
  remaining: number;
  /** Seconds until the bucket is full again (`RateLimit-Reset`). */
  resetSeconds: number;
  /** Seconds until one token is available; 0 when allowed (`Retry-After`). */
  retryAfterSeconds: number;
}

const WINDOW_MS = 60_000;

/** Tokens in the bucket at `now`, given its last state (none: a fresh, full bucket). */
export function refill(state: BucketState | undefined, limit: number, now: number): number {
  if (!state) return limit;
  const elapsed = Math.max(0, now - state.updatedAt); // a clock step backwards never drains the bucket
  return Math.min(limit, state.tokens + (elapsed * limit) / WINDOW_MS);
}

/** Seconds until `tokens` grows to `target` at `limit` per minute, rounded up. */
function secondsUntil(tokens: number, target: number, limit: number): number {
  return tokens >= target ? 0 : Math.ceil(((target - tokens) * WINDOW_MS) / limit / 1000);
}

/** Takes one token if there is one; returns the new state and the decision for the headers. */
export function take(state: BucketState | undefined, limit: number, now: number): { state: BucketState; decision: Decision } {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`bad limit: ${limit}`);
  const available = refill(state, limit, now);
  const allowed = available >= 1;
  const tokens = allowed ? available - 1 : available;
  return {
    state: { tokens, updatedAt: now },
    decision: {
      allowed,
      limit,
      remaining: Math.floor(tokens),
      resetSeconds: secondsUntil(tokens, limit, limit),
      retryAfterSeconds: allowed ? 0 : Math.max(1, secondsUntil(tokens, 1, limit)),
    },
  };
}

/** True when a bucket left alone since `state` is full by `now`, i.e. equal to no state at all. */
export function isFull(state: BucketState, limit: number, now: number): boolean {
  return refill(state, limit, now) >= limit;
}

/** When a bucket left alone since `state` is full again (epoch ms). */
export function fullAt(state: BucketState, limit: number): number {
  return state.updatedAt + Math.ceil(((limit - Math.min(limit, state.tokens)) * WINDOW_MS) / limit);
}
