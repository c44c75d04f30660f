// Provider health endpoint: adapter list, health rows from ingestion, and live offer counts.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import type { HealthRow } from '../ingest/health';
import { isoOrNull } from '../http/time';
import { planProviders } from '../providers/registry';
import type { listProvidersRoute } from './providers.routes';

/** A provider's status as the API shows it: `down` while its circuit is open, `unknown` before its first pull. */
export function providerStatus(h: HealthRow | undefined, now: number): HealthRow['status'] | 'unknown' {
  if (!h) return 'unknown';
  return h.circuit_open_until != null && h.circuit_open_until > now ? 'down' : h.status;
}

export const listProviders: RouteHandler<typeof listProvidersRoute, AppEnv> = async (c) => {
  const db = c.var.readDb;
  const now = Date.now();
  const [health, counts, unknown] = await Promise.all([
    db.prepare('SELECT * FROM provider_health').all<HealthRow>(),
    db
      .prepare(
        `SELECT provider, COUNT(*) AS total, SUM(availability <> 'unavailable') AS listed, MAX(observed_at) AS newest
         FROM offers GROUP BY provider`,
      )
      .all<{ provider: string; total: number; listed: number; newest: number | null }>(),
    db
      .prepare(
        `SELECT provider, raw_name, offer_count FROM unknown_gpu_names
         WHERE last_seen_at >= ?1 ORDER BY offer_count DESC LIMIT 200`,
      )
      .bind(now - 86_400_000)
      .all<{ provider: string; raw_name: string; offer_count: number }>(),
  ]);
  const data = planProviders(c.var.config).map((plan) => {
    const adapter = plan.enabled ? plan.setup.adapter : plan.adapter;
    const h = health.results.find((r) => r.provider === adapter.id);
    const n = counts.results.find((r) => r.provider === adapter.id);
    const open = h?.circuit_open_until != null && h.circuit_open_until > now;
    return {
      id: adapter.id,
      name: adapter.displayName,
      docsUrl: adapter.docsUrl,
      enabled: plan.enabled,
      disabledReason: plan.enabled ? null : plan.reason,
      status: providerStatus(h, now),
      lastAttemptAt: isoOrNull(h?.last_attempt_at ?? null),
      lastSuccessAt: isoOrNull(h?.last_success_at ?? null),
      lastErrorAt: isoOrNull(h?.last_error_at ?? null),
      lastError: h?.last_error ?? null,
      lastErrorKind: h?.last_error_kind ?? null,
      latencyMs: h?.latency_ms ?? null,
      consecutiveFailures: h?.consecutive_failures ?? 0,
      circuitOpenUntil: open ? isoOrNull(h.circuit_open_until) : null,
      offers: {
        total: n?.total ?? 0,
        listed: n?.listed ?? 0,
        lastPull: h?.offer_count ?? 0,
        skippedLastPull: h?.skipped_count ?? 0,
        unknownGpu: h?.unknown_gpu_count ?? 0,
      },
      unknownGpuNames: unknown.results.filter((u) => u.provider === adapter.id).map((u) => ({ name: u.raw_name, offers: u.offer_count })),
      freshness: {
        newestObservedAt: isoOrNull(n?.newest ?? null),
        ageSeconds: n?.newest != null ? Math.max(0, Math.floor((now - n.newest) / 1000)) : null,
      },
    };
  });
  return c.json({ data }, 200);
};
