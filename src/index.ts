// Worker entry: HTTP API (`fetch`) and the cron ingestion (`scheduled`, which also feeds the live price
// rooms), plus the Durable Object classes.
import { createApp } from './app';
import type { Bindings } from './env';
import { runIngestion } from './ingest/run';

export { RateLimiter } from './limits/rate-limiter';
export { PriceRoom } from './live/price-room';

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      runIngestion(env).then((report) => {
        const failed = report.providers.filter((p) => p.outcome === 'failed').map((p) => `${p.provider} (${p.reason})`);
        console.log(
          `ingestion ${report.runId ?? report.skipped}: ${report.offersSeen} offers, ${report.changedOfferIds.length} changed, ` +
            `${report.markedUnavailable} stale, ${report.deleted} deleted in ${report.durationMs} ms` +
            (failed.length ? `; failed: ${failed.join(', ')}` : ''),
        );
      }),
    );
  },
} satisfies ExportedHandler<Bindings>;
