// The agent's HTTP app. Built by a function from its settings, providers, clock and fetch, so the
// same app runs under @hono/node-server (main.ts), in a Cloudflare Container, and in tests through
// `app.request`. Web APIs only from here down.
import { Hono } from 'hono';
import { requireSignature, type AgentEnv } from './auth';
import { deliverEvent } from './callbacks';
import { systemClock, type Clock } from './clock';
import type { AgentConfig } from './config';
import { fieldErrors, JobSchema } from './job-schema';
import { JobRunner } from './jobs';
import { jsonLogger, type Logger } from './log';
import { podView } from './pods';
import { AgentProblem, invalidRequest, notConfigured, problemResponse, toProblem } from './problem';
import { PROVIDER_IDS, type PodProvider, type ProviderId, type ProviderRegistry } from './providers/types';
import { Watcher } from './watcher';

export interface AgentDeps {
  config: AgentConfig;
  providers: ProviderRegistry;
  clock?: Clock;
  fetch?: typeof fetch;
  log?: Logger;
}

export interface Agent {
  app: Hono<AgentEnv>;
  jobs: JobRunner;
  watcher: Watcher;
  /** Stops watching pods; in-flight callbacks give up. For SIGTERM and the end of a test. */
  close(): Promise<void>;
}

const isProviderId = (value: string | undefined): value is ProviderId => (PROVIDER_IDS as readonly string[]).includes(value ?? '');

export function createAgent(deps: AgentDeps): Agent {
  const { config, providers } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? jsonLogger;
  const callbackFetch = deps.fetch ?? ((input, init) => fetch(input, init));
  const watcher = new Watcher({
    clock,
    log,
    pollMs: config.pollMs,
    deliver: (url, event, signal) => deliverEvent(url, event, { secret: config.secret, fetch: callbackFetch, clock, log, ...config.callback }, signal),
  });
  const jobs = new JobRunner({ providers, watcher, clock, log });

  const providerFor = (field: string, id: string | undefined): PodProvider => {
    if (!isProviderId(id)) throw invalidRequest([{ field, message: `one of ${PROVIDER_IDS.join(', ')}` }]);
    const provider = providers.get(id);
    if (!provider) throw notConfigured(id);
    return provider;
  };

  const app = new Hono<AgentEnv>();

  app.onError((err, c) => {
    const problem = toProblem(err);
    if (problem.status === 500) log('error', 'unhandled error', { path: c.req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return problemResponse(problem);
  });
  app.notFound((c) => problemResponse(new AgentProblem(404, 'not_found', `no route ${c.req.method} ${c.req.path}`, false)));

  app.get('/healthz', (c) => c.json({ status: 'ok', providers: [...providers.keys()] }));

  app.use('/v1/*', requireSignature(config.secret, clock));

  app.post('/v1/jobs', async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(c.var.rawBody);
    } catch {
      throw invalidRequest([{ field: 'body', message: 'not valid JSON' }]);
    }
    const parsed = JobSchema.safeParse(body);
    if (!parsed.success) throw invalidRequest(fieldErrors(parsed.error, 'body'));
    return c.json(await jobs.run(parsed.data));
  });

  app.get('/v1/pods/:provider/:podId', async (c) => {
    const provider = providerFor('path.provider', c.req.param('provider'));
    const podId = c.req.param('podId');
    const pod = await provider.status(podId);
    return c.json(podView(provider.id, podId, pod, clock.now()));
  });

  app.get('/v1/pods', async (c) => {
    const provider = providerFor('query.provider', c.req.query('provider'));
    const now = clock.now();
    const pods = await provider.list();
    return c.json({ pods: pods.map((pod) => podView(provider.id, pod.podId, pod, now)) });
  });

  return { app, jobs, watcher, close: () => watcher.close() };
}
