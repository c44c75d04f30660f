#!/usr/bin/env node
// `npm run bench`: measures, from a clean local state, what the issue's performance targets are about
// and prints a markdown report (also bench/results/latest.json; bench/results/ is gitignored).
//
//   1. builds the API (src/index.ts) and the floor Worker (bench/worker/bare.ts) once with
//      `wrangler deploy --dry-run`, and serves each bundle (no_bundle) with wrangler's dev server
//      (bench/dev-server.mjs) on its own port, one at a time, on one local D1 database
//      (persisted in bench/results/state);
//   2. ingestion: triggers the cron (100k simulated offers) several times; wall time, stored
//      duration, peak RSS of the workerd processes (VmRSS every 50 ms, and VmHWM);
//   3. search latency: autocannon (32 connections, 2 s warm-up, 10 s measured) on three searches;
//   4. the same searches against the floor Worker, which runs the identical SQL (buildOfferSearch)
//      with nothing around it; ratios API/floor;
//   5. EXPLAIN QUERY PLAN of every sort key with and without a GPU filter, before and after ANALYZE;
//   6. authenticated requests (API server, before the floor): signs up tenants (PLAN_RATE_LIMIT_MULTIPLIER
//      =1000 in the env file, so a free tenant has 10,000/min), then interleaves anonymous and API-key
//      rounds of the main search, and anonymous / API-key / access-token (JWT) rounds of /v1/plans;
//      then one fresh tenant floods /v1/plans for 20 s: limiter decisions/s (2xx + 429), admitted vs
//      refused, against burst + refill. A throwaway JWT signing key is generated for the run;
//   7. stops everything it started (process groups), also on failure or Ctrl-C.
//
// Why bundles and --no-bundle instead of plain `wrangler dev` on src/: wrangler dev rebuilds and
// restarts the Worker whenever a file esbuild read changes (src/**, tsconfig.json, package.json). A
// restart in the middle of an ingestion kills it and leaves its lease held for
// PROVIDER_TIMEOUT_MS + 120 s, so a benchmark on a tree someone is editing measures nothing. A bundle
// taken at the start is a fixed snapshot, and it is the very script `wrangler deploy` ships (no
// dev-only middleware). Without wrangler's bundling step `--test-scheduled`'s /__scheduled route does
// not exist, so the cron is triggered through miniflare's own /cdn-cgi/handler/scheduled, which runs
// the same `scheduled` handler and answers when its waitUntil work is done.
//
// Why bench/dev-server.mjs instead of the `wrangler dev` CLI: the CLI always attaches wrangler's
// inspector proxy, which costs the wrangler Node process and the proxy workerd a devtools round trip
// per D1 query or Durable Object call (measured: the floor's no-filter search went from ~280 to ~550
// req/s when it was switched off). The dev server is the same code with `dev.inspector: false`.
// BENCH_LAUNCHER=cli runs the CLI instead. Searches are sent straight to the workerd process that runs
// the Worker (BENCH_VIA=direct, the default), not through wrangler's ProxyWorker, another dev-only hop
// that on 2 cores caps even an empty answer at ~1,700 req/s; one run of the main search through the
// proxy is reported for comparison. BENCH_VIA=proxy measures everything through the proxy. The
// ingestion is triggered and watched directly too: a request that reaches the ProxyWorker while the
// Worker is busy storing offers can hang for good (seen: no answer after 60 s, while the same request
// sent directly was answered once the ingestion ended). Requests sent directly during an ingestion
// sometimes fail with a socket error instead; they are retried (GET) and counted.
//
// Settings (environment): BENCH_CONNECTIONS (32), BENCH_DURATION (10 s), BENCH_WARMUP (2 s),
// BENCH_RUNS (3: runs of the main search per target), BENCH_VARIANT_RUNS (1: of the other searches),
// BENCH_INGEST_RUNS (4: one cold, the rest steady state), BENCH_PROBES (1: also measure two API
// routes without the search, and the floor with a candidate SQL fix; 0 skips them),
// BENCH_LOG_LEVEL (warn; `info` logs every request through wrangler, as `npm start` does),
// BENCH_TIMEOUT_S (900, whole run), BENCH_STRICT (1: exit 2 when a target is missed),
// BENCH_AUTH (1; 0 skips the authenticated section), BENCH_AUTH_ROUNDS (3 rounds of each kind).
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { relocated, withoutAssets, withoutContainers } from '../scripts/lib/wrangler-toml.mjs';
import { cpuTicksOf, directUrl, foreignCpuPct, freePort, mb, median, memKb, percentile, round, sleep, stopProc, workerdOf } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');
const stateDir = join(resultsDir, 'state');
const buildDir = join(resultsDir, 'build');
const envFile = join(resultsDir, 'bench.env');
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const childEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_UPDATE_NOTIFIER: '1', CI: 'true', FORCE_COLOR: '0' };

const num = (name, fallback) => {
  const v = process.env[name];
  const n = v === undefined || v === '' ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
};
const CONNECTIONS = num('BENCH_CONNECTIONS', 32);
const DURATION_S = num('BENCH_DURATION', 10);
const WARMUP_S = num('BENCH_WARMUP', 2);
const RUNS = num('BENCH_RUNS', 3);
const VARIANT_RUNS = num('BENCH_VARIANT_RUNS', 1);
const PROBES = process.env.BENCH_PROBES !== '0';
const INGEST_RUNS = Math.max(2, num('BENCH_INGEST_RUNS', 4));
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'warn';
const TIMEOUT_S = num('BENCH_TIMEOUT_S', 900);
const STRICT = process.env.BENCH_STRICT === '1';
const LAUNCHER = process.env.BENCH_LAUNCHER === 'cli' ? 'cli' : 'api';
const VIA = process.env.BENCH_VIA === 'proxy' ? 'proxy' : 'direct';

const SIM_OFFERS = 100_000;
const ENV_VARS = {
  ENVIRONMENT: 'development',
  SIM_ENABLED: 'true',
  SIM_OFFERS: String(SIM_OFFERS),
  SIM_SEED: 'bench',
  PROVIDERS_DISABLED: 'vastai',
  PROVIDER_TIMEOUT_MS: '120000',
  // The search is measured through the whole /v1 middleware chain, rate limiter included, as an
  // anonymous caller; at the default 60 per minute nearly every request would be a 429.
  ANON_RATE_LIMIT_PER_MIN: '100000',
  // Every plan's requests/min × 1000 (a free tenant: 10,000/min, also its burst), so that an
  // authenticated round does not run its tenant dry; the limiter-decisions run relies on it staying
  // low enough that a 10 s flood from one tenant is mostly refused after the burst.
  PLAN_RATE_LIMIT_MULTIPLIER: '1000',
};
const CRON_PATH = `/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('* * * * *').replace(/%20/g, '+')}`;

