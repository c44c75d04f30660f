#!/usr/bin/env node
// `npm run bench:deployments`: 200 deployments created at once against the simulated cloud, through
// the real path — API → D1 → DEPLOY_JOBS queue → consumer → the agent process → signed callbacks → D1 —
// with the Worker under wrangler's dev server and the agent as a Node process (as `npm start` runs them).
// Measures, per run: time from POST to `running` (from each deployment's own events: the server's
// clock at the POST and at the provisioning → running transition), the consumer's throughput (provision
// jobs stored per second), and consistency: one deployment per request (a POST that fails with a 5xx
// or a dropped connection is retried with its Idempotency-Key, as a client should, and counted), every
// deployment ends running (or failed with a reason),
// the agent holds exactly one pod per deployment, and after terminating all, none is left.
//
// Settings: BENCH_DEPLOYMENTS (200), BENCH_RUNS (3), SIM_BOOT_MS (3000, the agent's default),
// AGENT_POLL_MS (1000, default). The sim's default 10% no-capacity rate applies; deployments ask for
// failover, so those move to another offer (their extra attempt is in the numbers).
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unstable_startWorker } from 'wrangler';
import { freePort, median, percentile, round, sleep } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_DEPLOYMENTS ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BOOT_MS = process.env.SIM_BOOT_MS ?? '3000';
const POLL_MS = process.env.AGENT_POLL_MS ?? '1000';
const log = (m) => console.error(`[bench:deployments] ${m}`);

const dir = mkdtempSync(join(os.tmpdir(), 'gpubroker-bench-dep-'));
const persist = join(dir, 'state');
const [apiPort, agentPort] = [await freePort(), await freePort()];
const api = `http://127.0.0.1:${apiPort}`;
const agentUrl = `http://127.0.0.1:${agentPort}`;
const secret = randomBytes(32).toString('hex');
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const vars = {
  ENVIRONMENT: 'development',
  SIM_ENABLED: 'true',
  SIM_SEED: '42',
  SIM_OFFERS: '300',
  PROVIDERS_DISABLED: 'vastai',
  ANON_RATE_LIMIT_PER_MIN: '100000',
  PLAN_RATE_LIMIT_MULTIPLIER: '10000',
  JWT_PRIVATE_KEY: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: `bench-${randomUUID().slice(0, 8)}` }),
  DEPLOY_ENV_KEY: randomBytes(32).toString('base64'),
  AGENT_SECRET: secret,
  AGENT_URL: agentUrl,
  API_PUBLIC_URL: api,
};
mkdirSync(dir, { recursive: true });
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const envFile = join(dir, 'worker.env');
writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n');

const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const sh = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
};
sh(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist]);
sh('npm', ['run', '--silent', 'build:agent']);

const agent = spawn(process.execPath, [join(root, 'dist', 'agent', 'agent.mjs')], {
  cwd: root,
  env: { PATH: process.env.PATH, AGENT_PORT: String(agentPort), HOST: '127.0.0.1', AGENT_SECRET: secret, SIM_SEED: '42', SIM_BOOT_MS: BOOT_MS, AGENT_POLL_MS: POLL_MS },
  // The agent's JSON log (callback failures included) goes to a file beside the results.
  stdio: ['ignore', openSync(join(root, 'bench', 'results', 'deployments-agent.log'), 'w'), 'inherit'],
});
const worker = await unstable_startWorker({
  config: join(root, 'wrangler.toml'),
  envFiles: [envFile],
  dev: { server: { hostname: '127.0.0.1', port: apiPort }, persist, inspector: false, logLevel: 'error', testScheduled: true, enableContainers: false },
});
await worker.ready;

async function stopAll() {
  agent.kill('SIGTERM');
  await worker.dispose().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => stopAll().then(() => process.exit(130)));
const timeout = setTimeout(() => {
  log('timed out');
  stopAll().then(() => process.exit(2));
}, 30 * 60_000);

