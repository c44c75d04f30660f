import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import instanceTypes from '../../src/providers/fixtures/lambda/instance-types.json';
import { runIngestion } from '../../src/ingest/run';
import { ingestAt, routeFetch, testEnv } from '../helpers';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;

interface HourRow {
  provider: string;
  hour_start: number;
  pulls_ok: number;
  pulls_failed: number;
  skipped: number;
  latency_ms_sum: number;
  offers_max: number;
}

async function hours(provider: string): Promise<HourRow[]> {
  const { results } = await env.DB.prepare('SELECT * FROM provider_health_hourly WHERE provider = ?1 ORDER BY hour_start')
    .bind(provider)
    .all<HourRow>();
  return results;
}

const down = routeFetch({ '': () => new Response('down', { status: 500 }) });
const lambdaUp = routeFetch({ '/instance-types': () => Response.json(instanceTypes) });

describe('provider health history', () => {
  it('counts each pass as ok, failed or skipped (circuit open) in the provider’s hour', async () => {
    const keys = { LAMBDA_API_KEY: 'secret_x', CIRCUIT_COOLDOWN_SECONDS: '300' };
    // Three failures open lambda's circuit; the pass at +3 min skips it; the trial at +8 min fails again.
    for (const minute of [0, 1, 2, 3, 8]) await ingestAt(T0 + minute * MIN, keys, down);
    expect(await hours('lambda')).toEqual([
      { provider: 'lambda', hour_start: T0, pulls_ok: 0, pulls_failed: 4, skipped: 1, latency_ms_sum: 0, offers_max: 0 },
    ]);
    expect(await hours('sim')).toMatchObject([{ hour_start: T0, pulls_ok: 5, pulls_failed: 0, skipped: 0, offers_max: 300 }]);
  });

  it('starts a new row each UTC hour and keeps the largest pull of the hour', async () => {
    await ingestAt(T0 + 10 * MIN, { SIM_OFFERS: '200' });
    await ingestAt(T0 + 59 * MIN, { SIM_OFFERS: '250' });
    await ingestAt(T0 + 61 * MIN, { SIM_OFFERS: '100' });
    expect(await hours('sim')).toMatchObject([
      { hour_start: T0, pulls_ok: 2, offers_max: 250 },
      { hour_start: T0 + HOUR, pulls_ok: 1, offers_max: 100 },
    ]);
  });

  it('sums the latency of successful pulls, as the ingestion measured them', async () => {
    // A clock that runs (from T0) makes pulls take real time; each latency is reported per pass.
    const started = Date.now();
    const clock = () => T0 + (Date.now() - started);
    const reports = [];
    for (let i = 0; i < 3; i++) {
      reports.push(await runIngestion(testEnv({ LAMBDA_API_KEY: 'secret_x' }), { now: clock, fetch: lambdaUp }));
    }
    const lambda = reports.map((r) => r.providers.find((p) => p.provider === 'lambda')!);
    expect(lambda.every((p) => p.outcome === 'ok')).toBe(true);
    const [row] = await hours('lambda');
    expect(row).toMatchObject({ pulls_ok: 3, pulls_failed: 0, latency_ms_sum: lambda.reduce((a, p) => a + p.latencyMs!, 0) });
    expect(row!.offers_max).toBe(lambda[0]!.offers);
  });

  it('writes nothing for providers the deployment does not pull (no key, disabled)', async () => {
    await ingestAt(T0);
    const { results } = await env.DB.prepare('SELECT DISTINCT provider FROM provider_health_hourly').all<{ provider: string }>();
    expect(results.map((r) => r.provider)).toEqual(['sim']);
  });

  it('deletes hours older than HISTORY_RETENTION_DAYS', async () => {
    await ingestAt(T0, { HISTORY_RETENTION_DAYS: '1' });
    await ingestAt(T0 + 23 * HOUR, { HISTORY_RETENTION_DAYS: '1' });
    expect((await hours('sim')).map((r) => r.hour_start)).toEqual([T0, T0 + 23 * HOUR]);
    await ingestAt(T0 + 25 * HOUR, { HISTORY_RETENTION_DAYS: '1' });
    expect((await hours('sim')).map((r) => r.hour_start)).toEqual([T0 + 23 * HOUR, T0 + 25 * HOUR]);
  });
});
