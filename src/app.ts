// The OpenAPIHono app: middleware order, routes, and the one error path (problem+json).
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './app-env';
import { listPlans } from './billing/plans.handlers';
import { listPlansRoute } from './billing/plans.routes';
import { registerBilling } from './billing';
import { ConfigError, readConfig } from './env';
import { bodyGuard } from './http/body';
import { renderDocs } from './http/docs';
import { Problem, problemResponse, validationProblem } from './http/problem';
import { iso } from './http/time';
import { requestId } from './http/request-id';
import { rateLimit } from './limits/rate-limit.middleware';
import { registerMarket } from './market';
import { registerDeployments } from './deployments';
import { registerAdmin } from './admin';
import { registerOptimizer } from './optimizer';
import { registerAssistant } from './optimizer/assistant';
import { registerPayments } from './billing/payments';
import { registerAlerts } from './alerts';
import { registerAccount } from './tenancy/account';
import { authenticate } from './tenancy/auth.middleware';
import { JwtConfigError } from './tenancy/jwt';
import { registerIdentity } from './tenancy/identity';
import { liveSocket, liveSse } from './live/live.handlers';
import { liveSocketRoute, liveSseRoute } from './live/live.routes';
import { closeWithProblem, isWebSocketUpgrade } from './live/upgrade';

const SOURCE_NAMES: Record<string, string> = { param: 'path', query: 'query', json: 'body', form: 'body', header: 'header', cookie: 'cookie' };

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(result.error, SOURCE_NAMES[result.target] ?? result.target);
    },
  });

  // Order matters: headers and CORS wrap everything (errors included), then request id, then context.
  app.use('*', secureHeaders({ crossOriginResourcePolicy: 'cross-origin' }));
  app.use('/v1/*', cors({ origin: '*', exposeHeaders: ['X-Request-Id', 'X-D1-Bookmark', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'Idempotent-Replayed'], maxAge: 86_400 }));
  app.use('*', requestId);
  app.use('*', async (c, next) => {
    c.set('config', readConfig(c.env));
    // Reads go through a D1 session: served by the nearest replica, yet never older than a
    // bookmark the client sends back (read-your-writes across requests).
    const bookmark = c.req.header('x-d1-bookmark');
    const session = c.env.DB.withSession(bookmark && /^[0-9a-f-]{1,200}$/i.test(bookmark) ? bookmark : 'first-unconstrained');
    c.set('readDb', session);
    await next();
    const latest = session.getBookmark();
    if (latest) c.header('X-D1-Bookmark', latest);
  });
  app.use('/v1/*', bodyGuard);
  app.use('/v1/*', authenticate);
  app.use('/v1/*', rateLimit);

  app.get('/healthz', async (c) => {
    const last = await c.env.DB.prepare(
      `SELECT id, started_at, finished_at, status, offers_seen, duration_ms FROM ingestion_runs
       WHERE finished_at IS NOT NULL ORDER BY started_at DESC LIMIT 1`,
    ).first<{ id: string; started_at: number; finished_at: number; status: string; offers_seen: number; duration_ms: number }>();
    return c.json({
      status: 'ok',
      lastIngestion: last
        ? {
            id: last.id,
            startedAt: iso(last.started_at),
            finishedAt: iso(last.finished_at),
            status: last.status,
            offersSeen: last.offers_seen,
            durationMs: last.duration_ms,
          }
        : null,
    });
  });

  registerMarket(app);
  registerIdentity(app);
  app.openapi(listPlansRoute, listPlans);
  registerBilling(app);
  registerAccount(app);
  registerDeployments(app);
  registerAdmin(app);
  registerOptimizer(app);
  registerAssistant(app);
  registerPayments(app);
  registerAlerts(app);
  app.openapi(liveSocketRoute, liveSocket);
  app.openapi(liveSseRoute, liveSse);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'GPUBroker API',
      version: '0.1.0',
      description:
        'One normalized, fresh GPU market across clouds. Money is decimal USD at the edge (integer micro-dollars inside); ' +
        'times are ISO 8601. Errors are RFC 9457 problem+json.',
    },
    servers: [{ url: '/' }],
  });
  app.get('/docs', (c) => {
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    return c.html(renderDocs(app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'GPUBroker API', version: '0.1.0' } })));
  });

  app.notFound((c) => problemResponse(c, new Problem(404, 'not-found', 'Not found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)));
  app.onError((err, c) => {
    const problem = asProblem(err, c.get('requestId'));
    // A refused WebSocket upgrade is answered as a close frame the client can read.
    return isWebSocketUpgrade(c.req.raw) && c.req.path.startsWith('/v1/live') ? closeWithProblem(c, problem) : problemResponse(c, problem);
  });
  return app;
}

export type App = ReturnType<typeof createApp>;

/** Any thrown value as the problem to answer with; the unexpected ones are logged, never shown. */
function asProblem(err: Error, requestId: string | undefined): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return new Problem(status, status === 400 ? 'invalid-request' : 'http-error', err.message || 'Request failed', err.message);
  }
  if (err instanceof ConfigError || err instanceof JwtConfigError) return new Problem(500, 'misconfigured', 'Server misconfigured', err.message);
  console.error(`request ${requestId} failed:`, err.stack ?? err.message);
  return new Problem(500, 'internal', 'Internal error', 'the server failed; quote the requestId when reporting it');
}
