// The agent as a Node process (locally, and in its Cloudflare Container): reads and checks the
// environment, serves the app with @hono/node-server, and shuts down cleanly on SIGTERM.
import { serve } from '@hono/node-server';
import { createAgent } from './app';
import { systemClock } from './clock';
import { parseConfig } from './config';
import { jsonLogger as log } from './log';
import { createProviders } from './providers/registry';

const parsed = parseConfig(process.env);
if (!parsed.ok) {
  log('error', 'invalid configuration; not starting', { errors: parsed.errors.join('; ') });
  process.exit(1);
}
const config = parsed.config;
const fetchFn: typeof fetch = (input, init) => fetch(input, init);
const providers = createProviders(config, { fetch: fetchFn, clock: systemClock, log });
const agent = createAgent({ config, providers, clock: systemClock, fetch: fetchFn, log });

const server = serve({ fetch: agent.app.fetch, port: config.port, hostname: config.host }, (info) => {
  log('info', 'agent listening', { host: config.host, port: info.port, providers: [...providers.keys()].join(',') });
});

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  log('info', 'shutting down', { signal, watchedPods: agent.watcher.size });
  // Do not wait forever on a slow callback: the container runtime kills us soon anyway.
  setTimeout(() => process.exit(0), 5000).unref();
  server.close();
  void agent.close().then(() => process.exit(0));
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
