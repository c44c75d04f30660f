#!/usr/bin/env node
// Serves one Worker locally for `npm run bench` the way `wrangler dev` does — wrangler's own dev
// server (`unstable_startWorker`: the same ProxyWorker + miniflare/workerd, local D1 and Durable
// Objects, --persist-to, --env-file) — with one difference the CLI cannot express: the inspector is
// off. `wrangler dev` always attaches its InspectorProxyWorker to the Worker's V8 inspector, which
// turns every subrequest (each D1 query, each Durable Object call) into devtools Network events that
// it parses and posts to the wrangler Node process: a per-request cost production never pays.
//
//   node bench/dev-server.mjs <wrangler.toml> <port> <persist-dir> <env-file> [log-level] [inspector 0|1]
//
// Prints `ready <url>` when it serves; stops the Worker on SIGTERM/SIGINT.
import { unstable_startWorker } from 'wrangler';

const [config, port, persist, envFile, logLevel = 'warn', inspector = '0'] = process.argv.slice(2);
if (!config || !port || !persist || !envFile) {
  console.error('usage: dev-server.mjs <wrangler.toml> <port> <persist-dir> <env-file> [log-level] [inspector 0|1]');
  process.exit(2);
}

const worker = await unstable_startWorker({
  config,
  envFiles: [envFile],
  dev: {
    server: { hostname: '127.0.0.1', port: Number(port) },
    persist,
    inspector: inspector === '1' ? { hostname: '127.0.0.1', port: 0 } : false,
    logLevel,
    testScheduled: true,
  },
});
await worker.ready;
console.log(`ready ${await worker.url}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(1), 5_000);
  try {
    await worker.dispose();
  } finally {
    clearTimeout(timer);
    process.exit(0);
  }
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