const sign = (body) => {
  const t = Date.now();
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
};
let token;
const call = async (method, path, body, key = randomUUID()) => {
  const res = await fetch(api + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((err) => ({ status: 599, json: async () => ({ detail: err.message }) }));
  return { status: res.status, body: await res.json().catch(() => null) };
};
// As a client should: a 5xx or a dropped connection is retried with the same Idempotency-Key, so a
// request that did reach the Worker is answered from its first outcome instead of creating another.
let retries = 0;
const create = async (body) => {
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const res = await call('POST', '/v1/deployments', body, key);
    if (res.status < 500 || attempt === 4) return res;
    retries++;
    await sleep(250 * attempt);
  }
};

// A market, and a tenant allowed unlimited concurrent deployments (there is no plan API before billing).
await fetch(`${api}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
for (let i = 0; i < 100 && !(await (await fetch(`${api}/healthz`)).json()).lastIngestion; i++) await sleep(100);
const signup = await fetch(`${api}/v1/auth/signup`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
  body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'correct horse battery staple', organization: 'Bench' }),
});
const signed = await signup.json();
sh(wrangler, ['d1', 'execute', 'DB', '--local', '--persist-to', persist, '--command', `UPDATE tenants SET plan = 'enterprise' WHERE id = '${signed.tenant.id}'`]);
// Deployments need credit: the user becomes a platform admin and grants its tenant credit (a ledger posting).
sh(wrangler, ['d1', 'execute', 'DB', '--local', '--persist-to', persist, '--command', `UPDATE users SET is_platform_admin = 1 WHERE id = '${signed.user.id}'`]);
token = signed.accessToken;
// The dev server drops kept-alive connections after an outside write to the database: wait for it.
for (let i = 0; i < 50; i++) {
  if (await fetch(`${api}/healthz`).then((r) => r.ok, () => false)) break;
  await sleep(100);
}
const credit = await call('POST', '/v1/admin/billing/adjustments', { tenantId: signed.tenant.id, amountUsd: 100000, reason: 'benchmark credit' });
if (credit.status !== 201) throw new Error(`could not add credit: ${credit.status} ${JSON.stringify(credit.body)}`);

const results = [];
for (let run = 1; run <= RUNS; run++) {
  // Fresh prices: offers must have been observed within 10 minutes to be deployable.
  await fetch(`${api}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
  await sleep(1500);
  const offers = (await call('GET', '/v1/offers?provider=sim&limit=200')).body.data;
  const started = Date.now();
  const posts = await Promise.all(
    Array.from({ length: N }, (_, i) => create({ offerId: offers[i % offers.length].id, name: `bench-${run}-${i}`, image: 'busybox', failover: { enabled: true } })),
  );
  const postSeconds = (Date.now() - started) / 1000;
  const retried = retries;
  retries = 0;
  const ids = posts.filter((p) => p.status === 202).map((p) => p.body.id);
  const refused = posts.filter((p) => p.status !== 202).map((p) => `${p.status} ${p.body?.detail ?? ''}`);
  // Wait until every deployment is running or failed.
  let deps = [];
  for (const deadline = Date.now() + 5 * 60_000; Date.now() < deadline; ) {
    deps = await Promise.all(ids.map(async (id) => (await call('GET', `/v1/deployments/${id}`)).body));
    if (deps.every((d) => d.status === 'running' || d.status === 'failed')) break;
    await sleep(1000);
  }
  const created = (d) => Date.parse(d.createdAt);
  const eventAt = (d, from, to) => d.events.filter((e) => e.from === from && e.to === to).map((e) => Date.parse(e.at));
  const running = deps.filter((d) => d.status === 'running');
  const toRunning = running.map((d) => Math.max(...eventAt(d, 'provisioning', 'running')) - created(d)).sort((a, b) => a - b);
  const provisioned = deps.flatMap((d) => eventAt(d, 'pending', 'provisioning')).sort((a, b) => a - b);
  const firstPost = Math.min(...deps.map(created));
  const jobsPerSecond = provisioned.length / ((provisioned[provisioned.length - 1] - firstPost) / 1000);
  // Consistency: one pod per deployment at the agent.
  const body = '';
  const pods = (await (await fetch(`${agentUrl}/v1/pods?provider=sim`, { headers: { 'x-gpubroker-signature': sign(body) } })).json()).pods;
  const livePods = pods.filter((p) => p.status !== 'terminated' && p.status !== 'not_found');
  const podsPerDeployment = new Map();
  for (const p of livePods) podsPerDeployment.set(p.deploymentId, (podsPerDeployment.get(p.deploymentId) ?? 0) + 1);
  const mismatched = running.filter((d) => podsPerDeployment.get(d.id) !== 1 || !livePods.some((p) => p.podId === d.podId)).length;
  // Terminate everything and check nothing is left.
  await Promise.all(deps.filter((d) => d.status === 'running').map((d) => call('DELETE', `/v1/deployments/${d.id}`)));
  let left = [];
  for (const deadline = Date.now() + 3 * 60_000; Date.now() < deadline; ) {
    left = (await Promise.all(running.map(async (d) => (await call('GET', `/v1/deployments/${d.id}`)).body))).filter((d) => d.status !== 'terminated');
    if (left.length === 0) break;
    await sleep(1000);
  }
  // Deployments still not terminated although their pods are gone are what the reconcile pass exists
  // for (a lost callback): run one cron tick and count again.
  const beforeReconcile = left.length;
  if (left.length > 0) {
    await fetch(`${api}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
    await sleep(5000);
    left = (await Promise.all(left.map(async (d) => (await call('GET', `/v1/deployments/${d.id}`)).body))).filter((d) => d.status !== 'terminated');
  }
  const podsAfter = (await (await fetch(`${agentUrl}/v1/pods?provider=sim`, { headers: { 'x-gpubroker-signature': sign('') } })).json()).pods.filter((p) => p.status !== 'terminated' && p.status !== 'not_found');
  // Exactly one deployment per POSTed name, however often a POST was retried.
  const all = [];
  for (let cursor = null; ; ) {
    const page = (await call('GET', `/v1/deployments?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).body;
    all.push(...page.data.filter((d) => d.name.startsWith(`bench-${run}-`)));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  const r = {
    run,
    retriedPosts: retried,
    rowsForRun: all.length,
    posted: N,
    accepted: ids.length,
    refused,
    postSeconds: round(postSeconds, 2),
    running: running.length,
    failed: deps.filter((d) => d.status === 'failed').map((d) => d.statusReason),
    failovers: deps.filter((d) => d.offerAttempts > 1).length,
    toRunningMs: { median: round(median(toRunning), 0), p99: percentile(toRunning, 99), max: toRunning[toRunning.length - 1] },
    consumerJobsPerSecond: round(jobsPerSecond, 1),
    podsMismatched: mismatched,
    notTerminatedBeforeReconcile: beforeReconcile,
    notTerminated: left.length,
    podsLeftAfterTerminate: podsAfter.length,
  };
  results.push(r);
  log(JSON.stringify(r));
  await sleep(2000);
}

clearTimeout(timeout);
const med = (f) => round(median(results.map(f)), 1);
console.log(`\n### Deployments: ${N} at once, ${RUNS} runs (${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version})\n`);
console.log('| Run | Accepted (POSTs retried) | Rows | Running | Failed (reason) | Failovers | POST→running median | p99 | max | Consumer jobs/s | Pods ≠ 1 | Not terminated after 3 min (after one reconcile) | Pods left |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(`| ${r.run} | ${r.accepted}/${r.posted} (${r.retriedPosts}) | ${r.rowsForRun} | ${r.running} | ${r.failed.length}${r.failed.length ? ` (${[...new Set(r.failed)].join(', ')})` : ''} | ${r.failovers} | ${r.toRunningMs.median} ms | ${r.toRunningMs.p99} ms | ${r.toRunningMs.max} ms | ${r.consumerJobsPerSecond} | ${r.podsMismatched} | ${r.notTerminatedBeforeReconcile} (${r.notTerminated}) | ${r.podsLeftAfterTerminate} |`);
}
console.log(`\nMedian over runs: POST→running median ${med((r) => r.toRunningMs.median)} ms, p99 ${med((r) => r.toRunningMs.p99)} ms; consumer ${med((r) => r.consumerJobsPerSecond)} provision jobs/s.`);
await stopAll();
process.exit(results.every((r) => r.podsMismatched === 0 && r.notTerminated === 0 && r.podsLeftAfterTerminate === 0 && r.accepted === N && r.rowsForRun === N) ? 0 : 1);
