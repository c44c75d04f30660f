// Provider reliability from the hourly health history the ingestion writes (`provider_health_hourly`):
// for the market analytics endpoint and for ranking offers by how dependable their provider's prices are.

/** What one provider's pulls looked like since a given time. */
export interface ProviderUptime {
  /** Share of passes in which a pull succeeded, 0–1: ok / (ok + failed + skipped while the circuit was open). */
  uptime: number;
  /** Pulls attempted (ok + failed); circuit-open skips are not pulls. */
  pulls: number;
  /** Pulls that failed (timeout, 5xx, bad response, auth...). */
  failures: number;
  /** Passes that skipped the provider because its circuit breaker was open (it was down). */
  skipped: number;
  /** Mean duration of the successful pulls, ms; null when none succeeded. */
  avgLatencyMs: number | null;
}

interface UptimeRow {
  provider: string;
  ok: number;
  failed: number;
  skipped: number;
  latency: number;
}

const HOUR_MS = 3_600_000;

/**
 * Uptime per provider over the hours from the one holding `sinceMs` to now (hour granularity: the
 * history has one row per provider and hour). Providers with no pass in that time are absent, so
 * callers can tell "never pulled" from "always failing".
 */
export async function providerUptime(db: D1Database | D1DatabaseSession, sinceMs: number): Promise<Map<string, ProviderUptime>> {
  const { results } = await db
    .prepare(
      `SELECT provider, SUM(pulls_ok) AS ok, SUM(pulls_failed) AS failed, SUM(skipped) AS skipped, SUM(latency_ms_sum) AS latency
       FROM provider_health_hourly WHERE hour_start >= ?1 GROUP BY provider`,
    )
    .bind(Math.floor(sinceMs / HOUR_MS) * HOUR_MS)
    .all<UptimeRow>();
  const out = new Map<string, ProviderUptime>();
  for (const r of results) {
    const passes = r.ok + r.failed + r.skipped;
    if (passes === 0) continue;
    out.set(r.provider, {
      uptime: r.ok / passes,
      pulls: r.ok + r.failed,
      failures: r.failed,
      skipped: r.skipped,
      avgLatencyMs: r.ok > 0 ? Math.round(r.latency / r.ok) : null,
    });
  }
  return out;
}