// The searches. `api` is the query string the API parses; `bare` names the same query, already
// parsed, in bench/worker/bare.ts (QUERIES). The correctness check proves both return the same rows.
const SEARCHES = [
  { name: 'main', runs: RUNS, label: '2 GPUs + max price + min count, sort pricePerGpuHour', api: 'gpu=H100-80GB,A100-80GB&maxPricePerGpuHour=3&minGpuCount=2&sort=pricePerGpuHour&limit=50' },
  { name: 'single', runs: VARIANT_RUNS, label: '1 GPU + on_demand + min count, sort price', api: 'gpu=H100-80GB&pricing=on_demand&minGpuCount=2&sort=price' },
  { name: 'nofilter', runs: VARIANT_RUNS, label: 'no filter, default sort', api: '' },
];
// API routes that do not search: the fixed cost of a request. /healthz skips the /v1 chain (auth,
// rate limiter) and runs one tiny D1 query; /v1/plans runs the whole /v1 chain and no D1 query.
const PROBE_ROUTES = [
  { name: 'healthz', path: '/healthz', label: 'global middleware + 1 small D1 query, no /v1 chain' },
  { name: 'plans', path: '/v1/plans', label: 'full /v1 chain (auth, rate limiter DO), no D1 query' },
];
// The floor with a candidate fix to the SQL (bench/worker/bare.ts plusVariant).
const FIX_SEARCHES = ['main', 'single'];
const SORTS = ['price', 'pricePerGpuHour', 'vram', 'gpuCount', 'observedAt'];
const EXPLAIN_GPU = 'H100-80GB';

const TARGETS = { p99Ms: 25, rps: 1500, ratio: 1.3, ingestMs: 10_000, authAddedP50Ms: 1.5 };
const AUTH = process.env.BENCH_AUTH !== '0';
const AUTH_ROUNDS = num('BENCH_AUTH_ROUNDS', 3);
// Tenants per authenticated /v1/plans round: that route runs at a few thousand req/s, more than one
// free tenant's 10,000 burst + 167/s refill covers for 12 s; each gets CONNECTIONS / n connections.
const PLANS_TENANTS = 4;
// Long enough to go well past a free tenant's 10,000 burst at the ~1,000 req/s an authenticated
// request runs at here (10 s would end before the first 429).
const DECISION_S = 20;

// ---------------------------------------------------------------- small helpers

const log = (message) => console.error(`[bench] ${message}`);

class BenchError extends Error {}

function run(cmd, args, options = {}) {
  const res = spawnSync(cmd, args, { cwd: root, env: childEnv, encoding: 'utf8', timeout: 120_000, ...options });
  if (res.status !== 0) {
    throw new BenchError(`${[cmd, ...args].join(' ')} failed (${res.status ?? res.signal}):\n${(res.stdout ?? '') + (res.stderr ?? '')}`.slice(0, 4000));
  }
  return res.stdout;
}

let fetchRetries = 0;

async function fetchJson(url, timeoutMs = 30_000) {
  let res;
  // A keep-alive connection the server closed while idle fails the next request ("fetch failed",
  // cause "other side closed"); a GET is safe to send again, at most twice.
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      break;
    } catch (err) {
      if (err?.name === 'TimeoutError' || attempt >= 3) {
        if (err?.cause) err.message += ` (${err.cause.code ?? ''} ${err.cause.message ?? err.cause})`;
        throw err;
      }
      fetchRetries++;
      log(`GET ${url} failed (${err?.cause?.code ?? err?.cause?.message ?? err.message}); retrying`);
      await sleep(200);
    }
  }
  const text = await res.text();
  if (!res.ok) throw new BenchError(`GET ${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

// ---------------------------------------------------------------- processes

const children = new Set();

function startDev(name, config, port, inspectorPort) {
  const logPath = join(resultsDir, `${name}.log`);
  const out = createWriteStream(logPath);
  const [cmd, args] =
    LAUNCHER === 'cli'
      ? [wrangler, ['dev', '-c', config, '--port', String(port), '--ip', '127.0.0.1', '--inspector-port', String(inspectorPort),
          '--persist-to', stateDir, '--env-file', envFile, '--test-scheduled', '--log-level', LOG_LEVEL, '--show-interactive-dev-session=false']]
      : [process.execPath, [join(root, 'bench', 'dev-server.mjs'), config, String(port), stateDir, envFile, LOG_LEVEL, '0']];
  // detached: its own process group, so wrangler, esbuild and both workerd processes stop together.
  const child = spawn(cmd, args, { cwd: root, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { name, child, port, base: `http://127.0.0.1:${port}`, target: `http://127.0.0.1:${port}`, logPath, reloads: 0, exited: null };
  const watch = (chunk) => {
    out.write(chunk);
    if (/Reloading local server/.test(chunk.toString())) proc.reloads++;
  };
  child.stdout.on('data', watch);
  child.stderr.on('data', watch);
  child.on('exit', (code, signal) => {
    proc.exited = code ?? signal;
    children.delete(proc);
  });
  children.add(proc);
  return proc;
}

function alive(proc) {
  if (proc.exited !== null) throw new BenchError(`${proc.name}: wrangler dev exited (${proc.exited}); see ${proc.logPath}`);
}

async function stopAll() {
  await Promise.all([...children].map(stopProc));
  children.clear();
}

