#!/usr/bin/env node
// `npm run bench:live`: live-price fan-out (issue 4). N WebSocket clients subscribed to one channel
// through wrangler dev; one ingestion changes prices; the time from the D1 write to each client
// receiving its update (median, p99, last client), and the memory of the workerd that holds the room.
// Prints a markdown report and writes bench/results/live-latest.json (bench/results/ is gitignored).
//
// How it serves the Worker is bench/run.mjs's approach (see its header): the API is bundled once with
// `wrangler deploy --dry-run` and served (no_bundle) by wrangler's dev server, bench/dev-server.mjs
// (ProxyWorker + miniflare/workerd, no inspector), on a fresh persisted state in
// bench/results/live/state, with an env file: SIM_ENABLED=true, SIM_OFFERS (BENCH_LIVE_SIM_OFFERS),
// LIVE_ANON_CONNECTIONS_PER_IP=100000, ANON_RATE_LIMIT_PER_MIN=100000 and a throwaway
// JWT_PRIVATE_KEY. The cron is triggered through miniflare's /cdn-cgi/handler/scheduled, sent
// straight to the workerd process that runs the Worker (it answers when the ingestion's waitUntil
// work, publishing to the rooms included, is done).
//
//   0. the bench's own copy of wrangler.toml drops [[containers]] (as scripts/build-check.mjs does
//      without Docker; local runs have containers off) and uses absolute paths;
//   1. one ingestion fills the market; GET /v1/gpus names the GPU model with the most offers;
//   2. for each run (channel, N clients, proxy or direct) a fresh dev server is started on the same
//      state, so the memory figures start from the same place; one probe client connects and
//      leaves (it loads the room); then N `ws` clients connect to /v1/live?channels=<channel>
//      (CONCURRENCY at a time) and each waits for its `snapshot`;
//   3. R ingestions. Each must pull in a later minute than the previous one ended in: the simulated
//      provider's prices are a function of the pull time's minute (src/providers/sim.ts), so two
//      pulls within one minute change nothing and publish nothing. (That also keeps them well over
//      the room's one update per second apart.) For each ingestion and client:
//        latency = Date.now() when the message arrives − Date.parse(committedAt)
//      of the first `update` with a new `seq`; committedAt is taken right after the ingestion's D1
//      writes. Only the first ~240 bytes of an update are read when it arrives (type, seq,
//      committedAt), so the client's own work per message stays small;
//   4. RSS (VmRSS) of the Worker's workerd before the clients connect, after the probe ("warm"),
//      once all are connected, and after the updates; that is the whole process (Worker, Durable
//      Objects, D1 simulator), not only the room. The ProxyWorker's workerd is reported too
//      (through the proxy it holds a second copy of every socket). Two runs that differ only in N
//      also give the marginal cost per socket.
//
// "Through wrangler dev" means what a user of `npm start` gets: clients connect to the dev server's
// port, i.e. through wrangler's ProxyWorker (a second workerd process that relays every frame).
// BENCH_LIVE_DIRECT=1 (the default) also measures with clients connected straight to the Worker's
// workerd, without that dev-only hop.
//
// File descriptors: the ProxyWorker's workerd holds about 6 per client WebSocket (4 pipes + 2
// sockets; the Worker's workerd 1), so with `ulimit -n` 20000 it runs out near 3,000 clients: at
// 5,000 it died with "accept: Too many open files" (or, under a lower limit, refused sockets with
// 1006). The report counts fds per socket, warns when a run will exceed the limit, and stops a run
// whose workerd died (its remaining ingestions are not run) instead of waiting on dead sockets.
//
// Compression: `ws` (like every browser) offers permessage-deflate unless told not to, and workerd
// accepts it, on both hops through the proxy. The main runs turn it off, so they measure the fan-out
// itself and not zlib in three processes; one secondary run (BENCH_LIVE_DEFLATE_CLIENTS) leaves it on.
//
// Settings (environment):
//   BENCH_LIVE_CLIENTS (1000,5000)      client counts of the main runs (the busiest gpu:<model> channel, via the proxy)
//   BENCH_LIVE_RUNS (5)                 ingestions measured per main run
//   BENCH_LIVE_MARKET_CLIENTS (1000)    clients of the secondary `market` run (every change, bigger messages); 0 skips it
//   BENCH_LIVE_DIRECT (1)               also run each main client count straight to the Worker's workerd; 0 skips
//   BENCH_LIVE_SECONDARY_RUNS (3)       ingestions per market / direct / deflate run
//   BENCH_LIVE_SIM_OFFERS (1000)        offers in the simulated market
//   BENCH_LIVE_CONCURRENCY (100)        connections opened at once
//   BENCH_LIVE_UPDATE_WAIT_S (15)       how long to wait for stragglers after the cron trigger has answered
//   BENCH_LIVE_HEARTBEAT (1)            every client sends {"type":"ping"} every 30 s (spread over the clients), as the protocol asks
//   BENCH_LIVE_DEFLATE_CLIENTS (1000)   clients of a secondary run (busiest GPU channel, via the proxy) whose clients offer
//                                       permessage-deflate, as browsers do (the other runs do not offer it); 0 skips it
//   BENCH_LIVE_REV (unset)              a git revision (e.g. HEAD) to bundle instead of the working tree, which may be
//                                       mid-edit; it is exported with `git archive` to bench/results/live/tree
//   BENCH_LOG_LEVEL (log)               wrangler's log level; `log` shows the Worker's console.log (one line per ingestion)
//   BENCH_TIMEOUT_S (from the plan)     whole-run timeout
//   BENCH_STRICT (0)                    1: exit 2 when a target is missed or a client missed an update
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { relocated, withoutAssets, withoutContainers } from '../scripts/lib/wrangler-toml.mjs';
import { cpuTicksOf, directUrl, foreignCpuPct, freePort, mb, median, memKb, percentile, round, sleep, stopProc, workerdOf } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');
const workDir = join(resultsDir, 'live');
const stateDir = join(workDir, 'state');
const buildDir = join(workDir, 'build');
const envFile = join(workDir, 'bench.env');
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const childEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_UPDATE_NOTIFIER: '1', CI: 'true', FORCE_COLOR: '0' };

