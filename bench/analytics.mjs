#!/usr/bin/env node
// `npm run bench:analytics`: what the market analytics cost, on the 100,000-offer simulated market.
//
//   1. the API (wrangler's dev server, inspector off, as `npm run bench` runs it) ingests the market
//      BENCH_INGEST_RUNS times (one cold, the rest a minute apart so prices move): stored durationMs;
//   2. with the API stopped (two workerd processes on one SQLite file fail each other with SQLITE_BUSY),
//      bench/worker/summary.ts runs the ingestion's summary refresh alone on the same database,
//      alternating the pre-analytics statements (base) and today's (current), BENCH_REFRESH_RUNS each;
//      then seeds 14 days of 5-minute price history for H100-80GB so the forecast has data;
//   3. the API again: autocannon (BENCH_CONNECTIONS, 2 s warm-up, BENCH_DURATION s) on /v1/gpus (the
//      reference), /v1/market/summary, /v1/market/providers and /v1/gpus/H100-80GB/forecast; p50 and
//      p99 from every 2xx response time.
// Prints a markdown report and writes bench/results/analytics.json. Stops everything it started.
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unstable_startWorker } from 'wrangler';
import { cpuTicksOf, foreignCpuPct, freePort, median, percentile, round, sleep } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const OFFERS = num('BENCH_OFFERS', 100_000);
const INGEST_RUNS = Math.max(1, num('BENCH_INGEST_RUNS', 3));
const REFRESH_RUNS = Math.max(1, num('BENCH_REFRESH_RUNS', 5));
const CONNECTIONS = num('BENCH_CONNECTIONS', 8);
const DURATION_S = num('BENCH_DURATION', 10);
const log = (m) => console.error(`[bench:analytics] ${m}`);

const dir = mkdtempSync(join(os.tmpdir(), 'gpubroker-bench-analytics-'));
const persist = join(dir, 'state');
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const vars = {
  ENVIRONMENT: 'development',
  SIM_ENABLED: 'true',
  SIM_SEED: 'bench',
  SIM_OFFERS: String(OFFERS),
  PROVIDERS_DISABLED: 'vastai',
  PROVIDER_TIMEOUT_MS: '120000',
  ANON_RATE_LIMIT_PER_MIN: '100000',
  JWT_PRIVATE_KEY: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: `bench-${randomUUID().slice(0, 8)}` }),
};
mkdirSync(persist, { recursive: true });
const envFile = join(dir, 'worker.env');
// dotenv: single quotes keep a value literal (the JSON key included).
writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n', { mode: 0o600 });

const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const r = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
});
if (r.status !== 0) throw new Error(`migrations failed: ${r.stderr}`);

let current = null;
async function start(config) {
  const port = await freePort();
  const worker = await unstable_startWorker({
    config,
    envFiles: [envFile],
    dev: { server: { hostname: '127.0.0.1', port }, persist, inspector: false, logLevel: 'error', testScheduled: true, enableContainers: false },
  });
  await worker.ready;
  current = worker;
  return { worker, base: `http://127.0.0.1:${port}` };
}
async function stop() {
  if (current) await current.dispose().catch(() => {});
  current = null;
}
async function cleanup() {
  await stop();
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
const timeout = setTimeout(() => {
  log('timed out after 30 minutes');
  cleanup().then(() => process.exit(2));
}, 30 * 60_000);

process.on('uncaughtException', (err) => {
  log(`failed: ${err.stack ?? err}`);
  cleanup().then(() => process.exit(1));
});
process.on('unhandledRejection', (err) => {
  log(`failed: ${err?.stack ?? err}`);
  cleanup().then(() => process.exit(1));
});

const getJson = async (url) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
};
const cpu = () => cpuTicksOf([process.pid]);