process.on('exit', () => {
  for (const proc of children) {
    try {
      process.kill(-proc.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    stopAll().finally(() => process.exit(130));
  });
}

async function waitReady(proc, path, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline && i < 1000; i++) {
    alive(proc);
    try {
      const res = await fetch(proc.base + path, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new BenchError(`${proc.name} did not answer ${path} within ${timeoutMs / 1000} s; see ${proc.logPath}`);
}

/** Starts a Worker and waits until it answers; sets `target`, where the load goes (see BENCH_VIA). */
async function startReady(name, config, port, inspectorPort, readyPath, notes) {
  const proc = startDev(name, config, port, inspectorPort);
  await waitReady(proc, readyPath);
  if (VIA === 'direct') {
    const direct = directUrl(proc);
    let ok = false;
    if (direct) {
      try {
        const res = await fetch(direct + readyPath, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        ok = res.ok;
      } catch {
        ok = false;
      }
    }
    if (ok) proc.target = direct;
    else notes.push(`${name}: could not reach the Worker's workerd directly; measured through wrangler's proxy.`);
  }
  return proc;
}

// ---------------------------------------------------------------- /proc: workerd memory

/** Busy CPU time of the whole machine and of this benchmark's processes, in clock ticks. */
function cpuTicks() {
  return cpuTicksOf([process.pid, ...[...children].map((c) => c.child.pid)]);
}

// ---------------------------------------------------------------- 2. ingestion

async function waitForMinuteAfter(previousStart) {
  const minuteOf = (t) => Math.floor(t / 60_000);
  if (minuteOf(Date.now()) > minuteOf(previousStart)) return 0;
  const waitMs = (minuteOf(previousStart) + 1) * 60_000 - Date.now() + 250;
  log(`waiting ${Math.round(waitMs / 1000)} s for the next minute, so the simulated prices move`);
  await sleep(Math.min(Math.max(waitMs, 0), 61_000));
  return waitMs;
}

async function measureIngestion(api, index) {
  alive(api);
  const prevId = (await fetchJson(`${api.target}/healthz`)).lastIngestion?.id ?? null;
  const workers = workerdOf(api);
  const user = workers.find((w) => w.role === 'user');
  if (!user) throw new BenchError(`no workerd process found under ${api.name} (pid ${api.child.pid})`);
  const before = Object.fromEntries(workers.map((w) => [w.pid, memKb(w.pid)?.rss ?? null]));
  const peak = { ...before };
  let peakTotal = workers.reduce((a, w) => a + (before[w.pid] ?? 0), 0);
  const totalBefore = peakTotal;
  let samples = 0;
  let vanished = false;
  const reloadsBefore = api.reloads;
  const sampler = setInterval(() => {
    let total = 0;
    for (const w of workers) {
      const m = memKb(w.pid);
      if (!m) {
        vanished = true;
        continue;
      }
      peak[w.pid] = Math.max(peak[w.pid] ?? 0, m.rss ?? 0);
      total += m.rss ?? 0;
    }
    peakTotal = Math.max(peakTotal, total);
    samples++;
  }, 50);

  const cpu0 = cpuTicks();
  const retriesBefore = fetchRetries;
  const wallStart = Date.now();
  const t0 = performance.now();
  let triggerMs = null;
  let triggerStatus = null;
  const trigger = fetch(`${api.target}${CRON_PATH}`, { signal: AbortSignal.timeout(300_000) })
    .then(async (res) => {
      await res.arrayBuffer();
      triggerStatus = res.status;
      triggerMs = performance.now() - t0;
    })
    .catch((err) => {
      triggerStatus = `error: ${err.message}`;
    });

  let last = null;
  let polls = 0;
  let maxPollMs = 0;
  let seenMs = null;
  try {
    for (let i = 0; i < 3000 && performance.now() - t0 < 300_000; i++) {
      alive(api);
      if (vanished || api.reloads !== reloadsBefore) throw new BenchError('the Worker restarted during the ingestion (workerd process replaced)');
      const p0 = performance.now();
      let health;
      try {
        health = await fetchJson(`${api.target}/healthz`, Math.max(1_000, Math.round(300_000 - (performance.now() - t0))));
      } catch (err) {
        if (err?.name !== 'TimeoutError') throw err;
        break;
      }
      maxPollMs = Math.max(maxPollMs, performance.now() - p0);
      polls++;
      if (health.lastIngestion && health.lastIngestion.id !== prevId) {
        last = health.lastIngestion;
        seenMs = performance.now() - t0;
        break;
      }
      await sleep(100);
    }
    if (!last) {
      throw new BenchError(
        `ingestion ${index + 1} did not finish within 300 s (trigger: ${triggerStatus ?? 'no answer'}; ${polls} /healthz answers, the last after ${round(maxPollMs, 0)} ms at most)`,
      );
    }
    await Promise.race([trigger, sleep(30_000)]);
  } finally {
    clearInterval(sampler);
  }
  const after = memKb(user.pid);
  const foreign = foreignCpuPct(cpu0, cpuTicks());
  const userBefore = before[user.pid];
  return {
    run: index + 1,
    kind: index === 0 ? 'cold (100k inserts)' : 'steady (re-pull)',
    id: last.id,
    status: last.status,
    offersSeen: last.offersSeen,
    storedDurationMs: last.durationMs,
    wallMs: round(seenMs, 0),
    finishedAfterTriggerMs: Date.parse(last.finishedAt) - wallStart,
    triggerStatus,
    triggerResponseMs: round(triggerMs, 0),
    healthPolls: polls,
    healthPollSocketErrors: fetchRetries - retriesBefore,
    maxHealthzMs: round(maxPollMs, 0),
    rssSamples: samples,
    userWorkerd: {
      pid: user.pid,
      rssBeforeMb: mb(userBefore),
      peakRssMb: mb(peak[user.pid]),
      deltaMb: mb(peak[user.pid] - userBefore),
      vmHwmMb: mb(after?.hwm),
      rssAfterMb: mb(after?.rss),
    },
    allWorkerd: { processes: workers.length, rssBeforeMb: mb(totalBefore), peakRssMb: mb(peakTotal), deltaMb: mb(peakTotal - totalBefore) },
    startedAt: new Date(wallStart).toISOString(),
    foreignCpuPct: foreign,
  };
}

// ---------------------------------------------------------------- 3./4. latency

// `headerSets`: one autocannon instance per set of headers, CONNECTIONS split evenly between them,
// all in this process at once (used to spread authenticated load over several tenants' buckets
// without rebuilding each request); their results are merged.
async function cannon(url, seconds, headerSets = [{}]) {
  const latencies = [];
  const one = (headers, connections) =>
    new Promise((resolve, reject) => {
      const instance = autocannon({ url, connections, duration: seconds, timeout: 30, headers }, (err, result) => (err ? reject(err) : resolve(result)));
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
    });
  const n = headerSets.length;
  const results = await Promise.all(headerSets.map((h, i) => one(h, Math.floor(CONNECTIONS / n) + (i < CONNECTIONS % n ? 1 : 0))));
  if (n === 1) return { result: results[0], latencies };
  const sum = (f) => results.reduce((a, r) => a + (f(r) ?? 0), 0);
  const statusCodeStats = {};
  for (const r of results) for (const [k, v] of Object.entries(r.statusCodeStats ?? {})) statusCodeStats[k] = { count: (statusCodeStats[k]?.count ?? 0) + v.count };
  const result = {
    '2xx': sum((r) => r['2xx']),
    duration: Math.max(...results.map((r) => r.duration)),
    latency: { p50: null, p99: null },
    requests: { average: sum((r) => r.requests.average), total: sum((r) => r.requests.total) },
    throughput: { total: sum((r) => r.throughput.total) },
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    statusCodeStats,
  };
  return { result, latencies };
}

async function measureLatency(proc, url, headerSets) {
  alive(proc);
  await cannon(url, WARMUP_S, headerSets);
  const cpu0 = cpuTicks();
  const { result, latencies } = await cannon(url, DURATION_S, headerSets);
  const cpu1 = cpuTicks();
  alive(proc);
  latencies.sort((a, b) => a - b);
  const ok = result['2xx'];
  return {
    requests: ok,
    rps: round(ok / result.duration, 0),
    p50: round(percentile(latencies, 50), 2),
    p90: round(percentile(latencies, 90), 2),
    p99: round(percentile(latencies, 99), 2),
    max: round(latencies[latencies.length - 1], 2),
    autocannon: { p50: result.latency.p50, p99: result.latency.p99, avgRps: result.requests.average },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    bytesPerResponse: ok ? Math.round(result.throughput.total / result.requests.total) : null,
    foreignCpuPct: foreignCpuPct(cpu0, cpu1),
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
  };
}

function summarize(runs) {
  return { p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), rps: median(runs.map((r) => r.rps)), runs };
}

// ---------------------------------------------------------------- authenticated requests

async function signupTenant(proc, tag) {
  const email = `bench-${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const res = await fetch(`${proc.target}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'bench-password-0123456789', organization: `Bench ${tag}` }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await res.json().catch(() => null);
  if (res.status !== 201 || typeof body?.apiKey?.key !== 'string' || !body.apiKey.key.startsWith('gpb_live_') || !body.accessToken) {
    throw new BenchError(`signup answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  return { tenantId: body.tenant?.id, apiKey: body.apiKey.key, accessToken: body.accessToken };
}

const bearer = (token) => ({ authorization: `Bearer ${token}` });

async function measureAuth(api, notes) {
  const main = SEARCHES.find((s) => s.name === 'main');
  const searchUrl = `${api.target}/v1/offers?${main.api}`;
  const plansUrl = `${api.target}/v1/plans`;
  // The tenant's limit as the limiter applies it (RateLimit-Limit), from a throwaway tenant.
  const probe = await signupTenant(api, 'probe');
  const check = await fetch(searchUrl, { headers: bearer(probe.apiKey), signal: AbortSignal.timeout(30_000) });
  await check.arrayBuffer();
  if (!check.ok) throw new BenchError(`authenticated search answered ${check.status}`);
  const limit = Number(check.headers.get('ratelimit-limit'));
  const jwtCheck = await fetch(plansUrl, { headers: bearer(probe.accessToken), signal: AbortSignal.timeout(30_000) });
  await jwtCheck.arrayBuffer();
  if (!jwtCheck.ok) throw new BenchError(`/v1/plans with an access token answered ${jwtCheck.status}`);

  const runs = { searchAnon: [], searchKey: [], plansAnon: [], plansKey: [], plansJwt: [] };
  for (let i = 0; i < AUTH_ROUNDS; i++) {
    log(`auth: main search anonymous, round ${i + 1}/${AUTH_ROUNDS}`);
    runs.searchAnon.push(await measureLatency(api, searchUrl));
    const t = await signupTenant(api, `search${i}`);
    log(`auth: main search with an API key, round ${i + 1}/${AUTH_ROUNDS}`);
    runs.searchKey.push(await measureLatency(api, searchUrl, [bearer(t.apiKey)]));
  }
  for (let i = 0; i < AUTH_ROUNDS; i++) {
    log(`auth: /v1/plans anonymous / API key / JWT, round ${i + 1}/${AUTH_ROUNDS}`);
    runs.plansAnon.push(await measureLatency(api, plansUrl));
    const keyTenants = [];
    for (let j = 0; j < PLANS_TENANTS; j++) keyTenants.push(await signupTenant(api, `plans-key${i}-${j}`));
    runs.plansKey.push(await measureLatency(api, plansUrl, keyTenants.map((t) => bearer(t.apiKey))));
    const jwtTenants = [];
    for (let j = 0; j < PLANS_TENANTS; j++) jwtTenants.push(await signupTenant(api, `plans-jwt${i}-${j}`));
    runs.plansJwt.push(await measureLatency(api, plansUrl, jwtTenants.map((t) => bearer(t.accessToken))));
  }
  for (const [name, list] of Object.entries(runs)) {
    for (const x of list) if (x.errors || x.timeouts || x.non2xx) notes.push(`auth ${name}: a round had ${x.errors} errors, ${x.timeouts} timeouts, ${x.non2xx} non-2xx answers ${JSON.stringify(x.statusCodes)}.`);
  }
  const S = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, summarize(v)]));
  const diff = (a, b) => round(a - b, 2);

  // Limiter decisions/s for one tenant: a fresh free tenant floods /v1/plans; after its burst most
  // requests are refused. Both answers are decisions of its RateLimiter object.
  const d = await signupTenant(api, 'decisions');
  log(`auth: limiter decisions for one tenant, ${DECISION_S} s`);
  const cpu0 = cpuTicks();
  const { result, latencies } = await cannon(plansUrl, DECISION_S, [bearer(d.apiKey)]);
  const cpu1 = cpuTicks();
  latencies.sort((a, b) => a - b);
  const codes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
  const admitted = result['2xx'];
  const refused = codes['429'] ?? 0;
  const durationS = round(result.duration, 2);
  const decisions = {
    durationS,
    admitted,
    refused,
    other: result.requests.total - admitted - refused,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: codes,
    decisionsPerS: round((admitted + refused) / result.duration, 0),
    burst: limit,
    expectedAdmitted: Math.round(limit + (limit / 60) * result.duration),
    p50: round(percentile(latencies, 50), 2),
    p99: round(percentile(latencies, 99), 2),
    foreignCpuPct: foreignCpuPct(cpu0, cpu1),
  };
  log(`  ${decisions.decisionsPerS} decisions/s; admitted ${admitted} (expected ≈ ${decisions.expectedAdmitted}), refused ${refused}`);

  return {
    tenantLimitPerMin: limit,
    search: {
      anon: S.searchAnon,
      key: S.searchKey,
      addedP50Ms: diff(S.searchKey.p50, S.searchAnon.p50),
      addedP50PairwiseMs: round(median(runs.searchKey.map((k, i) => k.p50 - runs.searchAnon[i].p50)), 2),
      addedP99Ms: diff(S.searchKey.p99, S.searchAnon.p99),
      rpsRatio: round(S.searchKey.rps / S.searchAnon.rps, 2),
    },
    plans: {
      anon: S.plansAnon,
      key: S.plansKey,
      jwt: S.plansJwt,
      keyAddedP50Ms: diff(S.plansKey.p50, S.plansAnon.p50),
      jwtAddedP50Ms: diff(S.plansJwt.p50, S.plansAnon.p50),
      keyRpsRatio: round(S.plansKey.rps / S.plansAnon.rps, 2),
      jwtRpsRatio: round(S.plansJwt.rps / S.plansAnon.rps, 2),
    },
    decisions,
  };
}

// ---------------------------------------------------------------- 5. explain

async function explainAll(bare) {
  const out = [];
  for (const s of SEARCHES) out.push({ key: `q=${s.name}`, label: `search "${s.name}" (${s.label})`, ...(await fetchJson(`${bare.target}/explain?q=${s.name}`)) });
  for (const sort of SORTS) {
    for (const gpu of [null, EXPLAIN_GPU]) {
      const qs = `sort=${sort}` + (gpu ? `&gpu=${gpu}` : '');
      out.push({ key: qs, label: `sort=${sort}${gpu ? `, gpu=${gpu}` : ', no filter'}`, ...(await fetchJson(`${bare.target}/explain?${qs}`)) });
    }
  }
  for (const e of out) {
    e.flags = [];
    for (const line of e.plan) {
      if (line.detail.includes('USE TEMP B-TREE FOR ORDER BY')) e.flags.push('USE TEMP B-TREE FOR ORDER BY');
      if (/^SCAN offers\b/.test(line.detail) && !/USING (COVERING )?INDEX/.test(line.detail)) e.flags.push('SCAN offers without an index');
    }
  }
  return out;
}

const planText = (e) => e.plan.map((l) => l.detail).join(' | ');

// ---------------------------------------------------------------- report

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const git = (args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    ramGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    wrangler: run(wrangler, ['--version']).trim().split('\n').pop(),
    kernel: `${os.type()} ${os.release()}`,
    commit: git(['rev-parse', '--short', 'HEAD']),
    uncommittedFiles: git(['status', '--porcelain', '--', 'src', 'migrations', 'wrangler.toml', 'bench/worker']).split('\n').filter(Boolean).length,
  };
}

const yes = (ok) => (ok === null ? 'n/a' : ok ? '**met**' : '**missed**');
const fmt = (x, unit = '') => (x === null || x === undefined ? 'n/a' : `${x}${unit}`);

function report(r) {
  const L = [];
  const m = r.machine;
  L.push(`# GPUBroker benchmark — ${r.date}`, '');
  L.push(`Machine: ${m.nproc} × ${m.cpu}, ${m.ramGiB} GiB RAM, ${m.kernel}, Node ${m.node}, wrangler ${m.wrangler}. Code: ${m.commit}` + (m.uncommittedFiles ? ` + ${m.uncommittedFiles} uncommitted file(s) in src/migrations/bench/worker` : '') + '.');
  L.push(`Settings: ${SIM_OFFERS.toLocaleString('en-US')} simulated offers; autocannon ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per run; main search median of ${RUNS} runs, other searches ${VARIANT_RUNS}; served by ${LAUNCHER === 'cli' ? 'the `wrangler dev` CLI' : 'wrangler\'s dev server with the inspector off (bench/dev-server.mjs)'}, log level ${LOG_LEVEL}; load sent ${VIA === 'direct' ? 'straight to the Worker\'s workerd' : 'through wrangler\'s ProxyWorker'}. Whole run ${r.elapsedS} s.`, '');

  L.push('## Targets', '', '| Target | Measured (median) | |', '|---|---|---|');
  for (const t of r.targets) L.push(`| ${t.name} | ${t.measured} | ${yes(t.met)} |`);
  L.push('');

  L.push('## Ingestion (cron, sim provider)', '');
  L.push('| Run | Kind | Offers | History rows (changed) | Stored duration | Wall (trigger → seen) | User workerd RSS before → peak (Δ) | VmHWM | Max /healthz latency during run | Other CPU |');
  L.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const i of r.ingestion.runs) {
    const u = i.userWorkerd;
    L.push(`| ${i.run} | ${i.kind} | ${i.offersSeen} | ${fmt(i.historyRows)} | ${i.storedDurationMs} ms | ${i.wallMs} ms | ${u.rssBeforeMb} → ${u.peakRssMb} MB (+${u.deltaMb}) | ${u.vmHwmMb} MB | ${i.maxHealthzMs} ms${i.healthPollSocketErrors ? ` (${i.healthPollSocketErrors} socket error)` : ''} | ${i.foreignCpuPct}% |`);
  }
  const ing = r.ingestion;
  L.push('', `Median stored duration: cold ${ing.cold.storedDurationMs} ms; steady state ${ing.steady.storedDurationMs} ms (wall ${ing.steady.wallMs} ms, peak RSS Δ +${ing.steady.deltaMb} MB).`, '');

  L.push('## Search latency', '');
  L.push('| Search | Target | p50 ms | p99 ms | req/s | runs (p50 / p99 / req/s, other CPU) |', '|---|---|---|---|---|---|');
  for (const s of r.search) {
    for (const [target, v] of [['API', s.api], ['floor', s.bare]]) {
      L.push(`| ${s.name}: ${s.label} | ${target} | ${v.p50} | ${v.p99} | ${v.rps} | ${v.runs.map((x) => `${x.p50} / ${x.p99} / ${x.rps}, ${x.foreignCpuPct}%`).join('; ')} |`);
    }
  }
  L.push('', '| Search | API/floor p50 | API/floor p99 | API/floor req/s | rows | bytes/response API, floor |', '|---|---|---|---|---|---|');
  for (const s of r.search) {
    L.push(`| ${s.name} | ${s.ratio.p50}× | ${s.ratio.p99}× | ${s.ratio.rps}× | ${s.rows} | ${s.api.runs[0]?.bytesPerResponse}, ${s.bare.runs[0]?.bytesPerResponse} |`);
  }
  L.push('');
  if (r.probes?.length) {
    L.push('### API routes that do not search (fixed cost per request)', '', '| Route | What it runs | p50 ms | p99 ms | req/s |', '|---|---|---|---|---|');
    for (const p of r.probes) L.push(`| \`GET ${p.path}\` | ${p.label} | ${p.api.p50} | ${p.api.p99} | ${p.api.rps} |`);
    L.push('');
  }
  if (r.auth) {
    const a = r.auth;
    const row = (label, v) => `| ${label} | ${v.p50} | ${v.p99} | ${v.rps} | ${v.runs.map((x) => `${x.p50} / ${x.p99} / ${x.rps}${x.non2xx ? ` (${x.non2xx} non-2xx ${JSON.stringify(x.statusCodes)})` : ''}, ${x.foreignCpuPct}%`).join('; ')} |`;
    L.push('## Authenticated requests (API server, same run, rounds interleaved)', '');
    L.push(`PLAN_RATE_LIMIT_MULTIPLIER=${r.settings.env.PLAN_RATE_LIMIT_MULTIPLIER}: a free tenant's limit is ${a.tenantLimitPerMin}/min (also its burst). Each authenticated search round uses a fresh tenant; each authenticated /v1/plans round spreads its ${CONNECTIONS} connections over ${PLANS_TENANTS} fresh tenants so no bucket runs dry. Medians of ${AUTH_ROUNDS} rounds; every round ${WARMUP_S} s warm-up + ${DURATION_S} s.`, '');
    L.push('| Request | p50 ms | p99 ms | req/s | rounds (p50 / p99 / req/s, other CPU) |', '|---|---|---|---|---|');
    L.push(row('main search, anonymous', a.search.anon), row('main search, `Authorization: Bearer <API key>`', a.search.key));
    L.push(row('`/v1/plans`, anonymous', a.plans.anon), row('`/v1/plans`, API key', a.plans.key), row('`/v1/plans`, access token (JWT)', a.plans.jwt));
    L.push('', `Added at the median, main search: **${a.search.addedP50Ms} ms** (median of the pairwise differences: ${a.search.addedP50PairwiseMs} ms); p99 ${a.search.addedP99Ms} ms; req/s ×${a.search.rpsRatio}.`);
    L.push(`Added at the median, /v1/plans: API key ${a.plans.keyAddedP50Ms} ms, JWT ${a.plans.jwtAddedP50Ms} ms; req/s ×${a.plans.keyRpsRatio} (key), ×${a.plans.jwtRpsRatio} (JWT).`, '');
    const d = a.decisions;
    L.push(`### Limiter decisions for one tenant (\`GET /v1/plans\`, API key, ${CONNECTIONS} connections, ${d.durationS} s, no warm-up)`, '');
    L.push('| Decisions/s (2xx + 429) | Admitted (2xx) | Refused (429) | Other | Expected admitted (burst + refill × s) | p50 ms (2xx) | p99 ms (2xx) |', '|---|---|---|---|---|---|---|');
    L.push(`| ${d.decisionsPerS} | ${d.admitted} | ${d.refused} | ${d.other} | ${d.expectedAdmitted} (${d.burst} + ${round(d.burst / 60, 1)} × ${d.durationS}) | ${d.p50} | ${d.p99} |`, '');
  }
  if (r.fixes?.length) {
    L.push('### Floor with a candidate SQL fix (`+gpu_count`, see bench/worker/bare.ts)', '', '| Search | p50 ms | p99 ms | req/s | rows read | plan |', '|---|---|---|---|---|---|');
    for (const f of r.fixes) L.push(`| ${f.name} | ${f.bare.p50} | ${f.bare.p99} | ${f.bare.rps} | ${fmt(f.explain.rowsRead)} | ${f.explain.plan.map((l) => '`' + l.detail + '`').join('<br>')} |`);
    L.push('');
  }
  if (r.afterAnalyze?.length) {
    L.push('### After ANALYZE (plans changed)', '', '| Search | Target | p50 ms | p99 ms | req/s |', '|---|---|---|---|---|');
    for (const s of r.afterAnalyze) for (const [t, v] of [['API', s.api], ['floor', s.bare]]) L.push(`| ${s.name} | ${t} | ${v.p50} | ${v.p99} | ${v.rps} |`);
    L.push('');
  }

  L.push('## EXPLAIN QUERY PLAN', '');
  L.push(`Offers in the table: ${r.stats?.offers} (${r.stats?.listed} listed). "rows read" and "SQL ms" are D1's \`meta.rows_read\` and \`meta.duration\` for running the statement once (idle server).`, '');
  L.push('| Query | Plan (before ANALYZE) | rows read | SQL ms | Flags | Plan after ANALYZE (if different) | rows read after | SQL ms after |', '|---|---|---|---|---|---|---|---|');
  for (const e of r.explain.before) {
    const a = r.explain.after.find((x) => x.key === e.key);
    const changed = a && planText(a) !== planText(e);
    L.push(`| ${e.label} | ${e.plan.map((l) => '`' + l.detail + '`').join('<br>')} | ${fmt(e.rowsRead)} | ${fmt(round(e.durationMs, 2))} | ${e.flags.join(', ') || '—'} | ${changed ? a.plan.map((l) => '`' + l.detail + '`').join('<br>') + (a.flags.length ? ` (${a.flags.join(', ')})` : '') : 'same'} | ${fmt(a?.rowsRead)} | ${fmt(round(a?.durationMs, 2))} |`);
  }
  L.push('');
  if (r.explain.analyzeError) L.push(`ANALYZE failed: ${r.explain.analyzeError}`, '');
  if (r.notes.length) L.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return L.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const started = Date.now();
  const notes = [];
  log('clean state');
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(buildDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(buildDir, { recursive: true });
  const info = machine();
  // The access-token signing key (the API refuses signups without one): a throwaway EC P-256 key made
  // for this run, written only to the env file (mode 0600), never to the results.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const secrets = { JWT_PRIVATE_KEY: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: `bench-${randomUUID().slice(0, 8)}` }) };
  // dotenv: single quotes keep a value literal (the JSON key included); as in scripts/dev.mjs.
  const quote = (v) => (String(v).includes("'") ? JSON.stringify(String(v)) : `'${v}'`);
  writeFileSync(envFile, Object.entries({ ...ENV_VARS, ...secrets }).map(([k, v]) => `${k}=${quote(v)}`).join('\n') + '\n', { mode: 0o600 });

  // 1. Bundles: the API exactly as `wrangler deploy` would ship it, and the floor Worker.
  log('bundling the API and the floor Worker (wrangler deploy --dry-run)');
  const apiBuild = join(buildDir, 'api');
  const bareBuild = join(buildDir, 'bare');
  // Without [[containers]]: a dry run would build the agent's image (Docker); local runs have it off.
  const apiToml = withoutAssets(withoutContainers(readFileSync(join(root, 'wrangler.toml'), 'utf8')));
  const apiSource = join(buildDir, 'wrangler.api.toml');
  writeFileSync(apiSource, relocated(apiToml, root));
  run(wrangler, ['deploy', '--dry-run', '--outdir', apiBuild, '-c', apiSource]);
  run(wrangler, ['deploy', '--dry-run', '--outdir', bareBuild, '-c', join(root, 'bench', 'worker', 'wrangler.toml')]);
  const withBundle = (configPath, outDir) => {
    const script = readdirSync(outDir).find((f) => f.endsWith('.js'));
    if (!script) throw new BenchError(`no bundle in ${outDir}`);
    const toml = readFileSync(configPath, 'utf8');
    if (!/^main\s*=/m.test(toml)) throw new BenchError(`${configPath} has no main`);
    const out = join(outDir, 'wrangler.toml');
    writeFileSync(out, toml.replace(/^main\s*=.*$/m, `main = "${script}"\nno_bundle = true`));
    return out;
  };
  const apiConfig = withBundle(apiSource, apiBuild);
  const bareConfig = withBundle(join(root, 'bench', 'worker', 'wrangler.toml'), bareBuild);

  log('applying D1 migrations');
  run(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', stateDir, '-c', join(root, 'wrangler.toml')]);

  const [apiPort, apiInspector, barePort, bareInspector] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  log(`starting the API on :${apiPort}`);
  const api = await startReady('api', apiConfig, apiPort, apiInspector, '/healthz', notes);

  // 2. Ingestion.
  const ingestRuns = [];
  for (let i = 0; i < INGEST_RUNS; i++) {
    if (i > 0) await waitForMinuteAfter(Date.parse(ingestRuns[i - 1].startedAt));
    log(`ingestion ${i + 1}/${INGEST_RUNS}`);
    const m = await measureIngestion(api, i);
    log(`  ${m.offersSeen} offers, stored ${m.storedDurationMs} ms, wall ${m.wallMs} ms, user workerd peak ${m.userWorkerd.peakRssMb} MB (+${m.userWorkerd.deltaMb})`);
    if (m.status !== 'succeeded') notes.push(`Ingestion ${i + 1} ended with status ${m.status}.`);
    ingestRuns.push(m);
  }

  // 3. API latency. Only one wrangler dev runs at a time: two workerd processes on one SQLite file
  // fail each other's statements with SQLITE_BUSY (miniflare's D1 takes write locks even for reads).
  const apiPages = {};
  for (const s of SEARCHES) {
    const page = await fetchJson(`${api.target}/v1/offers${s.api ? '?' + s.api : ''}`);
    if (!page.data?.length) throw new BenchError(`search ${s.name} returned no offers; the benchmark would measure an empty page`);
    apiPages[s.name] = page.data.map((o) => o.id);
  }
  const apiRuns = {};
  for (const s of SEARCHES) {
    apiRuns[s.name] = [];
    for (let i = 0; i < s.runs; i++) {
      log(`API search ${s.name}: run ${i + 1}/${s.runs}`);
      apiRuns[s.name].push(await measureLatency(api, `${api.target}/v1/offers${s.api ? '?' + s.api : ''}`));
    }
  }
  const probes = [];
  if (PROBES) {
    for (const p of PROBE_ROUTES) {
      const res = await fetch(api.target + p.path, { signal: AbortSignal.timeout(30_000) });
      await res.arrayBuffer();
      if (!res.ok) {
        notes.push(`probe ${p.path} answered ${res.status}; not measured.`);
        continue;
      }
      log(`API probe ${p.path}`);
      probes.push({ ...p, api: await measureLatency(api, api.target + p.path) });
    }
    if (api.target !== api.base) {
      const main = SEARCHES[0];
      log('API main search through the wrangler dev proxy');
      probes.push({ name: 'main-via-proxy', path: `/v1/offers?${main.api}`, label: 'the main search through the wrangler dev ProxyWorker port', api: await measureLatency(api, `${api.base}/v1/offers?${main.api}`) });
    }
  }
  const auth = AUTH ? await measureAuth(api, notes) : null;
  await stopProc(api);

  // 4. The floor, on the same database file.
  log(`starting the floor Worker on :${barePort}`);
  const bare = await startReady('bare', bareConfig, barePort, bareInspector, '/ping', notes);
  const runsTable = await fetchJson(`${bare.target}/runs`);
  for (const m of ingestRuns) {
    const row = runsTable.find((r) => r.id === m.id);
    m.historyRows = row?.history_rows ?? null;
    m.markedUnavailable = row?.marked_unavailable ?? null;
  }
  const stats = await fetchJson(`${bare.target}/stats`);
  // Correctness: the floor answers the same rows as the API did, so the comparison is like for like.
  for (const s of SEARCHES) {
    const rows = await fetchJson(`${bare.target}/v1/offers?q=${s.name}`);
    const bareIds = rows.slice(0, apiPages[s.name].length).map((o) => o.id);
    if (apiPages[s.name].join() !== bareIds.join()) {
      throw new BenchError(`search ${s.name}: the floor Worker's rows differ from the API's (${apiPages[s.name].slice(0, 3)} vs ${bareIds.slice(0, 3)})`);
    }
  }
  const search = [];
  for (const s of SEARCHES) {
    const bareRuns = [];
    for (let i = 0; i < s.runs; i++) {
      log(`floor search ${s.name}: run ${i + 1}/${s.runs}`);
      bareRuns.push(await measureLatency(bare, `${bare.target}/v1/offers?q=${s.name}`));
    }
    for (const x of [...apiRuns[s.name], ...bareRuns]) {
      if (x.errors || x.timeouts || x.non2xx) notes.push(`search ${s.name}: a run had ${x.errors} errors, ${x.timeouts} timeouts, ${x.non2xx} non-2xx answers ${JSON.stringify(x.statusCodes)}.`);
    }
    const A = summarize(apiRuns[s.name]);
    const B = summarize(bareRuns);
    search.push({
      name: s.name,
      label: s.label,
      query: s.api,
      rows: apiPages[s.name].length,
      api: A,
      bare: B,
      ratio: { p50: round(A.p50 / B.p50, 2), p99: round(A.p99 / B.p99, 2), rps: round(A.rps / B.rps, 2) },
    });
  }

  // The candidate SQL fix, on the floor: same rows, then its latency.
  const fixes = [];
  if (PROBES) {
    for (const name of FIX_SEARCHES) {
      const [plain, variant] = await Promise.all([fetchJson(`${bare.target}/explain?q=${name}`), fetchJson(`${bare.target}/explain?q=${name}&variant=plus`)]);
      if (plain.sql === variant.sql) {
        notes.push(`Candidate fix (\`+gpu_count\`) for search ${name}: src/ already writes the SQL that way; nothing to compare.`);
        continue;
      }
      const original = (await fetchJson(`${bare.target}/v1/offers?q=${name}`)).map((o) => o.id).join();
      const fixed = (await fetchJson(`${bare.target}/v1/offers?q=${name}&variant=plus`)).map((o) => o.id).join();
      if (original !== fixed) {
        notes.push(`the candidate fix changes the rows of search ${name}; not measured.`);
        continue;
      }
      log(`floor search ${name} with the candidate fix`);
      fixes.push({ name, bare: await measureLatency(bare, `${bare.target}/v1/offers?q=${name}&variant=plus`), explain: await fetchJson(`${bare.target}/explain?q=${name}&variant=plus`) });
    }
  }

  // 5. Plans, before and after ANALYZE.
  log('EXPLAIN QUERY PLAN');
  const before = await explainAll(bare);
  let after = [];
  let analyzeError = null;
  let stat1 = null;
  try {
    stat1 = await fetchJson(`${bare.target}/analyze`, 120_000);
    after = await explainAll(bare);
  } catch (err) {
    analyzeError = err.message;
  }
  const changedSearches = SEARCHES.filter((s) => {
    const b = before.find((e) => e.key === `q=${s.name}`);
    const a = after.find((e) => e.key === `q=${s.name}`);
    return a && b && planText(a) !== planText(b);
  });
  const afterAnalyze = [];
  if (changedSearches.length) {
    log(`plans changed after ANALYZE for ${changedSearches.map((s) => s.name).join(', ')}: re-measuring once each`);
    const bareAfter = {};
    for (const s of changedSearches) bareAfter[s.name] = await measureLatency(bare, `${bare.target}/v1/offers?q=${s.name}`);
    await stopProc(bare);
    const api2 = await startReady('api-after-analyze', apiConfig, apiPort, apiInspector, '/healthz', notes);
    for (const s of changedSearches) {
      afterAnalyze.push({ name: s.name, api: await measureLatency(api2, `${api2.target}/v1/offers${s.api ? '?' + s.api : ''}`), bare: bareAfter[s.name] });
    }
    await stopProc(api2);
  } else {
    await stopProc(bare);
  }
  const busyRuns = [
    ...ingestRuns.map((m) => [`ingestion ${m.run}`, m.foreignCpuPct]),
    ...search.flatMap((x) => [...x.api.runs.map((r) => [`API ${x.name}`, r.foreignCpuPct]), ...x.bare.runs.map((r) => [`floor ${x.name}`, r.foreignCpuPct])]),
  ].filter(([, pct]) => pct >= 10);
  if (busyRuns.length) notes.push(`Other processes on the machine used ≥ 10% of its CPU during: ${busyRuns.map(([n, p]) => `${n} (${p}%)`).join(', ')}; those numbers are pessimistic.`);
  for (const name of ['api', 'bare', 'api-after-analyze']) {
    const path = join(resultsDir, `${name}.log`);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    const errors = (text.match(/\bERROR\b|\[wrangler:error\]/g) ?? []).length;
    if (errors) notes.push(`${name}.log has ${errors} error line(s)` + (/SQLITE_BUSY/.test(text) ? ' (SQLITE_BUSY)' : '') + '; see bench/results/' + name + '.log.');
  }

  // Targets.
  const main = search.find((s) => s.name === 'main');
  const coldMs = ingestRuns[0].storedDurationMs;
  const steady = ingestRuns.slice(1);
  const ingestion = {
    runs: ingestRuns,
    cold: { storedDurationMs: coldMs, wallMs: ingestRuns[0].wallMs, deltaMb: ingestRuns[0].userWorkerd.deltaMb },
    steady: {
      storedDurationMs: median(steady.map((x) => x.storedDurationMs)),
      wallMs: median(steady.map((x) => x.wallMs)),
      deltaMb: median(steady.map((x) => x.userWorkerd.deltaMb)),
      peakRssMb: median(steady.map((x) => x.userWorkerd.peakRssMb)),
    },
    all: { storedDurationMs: median(ingestRuns.map((x) => x.storedDurationMs)), wallMs: median(ingestRuns.map((x) => x.wallMs)) },
  };
  const targets = [
    { name: `offers p99 ≤ ${TARGETS.p99Ms} ms at ${CONNECTIONS} connections (main search)`, measured: `${main.api.p99} ms`, met: main.api.p99 <= TARGETS.p99Ms },
    { name: `offers ≥ ${TARGETS.rps} req/s at ${CONNECTIONS} connections (main search)`, measured: `${main.api.rps} req/s`, met: main.api.rps >= TARGETS.rps },
    { name: `API/floor ≤ ${TARGETS.ratio}× (main search, p50 / p99 / throughput)`, measured: `${main.ratio.p50}× / ${main.ratio.p99}× / ${round(main.bare.rps / main.api.rps, 2)}× fewer req/s`, met: main.ratio.p50 <= TARGETS.ratio && main.ratio.p99 <= TARGETS.ratio && main.bare.rps / main.api.rps <= TARGETS.ratio },
    { name: `100k-offer ingestion ≤ ${TARGETS.ingestMs / 1000} s (cold, stored duration)`, measured: `${coldMs} ms`, met: coldMs <= TARGETS.ingestMs },
    { name: `100k-offer ingestion ≤ ${TARGETS.ingestMs / 1000} s (steady state, median stored duration)`, measured: `${ingestion.steady.storedDurationMs} ms`, met: ingestion.steady.storedDurationMs <= TARGETS.ingestMs },
  ];
  if (auth) {
    targets.push({ name: `API key adds ≤ ${TARGETS.authAddedP50Ms} ms at p50 (main search, same run, ${AUTH_ROUNDS} interleaved rounds each)`, measured: `${auth.search.addedP50Ms} ms (p50 ${auth.search.anon.p50} → ${auth.search.key.p50} ms)`, met: auth.search.addedP50Ms <= TARGETS.authAddedP50Ms });
  }
  if (api.reloads || bare.reloads) notes.push(`wrangler reloaded a Worker during the run (api ${api.reloads}, floor ${bare.reloads}).`);

  const result = {
    date: new Date(started).toISOString(),
    elapsedS: round((Date.now() - started) / 1000, 0),
    machine: info,
    settings: { launcher: LAUNCHER, via: VIA, connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S, runs: RUNS, variantRuns: VARIANT_RUNS, ingestRuns: INGEST_RUNS, logLevel: LOG_LEVEL, env: ENV_VARS },
    targets,
    ingestion,
    stats,
    search,
    probes,
    auth,
    fixes,
    afterAnalyze,
    explain: { before, after, analyzeError, sqliteStat1: stat1 },
    notes,
  };
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(result, null, 2) + '\n');
  const md = report(result);
  writeFileSync(join(resultsDir, 'latest.md'), md + '\n');
  console.log(md);
  log(`done in ${result.elapsedS} s; bench/results/latest.json`);
  return targets.every((t) => t.met);
}

const watchdog = setTimeout(() => {
  log(`timed out after ${TIMEOUT_S} s`);
  stopAll().finally(() => process.exit(1));
}, TIMEOUT_S * 1000);

let code = 0;
try {
  const allMet = await main();
  if (STRICT && !allMet) code = 2;
} catch (err) {
  log(`FAILED: ${err instanceof BenchError ? err.message : err?.stack ?? err}`);
  code = 1;
} finally {
  await stopAll();
  clearTimeout(watchdog);
}
process.exit(code);
