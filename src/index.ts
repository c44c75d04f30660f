// Worker entry: HTTP API (`fetch`), the cron ingestion (`scheduled`, which also feeds the live price
// rooms and fires price alerts, and runs the reconcile and billing passes), the queue consumers
// (`queue`: deploy jobs and alert deliveries, each with its dead-letter queue), plus the Durable
// Object classes.
import { createApp } from './app';
import type { Bindings } from './env';
import { runIngestion } from './ingest/run';
import { handleDeployJobs } from './deployments/consumer';
import { handleAlertDeliveries, isAlertQueue } from './alerts/delivery';
import { reconcileDeployments } from './deployments/reconcile';
import { retryWebhookEvents } from './billing/payments';
import { describePass, runBillingPass } from './billing/pass';

export { RateLimiter } from './limits/rate-limiter';
export { PriceRoom } from './live/price-room';
export { AgentContainer } from './deployments/agent-container';

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (isAlertQueue(batch.queue)) await handleAlertDeliveries(batch, env);
    else await handleDeployJobs(batch, env);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      retryWebhookEvents(env).then(
        (r) => {
          if (r.tried > 0) console.log(`payment webhooks retried: ${JSON.stringify(r)}`);
        },
        (err) => console.error(`payment webhook retry failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
      ),
    );
    ctx.waitUntil(
      reconcileDeployments(env).then(
        (r) => {
          if (r.repaired + r.resent + r.stuck + r.budgetStops + r.orphansTerminated > 0) console.log(`reconcile: ${JSON.stringify(r)}`);
        },
        (err) => console.error(`reconcile failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
      ),
    );
    ctx.waitUntil(
      runBillingPass(env).then(
        (r) => {
          const line = describePass(r);
          if (line) console.log(line);
        },
        (err) => console.error(`billing pass failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
      ),
    );
    ctx.waitUntil(
      runIngestion(env).then((report) => {
        const failed = report.providers.filter((p) => p.outcome === 'failed').map((p) => `${p.provider} (${p.reason})`);
        console.log(
          `ingestion ${report.runId ?? report.skipped}: ${report.offersSeen} offers, ${report.changedOfferIds.length} changed, ` +
            `${report.markedUnavailable} stale, ${report.deleted} deleted in ${report.durationMs} ms` +
            (report.live ? `; live: ${report.live.mode} to ${report.live.rooms} rooms in ${report.live.ms} ms` : '') +
            (report.alerts
              ? `; alerts: ${report.alerts.activeAlerts} active (${report.alerts.fullChecks} checked in full), ` +
                `${report.alerts.newMatches} new matches, ${report.alerts.clearedMatches} cleared, ` +
                `${report.alerts.webhookDeliveries + report.alerts.liveDeliveries} deliveries in ${report.alerts.ms} ms`
              : '') +
            (failed.length ? `; failed: ${failed.join(', ')}` : ''),
        );
      }),
    );
  },
} satisfies ExportedHandler<Bindings>;