// 1. Ingestion.
let api = await start(join(root, 'wrangler.toml'));
const ingestions = [];
for (let i = 0; i < INGEST_RUNS; i++) {
  if (i > 0) {
    const wait = 60_000 - (Date.now() % 60_000) + 250;
    log(`waiting ${Math.round(wait / 1000)} s for the next minute, so the simulated prices move`);
    await sleep(wait);
  }
  const before = (await getJson(`${api.base}/healthz`)).lastIngestion?.id ?? null;
  log(`ingestion ${i + 1}/${INGEST_RUNS} (${OFFERS} offers)`);
  const cpu0 = cpu();
  await fetch(`${api.base}/__scheduled?cron=${encodeURIComponent('* * * * *')}`, { signal: AbortSignal.timeout(300_000) });
  // A busy Worker may not answer /healthz until the ingestion ends: poll until a deadline, not a count.
  let last = null;
  for (const deadline = Date.now() + 15 * 60_000; Date.now() < deadline; await sleep(250)) {
    last = (await getJson(`${api.base}/healthz`).catch(() => null))?.lastIngestion ?? null;
    if (last && last.id !== before && last.finishedAt) break;
  }
  ingestions.push({ run: i + 1, offers: last?.offersSeen, status: last?.status, durationMs: last?.durationMs, foreignCpuPct: foreignCpuPct(cpu0, cpu()) });
  log(`  stored durationMs ${last?.durationMs} (${last?.status})`);
}
await stop();

// 2. The summary refresh alone, before and after the analytics.
const summary = await start(join(root, 'bench', 'worker', 'summary.toml'));
const refresh = { base: [], current: [] };
for (let i = 0; i < REFRESH_RUNS; i++) {
  for (const variant of ['base', 'current']) {
    const { ms } = await getJson(`${summary.base}/refresh?variant=${variant}`);
    refresh[variant].push(ms);
  }
}
log(`refresh base ${refresh.base.join('/')} ms, current ${refresh.current.join('/')} ms`);
const seeded = await getJson(`${summary.base}/seed-history?model=H100-80GB&days=14`);
log(`seeded ${seeded.rows} history buckets`);
await stop();

// 3. The endpoints.
api = await start(join(root, 'wrangler.toml'));
// /v1/gpus (an existing route that also reads market_summary) is the reference: under a busy machine
// absolute latencies mean little, the ratio to it more.
const ENDPOINTS = ['/v1/gpus', '/v1/market/summary', '/v1/market/providers', '/v1/gpus/H100-80GB/forecast?horizonHours=24'];
function cannon(url, seconds) {
  const latencies = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections: CONNECTIONS, duration: seconds }, (err, result) => (err ? reject(err) : resolve({ result, latencies })));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}
const endpoints = [];
for (const path of ENDPOINTS) {
  const body = await getJson(api.base + path);
  const check = path.includes('forecast') ? `${body.forecast.length} forecast points, back-test MAE $${body.backtest?.maeUsd}` : `${body.data.length} rows`;
  if (path.includes('forecast') && body.forecast.length === 0) throw new Error(`the forecast is empty: ${body.reason}`);
  log(`${path}: ${check}`);
  await cannon(api.base + path, 2);
  const cpu0 = cpu();
  const { result, latencies } = await cannon(api.base + path, DURATION_S);
  latencies.sort((a, b) => a - b);
  endpoints.push({
    path,
    check,
    requests: result['2xx'],
    non2xx: result.non2xx,
    rps: round(result['2xx'] / result.duration, 0),
    p50: round(percentile(latencies, 50), 2),
    p99: round(percentile(latencies, 99), 2),
    foreignCpuPct: foreignCpuPct(cpu0, cpu()),
  });
}
await stop();
clearTimeout(timeout);

const out = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}`,
  offers: OFFERS,
  ingestions,
  refresh: { ...refresh, baseMedian: median(refresh.base), currentMedian: median(refresh.current) },
  endpoints,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'analytics.json'), JSON.stringify(out, null, 2));

console.log(`\n### Market analytics (${out.date}, ${out.machine}, ${OFFERS} simulated offers)\n`);
console.log('| Ingestion | Offers | Stored durationMs | Other CPU |');
console.log('| --- | --- | --- | --- |');
for (const m of ingestions) console.log(`| ${m.run}${m.run === 1 ? ' (cold)' : ''} | ${m.offers} | ${m.durationMs} | ${m.foreignCpuPct}% |`);
console.log(`\nSummary refresh alone (ms, ${REFRESH_RUNS} alternating runs each): before the analytics ${refresh.base.join(' / ')} ` +
  `(median ${out.refresh.baseMedian}); now ${refresh.current.join(' / ')} (median ${out.refresh.currentMedian}).\n`);
console.log(`| Endpoint (${CONNECTIONS} connections, ${DURATION_S} s) | Answer | req/s | p50 ms | p99 ms | non-2xx | Other CPU |`);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const e of endpoints) console.log(`| \`${e.path}\` | ${e.check} | ${e.rps} | ${e.p50} | ${e.p99} | ${e.non2xx} | ${e.foreignCpuPct}% |`);
await cleanup();
process.exit(0);