const num = (name, fallback, { min = 1 } = {}) => {
  const v = process.env[name];
  const n = v === undefined || v === '' ? fallback : Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}`);
  return n;
};
const CLIENTS = (process.env.BENCH_LIVE_CLIENTS || '1000,5000').split(',').map((s) => Number(s.trim()));
if (!CLIENTS.length || CLIENTS.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('BENCH_LIVE_CLIENTS must be a comma-separated list of positive integers');
const RUNS = num('BENCH_LIVE_RUNS', 5);
const MARKET_CLIENTS = num('BENCH_LIVE_MARKET_CLIENTS', 1000, { min: 0 });
const DIRECT = process.env.BENCH_LIVE_DIRECT !== '0';
const SECONDARY_RUNS = num('BENCH_LIVE_SECONDARY_RUNS', 3);
const SIM_OFFERS = num('BENCH_LIVE_SIM_OFFERS', 1000);
const CONCURRENCY = num('BENCH_LIVE_CONCURRENCY', 100);
const UPDATE_WAIT_MS = num('BENCH_LIVE_UPDATE_WAIT_S', 15) * 1000;
const HEARTBEAT = process.env.BENCH_LIVE_HEARTBEAT !== '0';
const DEFLATE_CLIENTS = num('BENCH_LIVE_DEFLATE_CLIENTS', 1000, { min: 0 });
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'log';
const STRICT = process.env.BENCH_STRICT === '1';
const REV = process.env.BENCH_LIVE_REV || null;

const ENV_VARS = {
  ENVIRONMENT: 'development',
  SIM_ENABLED: 'true',
  SIM_OFFERS: String(SIM_OFFERS),
  SIM_SEED: 'bench',
  PROVIDERS_DISABLED: 'vastai',
  PROVIDER_TIMEOUT_MS: '120000',
  // Every connect is an anonymous /v1 request from 127.0.0.1, and all clients share that address.
  ANON_RATE_LIMIT_PER_MIN: '100000',
  LIVE_ANON_CONNECTIONS_PER_IP: '100000',
};
const CRON_PATH = `/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('* * * * *').replace(/%20/g, '+')}`;
const SUBPROTOCOL = 'gpubroker.v1';
const HEARTBEAT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 60_000;
/** Gap after the previous ingestion ended: over the room's one-update-per-second limit. */
const MIN_GAP_MS = 1500;
/** p99 targets of issue 4, by client count. */
const TARGETS_P99_MS = { 1000: 250, 5000: 1000 };

// The runs: the busiest GPU channel through the proxy at every client count (the issue's figures),
// then the secondary ones. The GPU model is filled in once the market exists.
const PLAN = [
  ...CLIENTS.map((n) => ({ kind: 'gpu', clients: n, via: 'proxy', deflate: false, ingestions: RUNS, main: true })),
  ...(MARKET_CLIENTS > 0 ? [{ kind: 'market', clients: MARKET_CLIENTS, via: 'proxy', deflate: false, ingestions: SECONDARY_RUNS, main: false }] : []),
  ...(DIRECT ? CLIENTS.map((n) => ({ kind: 'gpu', clients: n, via: 'direct', deflate: false, ingestions: SECONDARY_RUNS, main: false })) : []),
  ...(DEFLATE_CLIENTS > 0 ? [{ kind: 'gpu', clients: DEFLATE_CLIENTS, via: 'proxy', deflate: true, ingestions: SECONDARY_RUNS, main: false }] : []),
];
// Rough: one ingestion per minute, plus starting each server and connecting its clients.
const PLANNED_S = 60 + PLAN.reduce((a, r) => a + 20 + r.clients / 100 + r.ingestions * 60, 0);
const TIMEOUT_S = num('BENCH_TIMEOUT_S', Math.round(PLANNED_S * 1.5 + 300));

// ---------------------------------------------------------------- small helpers

const log = (message) => console.error(`[bench:live] ${new Date().toISOString().slice(11, 19)} ${message}`);
class BenchError extends Error {}

function run(cmd, args, options = {}) {
  const res = spawnSync(cmd, args, { cwd: root, env: childEnv, encoding: 'utf8', timeout: 180_000, ...options });
  if (res.status !== 0) {
    throw new BenchError(`${[cmd, ...args].join(' ')} failed (${res.status ?? res.signal}):\n${(res.stdout ?? '') + (res.stderr ?? '')}`.slice(0, 4000));
  }
  return res.stdout;
}

async function fetchJson(url, timeoutMs = 30_000) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new BenchError(`GET ${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** median, p99, max, min of a list of numbers (ms). */
function stats(values) {
  const sorted = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!sorted.length) return { count: 0, min: null, p50: null, p99: null, max: null };
  return { count: sorted.length, min: sorted[0], p50: median(sorted), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

// ---------------------------------------------------------------- the dev server (as bench/run.mjs)

const children = new Set();

function startDev(name, config, port) {
  const logPath = join(workDir, `${name}.log`);
  const out = createWriteStream(logPath);
  // detached: its own process group, so wrangler and both workerd processes stop together.
  const child = spawn(process.execPath, [join(root, 'bench', 'dev-server.mjs'), config, String(port), stateDir, envFile, LOG_LEVEL, '0'], {
    cwd: root,
    env: childEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = { name, child, port, base: `http://127.0.0.1:${port}`, direct: null, logPath, exited: null, lines: [], ingestionLines: [], reloads: 0 };
  let partial = '';
  const watch = (chunk) => {
    out.write(chunk);
    const text = partial + chunk.toString();
    const lines = text.split('\n');
    partial = lines.pop();
    for (const line of lines) {
      if (/Reloading local server/.test(line)) proc.reloads++;
      // The Worker's ingestion summary (src/index.ts), the live code's warnings (`live: publishing to
      // … failed`, `live room …`), errors, and workerd's own warnings. Not the request log, nor the
      // Request.cf fetch that fails without network.
      if (/^\[wrangler:info\]|Request\.cf|workers\.cloudflare\.com|^\s+at |^\s*$/.test(line)) continue;
      if (/^ingestion \S+: \d+ offers/.test(line)) proc.ingestionLines.push(line.trim());
      else if (/\blive: |\blive room |\bERROR\b|\[wrangler:error\]|Uncaught|exception|NOSENTRY|\[wrangler:warn\]/i.test(line)) {
        proc.lines.push({ at: Date.now(), line: line.trim(), error: !/NOSENTRY|\[wrangler:warn\]/.test(line) });
      }
    }
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
  if (proc.exited !== null) throw new BenchError(`${proc.name}: the dev server exited (${proc.exited}); see ${proc.logPath}`);
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
    closeAllClients(true);
    stopAll().finally(() => process.exit(130));
  });
}

async function waitReady(proc, path, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
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

/** Starts the API and waits until it answers, through the proxy and straight to its workerd. */
async function startServer(name, config) {
  const port = await freePort();
  const proc = startDev(name, config, port);
  await waitReady(proc, '/healthz');
  proc.direct = directUrl(proc);
  if (!proc.direct) throw new BenchError(`${name}: could not find the Worker's workerd listening port`);
  const res = await fetch(proc.direct + '/healthz', { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  if (!res.ok) throw new BenchError(`${name}: ${proc.direct}/healthz answered ${res.status}`);
  const workers = workerdOf(proc);
  proc.userPid = workers.find((w) => w.role === 'user')?.pid ?? null;
  proc.proxyPid = workers.find((w) => w.role === 'proxy')?.pid ?? null;
  if (!proc.userPid) throw new BenchError(`${name}: no workerd process runs the Worker`);
  proc.fdLimits = { user: fdLimit(proc.userPid), proxy: proc.proxyPid ? fdLimit(proc.proxyPid) : null, client: fdLimit(process.pid) };
  return proc;
}

function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

function fdLimit(pid) {
  try {
    return Number(/^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return null;
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Memory (VmRSS, kB) and open file descriptors of the two workerd processes and of this client process. */
function rssOf(proc) {
  const user = memKb(proc.userPid);
  const proxy = proc.proxyPid ? memKb(proc.proxyPid) : null;
  return {
    userKb: user?.rss ?? null,
    userHwmKb: user?.hwm ?? null,
    proxyKb: proxy?.rss ?? null,
    clientKb: Math.round(process.memoryUsage().rss / 1024),
    userFds: fdCount(proc.userPid),
    proxyFds: proc.proxyPid ? fdCount(proc.proxyPid) : null,
    clientFds: fdCount(process.pid),
  };
}

/** Why the run cannot go on (a workerd process died, or no client is left), or null. */
function brokenRun(proc, via, clients) {
  if (proc.exited !== null) return `the dev server exited (${proc.exited})`;
  if (!pidAlive(proc.userPid)) return `the Worker's workerd (pid ${proc.userPid}) exited`;
  if (via === 'proxy' && proc.proxyPid && !pidAlive(proc.proxyPid)) return `the ProxyWorker's workerd (pid ${proc.proxyPid}) exited`;
  if (!clients.some((c) => !c.failure && c.ws.readyState === WebSocket.OPEN)) return 'no client socket is open any more';
  return null;
}

// ---------------------------------------------------------------- ingestion

let lastIngestionEnd = 0;

/** Waits until an ingestion would pull in a later minute than the last one ended in (so prices moved). */
async function waitForSlot() {
  if (!lastIngestionEnd) return 0;
  const minuteOf = (t) => Math.floor(t / 60_000);
  const target = Math.max(lastIngestionEnd + MIN_GAP_MS, (minuteOf(lastIngestionEnd) + 1) * 60_000 + 300);
  const waitMs = target - Date.now();
  if (waitMs > 0) {
    if (waitMs > 5_000) log(`  waiting ${Math.round(waitMs / 1000)} s for the next minute (the simulated prices move once a minute)`);
    await sleep(waitMs);
  }
  return Math.max(0, waitMs);
}

/** Triggers the cron straight at the Worker's workerd; resolves when it answered (its waitUntil work is done). */
async function triggerIngestion(proc) {
  alive(proc);
  const prevId = (await fetchJson(`${proc.direct}/healthz`)).lastIngestion?.id ?? null;
  const startedAt = Date.now();
  let status = null;
  try {
    const res = await fetch(`${proc.direct}${CRON_PATH}`, { signal: AbortSignal.timeout(180_000) });
    await res.arrayBuffer();
    status = res.status;
  } catch (err) {
    status = `error: ${err.message}`;
  }
  const answeredAt = Date.now();
  lastIngestionEnd = answeredAt;
  let last = null;
  for (let i = 0; i < 100; i++) {
    try {
      last = (await fetchJson(`${proc.direct}/healthz`)).lastIngestion;
    } catch (err) {
      log(`  /healthz failed (${err.cause?.code ?? err.message}); retrying`);
      last = null;
    }
    if (last && last.id !== prevId) break;
    last = null;
    await sleep(200);
  }
  lastIngestionEnd = Date.now();
  if (!last) throw new BenchError(`the ingestion triggered at ${new Date(startedAt).toISOString()} did not finish (trigger: ${status})`);
  return { id: last.id, status: last.status, offersSeen: last.offersSeen, durationMs: last.durationMs, triggerStatus: status, startedAt, answeredAt };
}

// ---------------------------------------------------------------- clients

const UPDATE_HEAD = /^\{"type":"update","room":"[^"]*","channel":"[^"]*","seq":(\d+),"replay":(true|false),"committedAt":"([^"]+)"/;
const SNAPSHOT_HEAD = /^\{"type":"snapshot","room":"[^"]*","channel":"[^"]*","seq":(\d+),"reason":"([a-z]+)"/;

let allClients = [];
/** The ingestion being measured: { received, n, done } while its updates arrive. */
let window_ = null;

function newClient(id) {
  return {
    id,
    ws: null,
    seq: null,
    welcomeSeq: null,
    subscribed: false,
    snapshot: false,
    snapshotOffers: null,
    updates: 0,
    unexpectedUpdates: 0,
    resyncs: [],
    pongs: 0,
    errors: [],
    closed: null,
    rec: null,
    onReady: null,
  };
}

function onMessage(c, data, isBinary) {
  const t = Date.now();
  if (isBinary) return void c.errors.push({ at: t, message: 'binary message' });
  const head = data.toString('latin1', 0, Math.min(data.length, 240));
  let m = UPDATE_HEAD.exec(head);
  if (m) return onUpdate(c, t, Number(m[1]), m[2] === 'true', m[3], data);
  m = SNAPSHOT_HEAD.exec(head);
  if (m) return onSnapshot(c, t, Number(m[1]), m[2], data);
  let msg;
  try {
    msg = JSON.parse(data.toString('utf8'));
  } catch {
    return void c.errors.push({ at: t, message: `not JSON: ${head.slice(0, 120)}` });
  }
  switch (msg.type) {
    case 'welcome':
      c.welcomeSeq = msg.seq;
      return;
    case 'subscribed':
      c.subscribed = true;
      return;
    case 'pong':
      c.pongs++;
      return;
    case 'update': // another field order than the fast path expects
      return onUpdate(c, t, msg.seq, msg.replay, msg.committedAt, data);
    case 'snapshot':
      return onSnapshot(c, t, msg.seq, msg.reason, data);
    default:
      c.errors.push({ at: t, message: head.slice(0, 300) });
  }
}

function onUpdate(c, t, seq, replay, committedAt, data) {
  c.updates++;
  const rec = c.rec;
  if (rec && rec.t === null && seq > rec.baseSeq) {
    rec.t = t;
    rec.seq = seq;
    rec.committedAt = committedAt;
    rec.replay = replay;
    rec.bytes = data.length;
    if (!window_.sample) window_.sample = data;
    if (++window_.received === window_.n) window_.done();
  } else {
    c.unexpectedUpdates++;
  }
  if (c.seq === null || seq > c.seq) c.seq = seq;
}

function onSnapshot(c, t, seq, reason, data) {
  if (!c.snapshot) {
    c.snapshot = true;
    c.seq = seq;
    if (c.id === 0) c.snapshotOffers = JSON.parse(data.toString('utf8')).offers?.length ?? null;
    c.onReady?.(null);
    return;
  }
  // A second snapshot: the room resent the channel (a resync) instead of an update.
  c.resyncs.push({ at: t, seq, reason, inWindow: Boolean(c.rec) });
  if (c.seq === null || seq > c.seq) c.seq = seq;
}

function connectClient(url, id, deflate) {
  const c = newClient(id);
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      c.connectMs = Date.now() - started;
      c.failure = err;
      if (err) {
        try {
          c.ws.terminate();
        } catch {
          // not open
        }
      }
      resolve(c);
    };
    c.onReady = settle;
    const timer = setTimeout(() => settle(`no snapshot within ${CONNECT_TIMEOUT_MS / 1000} s (welcome ${c.welcomeSeq !== null}, subscribed ${c.subscribed})`), CONNECT_TIMEOUT_MS);
    const ws = new WebSocket(url, [SUBPROTOCOL], { perMessageDeflate: deflate, skipUTF8Validation: true, handshakeTimeout: CONNECT_TIMEOUT_MS });
    c.ws = ws;
    ws.on('message', (data, isBinary) => onMessage(c, data, isBinary));
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => settle(`HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
      res.on('error', () => settle(`HTTP ${res.statusCode}`));
    });
    ws.on('error', (err) => {
      c.errors.push({ at: Date.now(), message: `socket error: ${err.message}` });
      settle(`socket error: ${err.message}`);
    });
    ws.on('close', (code, reason) => {
      c.closed = { at: Date.now(), code, reason: reason.toString() };
      settle(`closed before its snapshot: ${code} ${reason}`);
    });
  });
}

/** Opens n clients, CONCURRENCY at a time; each is ready once its snapshot arrived. */
async function connectAll(url, n, deflate) {
  const clients = new Array(n);
  let next = 0;
  const t0 = Date.now();
  let lastLog = t0;
  const worker = async () => {
    while (next < n) {
      const id = next++;
      clients[id] = await connectClient(url, id, deflate);
      allClients.push(clients[id]);
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`  ${clients.filter(Boolean).length}/${n} connected`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
  return { clients, ms: Date.now() - t0 };
}

let heartbeatTimer = null;
function startHeartbeats(clients) {
  if (!HEARTBEAT) return;
  let tick = 0;
  const slots = HEARTBEAT_MS / 1000;
  heartbeatTimer = setInterval(() => {
    tick++;
    for (let i = tick % slots; i < clients.length; i += slots) {
      const ws = clients[i]?.ws;
      if (ws?.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
    }
  }, 1000);
}

async function closeClients(clients) {
  clearInterval(heartbeatTimer);
  heartbeatTimer = null;
  const open = clients.filter((c) => c?.ws && c.ws.readyState !== WebSocket.CLOSED);
  const closed = Promise.all(open.map((c) => new Promise((r) => (c.ws.readyState === WebSocket.CLOSED ? r() : c.ws.once('close', r)))));
  for (const c of open) {
    try {
      c.ws.close(1000, 'bench done');
    } catch {
      // already closing
    }
  }
  await Promise.race([closed, sleep(15_000)]);
  for (const c of open) if (c.ws.readyState !== WebSocket.CLOSED) c.ws.terminate();
  allClients = allClients.filter((c) => !clients.includes(c));
}

function closeAllClients(force) {
  clearInterval(heartbeatTimer);
  for (const c of allClients) {
    try {
      if (force) c.ws?.terminate();
      else c.ws?.close(1000, 'bench done');
    } catch {
      // gone
    }
  }
}

// ---------------------------------------------------------------- one measured ingestion

async function measureUpdate(proc, clients, index) {
  const ready = clients.filter((c) => !c.failure);
  for (const c of ready) c.rec = { baseSeq: c.seq ?? 0, t: null, seq: null, committedAt: null, replay: null, bytes: null };
  const closedBefore = ready.filter((c) => c.closed).length;
  const resyncsBefore = ready.reduce((a, c) => a + c.resyncs.length, 0);
  let done;
  const all = new Promise((r) => (done = r));
  window_ = { n: ready.length, received: 0, sample: null, done };
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const cpu0 = cpuTicksOf([process.pid, proc.child.pid]);
  const clientCpu0 = process.cpuUsage();
  const ing = await triggerIngestion(proc);
  const deadline = ing.answeredAt + UPDATE_WAIT_MS;
  await Promise.race([all, sleep(Math.max(0, deadline - Date.now()))]);
  const endedAt = Date.now();
  const clientCpu = process.cpuUsage(clientCpu0);
  const foreign = foreignCpuPct(cpu0, cpuTicksOf([process.pid, proc.child.pid]));
  eld.disable();
  const sample = window_.sample;
  window_ = null;

  const got = ready.filter((c) => c.rec.t !== null);
  const missed = ready.filter((c) => c.rec.t === null);
  const latencies = got.map((c) => c.rec.t - Date.parse(c.rec.committedAt));
  const seqs = [...new Set(got.map((c) => c.rec.seq))];
  const committed = [...new Set(got.map((c) => c.rec.committedAt))];
  const committedAt = committed.length ? Date.parse(committed[0]) : null;
  let changes = null;
  let sampleChannels = null;
  if (sample) {
    const msg = JSON.parse(sample.toString('utf8'));
    changes = msg.changes?.length ?? null;
    sampleChannels = msg.channel;
  }
  const arrivals = got.map((c) => c.rec.t).sort((a, b) => a - b);
  const result = {
    ingestion: index + 1,
    ingestionId: ing.id,
    ingestionStatus: ing.status,
    offersSeen: ing.offersSeen,
    storedDurationMs: ing.durationMs,
    triggerStatus: ing.triggerStatus,
    clients: ready.length,
    received: got.length,
    missed: missed.length,
    missedIds: missed.slice(0, 20).map((c) => c.id),
    seqs,
    committedAt: committed,
    channel: sampleChannels,
    changes,
    bytes: sample ? sample.length : null,
    latencyMs: stats(latencies),
    // When the cron trigger answered (its waitUntil work, the room's sends included, was done), after the commit.
    triggerAnsweredAfterCommitMs: committedAt !== null ? ing.answeredAt - committedAt : null,
    firstToLastArrivalMs: arrivals.length ? arrivals[arrivals.length - 1] - arrivals[0] : null,
    unexpectedUpdates: ready.reduce((a, c) => a + c.unexpectedUpdates, 0),
    resyncSnapshots: ready.reduce((a, c) => a + c.resyncs.length, 0) - resyncsBefore,
    closedDuring: ready.filter((c) => c.closed).length - closedBefore,
    windowMs: endedAt - ing.startedAt,
    clientEventLoopDelayMs: { p99: round(eld.percentile(99) / 1e6, 1), max: round(eld.max / 1e6, 1) },
    clientCpuMs: round((clientCpu.user + clientCpu.system) / 1000, 0),
    foreignCpuPct: foreign,
  };
  for (const c of ready) c.rec = null;
  result.serverLine = proc.ingestionLines.find((l) => l.includes(ing.id)) ?? null;
  result.offersChanged = result.serverLine ? Number(/(\d+) changed/.exec(result.serverLine)?.[1] ?? NaN) : null;
  return result;
}

// ---------------------------------------------------------------- one run (channel × clients × via)

/** File descriptors per client socket measured in earlier runs, by `via`: { user, proxy }. */
const fdsPerSocket = {};

async function measureRun(spec, config, notes) {
  const label = `${spec.channel} × ${spec.clients} via ${spec.via}${spec.deflate ? ', permessage-deflate' : ''}`;
  const name = `${spec.kind}-${spec.clients}-${spec.via}${spec.deflate ? '-deflate' : ''}`;
  log(`run ${name}: starting a fresh dev server`);
  const proc = await startServer(name, config);
  let sampler = null;
  let clients = [];
  try {
    const base = spec.via === 'proxy' ? proc.base : proc.direct;
    const url = `${base.replace(/^http/, 'ws')}/v1/live?channels=${encodeURIComponent(spec.channel)}`;
    await sleep(1000);
    const before = rssOf(proc);
    // One client connects and leaves first: it loads the room (and the rate limiter) and warms the
    // code paths, so "warm" → "connected" is what the N sockets themselves cost.
    const probe = await connectClient(url, -1, spec.deflate);
    if (probe.failure) throw new BenchError(`${label}: the first client could not connect: ${probe.failure}; see ${proc.logPath}`);
    await closeClients([probe]);
    await sleep(1000);
    const warm = rssOf(proc);
    const peak = { userKb: before.userKb ?? 0, proxyKb: before.proxyKb ?? 0 };
    sampler = setInterval(() => {
      const r = rssOf(proc);
      peak.userKb = Math.max(peak.userKb, r.userKb ?? 0);
      peak.proxyKb = Math.max(peak.proxyKb, r.proxyKb ?? 0);
    }, 100);
    // Say so up front when an earlier run's fds per socket predict that a workerd will hit its limit.
    const seen = fdsPerSocket[spec.via];
    if (seen) {
      for (const [role, perSocket] of Object.entries(seen)) {
        const limit = proc.fdLimits[role];
        const base = role === 'user' ? warm.userFds : warm.proxyFds;
        const expected = Math.round(base + perSocket * spec.clients);
        if (limit && perSocket && expected > limit) {
          const what = role === 'user' ? "the Worker's workerd" : "the ProxyWorker's workerd";
          log(`run ${name}: WARNING: ${what} used ${perSocket} fds per socket before; ${spec.clients} sockets need about ${expected}, over its limit of ${limit}`);
          notes.push(`**${label}: ${what} used ${perSocket} file descriptors per socket in an earlier run; ${spec.clients} sockets need about ${expected}, more than its limit of ${limit} (\`ulimit -n\`).**`);
        }
      }
    }
    log(`run ${name}: connecting ${spec.clients} clients to ${url}`);
    const conn = await connectAll(url, spec.clients, spec.deflate);
    clients = conn.clients;
    const failed = clients.filter((c) => c.failure);
    const reasons = {};
    for (const c of failed) reasons[c.failure] = (reasons[c.failure] ?? 0) + 1;
    log(`run ${name}: ${clients.length - failed.length}/${spec.clients} connected in ${round(conn.ms / 1000, 1)} s` + (failed.length ? `; FAILED: ${JSON.stringify(reasons)}` : ''));
    if (failed.length) notes.push(`**${label}: ${failed.length} of ${spec.clients} clients did not connect**: ${JSON.stringify(reasons)}.`);
    if (failed.length === clients.length) throw new BenchError(`${label}: no client connected (${JSON.stringify(reasons)}); see ${proc.logPath}`);
    const protocols = [...new Set(clients.filter((c) => !c.failure).map((c) => c.ws.protocol))];
    const extensions = [...new Set(clients.filter((c) => !c.failure).map((c) => c.ws.extensions || '(none)'))];
    if (spec.deflate) notes.push(`${label}: the clients offered permessage-deflate; negotiated: ${extensions.join(', ')}.`);
    startHeartbeats(clients);
    await sleep(2000);
    const connected = rssOf(proc);
    const readyCount = clients.filter((c) => !c.failure).length;
    if (!brokenRun(proc, spec.via, clients) && readyCount >= 100) {
      fdsPerSocket[spec.via] = {
        user: round((connected.userFds - warm.userFds) / readyCount, 2),
        ...(spec.via === 'proxy' && connected.proxyFds !== null ? { proxy: round((connected.proxyFds - warm.proxyFds) / readyCount, 2) } : {}),
      };
    }

    const fatal = () => proc.lines.filter((l) => /fatal|Too many open files|Uncaught/i.test(l.line)).map((l) => l.line.slice(0, 200));
    const ingestions = [];
    let aborted = null;
    for (let i = 0; i < spec.ingestions; i++) {
      await waitForSlot();
      aborted = brokenRun(proc, spec.via, clients);
      if (aborted) {
        const open = clients.filter((c) => !c.failure && c.ws.readyState === WebSocket.OPEN).length;
        aborted += `; ${open} of ${clients.length} client sockets open; ingestions ${i + 1}–${spec.ingestions} not run` + (fatal().length ? `; the dev server logged: ${fatal().join(' | ')}` : '');
        log(`run ${name}: ABORTED: ${aborted}`);
        notes.push(`**${label}: aborted: ${aborted}.**`);
        break;
      }
      alive(proc);
      log(`run ${name}: ingestion ${i + 1}/${spec.ingestions}`);
      const m = await measureUpdate(proc, clients, i);
      const broken = brokenRun(proc, spec.via, clients);
      if (broken) m.brokenAfter = broken;
      const l = m.latencyMs;
      log(
        `  seq ${m.seqs.join(',') || '-'}, ${m.changes ?? '?'} changes (${round((m.bytes ?? 0) / 1024, 1)} KB): ${m.received}/${m.clients} received; ` +
          `p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms; trigger answered ${m.triggerAnsweredAfterCommitMs} ms after commit; client loop delay p99 ${m.clientEventLoopDelayMs.p99} ms; other CPU ${m.foreignCpuPct}%`,
      );
      if (m.missed) notes.push(`**${label}, ingestion ${i + 1}: ${m.missed} of ${m.clients} clients got no update within ${UPDATE_WAIT_MS / 1000} s after the trigger answered** (client ids ${m.missedIds.join(', ')}${m.missed > 20 ? ', …' : ''}).`);
      if (m.seqs.length > 1) notes.push(`${label}, ingestion ${i + 1}: clients got different seqs (${m.seqs.join(', ')}).`);
      if (m.resyncSnapshots) notes.push(`${label}, ingestion ${i + 1}: ${m.resyncSnapshots} resync snapshots instead of updates.`);
      if (m.closedDuring) notes.push(`**${label}, ingestion ${i + 1}: ${m.closedDuring} sockets closed during the ingestion.**`);
      if (m.ingestionStatus !== 'succeeded') notes.push(`${label}, ingestion ${i + 1}: status ${m.ingestionStatus}.`);
      ingestions.push(m);
    }
    if (!aborted && brokenRun(proc, spec.via, clients)) {
      aborted = `${brokenRun(proc, spec.via, clients)} (after the last ingestion)` + (fatal().length ? `; the dev server logged: ${fatal().join(' | ')}` : '');
      notes.push(`**${label}: ${aborted}.**`);
    }
    await sleep(1000);
    const after = rssOf(proc);
    clearInterval(sampler);

    const ready = clients.filter((c) => !c.failure);
    const problems = {
      errors: ready.reduce((a, c) => a + c.errors.length, 0),
      errorSamples: [...new Set(ready.flatMap((c) => c.errors.map((e) => e.message)))].slice(0, 5),
      closed: ready.filter((c) => c.closed).map((c) => c.closed).slice(0, 5),
      closedCount: ready.filter((c) => c.closed).length,
      unexpectedUpdates: ready.reduce((a, c) => a + c.unexpectedUpdates, 0),
      pongs: ready.reduce((a, c) => a + c.pongs, 0),
    };
    if (problems.errors) notes.push(`**${label}: ${problems.errors} client errors**, e.g. ${problems.errorSamples.map((e) => '`' + e + '`').join('; ')}.`);
    if (problems.closedCount) notes.push(`**${label}: ${problems.closedCount} sockets were closed by the other side**, e.g. ${JSON.stringify(problems.closed)}.`);
    if (problems.unexpectedUpdates) notes.push(`${label}: ${problems.unexpectedUpdates} updates arrived outside a measured ingestion or as a second update in one.`);
    const serverErrors = proc.lines.filter((l) => l.error);
    if (serverErrors.length) notes.push(`**${label}: the dev server logged ${serverErrors.length} error line(s)**, e.g. ${serverErrors.slice(0, 3).map((l) => '`' + l.line.slice(0, 200) + '`').join('; ')}; see bench/results/live/${name}.log.`);
    if (proc.reloads) notes.push(`${label}: wrangler reloaded the Worker ${proc.reloads} time(s).`);

    const connectTimes = stats(ready.map((c) => c.connectMs));
    // null when a process was gone at either end (a dead workerd has no RSS).
    const sub = (a, b) => (a === null || a === undefined || b === null || b === undefined ? null : a - b);
    const per1000 = (kb) => (kb === null ? null : round((kb / 1024) * (1000 / ready.length), 1));
    const memory = {
      before: { userMb: mb(before.userKb), proxyMb: mb(before.proxyKb), clientMb: mb(before.clientKb) },
      warm: { userMb: mb(warm.userKb), proxyMb: mb(warm.proxyKb) },
      connected: { userMb: mb(connected.userKb), proxyMb: mb(connected.proxyKb), clientMb: mb(connected.clientKb) },
      after: { userMb: mb(after.userKb), proxyMb: mb(after.proxyKb), clientMb: mb(after.clientKb), userHwmMb: mb(after.userHwmKb) },
      peak: { userMb: mb(peak.userKb), proxyMb: mb(peak.proxyKb) },
      // From before the first client, and from after the probe client (the sockets' own share).
      userDeltaConnectedMb: mb(sub(connected.userKb, before.userKb)),
      userDeltaAfterMb: mb(sub(after.userKb, before.userKb)),
      userDeltaWarmToConnectedMb: mb(sub(connected.userKb, warm.userKb)),
      userDeltaWarmToAfterMb: mb(sub(after.userKb, warm.userKb)),
      userPer1000Mb: per1000(sub(connected.userKb, warm.userKb)),
      userPer1000AfterMb: per1000(sub(after.userKb, warm.userKb)),
      proxyDeltaConnectedMb: mb(sub(connected.proxyKb, warm.proxyKb)),
      proxyDeltaAfterMb: mb(sub(after.proxyKb, warm.proxyKb)),
      proxyPer1000Mb: per1000(sub(connected.proxyKb, warm.proxyKb)),
      // Open file descriptors, and the per-process limit (a workerd that reaches it dies: "accept: Too many open files").
      fds: {
        limit: proc.fdLimits,
        before: { user: before.userFds, proxy: before.proxyFds, client: before.clientFds },
        warm: { user: warm.userFds, proxy: warm.proxyFds, client: warm.clientFds },
        connected: { user: connected.userFds, proxy: connected.proxyFds, client: connected.clientFds },
        after: { user: after.userFds, proxy: after.proxyFds, client: after.clientFds },
        userPerSocket: sub(connected.userFds, warm.userFds) === null ? null : round((connected.userFds - warm.userFds) / ready.length, 2),
        proxyPerSocket: sub(connected.proxyFds, warm.proxyFds) === null ? null : round((connected.proxyFds - warm.proxyFds) / ready.length, 2),
      },
    };
    const pick = (f) => median(ingestions.map(f));
    const summary = {
      p50: pick((m) => m.latencyMs.p50),
      p99: pick((m) => m.latencyMs.p99),
      max: pick((m) => m.latencyMs.max),
      worstP99: Math.max(...ingestions.map((m) => m.latencyMs.p99 ?? Infinity)),
      worstMax: Math.max(...ingestions.map((m) => m.latencyMs.max ?? Infinity)),
      allReceived: ingestions.length === spec.ingestions && ingestions.every((m) => m.missed === 0 && m.received === spec.clients),
      changes: pick((m) => m.changes),
      bytes: pick((m) => m.bytes),
      triggerAnsweredAfterCommitMs: pick((m) => m.triggerAnsweredAfterCommitMs),
      clientEventLoopDelayP99Ms: pick((m) => m.clientEventLoopDelayMs.p99),
      foreignCpuPct: pick((m) => m.foreignCpuPct),
    };
    return {
      name,
      label,
      aborted,
      kind: spec.kind,
      channel: spec.channel,
      via: spec.via,
      deflate: spec.deflate,
      main: spec.main,
      clients: spec.clients,
      connected: ready.length,
      connectAllMs: conn.ms,
      connectPerClientMs: connectTimes,
      snapshotOffers: clients[0]?.snapshotOffers ?? null,
      subprotocol: protocols,
      extensions,
      url,
      ingestions,
      summary,
      memory,
      problems,
      serverLog: proc.lines.map((l) => l.line).slice(-40),
      ingestionLog: proc.ingestionLines,
    };
  } finally {
    clearInterval(sampler);
    await closeClients(clients.filter(Boolean));
    await stopProc(proc);
  }
}

// ---------------------------------------------------------------- report

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const git = (args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git(['rev-parse', '--short', REV ?? 'HEAD']);
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    ramGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    wrangler: run(wrangler, ['--version']).trim().split('\n').pop(),
    ws: JSON.parse(readFileSync(join(root, 'node_modules', 'ws', 'package.json'), 'utf8')).version,
    kernel: `${os.type()} ${os.release()}`,
    loadAvgAtStart: os.loadavg().map((x) => round(x, 2)),
    commit,
    source: REV ? `git archive ${REV} (${commit})` : 'working tree',
    uncommittedFiles: REV ? 0 : git(['status', '--porcelain', '--', 'src', 'migrations', 'wrangler.toml']).split('\n').filter(Boolean).length,
  };
}

const fmt = (x, unit = '') => (x === null || x === undefined || (typeof x === 'number' && !Number.isFinite(x)) ? 'n/a' : `${typeof x === 'number' ? x.toLocaleString('en-US') : x}${unit}`);
const yes = (ok) => (ok === null ? 'n/a' : ok ? '**met**' : '**missed**');

function report(r) {
  const L = [];
  L.push(`# Live fan-out benchmark — ${r.date}`, '');
  L.push(
    `${r.machine.source === 'working tree' ? 'Working tree at commit' : 'Source: ' + r.machine.source + ', commit'} ${r.machine.commit}${r.machine.uncommittedFiles ? ` + ${r.machine.uncommittedFiles} uncommitted file(s) under src/, migrations/, wrangler.toml` : ''}; ` +
      `${r.machine.nproc} × ${r.machine.cpu}, ${r.machine.ramGiB} GiB; Node ${r.machine.node}; ${r.machine.wrangler}; ws ${r.machine.ws}; load average at start ${r.machine.loadAvgAtStart.join(' / ')}. Whole run ${r.elapsedS} s.`,
    '',
  );
  L.push(
    `Market: ${r.market.offers} simulated offers (SIM_OFFERS=${r.settings.simOffers}). Channel of the main runs: \`${r.market.gpuChannel}\` (${r.market.gpuOffers} offers, the most of any GPU model). ` +
      `Latency = client arrival time − \`committedAt\` (taken right after the ingestion's D1 writes committed) of the first \`update\` with a new seq; ` +
      `each ingestion in a new minute (the simulator moves prices once a minute). Clients: \`ws\`, one Node process, ${r.settings.concurrency} connects at a time, ` +
      `heartbeat ${r.settings.heartbeat ? 'on (30 s)' : 'off'}, permessage-deflate not offered except in the run marked so. All on one ${r.machine.nproc}-core machine: client, ProxyWorker, Worker.`,
    '',
  );
  L.push('## Targets (issue 4: p99 from the D1 write to the client)', '');
  L.push('| Target | Run | p99 (median of ingestions) | worst p99 | last client (median / worst) | all clients got every update | Met |', '|---|---|---|---|---|---|---|');
  for (const t of r.targets) L.push(`| p99 ≤ ${fmt(t.targetMs)} ms at ${fmt(t.clients)} clients${t.main ? '' : ' (secondary)'} | ${t.run} | ${fmt(t.p99)} ms | ${fmt(t.worstP99)} ms | ${fmt(t.max)} / ${fmt(t.worstMax)} ms | ${t.allReceived ? 'yes' : '**NO**'} | ${yes(t.met)} |`);
  L.push('');
  L.push('## Runs (medians over the ingestions of each run)', '');
  L.push(
    '| Run | Clients connected | Connect all | Connect one p50 / p99 | Ingestions | Update: changes / KB | p50 | p99 | Last client | All received | Trigger answered after commit | Client loop delay p99 | Other CPU |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const x of r.runs) {
    const s = x.summary;
    L.push(
      `| ${x.label}${x.aborted ? ' — **aborted**' : ''} | ${fmt(x.connected)}/${fmt(x.clients)} | ${fmt(round(x.connectAllMs / 1000, 1))} s | ${fmt(x.connectPerClientMs.p50)} / ${fmt(x.connectPerClientMs.p99)} ms | ${x.ingestions.length} | ${fmt(s.changes)} / ${fmt(round((s.bytes ?? NaN) / 1024, 1))} | ` +
        `${fmt(s.p50)} ms | ${fmt(s.p99)} ms | ${fmt(s.max)} ms | ${s.allReceived ? 'yes' : '**NO**'} | ${fmt(s.triggerAnsweredAfterCommitMs)} ms | ${fmt(s.clientEventLoopDelayP99Ms)} ms | ${fmt(s.foreignCpuPct)}% |`,
    );
  }
  L.push('');
  L.push('## Every ingestion', '');
  L.push('| Run | # | seq | Offers changed (all channels) | Changes in the update | KB | Received | min | p50 | p99 | max | First→last arrival | Trigger answered after commit | Stored duration | Client CPU | Client loop delay p99 / max | Other CPU |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const x of r.runs) {
    for (const m of x.ingestions) {
      const l = m.latencyMs;
      L.push(
        `| ${x.label} | ${m.ingestion} | ${m.seqs.join(', ') || '—'} | ${fmt(m.offersChanged)} | ${fmt(m.changes)} | ${fmt(round((m.bytes ?? NaN) / 1024, 1))} | ${m.received === m.clients ? '' : '**'}${fmt(m.received)}/${fmt(m.clients)}${m.received === m.clients ? '' : '**'} | ` +
          `${fmt(l.min)} | ${fmt(l.p50)} | ${fmt(l.p99)} | ${fmt(l.max)} | ${fmt(m.firstToLastArrivalMs)} | ${fmt(m.triggerAnsweredAfterCommitMs)} | ${fmt(m.storedDurationMs)} | ${fmt(m.clientCpuMs)} ms | ${fmt(m.clientEventLoopDelayMs.p99)} / ${fmt(m.clientEventLoopDelayMs.max)} | ${fmt(m.foreignCpuPct)}% |`,
      );
    }
  }
  L.push('', 'Latencies in ms. "Trigger answered after commit": when the cron trigger returned (the ingestion\'s waitUntil work done, so the room had handed every message to the runtime), minus committedAt.', '');
  L.push('## Memory (VmRSS of whole workerd processes, MB)', '');
  L.push('The Worker\'s workerd runs the Worker, every Durable Object (the room included) and the D1 simulator; through the proxy, the ProxyWorker\'s workerd holds a second copy of every socket.', '');
  L.push(
    '"before": the fresh server, no client yet; "warm": after one client connected and left (the room and the code are loaded); "connected": all N clients hold their socket (2 s after the last snapshot); "after": 1 s after the last update. Per 1,000 sockets = (connected − warm) × 1,000 / N.',
    '',
  );
  L.push(
    '| Run | Worker workerd: before → warm → connected → after (peak) | Δ before→connected | Δ warm→connected | per 1,000 sockets | Δ warm→after (per 1,000) | ProxyWorker workerd: before → warm → connected → after | Δ warm→connected (per 1,000) | Client (Node) connected |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const x of r.runs) {
    const m = x.memory;
    L.push(
      `| ${x.label} | ${fmt(m.before.userMb)} → ${fmt(m.warm.userMb)} → ${fmt(m.connected.userMb)} → ${fmt(m.after.userMb)} (${fmt(m.peak.userMb)}) | ${fmt(m.userDeltaConnectedMb)} | ${fmt(m.userDeltaWarmToConnectedMb)} | ${fmt(m.userPer1000Mb)} | ${fmt(m.userDeltaWarmToAfterMb)} (${fmt(m.userPer1000AfterMb)}) | ` +
        (x.via === 'direct'
          ? `not in the path (${fmt(m.connected.proxyMb)}) | — | `
          : `${fmt(m.before.proxyMb)} → ${fmt(m.warm.proxyMb)} → ${fmt(m.connected.proxyMb)} → ${fmt(m.after.proxyMb)} | ${fmt(m.proxyDeltaConnectedMb)} (${fmt(m.proxyPer1000Mb)}) | `) +
        `${fmt(m.connected.clientMb)} |`,
    );
  }
  L.push('');
  L.push('Open file descriptors (each workerd and the client process have a limit; a workerd that reaches it dies with "accept: Too many open files"):', '');
  L.push('| Run | Worker workerd: warm → connected (per socket) | ProxyWorker workerd: warm → connected (per socket) | Client: connected | Limit (Worker / ProxyWorker / client) |', '|---|---|---|---|---|');
  for (const x of r.runs) {
    const f = x.memory.fds;
    L.push(
      `| ${x.label} | ${fmt(f.warm.user)} → ${fmt(f.connected.user)} (${fmt(f.userPerSocket)}) | ${x.via === 'direct' ? 'not in the path' : `${fmt(f.warm.proxy)} → ${fmt(f.connected.proxy)} (${fmt(f.proxyPerSocket)})`} | ${fmt(f.connected.client)} | ${fmt(f.limit?.user)} / ${fmt(f.limit?.proxy)} / ${fmt(f.limit?.client)} |`,
    );
  }
  L.push('');
  if (r.marginalMemory.length) {
    L.push('Marginal cost between two runs that differ only in N (cancels what does not scale with the sockets): (Δ warm→connected at the larger N − at the smaller) × 1,000 / (difference in N).', '');
    L.push('| Runs | Worker workerd per 1,000 sockets | ProxyWorker workerd per 1,000 sockets |', '|---|---|---|');
    for (const x of r.marginalMemory) L.push(`| ${x.runs} | ${fmt(x.userPer1000Mb)} MB | ${fmt(x.proxyPer1000Mb)} MB |`);
    L.push('');
  }
  if (r.notes.length) L.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return L.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const started = Date.now();
  const notes = [];
  log(`plan: ${PLAN.map((p) => `${p.kind} × ${p.clients} via ${p.via}${p.deflate ? ' + deflate' : ''} (${p.ingestions} ingestions)`).join('; ')}; about ${Math.round(PLANNED_S / 60)} min, timeout ${TIMEOUT_S} s`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(buildDir, { recursive: true });
  const info = machine();
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const secrets = { JWT_PRIVATE_KEY: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: `bench-${randomUUID().slice(0, 8)}` }) };
  const quote = (v) => (String(v).includes("'") ? JSON.stringify(String(v)) : `'${v}'`);
  writeFileSync(envFile, Object.entries({ ...ENV_VARS, ...secrets }).map(([k, v]) => `${k}=${quote(v)}`).join('\n') + '\n', { mode: 0o600 });

  // The source: the working tree, or a committed revision exported under bench/results/live/tree
  // (inside the repository, so its imports still find /work/main/node_modules).
  let tree = root;
  if (REV) {
    tree = join(workDir, 'tree');
    mkdirSync(tree, { recursive: true });
    log(`exporting ${REV} (${info.commit}) to ${tree}`);
    run('sh', ['-c', 'git archive "$0" | tar -x -C "$1"', REV, tree]);
  }
  // The bench's copies of wrangler.toml live under bench/results/live (nothing is written to the
  // source tree), so their paths are made absolute. [[containers]] is dropped, as
  // scripts/build-check.mjs does without Docker: a dry run would build the image, and local runs
  // have containers off anyway ([dev] enable_containers = false).
  const toml = readFileSync(join(tree, 'wrangler.toml'), 'utf8');
  const main = /^main\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!main) throw new BenchError('wrangler.toml has no main');
  const benchToml = (mainLine) => relocated(withoutAssets(withoutContainers(toml)), tree, mainLine);
  const bundleConfig = join(workDir, 'wrangler.bundle.toml');
  writeFileSync(bundleConfig, benchToml(`main = ${JSON.stringify(join(tree, main))}`));
  log(`bundling the API from the ${info.source} (wrangler deploy --dry-run)`);
  run(wrangler, ['deploy', '--dry-run', '--outdir', buildDir, '-c', bundleConfig]);
  const script = readdirSync(buildDir).find((f) => f.endsWith('.js'));
  if (!script) throw new BenchError(`no bundle in ${buildDir}`);
  const config = join(buildDir, 'wrangler.toml');
  writeFileSync(config, benchToml(`main = "${script}"\nno_bundle = true`));
  log('applying D1 migrations');
  run(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', stateDir, '-c', bundleConfig]);

  // 1. The market, and the busiest GPU channel.
  log('filling the market (one ingestion)');
  const fill = await startServer('fill', config);
  const first = await triggerIngestion(fill);
  if (first.status !== 'succeeded') throw new BenchError(`the first ingestion ended with status ${first.status}`);
  const gpus = (await fetchJson(`${fill.direct}/v1/gpus`)).data;
  const busiest = [...gpus].sort((a, b) => (b.market?.offers ?? 0) - (a.market?.offers ?? 0))[0];
  if (!busiest?.market?.offers) throw new BenchError('GET /v1/gpus lists no offers after the first ingestion');
  const market = { offers: first.offersSeen, gpuChannel: `gpu:${busiest.name}`, gpuOffers: busiest.market.offers, firstIngestionMs: first.durationMs };
  log(`${market.offers} offers; busiest channel ${market.gpuChannel} (${market.gpuOffers} offers)`);
  await stopProc(fill);

  // 2./3. The runs.
  const runs = [];
  for (const spec of PLAN) {
    const channel = spec.kind === 'market' ? 'market' : market.gpuChannel;
    runs.push(await measureRun({ ...spec, channel }, config, notes));
  }

  const targets = runs
    .filter((x) => x.kind === 'gpu' && TARGETS_P99_MS[x.clients] !== undefined)
    .map((x) => ({
      clients: x.clients,
      run: x.label,
      targetMs: TARGETS_P99_MS[x.clients],
      p99: x.summary.p99,
      worstP99: x.summary.worstP99,
      max: x.summary.max,
      worstMax: x.summary.worstMax,
      allReceived: x.summary.allReceived,
      main: x.main,
      met: x.summary.p99 !== null && x.summary.p99 <= TARGETS_P99_MS[x.clients] && x.summary.allReceived,
    }));
  // Per-socket memory from pairs of runs that differ only in N.
  const marginalMemory = [];
  for (const a of runs) {
    for (const b of runs) {
      if (a === b || a.aborted || b.aborted || a.connected !== a.clients || b.connected !== b.clients || a.kind !== b.kind || a.via !== b.via || a.deflate !== b.deflate || b.connected <= a.connected) continue;
      const dn = b.connected - a.connected;
      const per = (key) => (a.memory[key] === null || b.memory[key] === null ? null : round(((b.memory[key] - a.memory[key]) * 1000) / dn, 1));
      marginalMemory.push({ runs: `${a.label} → ${b.connected}`, userPer1000Mb: per('userDeltaWarmToConnectedMb'), proxyPer1000Mb: a.via === 'proxy' ? per('proxyDeltaConnectedMb') : null });
    }
  }
  const busy = runs.flatMap((x) => x.ingestions.filter((m) => m.foreignCpuPct >= 10).map((m) => `${x.label} #${m.ingestion} (${m.foreignCpuPct}%)`));
  if (busy.length) notes.push(`Other processes used ≥ 10% of the machine's CPU during: ${busy.join(', ')}; those numbers are pessimistic.`);

  const result = {
    date: new Date(started).toISOString(),
    elapsedS: round((Date.now() - started) / 1000, 0),
    machine: info,
    settings: {
      clients: CLIENTS,
      runs: RUNS,
      marketClients: MARKET_CLIENTS,
      direct: DIRECT,
      secondaryRuns: SECONDARY_RUNS,
      simOffers: SIM_OFFERS,
      concurrency: CONCURRENCY,
      updateWaitS: UPDATE_WAIT_MS / 1000,
      heartbeat: HEARTBEAT,
      deflateClients: DEFLATE_CLIENTS,
      logLevel: LOG_LEVEL,
      rev: REV,
      env: ENV_VARS,
    },
    market,
    targets,
    runs,
    marginalMemory,
    notes,
  };
  writeFileSync(join(resultsDir, 'live-latest.json'), JSON.stringify(result, null, 2) + '\n');
  const md = report(result);
  writeFileSync(join(resultsDir, 'live-latest.md'), md + '\n');
  console.log(md);
  log(`done in ${result.elapsedS} s; bench/results/live-latest.json`);
  return targets.every((t) => t.met || !t.main) && runs.every((x) => x.summary.allReceived);
}

const watchdog = setTimeout(() => {
  log(`timed out after ${TIMEOUT_S} s`);
  closeAllClients(true);
  stopAll().finally(() => process.exit(1));
}, TIMEOUT_S * 1000);

let code = 0;
try {
  const ok = await main();
  if (STRICT && !ok) code = 2;
} catch (err) {
  log(`FAILED: ${err instanceof BenchError ? err.message : (err?.stack ?? err)}`);
  code = 1;
} finally {
  closeAllClients(true);
  await stopAll();
  clearTimeout(watchdog);
}
process.exit(code);
