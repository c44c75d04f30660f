import { describe, expect, it } from 'vitest';
import { circuitOpen, INITIAL_HEALTH, nextHealth, type PullFailure, type PullSuccess } from '../../src/ingest/health';

const policy = { failureThreshold: 3, cooldownMs: 60_000, timeoutMs: 10_000 };
const ok = (over: Partial<PullSuccess> = {}): PullSuccess => ({ ok: true, at: 1000, latencyMs: 200, offerCount: 90, unknownGpuCount: 0, skippedCount: 10, ...over });
const fail = (at: number, over: Partial<PullFailure> = {}): PullFailure => ({ ok: false, at, latencyMs: 50, kind: 'unavailable', message: 'HTTP 503', ...over });

describe('provider health', () => {
  it('is healthy after a quick, clean pull', () => {
    expect(nextHealth(INITIAL_HEALTH, ok(), policy)).toMatchObject({ status: 'healthy', lastSuccessAt: 1000, offerCount: 90, consecutiveFailures: 0 });
  });

  it('is degraded after a pull slower than half the timeout', () => {
    expect(nextHealth(INITIAL_HEALTH, ok({ latencyMs: 6000 }), policy).status).toBe('degraded');
  });

  it('is degraded when more than a quarter of the records were unusable', () => {
    expect(nextHealth(INITIAL_HEALTH, ok({ offerCount: 70, skippedCount: 30 }), policy).status).toBe('degraded');
  });

  it('stays closed but degraded below the failure threshold', () => {
    const once = nextHealth(INITIAL_HEALTH, fail(1000), policy);
    expect(once).toMatchObject({ status: 'degraded', consecutiveFailures: 1, circuitOpenUntil: null, lastErrorKind: 'unavailable' });
    expect(circuitOpen(once, 1001)).toBe(false);
  });

  it('opens at the threshold and doubles the cooldown on each failed trial, up to a day', () => {
    let h = INITIAL_HEALTH;
    for (let i = 0; i < 3; i++) h = nextHealth(h, fail(i), policy);
    expect(h).toMatchObject({ status: 'down', circuitOpenUntil: 2 + 60_000 });
    expect(circuitOpen(h, 30_000)).toBe(true);
    expect(circuitOpen(h, 60_002)).toBe(false);
    h = nextHealth(h, fail(100_000), policy);
    expect(h.circuitOpenUntil).toBe(100_000 + 120_000);
    for (let i = 0; i < 20; i++) h = nextHealth(h, fail(200_000), { ...policy, cooldownMs: 300_000 });
    expect(h.circuitOpenUntil).toBe(200_000 + 86_400_000);
  });

  it('closes the circuit and forgets failures after one good pull', () => {
    let h = INITIAL_HEALTH;
    for (let i = 0; i < 4; i++) h = nextHealth(h, fail(i), policy);
    h = nextHealth(h, ok({ at: 500_000 }), policy);
    expect(h).toMatchObject({ status: 'healthy', consecutiveFailures: 0, circuitOpenUntil: null, lastErrorKind: 'unavailable' });
  });

  it('honours Retry-After even before the threshold', () => {
    const h = nextHealth(INITIAL_HEALTH, fail(1000, { kind: 'rate_limited', retryAfterSeconds: 120 }), policy);
    expect(h.circuitOpenUntil).toBe(121_000);
    expect(circuitOpen(h, 60_000)).toBe(true);
  });

  it('keeps error messages short', () => {
    expect(nextHealth(INITIAL_HEALTH, fail(1, { message: 'x'.repeat(5000) }), policy).lastError).toHaveLength(500);
  });
});
