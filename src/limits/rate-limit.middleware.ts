// Rate limiting for /v1/*: every caller spends a token from its RateLimiter object (one per tenant,
// one per anonymous IP) and every answer says how much is left. If the limiter cannot be reached the
// request goes through: an outage of the limiter must not become an outage of the API.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { PLANS } from '../billing/plans';
import { Problem } from '../http/problem';
import type { Decision } from './token-bucket';

/** The limiter object and the per-minute limit that apply to this caller. */
export function bucketOf(c: Context<AppEnv>): { name: string; limit: number; who: string } {
  const p = c.var.principal;
  if (p.kind === 'anonymous') return { name: `ip:${p.ip}`, limit: c.var.config.ANON_RATE_LIMIT_PER_MIN, who: 'an anonymous caller' };
  const limit = PLANS[p.plan].requestsPerMinute * c.var.config.PLAN_RATE_LIMIT_MULTIPLIER;
  return { name: `tenant:${p.tenantId}`, limit, who: `tenant ${p.tenantId}` };
}

export function rateLimitHeaders(d: Decision): Record<string, string> {
  return {
    'RateLimit-Limit': String(d.limit),
    'RateLimit-Remaining': String(d.remaining),
    'RateLimit-Reset': String(d.resetSeconds),
  };
}

export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { name, limit, who } = bucketOf(c);
  let decision: Decision;
  try {
    const ns = c.env.RATE_LIMITER;
    decision = await ns.get(ns.idFromName(name)).take(limit);
  } catch (err) {
    // Names the tenant (not a secret) but never the IP or credentials.
    console.warn(`rate limiter unreachable for ${who}; allowing request ${c.var.requestId}: ${err instanceof Error ? err.message : String(err)}`);
    return next();
  }
  const headers = rateLimitHeaders(decision);
  if (!decision.allowed) {
    throw new Problem(
      429,
      'rate-limited',
      'Too many requests',
      `the limit is ${limit} requests per minute; retry in ${decision.retryAfterSeconds} s`,
      undefined,
      { ...headers, 'Retry-After': String(decision.retryAfterSeconds) },
    );
  }
  await next();
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
};
