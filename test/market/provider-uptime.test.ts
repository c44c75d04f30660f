import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import instanceTypes from '../../src/providers/fixtures/lambda/instance-types.json';
import { providerUptime } from '../../src/market/provider-uptime';
import { ingestAt, routeFetch } from '../helpers';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const MIN = 60_000;
const DAY = 86_400_000;

const up = routeFetch({ '/instance-types': () => Response.json(instanceTypes) });
const down = routeFetch({ '': () => new Response('down', { status: 503 }) });
const KEYS = { LAMBDA_API_KEY: 'secret_x', CIRCUIT_COOLDOWN_SECONDS: '300' };

describe('providerUptime', () => {
  it('is ok / (ok + failed + circuit-open skips) over the passes since the given time', async () => {
    // A pass 8 days earlier that failed lies outside a 7-day window.
    await ingestAt(T0 - 8 * DAY, KEYS, down);
    // ok, then three failures (the circuit opens until +3 min + 5 min), a skipped pass, and an ok trial.
    const plan: Array<[number, typeof fetch]> = [[0, up], [1, down], [2, down], [3, down], [4, down], [9, up]];
    for (const [minute, fetchImpl] of plan) await ingestAt(T0 + minute * MIN, KEYS, fetchImpl);

    const week = await providerUptime(env.DB, T0 + 10 * MIN - 7 * DAY);
    // lambda: 2 ok, 3 failed, 1 skipped (the +4 min pass never called it) → 2/6.
    expect(week.get('lambda')).toEqual({ uptime: 2 / 6, pulls: 5, failures: 3, skipped: 1, avgLatencyMs: 0 });
    expect(week.get('sim')).toEqual({ uptime: 1, pulls: 6, failures: 0, skipped: 0, avgLatencyMs: 0 });
    expect(week.has('runpod')).toBe(false);

    const all = await providerUptime(env.DB, T0 - 9 * DAY);
    expect(all.get('lambda')).toMatchObject({ uptime: 2 / 7, pulls: 6, failures: 4 });
  });

  it('has no average latency for a provider that never answered', async () => {
    await ingestAt(T0, KEYS, down);
    expect((await providerUptime(env.DB, T0 - DAY)).get('lambda')).toEqual({ uptime: 0, pulls: 1, failures: 1, skipped: 0, avgLatencyMs: null });
  });
});
